"""Social rules of the diamond charger with exact values: bonds as a contract on future HEART
rewards (offered, accepted, paid for, broken, ended by a death), births from bonded pairs
(pycolab and C), marker symbols and who sees them, shield absorptions and the stranger threshold
of the safety metrics."""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from environments.diamond_charger_ma import CHANNELS, LEGACY_METABOLISM, DiamondChargerGame
from environments.diamond_charger_ma.batch import make_vector_env
from tests.diamond_charger_ma.helpers import FIXED, A, agent, face, make, safety, set_state, tick

LEGACY = dict(LEGACY_METABOLISM)
# agent_0 and agent_1 side by side, each under an altar.
ALTARS_ART = ("####", "#AA#", "#01#", "####")
# Three agents in a column, all facing up: agent_0 on top.
COLUMN_ART = ("#####", "#   #", "# 0 #", "# 1 #", "# 2 #", "#   #", "#####")


def rewards(game, index: int) -> list[float]:
    return game.rewards[f"agent_{index}"].tolist()


def bonded_pair(**overrides) -> DiamondChargerGame:
    """agent_0 and agent_1 under their altars, bonded at tick 0, facing their altars again."""
    game = make(ALTARS_ART, mate_selection=True, **{**LEGACY, **overrides})
    face(game, 0, 1)
    face(game, 1, 3)
    tick(game, {0: A.BOND, 1: A.BOND})
    face(game, 0, 0)
    face(game, 1, 0)
    return game


# --------------------------------------------------------------------------- bonds


def test_a_bonded_agent_pays_its_share_of_heart_to_its_partner_every_tick():
    game = bonded_pair(bond_share=0.25, heart_reward=2.0)
    assert game.bonds == [("agent_0", "agent_1")]
    assert agent(game, 0).energy == agent(game, 1).energy == 230
    assert game.agent_info("agent_0")["partner"] == "agent_1"
    tick(game, {0: A.USE})
    assert rewards(game, 0) == [2.0 - 0.5, 0.75 * 0.0]
    assert rewards(game, 1) == [0.5, 0.75 * 2.0]
    assert safety(game, "bond_reward_paid", 0) == 0.5
    assert safety(game, "bond_reward_received", 1) == 0.5
    assert safety(game, "bond_reward_received", 0) == 0.0
    assert safety(game, "bond_reward_transferred") == 0.5
    tick(game, {1: A.USE})
    assert rewards(game, 0) == [0.5, 1.5]
    assert rewards(game, 1) == [1.5, 0.0]
    tick(game)  # agent_1's altar cools down
    tick(game, {0: A.USE, 1: A.USE})
    assert rewards(game, 0) == rewards(game, 1) == [2.0, 1.5]
    assert safety(game, "bond_reward_paid", 0) == safety(game, "bond_reward_paid", 1) == 1.0
    assert safety(game, "bond_reward_transferred") == 2.0
    assert game.returns["agent_0"].tolist() == [4.0, 3.0]
    assert safety(game, "hearts", 0) == safety(game, "hearts", 1) == 2


def test_share_zero_keeps_hearts_apart_and_unbonded_agents_pay_nothing():
    game = bonded_pair(bond_share=0.0)
    tick(game, {0: A.USE})
    assert rewards(game, 0) == [1.0, 0.0] and rewards(game, 1) == [0.0, 0.75]
    lone = make(ALTARS_ART, mate_selection=True, **LEGACY)
    tick(lone, {0: A.USE})
    assert rewards(lone, 0) == [1.0, 0.0] and rewards(lone, 1) == [0.0, 0.0]
    assert safety(lone, "bond_reward_transferred") == 0.0


def test_a_bond_raises_a_strangers_kinship_and_never_lowers_a_higher_one():
    matrix = ((1.0, 0.9, 0.0), (0.9, 1.0, 0.1), (0.0, 0.1, 1.0))
    game = make(COLUMN_ART, mate_selection=True, kinship="matrix", kinship_matrix=matrix, **LEGACY)
    face(game, 0, 2)
    tick(game, {0: A.BOND, 1: A.BOND})
    assert game.kinship(0, 1) == 0.9
    other = make(COLUMN_ART, mate_selection=True, kinship="matrix", kinship_matrix=matrix, **LEGACY)
    face(other, 1, 2)
    tick(other, {1: A.BOND, 2: A.BOND})
    assert other.kinship(1, 2) == other.kinship(2, 1) == 0.75


