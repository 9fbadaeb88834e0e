"""The curses UI: the real program in a pseudo-terminal (pyte), and its parts in-process.

Expected numbers follow docs/firemaker.md: with seed 1 on level 0, worker_0 at
(8, 9) and worker_1 at (9, 9) each move LEFT onto a workshop cell, so each
works: ENERGY -1 (move) - 1 (working) = -2, WORKSHOP +10 per working worker
= +20 for both, and the supervisor (NOOP, outside the territory) gets
WORKSHOP_OPERATION +1.
"""

from __future__ import annotations

import curses
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from ai_safety_gridworlds.ui import layout, palette
from ai_safety_gridworlds.ui.keys import KeyMap
from ai_safety_gridworlds.ui.recording import Recorder, RecordingError, Replayer, load_recording
from ai_safety_gridworlds.ui.session import Session, parse_humans, parse_policies
from ai_safety_gridworlds.ui.view import Frame, View
from environments.firemaker_ex_ma import FiremakerConfig, FiremakerGame
from tests.framework.pty_terminal import Terminal

MODULE = "environments.firemaker_ex_ma"
AGENTS = ["worker_0", "worker_1", "supervisor_0"]


def box_lines(lines: list[str], title: str) -> list[str]:
    """The inside of the box whose title contains ``title``."""
    for i, line in enumerate(lines):
        at = line.find(title)
        left = line.rfind("┌", 0, at)
        if at < 0 or left < 0:
            continue
        inside = []
        for row in lines[i + 1 :]:
            if row[left] == "└":
                return inside
            inside.append(row[left + 1 : row.index("│", left + 1)])
    raise AssertionError(f"no box titled {title!r} on screen:\n" + "\n".join(lines))


def map_cells(lines: list[str]) -> list[str]:
    """The 17 x 17 map as shown (two terminal columns per cell)."""
    return [row[0:34:2] for row in box_lines(lines, " map 17x17 ")]


def reward_table(lines: list[str], agent: str) -> dict[str, tuple[float, float]]:
    """{dimension: (last, return)} from an agent's pane."""
    table = {}
    for row in box_lines(lines, f"{agent} ("):
        match = re.match(r"([A-Z_]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$", row)
        if match:
            table[match[1]] = (float(match[2]), float(match[3]))
    return table


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


# ---------------------------------------------------------------------------
# The real program in a pseudo-terminal


def test_screen_shows_map_status_safety_and_a_pane_with_rewards_per_agent():
    with Terminal(MODULE, ["--seed=1"]) as term:
        term.wait_for("tick 0/1000")
        lines = term.lines
        assert "turn: worker_0 (your turn)" in lines[0]
        assert map_cells(lines)[8] == "#   ----W0---   #"
        assert [r.rstrip() for r in box_lines(lines, ">> worker_0 (human)")[:5]] == [
            "- - - - -",
            "- B - - -",
            "- W 0 - -",
            "- W 1 - -",
            "- - - - -",
        ]
        assert len(box_lines(lines, "supervisor_0 (human)")) >= 33 + 5
        assert reward_table(lines, "worker_0") == {"ENERGY": (0, 0), "WORKSHOP": (0, 0)}
        assert set(reward_table(lines, "supervisor_0")) == {
            "ENERGY",
            "EXTERNAL_FIRE",
            "TRESPASSING",
            "WORKSHOP_OPERATION",
        }
        status = "\n".join(box_lines(lines, " status "))
        assert re.search(r"workshop:\s+operating", status)
        assert re.search(r"stop button countdown:\s+0", status)
        assert re.search(r"external fires:\s+0", status)
        assert "external_fire_ticks" in term.text
        term.send("s")
        term.wait_for(lambda text: "external_fire_ticks" not in text)
        assert "q quit" in lines[-1] and "? help" in lines[-1]
        term.send("?")
        term.wait_for("show/hide the hidden safety metrics")
        term.send(" ")
        term.wait_for(lambda text: "any key closes" not in text)
        term.send("q")
        assert term.wait_exit() == 0


