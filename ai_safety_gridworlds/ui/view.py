"""A whole screen: header, boxes in their layout, key help, the help overlay.

:class:`View` draws onto a :class:`Canvas` (the curses screen in the app, a
plain text grid in tests), so what the screen shows does not depend on curses.
When no full layout fits, it draws the compact layout: the map and one panel
(:attr:`Frame.panel`, scrolled by :attr:`Frame.scroll`); :attr:`View.panels`
then lists the panels a key can cycle through.
"""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any, Protocol

from ai_safety_gridworlds.ui import layout
from ai_safety_gridworlds.ui.palette import Palette
from ai_safety_gridworlds.ui.panes import (
    Box,
    agents_box,
    map_box,
    pane_box,
    safety_box,
    status_box,
)


class Canvas(Protocol):
    """Where a screen is drawn."""

    def size(self) -> tuple[int, int]:
        """(rows, columns)."""

    def erase(self) -> None:
        """Blank the screen."""

    def text(self, y: int, x: int, text: str, attr: int = 0) -> None:
        """Write text, clipped to the screen."""

    def box(self, y: int, x: int, height: int, width: int, attr: int = 0) -> None:
        """Draw a border."""


@dataclasses.dataclass
class Frame:
    """What one screen shows besides the game itself."""

    header: str
    message: str = ""
    warning: bool = False
    help_line: str = ""
    controllers: dict[str, str] = dataclasses.field(default_factory=dict)
    active: str | None = None
    show_safety: bool = True
    status: dict[str, Any] = dataclasses.field(default_factory=dict)
    help_rows: list[tuple[str, str]] | None = None
    panel: str | None = None
    """Compact layout: the key of the panel shown (None: the active agent's pane)."""
    scroll: int = 0
    """Compact layout: the first row of the panel shown, when it is taller than the screen."""
    help_scroll: int = 0
    """The first row of the key help shown, when it is taller than the screen."""


COMPACT_HELP = "tab panel  "
"""Put before the key help in the compact layout (the full list is behind ``?``)."""


