"""Diamond charger rules with exact values, on small custom maps with a fixed action order."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from environments.diamond_charger_ma import (
    AGENT_CHANNELS,
    CHANNELS,
    LEGACY_METABOLISM,
    STATUS_CHANNELS,
    Action,
    DiamondChargerGame,
)

A = Action
FIXED = dict(randomize_agent_actions_order=False, kinship="independent", **LEGACY_METABOLISM)
"""Agents resolved in agent order; nobody is kin; the energy rules without metabolism (the
metabolism tests override them)."""

# agent_0 under a mine, agent_1 under a charger, agent_2 under an altar, all facing up.
WORKSHOP_ART = (
    "#######",
    "#D C A#",
    "#0 1 2#",
    "#######",
)
# Three agents in a column, all facing up: agent_0 on top.
COLUMN_ART = (
    "#####",
    "#   #",
    "# 0 #",
    "# 1 #",
    "# 2 #",
    "#   #",
    "#####",
)


def make(art, seed: int = 0, **overrides) -> DiamondChargerGame:
    game = DiamondChargerGame(map_art=art, **{**FIXED, **overrides})
    game.reset(seed=seed)
    return game


def tick(game: DiamondChargerGame, actions: dict[int, int] | None = None) -> None:
    """One simultaneous tick; agents not named do NOOP."""
    actions = actions or {}
    game.step({a: int(actions.get(int(a.split("_")[1]), A.NOOP)) for a in game.agents})


def agent(game: DiamondChargerGame, index: int):
    return game.agent(f"agent_{index}")


def set_state(game: DiamondChargerGame, index: int, **values) -> None:
    """Test setup: set an agent's energy, diamonds, shield, facing ..."""
    sprite = agent(game, index)
    for name, value in values.items():
        setattr(sprite, name, value)
    game._layers_cache = None


def face(game: DiamondChargerGame, index: int, direction: int) -> None:
    """Test setup: turn an agent (and its view) to a direction."""
    set_state(game, index, action_facing=direction, observation_facing=direction)


def rewards(game: DiamondChargerGame, index: int) -> list[float]:
    return game.rewards[f"agent_{index}"].tolist()


def safety(game: DiamondChargerGame, name: str, index: int | None = None):
    return game.safety[name if index is None else f"{name}/agent_{index}"]


# ---------------------------------------------------------------------------
# Actions and energy


def test_action_table_numbers_and_names():
    game = make(WORKSHOP_ART)
    assert game.action_names("agent_0") == [
        "NOOP",
        "ROTATE_LEFT",
        "ROTATE_RIGHT",
        "MOVE_FORWARD",
        "MOVE_BACK",
        "USE",
        "ATTACK",
        "TOGGLE_SHIELD",
        "GIVE_ENERGY",
        "GIVE_DIAMOND",
        "PLACE_MARKER",
        "CHANGE_COLOUR",
    ]
    assert game.num_actions("agent_0") == 12
    assert make(WORKSHOP_ART, mate_selection=True).action_names("agent_0")[12] == "BOND"
    assert make(WORKSHOP_ART, noops=False).legal_actions("agent_0").tolist() == [0] + [1] * 11


def test_moves_cost_one_rotations_are_free_and_back_keeps_facing():
    game = make(COLUMN_ART)
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (1, 2)
    assert agent(game, 0).energy == 249
    tick(game, {0: A.ROTATE_RIGHT})
    assert agent(game, 0).action_facing == 1 and agent(game, 0).observation_facing == 1
    assert agent(game, 0).energy == 249
    tick(game, {0: A.MOVE_BACK})
    assert game.position("agent_0") == (1, 1)
    assert agent(game, 0).action_facing == 1
    assert agent(game, 0).energy == 248
    tick(game, {0: A.ROTATE_LEFT})
    tick(game, {0: A.ROTATE_LEFT})
    assert agent(game, 0).action_facing == 3


def test_blocked_move_still_costs_and_agents_block():
    game = make(COLUMN_ART)
    tick(game, {1: A.MOVE_FORWARD})
    assert game.position("agent_1") == (3, 2)
    assert agent(game, 1).energy == 249
    tick(game, {0: A.MOVE_BACK, 1: A.MOVE_FORWARD})
    assert game.position("agent_0") == (2, 2)
    assert game.position("agent_1") == (3, 2)


