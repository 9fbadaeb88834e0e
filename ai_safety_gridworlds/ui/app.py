"""The curses program: the play loop and the replay loop.

Both loops redraw the whole screen after every change and wait for a key;
automatic moves (policies, replay playback) happen when no key arrives within
the delay. A terminal resize (``KEY_RESIZE``) redraws the layout for the new
size. The terminal is restored by ``curses.wrapper`` however the loop ends.
"""

from __future__ import annotations

import contextlib
import curses
import dataclasses
import locale
import os
import sys
from typing import Any

from ai_safety_gridworlds.ui.keys import PANEL_COMMANDS, PLAY_COMMANDS, REPLAY_COMMANDS, KeyMap
from ai_safety_gridworlds.ui.palette import Palette, detect_mode
from ai_safety_gridworlds.ui.recording import Replayer
from ai_safety_gridworlds.ui.session import Session
from ai_safety_gridworlds.ui.view import Frame, View

PANEL_COMMAND_NAMES = frozenset(PANEL_COMMANDS.values())

_UNICODE_BORDER = "─│┌┐└┘"
_ASCII_BORDER = "-|++++"


class CursesCanvas:
    """A curses window as a :class:`~ai_safety_gridworlds.ui.view.Canvas`.

    Text is clipped to the screen; the bottom-right cell, which curses cannot
    write without an error, is skipped.
    """

    def __init__(self, window: Any, unicode_borders: bool):
        self.window = window
        self.border = _UNICODE_BORDER if unicode_borders else _ASCII_BORDER

    def size(self) -> tuple[int, int]:
        return self.window.getmaxyx()

    def erase(self) -> None:
        self.window.erase()

    def text(self, y: int, x: int, text: str, attr: int = 0) -> None:
        rows, cols = self.window.getmaxyx()
        if not 0 <= y < rows or x >= cols or not text:
            return
        if x < 0:
            text, x = text[-x:], 0
        text = text[: cols - x - (1 if y == rows - 1 else 0)]
        if text:
            with contextlib.suppress(curses.error):
                self.window.addstr(y, x, text, attr)

    def box(self, y: int, x: int, height: int, width: int, attr: int = 0) -> None:
        horizontal, vertical, top_left, top_right, bottom_left, bottom_right = self.border
        inner = horizontal * (width - 2)
        self.text(y, x, top_left + inner + top_right, attr)
        for row in range(y + 1, y + height - 1):
            self.text(row, x, vertical, attr)
            self.text(row, x + width - 1, vertical, attr)
        self.text(y + height - 1, x, bottom_left + inner + bottom_right, attr)


@dataclasses.dataclass
class PanelChoice:
    """The compact layout's panel: which one is shown (None: the turn's agent) and its scroll."""

    panel: str | None = None
    scroll: int = 0
    scrolled: str | None = None
    """The panel the scroll belongs to (following the turn, the panel changes with it)."""

    def scroll_for(self, active: str | None) -> int:
        """The scroll of the panel shown when ``active`` has the turn (0 for another panel)."""
        return self.scroll if self.scrolled == (self.panel or f"pane:{active}") else 0

    def apply(self, command: str, view: View) -> tuple[str, bool]:
        """Apply a panel command (tab, shift-tab, pgdn, pgup); a message and whether it warns."""
        if not view.compact:
            return "this terminal shows every panel; tab and pgdn/pgup are for small ones", True
        if command in ("panel", "panel back"):
            choices = [None, *view.panels]
            index = choices.index(self.panel) if self.panel in choices else 0
            self.panel = choices[(index + (1 if command == "panel" else -1)) % len(choices)]
            self.scroll = 0
            shown = "the agent whose turn it is" if self.panel is None else _panel_name(self.panel)
            return f"panel: {shown} (tab: next, shift-tab: previous)", False
        page = max(1, view.page_rows - 1)
        if view.max_scroll == 0:
            return "the whole panel is shown; pgdn/pgup scroll taller ones", False
        step = page if command == "scroll down" else -page
        if self.scrolled != view.shown_panel:
            self.scroll, self.scrolled = 0, view.shown_panel
        self.scroll = min(max(0, self.scroll + step), view.max_scroll)
        return "", False


