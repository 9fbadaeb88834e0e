"""Colours: pycolab's 0..999 RGB cell colours on 256-colour, 8-colour and monochrome terminals.

A map character's colour (``colours[char]``, pycolab's 0..999 scale) is the
background of its cell; the character itself is drawn in black or white,
whichever reads better on it. On a 256-colour terminal the colour becomes the
nearest entry of the xterm 6x6x6 cube or grey ramp, on an 8-colour terminal the
nearest of the eight basic colours, and in monochrome there is no colour at
all: every tile kind has its own character, so the board stays readable.

Colour pairs are allocated on first use and never beyond pair 255 (the limit
of ``curses.color_pair``) nor beyond what the terminal offers; when they run
out, cells fall back to the default colours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RGB = tuple[int, int, int]
"""A colour in pycolab's 0..999 per channel."""

MODES = ("256", "8", "mono")

_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)
_BASIC_RGB = (
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
)
"""xterm's eight basic colours (black, red, green, yellow, blue, magenta, cyan, white)."""

BLACK, WHITE = 0, 7
MAX_PAIR = 255

AGENT_COLOURS: tuple[RGB, ...] = (
    (0, 600, 0),
    (0, 0, 999),
    (999, 0, 999),
    (0, 700, 700),
    (600, 300, 999),
    (999, 500, 700),
)
"""Colours for agents whose character has no colour of its own, by agent index."""


def to_255(colour: RGB) -> RGB:
    """A 0..999 colour on the 0..255 scale."""
    return tuple(round(max(0, min(999, c)) * 255 / 999) for c in colour)


def _distance(a: RGB, b: RGB) -> int:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True))


def xterm256_index(colour: RGB) -> int:
    """The nearest colour of the xterm 256-colour palette (cube 16..231, greys 232..255)."""
    rgb = to_255(colour)
    cube = [min(range(6), key=lambda i, c=c: abs(_CUBE_LEVELS[i] - c)) for c in rgb]
    cube_rgb = tuple(_CUBE_LEVELS[i] for i in cube)
    cube_index = 16 + 36 * cube[0] + 6 * cube[1] + cube[2]
    grey_step = min(23, max(0, round((sum(rgb) / 3 - 8) / 10)))
    grey = 8 + 10 * grey_step
    if _distance(rgb, (grey, grey, grey)) < _distance(rgb, cube_rgb):
        return 232 + grey_step
    return cube_index


def basic8_index(colour: RGB) -> int:
    """The closest of the eight basic terminal colours (0 black .. 7 white).

    Greyish colours become black or white by brightness; others the nearest
    of the six hues after scaling to the basic colours' intensity (a plain
    nearest colour would turn mid-grey into yellow).
    """
    rgb = to_255(colour)
    high, low = max(rgb), min(rgb)
    if high == 0 or (high - low) / high < 0.35:
        return WHITE if _is_light_255(rgb) else BLACK
    scaled = tuple(c * 205 / high for c in rgb)
    return min(range(1, 7), key=lambda i: _distance(scaled, _BASIC_RGB[i]))


def _is_light_255(rgb: RGB) -> bool:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b >= 128


def is_light(colour: RGB) -> bool:
    """Whether black text reads better than white text on this colour."""
    return _is_light_255(to_255(colour))


def cell_colours(
    colours: Mapping[str, RGB],
    agent_characters: Mapping[str, str],
    agent_roles: Mapping[str, str],
    role_colours: Mapping[str, RGB] | None = None,
) -> dict[str, RGB]:
    """Colours of every map character: the given ones, then agents by role or by index."""
    result = dict(colours)
    role_colours = role_colours or {}
    for index, (agent, char) in enumerate(agent_characters.items()):
        if char in result:
            continue
        role = agent_roles.get(agent)
        result[char] = role_colours.get(role, AGENT_COLOURS[index % len(AGENT_COLOURS)])
    return result