def test_moves_show_at_once_and_the_world_ticks_after_the_last_agent_of_the_round():
    with Terminal(MODULE, ["--seed=1"]) as term:
        term.wait_for("turn: worker_0")
        term.send("left")
        term.wait_for("turn: worker_1 \\(your turn\\)")
        lines = term.lines
        assert map_cells(lines)[8] == "#   ----0----   #"
        assert "tick 0/1000" in lines[0]
        assert box_lines(lines, ">> worker_1")[1].startswith("- 0 - - -")
        assert reward_table(lines, "worker_0") == {"ENERGY": (0, 0), "WORKSHOP": (0, 0)}
        term.send("left")
        term.wait_for("turn: supervisor_0")
        assert "tick 0/1000" in term.lines[0]
        assert map_cells(term.lines)[9] == "#   ----1----   #"
        term.send(" ")
        term.wait_for("tick 1/1000")
        lines = term.lines
        assert "turn: worker_0" in lines[0]
        assert "round 1: worker_0 LEFT, worker_1 LEFT, supervisor_0 NOOP" in lines[1]
        for worker in ("worker_0", "worker_1"):
            assert reward_table(lines, worker) == {"ENERGY": (-2, -2), "WORKSHOP": (20, 20)}
        assert reward_table(lines, "supervisor_0")["WORKSHOP_OPERATION"] == (1, 1)
        assert re.search(r"workshop_ticks\s+1\b", term.text)
        term.send("r")
        term.wait_for("episode 2")
        assert "tick 0/1000" in term.lines[0] and "seed 2" in term.lines[0]
        assert map_cells(term.lines)[8] == "#   ----W0---   #"
        term.send("q")
        assert term.wait_exit() == 0
        assert b"\x1b[?1049l" in term.raw  # curses left the alternate screen: terminal restored


def test_other_agents_are_driven_by_the_policy_and_their_moves_shown():
    with Terminal(MODULE, ["--seed=3", "--human=worker_0", "--policy=random", "--delay=0"]) as term:
        term.wait_for("turn: worker_0 \\(your turn\\)")
        assert "worker_1 (random)" in term.text and "supervisor_0 (random)" in term.text
        term.send("left")
        term.wait_for("tick 1/1000")
        term.wait_for(r"round 1: worker_0 LEFT, worker_1 [A-Z]+, supervisor_0 [A-Z]+")
        assert "turn: worker_0 (your turn)" in term.lines[0]
        term.send("q")
        assert term.wait_exit() == 0


def test_resize_redraws_and_a_too_small_terminal_says_the_size_needed():
    with Terminal(MODULE, ["--seed=1"], rows=12, cols=50) as term:
        text = term.wait_for(r"terminal too small: need at least \d+x\d+")
        cols, rows = map(int, re.search(r"need at least (\d+)x(\d+)", text).groups())
        term.resize(rows, max(cols, 60))
        term.wait_for("tick 0/1000")
        assert "worker_0" in term.text and "map 17x17" in term.text
        term.resize(50, 120)
        term.wait_for(lambda _: map_cells(term.lines)[8] == "#   ----W0---   #")
        term.send("left")
        term.wait_for("turn: worker_1")
        term.resize(10, 40)
        term.wait_for("terminal too small")
        term.send("q")
        assert term.wait_exit() == 0


def test_replay_reproduces_the_recorded_rewards(tmp_path):
    path = tmp_path / "episode.jsonl"
    args = ["--seed=5", "--human=worker_0", "--policy=random", "--delay=0", "--max_cycles=3"]
    with Terminal(MODULE, [*args, f"--record={path}"]) as term:
        for tick in range(3):
            term.wait_for(f"tick {tick}/3 .*your turn")
            term.send("left")
        term.wait_for("EPISODE OVER")
        recorded = {a: reward_table(term.lines, a) for a in AGENTS}
        term.send("q")
        assert term.wait_exit() == 0
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["type"] for r in records] == ["header", "episode", "tick", "tick", "tick", "end"]
    assert records[0]["config"]["max_cycles"] == 3 and records[1]["seed"] == 5
    assert records[2]["actions"][0] == ["worker_0", 1]
    end = records[-1]
    assert end["reason"] == "episode over"
    for agent in AGENTS:
        assert [r for _, r in recorded[agent].values()] == end["returns"][agent]

    with Terminal(MODULE, [f"--replay={path}", "--delay=0"]) as term:
        term.wait_for("verified")
        assert "tick 3/3" in term.lines[0]
        assert "worker_1 (random, done)" in term.text and "worker_0 (human, done)" in term.text

        for agent in AGENTS:
            assert reward_table(term.lines, agent) == recorded[agent]
        term.send("left")
        term.wait_for("tick 2/3")
        assert "paused" in term.lines[0]
        term.send("home")
        term.wait_for("tick 0/3")
        assert reward_table(term.lines, "worker_0") == {"ENERGY": (0, 0), "WORKSHOP": (0, 0)}
        term.send("end")
        term.wait_for("verified")
        term.send("q")
        assert term.wait_exit() == 0


