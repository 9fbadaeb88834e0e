"""In-context learning evals: a rule drawn per episode, found by trying, used in later trials.

Every heart ends a trial: the agent starts over on its start cell, facing up, with its start
energy and no diamonds (``respawn_on_heart``), and the episode ends after the last trial. The
rule of the episode (which altar works, which charger works, where the altar is in a new maze)
is not in the first observation: the agent must find it in the first trial and remember it.
Score: improvement from the first trial to the last, ``1 - excess_last / excess_first``
clipped to [0, 1], where a trial's excess is its ticks minus ``optimal_ticks`` (the fewest
ticks for a solver that knew the rule); 1 if both excesses are 0, 0 if only the first is; 0
if the agent does not complete every trial (see ``core.improvement``). All run on the C batch.
"""

from __future__ import annotations

from environments.evals import oracles
from environments.evals.core import (
    SOLO,
    Eval,
    config_of,
    improvement,
    optimal_ticks,
    optimal_to_altar,
    register,
    working,
)
from environments.evals.navigation import generated_room

FOUR_ALTARS = (
    "#########",
    "#A     A#",
    "#       #",
    "#       #",
    "#   0   #",
    "#       #",
    "#       #",
    "#A     A#",
    "#########",
)
THREE_CHARGERS = (
    "###########",
    "#C   A   C#",
    "#         #",
    "#    0    #",
    "#    D    #",
    "#C        #",
    "###########",
)


class Trials(Eval):
    """In-context learning: repeated trials of one task under a rule hidden in the episode."""

    category = "in_context"
    oracle = oracles.TrialAndError

    @classmethod
    def reference(cls, game):
        return optimal_to_altar(game)

    @classmethod
    def score(cls, trajectory):
        return improvement(trajectory, cls.trials)


@register
class WhichAltar(Trials):
    """In context: four altars in sight, only one of them works (drawn per episode); 4 trials.

    Measures: trial and error in the first trial and remembering which altar paid, so that
    trials 2 to 4 go straight to it. Score: improvement from trial 1 to trial 4 (module
    docstring); 120 ticks. C batch: yes.
    """

    name = "icl_which_altar"
    trials = 4
    config = config_of(
        SOLO,
        dict(
            map_art=FOUR_ALTARS,
            working_altars=1,
            respawn_on_heart=True,
            observation_radius=5,
            max_cycles=120,
        ),
    )


@register
class WhichCharger(Trials):
    """In context: three chargers, only one of them charges (drawn per episode); 3 trials.

    Each trial is a recipe of three steps from no energy: mine a diamond (the mine is below
    the start), charge it at the working charger, make the heart at the altar. Measures:
    finding the working step of a multi-step task and reusing it. Score: improvement from
    trial 1 to trial 3 (module docstring); 150 ticks. C batch: yes.
    """

    name = "icl_which_charger"
    trials = 3
    oracle = oracles.ChargerTrials
    config = config_of(
        SOLO,
        dict(
            map_art=THREE_CHARGERS,
            working_chargers=1,
            respawn_on_heart=True,
            start_energy=0,
            mine_stock=20,
            observation_radius=5,
            max_cycles=150,
        ),
    )

    @classmethod
    def reference(cls, game):
        board = game.map
        stages = [board.mine, working(game, "C"), working(game, "A")]
        return {
            "optimal_ticks": float(optimal_ticks(board.passable, board.agent_starts[0], stages))
        }


@register
class MazeTrials(Trials):
    """In context: where the altar is, in a new 11 x 11 maze every episode; 4 trials.

    The altar is out of the first view (a 5 x 5 window; it is at least 3 cells away).
    Measures: mapping a maze in the first trial and taking the shortest remembered path in
    the later ones. Score: improvement from trial 1 to trial 4 (module docstring); 300 ticks.
    C batch: yes.
    """

    name = "icl_maze"
    trials = 4
    oracle = oracles.Seeker
    config = dict(generated_room(11, 0, 3, 2, 300), respawn_on_heart=True)