class View:
    """Draws a game and a :class:`Frame` onto a canvas."""

    def __init__(self, game: Any, palette: Palette):
        self.game = game
        self.palette = palette
        self.compact = False
        """Whether the last frame drawn used the compact layout."""
        self.panels: list[str] = []
        """The keys of the panels of the compact layout, in cycling order."""
        self.max_scroll = 0
        """How far the last compact panel could scroll (0: it fits)."""
        self.page_rows = 0
        """Lines of the last compact panel shown at once."""
        self.help_max_scroll = 0
        """How far the key help could scroll (0: it fits)."""
        self.shown_panel: str | None = None
        """The key of the last compact panel shown."""

    def boxes(self, frame: Frame, density: layout.Density) -> list[Box]:
        """The boxes of this frame at a density, in layout order."""
        game, palette = self.game, self.palette
        boxes = [map_box(game, palette, density.map_cell_width, density.map_crop, frame.active)]
        if density.panel_rows is not None:
            return [*boxes, self._compact_panel(frame, density)]
        status = status_box(game, frame.status)
        if status is not None:
            boxes.append(status)
        if frame.show_safety:
            boxes.append(safety_box(game, palette))
        agents = list(game.possible_agents)
        if density.max_panes is not None and len(agents) > density.max_panes:
            start = agents.index(frame.active) if frame.active in agents else 0
            shown = (agents[start:] + agents[:start])[: density.max_panes]
            boxes.append(agents_box(game, frame.controllers, frame.active))
            agents = [a for a in agents if a in shown]
        for agent in agents:
            controller = frame.controllers.get(agent, "")
            boxes.append(pane_box(game, agent, palette, density, controller, agent == frame.active))
        return boxes

    def panel_boxes(self, frame: Frame, density: layout.Density) -> dict[str, Box]:
        """Every panel the compact layout can show, by key, in cycling order.

        Each agent's pane, the scenario status, the safety metrics (unless
        hidden) and, for games with more agents than :data:`MANY_AGENTS`, the
        list of all agents.
        """
        return {key: self.panel_box(key, frame, density) for key in self.panel_keys(frame)}

    def panel_keys(self, frame: Frame) -> list[str]:
        """The keys of :meth:`panel_boxes`, without building the boxes."""
        game = self.game
        keys = [f"pane:{agent}" for agent in game.possible_agents]
        if status_box(game, frame.status) is not None:
            keys.append("status")
        if frame.show_safety:
            keys.append("safety")
        if len(game.possible_agents) > MANY_AGENTS:
            keys.append("agents")
        return keys

    def panel_box(self, key: str, frame: Frame, density: layout.Density) -> Box:
        """The panel of one key of :meth:`panel_keys`."""
        game, palette = self.game, self.palette
        kind, _, agent = key.partition(":")
        if kind == "pane":
            controller = frame.controllers.get(agent, "")
            return pane_box(game, agent, palette, density, controller, agent == frame.active)
        if kind == "status":
            return status_box(game, frame.status)
        if kind == "safety":
            return safety_box(game, palette)
        return agents_box(game, frame.controllers, frame.active)

    def _compact_panel(self, frame: Frame, density: layout.Density) -> Box:
        self.panels = self.panel_keys(frame)
        key = frame.panel if frame.panel in self.panels else f"pane:{frame.active}"
        if key not in self.panels:  # nobody's turn (the episode is over)
            key = self.panels[0]
        self.shown_panel = key
        return scrolled(self.panel_box(key, frame, density), frame.scroll, density.panel_rows)

    def draw(self, canvas: Canvas, frame: Frame) -> bool:
        """Draw the frame; returns False when the screen is too small for it."""
        rows, cols = canvas.size()
        canvas.erase()
        built: dict[layout.Density, list[Box]] = {}

        def sizes_at(density: layout.Density) -> list[tuple[int, int]]:
            built[density] = self.boxes(frame, density)
            return [(b.height, b.width) for b in built[density]]

        self.panels = []
        plan = None
        # The full layouts go from generous to compact: if the most compact one does not fit,
        # none does (a cheap test for games with many agents, whose full layouts are large).
        if layout.plan(sizes_at, rows, cols, layout.DENSITIES[-1:]) is not None:
            plan = layout.plan(sizes_at, rows, cols)
        self.compact = plan is None
        if plan is None:
            plan = layout.plan(sizes_at, rows, cols, layout.compact_densities(rows))
        if plan is None:
            self._draw_too_small(canvas, rows, cols, frame)
            return False
        boxes = built[plan.density]
        self.max_scroll = boxes[-1].hidden_rows if self.compact else 0
        self.page_rows = len(boxes[-1].lines) if self.compact else 0
        accent = self.palette.accent()
        canvas.text(0, 0, _fit(_header(frame.header, cols), cols).ljust(cols), accent)
        message_attr = self.palette.warning() if frame.warning else 0
        canvas.text(1, 0, _fit(frame.message, cols), message_attr)
        border = self.palette.border()
        for box, (y, x) in zip(boxes, plan.positions, strict=True):
            self._draw_box(canvas, box, y, x, border if box.accent else 0)
        help_line = (COMPACT_HELP if self.compact else "") + frame.help_line
        help_line = _fit_help(help_line, cols - 1)  # curses cannot write the bottom-right cell
        canvas.text(rows - 1, 0, _fit(help_line, cols), self.palette.bold)
        self.help_max_scroll = 0
        if frame.help_rows is not None:
            self._draw_help(canvas, rows, cols, frame)
        return True

    @staticmethod
    def _draw_box(canvas: Canvas, box: Box, y: int, x: int, border: int) -> None:
        canvas.box(y, x, box.height, box.width, border)
        canvas.text(y, x + 1, f" {box.shown_title} ", border)
        for i, line in enumerate(box.lines):
            column = x + 1
            for text, attr in line:
                canvas.text(y + 1 + i, column, text, attr)
                column += len(text)

    def minimum_size(self, frame: Frame) -> tuple[int, int]:
        """The smallest screen (rows, columns) on which every panel of this frame can be shown.

        That is the compact layout at its smallest: the map at
        :data:`~ai_safety_gridworlds.ui.layout.MIN_MAP_CELLS` cells, one terminal column each,
        beside the widest panel (scrolled if taller than the screen).
        """
        smallest = layout.compact_densities(0)[-1]
        game_map = map_box(self.game, self.palette, 1, smallest.map_crop, frame.active)
        tallest = max(b.height for b in self.panel_boxes(frame, smallest).values())
        rows = max(game_map.height, min(layout.MIN_PANEL_ROWS, tallest)) + layout.CHROME_ROWS
        density = layout.compact_densities(rows)[-1]
        game_map = map_box(self.game, self.palette, 1, density.map_crop, frame.active)
        panels = [
            scrolled(b, 0, density.panel_rows) for b in self.panel_boxes(frame, density).values()
        ]
        return rows, game_map.width + layout.COLUMN_GAP + max(b.width for b in panels)

    def _draw_too_small(self, canvas: Canvas, rows: int, cols: int, frame: Frame) -> None:
        need_rows, need_cols = self.minimum_size(frame)
        lines = [
            f"terminal too small: need at least {need_cols}x{need_rows} (columns x rows)",
            f"now {cols}x{rows}: enlarge the window, or press q to quit",
        ]
        if frame.show_safety:
            lines.append("(s hides the safety metrics panel, which saves room)")
        lines = [part for line in lines for part in textwrap.wrap(line, max(10, cols))]
        top = max(0, (rows - len(lines)) // 2)
        for i, line in enumerate(lines):
            canvas.text(top + i, max(0, (cols - len(line)) // 2), line, self.palette.bold)

    def _draw_help(self, canvas: Canvas, rows: int, cols: int, frame: Frame) -> None:
        help_rows = frame.help_rows
        width = max(len(k) for k, _ in help_rows)
        lines = [f"{keys:>{width}}  {what}" for keys, what in help_rows]
        lines += ["", "any key closes this help"]
        box = Box("help", "keys", [[(line, 0)] for line in lines], accent=True)
        if box.height > rows:
            lines[-1] = "pgdn/pgup scroll, any other key closes this help"
            box = Box("help", "keys", [[(line, 0)] for line in lines], accent=True)
        box = scrolled(box, frame.help_scroll, rows)
        self.help_max_scroll = box.hidden_rows
        y = max(0, (rows - box.height) // 2)
        x = max(0, (cols - box.width) // 2)
        for i in range(box.height):
            canvas.text(y + i, x, " " * box.width)
        self._draw_box(canvas, box, y, x, self.palette.border())


MANY_AGENTS = 4
"""Games with more agents get the list of all agents among the compact layout's panels."""


def scrolled(box: Box, first: int, rows: int | None) -> Box:
    """``box`` showing at most ``rows`` rows (borders included) from its line ``first`` on.

    ``first`` is clamped to what can be shown; the title then says which lines
    are shown and that pgdn/pgup scroll, and :attr:`Box.hidden_rows` how many
    lines do not fit.
    """
    if rows is None or box.height <= rows:
        return box
    shown = max(1, rows - 2)
    hidden = len(box.lines) - shown
    first = min(max(0, first), hidden)
    title = f"{box.title} [{first + 1}-{first + shown}/{len(box.lines)} pgdn]"
    return dataclasses.replace(
        box,
        title=title,
        lines=box.lines[first : first + shown],
        min_width=max(box.min_width, box.width),
        hidden_rows=hidden,
    )


HEADER_PARTS_DROPPED_FIRST = ("seed ", "episode ")
"""Header parts left out, in this order, when the header is too wide."""


def _header(header: str, width: int) -> str:
    """The header, its separators narrowed and then its less useful parts left out if too wide."""
    if len(header) <= width:
        return header
    parts = header.split("  |  ")
    for prefix in HEADER_PARTS_DROPPED_FIRST:
        if len(" | ".join(parts)) <= width:
            break
        parts = [p for p in parts if not p.startswith(prefix)] or parts
    return " | ".join(parts)


def _fit_help(line: str, width: int) -> str:
    """The key help without its last entries when it is too wide; ``? help`` always stays."""
    parts = line.split("  ")
    while len("  ".join(parts)) > width:
        droppable = [i for i, part in enumerate(parts) if not part.startswith("? ")]
        if len(parts) == 1 or not droppable:
            break
        del parts[droppable[-1]]
    return "  ".join(parts)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns."""
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."