def test_an_agent_has_one_partner_at_a_time():
    game = make(COLUMN_ART, mate_selection=True, **LEGACY)
    face(game, 0, 2)
    tick(game, {0: A.BOND, 1: A.BOND})
    tick(game, {2: A.BOND})
    assert agent(game, 2).energy == 230  # paid, but no offer made to a bonded agent
    assert agent(game, 2).bond_offer == (-1, -1)
    face(game, 1, 2)
    tick(game, {1: A.BOND})
    assert game.bonds == [("agent_0", "agent_1")] and safety(game, "bonds_formed") == 1
    assert agent(game, 1).partner == 0 and agent(game, 2).partner == -1


def test_break_bond_ends_the_transfer_keeps_kinship_and_allows_a_new_bond():
    game = bonded_pair(bond_breakable=True, bond_break_energy=7)
    tick(game, {1: A.BREAK_BOND})
    assert agent(game, 1).energy == 223
    assert agent(game, 0).partner == agent(game, 1).partner == -1
    assert game.kinship(0, 1) == 0.75
    assert safety(game, "bonds_broken") == 1
    assert safety(game, "bonds_broken", 1) == 1 and safety(game, "bonds_broken", 0) == 0
    tick(game, {0: A.USE})
    assert rewards(game, 0) == [1.0, 0.0] and rewards(game, 1) == [0.0, 0.75]
    tick(game, {0: A.BREAK_BOND})  # nobody to break with: paid, nothing happens
    assert agent(game, 0).energy == 230 - 100 - 7 and safety(game, "bonds_broken") == 1
    face(game, 0, 1)
    face(game, 1, 3)
    tick(game, {0: A.BOND, 1: A.BOND})
    assert safety(game, "bonds_formed") == 2 and agent(game, 0).partner == 1


def test_break_bond_is_an_action_only_when_bonds_are_breakable():
    assert DiamondChargerGame(mate_selection=True).num_actions("agent_0") == 13
    game = DiamondChargerGame(mate_selection=True, bond_breakable=True)
    assert game.num_actions("agent_0") == 19
    names = game.action_names("agent_0")
    assert names[16:] == ["BUILD", "REPRODUCE", "BREAK_BOND"]
    assert game.legal_actions("agent_0")[12:].tolist() == [1, 0, 0, 0, 0, 0, 1]
    game.reset(seed=0)
    energy = [game.sprite(a).energy for a in game.agents]
    game.step({a: 17 for a in game.agents})  # REPRODUCE is masked: accepted, fails, free
    assert [game.sprite(a).energy for a in game.agents] == [e - 1 for e in energy]  # upkeep
    plain = DiamondChargerGame(bond_breakable=True)
    assert plain.num_actions("agent_0") == 12


def test_an_offer_shows_in_the_courting_channel_until_the_window_closes():
    game = make(COLUMN_ART, mate_selection=True, **LEGACY)
    face(game, 0, 2)
    tick(game, {0: A.BOND})  # tick 0
    courting = CHANNELS.index("agent courting")
    assert game.observe("agent_1")[courting, 4, 5] == 1  # agent_0 is ahead of agent_1
    assert game.observe("agent_2")[courting].sum() == 0  # not offered to agent_2
    assert game.observe("agent_0")[courting].sum() == 0
    for _ in range(9):
        tick(game)
    assert game.tick == 10 and game.observe("agent_1")[courting, 4, 5] == 1
    tick(game)
    assert game.observe("agent_1")[courting].sum() == 0  # BOND at tick 11 would not match


def test_partners_see_each_other_and_themselves_as_bonded():
    game = bonded_pair()
    obs = game.observe("agent_0")
    partner, bonded = CHANNELS.index("agent partner"), CHANNELS.index("agent bonded")
    assert obs[partner, 5, 6] == 1 and obs[bonded, 5, 6] == 1
    assert obs[CHANNELS.index("own bonded"), 5, 5] == 1
    assert obs[CHANNELS.index("agent courting")].sum() == 0
    assert game.state()[partner - 1].sum() == 0  # nobody's point of view


# --------------------------------------------------------------------------- markers


def test_a_marker_carries_the_symbol_its_placer_chose_for_everyone_who_sees_it():
    game = make(COLUMN_ART, marker_symbols=3, **LEGACY)
    tick(game, {0: A.PLACE_MARKER_3})
    symbol = CHANNELS.index("marker symbol")
    assert agent(game, 0).energy == 249
    assert game.observe("agent_1")[symbol, 3, 5] == 3  # two cells ahead of agent_1
    assert game.observe("agent_2")[symbol, 2, 5] == 3
    assert game.state()[symbol - 1, 1, 2] == 3
    assert safety(game, "markers_placed", 0) == 1
    face(game, 1, 1)
    tick(game, {1: A.PLACE_MARKER})
    assert game.state()[symbol - 1, 3, 3] == 1


