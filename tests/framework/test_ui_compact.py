"""The UI's compact layout: the default Firemaker and diamond charger played in 80 x 24.

Issue 11, item 7: the UI asked for 130 x 24. In a standard 80 x 24 terminal it now shows the
map and one panel beside it (the active agent's pane; tab cycles every pane, the status and
the safety metrics; pgdn/pgup scroll a tall panel); below its minimum it names the size needed.
Expected rewards as in test_ui.py: with seed 1, both workers moving LEFT onto the workshop work
(ENERGY -2, WORKSHOP +20) and the supervisor gets WORKSHOP_OPERATION +1.
"""

from __future__ import annotations

import curses
import re

import pytest

from ai_safety_gridworlds.ui import layout, palette
from ai_safety_gridworlds.ui.panes import safety_box
from ai_safety_gridworlds.ui.view import Frame, View, scrolled
from environments.diamond_charger_ma import DiamondChargerGame
from environments.firemaker_ex_ma import FiremakerGame
from tests.framework import pty_terminal
from tests.framework.pty_terminal import Terminal
from tests.framework.test_ui import TextCanvas, box_lines, reward_table

FIREMAKER = "environments.firemaker_ex_ma"
DIAMOND = "environments.diamond_charger_ma"
TAB, SHIFT_TAB, PAGE_DOWN = "\t", "\x1b[Z", "\x1b[6~"
_MONO = palette.Palette("mono", {}, curses)


def _fits(lines: list[str], cols: int = 80) -> bool:
    return all(len(line.rstrip()) <= cols for line in lines)


def test_the_default_firemaker_plays_in_80x24():
    with Terminal(FIREMAKER, ["--seed=1"], rows=24, cols=80) as term:
        term.wait_for("tick 0/1000")
        lines = term.lines
        assert "terminal too small" not in term.text and _fits(lines)
        game_map = [row[0:34:2] for row in box_lines(lines, " map 17x17 ")]
        assert game_map[8] == "#   ----W0---   #" and len(game_map) == 17
        assert box_lines(lines, ">> worker_0 (human)")[2].startswith("- W 0 - -")
        assert (
            lines[-1].startswith("tab panel  arrows move  space noop  q quit")
            and "? help" in (lines[-1])
        )

        term.send("left")
        term.wait_for(">> worker_1 \\(human\\)")  # the panel follows the turn
        term.send("left")
        term.wait_for(">> supervisor_0 \\(human\\)")
        assert "view 33x33: 13x13 shown" in term.text
        term.send(" ")
        term.wait_for("tick 1/1000")
        term.wait_for(lambda text: reward_table(term.lines, "worker_0")["WORKSHOP"] == (20, 20))
        assert reward_table(term.lines, "worker_0")["ENERGY"] == (-2, -2)

        for expected in ("worker_0", "worker_1", "supervisor_0"):
            term.send(TAB)
            term.wait_for(f"panel: {expected} \\(tab: next")
        table = reward_table(term.lines, "supervisor_0")
        assert table["WORKSHOP_OPERATION"] == (1, 1) and table["EXTERNAL_FIRE"] == (0, 0)
        term.send(TAB)
        term.wait_for("panel: status")
        assert "workshop:" in "\n".join(box_lines(term.lines, " status "))
        term.send(TAB)
        term.wait_for("panel: safety")
        safety = "\n".join(box_lines(term.lines, "hidden safety metrics"))
        assert re.search(r"workshop_ticks\s+1\b", safety) and "stop_button_presses" in safety
        assert _fits(term.lines)
        term.send(TAB)
        term.wait_for("panel: the agent whose turn it is")
        assert ">> worker_0 (human)" in term.text
        term.send(SHIFT_TAB)
        term.wait_for("panel: safety")
        term.send("q")
        assert term.wait_exit() == 0


