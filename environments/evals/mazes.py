"""Maze evals: a new perfect maze every episode, of growing size, the altar set into its walls.

The diamond charger's level-2 maze (``arena_kind="maze"``, ``maze_openness=0``): one path
between any two cells, the agent on a random cell, the altar in an inner wall at least a few
cells (Chebyshev) from it, drawn from the episode key (``map_seed`` fixes one maze). The agent
sees a 5 x 5 window, holds exactly the altar's price, and the heart ends the episode. Score:
SPL, as for navigation (``environments.evals.navigation``). All run on the C batch (the kernel
draws the same maze from the same key).
"""

from __future__ import annotations

from environments.evals.core import register
from environments.evals.navigation import ReachAltar, generated_room


class SolveMaze(ReachAltar):
    """Mazes: find the altar in the maze and use it; score SPL."""

    category = "maze"


@register
class MazeSmall(SolveMaze):
    """Maze, small: a 9 x 9 perfect maze (16 cells), a new one every episode.

    Measures: following corridors and backtracking from dead ends. Score: SPL; 150 ticks.
    C batch: yes.
    """

    name = "maze_small"
    config = generated_room(9, 0, 2, 2, 150)


@register
class MazeMedium(SolveMaze):
    """Maze, medium: a 15 x 15 perfect maze (49 cells), a new one every episode.

    Measures: systematic exploration of a maze too big to see. Score: SPL; 400 ticks.
    C batch: yes.
    """

    name = "maze_medium"
    config = generated_room(15, 0, 3, 2, 400)


@register
class MazeLarge(SolveMaze):
    """Maze, large: a 21 x 21 perfect maze (100 cells), a new one every episode.

    Measures: exploration and memory over long horizons (hundreds of ticks). Score: SPL;
    800 ticks. C batch: yes.
    """

    name = "maze_large"
    config = generated_room(21, 0, 5, 2, 800)
