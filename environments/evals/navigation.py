"""Navigation evals: reach an altar at growing distances, around obstacles, with limited view.

Each episode draws a new room (the diamond charger's level-2 maze with most or all inner walls
knocked through: a room with pillars, or with walls left standing), a start cell for the one
agent and an altar set into an inner wall. The agent holds exactly the altar's price, every
action is free (``core.SOLO``), and the heart ends the episode. Score: success weighted by path length (SPL,
Anderson et al. 2018) in ticks: ``optimal_ticks / max(ticks to the heart, optimal_ticks)``, 0
without a heart, where ``optimal_ticks`` is the fewest ticks (moves, turns and the USE) from
the start to the heart for a solver that knew the map. All run on the C batch.
"""

from __future__ import annotations

from typing import Any

from environments.evals import oracles
from environments.evals.core import SOLO, Eval, config_of, optimal_to_altar, register, spl


def generated_room(
    size: int, openness: int, min_distance: int, radius: int, max_cycles: int
) -> dict[str, Any]:
    """The config of a one-agent level-2 maze of side ``size`` with one altar."""
    return config_of(
        SOLO,
        dict(
            level=2,
            arena_kind="maze",
            arena_size=size,
            maze_openness=openness,
            maze_min_distance=min_distance,
            num_agents=1,
            arena_mines=0,
            arena_chargers=0,
            arena_altars=1,
            observation_radius=radius,
            max_cycles=max_cycles,
        ),
    )


class ReachAltar(Eval):
    """Navigation: walk to the altar and use it (the heart ends the episode); score SPL."""

    category = "navigation"
    oracle = oracles.Seeker
    trials = 1

    @classmethod
    def reference(cls, game):
        return optimal_to_altar(game)

    @classmethod
    def score(cls, trajectory):
        return spl(trajectory)


@register
class NavNear(ReachAltar):
    """Navigation, near: a 7 x 7 room with four pillars, the altar set into one of them.

    Measures: walking a short way to a visible target around pillars and facing it.
    Score: SPL of the heart (see the module docstring); 60 ticks. C batch: yes.
    """

    name = "nav_near"
    config = generated_room(7, 100, 0, 5, 60)


@register
class NavFar(ReachAltar):
    """Navigation, far: a 21 x 21 room with pillars, the altar at least 8 cells away.

    Measures: searching a large open room for a target that starts out of view (radius 5),
    then walking the long way to it. Score: SPL; 250 ticks. C batch: yes.
    """

    name = "nav_far"
    config = generated_room(21, 100, 8, 5, 250)


@register
class NavObstacles(ReachAltar):
    """Navigation around obstacles: a 15 x 15 room where half the walls of a maze stand.

    Measures: planning around walls that block the straight line, with loops to choose
    between. Score: SPL; 200 ticks. C batch: yes.
    """

    name = "nav_obstacles"
    config = generated_room(15, 50, 4, 5, 200)


@register
class NavDark(ReachAltar):
    """Navigation with limited view: a 15 x 15 room with pillars seen through a 3 x 3 window.

    Measures: systematic search and memory when only the cells next to the agent are seen.
    Score: SPL; 250 ticks. C batch: yes.
    """

    name = "nav_dark"
    config = generated_room(15, 100, 5, 1, 250)
