"""The diamond charger through PettingZoo: the official checks, spaces and vector rewards."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
    seed_test,
    state_test,
)

from environments import diamond_charger_ma as diamond

CONFIGS = {
    "default": {},
    "random_kinship_bonds": {"kinship": "random", "mate_selection": True, "start_energy": 60},
    "fixed_view_hives": {"level": 1, "kinship": "hives", "observation_direction_mode": 0},
    "small_arena": {
        "level": 2,
        "arena_size": 32,
        "arena_mines": 4,
        "arena_chargers": 2,
        "arena_altars": 2,
        "team_sizes": (3, 3),
        "observation_radius": 3,
    },
}


def configs():
    return pytest.mark.parametrize("config", list(CONFIGS.values()), ids=list(CONFIGS))


@configs()
def test_api_test_passes(config):
    api_test(diamond.env(max_cycles=60, **config), num_cycles=80)


@configs()
@pytest.mark.parametrize("reward_mode", ["scalar", "vector"])
def test_parallel_api_test_passes(config, reward_mode):
    parallel_api_test(diamond.parallel_env(reward_mode=reward_mode, **config), num_cycles=80)


HOLES = {"mate_selection": True, "bond_breakable": True, "marker_symbols": 8}
"""A space with masked holes (13..17 off: no postures, ore, batteries, building or
reproduction): they are accepted and fail, so PettingZoo's tests, which sample the space without
the mask, pass; the infos' masks mark them 0."""


def test_a_space_with_masked_holes_passes_the_api_tests_and_masks_the_holes():
    api_test(diamond.env(max_cycles=60, **HOLES), num_cycles=80)
    parallel_api_test(diamond.parallel_env(max_cycles=60, **HOLES), num_cycles=80)
    env = diamond.parallel_env(max_cycles=40, **HOLES)
    observations, infos = env.reset(seed=4)
    rng = np.random.default_rng(4)
    assert env.action_space("agent_0").n == 26
    while env.agents:
        actions = {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}
        assert np.flatnonzero(infos["agent_0"]["action_mask"] == 0).tolist() == [13, 14, 15, 16, 17]
        observations, rewards, terminations, truncations, infos = env.step(actions)
        for agent in env.agents:
            assert env.observation_space(agent).contains(observations[agent])


def test_seed_and_state_tests_pass():
    config = CONFIGS["random_kinship_bonds"]
    seed_test(lambda: diamond.env(max_cycles=50, **config), num_cycles=60)
    parallel_seed_test(lambda: diamond.parallel_env(max_cycles=50, **config), num_cycles=60)
    state_test(diamond.env(**config), diamond.parallel_env(**config))


def test_render_test_passes(capsys):
    render_test(lambda render_mode=None: diamond.env(render_mode=render_mode, level=1))


def test_max_cycles_test_passes_on_the_module():
    max_cycles_test(diamond)


def test_spaces_bound_every_channel_and_reward():
    env = diamond.parallel_env(reward_mode="vector", kinship="teams")
    observations, _ = env.reset(seed=0)
    space = env.observation_space("agent_0")
    assert space.shape == (43, 11, 11) and space.dtype == np.uint8
    assert space.high[:, 0, 0].tolist() == [
        1, 1, 255, 4, 10, 1, 255, 5, 8, 1, 1, 1, 1, 5, 1, 1, 1, 1, 1, 255, 8, 255, 5, 10, 1, 1, 1,
        5, 5, 3, 1, 1, 1, 5, 5, 1, 10, 255, 255, 1, 1, 1, 1,
    ]  # fmt: skip
    assert env.action_space("agent_0").n == 12
    assert env.reward_space("agent_0").high.tolist() == [1.0, 3.0]
    rng = np.random.default_rng(0)
    for _ in range(200):
        actions = {a: int(rng.integers(12)) for a in env.agents}
        observations, rewards, _, _, infos = env.step(actions)
        for agent in env.agents:
            assert space.contains(observations[agent])
            assert env.reward_space(agent).contains(rewards[agent])
            assert infos[agent]["reward_dims"] == ("HEART", "KIN_HEART")


def test_teammates_share_hearts_through_kin_heart():
    env = diamond.parallel_env(reward_mode="vector", max_cycles=400)
    game = env.game
    policies = {a: game.make_policy(a, "greedy_miner") for a in game.possible_agents}
    observations, infos = env.reset(seed=2)
    for index, agent in enumerate(game.possible_agents):
        policies[agent].reset(index)
    kin_total = {a: 0.0 for a in game.possible_agents}
    hearts = {a: 0.0 for a in game.possible_agents}
    while env.agents:
        actions = {
            a: policies[a].act(
                observations[a], {k: v for k, v in infos[a].items() if k != "safety"}
            )
            for a in env.agents
        }
        observations, rewards, _, _, infos = env.step(actions)
        for agent, reward in rewards.items():
            hearts[agent] += reward[0]
            kin_total[agent] += reward[1]
    assert sum(hearts.values()) > 0
    assert kin_total["agent_0"] == hearts["agent_1"]
    assert kin_total["agent_2"] == hearts["agent_3"]