class Palette:
    """Curses attributes for map cells and the UI's own elements in one colour mode.

    ``backend`` is the ``curses`` module (or a stand-in with ``init_pair``,
    ``color_pair`` and the ``A_*`` attributes); ``max_pairs`` is the number of
    pairs the terminal offers (``curses.COLOR_PAIRS``).
    """

    def __init__(
        self,
        mode: str,
        colours: Mapping[str, RGB],
        backend: Any,
        max_pairs: int = MAX_PAIR + 1,
        default_background: int = 0,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown colour mode {mode!r}; allowed: {MODES}")
        self.mode = mode
        self._colours = dict(colours)
        self._backend = backend
        self._default_background = default_background
        self._last_pair = min(MAX_PAIR, max_pairs - 1)
        self._pairs: dict[tuple[int, int], int] = {}
        self._cells: dict[str, int] = {}

    def _pair(self, fg: int, bg: int) -> int:
        """The attribute of a (foreground, background) colour pair (0 when out of pairs)."""
        if (fg, bg) not in self._pairs:
            number = len(self._pairs) + 1
            if number > self._last_pair:
                return 0
            self._backend.init_pair(number, fg, bg)
            self._pairs[(fg, bg)] = number
        return self._backend.color_pair(self._pairs[(fg, bg)])

    def _index(self, colour: RGB) -> int:
        return xterm256_index(colour) if self.mode == "256" else basic8_index(colour)

    def cell(self, char: str) -> int:
        """The attribute of a map cell showing ``char``."""
        if char not in self._cells:
            colour = self._colours.get(char)
            backend = self._backend
            if self.mode == "mono" or colour is None:
                self._cells[char] = backend.A_BOLD if char.isalnum() else backend.A_NORMAL
            else:
                background = self._index(colour)
                if self.mode == "256":
                    text = 16 if is_light(colour) else 231
                else:
                    text = BLACK if _is_light_255(_BASIC_RGB[background]) else WHITE
                self._cells[char] = self._pair(text, background)
        return self._cells[char]

    @property
    def bold(self) -> int:
        """The attribute of headings."""
        return self._backend.A_BOLD

    def marked(self, char: str) -> int:
        """A cell with a mark (the game's ``cell_marks``): its colours, underlined."""
        return self.cell(char) | self._backend.A_UNDERLINE

    def highlight(self, char: str) -> int:
        """The attribute of the active agent's cell: its colours reversed, bold, underlined."""
        backend = self._backend
        return self.cell(char) | backend.A_REVERSE | backend.A_BOLD | backend.A_UNDERLINE

    def border(self) -> int:
        """The attribute of the active agent's pane border: bold yellow lines."""
        backend = self._backend
        if self.mode == "mono":
            return backend.A_BOLD
        yellow = 3 if self.mode == "8" else 220
        return self._pair(yellow, self._default_background) | backend.A_BOLD

    def accent(self) -> int:
        """The attribute of the header bar."""
        backend = self._backend
        if self.mode == "mono":
            return backend.A_BOLD
        return self._pair(BLACK, 3 if self.mode == "8" else 220) | backend.A_BOLD

    def warning(self) -> int:
        """The attribute of warnings (divergence, illegal keys)."""
        backend = self._backend
        if self.mode == "mono":
            return backend.A_BOLD | backend.A_REVERSE
        return self._pair(WHITE if self.mode == "8" else 231, 1 if self.mode == "8" else 160)


def detect_mode(backend: Any, requested: str = "auto") -> str:
    """The colour mode to use: ``requested`` unless the terminal cannot show it.

    ``"auto"`` picks 256 colours where the terminal has them, else 8, else
    monochrome. Call after ``curses.initscr``.
    """
    if requested == "mono":
        return "mono"
    try:
        if not backend.has_colors():
            return "mono"
        backend.start_color()
    except backend.error:
        return "mono"
    colours = getattr(backend, "COLORS", 0)
    best = "256" if colours >= 256 else "8" if colours >= 8 else "mono"
    if requested == "auto" or best == "mono":
        return best
    if requested == "256" and best != "256":
        return best
    return requested
