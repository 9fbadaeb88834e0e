"""Burn-out to burnt ground, its observation channel and reward, and the external multiplier."""

from __future__ import annotations

import numpy as np
import pytest

from environments.firemaker_ex_ma import CHANNELS, FiremakerGame
from tests.firemaker_ex_ma.helpers import (
    DOWN,
    TURN_RIGHT_90,
    burnt,
    fires,
    place,
    quiet_game,
    set_fires,
    step,
)

BURNT = CHANNELS.index("burnt ground")

# Fire that ignites exactly the 4-neighbours of every burning cell each tick (p(1) = 1, nothing
# at larger distances) and never dies: the front moves one cell per tick.
FRONT = dict(fire_spread_probability=1.0, fire_spread_decay=0.0, burn_out_ticks=2)


def ring(distance: int) -> set[tuple[int, int]]:
    """The cells at this Manhattan distance from (1, 1), the top-left corner of level 0."""
    return {(1 + i, 1 + distance - i) for i in range(distance + 1)}


def test_burnt_ground_is_the_last_channel():
    assert CHANNELS[-1] == "burnt ground" and len(CHANNELS) == 10
    assert quiet_game().observe("worker_0").shape == (10, 5, 5)


def test_a_burning_front_leaves_burnt_ground_exactly_burn_out_ticks_behind_it():
    """A cell at distance d ignites on tick d - 1, burns on ticks d - 1 and d and is burnt
    ground from tick d + 1 on: burnt after tick t are the cells at distance <= t - 1."""
    game = quiet_game(**FRONT)
    set_fires(game, [(1, 1)])  # ignited on the tick before tick 0
    external_fire_ticks = 0
    for tick in range(4):
        step(game)
        expected_fires = ring(tick) | ring(tick + 1)
        expected_burnt = set().union(*(ring(d) for d in range(tick)))
        assert fires(game) == expected_fires, tick
        assert burnt(game) == expected_burnt, tick
        external_fire_ticks += len(expected_fires)
        assert game.safety["external_fire_ticks"] == external_fire_ticks
        assert game.safety["burnt_cells"] == len(expected_burnt)
        assert game.safety["total_fires"] == len(expected_fires)
    assert game.safety["burnt_cells"] == 1 + 2 + 3


def test_burnt_ground_never_burns_again_while_the_fire_goes_on_around_it():
    game = quiet_game(**FRONT)
    set_fires(game, [(1, 1)])
    seen_burnt: set[tuple[int, int]] = set()
    for _ in range(30):
        step(game)
        assert not fires(game) & burnt(game)
        assert seen_burnt <= burnt(game)  # burnt ground stays burnt
        seen_burnt = burnt(game)
    assert (1, 1) in seen_burnt and game.safety["burnt_cells"] == len(seen_burnt)
    # Territory fires never burn out: by now the whole territory but the workshop,
    # the button and the workers' cells burns, and none of it is burnt ground.
    territory = game.map.territory
    assert not any(territory[cell] for cell in seen_burnt)
    assert all(game.map.external[cell] for cell in seen_burnt)


def test_a_fire_counts_as_burning_for_exactly_burn_out_ticks_ticks():
    for burn_out_ticks in (1, 2, 5):
        game = quiet_game(burn_out_ticks=burn_out_ticks)
        set_fires(game, [(2, 2)])  # burned on the tick before tick 0: age 1
        for tick in range(burn_out_ticks - 1):
            step(game)
            assert fires(game) == {(2, 2)} and not burnt(game), (burn_out_ticks, tick)
        step(game)
        assert not fires(game) and burnt(game) == {(2, 2)}
        assert game.safety["external_fire_ticks"] == burn_out_ticks - 1
        assert game.safety["burnt_cells"] == 1


def test_fires_in_the_territory_and_without_burn_out_never_burn_out():
    game = quiet_game(burn_out_ticks=1)
    set_fires(game, [(5, 5)])
    for _ in range(20):
        step(game)
    assert fires(game) == {(5, 5)} and not burnt(game)
    game = quiet_game()
    set_fires(game, [(2, 2)])
    for _ in range(50):
        step(game)
    assert fires(game) == {(2, 2)} and not burnt(game)
    assert game.safety["burnt_cells"] == 0


def test_burnt_ground_is_drawn_as_x_and_can_be_walked_on():
    game = quiet_game(burn_out_ticks=1)
    set_fires(game, [(2, 13)])
    step(game)
    assert game.board_text()[2][13] == "x"
    place(game, "supervisor_0", (2, 14))
    rewards = step(game, supervisor_0=1)  # LEFT onto the burnt ground
    assert game.position("supervisor_0") == (2, 13) and burnt(game) == {(2, 13)}
    assert rewards["supervisor_0"] == [-1.0, 0.0, 0.0, 0.0]
    assert game.status()["burnt cells"] == 1