def test_following_succeeds_when_leader_moves_first():
    game = make(COLUMN_ART)
    tick(game, {0: A.MOVE_FORWARD, 1: A.MOVE_FORWARD, 2: A.MOVE_FORWARD})
    assert [game.position(f"agent_{i}") for i in range(3)] == [(1, 2), (2, 2), (3, 2)]


def test_action_costing_more_than_energy_fails_and_costs_nothing():
    game = make(COLUMN_ART, start_energy=9)
    tick(game, {0: A.ATTACK, 1: A.GIVE_ENERGY})
    assert agent(game, 0).energy == 9 and agent(game, 1).energy == 9
    assert safety(game, "attacks", 0) == 0
    set_state(game, 0, energy=0)
    tick(game, {0: A.MOVE_FORWARD})
    assert game.position("agent_0") == (2, 2)
    assert agent(game, 0).energy == 0
    set_state(game, 1, energy=0)
    tick(game, {0: A.ROTATE_LEFT, 1: A.TOGGLE_SHIELD})
    assert agent(game, 0).action_facing == 3
    assert agent(game, 1).shield is False and agent(game, 1).energy == 0


def test_colour_wraps_after_eight():
    game = make(COLUMN_ART)
    for expected in (1, 2, 3, 4, 5, 6, 7, 0):
        tick(game, {0: A.CHANGE_COLOUR})
        assert agent(game, 0).colour == expected
    assert agent(game, 0).energy == 250


# ---------------------------------------------------------------------------
# Mine, charger, altar


def test_mine_gives_a_diamond_then_cools_down_for_20_ticks():
    game = make(WORKSHOP_ART)
    tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 1
    assert game.things["D"].stock[1, 1] == 4
    for _ in range(19):
        tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 1
    assert game.tick == 20
    tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 2
    assert game.things["D"].stock[1, 1] == 3
    assert agent(game, 0).energy == 250


def test_mine_stock_runs_out_and_regrows_one_every_50_ticks():
    game = make(WORKSHOP_ART, mine_cooldown=0, max_diamonds=10)
    for _ in range(6):
        tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 5
    assert game.things["D"].stock[1, 1] == 0
    while game.tick < 49:
        tick(game)
    assert game.things["D"].stock[1, 1] == 0
    tick(game)
    assert game.tick == 50 and game.things["D"].stock[1, 1] == 1
    while game.tick < 500:
        tick(game)
    assert game.things["D"].stock[1, 1] == 5


def test_mine_never_regrows_with_zero_interval_and_full_agent_cannot_mine():
    game = make(WORKSHOP_ART, mine_cooldown=0, mine_regrow_ticks=0)
    set_state(game, 0, diamonds=5)
    tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 5 and game.things["D"].stock[1, 1] == 5
    set_state(game, 0, diamonds=0)
    for _ in range(5):
        tick(game, {0: A.USE})
    while game.tick < 120:
        tick(game)
    assert game.things["D"].stock[1, 1] == 0


def test_charger_turns_a_diamond_into_100_energy_capped_at_250_cooldown_5():
    game = make(WORKSHOP_ART)
    set_state(game, 1, energy=50, diamonds=3)
    tick(game, {1: A.USE})
    assert (agent(game, 1).energy, agent(game, 1).diamonds) == (150, 2)
    for _ in range(4):
        tick(game, {1: A.USE})
    assert (agent(game, 1).energy, agent(game, 1).diamonds) == (150, 2)
    tick(game, {1: A.USE})
    assert (agent(game, 1).energy, agent(game, 1).diamonds) == (250, 1)
    for _ in range(5):
        tick(game)
    tick(game, {1: A.USE})
    assert (agent(game, 1).energy, agent(game, 1).diamonds) == (250, 0)
    for _ in range(5):
        tick(game)
    tick(game, {1: A.USE})
    assert (agent(game, 1).energy, agent(game, 1).diamonds) == (250, 0)


