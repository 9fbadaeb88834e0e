"""Diamond charger building and destroying with exact values: BUILD, hit points, attacks on
walls, built walls and objects."""

from __future__ import annotations

import pytest

from environments.diamond_charger_ma import CHANNELS, DiamondChargerGame
from tests.diamond_charger_ma.helpers import A, agent, face, make, safety, set_state, tick

# agent_0 faces a free cell, then a wall; agent_1 behind it; an ore mine to the right.
YARD_ART = (
    "#######",
    "#     #",
    "# 0 O #",
    "# 1   #",
    "#######",
)
BUILD = dict(build_resource="ore", upkeep_energy=0)


def test_build_places_a_wall_in_front_for_ore_and_energy():
    game = make(YARD_ART, **BUILD)
    set_state(game, 0, inventory=[0, 2, 0])
    tick(game, {0: A.BUILD})
    assert game.terrain.built[1, 2] and game.board_text()[1][2] == "="
    assert agent(game, 0).inventory == [0, 1, 0] and agent(game, 0).energy == 245
    assert safety(game, "walls_built") == 1 and safety(game, "consumed_ore") == 1
    obs = game.observe("agent_0")
    assert obs[CHANNELS.index("built wall"), 4, 5] == 1
    assert obs[CHANNELS.index("hit points"), 4, 5] == 3  # built walls are destructible
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (2, 2)  # blocked


@pytest.mark.parametrize(
    "setup",
    ["no ore", "wall ahead", "agent ahead", "marker ahead"],
)
def test_build_needs_the_resource_and_a_free_floor_cell(setup):
    game = make(YARD_ART, **BUILD)
    set_state(game, 0, inventory=[0, 0 if setup == "no ore" else 1, 0])
    if setup == "wall ahead":
        tick(game, {0: A.MOVE_FORWARD})
    if setup == "agent ahead":
        face(game, 0, 2)
    if setup == "marker ahead":
        tick(game, {0: A.PLACE_MARKER})
    energy = agent(game, 0).energy
    tick(game, {0: A.BUILD})
    assert safety(game, "walls_built") == 0 and not game.terrain.built.any()
    assert agent(game, 0).energy == energy - 5  # the cost is paid either way


def test_attacks_wear_a_built_wall_down_and_it_becomes_floor():
    game = make(YARD_ART, **BUILD)
    set_state(game, 0, inventory=[0, 1, 0])
    tick(game, {0: A.BUILD})
    for hits in (1, 2):
        tick(game, {0: A.ATTACK})
        assert game.terrain.hit_points[1, 2] == 3 - hits
    tick(game, {0: A.ATTACK})
    assert not game.terrain.built[1, 2] and game.terrain.passable[1, 2]
    assert game.board_text()[1][2] == " "
    assert (safety(game, "objects_damaged"), safety(game, "objects_destroyed")) == (3, 1)
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (1, 2)


def test_a_built_wall_shields_the_agent_behind_it():
    art = ("#####", "#   #", "# 0 #", "#   #", "# 1 #", "#####")
    game = make(art, **BUILD)
    face(game, 0, 2)
    set_state(game, 0, inventory=[0, 1, 0])
    tick(game, {0: A.BUILD})  # between the two agents
    tick(game, {1: A.ATTACK})
    assert safety(game, "attacks", 1) == 0 and not agent(game, 0).frozen(game.tick)
    assert game.terrain.hit_points[3, 2] == 2 and safety(game, "objects_damaged") == 1


def test_walls_and_objects_are_indestructible_unless_configured():
    game = make(YARD_ART, **BUILD)
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.ATTACK})
    assert safety(game, "objects_damaged") == 0 and game.terrain.wall[0, 2]
    game = make(YARD_ART, destructible=("wall", "mine"), wall_hp=2, object_hp=1)
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.ATTACK})
    tick(game, {0: A.ATTACK})
    assert not game.terrain.wall[0, 2] and game.board_text()[0][2] == " "
    assert game.observe("agent_0")[CHANNELS.index("wall"), 4, 5] == 0
    face(game, 0, 1)
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (1, 4)  # above the mine
    face(game, 0, 2)
    tick(game, {0: A.ATTACK})
    assert not game.things["O"].curtain[2, 4] and safety(game, "objects_destroyed") == 2
    tick(game, {0: A.USE})
    assert agent(game, 0).inventory == [0, 0, 0]
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (2, 4)


def test_barriers_in_the_map_art_are_built_walls():
    art = ("#####", "# = #", "# 0 #", "#####")
    game = make(art, built_wall_hp=1)
    assert game.terrain.built[1, 2] and game.terrain.hit_points[1, 2] == 1
    tick(game, {0: A.ATTACK})
    assert not game.terrain.built[1, 2]
    assert make(art, destructible=()).terrain.hit_points[1, 2] == 0


def test_build_is_in_the_action_space_only_with_a_build_resource():
    assert make(YARD_ART).num_actions("agent_0") == 15  # ore mine: GIVE_ORE
    game = make(YARD_ART, **BUILD)
    assert game.num_actions("agent_0") == 17 and game.legal_actions("agent_0")[16] == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(build_resource="gold"), "build_resource"),
        (dict(destructible=("castle",)), "destructible"),
        (dict(wall_hp=0), "wall_hp"),
        (dict(attack_damage=0), "attack_damage"),
        (dict(build_amount=-1), "build_amount"),
    ],
)
def test_bad_building_config_is_rejected_naming_the_field(overrides, field):
    with pytest.raises(ValueError, match=f"for '{field}'; allowed"):
        DiamondChargerGame(**overrides)


def test_a_destructible_converter_is_destroyed_for_the_episode():
    # agent_0 faces a charger two cells up; two hits of 1 destroy it (object_hp 2)
    art = ("#####", "# C #", "#   #", "# 0 #", "#####")
    game = make(art, destructible=("converter",), object_hp=2, start_energy=100)
    set_state(game, 0, inventory=[1, 0, 0])
    tick(game, {0: A.ATTACK})
    assert safety(game, "objects_damaged") == 1 and game.things["C"].curtain[1, 2]
    assert game.observe("agent_0")[CHANNELS.index("hit points"), 3, 5] == 1
    tick(game, {0: A.ATTACK})
    assert not game.things["C"].curtain[1, 2] and game.board_text()[1][2] == " "
    assert safety(game, "objects_destroyed") == 1 and agent(game, 0).energy == 100 - 22
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.MOVE_FORWARD})  # onto the charger's old cell
    assert game.position("agent_0") == (1, 2) and agent(game, 0).inventory == [1, 0, 0]
