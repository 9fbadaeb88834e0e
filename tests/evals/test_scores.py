"""Every eval's score on hand-built trajectories, with exact values; the optimal-path search."""

from __future__ import annotations

import numpy as np
import pytest

from environments.evals import EVALS, Trajectory, get_eval, improvement, optimal_ticks, spl
from environments.evals.core import hearts_share, trial_ticks


def solo(hearts, ticks=None, optimal=9.0) -> Trajectory:
    ticks = ticks if ticks is not None else (hearts[-1] if hearts else 50)
    return Trajectory({"agent_0": list(hearts)}, ticks, ("agent_0",), {"optimal_ticks": optimal})


def team(hearts: dict, evaluated=None, max_hearts=6.0) -> Trajectory:
    evaluated = tuple(evaluated or hearts)
    return Trajectory(hearts, 100, evaluated, {"max_hearts": max_hearts})


NAVIGATION = [e for e in EVALS if EVALS[e].category in ("navigation", "maze")]


@pytest.mark.parametrize("name", NAVIGATION)
def test_navigation_and_mazes_score_spl_of_the_first_heart(name):
    evaluation = get_eval(name)
    assert evaluation.score(solo([12])) == 0.75
    assert evaluation.score(solo([9])) == 1.0
    assert evaluation.score(solo([27], optimal=9.0)) == pytest.approx(1 / 3, abs=0)
    assert evaluation.score(solo([], ticks=60)) == 0.0
    assert evaluation.done(solo([12])) and not evaluation.done(solo([], ticks=5))


@pytest.mark.parametrize(
    "hearts, optimal, expected",
    [
        ([30, 40, 46, 50], 4, 1.0),  # trials 30, 10, 6, 4: the last is optimal
        ([30, 40, 46, 52], 4, 1 - 2 / 26),  # last trial 6: excess 2 of the first's 26
        ([30, 40, 46, 82], 4, 0.0),  # the last trial (36) is worse than the first: clipped
        ([4, 8, 12, 16], 4, 1.0),  # optimal from the start (a lucky first guess, then kept)
        ([4, 8, 12, 18], 4, 0.0),  # optimal first, then worse
        ([30, 40, 46], 4, 0.0),  # only three of four trials
        ([], 4, 0.0),
    ],
)
def test_in_context_score_is_the_improvement_from_the_first_trial_to_the_last(
    hearts, optimal, expected
):
    for name in ("icl_which_altar", "icl_maze"):
        assert get_eval(name).score(solo(hearts, optimal=optimal)) == expected
    assert improvement(solo(hearts, optimal=optimal), 4) == expected


def test_three_trial_in_context_eval_uses_its_third_heart():
    evaluation = get_eval("icl_which_charger")
    assert evaluation.trials == 3
    assert evaluation.score(solo([40, 55, 65], optimal=10)) == 1.0
    assert evaluation.score(solo([40, 55, 68], optimal=10)) == 1 - 3 / 30
    assert evaluation.done(solo([40, 55, 68])) and not evaluation.done(solo([40, 55]))
    assert trial_ticks([40, 55, 68]) == [40, 15, 13]


def test_cooperation_scores_the_teams_hearts_over_the_most_possible():
    pool = get_eval("coop_pool_energy")
    assert pool.score(team({"agent_0": [31], "agent_1": []}, max_hearts=1.0)) == 1.0
    assert pool.score(team({"agent_0": [], "agent_1": []}, max_hearts=1.0)) == 0.0
    assert pool.done(team({"agent_0": [31], "agent_1": []}, max_hearts=1.0))
    joint = get_eval("coop_joint_altar")
    trajectory = team({"agent_0": [10, 14], "agent_1": [10, 14]})
    assert joint.score(trajectory) == 4 / 6
    assert not joint.done(trajectory)
    three = get_eval("coop_joint_altar_three")
    full = {f"agent_{i}": [10, 20] for i in range(3)}
    assert three.score(team(full)) == 1.0 and three.done(team(full))


@pytest.mark.parametrize("name", [e for e in EVALS if EVALS[e].category == "competition"])
def test_competition_scores_agent_0s_hearts_over_six_and_ignores_the_opponents(name):
    evaluation = get_eval(name)
    trajectory = team(
        {"agent_0": [50, 90], "agent_1": [30, 60, 80], "agent_2": [99]}, evaluated=("agent_0",)
    )
    assert evaluation.score(trajectory) == 2 / 6
    assert not evaluation.done(trajectory)
    assert hearts_share(team({"agent_0": list(range(8))}, evaluated=("agent_0",))) == 1.0


def test_every_eval_has_a_score_test_above():
    tested = {"navigation", "maze", "in_context", "cooperation", "competition"}
    assert {EVALS[e].category for e in EVALS} == tested


def test_spl_is_zero_without_and_capped_at_one_with_a_heart():
    assert spl(solo([], ticks=3)) == 0.0
    assert spl(solo([5], optimal=9.0)) == 1.0  # cannot beat the optimum; capped anyway


def test_optimal_ticks_counts_moves_turns_and_uses():
    passable = np.array(
        [
            [0, 0, 0, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 1, 0, 1, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 0, 0, 0],
        ],
        bool,
    )
    altar = np.zeros_like(passable)
    altar[2, 2] = True
    # from (3, 1) facing up: one move up to (2, 1), turn right, USE
    assert optimal_ticks(passable, (3, 1), [altar]) == 3
    # facing down at the start: move back up, turn left (to face right), USE
    assert optimal_ticks(passable, (3, 1), [altar], facing=2) == 3
    mine = np.zeros_like(passable)
    mine[0, 3] = True
    # to the mine above (1, 3): up, right, right (turns: 1), ... then back to the altar
    two = optimal_ticks(passable, (3, 1), [mine, altar])
    assert two == optimal_ticks(passable, (3, 1), [mine]) + optimal_ticks(passable, (1, 3), [altar])
    assert optimal_ticks(passable, (3, 1), [np.zeros_like(passable)]) is None
