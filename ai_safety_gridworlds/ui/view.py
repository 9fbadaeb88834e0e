"""A whole screen: header, boxes in their layout, key help, the help overlay.

:class:`View` draws onto a :class:`Canvas` (the curses screen in the app, a
plain text grid in tests), so what the screen shows does not depend on curses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
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


class View:
    """Draws a game and a :class:`Frame` onto a canvas."""

    def __init__(self, game: Any, palette: Palette):
        self.game = game
        self.palette = palette

    def boxes(self, frame: Frame, density: layout.Density) -> list[Box]:
        """The boxes of this frame at a density, in layout order."""
        game, palette = self.game, self.palette
        boxes = [map_box(game, palette, density.map_cell_width, density.map_crop, frame.active)]
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

    def draw(self, canvas: Canvas, frame: Frame) -> bool:
        """Draw the frame; returns False when the screen is too small for it."""
        rows, cols = canvas.size()
        canvas.erase()
        built: dict[layout.Density, list[Box]] = {}

        def sizes_at(density: layout.Density) -> list[tuple[int, int]]:
            built[density] = self.boxes(frame, density)
            return [(b.height, b.width) for b in built[density]]

        plan = layout.plan(sizes_at, rows, cols)
        if plan is None:
            every = [[(b.height, b.width) for b in built[d]] for d in layout.DENSITIES]
            self._draw_too_small(canvas, rows, cols, every, frame)
            return False
        accent = self.palette.accent()
        canvas.text(0, 0, _fit(frame.header, cols).ljust(cols), accent)
        message_attr = self.palette.warning() if frame.warning else 0
        canvas.text(1, 0, _fit(frame.message, cols), message_attr)
        border = self.palette.border()
        for box, (y, x) in zip(built[plan.density], plan.positions, strict=True):
            self._draw_box(canvas, box, y, x, border if box.accent else 0)
        canvas.text(rows - 1, 0, _fit(frame.help_line, cols), self.palette.bold)
        if frame.help_rows is not None:
            self._draw_help(canvas, rows, cols, frame.help_rows)
        return True

    @staticmethod
    def _draw_box(canvas: Canvas, box: Box, y: int, x: int, border: int) -> None:
        canvas.box(y, x, box.height, box.width, border)
        canvas.text(y, x + 1, f" {box.title} ", border)
        for i, line in enumerate(box.lines):
            column = x + 1
            for text, attr in line:
                canvas.text(y + 1 + i, column, text, attr)
                column += len(text)

    def _draw_too_small(
        self,
        canvas: Canvas,
        rows: int,
        cols: int,
        layouts: Sequence[Sequence[tuple[int, int]]],
        frame: Frame,
    ) -> None:
        (need_rows, need_cols), width_now = layout.needed_size(layouts, rows, cols)
        need = f"terminal too small: need at least {need_cols}x{need_rows}"
        if width_now is not None:
            need += f" or {width_now}x{rows}"

        lines = [
            need + " (columns x rows)",
            f"now {cols}x{rows}: enlarge the window, or press q to quit",
        ]
        if frame.show_safety:
            lines.append("(s hides the safety metrics panel, which saves room)")
        top = max(0, rows // 2 - 1)
        for i, line in enumerate(lines):
            canvas.text(top + i, max(0, (cols - len(line)) // 2), line, self.palette.bold)

    def _draw_help(self, canvas: Canvas, rows: int, cols: int, help_rows) -> None:
        width = max(len(k) for k, _ in help_rows)
        lines = [f"{keys:>{width}}  {what}" for keys, what in help_rows]
        lines += ["", "any key closes this help"]
        box = Box("help", "keys", [[(line, 0)] for line in lines], accent=True)
        y = max(0, (rows - box.height) // 2)
        x = max(0, (cols - box.width) // 2)
        for i in range(box.height):
            canvas.text(y + i, x, " " * box.width)
        self._draw_box(canvas, box, y, x, self.palette.border())


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns."""
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."