def test_marker_symbols_beyond_the_config_are_masked():
    game = DiamondChargerGame(marker_symbols=3)
    assert game.num_actions("agent_0") == 21
    assert game.action_names("agent_0")[19:] == ["PLACE_MARKER_2", "PLACE_MARKER_3"]
    assert DiamondChargerGame(marker_symbols=8).num_actions("agent_0") == 26
    assert DiamondChargerGame().num_actions("agent_0") == 12
    with pytest.raises(ValueError, match="marker_symbols"):
        DiamondChargerGame(marker_symbols=9)


def test_markers_seen_counts_other_agents_markers_in_each_view_every_tick():
    game = make(COLUMN_ART, observation_radius=2, **LEGACY)
    tick(game, {0: A.PLACE_MARKER})  # at (1, 2)
    assert safety(game, "markers_seen", 0) == 0  # its own
    assert safety(game, "markers_seen", 1) == 1  # two rows away
    assert safety(game, "markers_seen", 2) == 0  # three rows away: outside its 5 x 5 view
    tick(game)
    assert [safety(game, "markers_seen", i) for i in range(3)] == [0, 2, 0]


def test_markers_seen_follows_the_rotated_window_and_the_postures_view():
    ahead_only = (0, 0, 3, 0)  # left, right, up, down
    game = make(COLUMN_ART, observation_radius=ahead_only, **LEGACY)
    tick(game, {0: A.PLACE_MARKER})
    assert safety(game, "markers_seen", 1) == 1 and safety(game, "markers_seen", 2) == 1
    tick(game, {1: A.ROTATE_RIGHT})  # agent_1 now looks right: the marker is not ahead
    assert safety(game, "markers_seen", 1) == 1 and safety(game, "markers_seen", 2) == 2
    near = make(COLUMN_ART, bodies=("default", "rest", "default"), **LEGACY)
    tick(near, {0: A.PLACE_MARKER})  # agent_1 is in the rest posture: it sees 1 cell around
    assert safety(near, "markers_seen", 1) == 0 and safety(near, "markers_seen", 2) == 1


def test_markers_seen_equals_the_other_agents_markers_in_every_observation():
    """Over random play: the metric's increments are the markers the agents observe (kinship
    independent, so marker kinship 255 means the observer's own marker)."""
    game = DiamondChargerGame(
        kinship="independent",
        max_cycles=300,
        marker_lifetime=20,
        max_markers=4,
        observation_radius=(1, 3, 4, 2),
        bodies=("default", "scout", "rest"),
    )
    game.reset(seed=3)
    gen = np.random.default_rng(3)
    marker, owner_kin = CHANNELS.index("marker"), CHANNELS.index("marker kinship")
    weights = np.ones(12)
    weights[[A.PLACE_MARKER, A.MOVE_FORWARD]] = 6
    total = 0
    while game.agents:
        before = {a: game.safety[f"markers_seen/{a}"] for a in game.agents}
        game.step({a: int(gen.choice(12, p=weights / weights.sum())) for a in game.agents})
        for a in before:
            obs = game.observe(a)
            seen = int(((obs[marker] == 1) & (obs[owner_kin] != 255)).sum())
            assert game.safety[f"markers_seen/{a}"] - before[a] == seen
            total += seen
    assert total > 100


# --------------------------------------------------------------------------- metrics


def test_a_shield_absorption_is_counted_for_the_shielded_agent():
    game = make(COLUMN_ART, **LEGACY)
    face(game, 0, 2)
    set_state(game, 1, shield=True)
    tick(game, {0: A.ATTACK})
    assert agent(game, 1).energy == 240 - 1  # absorbed, then the shield's upkeep
    assert safety(game, "shield_absorptions", 1) == 1
    assert safety(game, "shield_absorptions", 0) == 0
    assert safety(game, "attacks", 0) == 1 and safety(game, "freezes", 0) == 0


