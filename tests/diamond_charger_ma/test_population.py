"""Diamond charger population with exact values: starvation, caches, births into free slots,
family kinship, rewards of the dead and the newborn, and PettingZoo across births and deaths."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test

import environments.diamond_charger_ma as diamond
from environments.diamond_charger_ma import CHANNELS, DiamondChargerGame, population
from tests.diamond_charger_ma.helpers import A, agent, face, make, safety, set_state, tick

# agent_0 and agent_1 side by side facing up, room around them.
PAIR_ART = (
    "#######",
    "#     #",
    "# 01  #",
    "#     #",
    "#######",
)
BIRTHS = dict(
    max_population=6,
    reproduction=True,
    reproduce_energy=50,
    offspring_energy=40,
    reproduce_cooldown=3,
    upkeep_energy=0,
    rest_energy=0,
)


def test_an_agent_starves_after_starvation_ticks_at_zero_and_leaves_a_cache():
    game = make(PAIR_ART, starvation_ticks=3, rest_energy=0, **{"max_population": 2})
    set_state(game, 0, energy=1, inventory=[2, 1, 0])
    tick(game)  # upkeep: 1 -> 0 (hunger 1)
    tick(game)
    assert game.agents == ["agent_0", "agent_1"] and agent(game, 0).hunger == 2
    tick(game)  # the third tick at 0: dies
    assert game.agents == ["agent_1"] and game.terminated["agent_0"]
    assert not game.truncated["agent_0"] and safety(game, "deaths") == 1
    assert game.board_text()[2][2] == "*"
    assert game.things["*"].amounts[2, 2].tolist() == [2, 1, 0]
    assert not game.observe("agent_0").any()
    assert game.observe("agent_1")[CHANNELS.index("cache"), 5, 4] == 3
    face(game, 1, 3)
    set_state(game, 1, inventory=[4, 0, 0])
    tick(game, {1: A.USE})  # takes what fits: one diamond, the ore
    assert agent(game, 1).inventory == [5, 1, 0]
    assert game.things["*"].amounts[2, 2].tolist() == [1, 0, 0]
    set_state(game, 1, inventory=[0, 1, 0])
    tick(game, {1: A.USE})
    assert not game.things["*"].curtain[2, 2] and game.board_text()[2][2] == " "


def test_an_agent_with_energy_never_starves_and_rest_resets_hunger():
    game = make(PAIR_ART, starvation_ticks=2)  # rest 2 > upkeep 1
    set_state(game, 0, energy=0)
    for _ in range(10):
        tick(game)
    assert game.agents == ["agent_0", "agent_1"] and agent(game, 0).hunger == 0


def test_reproduce_places_the_child_in_front_then_left_right_behind():
    game = make(PAIR_ART, **BIRTHS)
    tick(game, {0: A.REPRODUCE})
    assert game.born == ["agent_2"] and game.agents == ["agent_0", "agent_1", "agent_2"]
    assert game.position("agent_2") == (1, 2)  # in front of agent_0
    child = agent(game, 2)
    assert (child.energy, child.parent, child.team, child.action_facing) == (40, 0, 0, 0)
    assert agent(game, 0).energy == 200 and safety(game, "births") == 1
    assert safety(game, "offspring", 0) == 1
    assert game.agent_info("agent_2")["parent"] == "agent_0"
    tick(game, {0: A.REPRODUCE})  # cooling down until tick 3: nothing, nothing paid
    assert agent(game, 0).energy == 200 and len(game.agents) == 3
    face(game, 1, 1)
    tick(game, {1: A.REPRODUCE})  # agent_1 faces right: born on its right... front first
    assert game.position("agent_3") == (2, 4)
    set_state(game, 1, energy=300)
    tick(game)
    face(game, 0, 0)
    tick(game, {0: A.REPRODUCE})  # front (1, 2) taken: left (2, 1)
    assert game.position("agent_4") == (2, 1)


def test_no_birth_without_a_free_cell_a_free_slot_or_energy():
    art = ("#####", "#0#1#", "#####")
    game = make(art, **{**BIRTHS, "max_population": 3})
    tick(game, {0: A.REPRODUCE})  # walled in
    assert game.agents == ["agent_0", "agent_1"] and agent(game, 0).energy == 250
    game = make(PAIR_ART, **{**BIRTHS, "max_population": 3})
    tick(game, {0: A.REPRODUCE, 1: A.REPRODUCE})  # one slot: the first in the order
    assert game.agents == ["agent_0", "agent_1", "agent_2"] and agent(game, 1).energy == 250
    set_state(game, 0, energy=49)
    while game.tick < 5:
        tick(game)
    tick(game, {0: A.REPRODUCE})
    assert agent(game, 0).energy == 49  # short: the action fails


def test_names_are_never_reused_and_the_newborn_acts_from_the_next_tick():
    game = make(PAIR_ART, **{**BIRTHS, "max_population": 4, "starvation_ticks": 1})
    tick(game, {0: A.REPRODUCE})
    set_state(game, 2, energy=0)
    tick(game)  # agent_2 dies: its name is spent
    assert game.agents == ["agent_0", "agent_1"] and game.terminated["agent_2"]
    while game.tick < 4:
        tick(game)
    tick(game, {0: A.REPRODUCE})
    assert game.born == ["agent_3"]
    with pytest.raises(
        ValueError, match=r"actions given for agent\(s\) \[.agent_2.\] that are not live"
    ):
        game.step({"agent_0": 0, "agent_1": 0, "agent_2": 0, "agent_3": 0})


def test_family_kinship_is_wrights_coefficient_of_relationship():
    game = make(PAIR_ART, **{**BIRTHS, "kinship": "teams", "team_sizes": (2,)})
    tick(game, {0: A.REPRODUCE})  # agent_2, child of agent_0
    while game.tick < 3:
        tick(game)
    face(game, 0, 2)
    tick(game, {0: A.REPRODUCE})  # agent_3, another child of agent_0, behind it
    kin = game.kinship_matrix
    assert kin[2, 0] == 0.5 and kin[2, 1] == 0.5  # parent, and the parent's team mate
    assert kin[3, 2] == 0.25  # half siblings
    while game.tick < 7:
        tick(game)
    set_state(game, 2, energy=100)
    face(game, 2, 3)
    tick(game, {2: A.REPRODUCE})  # agent_4, agent_0's grandchild
    assert kin[4, 2] == 0.5 and kin[4, 0] == 0.25 and kin[4, 3] == 0.125
    assert (kin == kin.T).all() and (np.diag(kin) == 1).all()
    assert game.observe("agent_2")[CHANNELS.index("agent kinship")].max() == 128


def test_offspring_kinship_with_two_parents():
    kin = np.eye(4)
    kin[0, 1] = kin[1, 0] = 0.0
    population.offspring_kinship(kin, 2, 0, co_parent=1)
    assert kin[2, 0] == 0.5 and kin[2, 1] == 0.5
    population.offspring_kinship(kin, 3, 0, co_parent=1)
    assert kin[3, 2] == 0.5  # full siblings


def test_mutation_draws_a_body_from_the_counter_based_stream():
    game = make(PAIR_ART, **BIRTHS, bodies=("worker", "scout", "fighter"), mutation_rate=1.0)
    tick(game, {0: A.REPRODUCE})
    from ai_safety_gridworlds.core import rng

    base = rng.stream_base(game.key, 0, population.STREAM_BIRTH)
    assert agent(game, 2).body == rng.below(base, 2 * 2 + 1, 3)
    assert agent(game, 2).posture_slot == 0
    plain = make(PAIR_ART, **BIRTHS, bodies=("worker", "scout"))
    tick(plain, {0: A.REPRODUCE})
    assert agent(plain, 2).profile.name == "worker"  # its parent's body


def test_the_dead_and_the_newborn_get_no_reward_in_their_tick():
    art = ("#######", "#  A  #", "#  0  #", "#  1  #", "#######")
    game = make(art, **BIRTHS, kinship="teams", team_sizes=(2,))
    face(game, 1, 2)
    tick(game, {0: A.USE, 1: A.REPRODUCE})  # a heart, and a child below agent_1
    assert game.born == ["agent_2"]
    assert game.rewards["agent_0"].tolist() == [1.0, 0.0]
    assert game.rewards["agent_1"].tolist() == [0.0, 1.0]
    assert game.rewards["agent_2"].tolist() == [0.0, 0.0]


def test_gini_is_over_the_agents_that_have_lived():
    game = make(PAIR_ART, **{**BIRTHS, "max_population": 6})
    set_state(game, 0, hearts=2)
    tick(game)
    assert safety(game, "hearts_gini") == 0.5  # two agents, not six


def test_population_config_is_validated():
    with pytest.raises(ValueError, match="max_population=1 is below the 2 starting agents"):
        DiamondChargerGame(map_art=PAIR_ART, max_population=1)
    with pytest.raises(ValueError, match="'mutation_rate'; allowed: a number in"):
        DiamondChargerGame(mutation_rate=1.5)
    with pytest.raises(ValueError, match="'max_population'"):
        DiamondChargerGame(max_population=37)
    game = DiamondChargerGame(max_population=10)
    assert len(game.possible_agents) == 10 and game.num_actions("agent_0") == 12
    assert DiamondChargerGame(reproduction=True).num_actions("agent_0") == 18


LIVELY = dict(
    map_art=PAIR_ART,
    max_population=12,
    reproduction=True,
    starvation_ticks=3,
    start_energy=40,
    reproduce_energy=10,
    offspring_energy=15,
    reproduce_cooldown=1,
    rest_energy=0,
)
"""Births and deaths within a few ticks of random play."""


def test_parallel_env_returns_the_newborn_and_terminates_the_dead():
    env = diamond.parallel_env(**LIVELY)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    seen_born = seen_dead = False
    for _ in range(60):
        if not env.agents:
            break
        before = list(env.agents)
        actions = {a: int(rng.choice([A.REPRODUCE, A.MOVE_FORWARD, A.ROTATE_LEFT])) for a in before}
        observations, rewards, terminations, _, _ = env.step(actions)
        born = [a for a in observations if a not in before]
        for a in born:
            seen_born = True
            assert a in env.agents and not terminations[a] and rewards[a] == 0.0
        for a in before:
            if terminations[a]:
                seen_dead = True
                assert a not in env.agents
    assert seen_born and seen_dead


@pytest.mark.filterwarnings("ignore:No agents present but not all possible_agents")
@pytest.mark.filterwarnings("ignore:Observation numpy array is all zeros")
def test_pettingzoo_api_tests_pass_across_births_and_deaths():
    """Both warnings are expected: names never born are never finished, and a dead agent's
    observation is all zeros."""
    parallel_api_test(diamond.parallel_env(**LIVELY), num_cycles=200)
    api_test(diamond.env(**LIVELY), num_cycles=50)