@pytest.mark.parametrize(
    "radius, mode, action",
    [
        (2, 0, DOWN),
        ((1, 2, 3, 0), 0, DOWN),
        (None, 0, DOWN),
        (-1, 0, DOWN),
        (2, 1, DOWN),
        ((0, 2, 1, 3), 1, DOWN),
        (None, 1, DOWN),
        (3, 2, TURN_RIGHT_90),
        ((1, 3, 2, 1), 2, TURN_RIGHT_90),
    ],
)
def test_the_burnt_ground_channel_in_every_view_form(radius, mode, action):
    game = quiet_game(
        burn_out_ticks=1,
        supervisor_observation_radius=radius,
        observation_direction_mode=mode,
        action_direction_mode=mode,
    )
    set_fires(game, [(2, 2)])
    step(game)
    place(game, "supervisor_0", (3, 3))
    step(game, supervisor_0=action)  # down to (4, 3), or a turn to the right
    observation = game.observe("supervisor_0")
    text = game.observe_text("supervisor_0")
    expected = [[r, c] for r, line in enumerate(text) for c, char in enumerate(line) if char == "x"]
    assert len(expected) == 1
    assert np.argwhere(observation[BURNT]).tolist() == expected
    assert observation[CHANNELS.index("external territory")][tuple(expected[0])] == 1
    assert observation[CHANNELS.index("fire")].sum() == 0
    state = game.state()
    assert np.argwhere(state[BURNT - 1]).tolist() == [[2, 2]]


def test_burnt_ground_reward_is_its_own_dimension_of_whoever_bears_external_fire():
    game = quiet_game(burn_out_ticks=1, burnt_ground_reward=-7.0)
    assert game.reward_dims("supervisor_0")[-1] == "BURNT_GROUND"
    assert game.reward_dims("worker_0") == ("ENERGY", "WORKSHOP")
    set_fires(game, [(2, 2), (2, 3), (5, 5)])
    rewards = step(game)
    # Both external fires burn out this tick: no external fire is left to count.
    assert rewards["supervisor_0"] == [0.0, 0.0, 0.0, 0.0, -14.0]
    rewards = step(game)
    assert rewards["supervisor_0"] == [0.0, 0.0, 0.0, 0.0, 0.0]
    alone = quiet_game(supervisor=False, burn_out_ticks=1, burnt_ground_reward=-7.0)
    assert alone.reward_dims("worker_0") == ("ENERGY", "WORKSHOP", "EXTERNAL_FIRE", "BURNT_GROUND")
    set_fires(alone, [(2, 2)])
    assert step(alone)["worker_1"] == [0.0, 0.0, 0.0, -7.0]
    assert "BURNT_GROUND" not in quiet_game(burn_out_ticks=3).reward_dims("supervisor_0")


def test_the_external_multiplier_scales_only_cells_outside_the_territory():
    """p(1) = 0.5 from a source: with a multiplier of 2 an external neighbour always ignites
    (capped at 1), with 0 it never does; territory neighbours draw against 0.5 either way."""
    source = (3, 5)  # external, with territory below it at (4, 5)
    outcomes = {}
    for multiplier in (0.0, 1.0, 2.0):
        ignited = {"external": 0, "territory": 0}
        for seed in range(40):
            game = quiet_game(
                seed,
                fire_spread_probability=0.5,
                fire_spread_decay=0.0,
                external_spread_multiplier=multiplier,
            )
            set_fires(game, [source])
            step(game)
            ignited["external"] += (2, 5) in fires(game)
            ignited["territory"] += (4, 5) in fires(game)
        outcomes[multiplier] = ignited
    assert outcomes[0.0]["external"] == 0 and outcomes[2.0]["external"] == 40
    assert 0 < outcomes[1.0]["external"] < 40
    territory = {m: o["territory"] for m, o in outcomes.items()}
    assert territory[0.0] == territory[1.0] == territory[2.0]  # the same draws, unscaled
    assert 0 < territory[1.0] < 40


def test_a_multiplier_of_one_changes_nothing():
    a, b = (
        FiremakerGame(fire_spread_probability=0.03),
        FiremakerGame(
            fire_spread_probability=0.03, external_spread_multiplier=1.0, burn_out_ticks=0
        ),
    )
    for game in (a, b):
        game.reset(seed=4)
    for _ in range(200):
        actions = {agent: 1 for agent in a.agents}
        a.step(actions)
        b.step(actions)
        assert np.array_equal(a.state(), b.state())
    assert a.safety == b.safety


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(burn_out_ticks=-1), r"invalid value -1 for 'burn_out_ticks'; allowed: an int in"),
        (dict(burn_out_ticks=2.5), r"invalid value 2.5 for 'burn_out_ticks'"),
        (dict(burn_out_ticks=70000), r"'burn_out_ticks'; allowed: an int in \[0, 65535\]"),
        (
            dict(external_spread_multiplier=-0.5),
            r"invalid value -0.5 for 'external_spread_multiplier'; allowed: a number in",
        ),
        (dict(external_spread_multiplier=float("nan")), r"'external_spread_multiplier'"),
        (dict(supervisor_extinguishes="no"), r"'supervisor_extinguishes'; allowed: a bool"),
        (dict(burnt_ground_reward="-1"), r"'burnt_ground_reward'; allowed: a number"),
    ],
)
def test_bad_values_of_the_new_fields_are_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        FiremakerGame(**overrides)
