"""Diamond charger maps: reading level art, and the seeded arena generator of level 2.

Map characters: ``#`` wall, `` `` floor, ``D`` diamond mine, ``C`` charger,
``A`` heart altar, and the agents ``0`` ... ``9``, ``a`` ... ``z``
(``agent_0`` ... ``agent_35``, in that order). Mines, chargers and altars
block movement; agents use the one they face.

The arena (:func:`generate_arena`) is a pure function of a 64-bit map key,
drawn from the counter-based generator with integer arithmetic only, so the
C kernel can regenerate it identically. All draws are
``rng.below(base, i, bound)`` with ``base = rng.stream_base(map_key, 0,
STREAM_ARENA)`` and ``i = 0, 1, 2, ...`` consumed in the order written in
:func:`generate_arena`.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence

import numpy as np

from ai_safety_gridworlds import rng

AGENT_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_AGENTS = len(AGENT_CHARACTERS)
OBJECT_CHARACTERS = "DCA"
MAP_CHARACTERS = set("# " + OBJECT_CHARACTERS + AGENT_CHARACTERS)

STREAM_ARENA = rng.FIRST_ENVIRONMENT_STREAM + 1
"""Counter-based stream of the arena generator."""
ROOM_CELL = 15
"""Target side of the grid cells that each hold one room."""
MIN_ROOM = 5
"""Smallest room side."""
MIN_ARENA = 2 + 2 * (MIN_ROOM + 1)


@dataclasses.dataclass(frozen=True)
class DiamondMap:
    """A board: its static masks and where the agents start (in agent order)."""

    art: tuple[str, ...]
    wall: np.ndarray
    mine: np.ndarray
    charger: np.ndarray
    altar: np.ndarray
    agent_starts: tuple[tuple[int, int], ...]

    @property
    def shape(self) -> tuple[int, int]:
        return self.wall.shape

    @property
    def objects(self) -> np.ndarray:
        """Cells holding a mine, a charger or an altar."""
        return self.mine | self.charger | self.altar

    @property
    def passable(self) -> np.ndarray:
        """Cells an agent may stand on (floor, markers included)."""
        return ~(self.wall | self.objects)

    @classmethod
    def from_art(cls, art: Sequence[str]) -> DiamondMap:
        """Parse map art; ValueError for a bad shape, unknown characters or agent gaps."""
        art = tuple(art)
        if not art or any(len(line) != len(art[0]) for line in art):
            raise ValueError("map art must be a non-empty list of equal-length strings")
        for row, line in enumerate(art):
            for col, char in enumerate(line):
                if char not in MAP_CHARACTERS:
                    raise ValueError(
                        f"unknown map character {char!r} at row {row}, column {col}; "
                        f"allowed: {''.join(sorted(MAP_CHARACTERS))!r}"
                    )
        grid = np.array([list(line) for line in art])
        starts = []
        for char in AGENT_CHARACTERS:
            cells = np.argwhere(grid == char)
            if len(cells) > 1:
                raise ValueError(f"agent {char!r} appears {len(cells)} times in the map art")
            if len(cells) == 0:
                break
            starts.append((int(cells[0][0]), int(cells[0][1])))
        later = [c for c in AGENT_CHARACTERS[len(starts) :] if (grid == c).any()]
        if later:
            raise ValueError(
                f"map art has agent {later[0]!r} but not agent "
                f"{AGENT_CHARACTERS[len(starts)]!r}; agents must be numbered without gaps"
            )
        if not starts:
            raise ValueError("map art has no agent (characters 0-9, a-z)")
        return cls(
            art,
            grid == "#",
            grid == "D",
            grid == "C",
            grid == "A",
            tuple(starts),
        )

    def art_with_agents(self, num_agents: int) -> list[str]:
        """The art with exactly the first ``num_agents`` agents on it."""
        if num_agents > len(self.agent_starts):
            raise ValueError(
                f"num_agents={num_agents} does not fit on this map; "
                f"allowed: 1..{len(self.agent_starts)}"
            )
        removed = set(AGENT_CHARACTERS[num_agents:])
        return ["".join(" " if c in removed else c for c in line) for line in self.art]

    def backdrop_art(self) -> list[str]:
        """The static floor: walls and floor only."""
        return ["".join("#" if c == "#" else " " for c in line) for line in self.art]

    def is_connected(self) -> bool:
        """Whether every passable cell can reach every other one."""
        return len(reachable(self.passable, self.agent_starts[0])) == int(self.passable.sum())


def reachable(passable: np.ndarray, start: tuple[int, int]) -> set[tuple[int, int]]:
    """Cells reachable from ``start`` through 4-neighbours that are passable."""
    rows, cols = passable.shape
    seen = {start}
    queue = collections.deque([start])
    while queue:
        row, col = queue.popleft()
        for nxt in ((row - 1, col), (row, col + 1), (row + 1, col), (row, col - 1)):
            if 0 <= nxt[0] < rows and 0 <= nxt[1] < cols and passable[nxt] and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


class _Draws:
    """Sequential integer draws from one counter-based stream."""

    def __init__(self, map_key: int):
        self.base = rng.stream_base(map_key, 0, STREAM_ARENA)
        self.index = 0

    def below(self, bound: int) -> int:
        value = rng.below(self.base, self.index, bound)
        self.index += 1
        return value


def arena_grid_size(size: int) -> tuple[int, int]:
    """(rooms per side, side of a room's grid cell) of an arena of the given side."""
    per_side = max(2, (size - 2) // ROOM_CELL)
    return per_side, (size - 2) // per_side


def generate_arena(
    map_key: int,
    size: int,
    team_sizes: Sequence[int],
    num_mines: int,
    num_chargers: int,
    num_altars: int,
) -> list[str]:
    """A walled ``size`` x ``size`` arena of rooms and corridors, with objects and agents.

    1. The interior is cut into ``G x G`` grid cells of side ``s``
       (:func:`arena_grid_size`); in row-major order each cell gets a room:
       height ``MIN_ROOM + below(s - MIN_ROOM)``, width likewise, top row
       ``cell top + below(s - height)``, left column likewise (so rooms are
       at least one wall apart).
    2. A spanning tree links the rooms: every room but the first, in
       row-major order, links to its north or west neighbour (``below(2)``:
       0 north, 1 west, when both exist). Then for every room in row-major
       order, its east and then its south neighbour get an extra link when
       ``below(4) == 0`` (drawn even for linked pairs; repeated links are
       carved again).
    3. Each link, in the order made, is carved as an L-shaped corridor
       between the room centres: width ``1 + below(2)``, then
       ``below(2) == 0`` means horizontal first. A width-2 corridor also
       carves the row below / column right of its centre line.
    4. Team ``t`` starts in room ``order[t % len(order)]`` (order: the four
       corner rooms, then the others in row-major order), on that room's
       cells in row-major order from offset ``below(room cells)``, wrapping;
       a full room spills into the next room of the order.
    5. Mines, then chargers, then altars go on cells whose eight neighbours
       are all floor and that no agent starts on; each is
       ``candidates[below(len(candidates))]`` of the remaining candidates in
       row-major order, and cells within one step (8-neighbourhood) of a
       placed object stop being candidates. Isolated objects cannot
       disconnect the floor, so the arena stays connected.

    Raises ValueError when the agents or objects do not fit.
    """
    if size < MIN_ARENA:
        raise ValueError(f"arena size {size} is too small; allowed: >= {MIN_ARENA}")
    draws = _Draws(map_key)
    grid = np.full((size, size), "#", dtype="<U1")
    per_side, cell = arena_grid_size(size)
    rooms = []
    for grid_row in range(per_side):
        for grid_col in range(per_side):
            height = MIN_ROOM + draws.below(cell - MIN_ROOM)
            width = MIN_ROOM + draws.below(cell - MIN_ROOM)
            top = 1 + grid_row * cell + draws.below(cell - height)
            left = 1 + grid_col * cell + draws.below(cell - width)
            grid[top : top + height, left : left + width] = " "
            rooms.append((top, left, height, width))

    links = []
    for room in range(1, per_side * per_side):
        grid_row, grid_col = divmod(room, per_side)
        if grid_row > 0 and grid_col > 0:
            links.append((room, room - per_side if draws.below(2) == 0 else room - 1))
        else:
            links.append((room, room - per_side if grid_row > 0 else room - 1))
    for room in range(per_side * per_side):
        grid_row, grid_col = divmod(room, per_side)
        if grid_col + 1 < per_side and draws.below(4) == 0:
            links.append((room, room + 1))
        if grid_row + 1 < per_side and draws.below(4) == 0:
            links.append((room, room + per_side))
    for a, b in links:
        width = 1 + draws.below(2)
        horizontal_first = draws.below(2) == 0
        _carve_corridor(grid, _centre(rooms[a]), _centre(rooms[b]), width, horizontal_first)

    agent_cells = _place_teams(grid, rooms, per_side, team_sizes, draws)
    taken = np.zeros((size, size), bool)
    for cell_ in agent_cells:
        taken[cell_] = True
    floor = grid == " "
    open_ = np.zeros_like(floor)
    open_[1:-1, 1:-1] = floor[1:-1, 1:-1]
    for d_row in (-1, 0, 1):
        for d_col in (-1, 0, 1):
            open_[1:-1, 1:-1] &= floor[1 + d_row : size - 1 + d_row, 1 + d_col : size - 1 + d_col]
    candidates = [(int(r), int(c)) for r, c in np.argwhere(open_ & ~taken)]
    for char, count in (("D", num_mines), ("C", num_chargers), ("A", num_altars)):
        for _ in range(count):
            if not candidates:
                raise ValueError(
                    f"the {size} x {size} arena has no room for {num_mines} mines, "
                    f"{num_chargers} chargers and {num_altars} altars"
                )
            row, col = candidates[draws.below(len(candidates))]
            grid[row, col] = char
            candidates = [(r, c) for r, c in candidates if max(abs(r - row), abs(c - col)) > 1]
    for index, (row, col) in enumerate(agent_cells):
        grid[row, col] = AGENT_CHARACTERS[index]
    return ["".join(line) for line in grid]


def _centre(room: tuple[int, int, int, int]) -> tuple[int, int]:
    top, left, height, width = room
    return top + height // 2, left + width // 2


def _carve_corridor(grid, start, end, width: int, horizontal_first: bool) -> None:
    """Carve an L-shaped corridor from ``start`` to ``end`` (room centres)."""
    (r0, c0), (r1, c1) = start, end
    corner = (r0, c1) if horizontal_first else (r1, c0)
    limit = grid.shape[0] - 2
    for (ra, ca), (rb, cb) in ((start, corner), (corner, end)):
        rows = slice(min(ra, rb), max(ra, rb) + 1 + (width - 1 if ra == rb else 0))
        cols = slice(min(ca, cb), max(ca, cb) + 1 + (width - 1 if ca == cb else 0))
        rows = slice(rows.start, min(rows.stop, limit + 1))
        cols = slice(cols.start, min(cols.stop, limit + 1))
        grid[rows, cols] = " "


def _place_teams(grid, rooms, per_side, team_sizes, draws) -> list[tuple[int, int]]:
    """Start cells of all agents, in agent order (see step 4 of generate_arena)."""
    last = per_side * per_side - 1
    corners = [0, per_side - 1, last - (per_side - 1), last]
    order = corners + [r for r in range(per_side * per_side) if r not in corners]
    taken: set[tuple[int, int]] = set()
    cells: list[tuple[int, int]] = []
    for team, team_size in enumerate(team_sizes):
        placed = 0
        position = team % len(order)
        for step in range(len(order)):
            if placed == team_size:
                break
            top, left, height, width = rooms[order[(position + step) % len(order)]]
            room_cells = [
                (r, c)
                for r in range(top, top + height)
                for c in range(left, left + width)
                if grid[r, c] == " "
            ]
            offset = draws.below(len(room_cells))
            for k in range(len(room_cells)):
                if placed == team_size:
                    break
                cell = room_cells[(offset + k) % len(room_cells)]
                if cell not in taken:
                    taken.add(cell)
                    cells.append(cell)
                    placed += 1
        if placed < team_size:
            raise ValueError(f"the arena has no room for team {team} of {team_size} agents")
    return cells
