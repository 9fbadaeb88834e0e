"""Key bindings: which key plays which action, and the UI's own command keys.

Movement: the arrow keys (and the keypad digits 4 6 8 2 with num-lock on), or,
for games whose actions are MOVE_FORWARD/MOVE_BACK/ROTATE_LEFT/ROTATE_RIGHT,
up/down move and left/right rotate; NOOP: space or keypad 5. Turning actions,
where the agent has them: ``z``/``x`` turn left/right 90 degrees, ``Z``/``X``
left/right 180. A game may bind more keys with a class attribute
``key_bindings`` ({key: action name}, a key being one character or a curses
key name such as ``"KEY_F1"``); every action still without a key gets the
first free letter of its name. The command keys of :data:`PLAY_COMMANDS` and
:data:`REPLAY_COMMANDS` cannot be rebound; :data:`PANEL_COMMANDS` (tab, shift-tab, pgdn,
pgup) choose and scroll the panel of the compact layout.
"""

from __future__ import annotations

import curses
from collections.abc import Iterable, Mapping, Sequence

DEFAULT_ACTION_KEYS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (curses.KEY_LEFT, ("LEFT", "ROTATE_LEFT", "TURN_LEFT")),
    (curses.KEY_RIGHT, ("RIGHT", "ROTATE_RIGHT", "TURN_RIGHT")),
    (curses.KEY_UP, ("UP", "MOVE_FORWARD", "FORWARD")),
    (curses.KEY_DOWN, ("DOWN", "MOVE_BACK", "BACK", "BACKWARD")),
    (ord("4"), ("LEFT", "ROTATE_LEFT", "TURN_LEFT")),
    (ord("6"), ("RIGHT", "ROTATE_RIGHT", "TURN_RIGHT")),
    (ord("8"), ("UP", "MOVE_FORWARD", "FORWARD")),
    (ord("2"), ("DOWN", "MOVE_BACK", "BACK", "BACKWARD")),
    (ord(" "), ("NOOP",)),
    (ord("5"), ("NOOP",)),
    (curses.KEY_B2, ("NOOP",)),
    (ord("z"), ("TURN_LEFT_90",)),
    (ord("x"), ("TURN_RIGHT_90",)),
    (ord("Z"), ("TURN_LEFT_180",)),
    (ord("X"), ("TURN_RIGHT_180",)),
)
"""Each key with the action names it may play: the first one the game has."""

PANEL_COMMANDS: dict[int, str] = {
    ord("\t"): "panel",
    curses.KEY_BTAB: "panel back",
    curses.KEY_NPAGE: "scroll down",
    curses.KEY_PPAGE: "scroll up",
}
"""The compact layout's keys (a small terminal shows the map and one panel at a time)."""

PLAY_COMMANDS: dict[int, str] = {
    ord("q"): "quit",
    ord("r"): "restart",
    ord("?"): "help",
    ord("s"): "safety",
    ord("p"): "pause",
    **PANEL_COMMANDS,
}
"""Command keys while playing."""

REPLAY_COMMANDS: dict[int, str] = {
    ord("q"): "quit",
    ord("?"): "help",
    ord("s"): "safety",
    ord(" "): "pause",
    ord("p"): "pause",
    curses.KEY_RIGHT: "forward",
    ord("n"): "forward",
    curses.KEY_LEFT: "back",
    ord("b"): "back",
    curses.KEY_HOME: "start",
    ord("g"): "start",
    curses.KEY_END: "end",
    ord("G"): "end",
    **PANEL_COMMANDS,
}
"""Command keys while replaying a recording."""

COMMAND_HELP = {
    "quit": "quit",
    "restart": "restart the episode",
    "help": "show all keys",
    "safety": "show/hide the hidden safety metrics",
    "pause": "pause/resume the automatic agents",
    "forward": "one tick forward",
    "back": "one tick back",
    "start": "go to the start",
    "end": "go to the end",
    "panel": "next panel beside the map (small terminals)",
    "panel back": "previous panel (small terminals)",
    "scroll down": "scroll a tall panel down (small terminals)",
    "scroll up": "scroll a tall panel up (small terminals)",
}

ON_HELP_LINE_ONLY_IF_COMPACT = frozenset(PANEL_COMMANDS.values())
"""Commands left off the one-line key help (the compact layout names its own key there)."""

_NAMED_KEYS = {
    curses.KEY_LEFT: "left",
    curses.KEY_RIGHT: "right",
    curses.KEY_UP: "up",
    curses.KEY_DOWN: "down",
    curses.KEY_B2: "keypad 5",
    curses.KEY_HOME: "home",
    curses.KEY_END: "end",
    curses.KEY_NPAGE: "pgdn",
    curses.KEY_PPAGE: "pgup",
    curses.KEY_BTAB: "shift-tab",
    ord("\t"): "tab",
    ord(" "): "space",
}