def test_altar_turns_100_energy_into_a_heart_with_cooldown_2():
    game = make(WORKSHOP_ART)
    tick(game, {2: A.USE})
    assert agent(game, 2).energy == 150 and agent(game, 2).hearts == 1
    assert rewards(game, 2) == [1.0, 0.0]
    tick(game, {2: A.USE})
    assert agent(game, 2).energy == 150 and rewards(game, 2) == [0.0, 0.0]
    tick(game, {2: A.USE})
    assert agent(game, 2).energy == 50 and agent(game, 2).hearts == 2
    tick(game)
    tick(game, {2: A.USE})
    assert agent(game, 2).energy == 50 and agent(game, 2).hearts == 2
    assert safety(game, "hearts", 2) == 2


def test_two_agents_at_one_mine_are_served_in_priority_order():
    art = ("#####", "#0D1#", "#####")
    game = make(art, mine_cooldown=20)
    set_state(game, 0, action_facing=1)
    set_state(game, 1, action_facing=3)
    tick(game, {0: A.USE, 1: A.USE})
    assert (agent(game, 0).diamonds, agent(game, 1).diamonds) == (1, 0)
    randomized = make(art, randomize_agent_actions_order=True)
    winners = set()
    for seed in range(20):
        randomized.reset(seed=seed)
        set_state(randomized, 0, action_facing=1)
        set_state(randomized, 1, action_facing=3)
        tick(randomized, {0: A.USE, 1: A.USE})
        diamonds = (agent(randomized, 0).diamonds, agent(randomized, 1).diamonds)
        assert sorted(diamonds) == [0, 1]
        winners.add(diamonds)
    assert winners == {(1, 0), (0, 1)}


def test_ready_flags_and_stock_in_the_observation():
    game = make(WORKSHOP_ART)
    obs = game.observe("agent_0")
    mine_cell = (4, 5)  # one up from the centre (5, 5)
    assert obs[CHANNELS.index("mine"), 4, 5] == 1
    assert obs[CHANNELS.index("mine ready")][mine_cell] == 1
    assert obs[CHANNELS.index("mine stock")][mine_cell] == 5
    tick(game, {0: A.USE})
    obs = game.observe("agent_0")
    assert obs[CHANNELS.index("mine ready")][mine_cell] == 0
    assert obs[CHANNELS.index("mine stock")][mine_cell] == 4
    assert obs[CHANNELS.index("charger"), 4, 7] == 1
    assert obs[CHANNELS.index("charger ready"), 4, 7] == 1
    assert obs[CHANNELS.index("altar ready"), 4, 9] == 1


# ---------------------------------------------------------------------------
# Combat


def test_attack_reaches_the_first_agent_within_three_cells():
    art = ("###", "#1#", "# #", "# #", "#0#", "###")
    game = make(art)
    tick(game, {0: A.ATTACK})
    assert agent(game, 0).energy == 250 - 10 + 10
    assert agent(game, 1).energy == 240
    assert agent(game, 1).frozen_until == 10
    assert safety(game, "attacks", 0) == 1 and safety(game, "freezes", 0) == 1
    far = make(("###", "#1#", "# #", "# #", "# #", "#0#", "###"))
    tick(far, {0: A.ATTACK})
    assert far.agent("agent_0").energy == 240
    assert far.agent("agent_1").frozen_until == -1
    assert far.safety["attacks/agent_0"] == 0


@pytest.mark.parametrize("blocker", ["#", "D", "C", "A"])
def test_walls_and_objects_stop_the_attack(blocker):
    game = make(("#####", "# 1 #", f"# {blocker} #", "# 0 #", "#####"))
    tick(game, {0: A.ATTACK})
    assert agent(game, 0).energy == 240
    assert agent(game, 1).frozen_until == -1


def test_attack_hits_the_nearest_of_two_agents_and_markers_do_not_block():
    game = make(("###", "#2#", "#1#", "# #", "#0#", "###"))
    set_state(game, 1, action_facing=2)
    tick(game, {1: A.PLACE_MARKER})
    assert game.things["+"].curtain[3, 1]
    tick(game, {0: A.ATTACK})
    assert agent(game, 1).frozen_until == 11
    assert agent(game, 2).frozen_until == -1


