"""Screen layout: boxes flowed into columns, at the most generous density that fits.

The screen is a header (two lines), the boxes (map, scenario status, safety
metrics, one pane per agent) and a one-line key help. Boxes are stacked top to
bottom into columns, left to right, like a newspaper, each under the first
column with room for it. A :class:`Density` says
how the grids are drawn: two terminal columns per cell (square-looking) or one,
and whether large grids are cropped to a window around the agent. The layout
tries the densities of :data:`DENSITIES` in order and takes the first that
fits; when none fits, the screen says which size is needed.

For the default Firemaker (17 x 17 map, two 5 x 5 worker panes and the
supervisor's 33 x 33 whole-board view) a 120 x 50 terminal shows everything
uncropped with the map and small panes two columns per cell and the
supervisor's view one column per cell. Smaller terminals first crop large
views to 21 x 21 cells around the agent (the pane says so; the window slides
towards the board where the view reaches past its edge), then draw the map
one column per cell, then crop large views to 11 x 11 and the map to 41 x 41
cells around the active agent. Games with many agents then show only four
panes, then one, beside a one-line-per-agent list.

When none of these fits (a standard 80 x 24 terminal, for instance), the
**compact layout** (:func:`compact_densities`) shows the map and one panel
beside it: the active agent's pane by default, and any other pane, the status,
the safety metrics or the list of agents on request (a key cycles them). The
map is cropped to the screen's height around the active agent, so it scrolls
with it, and a panel taller than the screen is scrolled. Below the compact
layout's minimum the screen names the size needed (``View.minimum_size``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

HEADER_ROWS = 2
FOOTER_ROWS = 1
CHROME_ROWS = HEADER_ROWS + FOOTER_ROWS
COLUMN_GAP = 1


@dataclasses.dataclass(frozen=True)
class Density:
    """How grids are drawn.

    ``map_cell_width`` and ``pane_cell_width`` are terminal columns per cell;
    panes wider than ``wide_cells_up_to`` cells use one column per cell (None:
    no limit). ``pane_crop`` and ``map_crop`` limit the cells shown per side
    (None: the whole grid). With ``max_panes``, only that many agent panes are
    shown (the active agent's and the next ones in turn order) and a list of
    all agents with their returns. With ``panel_rows``, the compact layout.
    """

    map_cell_width: int = 2
    pane_cell_width: int = 2
    wide_cells_up_to: int | None = None
    pane_crop: int | None = None
    map_crop: int | None = None
    max_panes: int | None = None
    panel_rows: int | None = None
    """Compact layout: the map and one panel of at most this many rows (scrolled beyond)."""
    pane_text_width: int | None = None
    """Panes pack their status lines to at least this width (fewer, longer lines)."""

    def pane_width_for(self, shown_cols: int) -> int:
        """Terminal columns per cell for a pane showing ``shown_cols`` columns of cells."""
        if self.wide_cells_up_to is not None and shown_cols > self.wide_cells_up_to:
            return 1
        return self.pane_cell_width


DENSITIES: tuple[Density, ...] = (
    Density(2, 2),
    Density(2, 2, wide_cells_up_to=17),
    Density(2, 2, wide_cells_up_to=11, pane_crop=21),
    Density(1, 2, wide_cells_up_to=17),
    Density(1, 2, wide_cells_up_to=11),
    Density(1, 2, wide_cells_up_to=11, pane_crop=21),
    Density(1, 2, wide_cells_up_to=11, pane_crop=11, map_crop=41),
    Density(1, 2, wide_cells_up_to=11, pane_crop=11, map_crop=41, max_panes=4),
    Density(1, 2, wide_cells_up_to=11, pane_crop=11, map_crop=41, max_panes=1),
)
"""From the most generous to the most compact."""

Size = tuple[int, int]
"""(rows, columns) of a box."""


def flow(sizes: Sequence[Size], height: int) -> tuple[list[tuple[int, int]], int] | None:
    """Stack boxes into columns of at most ``height`` rows (first fit), left to right.

    Each box goes under the first column with room left for it, else starts a
    new column. Returns each box's (row, column) offset and the total width,
    or None when a box is taller than ``height``.
    """
    columns: list[list[int]] = []  # [rows used, width] per column
    where: list[tuple[int, int]] = []  # (column, row) per box
    for rows, cols in sizes:
        if rows > height:
            return None
        index = next((i for i, c in enumerate(columns) if c[0] + rows <= height), len(columns))
        if index == len(columns):
            columns.append([0, 0])

        where.append((index, columns[index][0]))
        columns[index][0] += rows
        columns[index][1] = max(columns[index][1], cols)
    lefts = [0]
    for _, width in columns:
        lefts.append(lefts[-1] + width + COLUMN_GAP)
    total = lefts[-1] - COLUMN_GAP if columns else 0
    return [(row, lefts[index]) for index, row in where], total


@dataclasses.dataclass(frozen=True)
class Plan:
    """A layout that fits: the density and where each box goes (screen row, column)."""

    density: Density
    positions: list[tuple[int, int]]


def plan(
    sizes_at: Callable[[Density], Sequence[Size]],
    rows: int,
    cols: int,
    densities: Sequence[Density] = DENSITIES,
) -> Plan | None:
    """The first density whose boxes fit a ``rows`` x ``cols`` screen, or None."""
    for density in densities:
        flowed = flow(sizes_at(density), rows - CHROME_ROWS)
        if flowed is not None and flowed[1] <= cols:
            positions = [(y + HEADER_ROWS, x) for y, x in flowed[0]]
            return Plan(density, positions)
    return None


MIN_MAP_CELLS = 9
"""The compact layout shows at least this many map cells per side (or the whole map)."""
MIN_PANEL_ROWS = 9
"""The compact layout's panel has at least this many rows, borders included."""
COMPACT_TEXT_WIDTH = 44
"""The compact layout first tries panes this wide, so their status takes fewer lines."""
PANE_CHROME_ROWS = 6
"""Rows of a pane besides its grid that the compact layout leaves room for (borders, rewards)."""


def compact_densities(rows: int) -> tuple[Density, ...]:
    """The compact layouts of a screen with ``rows`` rows, from the most generous.

    The map is cropped to the rows available; the panes' views to what leaves
    room for a reward table. Each crop is tried with panes whose status lines
    are packed :data:`COMPACT_TEXT_WIDTH` wide (so they fit without scrolling),
    then with narrow panes; each of these with two terminal columns per map
    cell, then one, then with one column per pane cell too; then smaller map
    crops, down to :data:`MIN_MAP_CELLS`.
    """
    room = max(rows - CHROME_ROWS, MIN_PANEL_ROWS)
    cells = max(room - 2, MIN_MAP_CELLS)
    pane_crop = max(5, cells - PANE_CHROME_ROWS)
    pane_crop -= 1 - pane_crop % 2  # odd, so the agent stays in the middle
    crops = sorted({cells, max(MIN_MAP_CELLS, (2 * cells) // 3), MIN_MAP_CELLS}, reverse=True)
    return tuple(
        Density(map_width, pane_width, 11, pane_crop, crop, None, room, text_width)
        for crop in crops
        for text_width in (COMPACT_TEXT_WIDTH, None)
        for map_width, pane_width in ((2, 2), (1, 2), (1, 1))
    )


def crop_range(
    size: int,
    focus: int,
    limit: int | None,
    content: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """(start, length) of at most ``limit`` of ``size`` cells, showing ``focus``.

    The window is centred on ``focus``, then slid towards the ``content``
    range (start, end) where that shows more of it, never losing ``focus``.
    """
    if limit is None or size <= limit:
        return 0, size
    start = focus - limit // 2
    if content is not None:
        start = max(min(start, content[1] - limit), content[0])
        start = min(max(start, focus - limit + 1), focus)
    return min(max(0, start), size - limit), limit
