"""The agent batch view: one role's agents of a batch as a plain single-agent VectorEnv.

Slot ``j * num_envs + e`` is the role's agent j in environment e; its observations, rewards
(the weighted sum of the agent's vector) and flags are the batch's own, tick by tick; the other
roles follow the given policies; Gymnasium's vector wrappers take it.
"""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.spaces import Box, Discrete
from gymnasium.wrappers import vector as vector_wrappers

from environments import diamond_charger_ma, firemaker_ex_ma

C = len(firemaker_ex_ma.CHANNELS)


def test_slots_are_the_role_agents_of_every_environment_tick_by_tick():
    weights = {"ENERGY": 0.5, "WORKSHOP": 2.0}
    batch = firemaker_ex_ma.vector_env(3, noops=False, max_cycles=25, reward_weights=weights)
    reference = firemaker_ex_ma.vector_env(3, noops=False, max_cycles=25)
    view = batch.agent_batch(role="worker", policies={"supervisor": 2})
    assert isinstance(view, gymnasium.vector.VectorEnv) and view.num_envs == 6
    assert view.single_observation_space == Box(0, 1, (C, 5, 5), np.uint8)
    assert view.single_action_space == Discrete(4, start=1)
    observations, infos = view.reset(seed=4)
    reference.reset(seed=4)
    assert np.shares_memory(observations, batch.observations["worker_1"])  # no copy
    rng = np.random.default_rng(2)
    dones = 0
    for _ in range(60):
        actions = 1 + rng.integers(4, size=6)
        observations, rewards, terminations, truncations, infos = view.step(actions)
        full = np.stack([actions[:3], actions[3:], np.full(3, 2)], axis=1)
        expected = reference.step(full)
        for j, worker in enumerate(("worker_0", "worker_1")):
            part = slice(3 * j, 3 * j + 3)
            np.testing.assert_array_equal(observations[part], expected[0][worker])
            vectors = expected[1][worker]
            scalar = (vectors.astype(np.float64) @ np.array([0.5, 2.0])).astype(np.float32)
            np.testing.assert_array_equal(rewards[part], scalar)
            np.testing.assert_array_equal(terminations[part], expected[2][worker])
            np.testing.assert_array_equal(truncations[part], expected[3][worker])
            np.testing.assert_array_equal(infos["tick"][part], expected[4]["tick"])
            safety = infos["safety"]["external_fire_ticks"][part]
            np.testing.assert_array_equal(safety, expected[4]["safety"]["external_fire_ticks"])
        assert rewards.dtype == np.float32 and rewards.shape == (6,)
        dones += int(truncations.sum())
    assert dones == 12  # two episodes of 25 ticks (plus the autoreset step) in 60 steps


def test_other_roles_follow_random_callable_or_fixed_policies():
    seen = []

    def supervisor(observations, infos):
        assert observations.shape == (2, C, 33, 33) and "safety" not in infos
        seen.append(int(infos["tick"][0]))
        return np.full(2, 4)

    batch = firemaker_ex_ma.vector_env(2)
    view = batch.agent_batch("worker", policies={"supervisor_0": supervisor})
    view.reset(seed=0)
    view.step(np.ones(4, np.int64))
    view.step(np.ones(4, np.int64))
    assert seen == [0, 1] and batch.actions[:, 2].tolist() == [4, 4]

    def random_supervisor_moves(seed):
        batch = firemaker_ex_ma.vector_env(2)
        view = batch.agent_batch("worker")  # the others play "random" from np_random
        view.reset(seed=seed)
        moves = []
        for _ in range(20):
            view.step(np.ones(4, np.int64))
            moves.append(batch.actions[:, 2].copy())
        return np.array(moves)

    first, again = random_supervisor_moves(5), random_supervisor_moves(5)
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) == {0, 1, 2, 3, 4}
    assert not np.array_equal(first, random_supervisor_moves(6))


def test_the_diamond_agents_form_one_role_and_channels_last_works():
    batch = diamond_charger_ma.vector_env(2, level=1, observation_layout="HWC")
    view = batch.agent_batch("agent")
    observations, _ = view.reset(seed=1)
    assert view.num_envs == 24 and observations.shape == (
        24,
        11,
        11,
        len(batch.batch_spec.channels),
    )
    np.testing.assert_array_equal(observations[2 * 5 + 1], batch.observations["agent_5"][1])


def test_gymnasium_vector_wrappers_run_on_the_agent_batch():
    batch = firemaker_ex_ma.vector_env(4, max_cycles=10, noops=False)
    view = vector_wrappers.RecordEpisodeStatistics(batch.agent_batch("worker"))
    env = vector_wrappers.NormalizeObservation(view)
    observations, _ = env.reset(seed=3)
    env.action_space.seed(3)
    episodes = []
    for _ in range(21):
        observations, rewards, _, _, infos = env.step(env.action_space.sample())
        if "episode" in infos:
            episodes.append(infos["episode"]["l"][infos["_episode"]])
    assert observations.dtype == np.float32 and observations.shape == (8, C, 5, 5)
    assert [e.tolist() for e in episodes] == [[10] * 8, [10] * 8]
    assert len(view.episode_returns) == 8


def test_bad_roles_policies_actions_and_masks_are_clear_errors():
    batch = firemaker_ex_ma.vector_env(2, noops=False)
    with pytest.raises(ValueError, match="unknown role 'boss'; allowed: worker, supervisor"):
        batch.agent_batch("boss")
    with pytest.raises(ValueError, match="policies given for 'worker_1', which is not another"):
        batch.agent_batch("worker", policies={"worker_1": 1})
    with pytest.raises(ValueError, match=r"policy 0 for 'supervisor_0' is not one of its legal"):
        batch.agent_batch("worker", policies={"supervisor": 0})
    with pytest.raises(ValueError, match="invalid policy 'idle' for 'supervisor_0'"):
        batch.agent_batch("worker", policies={"supervisor": "idle"})
    view = batch.agent_batch("worker")
    view.reset(seed=0)
    with pytest.raises(ValueError, match=r"illegal action in actions\[3\] \('worker_1' of env 1\)"):
        view.step(np.array([1, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"actions must be an int array of shape \(4,\)"):
        view.step(np.ones(3, np.int64))
    with pytest.raises(ValueError, match="the same for the slots of one environment"):
        view.reset(options={"reset_mask": np.array([True, False, False, False])})
    observations, _ = view.reset(options={"reset_mask": np.array([False, True, False, True])})
    assert batch.infos["tick"].tolist() == [0, 0]