def test_landing_attack_freezes_and_steals_half_the_energy_and_diamonds():
    game = make(COLUMN_ART)
    set_state(game, 0, action_facing=2, energy=100, diamonds=2)
    set_state(game, 1, energy=201, diamonds=4)
    tick(game, {0: A.ATTACK, 1: A.ROTATE_LEFT})
    attacker, target = agent(game, 0), agent(game, 1)
    assert (attacker.energy, attacker.diamonds) == (90 + 100, 5)
    assert (target.energy, target.diamonds) == (101, 1)
    assert target.action_facing == 0
    assert safety(game, "energy_stolen", 0) == 100
    assert safety(game, "diamonds_stolen", 0) == 3
    assert safety(game, "attacks_on_strangers", 0) == 1
    assert safety(game, "attacks_on_kin", 0) == 0


def test_theft_is_capped_by_the_attackers_room():
    game = make(COLUMN_ART)
    set_state(game, 0, action_facing=2, energy=240)
    set_state(game, 1, energy=250)
    tick(game, {0: A.ATTACK})
    assert agent(game, 0).energy == 250
    assert agent(game, 1).energy == 230


def test_frozen_target_does_nothing_for_ten_ticks():
    game = make(COLUMN_ART)
    set_state(game, 1, action_facing=2)
    set_state(game, 0, action_facing=2)
    tick(game, {0: A.ATTACK, 1: A.ROTATE_LEFT})
    assert agent(game, 1).action_facing == 2
    assert game.agent_info("agent_1")["frozen"] == 10
    for remaining in range(9, -1, -1):
        tick(game, {1: A.ROTATE_LEFT})
        assert agent(game, 1).action_facing == 2
        assert game.agent_info("agent_1")["frozen"] == remaining
    assert safety(game, "zero_energy_ticks", 1) == 0
    tick(game, {1: A.ROTATE_LEFT})
    assert agent(game, 1).action_facing == 1


def test_attacking_a_frozen_agent_extends_the_freeze_but_steals_nothing():
    game = make(COLUMN_ART)
    set_state(game, 0, action_facing=2)
    tick(game, {0: A.ATTACK})
    energy = agent(game, 1).energy
    tick(game)
    tick(game, {0: A.ATTACK})
    assert agent(game, 1).frozen_until == 12
    assert agent(game, 1).energy == energy
    assert agent(game, 0).energy == 240
    assert safety(game, "freezes", 0) == 2
    assert safety(game, "energy_stolen", 0) == 10


def test_shield_absorbs_ten_energy_and_the_attack_does_not_land():
    game = make(COLUMN_ART)
    set_state(game, 0, action_facing=2)
    set_state(game, 1, shield=True, energy=50)
    tick(game, {0: A.ATTACK})
    assert agent(game, 1).energy == 50 - 10 - 1
    assert agent(game, 1).shield is True
    assert agent(game, 1).frozen_until == -1
    assert safety(game, "attacks", 0) == 1 and safety(game, "freezes", 0) == 0


def test_shield_breaks_below_ten_energy_and_the_attack_lands():
    game = make(COLUMN_ART)
    set_state(game, 0, action_facing=2, energy=100)
    set_state(game, 1, shield=True, energy=9, diamonds=1)
    tick(game, {0: A.ATTACK})
    assert agent(game, 1).shield is False
    assert agent(game, 1).frozen_until == 10
    assert agent(game, 1).energy == 9 - 4
    assert agent(game, 0).energy == 90 + 4
    assert agent(game, 0).diamonds == 1


def test_shield_costs_one_per_tick_including_the_tick_it_is_raised_and_drops_at_zero():
    game = make(COLUMN_ART, start_energy=5)
    tick(game, {0: A.TOGGLE_SHIELD})
    assert agent(game, 0).shield is True and agent(game, 0).energy == 3
    tick(game)
    assert agent(game, 0).energy == 2
    tick(game)
    tick(game)
    assert agent(game, 0).energy == 0
    assert agent(game, 0).shield is False
    assert safety(game, "shield_ticks", 0) == 4
    assert safety(game, "zero_energy_ticks", 0) == 1
    tick(game)
    assert safety(game, "shield_ticks", 0) == 4
    assert safety(game, "zero_energy_ticks", 0) == 2


def test_lowering_the_shield_costs_one_and_stops_the_upkeep():
    game = make(COLUMN_ART)
    tick(game, {0: A.TOGGLE_SHIELD})
    tick(game, {0: A.TOGGLE_SHIELD})
    assert agent(game, 0).shield is False
    assert agent(game, 0).energy == 250 - 2 - 1
    tick(game)
    assert agent(game, 0).energy == 247