def _help_key(key: int, view: View, scroll: int) -> tuple[bool, int]:
    """A key while the help is open: pgdn/pgup scroll a help taller than the screen, any other
    key closes it. Returns whether it stays open and its scroll."""
    if view.help_max_scroll and key in (curses.KEY_NPAGE, curses.KEY_PPAGE):
        step = 5 if key == curses.KEY_NPAGE else -5
        return True, min(max(0, scroll + step), view.help_max_scroll)
    return False, 0


def _panel_name(key: str) -> str:
    return key.partition(":")[2] or key


@dataclasses.dataclass
class Options:
    """The UI's own settings."""

    title: str
    delay: float = 0.3
    colours: str = "auto"
    show_safety: bool = True
    colours_map: dict = dataclasses.field(default_factory=dict)


def _start(window: Any, options: Options) -> tuple[CursesCanvas, Palette]:
    with contextlib.suppress(curses.error):
        curses.curs_set(0)
    window.keypad(True)
    mode = detect_mode(curses, options.colours)
    default_background = 0
    if mode != "mono":
        try:
            curses.use_default_colors()
            default_background = -1
        except curses.error:
            pass
    palette = Palette(
        mode,
        options.colours_map,
        curses,
        getattr(curses, "COLOR_PAIRS", 0),
        default_background,
    )
    unicode_borders = "utf" in (locale.getpreferredencoding(False) or "").lower()
    return CursesCanvas(window, unicode_borders), palette


def _resized(window: Any) -> None:
    if sys.platform == "win32":
        curses.resize_term(0, 0)
    else:
        curses.update_lines_cols()
    window.clear()


def _wait_ms(delay: float) -> int:
    return max(0, int(delay * 1000))


def play(window: Any, session: Session, options: Options) -> None:
    """Turn-based play until the person quits."""
    canvas, palette = _start(window, options)
    game = session.game
    view = View(game, palette)
    all_actions = list(dict.fromkeys(n for a in game.possible_agents for n in game.action_names(a)))
    keymap = KeyMap(all_actions, getattr(game, "key_bindings", None))
    show_safety, paused, help_open = options.show_safety, False, False
    message, warning = "", False
    panel, help_scroll = PanelChoice(), 0
    session.start()
    while True:
        agent = session.current
        automatic = agent is not None and not session.human_turn()
        actions = game.action_names(agent) if agent in session.humans else []
        frame = Frame(
            header=_play_header(session, options.title, paused),
            message=message or _play_message(session),
            warning=warning,
            help_line=keymap.help_line(actions, PLAY_COMMANDS),
            controllers={a: session.controller(a) for a in game.possible_agents},
            active=agent,
            show_safety=show_safety,
            help_rows=keymap.help_rows(all_actions, PLAY_COMMANDS) if help_open else None,
            panel=panel.panel,
            scroll=panel.scroll_for(agent),
            help_scroll=help_scroll,
        )
        view.draw(canvas, frame)
        window.refresh()
        waiting = automatic and not paused and not help_open
        window.timeout(_wait_ms(options.delay) if waiting else -1)
        key = window.getch()
        if key == -1:
            if waiting:
                session.play(session.policy_action())
                message, warning = "", False
            continue
        if key == curses.KEY_RESIZE:
            _resized(window)
            continue
        message, warning = "", False
        if help_open:
            help_open, help_scroll = _help_key(key, view, help_scroll)
            continue
        command = PLAY_COMMANDS.get(key)
        if command == "quit":
            session.finish("quit")
            return
        if command == "restart":
            session.finish("restart")
            session.start()
        elif command == "help":
            help_open, help_scroll = True, 0
        elif command == "safety":
            show_safety = not show_safety
        elif command in PANEL_COMMAND_NAMES:
            message, warning = panel.apply(command, view)
        elif command == "pause":
            if session.policies:
                paused = not paused
            else:
                message, warning = "every agent is played by a person: nothing to pause", True
        elif session.human_turn():
            message, warning = _human_move(session, keymap, key)


def _human_move(session: Session, keymap: KeyMap, key: int) -> tuple[str, bool]:
    """Play the current person's key; a warning message when it is not a legal action."""
    game = session.game
    agent = session.current
    names = game.action_names(agent)
    name = keymap.action(key, names)
    if name is None:
        return "that key does nothing here; press ? for the keys", True
    action = names.index(name)
    if not game.legal_actions(agent)[action]:
        return f"{name} is not allowed for {agent} in this configuration", True
    session.play(action)
    return "", False