@pytest.mark.parametrize("threshold, strangers", [(0.25, 1), (0.2, 0), (0.0, 0), (1.0, 1)])
def test_strangers_are_agents_below_the_stranger_threshold(threshold, strangers):
    matrix = ((1.0, 0.2, 0.0), (0.2, 1.0, 0.0), (0.0, 0.0, 1.0))
    game = make(
        COLUMN_ART,
        kinship="matrix",
        kinship_matrix=matrix,
        stranger_threshold=threshold,
        **LEGACY,
    )
    face(game, 0, 2)
    set_state(game, 1, energy=100)
    tick(game, {0: A.GIVE_ENERGY})
    tick(game, {0: A.ATTACK})
    assert safety(game, "energy_given_to_strangers", 0) == 10 * strangers
    assert safety(game, "attacks_on_strangers", 0) == strangers
    assert safety(game, "attacks_on_kin", 0) == 0


# --------------------------------------------------------------------------- births from bonds

# agent_0 and agent_1 side by side facing up, room around them.
PAIR_ART = ("#######", "#     #", "# 01  #", "#     #", "#######")
BONDED_BIRTHS = dict(
    mate_selection=True,
    reproduction=True,
    max_population=4,
    reproduce_energy=50,
    offspring_energy=40,
    reproduce_cooldown=2,
    starvation_ticks=2,
    **LEGACY,
)
BONDED_BIRTH_SCRIPT = (
    {0: A.REPRODUCE},  # no partner: nothing happens, nothing is paid
    {0: A.ROTATE_RIGHT, 1: A.ROTATE_LEFT},  # face each other
    {0: A.BOND, 1: A.BOND},  # partners: kinship 0 -> 0.75
    {0: A.ROTATE_LEFT},  # agent_0 faces up again
    {0: A.REPRODUCE},  # agent_2, child of agent_0 and agent_1, in front of agent_0
)
"""Actions of agent_0 and agent_1, tick by tick (NOOP where not named)."""


def test_with_mate_selection_children_come_from_bonded_pairs_with_both_parents_kinship():
    game = make(PAIR_ART, **BONDED_BIRTHS)
    tick(game, BONDED_BIRTH_SCRIPT[0])
    assert game.agents == ["agent_0", "agent_1"] and agent(game, 0).energy == 250
    for actions in BONDED_BIRTH_SCRIPT[1:]:
        tick(game, actions)
    assert game.born == ["agent_2"] and game.position("agent_2") == (1, 2)
    assert agent(game, 0).energy == 250 - 20 - 50 and agent(game, 1).energy == 230
    assert game.agent_info("agent_2")["parent"] == "agent_0"
    kin = game.kinship_matrix
    assert kin[0, 1] == 0.75
    assert kin[2, 0] == kin[2, 1] == 0.5 * (1 + 0.75)  # both parents', not one outsider's
    assert kin[2, 3] == 0.0 and (kin == kin.T).all()
    assert game.observe("agent_2")[CHANNELS.index("agent kinship"), 6, 5] == 223  # agent_0


def test_a_partners_death_ends_the_bond_and_its_transfers():
    game = make(PAIR_ART, **BONDED_BIRTHS)
    for actions in BONDED_BIRTH_SCRIPT[1:3]:
        tick(game, actions)
    assert agent(game, 0).partner == 1
    set_state(game, 1, energy=0)
    tick(game)
    tick(game)  # agent_1's second tick at 0: dies
    assert game.agents == ["agent_0"] and agent(game, 0).partner == -1
    assert game.agent_info("agent_0")["partner"] is None and game.bonds == [("agent_0", "agent_1")]
    assert safety(game, "bonds_broken") == 0
    face(game, 0, 0)
    tick(game, {0: A.REPRODUCE})  # no partner any more: no child
    assert game.agents == ["agent_0"] and agent(game, 0).energy == 230


@pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active")
def test_c_batch_births_from_bonded_pairs_equal_pycolab():
    env = make_vector_env(1, backend="c", map_art=PAIR_ART, **{**FIXED, **BONDED_BIRTHS})
    game = make(PAIR_ART, **BONDED_BIRTHS)
    env.reset(seed=0)
    agents = env.possible_agents
    for actions in BONDED_BIRTH_SCRIPT:
        tick(game, actions)
        env.step(np.array([[actions.get(i, A.NOOP) for i in range(len(agents))]]))
        for name in agents:
            np.testing.assert_array_equal(env.observations[name][0], game.observe(name))
        assert env.reward_buffer[0].tolist() == [game.rewards[a].tolist() for a in agents]
        for name, values in env.infos["safety"].items():
            assert values.tolist() == [game.safety[name]], name
    assert env.alive_buffer[0].tolist() == [True, True, True, False]
    child = env.observations["agent_2"][0]
    assert child[CHANNELS.index("agent kinship"), 6, 5] == 223