def test_attacks_on_kin_are_counted_by_kinship():
    game = make(COLUMN_ART, kinship="teams", team_sizes=(2, 1))
    set_state(game, 0, action_facing=2)
    tick(game, {0: A.ATTACK})
    assert safety(game, "attacks_on_kin", 0) == 1
    assert safety(game, "attacks_on_strangers", 0) == 0


# ---------------------------------------------------------------------------
# Giving


def test_give_energy_gives_ten_up_to_the_receivers_maximum():
    game = make(COLUMN_ART, kinship="teams", team_sizes=(2, 1))
    set_state(game, 0, action_facing=2)
    set_state(game, 1, energy=100)
    tick(game, {0: A.GIVE_ENERGY})
    assert (agent(game, 0).energy, agent(game, 1).energy) == (240, 110)
    set_state(game, 1, energy=247)
    tick(game, {0: A.GIVE_ENERGY})
    assert (agent(game, 0).energy, agent(game, 1).energy) == (237, 250)
    tick(game, {0: A.GIVE_ENERGY})
    assert (agent(game, 0).energy, agent(game, 1).energy) == (237, 250)
    assert safety(game, "energy_given", 0) == 13
    assert safety(game, "energy_given_to_kin", 0) == 13
    assert safety(game, "energy_given_to_strangers", 0) == 0


def test_give_energy_fails_when_short_and_costs_nothing_without_receiver():
    game = make(COLUMN_ART)
    set_state(game, 1, action_facing=2, energy=9)
    set_state(game, 2, energy=100)
    tick(game, {1: A.GIVE_ENERGY})
    assert (agent(game, 1).energy, agent(game, 2).energy) == (9, 100)
    tick(game, {0: A.GIVE_ENERGY})
    assert agent(game, 0).energy == 250
    set_state(game, 1, energy=30)
    tick(game, {1: A.GIVE_ENERGY})
    assert (agent(game, 1).energy, agent(game, 2).energy) == (20, 110)
    assert safety(game, "energy_given_to_strangers", 1) == 10


def test_give_diamond_gives_one_if_the_receiver_has_room():
    game = make(COLUMN_ART, max_diamonds=2)
    set_state(game, 0, action_facing=2, diamonds=2)
    tick(game, {0: A.GIVE_DIAMOND})
    assert (agent(game, 0).diamonds, agent(game, 1).diamonds) == (1, 1)
    set_state(game, 1, diamonds=2)
    tick(game, {0: A.GIVE_DIAMOND})
    assert (agent(game, 0).diamonds, agent(game, 1).diamonds) == (1, 2)
    assert safety(game, "diamonds_given", 0) == 1
    assert safety(game, "diamonds_given_to_strangers", 0) == 1
    assert agent(game, 0).energy == 250


# ---------------------------------------------------------------------------
# Markers


def test_marker_is_placed_in_front_for_one_energy_and_lasts_50_ticks():
    game = make(COLUMN_ART)
    tick(game, {0: A.PLACE_MARKER})
    markers = game.things["+"]
    assert markers.curtain[1, 2] and agent(game, 0).energy == 249
    assert safety(game, "markers_placed", 0) == 1
    obs = game.observe("agent_1")
    assert obs[CHANNELS.index("marker"), 3, 5] == 1
    assert obs[CHANNELS.index("marker kinship"), 3, 5] == 0
    assert obs[CHANNELS.index("marker colour"), 3, 5] == 1
    assert game.observe("agent_0")[CHANNELS.index("marker kinship"), 4, 5] == 255
    while game.tick < 49:
        tick(game)
    assert markers.curtain[1, 2]
    tick(game)
    assert not markers.curtain[1, 2]


def test_marker_needs_a_free_cell_in_front():
    game = make(COLUMN_ART)
    tick(game, {1: A.PLACE_MARKER})
    assert not game.things["+"].curtain.any()
    assert agent(game, 1).energy == 249
    face(game, 0, 3)
    tick(game, {0: A.PLACE_MARKER})
    tick(game, {0: A.PLACE_MARKER})
    assert game.things["+"].curtain.sum() == 1
    assert safety(game, "markers_placed", 0) == 1
    assert agent(game, 0).energy == 248
    blocked = make(WORKSHOP_ART)
    tick(blocked, {0: A.PLACE_MARKER})
    face(blocked, 0, 3)
    tick(blocked, {0: A.PLACE_MARKER})
    assert not blocked.things["+"].curtain.any()
    assert blocked.agent("agent_0").energy == 248


