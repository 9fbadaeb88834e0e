"""Diamond charger mazes: the seeded maze generator of level 2 with ``arena_kind="maze"``.

:func:`generate_maze` is a pure function of a 64-bit map key, drawn from the arena's
counter-based stream (``maps.STREAM_ARENA``) with integer arithmetic only, so the C kernel
(``csrc/diamond_charger/diamond_maze.c``) regenerates the same maze for the same key. All
draws are ``rng.below(base, i, bound)`` with ``base = rng.stream_base(map_key, 0,
STREAM_ARENA)`` and ``i = 0, 1, 2, ...`` consumed in the order written in the docstring.
"""

from __future__ import annotations

import numpy as np

from environments.diamond_charger_ma.maps import AGENT_CHARACTERS, _Draws

MIN_MAZE = 5
"""Smallest maze side (two cells a side)."""
MAX_OPENNESS = 100
# Neighbour order of the depth-first search: up, right, down, left.
_STEPS = ((-1, 0), (0, 1), (1, 0), (0, -1))


def maze_cells(size: int) -> int:
    """Cells of a maze of side ``size``: ``k * k`` with ``k = (size - 1) // 2``."""
    return ((size - 1) // 2) ** 2


def generate_maze(
    map_key: int,
    size: int,
    num_agents: int,
    num_mines: int,
    num_chargers: int,
    num_altars: int,
    openness: int = 0,
    min_distance: int = 0,
) -> list[str]:
    """A walled ``size`` x ``size`` maze (``size`` odd) with its agents and objects.

    The maze's cells are the floor cells at odd rows and columns, ``k = (size - 1) // 2`` a
    side; the cells between them are walls or passages, and the cells at even rows and
    columns (the pillars) are always wall.

    1. A perfect maze (exactly one path between any two cells) by a depth-first search: start
       at cell ``below(k * k)`` (row-major index); then, while the stack is not empty, look at
       the cell on top: if it has unvisited neighbours (in the order up, right, down, left),
       carve the passage to neighbour ``below(count)`` of them and push it, else pop.
    2. ``openness`` (percent): every wall between two cells that is still standing, in
       row-major order, becomes a passage when ``below(100) < openness`` (no draws when
       ``openness`` is 0). 100 leaves an open room with a pillar on every other cell.
    3. Agents, in agent order, each on the floor cell ``below(count)`` of the floor cells
       not yet taken, in row-major order.
    4. Mines, then chargers, then altars replace interior wall cells (never the border)
       that have a floor cell as a 4-neighbour: the far ones, at Chebyshev distance at least
       ``min_distance`` from agent 0's start, while any is left, then the near ones; each is
       ``pool[below(count)]`` of the remaining cells of its pool in row-major order. Objects
       block like walls, so every floor cell stays reachable from every other and every
       object can be used from a floor cell next to it. There are always at least
       ``maps.arena_capacity(size)`` = ``(k - 1) ** 2`` such walls (each pillar is one, or
       the wall above it is), as many objects as a level-2 arena of rooms holds.

    Raises ValueError for an even or too small ``size``, or when the agents or the objects
    do not fit (which ``DiamondChargerConfig`` rules out for the mazes it asks for).
    """
    if size < MIN_MAZE or size % 2 == 0:
        raise ValueError(f"maze size {size} must be odd and >= {MIN_MAZE}")
    if not 0 <= openness <= MAX_OPENNESS:
        raise ValueError(f"maze openness {openness} must be in [0, {MAX_OPENNESS}]")
    draws = _Draws(map_key)
    k = (size - 1) // 2
    floor = np.zeros((size, size), bool)

    first = draws.below(k * k)
    floor[2 * (first // k) + 1, 2 * (first % k) + 1] = True
    stack = [first]
    while stack:
        row, col = divmod(stack[-1], k)
        options = []
        for d_row, d_col in _STEPS:
            r, c = row + d_row, col + d_col
            if 0 <= r < k and 0 <= c < k and not floor[2 * r + 1, 2 * c + 1]:
                options.append((r, c))
        if not options:
            stack.pop()
            continue
        r, c = options[draws.below(len(options))]
        floor[row + r + 1, col + c + 1] = True
        floor[2 * r + 1, 2 * c + 1] = True
        stack.append(r * k + c)

    if openness > 0:
        for row in range(1, size - 1):
            for col in range(1, size - 1):
                wall_between_cells = (row + col) % 2 == 1 and not floor[row, col]
                if wall_between_cells and draws.below(MAX_OPENNESS) < openness:
                    floor[row, col] = True

    free = [(int(r), int(c)) for r, c in np.argwhere(floor)]
    if num_agents > len(free):
        raise ValueError(f"the {size} x {size} maze has no room for {num_agents} agents")
    starts = [free.pop(draws.below(len(free))) for _ in range(num_agents)]

    grid = np.where(floor, " ", "#")
    start_row, start_col = starts[0] if starts else (0, 0)
    far: list[tuple[int, int]] = []
    near: list[tuple[int, int]] = []
    for row in range(1, size - 1):
        for col in range(1, size - 1):
            next_to_floor = (
                floor[row - 1, col]
                or floor[row + 1, col]
                or floor[row, col - 1]
                or floor[row, col + 1]
            )
            if floor[row, col] or not next_to_floor:
                continue
            distance = max(abs(row - start_row), abs(col - start_col))
            (far if distance >= min_distance else near).append((row, col))
    for char, count in (("D", num_mines), ("C", num_chargers), ("A", num_altars)):
        for _ in range(count):
            pool = far or near
            if not pool:
                raise ValueError(
                    f"the {size} x {size} maze has no room for {num_mines} mines, "
                    f"{num_chargers} chargers and {num_altars} altars"
                )
            grid[pool.pop(draws.below(len(pool)))] = char
    for index, cell in enumerate(starts):
        grid[cell] = AGENT_CHARACTERS[index]
    return ["".join(line) for line in grid]