def test_the_default_diamond_charger_plays_in_80x24():
    with Terminal(DIAMOND, ["--seed=1"], rows=24, cols=80) as term:
        term.wait_for("tick 0/1000")
        lines = term.lines
        assert "terminal too small" not in term.text and _fits(lines)
        pane = box_lines(lines, ">> agent_0 (human)")
        assert pane[5].startswith("# # # # # 0")  # its 11 x 11 view, then its rewards
        assert any(line.startswith("HEART ") for line in pane)
        assert any("energy: 250" in line for line in pane)
        assert len(box_lines(lines, " map 15x15 ")) == 15
        shown = re.search(r">> agent_0 \(human\) \[1-(\d+)/(\d+) pgdn\]", lines[2])
        if shown:  # the pane's status lines go on below the screen: pgdn shows the last ones
            term.send(PAGE_DOWN)
            last = int(shown[2])
            term.wait_for(
                rf">> agent_0 \(human\) \[{last - int(shown[1]) + 1}-{last}/{last} pgdn\]"
            )
            term.send("\x1b[5~")
            term.wait_for(r">> agent_0 \(human\) \[1-")

        term.send("up")  # agent_0 MOVE_FORWARD
        term.wait_for("turn: agent_1")
        for _ in range(3):
            term.send(" ")
        term.wait_for("tick 1/1000")
        term.send(SHIFT_TAB)
        term.wait_for("panel: safety")
        title = next(line for line in term.lines if "hidden safety metrics" in line)
        shown = re.search(r"\[1-(\d+)/(\d+) pgdn\]", title)
        assert shown and int(shown[1]) < int(shown[2])  # taller than the screen: scrolled
        assert "markers_placed " not in term.text
        term.send(PAGE_DOWN)
        term.wait_for(r"hidden safety metrics \(s hides\) \[19-\d+/\d+ pgdn\]")
        term.wait_for(lambda text: re.search(r"markers_placed\s+0\s+0\s+0\s+0", text) is not None)
        assert _fits(term.lines)
        term.send(PAGE_DOWN)  # the last page: the metrics' last rows, nothing left of page 2
        term.wait_for(r"hidden safety metrics \(s hides\) \[\d+-(\d+)/\1 pgdn\]")
        game = DiamondChargerGame()
        game.reset(seed=1)
        names = [line[0][0].split()[0] for line in safety_box(game, _MONO).lines]
        shown = box_lines(term.lines, "hidden safety metrics")
        assert [row.split()[0] for row in shown] == names[-len(shown) :]
        assert re.fullmatch(r"bond_reward_received(\s+0){4}", shown[-1].strip())
        term.send("q")
        assert term.wait_exit() == 0


@pytest.mark.parametrize("module", [FIREMAKER, DIAMOND])
def test_the_last_page_of_every_panel_shows_exactly_its_lines(module):
    """Tab to each panel, pgdn to its last page: the panel on the terminal is the one drawn
    in-process (the terminal scrolls the panel's region: see pty_terminal's SU and SD)."""
    game = (FiremakerGame if module == FIREMAKER else DiamondChargerGame)()
    view = _view(game)
    controllers = {a: "human" for a in game.possible_agents}
    active = game.possible_agents[0]
    assert view.draw(TextCanvas(24, 80), Frame("h", controllers=controllers, active=active))
    with Terminal(module, ["--seed=1"], rows=24, cols=80) as term:
        term.wait_for("tick 0/1000")
        for key in view.panels:
            canvas = TextCanvas(24, 80)
            frame = Frame("h", controllers=controllers, active=active, panel=key, scroll=10**6)
            assert view.draw(canvas, frame) and view.shown_panel == key
            title = re.search(r"┐ ┌ (.+?) ─*┐", canvas.lines[2])[1]
            term.send(TAB)
            term.wait_for(f"panel: {re.escape(key.partition(':')[2] or key)} \\(tab")
            while view.max_scroll and f" {title} " not in term.lines[2]:
                before = term.lines[2]
                term.send(PAGE_DOWN)
                term.wait_for(lambda text, before=before: text.splitlines()[2] != before)
            assert box_lines(term.lines, title) == box_lines(canvas.lines, title), key
        term.send("q")
        assert term.wait_exit() == 0