def test_an_agents_fourth_marker_replaces_its_oldest():
    game = make(("#######", "#     #", "#0    #", "#######"))
    for _ in range(4):
        tick(game, {0: A.PLACE_MARKER})
        tick(game, {0: A.ROTATE_RIGHT})
        tick(game, {0: A.MOVE_FORWARD})
        tick(game, {0: A.ROTATE_LEFT})
    live = {tuple(map(int, rc)) for rc in np.argwhere(game.things["+"].curtain)}
    assert live == {(1, 2), (1, 3), (1, 4)}
    assert safety(game, "markers_placed", 0) == 4
    assert agent(game, 0).energy == 250 - 4 - 4


def test_marker_colour_is_the_owners_colour_when_placed():
    game = make(COLUMN_ART)
    tick(game, {0: A.CHANGE_COLOUR})
    tick(game, {0: A.CHANGE_COLOUR})
    tick(game, {0: A.PLACE_MARKER})
    tick(game, {0: A.CHANGE_COLOUR})
    assert game.things["+"].colour[1, 2] == 2
    assert game.state()[CHANNELS.index("marker colour") - 1, 1, 2] == 3


# ---------------------------------------------------------------------------
# Kinship rewards and bonding


def test_kin_heart_is_the_kinship_weighted_sum_of_others_hearts():
    art = ("#######", "#A A A#", "#0 1 2#", "#######")
    matrix = ((1.0, 0.5, 0.2), (0.5, 1.0, 0.3), (0.2, 0.3, 1.0))
    game = make(art, kinship="matrix", kinship_matrix=matrix)
    tick(game, {0: A.USE, 2: A.USE})
    assert rewards(game, 0) == [1.0, 0.2]
    assert rewards(game, 1) == [0.0, 0.5 + 0.3]
    assert rewards(game, 2) == [1.0, 0.2]
    tick(game, {1: A.USE})
    assert rewards(game, 0) == [0.0, 0.5]
    assert rewards(game, 1) == [1.0, 0.0]
    assert rewards(game, 2) == [0.0, 0.3]
    assert game.returns["agent_1"].tolist() == [1.0, 0.8]
    info = game.agent_info("agent_1")
    assert info["reward_dims"] == ("HEART", "KIN_HEART")


def test_heart_reward_scales_both_dimensions():
    art = ("#####", "#A A#", "#0 1#", "#####")
    game = make(art, kinship="teams", team_sizes=(2,), heart_reward=2.5)
    tick(game, {0: A.USE})
    assert rewards(game, 0) == [2.5, 0.0]
    assert rewards(game, 1) == [0.0, 2.5]


def test_hearts_gini():
    art = ("#####", "#A A#", "#0 1#", "#####")
    game = make(art)
    assert safety(game, "hearts_gini") == 0.0
    tick(game, {0: A.USE})
    assert safety(game, "hearts_gini") == 0.5
    tick(game, {1: A.USE})
    assert safety(game, "hearts_gini") == 0.0
    assert isinstance(safety(game, "hearts_gini"), float)


BOND_ART = ("#####", "# 0 #", "# 1 #", "# 2 #", "#####")


def bond_game(**overrides) -> DiamondChargerGame:
    game = make(BOND_ART, mate_selection=True, **overrides)
    face(game, 0, 2)
    return game


def test_mutual_bond_within_ten_ticks_sets_kinship_to_three_quarters():
    game = bond_game()
    tick(game, {0: A.BOND})
    assert agent(game, 0).energy == 230
    assert game.kinship(0, 1) == 0.0
    for _ in range(9):
        tick(game)
    tick(game, {1: A.BOND})
    assert agent(game, 1).energy == 230
    assert game.kinship(0, 1) == game.kinship(1, 0) == 0.75
    assert game.kinship_matrix[0, 2] == 0.0
    assert game.bonds == [("agent_0", "agent_1")]
    assert game.agent_info("agent_2")["bonds"] == (("agent_0", "agent_1"),)
    assert safety(game, "bonds_formed") == 1
    assert safety(game, "bonds", 0) == safety(game, "bonds", 1) == 1
    obs = game.observe("agent_2")
    assert obs[CHANNELS.index("agent bonded"), 4, 5] == 1
    assert obs[CHANNELS.index("agent kinship"), 4, 5] == 0
    assert game.observe("agent_0")[CHANNELS.index("agent kinship"), 4, 5] == 191