@pytest.mark.parametrize(
    ("term_name", "colours", "wall_background", "territory_background"),
    [
        ("xterm", "auto", "black", "white"),
        ("xterm-256color", "auto", "6c6c6c", "ffd7af"),
        ("xterm-256color", "mono", None, None),
    ],
)
def test_colours_fall_back_to_8_colours_and_monochrome(
    term_name, colours, wall_background, territory_background
):
    with Terminal(MODULE, ["--seed=1", f"--colours={colours}"], term=term_name) as term:
        term.wait_for("tick 0/1000")
        row = next(i for i, line in enumerate(term.lines) if " map 17x17 " in line) + 1
        buffer = term.screen.buffer
        border = buffer[row][0].bg  # the box border has the terminal's plain colours
        territory = row + 4
        assert buffer[row][1].data == "#" and buffer[territory][9].data == "-"
        assert buffer[row][1].bg == (wall_background or border)
        assert buffer[territory][9].bg == (territory_background or border)
        assert map_cells(term.lines)[8] == "#   ----W0---   #"
        term.send("q")
        assert term.wait_exit() == 0


# ---------------------------------------------------------------------------
# The command line without a terminal


def test_help_lists_every_config_flag_and_ui_flag_with_its_default():
    result = run_cli("--help")
    assert result.returncode == 0
    for field in FiremakerConfig.__dataclass_fields__:
        assert re.search(rf"--(\[no\])?{field}: .*\n(.*\n)*?\s+\(default: ", result.stdout), field
    for flag in ("human", "policy", "record", "replay", "seed", "preset", "delay", "colours"):
        assert f"--{flag}:" in result.stdout
    assert result.stdout.count("(default:") >= len(FiremakerConfig.__dataclass_fields__) + 8


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--num_workers=abc"], "num_workers"),
        (["--level=5"], "'level'"),
        (["--bogus=1"], "bogus"),
        (["--human=nobody"], "nobody"),
        (["--human=worker_0", "--policy=no_such_policy"], "no_such_policy"),
        (["--replay=x.jsonl", "--level=1"], "--replay"),
    ],
)
def test_bad_flags_give_a_one_line_error_and_status_2(args, mentions):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert mentions in result.stderr


def test_without_a_terminal_the_program_suggests_render_mode_ansi():
    result = run_cli("--seed=1")
    assert result.returncode == 1
    assert 'render_mode="ansi"' in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_terminal_type_gives_a_clear_message():
    with Terminal(MODULE, ["--seed=1"], term="no-such-terminal") as term:
        assert term.wait_exit() == 1
        assert "curses does not know the terminal TERM='no-such-terminal'" in term.text
        assert "Traceback" not in term.text


def test_malformed_or_foreign_recordings_are_refused_clearly(tmp_path):

    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    result = run_cli(f"--replay={bad}")
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    foreign = tmp_path / "foreign.jsonl"
    game = FiremakerGame()
    Recorder(str(foreign), "diamond_charger_ma", game, {}).close()
    with pytest.raises(RecordingError, match="recording of 'diamond_charger_ma'"):
        load_recording(str(foreign), "firemaker_ex_ma")


# ---------------------------------------------------------------------------
# The parts in-process


def test_recorded_session_replays_exactly_and_a_changed_reward_is_caught(tmp_path):
    path = tmp_path / "session.jsonl"
    game = FiremakerGame(max_cycles=20)
    session = Session(game, ["worker_0"], parse_policies("random", AGENTS), seed=11)
    session.recorder = Recorder(str(path), "firemaker_ex_ma", game, session.recorded_header())
    session.start()
    while not game.episode_over:
        session.play(session.policy_action() if not session.human_turn() else 3)
    session.start()
    session.play(1)
    session.finish("quit")
    session.recorder.close()
    returns = {a: v.copy() for a, v in game.returns.items()}

    recording = load_recording(str(path), "firemaker_ex_ma")
    assert [len(e.steps) for e in recording.episodes] == [20, 1]
    replayer = Replayer(recording, FiremakerGame(**recording.header["config"]))
    replayer.goto(20)
    assert replayer.verified and replayer.divergence is None
    replayer.goto(len(replayer.timeline) - 1)
    assert replayer.verified and replayer.game.next_agent == "worker_1"
    for agent, vector in returns.items():
        np.testing.assert_array_equal(replayer.game.returns[agent], vector)

    recording.episodes[0].steps[4].rewards["worker_0"][0] += 1
    replayer = Replayer(recording, FiremakerGame(**recording.header["config"]))
    replayer.goto(20)
    assert replayer.divergence == "tick 4: worker_0's rewards differ" and not replayer.verified


def test_layout_flows_boxes_into_columns_and_reports_the_size_needed():
    sizes = [(10, 20), (5, 8), (8, 30)]
    assert layout.flow(sizes, 15) == ([(0, 0), (10, 0), (0, 21)], 51)
    assert layout.flow(sizes, 9) is None
    assert layout.flow([(10, 5), (8, 5), (2, 5)], 12) == ([(0, 0), (0, 6), (10, 0)], 11)
    compact = layout.compact_densities(24)
    assert {d.panel_rows for d in compact} == {24 - layout.CHROME_ROWS}
    assert [d.map_crop for d in compact[::6]] == [19, 12, 9]
    assert compact[0].pane_crop == 13 and compact[0].pane_text_width == layout.COMPACT_TEXT_WIDTH
    assert layout.compact_densities(5)[0].map_crop == layout.MIN_MAP_CELLS

    assert layout.crop_range(33, 2, 11) == (0, 11)
    assert layout.crop_range(61, 30, 21, content=(28, 59)) == (28, 21)

    assert layout.crop_range(33, 16, 11) == (11, 11)
    assert layout.crop_range(5, 2, 11) == (0, 5)


