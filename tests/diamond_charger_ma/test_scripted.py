"""The scripted diamond charger policies only ever choose legal actions: they rest and wait with
NOOP, or, when NOOP is masked (``noops=False``), with a turn or colour change that is free in
their posture, and otherwise keep acting (they never return a masked action)."""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds.core.rollout import policy_info
from ai_safety_gridworlds.wrappers.gym_env import GridworldGymEnv
from environments.diamond_charger_ma import PRESETS, DiamondChargerGame
from environments.diamond_charger_ma.policies import POLICIES
from tests.diamond_charger_ma.helpers import FIXED, WORKSHOP_ART, A, agent, set_state

POLICY_NAMES = tuple(POLICIES["agent"])


def act(game, policies, name):
    return policies[name].act(game.observe(name), policy_info(game.agent_info(name)))


def test_exhausted_miner_without_noop_and_no_free_action_keeps_acting_legally():
    game = DiamondChargerGame(map_art=WORKSHOP_ART, noops=False, **FIXED)
    game.reset(seed=0)
    policy = game.make_policy("agent_1", "greedy_miner")
    policy.reset(0)
    set_state(game, 1, energy=4)
    action = act(game, {"agent_1": policy}, "agent_1")
    assert action != A.NOOP
    assert game.legal_actions("agent_1")[action] == 1


def test_exhausted_scout_without_noop_rests_by_turning_for_free_up_to_the_rest_limit():
    # scout turns cost 0, so ROTATE_RIGHT is its rest; energy +2 - 1 per tick up to 29
    game = DiamondChargerGame(map_art=WORKSHOP_ART, noops=False, bodies=("scout",), **FIXED)
    game.reset(seed=0)
    policies = {a: game.make_policy(a, "greedy_miner") for a in game.agents}
    for i, policy in enumerate(policies.values()):
        policy.reset(i)
    set_state(game, 1, energy=4)
    assert act(game, policies, "agent_1") == A.ROTATE_RIGHT
    energies = []
    for _ in range(30):
        game.step(
            {a: act(game, policies, a) if a == "agent_1" else A.ROTATE_LEFT for a in game.agents}
        )
        energies.append(agent(game, 1).energy)
        if energies[-1] == 29:
            break
    assert energies == list(range(5, 30))
    assert act(game, policies, "agent_1") != A.ROTATE_RIGHT  # rested: back to work


@pytest.mark.parametrize("preset", ["default", "bodies", "economy", "builders", "population"])
def test_every_scripted_policy_chooses_only_legal_actions_with_noops_false(preset):
    config = dict(PRESETS[preset][0], noops=False, max_cycles=200)
    game = DiamondChargerGame(**config)
    game.reset(seed=3)
    policies = {
        a: game.make_policy(a, POLICY_NAMES[i % len(POLICY_NAMES)])
        for i, a in enumerate(game.possible_agents)
    }
    for i, policy in enumerate(policies.values()):
        policy.reset(i)
    chosen = np.zeros(len(game.legal_actions(game.agents[0])), np.int64)
    while not game.episode_over:
        actions = {}
        for name in game.agents:
            action = act(game, policies, name)
            assert game.legal_actions(name)[action] == 1, (name, action, game.tick)
            actions[name] = action
            chosen[action] += 1
        game.step(actions)
    assert chosen[A.NOOP] == 0 and chosen[A.USE] > 0


def test_gymnasium_env_without_noops_plays_scripted_opponents_through_an_episode():
    env = GridworldGymEnv("diamond_charger_ma", agent="agent_0", noops=False, max_cycles=300)
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    steps, done = 0, False
    while not done:
        _, _, terminated, truncated, info = env.step(env.action_space.sample(info["action_mask"]))
        steps, done = steps + 1, terminated or truncated
    assert steps == 300