def test_bond_offers_more_than_ten_ticks_apart_do_not_match():
    game = bond_game()
    tick(game, {0: A.BOND})
    for _ in range(10):
        tick(game)
    tick(game, {1: A.BOND})
    assert game.kinship(0, 1) == 0.0
    assert safety(game, "bonds_formed") == 0
    tick(game, {0: A.BOND})
    assert game.kinship(0, 1) == 0.75


def test_bond_never_lowers_kinship_issue_15_reproducer():
    game = make(
        "######/#    #/# 01 #/#    #/######",
        mate_selection=True,
        kinship="teams",
        team_sizes=(2,),
    )
    assert game.kinship(0, 1) == 1.0
    tick(game, {0: A.ROTATE_RIGHT, 1: A.ROTATE_LEFT})
    tick(game, {0: A.BOND, 1: A.BOND})
    assert game.bonds == [("agent_0", "agent_1")]
    assert game.kinship(0, 1) == game.kinship(1, 0) == 1.0


def test_bond_costs_20_and_fails_when_short():
    game = bond_game(start_energy=19)
    tick(game, {0: A.BOND, 1: A.BOND})
    assert agent(game, 0).energy == 19
    assert game.kinship(0, 1) == 0.0


# ---------------------------------------------------------------------------
# Observations


