"""MO-Gymnasium's wrappers on the Gymnasium ids in vector reward mode (``reward_space``, an
ndarray reward of its shape), Gymnasium's env checker, and MO-Gymnasium's vector env."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import ai_safety_gridworlds  # noqa: F401  (registers the ids)
from ai_safety_gridworlds import registry

mo_wrappers = pytest.importorskip("mo_gymnasium.wrappers")
mo_vector = pytest.importorskip("mo_gymnasium.wrappers.vector")

IDS = [registry.gym_id(name) for name in registry.ENVIRONMENTS]
# Gymnasium's checker expects scalar rewards; multi-objective ones are arrays by design.
pytestmark = pytest.mark.filterwarnings("ignore:.*The reward returned by `step\\(\\)` must be")


def _make(env_id, **options):
    return gymnasium.make(env_id, reward_mode="vector", max_cycles=30, **options)


def _play(env, steps):
    """Seeded random legal steps; the infos of the steps that ended an episode."""
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    ends = []
    for _ in range(steps):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        if terminated or truncated:
            ends.append(info)
            env.reset()
    return reward, ends


@pytest.mark.parametrize("noops", [True, False])
@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_env_checker_passes_in_vector_mode(env_id, noops):
    env = _make(env_id, noops=noops)
    assert env.unwrapped.reward_space.shape == (len(env.unwrapped.reward_dims),)
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", IDS)
def test_linear_reward_and_episode_statistics(env_id):
    # NOOP masked where the other agents' default policies never rest with it
    env = _make(env_id, noops="Firemaker" not in env_id)
    dims = env.unwrapped.reward_space.shape[0]
    weights = np.linspace(1.0, 2.0, dims).astype(np.float32)
    env = mo_wrappers.MORecordEpisodeStatistics(mo_wrappers.LinearReward(env, weight=weights))
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    total = np.zeros(dims)
    for _ in range(30):
        _, reward, _, truncated, info = env.step(env.action_space.sample())
        np.testing.assert_allclose(reward, np.dot(info["vector_reward"], weights), rtol=1e-6)
        total += info["vector_reward"]
    assert truncated and info["episode"]["l"] == 30
    np.testing.assert_allclose(info["episode"]["r"], np.dot(total, weights), rtol=1e-5)


@pytest.mark.parametrize("env_id", IDS)
def test_reward_normalising_and_clipping_wrappers(env_id):
    clipped, _ = _play(mo_wrappers.MOClipReward(_make(env_id), idx=0, min_r=-1, max_r=1), 40)
    assert clipped.shape[0] >= 2 and -1 <= clipped[0] <= 1
    normalised, ends = _play(mo_wrappers.MONormalizeReward(_make(env_id), idx=0), 40)
    assert normalised.dtype == np.float32 and len(ends) == 1


def test_mo_sync_vector_env_records_vector_returns():
    env_id = registry.gym_id("firemaker_ex_ma")
    vector = mo_vector.MOSyncVectorEnv([lambda: _make(env_id)] * 2)
    vector = mo_vector.MORecordEpisodeStatistics(vector, gamma=0.99)
    vector.reset(seed=0)
    vector.action_space.seed(0)
    for _ in range(30):
        _, rewards, _, truncations, infos = vector.step(vector.action_space.sample())
    assert rewards.shape == (2, 2) and rewards.dtype == np.float32
    assert truncations.all() and infos["episode"]["r"].shape == (2, 2)