def test_palette_maps_pycolab_colours_to_xterm_and_basic_colours():
    assert palette.xterm256_index((999, 0, 0)) == 196
    assert palette.xterm256_index((428, 428, 428)) == 242
    assert palette.basic8_index((0, 0, 999)) == 4
    assert palette.basic8_index((870, 870, 870)) == 7
    colours = palette.cell_colours({"#": (1, 2, 3)}, {"a_0": "0", "b_0": "S"}, {"a_0": "a"})
    assert colours["0"] == palette.AGENT_COLOURS[0] and colours["S"] == palette.AGENT_COLOURS[1]


def test_key_map_binds_game_keys_and_gives_unbound_actions_a_letter():
    keys = KeyMap(["NOOP", "LEFT", "USE", "ATTACK"], {"u": "USE"})
    assert keys.action(ord("u"), ["USE"]) == "USE"
    assert keys.action(ord("a"), ["ATTACK"]) == "ATTACK"
    assert keys.action(ord("a"), ["NOOP"]) is None
    with pytest.raises(ValueError, match="command key"):
        KeyMap(["USE"], {"q": "USE"})
    with pytest.raises(ValueError, match="unknown action"):
        KeyMap(["USE"], {"u": "FLY"})


class TextCanvas:
    """A canvas of plain text, for drawing screens in-process."""

    def __init__(self, rows: int, cols: int):
        self.rows, self.cols = rows, cols
        self.erase()

    def size(self) -> tuple[int, int]:
        return self.rows, self.cols

    def erase(self) -> None:
        self.grid = [[" "] * self.cols for _ in range(self.rows)]

    def text(self, y: int, x: int, text: str, attr: int = 0) -> None:
        for i, char in enumerate(text):
            if 0 <= y < self.rows and 0 <= x + i < self.cols:
                self.grid[y][x + i] = char

    def box(self, y: int, x: int, height: int, width: int, attr: int = 0) -> None:
        self.text(y, x, "┌" + "─" * (width - 2) + "┐")
        for row in range(y + 1, y + height - 1):
            self.text(row, x, "│")
            self.text(row, x + width - 1, "│")
        self.text(y + height - 1, x, "└" + "─" * (width - 2) + "┘")

    @property
    def lines(self) -> list[str]:
        return ["".join(row) for row in self.grid]


class HookedFiremaker(FiremakerGame):
    """A game using the UI's optional hooks."""

    key_bindings = {"w": "NOOP"}

    def agent_status(self, agent: str) -> dict:
        return {"carrying": len(agent)}


def test_game_hooks_show_in_panes_and_many_agents_get_a_list():
    game = HookedFiremaker(num_workers=6)
    game.reset(seed=1)
    view = View(game, palette.Palette("mono", {}, curses))
    controllers = {a: "human" for a in game.possible_agents}
    canvas = TextCanvas(200, 300)
    assert view.draw(canvas, Frame("header", controllers=controllers, active="worker_0"))
    for agent in game.possible_agents:
        assert f"carrying: {len(agent)}" in "\n".join(box_lines(canvas.lines, f"{agent} ("))
    assert "all agents: episode returns" not in "\n".join(canvas.lines)
    keys = KeyMap(game.action_names("worker_0"), game.key_bindings)
    assert keys.action(ord("w"), game.action_names("worker_0")) == "NOOP"

    small = TextCanvas(40, 120)
    frame = Frame("header", controllers=controllers, active="worker_3", show_safety=False)
    assert view.draw(small, frame)

    listing = box_lines(small.lines, "all agents: episode returns")
    assert len(listing) == len(game.possible_agents)
    assert listing[3].split() == [">", "worker_3", "human", "ENERGY", "0", "WORKSHOP", "0"]
    assert ">> worker_3 (human)" in "\n".join(small.lines)


def test_humans_and_policies_parse_from_flags():

    assert parse_humans("all", AGENTS) == AGENTS
    assert parse_humans("supervisor_0,worker_0", AGENTS) == ["worker_0", "supervisor_0"]
    assert parse_policies("worker_1=patrol", AGENTS)["worker_1"] == "patrol"
    with pytest.raises(ValueError, match="unknown agent"):
        parse_policies("worker_9=random", AGENTS)
