"""The batch env's API: buffer and action validation, seeding, NEXT_STEP autoreset, spaces."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from ai_safety_gridworlds import kernel
from environments.firemaker_ex_ma import FiremakerGame
from environments.firemaker_ex_ma.batch import make_vector_env as vector_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKENDS = [
    pytest.param(
        "c", marks=pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
    ),
    "numpy",
]
N = 4
AGENTS = ["worker_0", "worker_1", "supervisor_0"]


def snapshot(env) -> list[np.ndarray]:
    """Copies of every output buffer and of the backend's state arrays."""
    arrays = [env.reward_buffer, env.termination_buffer, env.truncation_buffer, env.safety_buffer]
    arrays += [env.observations[a] for a in env.possible_agents]
    arrays += [env.state(), np.asarray(env.infos["tick"])]
    backend = env._backend
    for name in ("seed", "episode", "key", "last_pressed_tick", "needs_reset", "position"):
        if hasattr(backend, name):
            arrays.append(getattr(backend, name))
    for name in ("facing", "cells", "num_fires"):
        if hasattr(backend, name):
            arrays.append(getattr(backend, name))
    return [a.copy() for a in arrays]


def assert_unchanged(before, env):
    for a, b in zip(before, snapshot(env), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(params=BACKENDS)
def env(request):
    env = vector_env(N, backend=request.param, fire_spread_probability=0.05)
    env.reset(seed=3)
    for _ in range(5):
        env.step(np.ones((N, 3), np.int64))
    return env


# --------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    "actions, message",
    [
        (
            np.full((N, 3), 5, np.int64),
            r"actions\[0, 0\] \('worker_0' of env 0\): 5 is out of range",
        ),
        (np.full((N, 3), -1, np.int64), r"-1 is out of range; allowed: 0\.\.4"),
        (np.zeros((N, 2), np.int64), r"actions must have shape \(4, 3\)"),
        (np.zeros((N, 3), np.float32), r"actions must have an integer dtype, got dtype float32"),
        (np.zeros((N, 3), bool), r"actions must have an integer dtype"),
        ([[0, 0, 0]] * N, r"actions must be an int numpy array"),
        (np.full((N, 3), 2**63 + 5, np.uint64), r"actions has a value out of range"),
        ({"worker_0": np.zeros(N, np.int64)}, r"missing \['worker_1', 'supervisor_0'\]"),
        (
            {a: np.zeros(N + 1, np.int64) for a in AGENTS},
            r"actions\['worker_0'\] must be an int array of shape \(4,\)",
        ),
    ],
)
def test_bad_actions_raise_and_change_nothing(env, actions, message):
    before = snapshot(env)
    with pytest.raises(ValueError, match=message):
        env.step(actions)
    assert_unchanged(before, env)


def test_one_bad_action_deep_in_the_batch_is_named_and_changes_nothing(env):
    actions = np.zeros((N, 3), np.int64)
    actions[2, 1] = 9
    before = snapshot(env)
    with pytest.raises(ValueError, match=r"actions\[2, 1\] \('worker_1' of env 2\): 9"):
        env.step(actions)
    assert_unchanged(before, env)


def test_non_contiguous_int64_actions_are_copied_not_rejected(env):
    wide = np.zeros((N, 6), np.int64)
    wide[:, ::2] = 3
    env.step(wide[:, ::2])
    assert env.infos["tick"].tolist() == [6] * N


@pytest.mark.parametrize("backend", BACKENDS)
def test_noop_is_illegal_with_noops_false(backend):
    env = vector_env(N, backend=backend, noops=False)
    env.reset(seed=0)
    before = snapshot(env)
    actions = np.ones((N, 3), np.int64)
    actions[3, 2] = 0
    with pytest.raises(
        ValueError, match=r"actions\[3, 2\].*0 \(NOOP\) is not allowed.*noops=False"
    ):
        env.step(actions)
    assert_unchanged(before, env)
    env.step(np.ones((N, 3), np.int64))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64])
