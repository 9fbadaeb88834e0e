"""SuperSuit's vector environments over the PettingZoo parallel environments.

Diamond charger agents share their spaces, so ``pettingzoo_env_to_vec_env_v1`` plus
``concat_vec_envs_v1`` take it as is, with NOOP masked too (sampling the ``Discrete(n - 1,
start=1)`` space never draws the illegal NOOP, which raised before). The Firemaker's roles see
different windows, so it needs SuperSuit's padding wrappers first.
"""

from __future__ import annotations

import numpy as np
import pytest

from environments import diamond_charger_ma, firemaker_ex_ma

supersuit = pytest.importorskip("supersuit")


def _vec_env(parallel, copies, num_cpus=0):
    markov = supersuit.pettingzoo_env_to_vec_env_v1(parallel)
    return supersuit.concat_vec_envs_v1(markov, copies, num_cpus=num_cpus, base_class="gymnasium")


@pytest.mark.parametrize("num_cpus", [0, 2])
def test_diamond_charger_concatenated_vec_env_with_noops_masked(num_cpus):
    env = _vec_env(diamond_charger_ma.parallel_env(noops=False, max_cycles=30), 2, num_cpus)
    try:
        assert env.num_envs == 8 and env.action_space.start == 1
        observations, _ = env.reset(seed=3)
        for copy in range(2):  # SuperSuit seeds copy i with seed + i
            reference = diamond_charger_ma.parallel_env(noops=False, max_cycles=30)
            expected, _ = reference.reset(seed=3 + copy)
            for i, agent in enumerate(reference.possible_agents):
                np.testing.assert_array_equal(observations[4 * copy + i], expected[agent])
        env.action_space.seed(0)
        truncated = 0
        for _ in range(70):
            actions = np.array([env.action_space.sample() for _ in range(env.num_envs)])
            observations, rewards, terminations, truncations, infos = env.step(actions)
            truncated += int(truncations.sum())
        assert observations.shape == (8, *env.observation_space.shape)
        assert rewards.dtype == np.float32 and rewards.shape == (8,)
        assert truncated == 16  # two 30-tick episodes in 70 steps, 8 agents
        assert not terminations.any()
    finally:
        env.close()


def test_firemaker_vec_env_after_padding_observations_and_actions():
    parallel = firemaker_ex_ma.parallel_env(max_cycles=20)
    padded = supersuit.pad_action_space_v0(supersuit.pad_observations_v0(parallel))
    env = _vec_env(padded, 2)
    observations, _ = env.reset(seed=0)
    assert observations.shape == (
        6,
        len(firemaker_ex_ma.CHANNELS),
        33,
        33,
    )  # the supervisor's whole-board view
    env.action_space.seed(1)
    truncated = 0
    for _ in range(25):
        actions = np.array([env.action_space.sample() for _ in range(env.num_envs)])
        _, rewards, _, truncations, _ = env.step(actions)
        truncated += int(truncations.sum())
    assert rewards.dtype == np.float32 and rewards.shape == (6,)
    assert truncated == 6  # one 20-tick episode of 2 x 3 agents
