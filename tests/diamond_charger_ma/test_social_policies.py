"""The social scripted policies' key behaviours on small maps (guardian, scout, suitor, the
raider's kinship threshold), and policy settings given in a policy's name."""

from __future__ import annotations

import pytest

from ai_safety_gridworlds.core.rollout import policy_info
from environments.diamond_charger_ma import LEGACY_METABOLISM
from experiments.safety_benchmark.matrix import parse_policy
from tests.diamond_charger_ma.helpers import A, agent, face, make, set_state, tick

PAIR_ART = ("#####", "#   #", "# 0 #", "# 1 #", "#   #", "#####")
"""agent_0 above agent_1, both facing up."""


def pair(kinship: float, **overrides):
    matrix = ((1.0, kinship), (kinship, 1.0))
    return make(
        PAIR_ART,
        kinship="matrix",
        kinship_matrix=matrix,
        **{**LEGACY_METABOLISM, **overrides},
    )


def decide(game, index: int, spec: str) -> int:
    """The action the policy ``spec`` takes for agent ``index`` now."""
    name = f"agent_{index}"
    policy = game.make_policy(name, spec)
    policy.reset(0)
    return policy.act(game.observe(name), policy_info(game.agent_info(name)))


# --------------------------------------------------------------------------- raider


@pytest.mark.parametrize(
    "spec, attacks",
    [
        ("raider", False),  # 0.3 is not below the default 0.25
        ("raider(max_kinship=0.5)", True),
        ("raider(max_kinship=0.3)", False),  # the channel reads 77 = 0.3 * 255 rounded
        ("raider(max_kinship=0.31)", True),
    ],
)
def test_the_raider_attacks_agents_below_its_kinship_threshold(spec, attacks):
    game = pair(0.3)
    face(game, 0, 2)
    assert (decide(game, 0, spec) == A.ATTACK) is attacks


def test_the_raider_leaves_shielded_agents_alone_unless_told_otherwise():
    game = pair(0.0)
    face(game, 0, 2)
    set_state(game, 1, shield=True)
    assert decide(game, 0, "raider") != A.ATTACK
    assert decide(game, 0, "raider(attack_shielded=true)") == A.ATTACK


# --------------------------------------------------------------------------- guardian


def test_the_guardian_raises_its_shield_when_a_non_kin_agent_faces_it_and_lowers_it_after():
    game = pair(0.0)
    face(game, 0, 2)  # agent_0 faces agent_1
    assert decide(game, 1, "guardian") == A.TOGGLE_SHIELD
    tick(game, {1: A.TOGGLE_SHIELD})
    assert agent(game, 1).shield
    assert decide(game, 1, "guardian") != A.TOGGLE_SHIELD  # still faced: keeps it up
    face(game, 0, 0)
    assert decide(game, 1, "guardian") == A.TOGGLE_SHIELD  # nobody faces it: lower it


def test_the_guardian_ignores_kin_and_frozen_agents_facing_it():
    kin = pair(0.5)
    face(kin, 0, 2)
    assert decide(kin, 1, "guardian") != A.TOGGLE_SHIELD
    assert decide(kin, 1, "guardian(min_kinship=0.6)") == A.TOGGLE_SHIELD
    frozen = pair(0.0)
    face(frozen, 0, 2)
    set_state(frozen, 0, frozen_until=5)
    assert decide(frozen, 1, "guardian") != A.TOGGLE_SHIELD


def test_the_guardian_gives_energy_to_stranded_kin_in_front():
    game = pair(1.0)
    face(game, 0, 2)
    set_state(game, 1, energy=20)
    assert decide(game, 0, "guardian") == A.GIVE_ENERGY
    set_state(game, 1, energy=40)
    assert decide(game, 0, "guardian") != A.GIVE_ENERGY
    assert decide(game, 0, "guardian(stranded_energy=50)") == A.GIVE_ENERGY


# --------------------------------------------------------------------------- scout

MINE_ART = ("#######", "#  D  #", "# 0 C #", "#     #", "#######")
"""A scout down-left of a mine, a charger two cells to its right."""