def test_any_integer_dtype_and_dicts_give_the_same_step(dtype):
    results = []
    for kind in ("array", "dict", "buffer"):
        env = vector_env(N, fire_spread_probability=0.05)
        env.reset(seed=9)
        gen = np.random.default_rng(0)
        for _ in range(30):
            actions = gen.integers(0, 5, (N, 3)).astype(dtype)
            if kind == "array":
                env.step(actions)
            elif kind == "dict":
                env.step({a: actions[:, i] for i, a in enumerate(AGENTS)})
            else:
                env.actions[:] = actions
                env.step()
        results.append(np.concatenate([env.observations[a].ravel() for a in AGENTS]))
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_step_before_reset_is_an_error(backend):
    env = vector_env(2, backend=backend)
    with pytest.raises(RuntimeError, match=r"reset\(\) must be called before step\(\)"):
        env.step(np.zeros((2, 3), np.int64))


# --------------------------------------------------------------------------- buffers


def good_buffers(num_envs=N):
    game = FiremakerGame()
    return {
        "actions": np.zeros((num_envs, 3), np.int64),
        "observations": {
            a: np.zeros((num_envs, *game.observation_shape(a)), np.uint8) for a in AGENTS
        },
        "rewards": np.zeros((num_envs, 3, 4), np.float32),
        "terminations": np.zeros((num_envs, 3), bool),
        "truncations": np.zeros((num_envs, 3), bool),
        "safety": np.zeros((num_envs, 10 + 3 * 3), np.int64),
    }