_MOVEMENT_NAMES = frozenset(
    ("NOOP", "LEFT", "RIGHT", "UP", "DOWN")
    + ("TURN_LEFT_90", "TURN_RIGHT_90", "TURN_LEFT_180", "TURN_RIGHT_180")
)


def parse_key(spec: str) -> int:
    """A key code from one character or a curses key name (``"KEY_F1"``)."""
    if len(spec) == 1:
        return ord(spec)
    if spec.startswith("KEY_"):
        code = getattr(curses, spec, None)
        if code is None and spec.startswith("KEY_F") and spec[5:].isdigit():
            code = curses.KEY_F0 + int(spec[5:])
        if isinstance(code, int):
            return code
    raise ValueError(f"key binding {spec!r}: a key is one character or a curses name like 'KEY_F1'")


def key_label(code: int) -> str:
    """How a key is written in the help."""
    if code in _NAMED_KEYS:
        return _NAMED_KEYS[code]
    if curses.KEY_F0 < code <= curses.KEY_F0 + 63:
        return f"F{code - curses.KEY_F0}"
    if 32 < code < 127:
        return chr(code)
    return f"key {code}"


def command_keys(commands: Mapping[int, str]) -> dict[str, str]:
    """Each command with its keys joined by '/'."""
    by_command: dict[str, list[str]] = {}
    for code, command in commands.items():
        by_command.setdefault(command, []).append(key_label(code))
    return {command: "/".join(keys) for command, keys in by_command.items()}


class KeyMap:
    """The keys of one game: its actions' keys and the command keys.

    ``action_names`` lists every action name any agent has, in a stable order;
    ``game_bindings`` is the game's ``key_bindings`` attribute (or None).
    """

    def __init__(self, action_names: Iterable[str], game_bindings: Mapping[str, str] | None = None):
        names = list(dict.fromkeys(action_names))
        reserved = set(PLAY_COMMANDS) | set(REPLAY_COMMANDS)
        bindings: dict[int, str] = {}
        for code, candidates in DEFAULT_ACTION_KEYS:
            present = [name for name in candidates if name in names]
            if present:
                bindings[code] = present[0]
        for spec, name in (game_bindings or {}).items():
            code = parse_key(spec)
            if code in reserved:
                raise ValueError(
                    f"key_bindings: {spec!r} is a command key of the UI and cannot be bound to "
                    f"{name!r}; command keys: {', '.join(sorted(key_label(c) for c in reserved))}"
                )
            if name not in names:
                raise ValueError(
                    f"key_bindings: {spec!r} is bound to unknown action {name!r}; actions: {names}"
                )
            bindings[code] = name
        for name in names:
            if name in bindings.values():
                continue
            free = [
                ord(c)
                for c in name.lower() + "abcdefghijklmnopqrstuvwxyz"
                if c.isalpha() and ord(c) not in bindings and ord(c) not in reserved
            ]
            if free:
                bindings[free[0]] = name
        self.bindings = bindings

    def action(self, code: int, action_names: Sequence[str]) -> str | None:
        """The action name a key plays, if the agent has that action."""
        name = self.bindings.get(code)
        return name if name in action_names else None

    def keys_of(self, action_names: Sequence[str]) -> list[tuple[str, str]]:
        """(keys, action) for each of these actions that has a key, keys joined by '/'."""
        rows = []
        for name in action_names:
            labels = [key_label(c) for c, n in self.bindings.items() if n == name]
            if labels:
                rows.append(("/".join(labels), name))
        return rows

    def help_line(self, action_names: Sequence[str], commands: Mapping[int, str]) -> str:
        """A one-line summary of the keys (the full list is behind ``?``)."""
        parts = []
        if "LEFT" in action_names:
            parts.append("arrows move")
        if "NOOP" in action_names:
            parts.append("space noop")
        if "TURN_LEFT_90" in action_names:
            parts.append("z/x Z/X turn")
        parts.extend(
            f"{keys} {command}"
            for command, keys in command_keys(commands).items()
            if command not in ON_HELP_LINE_ONLY_IF_COMPACT
        )
        for keys, name in self.keys_of(action_names):
            if name not in _MOVEMENT_NAMES:
                parts.append(f"{keys} {name.lower()}")
        return "  ".join(parts)

    def help_rows(
        self, action_names: Sequence[str], commands: Mapping[int, str]
    ) -> list[tuple[str, str]]:
        """Every key with what it does, for the ``?`` screen."""
        rows = [(keys, name) for keys, name in self.keys_of(action_names)]
        rows.extend((keys, COMMAND_HELP[c]) for c, keys in command_keys(commands).items())
        return rows