def test_the_scout_marks_a_mine_then_a_charger_with_their_symbols():
    game = make(MINE_ART, marker_symbols=2, **LEGACY_METABOLISM)
    assert decide(game, 0, "scout") == A.PLACE_MARKER  # on (1, 2), beside the mine
    tick(game, {0: A.PLACE_MARKER})
    assert game.things["+"].symbol[1, 2] == 1
    assert decide(game, 0, "scout") == A.ROTATE_RIGHT  # towards (2, 3), beside the charger
    tick(game, {0: A.ROTATE_RIGHT})
    assert decide(game, 0, "scout") == A.PLACE_MARKER_2
    tick(game, {0: A.PLACE_MARKER_2})
    assert game.things["+"].symbol[2, 3] == 2
    assert decide(game, 0, "scout") not in (A.PLACE_MARKER, A.PLACE_MARKER_2)


def test_the_scout_uses_symbol_one_for_everything_with_one_symbol():
    game = make(MINE_ART, **LEGACY_METABOLISM)
    game.things["+"].place((1, 2), agent(game, 0), 0)  # the mine is marked already
    face(game, 0, 1)
    assert decide(game, 0, "scout") == A.PLACE_MARKER


# --------------------------------------------------------------------------- suitor


def test_the_suitor_offers_a_bond_to_a_rich_agent_and_accepts_an_open_offer():
    game = pair(0.0, mate_selection=True)
    face(game, 0, 2)
    assert decide(game, 0, "suitor") == A.BOND  # agent_1 has all its energy
    set_state(game, 1, energy=50)
    assert decide(game, 0, "suitor") != A.BOND  # poor and no kin: not worth it
    assert decide(game, 0, "suitor(min_energy=0.1)") == A.BOND
    tick(game, {0: A.BOND})
    set_state(game, 0, energy=50)
    set_state(game, 1, energy=250)
    assert decide(game, 1, "suitor(min_energy=0.1)") == A.BOND  # accepts agent_0's offer
    assert decide(game, 1, "suitor(min_energy=0.9)") != A.BOND


def test_two_suitors_bond_and_the_bonded_suitor_helps_its_partner():
    game = pair(0.0, mate_selection=True)
    policies = {a: game.make_policy(a, "suitor") for a in game.agents}
    for policy in policies.values():
        policy.reset(0)
    for _ in range(12):
        game.step(
            {
                a: policies[a].act(game.observe(a), policy_info(game.agent_info(a)))
                for a in game.agents
            }
        )
    assert game.bonds == [("agent_0", "agent_1")]
    face(game, 0, 2)
    set_state(game, 0, energy=200)
    set_state(game, 1, energy=20)
    assert decide(game, 0, "suitor") == A.GIVE_ENERGY
    assert decide(game, 0, "suitor(spare_energy=201)") != A.GIVE_ENERGY


def test_without_mate_selection_the_suitor_mines_like_the_greedy_miner():
    game = pair(0.0)
    face(game, 0, 2)
    assert decide(game, 0, "suitor") == decide(game, 0, "greedy_miner")


# --------------------------------------------------------------------------- settings


def test_policy_settings_are_checked_with_clear_errors():
    game = pair(0.0)
    with pytest.raises(ValueError, match=r"Raider has no setting 'max_kin'; its settings: "):
        game.make_policy("agent_0", "raider(max_kin=0.5)")
    with pytest.raises(ValueError, match=r"max_kinship='high' must be a float"):
        game.make_policy("agent_0", "raider(max_kinship=high)")
    with pytest.raises(ValueError, match="not of the form name"):
        game.make_policy("agent_0", "raider(max_kinship=0.5")
    with pytest.raises(ValueError, match="GreedyMiner has no setting 'x'; its settings: none"):
        game.make_policy("agent_0", "greedy_miner(x=1)")


def test_benchmark_policy_specs_carry_settings():
    game = pair(0.0)
    spec = "agent_0=raider(max_kinship=0.6, attack_shielded=true),agent=guardian"
    assignment = parse_policy(spec, game)
    assert (
        assignment.policy_for("agent_0", "agent") == "raider(max_kinship=0.6, attack_shielded=true)"
    )
    assert assignment.policy_for("agent_1", "agent") == "guardian"
    assert parse_policy("raider(max_kinship=0.6)", game).roles == (
        ("agent", "raider(max_kinship=0.6)"),
    )
    with pytest.raises(ValueError, match="Raider has no setting 'nope'"):
        parse_policy("agent=raider(nope=1)", game)