def readonly(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize(
    "name, value, message",
    [
        (
            "rewards",
            np.zeros((N, 3, 4), np.float64),
            r"buffers\['rewards'\] must have dtype float32",
        ),
        (
            "rewards",
            np.zeros((N, 3, 3), np.float32),
            r"buffers\['rewards'\] must have shape \(4, 3, 4\)",
        ),
        (
            "rewards",
            np.zeros((N, 3, 8), np.float32)[:, :, ::2],
            r"buffers\['rewards'\] must be C-contiguous",
        ),
        (
            "terminations",
            np.zeros((N, 3), np.uint8),
            r"buffers\['terminations'\] must have dtype bool",
        ),
        (
            "truncations",
            readonly(np.zeros((N, 3), bool)),
            r"buffers\['truncations'\] must be writeable",
        ),
        ("safety", np.zeros((N, 19), np.int32), r"buffers\['safety'\] must have dtype int64"),
        ("actions", [[0] * 3] * N, r"buffers\['actions'\] must be a numpy array"),
        ("observations", np.zeros(3), r"buffers\['observations'\] must be a dict"),
        ("bogus", np.zeros(3), r"unknown buffer 'bogus'"),
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_buffers_are_rejected_with_their_name(backend, name, value, message):
    buffers = good_buffers()
    buffers[name] = value
    with pytest.raises(ValueError, match=message):
        vector_env(N, backend=backend, buffers=buffers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_observation_buffer_is_rejected_with_the_agent_named(backend):
    buffers = good_buffers()
    buffers["observations"]["supervisor_0"] = np.zeros((N, 10, 5, 5), np.uint8)
    with pytest.raises(
        ValueError,
        match=r"buffers\['observations'\]\['supervisor_0'\] must have shape \(4, 10, 33, 33\)",
    ):
        vector_env(N, backend=backend, buffers=buffers)
    buffers = good_buffers()
    buffers["observations"]["worker_7"] = buffers["observations"]["worker_0"]
    with pytest.raises(ValueError, match=r"unknown agent 'worker_7'"):
        vector_env(N, backend=backend, buffers=buffers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_overlapping_buffers_are_rejected(backend):
    buffers = good_buffers()
    buffers["truncations"] = buffers["terminations"]
    with pytest.raises(ValueError, match=r"buffers terminations and truncations overlap"):
        vector_env(N, backend=backend, buffers=buffers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_given_buffers_are_the_ones_written(backend):
    buffers = good_buffers()
    env = vector_env(N, backend=backend, buffers=buffers)
    obs, _ = env.reset(seed=1)
    assert obs["worker_0"] is buffers["observations"]["worker_0"]
    assert buffers["observations"]["worker_0"][:, 0, 2, 2].tolist() == [1] * N  # "self"
    env.step(np.full((N, 3), 3, np.int64))
    assert (buffers["rewards"][:, :, 0] == -1.0).all()  # every agent moved: ENERGY -1
    assert env.rewards["worker_0"].base is not None
    assert np.shares_memory(env.rewards["worker_0"], buffers["rewards"])


# --------------------------------------------------------------------------- config, backend


def test_unknown_config_key_and_backend_are_clear_errors():
    with pytest.raises(ValueError, match="num_wokers"):
        vector_env(2, num_wokers=3)
    with pytest.raises(ValueError, match=r"invalid backend 'cuda'; allowed: 'c', 'numpy'"):
        vector_env(2, backend="cuda")
    with pytest.raises(ValueError, match=r"num_envs must be an int >= 1, got 0"):
        vector_env(0)


def test_forcing_the_numpy_backend_with_the_environment_variable():
    code = (
        "from environments.firemaker_ex_ma.batch import make_vector_env as vector_env; "
        "from ai_safety_gridworlds import kernel; "
        "env = vector_env(2); print(kernel.BACKEND, env.backend)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "AI_SAFETY_GRIDWORLDS_BACKEND": "numpy"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["numpy", "numpy"]
    assert "Warning" not in result.stderr


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
def test_the_c_kernel_rejects_an_inconsistent_config():
    from environments.firemaker_ex_ma.batch import kernel_params
    from environments.firemaker_ex_ma.batch_kernel import FiremakerKernel

    game = FiremakerGame()
    game.reset(seed=0)
    env = vector_env(2)
    plan = kernel_params(game)["fire_plan"]
    for change, message in (
        (dict(obs_size=[10 * 25, 10 * 25, 10 * 25]), "view whose shape"),
        (dict(start=[(0, 0), (99, 3), (1, 1)]), "inconsistent configuration"),
        (dict(fire_plan=dataclasses.replace(plan, box=(40, 0, 1, 1))), "fire plan"),
        (dict(fire_plan=dataclasses.replace(plan, num_levels=5)), "fire plan"),
        (dict(ring_bits_width=5), "fire plan"),  # the default reach 3 needs 7
        (dict(source_bits_words=1), "fire plan"),
        (dict(joint_size=7), "fire plan"),  # not the product of the joint classes' lengths
        (dict(joint_classes=1), "fire plan"),
        (dict(num_ring_masks=17), "fire plan"),  # more than FM_MAX_RING_MASKS
        (dict(num_ring_masks=3, ring_bits_width=0), "fire plan"),  # masks need row bits
        (dict(full_counts_classes=3), "fire plan"),  # reach 3 has row bits, not full counts
        (dict(fire_survival=kernel.fire_survival(0.97, 10)), "fire plan"),  # another board
        (dict(num_metrics=5), "inconsistent configuration"),
    ):
        params = {**kernel_params(game), **change}
        with pytest.raises(ValueError, match=f"fm_check failed: .*{message}"):
            FiremakerKernel(params, 2, env._buffers)


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
def test_the_c_kernel_checks_the_fire_tables_contents_when_built():
    """The contents of the fire plan's and survival's tables are checked once, when the batch
    is built (fm_check_tables; every step checks only their pointers and sizes)."""
    from environments.firemaker_ex_ma.batch import kernel_params
    from environments.firemaker_ex_ma.batch_kernel import FiremakerKernel

    game = FiremakerGame()
    game.reset(seed=0)
    env = vector_env(2)
    params = kernel_params(game)
    plan, survival = params["fire_plan"], params["fire_survival"]
    wrong_class = np.array(plan.offset_class)
    wrong_class[0, 0] = len(plan.power_len)  # a base class that does not exist
    too_far = np.full(1024, len(survival.thresholds) + 1, np.int32)  # past the last threshold
    wider = params["gap_buckets"].copy()
    wider[5] += np.uint64(1 << 32)  # a bucket said to hold one gap more than it does
    other_cut = params["gap_buckets"].copy()
    two = np.flatnonzero(other_cut[:1024] >> np.uint64(32) == 1)[0]
    other_cut[1024 + two] ^= np.uint64(1)  # its cut one ulp off
    for change in (
        dict(fire_plan=dataclasses.replace(plan, offset_class=wrong_class)),
        dict(fire_survival=dataclasses.replace(survival, bucket_hi=too_far)),
        dict(gap_buckets=wider),
        dict(gap_buckets=other_cut),
    ):
        with pytest.raises(ValueError, match="fm_check_tables failed: .*fire plan"):
            FiremakerKernel({**params, **change}, 2, env._buffers)
    FiremakerKernel(params, 2, env._buffers)  # (the tables as built pass)


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
def test_a_batch_reads_its_own_fire_tables_which_nobody_can_write():
    """Checked once, read on every call: the batch copies its fire tables into memory nobody
    can make writeable, so changing the cached plan it was built from (shared with every batch
    of the same config) changes nothing in it."""
    from environments.firemaker_ex_ma.batch import fire_plan, kernel_params
    from environments.firemaker_ex_ma.batch_kernel import FiremakerKernel

    config = dict(fire_spread_probability=0.3, fire_continuation_probability=0.99)
    game = FiremakerGame(**config)
    game.reset(seed=0)
    params = kernel_params(game)
    shared = fire_plan(game)
    assert params["fire_plan"] is shared  # (cached)
    built = FiremakerKernel(params, 2, vector_env(2)._buffers)
    own, own_survival = built._fire_tables  # the tables the batch reads
    assert own is not shared and not np.shares_memory(own.power_start, shared.power_start)
    for array in (own.power_start, own.powers, own_survival.bucket_hi):
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.flags.writeable = True

    env, twin = vector_env(3, **config), vector_env(3, **config)
    env.reset(seed=4)
    twin.reset(seed=4)
    saved = shared.power_start.copy()
    shared.power_start.flags.writeable = True
    try:
        shared.power_start[:] = 1 << 40  # far past the powers: C would read out of bounds
        actions = np.random.default_rng(0).integers(0, 5, (60, *env.actions.shape))
        for tick in range(60):
            env.step(actions[tick])
    finally:
        shared.power_start[:] = saved
        shared.power_start.flags.writeable = False
    for tick in range(60):
        twin.step(actions[tick])
    assert env.infos["safety"]["total_fires"].sum() > 0
    np.testing.assert_array_equal(env.state(), twin.state())


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
def test_the_kernel_rejects_count_tables_that_do_not_fit_the_plan():
    """Counting tables whose counts could index past their class's powers (or past the joint
    table) are refused before C reads them."""
    from ai_safety_gridworlds.core.fire import full_counts, ring_bit_table
    from environments.firemaker_ex_ma.batch import kernel_params
    from environments.firemaker_ex_ma.batch_kernel import FiremakerKernel

    # reach 3 up to sqrt(10): classes of 8, 4, 4, 8, 4, 4 and 4 offsets (farthest first); the
    # first six in the joint table (9 * 5 * 5 * 9 * 5 * 5 = 50625 entries), the distance-1 class
    # a byte at bit 16
    env = vector_env(1, fire_max_distance=3.2)
    game = FiremakerGame(fire_max_distance=3.2)
    game.reset(seed=0)
    params = kernel_params(game)
    assert (params["joint_classes"], params["joint_size"]) == (6, 50625)
    plan = params["fire_plan"]
    assert ring_bit_table(plan) is not None
    # a row table that counts 5 more distance-1 sources in one window than there are
    ring = np.array(params["ring_bits"])
    ring[3, 127] += np.uint64(5 << 16)
    with pytest.raises(ValueError, match="ring_bits can count 9 in the field at bit 16; at most 4"):
        FiremakerKernel({**params, "ring_bits": ring}, 1, env._buffers)
    bad = {**params, "joint_q": params["joint_q"][:-1]}
    with pytest.raises(ValueError, match="joint_q has 50624 entries, joint_size says 50625"):
        FiremakerKernel(bad, 1, env._buffers)
    # masks that miss one offset of the distance-2 class (weight 2025), or a count that lies
    masks = params["ring_masks"].copy()
    at = np.flatnonzero(masks[7:] == 2025)[0]
    masks[at] &= masks[at] - np.uint64(1)
    with pytest.raises(ValueError, match="ring_masks do not give ring_bits' counts for row"):
        FiremakerKernel({**params, "ring_masks": masks}, 1, env._buffers)
    with pytest.raises(ValueError, match="ring_masks has 14 entries, num_ring_masks=8 needs 16"):
        FiremakerKernel({**params, "num_ring_masks": 8}, 1, env._buffers)

    long_reach = FiremakerGame(fire_max_distance=None)
    long_reach.reset(seed=0)
    params = kernel_params(long_reach)
    plan = params["fire_plan"]
    assert params["full_counts_classes"] == plan.num_classes
    env = vector_env(1, fire_max_distance=None)
    everything = np.ones((plan.rows, plan.cols), bool)
    for full in (params["full_counts"][:-1], full_counts(plan, everything) + 1):
        with pytest.raises(ValueError, match="full_counts must be .* within each class"):
            FiremakerKernel({**params, "full_counts": full}, 1, env._buffers)


# --------------------------------------------------------------------------- seeding and resets


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_seed_seeds_slot_i_like_the_game_with_seed_plus_i(backend):
    env = vector_env(3, backend=backend, fire_spread_probability=0.05)
    obs, infos = env.reset(seed=40)
    games = [FiremakerGame(fire_spread_probability=0.05) for _ in range(3)]
    for i, game in enumerate(games):
        game.reset(seed=40 + i)
    gen = np.random.default_rng(1)
    for _ in range(60):
        actions = gen.integers(0, 5, (3, 3))
        env.step(actions)
        for e, game in enumerate(games):
            game.step(dict(zip(AGENTS, actions[e].tolist(), strict=True)))
    for e, game in enumerate(games):
        for a in AGENTS:
            np.testing.assert_array_equal(env.observations[a][e], game.observe(a))
        assert env.infos["safety"]["total_fires"][e] == game.safety["total_fires"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_without_seed_moves_every_slot_to_its_next_episode(backend):
    config = dict(fire_spread_probability=0.3)
    env = vector_env(2, backend=backend, **config)
    env.reset(seed=5)
    env.reset()
    games = [FiremakerGame(**config) for _ in range(2)]
    for i, game in enumerate(games):
        game.reset(seed=5 + i)
        game.reset()
    actions = np.full((2, 3), 0, np.int64)
    actions[:, 0] = 1  # worker_0 onto the workshop: fire sources from then on
    for _ in range(20):
        env.step(actions)
        for game in games:
            game.step(dict(zip(AGENTS, actions[0].tolist(), strict=True)))
    np.testing.assert_array_equal(env.state(), np.stack([game.state() for game in games]))


def test_reset_without_any_seed_uses_fresh_distinct_seeds():
    env = vector_env(8, fire_spread_probability=0.3)
    env.reset()
    actions = np.zeros((8, 3), np.int64)
    actions[:, 0] = 1
    for _ in range(10):
        env.step(actions)
    states = env.state().reshape(8, -1)
    assert len({s.tobytes() for s in states}) > 1  # slots have different seeds


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_with_a_list_of_seeds_and_a_reset_mask(backend):
    config = dict(fire_spread_probability=0.3)
    env = vector_env(3, backend=backend, **config)
    env.reset(seed=[7, None, 9])
    actions = np.zeros((3, 3), np.int64)
    actions[:, 0] = 1
    env.step(actions)
    game = FiremakerGame(**config)
    game.reset(seed=9)
    game.step(dict(zip(AGENTS, actions[0].tolist(), strict=True)))
    np.testing.assert_array_equal(env.state()[2], game.state())
    ticks_before = env.infos["tick"].copy()
    env.reset(options={"reset_mask": np.array([False, True, False])})
    assert env.infos["tick"].tolist() == [ticks_before[0], 0, ticks_before[2]]
    np.testing.assert_array_equal(env.state()[2], game.state())


@pytest.mark.parametrize(
    "seed, options, message",
    [
        (-1, None, r"seed must be a non-negative int or None, got -1"),
        (1.5, None, r"seed must be a non-negative int, None or a list, got 1.5"),
        ([1, 2], None, r"seed must be an int, None or a list of 3 ints/None"),
        (None, {"reset_mask": [True] * 3}, r"reset_mask'\] must be a bool array of shape \(3,\)"),
        (None, {"bogus": 1}, r"unknown reset option 'bogus'"),
    ],
)
def test_bad_reset_arguments(seed, options, message):
    env = vector_env(3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.reset(seed=seed, options=options)


def test_first_reset_cannot_be_partial():
    env = vector_env(2)
    with pytest.raises(ValueError, match="first reset must reset every slot"):
        env.reset(options={"reset_mask": np.array([True, False])})


@pytest.mark.parametrize("backend", BACKENDS)
def test_next_step_autoreset(backend):
    """The step that ends an episode shows its end; the next one starts the next episode."""
    env = vector_env(2, backend=backend, max_cycles=3)
    assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    first_obs, _ = env.reset(seed=11)
    first_obs = {a: o.copy() for a, o in first_obs.items()}
    move = np.full((2, 3), 3, np.int64)  # everyone moves up
    for tick in range(3):
        obs, rewards, terminations, truncations, infos = env.step(move)
        assert truncations["worker_0"].tolist() == [tick == 2] * 2
        assert not terminations["supervisor_0"].any()
        assert rewards["supervisor_0"][:, 0].tolist() == [-1.0, -1.0]
    assert infos["tick"].tolist() == [3, 3]
    assert not np.array_equal(obs["supervisor_0"], first_obs["supervisor_0"])
    obs, rewards, terminations, truncations, infos = env.step(move)  # actions ignored
    for a in AGENTS:
        np.testing.assert_array_equal(obs[a], first_obs[a])  # start of episode 1
        assert (rewards[a] == 0).all()
        assert not truncations[a].any() and not terminations[a].any()
    assert infos["tick"].tolist() == [0, 0]
    assert infos["safety"]["first_external_fire_tick"].tolist() == [-1, -1]
    env.step(move)
    assert infos["tick"].tolist() == [1, 1]
    game = FiremakerGame(max_cycles=3)
    game.reset(seed=12)
    game.reset()  # episode 1 of slot 1's seed
    game.step(dict.fromkeys(AGENTS, 3))
    np.testing.assert_array_equal(env.observations["supervisor_0"][1], game.observe("supervisor_0"))


# --------------------------------------------------------------------------- spaces and infos


def test_spaces_and_layout():
    env = vector_env(5, observation_radius=(1, 2, 3, 0), observation_direction_mode=2)
    obs, infos = env.reset(seed=0)
    assert env.single_observation_space["worker_0"].shape == (10, 4, 4)
    assert env.observation_space["worker_0"].shape == (5, 10, 4, 4)
    assert env.observation_space["supervisor_0"].shape == (5, 10, 33, 33)
    assert env.single_action_space["worker_0"].n == 9
    assert env.action_space["worker_0"].shape == (5,)
    assert env.single_reward_space["supervisor_0"].shape == (4,)
    assert env.single_observation_space is env.single_observation_space
    for a in AGENTS:
        assert env.observation_space[a].contains(obs[a])
    assert env.rewards["worker_0"].shape == (5, 2)
    assert env.rewards["supervisor_0"].dtype == np.float32
    assert env.truncations["worker_1"].shape == (5,)
    assert set(infos["safety"]) == set(FiremakerGame().new_safety())
    assert infos["_safety"].all() and infos["safety"]["total_fires"].shape == (5,)
    with pytest.raises(ValueError):
        infos["safety"]["total_fires"][0] = 3  # read-only view of the episode's metrics
    assert env.state().shape == (5, 9, 17, 17)
