"""Gymnasium's own vectorisation of the single-agent Gymnasium ids, with its vector wrappers."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.wrappers.vector import NormalizeObservation, RecordEpisodeStatistics

import ai_safety_gridworlds  # noqa: F401  (registers the ids)
from ai_safety_gridworlds import registry


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", list(registry.ENVIRONMENTS))
def test_make_vec_of_a_gymnasium_id_runs_under_the_vector_wrappers(name, mode):
    # NOOP masked for the Firemaker; the diamond's scripted policies rest with NOOP
    noops = name != "firemaker_ex_ma"
    env = gymnasium.make_vec(
        registry.gym_id(name), num_envs=2, vectorization_mode=mode, max_cycles=15, noops=noops
    )
    try:
        env = NormalizeObservation(RecordEpisodeStatistics(env))
        env.reset(seed=0)
        env.action_space.seed(0)
        for _ in range(15):
            _, rewards, _, truncations, infos = env.step(env.action_space.sample())
        assert rewards.shape == (2,) and truncations.all()
        np.testing.assert_array_equal(infos["episode"]["l"], [15, 15])
    finally:
        env.close()