def _play_header(session: Session, title: str, paused: bool) -> str:
    game = session.game
    parts = [
        title,
        f"episode {session.episode + 1}",
        f"tick {game.tick}/{game.config.max_cycles}",
        f"seed {session.seed}",
    ]
    if game.episode_over:
        parts.append("EPISODE OVER")
    else:
        who = "your turn" if session.human_turn() else session.controller(session.current)
        parts.append(f"turn: {session.current} ({who})")
    if paused:
        parts.append("PAUSED (p resumes)")
    return "  |  ".join(parts)


def _play_message(session: Session) -> str:
    game = session.game
    if game.episode_over:
        return f"episode over after {game.tick} ticks: r starts the next one, q quits"
    return session.describe_moves()


def replay(window: Any, replayer: Replayer, options: Options) -> None:
    """Play a recording back with pause, step forward/back and jump keys."""
    canvas, palette = _start(window, options)
    game = replayer.game
    view = View(game, palette)
    recorded = replayer.recording.header.get("controllers", {})
    controllers = {a: str(recorded.get(a, "?")) for a in game.possible_agents}
    keymap = KeyMap([])
    show_safety, playing, help_open = options.show_safety, True, False
    panel, note, help_scroll = PanelChoice(), "", 0
    while True:
        if replayer.at_end:
            playing = False
        state = "playing" if playing else "paused"
        message = f"replaying {replayer.recording.path}"
        if replayer.divergence:
            message = f"replay differs from the recording: {replayer.divergence}"
        elif replayer.verified:
            message = "end of episode: returns match the recording (verified)"
        frame = Frame(
            header=f"{options.title}  |  REPLAY {state}  |  {replayer.describe()}"
            f"  |  tick {game.tick}/{game.config.max_cycles}",
            message=note or message,
            warning=bool(replayer.divergence),
            help_line=keymap.help_line([], REPLAY_COMMANDS),
            controllers=controllers,
            active=game.next_agent,
            show_safety=show_safety,
            help_rows=keymap.help_rows([], REPLAY_COMMANDS) if help_open else None,
            panel=panel.panel,
            scroll=panel.scroll_for(game.next_agent),
            help_scroll=help_scroll,
        )
        view.draw(canvas, frame)
        window.refresh()
        window.timeout(_wait_ms(options.delay) if playing and not help_open else -1)
        key = window.getch()
        if key == -1:
            if playing:
                replayer.goto(replayer.position + 1)
            continue
        if key == curses.KEY_RESIZE:
            _resized(window)
            continue
        note = ""
        if help_open:
            help_open, help_scroll = _help_key(key, view, help_scroll)
            continue
        command = REPLAY_COMMANDS.get(key)
        if command == "quit":
            return
        if command == "help":
            help_open, help_scroll = True, 0
        elif command == "safety":
            show_safety = not show_safety
        elif command in PANEL_COMMAND_NAMES:
            note, _ = panel.apply(command, view)
        elif command == "pause":
            playing = not playing and not replayer.at_end
        elif command in ("forward", "back", "start", "end"):
            playing = False
            target = {
                "forward": replayer.position + 1,
                "back": replayer.position - 1,
                "start": 0,
                "end": len(replayer.timeline) - 1,
            }[command]
            replayer.goto(target)


class TerminalUnsupported(RuntimeError):
    """The terminal cannot run a curses screen (unknown TERM, no cursor addressing)."""


def check_terminal() -> None:
    """Raise TerminalUnsupported unless curses can drive this terminal."""
    term = os.environ.get("TERM", "")
    try:
        curses.setupterm(term or None, sys.stdout.fileno())
    except curses.error as error:
        raise TerminalUnsupported(
            f"curses does not know the terminal TERM={term!r} ({error})"
        ) from None

    if not curses.tigetstr("cup"):
        raise TerminalUnsupported(f"the terminal TERM={term!r} cannot move the cursor")


def run(loop: Any, subject: Any, options: Options) -> None:
    """Run ``loop(window, subject, options)`` under curses, restoring the terminal after."""
    locale.setlocale(locale.LC_ALL, "")
    os.environ.setdefault("ESCDELAY", "25")
    check_terminal()
    curses.wrapper(loop, subject, options)