def test_the_test_terminal_scrolls_a_region_on_su_and_sd_like_xterm():
    screen = pty_terminal.Screen(3, 5)
    stream = pty_terminal.ByteStream(screen)
    stream.feed(b"a\r\nb\r\nc\r\nd\r\ne\x1b[2;4r\x1b[1;2H\x1b[2S")  # rows 2-4 up by 2
    assert screen.display == ["a  ", "d  ", "   ", "   ", "e  "]
    assert (screen.cursor.y, screen.cursor.x) == (0, 1)
    stream.feed(b"\x1b[T")  # down by 1
    assert screen.display == ["a  ", "   ", "d  ", "   ", "e  "]


def test_below_the_compact_layout_the_screen_names_a_size_that_works():
    with Terminal(FIREMAKER, ["--seed=1"], rows=10, cols=40) as term:
        text = term.wait_for(r"terminal too small: need at least \d+x\d+")
        cols, rows = map(int, re.search(r"need at least (\d+)x(\d+)", text).groups())
        assert "now 40x10" in text and (cols, rows) != (40, 10)
        assert cols <= 80 and rows <= 24
        term.resize(rows, cols)
        term.wait_for("tick 0/1000")
        assert ">> worker_0 (human)" in term.text and "? help" in term.lines[-1]
        term.resize(rows - 1, cols)
        term.wait_for("terminal too small")
        term.send("q")
        assert term.wait_exit() == 0


# ---------------------------------------------------------------------------
# In-process


def _view(game):
    game.reset(seed=1)
    return View(game, palette.Palette("mono", {}, curses))


@pytest.mark.parametrize(
    ("game_class", "level"),
    [(FiremakerGame, 0), (FiremakerGame, 1), (DiamondChargerGame, 0), (DiamondChargerGame, 1)]
    + [(DiamondChargerGame, 2)],
)
def test_every_panel_of_every_level_fits_80x24(game_class, level):
    game = game_class(level=level)
    view = _view(game)
    controllers = {a: "human" for a in game.possible_agents}
    frame = Frame("header", controllers=controllers, active=game.possible_agents[0])
    assert view.draw(TextCanvas(24, 80), frame)
    assert view.compact and view.panels[0] == f"pane:{game.possible_agents[0]}"
    assert "safety" in view.panels
    for key in view.panels:
        canvas = TextCanvas(24, 80)
        assert view.draw(canvas, Frame("header", controllers=controllers, panel=key)), key
        text = "\n".join(canvas.lines)
        assert "terminal too small" not in text
        if key.startswith("pane:"):
            assert key[len("pane:") :] + " (human)" in text
    rows, cols = view.minimum_size(frame)  # every panel can be shown there, and not below
    assert rows <= 24 and cols <= 80
    for size, fits in (
        ((rows, cols), all),
        ((rows - 1, cols), _none),
        ((rows, cols - 1), _not_all),
    ):
        drawn = [
            view.draw(TextCanvas(*size), Frame("h", controllers=controllers, panel=key))
            for key in view.panels or [None]
        ]
        assert fits(drawn), (size, drawn)


def _none(values) -> bool:
    return not any(values)


def _not_all(values) -> bool:
    return not all(values)


def test_a_tall_panel_scrolls_and_says_which_lines_it_shows():
    game = DiamondChargerGame()
    view = _view(game)
    box = view.panel_box("safety", Frame("h"), layout.compact_densities(24)[0])
    assert box.height > 21
    top = scrolled(box, 0, 21)
    assert top.height == 21 and top.lines == box.lines[:19]
    assert top.title.endswith(f"[1-19/{len(box.lines)} pgdn]")
    bottom = scrolled(box, 10_000, 21)
    assert bottom.lines == box.lines[-19:] and bottom.hidden_rows == len(box.lines) - 19
    assert scrolled(box, 0, None) is box


def test_the_full_layout_is_kept_where_it_fits():
    view = _view(FiremakerGame())
    frame = Frame("header", active="worker_0")
    assert view.draw(TextCanvas(50, 130), frame) and not view.compact
    assert view.panels == []
    assert view.draw(TextCanvas(24, 80), frame) and view.compact
