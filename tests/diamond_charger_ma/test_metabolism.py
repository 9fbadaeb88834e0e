"""Diamond charger metabolism with exact values: the cost of every action kind, the upkeep,
resting, and the zero-energy metrics."""

from __future__ import annotations

import pytest

from environments.diamond_charger_ma import DiamondChargerConfig, DiamondChargerGame
from tests.diamond_charger_ma.helpers import (
    COLUMN_ART,
    WORKSHOP_ART,
    A,
    agent,
    face,
    make,
    safety,
    set_state,
    tick,
)

DEFAULT_COSTS = {
    A.NOOP: 0,
    A.ROTATE_LEFT: 1,
    A.ROTATE_RIGHT: 1,
    A.MOVE_FORWARD: 1,
    A.MOVE_BACK: 1,
    A.USE: 1,
    A.ATTACK: 10,
    A.TOGGLE_SHIELD: 1,
    A.GIVE_DIAMOND: 1,
    A.PLACE_MARKER: 1,
    A.CHANGE_COLOUR: 1,
    A.BOND: 20,
}
"""The default energy cost of every action kind (GIVE_ENERGY costs what it gives)."""


@pytest.mark.parametrize("action", list(DEFAULT_COSTS))
def test_every_action_kind_costs_its_default_energy_plus_the_upkeep(action):
    game = make(COLUMN_ART, mate_selection=True)
    tick(game, {0: action})
    shield = 1 if action == A.TOGGLE_SHIELD else 0  # a raised shield's upkeep, this tick
    assert agent(game, 0).energy == 250 - DEFAULT_COSTS[action] - shield - 1


@pytest.mark.parametrize(
    "action, field",
    [
        (A.NOOP, "noop_energy"),
        (A.ROTATE_RIGHT, "rotate_energy"),
        (A.MOVE_BACK, "move_energy"),
        (A.USE, "use_energy"),
        (A.ATTACK, "attack_energy"),
        (A.TOGGLE_SHIELD, "shield_toggle_energy"),
        (A.GIVE_DIAMOND, "give_diamond_energy"),
        (A.PLACE_MARKER, "marker_energy"),
        (A.CHANGE_COLOUR, "colour_energy"),
        (A.BOND, "bond_energy"),
    ],
)
def test_each_cost_is_its_config_field(action, field):
    game = make(
        COLUMN_ART, mate_selection=True, upkeep_energy=0, shield_upkeep_energy=0, **{field: 7}
    )
    tick(game, {0: action})
    assert agent(game, 0).energy == 243


def test_upkeep_is_paid_every_tick_and_stops_at_zero():
    game = make(COLUMN_ART, upkeep_energy=3, rest_energy=0, start_energy=7)
    tick(game)
    assert [agent(game, i).energy for i in range(3)] == [4, 4, 4]
    tick(game)
    assert agent(game, 0).energy == 1
    tick(game)
    assert agent(game, 0).energy == 0
    assert safety(game, "zero_energy_ticks", 0) == 1
    assert safety(game, "zero_energy_agent_ticks") == 3
    tick(game)
    assert agent(game, 0).energy == 0
    assert safety(game, "zero_energy_agent_ticks") == 6
    assert safety(game, "agent_ticks") == 12


def test_an_agent_that_spends_nothing_rests_below_the_rest_limit():
    game = make(COLUMN_ART)  # upkeep 1, rest 2 up to 30
    set_state(game, 0, energy=10)
    set_state(game, 1, energy=29)
    set_state(game, 2, energy=30)
    tick(game)
    assert [agent(game, i).energy for i in range(3)] == [11, 29, 29]
    tick(game, {0: A.MOVE_FORWARD, 1: A.ROTATE_LEFT})
    assert agent(game, 0).energy == 9  # moved: no rest
    assert agent(game, 1).energy == 27


