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
cells around the active agent.
 Games with many agents finally show only four panes,
then one, beside a one-line-per-agent list.

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
    all agents with their returns.
    """

    map_cell_width: int = 2
    pane_cell_width: int = 2
    wide_cells_up_to: int | None = None
    pane_crop: int | None = None
    map_crop: int | None = None
    max_panes: int | None = None

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


def minimum_size(sizes: Sequence[Size], cols: int) -> Size:
    """The smallest screen (rows, columns) that fits these boxes, keeping to ``cols`` columns if possible.

    The fewest rows for which the boxes fit in ``cols`` columns; when even
    one column of boxes is wider than ``cols``, a single column of boxes.
    """
    tallest = max((r for r, _ in sizes), default=1)
    total = sum(r for r, _ in sizes) or 1
    for height in range(tallest, total + 1):
        flowed = flow(sizes, height)
        if flowed is not None and flowed[1] <= cols:
            return height + CHROME_ROWS, flowed[1]
    widest = max((c for _, c in sizes), default=1)
    return total + CHROME_ROWS, widest


def needed_size(layouts: Sequence[Sequence[Size]], rows: int, cols: int) -> tuple[Size, int | None]:
    """What a ``rows`` x ``cols`` screen too small for every layout needs.

    ``layouts`` holds the box sizes at each density. Returns the smallest
    screen (rows, columns) that fits one of them, keeping to ``cols`` columns
    if possible (fewest rows first), and the fewest columns that would do
    with the current number of rows (None if no layout fits ``rows``).
    """
    options = [minimum_size(sizes, cols) for sizes in layouts]
    narrow = [size for size in options if size[1] <= cols]
    best = min(narrow) if narrow else min(options, key=lambda size: (size[1], size[0]))
    widths = [flowed[1] for s in layouts if (flowed := flow(s, rows - CHROME_ROWS)) is not None]
    return best, (min(widths) if widths else None)


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