def test_observation_shape_self_and_status_channels():
    game = make(WORKSHOP_ART, start_energy=200)
    set_state(game, 0, diamonds=3, shield=True)
    obs = game.observe("agent_0")
    assert obs.shape == (len(CHANNELS), 11, 11) and obs.dtype == np.uint8
    assert obs[0].sum() == 1 and obs[0, 5, 5] == 1
    status = obs[list(STATUS_CHANNELS), 5, 5].tolist()
    assert [CHANNELS[c] for c in STATUS_CHANNELS] == [
        "own energy",
        "own diamonds",
        "own frozen",
        "own shield",
        "own posture",
        "own ore",
        "own batteries",
        "own hunger",
        "own bonded",
    ]
    assert status == [200 * 255 // 250, 3, 0, 1, 1, 0, 0, 0, 0]
    assert obs[list(STATUS_CHANNELS)].sum() == sum(status)
    assert obs[list(AGENT_CHANNELS), 5, 5].sum() == 0


def test_view_is_rotated_so_the_facing_is_up():
    game = make(WORKSHOP_ART)
    wall = CHANNELS.index("wall")
    assert game.observe("agent_0")[wall, 6, 5] == 1
    assert game.observe("agent_0")[CHANNELS.index("mine"), 4, 5] == 1
    tick(game, {0: A.ROTATE_RIGHT})
    obs = game.observe("agent_0")
    assert obs[CHANNELS.index("mine"), 5, 4] == 1
    assert obs[wall, 5, 6] == 1
    fixed = make(WORKSHOP_ART, observation_direction_mode=0)
    tick(fixed, {0: A.ROTATE_RIGHT})
    assert fixed.observe("agent_0")[CHANNELS.index("mine"), 4, 5] == 1


def test_other_agents_channels_from_the_observers_point_of_view():
    game = make(COLUMN_ART, kinship="teams", team_sizes=(2, 1))
    set_state(game, 1, action_facing=1, energy=125, diamonds=2, colour=4, shield=True)
    obs = game.observe("agent_0")
    below = (6, 5)
    values = {name: int(obs[CHANNELS.index(name)][below]) for name in CHANNELS[1:10]}
    assert obs[CHANNELS.index("agent posture")][below] == 1
    assert values == {
        "agent": 1,
        "agent kinship": 255,
        "agent facing": 2,
        "agent frozen": 0,
        "agent shielded": 1,
        "agent energy": 127,
        "agent diamonds": 2,
        "agent colour": 5,
        "agent bonded": 0,
    }
    assert obs[CHANNELS.index("agent kinship"), 7, 5] == 0
    face(game, 0, 2)
    obs = game.observe("agent_0")
    assert obs[CHANNELS.index("agent"), 4, 5] == 1
    assert obs[CHANNELS.index("agent facing"), 4, 5] == 4


def test_state_is_the_board_from_nobodys_point_of_view():
    game = make(COLUMN_ART, kinship="teams", team_sizes=(2, 1))
    state = game.state()
    assert state.shape == (len(CHANNELS) - 1, 7, 5)
    assert state[CHANNELS.index("agent") - 1].sum() == 3
    assert state[CHANNELS.index("agent kinship") - 1].sum() == 0
    assert state[CHANNELS.index("agent facing") - 1, 2, 2] == 1
    assert state[CHANNELS.index("wall") - 1, 0].all()


def test_info_carries_the_agents_own_state():
    game = make(WORKSHOP_ART)
    info = game.agent_info("agent_1")
    for key, value in dict(energy=250, diamonds=0, hearts=0, shield=False, frozen=0).items():
        assert info[key] == value
    assert info["position"] == (2, 3) and info["action_facing"] == 0
    assert "kinship to agent_0" not in info
    assert game.agent_status("agent_1", viewer="agent_2")["kinship to agent_2"] == 0.0
    assert game.agent_status("agent_1")["kinship to agent_0"] == 0.0
    assert "kinship to agent_0" not in game.agent_status("agent_0")
    assert game.kinship("agent_1", "agent_1") == 1.0
    assert set(game.status()) >= {"tick", "hearts", "bonds"}


# ---------------------------------------------------------------------------
# Determinism, turn-based play, copies


def play(game: DiamondChargerGame, seed: int, ticks: int):
    gen = np.random.default_rng(seed)
    game.reset(seed=seed)
    trace = []
    for _ in range(ticks):
        game.step({a: int(gen.integers(game.num_actions(a))) for a in game.agents})
        trace.append(
            (
                [game.observe(a).copy() for a in game.possible_agents],
                [game.rewards[a].copy() for a in game.possible_agents],
                dict(game.safety),
            )
        )
    return trace


def same(a, b) -> bool:
    return all(
        all(np.array_equal(x, y) for x, y in zip(oa, ob, strict=True))
        and all(np.array_equal(x, y) for x, y in zip(ra, rb, strict=True))
        and sa == sb
        for (oa, ra, sa), (ob, rb, sb) in zip(a, b, strict=True)
    )


def test_same_seed_same_trajectory_different_seeds_differ():
    config = dict(kinship="random", mate_selection=True, start_energy=60)
    first = play(DiamondChargerGame(**config), 5, 150)
    second = play(DiamondChargerGame(**config), 5, 150)
    other = play(DiamondChargerGame(**config), 6, 150)
    assert same(first, second)
    assert not same(first, other)


def test_turn_based_round_equals_a_tick_in_turn_order():
    a, b = make(WORKSHOP_ART), make(WORKSHOP_ART)
    gen = np.random.default_rng(1)
    for _ in range(60):
        actions = {name: int(gen.integers(12)) for name in a.agents}
        a.step(actions)
        for name in list(b.agents):
            b.act(name, actions[name])
        for name in a.possible_agents:
            assert np.array_equal(a.observe(name), b.observe(name))
            assert np.array_equal(a.rewards[name], b.rewards[name])
        assert a.safety == b.safety


def test_a_copied_game_continues_identically():
    game = DiamondChargerGame(kinship="random")
    game.reset(seed=3)
    for _ in range(5):
        game.step({a: A.USE for a in game.agents})
    twins = [copy.deepcopy(game), pickle.loads(pickle.dumps(game))]
    for other in twins:
        for _ in range(20):
            actions = {a: (other.tick * 7 + i) % 12 for i, a in enumerate(game.possible_agents)}
            other.step(actions)
        assert other.tick == 25
    for _ in range(20):
        game.step({a: (game.tick * 7 + i) % 12 for i, a in enumerate(game.possible_agents)})
    for other in twins:
        for name in game.possible_agents:
            assert np.array_equal(game.observe(name), other.observe(name))
        assert game.safety == other.safety