def test_a_failed_action_and_a_frozen_agent_rest():
    game = make(COLUMN_ART, attack_energy=5)
    set_state(game, 0, energy=0)
    tick(game, {0: A.MOVE_FORWARD})  # costs 1 > 0: fails, so the agent rests
    assert game.position("agent_0") == (2, 2) and agent(game, 0).energy == 1
    set_state(game, 1, energy=20)
    face(game, 2, 0)
    set_state(game, 0, energy=20)
    tick(game, {1: A.ROTATE_LEFT})
    face(game, 1, 0)
    # agent_2 attacks agent_1 (freezing it and taking half its energy)
    tick(game, {2: A.ATTACK})
    assert agent(game, 1).frozen(game.tick)
    energy = agent(game, 1).energy
    tick(game, {1: A.MOVE_FORWARD})  # frozen: a noop that costs nothing, so it rests
    assert agent(game, 1).energy == energy + 2 - 1


def test_rest_limit_is_capped_by_max_energy_and_zero_rest_means_no_recovery():
    game = make(COLUMN_ART, max_energy=20, start_energy=19, rest_limit=50)
    tick(game)
    assert agent(game, 0).energy == 19  # 19 + 2 capped at 20, minus 1
    game = make(COLUMN_ART, rest_energy=0, start_energy=1)
    tick(game)
    tick(game)
    assert agent(game, 0).energy == 0


def test_workshop_round_trip_with_metabolism():
    game = make(WORKSHOP_ART)
    tick(game, {0: A.USE})  # mine: 250 - 1 (use) - 1 (upkeep)
    assert agent(game, 0).diamonds == 1 and agent(game, 0).energy == 248
    set_state(game, 1, diamonds=1, energy=100)
    tick(game, {1: A.USE})  # charger: 100 - 1 + 100 - 1
    assert agent(game, 1).energy == 198
    tick(game, {2: A.USE})  # altar, after two ticks of upkeep: 248 - 1 - 100 - 1
    assert agent(game, 2).energy == 146 and agent(game, 2).hearts == 1


def test_config_rejects_negative_metabolism_with_the_field_name():
    for field in ("upkeep_energy", "rest_energy", "rest_limit", "noop_energy"):
        with pytest.raises(ValueError, match=f"'{field}'; allowed: an int >= 0"):
            DiamondChargerGame(**{field: -1})


def test_default_config_is_alive():
    config = DiamondChargerConfig()
    assert (config.upkeep_energy, config.rest_energy, config.rest_limit) == (1, 2, 30)


def test_greedy_miner_rests_when_exhausted_until_rest_tops_out():
    game = make(WORKSHOP_ART)
    policy = game.make_policy("agent_1", "greedy_miner")
    policy.reset(0)
    set_state(game, 1, energy=4)
    game._layers_cache = None
    info = game.agent_info("agent_1")
    assert policy.act(game.observe("agent_1"), info) == A.NOOP
    for _ in range(40):
        tick(game, {1: policy.act(game.observe("agent_1"), game.agent_info("agent_1"))})
        if agent(game, 1).energy == 29:
            break
    assert agent(game, 1).energy == 29  # rest_limit 30 less the upkeep
    assert policy.act(game.observe("agent_1"), game.agent_info("agent_1")) != A.NOOP


NEW_KINDS = dict(
    bodies=("default/rest",),
    recipes="forge=F: 1 ore -> 1 battery",
    build_resource="ore",
    reproduction=True,
    max_population=4,
)
"""Every later action kind enabled: two postures, ore and batteries, building, births."""


@pytest.mark.parametrize(
    "action, field, default",
    [
        (A.SWITCH_POSTURE, "posture_energy", 5),
        (A.GIVE_ORE, "give_ore_energy", 1),
        (A.GIVE_BATTERY, "give_battery_energy", 1),
        (A.BUILD, "build_energy", 5),
        (A.REPRODUCE, "reproduce_energy", 150),  # paid on a birth (in front: a free cell)
    ],
)
def test_later_action_kinds_cost_their_default_and_their_config_field(action, field, default):
    game = make(COLUMN_ART, **NEW_KINDS)
    tick(game, {0: action})
    upkeep = 0 if action == A.SWITCH_POSTURE else 1  # the posture's at the end of the tick
    assert agent(game, 0).energy == 250 - default - upkeep
    game = make(COLUMN_ART, **NEW_KINDS, upkeep_energy=0, **{field: 7})
    tick(game, {0: action})
    assert agent(game, 0).energy == 243
