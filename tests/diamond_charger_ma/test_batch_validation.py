"""The diamond charger batch env's API: validation (nothing changes after a rejected call),
the float safety metric, spaces, seeding, autoreset and the limits of the C kernel."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from ai_safety_gridworlds import kernel
from environments import diamond_charger_ma as diamond
from environments.diamond_charger_ma import CHANNELS, Action, DiamondChargerGame
from environments.diamond_charger_ma.batch import make_vector_env as vector_env

BACKENDS = [
    pytest.param(
        "c", marks=pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
    ),
    "numpy",
]
N = 3
A = 4  # level 0
STATE_ARRAYS = (
    "_env_bytes",
    "cells",
    "who",
    "marker_owner",
    "marker_colour",
    "ready_at",
    "stock",
    "marker_cell",
    "marker_placed",
    "kinship",
    "kinship_q",
    "marker_symbol",
)


def snapshot(env) -> list[np.ndarray]:
    """Copies of every output buffer and of the backend's state arrays."""
    arrays = [env.reward_buffer, env.termination_buffer, env.truncation_buffer]
    arrays += [env.safety_buffer, env.float_safety_buffer]
    arrays += [env.observations[a] for a in env.possible_agents]
    arrays += [env.state(), np.asarray(env.infos["tick"])]
    arrays += [getattr(env._backend, name) for name in STATE_ARRAYS if hasattr(env._backend, name)]
    return [a.copy() for a in arrays]


def assert_unchanged(before, env):
    for a, b in zip(before, snapshot(env), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(params=BACKENDS)
def env(request):
    env = vector_env(N, backend=request.param, mate_selection=True)
    env.reset(seed=3)
    gen = np.random.default_rng(0)
    for _ in range(6):
        env.step(gen.integers(0, 13, (N, A)))
    return env


@pytest.mark.parametrize(
    "actions, message",
    [
        (np.full((N, A), 13, np.int64), r"actions\[0, 0\] \('agent_0' of env 0\): 13 is out of"),
        (np.full((N, A), -1, np.int64), r"-1 is out of range; allowed: 0\.\.12 \(NOOP, "),
        (np.zeros((N, A - 1), np.int64), r"actions must have shape \(3, 4\)"),
        (np.zeros((N, A), np.float64), r"actions must have an integer dtype, got dtype float64"),
        (np.zeros((N, A), bool), r"actions must have an integer dtype"),
        ([[0] * A] * N, r"actions must be an int numpy array"),
        (np.full((N, A), 2**63 + 1, np.uint64), r"actions has a value out of range"),
        ({"agent_0": np.zeros(N, np.int64)}, r"missing \['agent_1', 'agent_2', 'agent_3'\]"),
    ],
)
def test_bad_actions_raise_and_change_nothing(env, actions, message):
    before = snapshot(env)
    with pytest.raises(ValueError, match=message):
        env.step(actions)
    assert_unchanged(before, env)


def test_one_bad_action_deep_in_the_batch_is_named_and_changes_nothing(env):
    actions = np.zeros((N, A), np.int64)
    actions[2, 3] = 40
    before = snapshot(env)
    with pytest.raises(ValueError, match=r"actions\[2, 3\] \('agent_3' of env 2\): 40"):
        env.step(actions)
    assert_unchanged(before, env)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bond_is_out_of_range_without_mate_selection_and_noop_with_noops_false(backend):
    env = vector_env(N, backend=backend, noops=False)
    env.reset(seed=0)
    before = snapshot(env)
    actions = np.ones((N, A), np.int64)
    actions[1, 2] = Action.BOND
    with pytest.raises(ValueError, match=r"12 is out of range; allowed: 0\.\.11"):
        env.step(actions)
    actions[1, 2] = Action.NOOP
    with pytest.raises(ValueError, match=r"0 \(NOOP\) is not allowed.*noops=False"):
        env.step(actions)
    assert_unchanged(before, env)
    env.step(np.ones((N, A), np.int32))


def test_non_contiguous_and_narrow_actions_give_the_same_step():
    results = []
    for kind in ("int64", "strided", "uint8", "dict"):
        env = vector_env(N, mate_selection=True)
        env.reset(seed=9)
        gen = np.random.default_rng(0)
        for _ in range(20):
            actions = gen.integers(0, 13, (N, A))
            if kind == "strided":
                wide = np.zeros((N, 2 * A), np.int64)
                wide[:, ::2] = actions
                env.step(wide[:, ::2])
            elif kind == "uint8":
                env.step(actions.astype(np.uint8))
            elif kind == "dict":
                env.step({a: actions[:, i] for i, a in enumerate(env.possible_agents)})
            else:
                env.step(actions)
        results.append(np.concatenate([o.ravel() for o in env.observations.values()]))
    for result in results[1:]:
        np.testing.assert_array_equal(results[0], result)


FLOAT_METRICS = sum(isinstance(v, float) for v in DiamondChargerGame().new_safety().values())
"""Columns of the float64 safety buffer (hearts_gini and the bond transfers)."""
INT_METRICS = len(DiamondChargerGame().new_safety()) - FLOAT_METRICS
"""Columns of the int64 safety buffer (every other metric)."""


def good_buffers(num_envs=N):
    game = DiamondChargerGame()
    return {
        "actions": np.zeros((num_envs, A), np.int64),
        "observations": {
            a: np.zeros((num_envs, *game.observation_shape(a)), np.uint8)
            for a in game.possible_agents
        },
        "rewards": np.zeros((num_envs, A, 2), np.float32),
        "terminations": np.zeros((num_envs, A), bool),
        "truncations": np.zeros((num_envs, A), bool),
        "safety": np.zeros((num_envs, INT_METRICS), np.int64),
        "float_safety": np.zeros((num_envs, FLOAT_METRICS), np.float64),
    }


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("rewards", np.zeros((N, A, 2), np.float64), r"\['rewards'\] must have dtype float32"),
        ("rewards", np.zeros((N, A, 3), np.float32), r"\['rewards'\] must have shape \(3, 4, 2\)"),
        (
            "safety",
            np.zeros((N, INT_METRICS + 1), np.int64),
            rf"\['safety'\] must have shape \(3, {INT_METRICS}\)",
        ),
        (
            "float_safety",
            np.zeros((N, FLOAT_METRICS), np.float32),
            r"\['float_safety'\] must have dtype float64",
        ),
        (
            "float_safety",
            np.zeros((N, 2 * FLOAT_METRICS), np.float64)[:, ::2],
            r"\['float_safety'\] must be C-contiguous",
        ),
        ("terminations", np.zeros((N, A), np.uint8), r"\['terminations'\] must have dtype bool"),
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_buffers_are_rejected_with_their_name(backend, name, value, message):
    buffers = good_buffers()
    buffers[name] = value
    with pytest.raises(ValueError, match=message):
        vector_env(N, backend=backend, buffers=buffers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_given_buffers_are_the_ones_written_and_gini_is_a_float(backend):
    buffers = good_buffers()
    env = vector_env(N, backend=backend, buffers=buffers)
    obs, infos = env.reset(seed=1)
    assert obs["agent_0"] is buffers["observations"]["agent_0"]
    assert buffers["observations"]["agent_0"][:, 0, 5, 5].tolist() == [1] * N  # "self"
    assert infos["safety"]["hearts_gini"].dtype == np.float64
    assert infos["safety"]["attacks/agent_0"].dtype == np.int64
    assert np.shares_memory(infos["safety"]["hearts_gini"], buffers["float_safety"])
    assert np.shares_memory(infos["safety"]["bonds_formed"], buffers["safety"])
    assert list(infos["safety"]) == list(DiamondChargerGame().new_safety())


@pytest.mark.parametrize("backend", BACKENDS)
def test_spaces_bound_every_channel_and_state_has_its_shape(backend):
    env = vector_env(2, backend=backend, observation_radius=(1, 2, 3, 0), level=1)
    obs, _ = env.reset(seed=0)
    space = env.single_observation_space["agent_3"]
    assert space.shape == (len(CHANNELS), 4, 4)
    assert space.high[CHANNELS.index("agent kinship"), 0, 0] == 255
    assert space.high[CHANNELS.index("agent facing"), 0, 0] == 4
    assert space.high[CHANNELS.index("wall"), 0, 0] == 1
    assert env.observation_space["agent_0"].shape == (2, len(CHANNELS), 4, 4)
    assert env.single_action_space["agent_0"].n == 12
    assert env.single_reward_space["agent_0"].shape == (2,)
    gen = np.random.default_rng(1)
    for _ in range(30):
        env.step(gen.integers(0, 12, (2, 12)))
        for a in env.possible_agents:
            assert env.observation_space[a].contains(obs[a])
    assert env.state().shape == (2, len(CHANNELS) - 1, 31, 31)


@pytest.mark.parametrize("backend", BACKENDS)
def test_next_step_autoreset_starts_the_next_episode(backend):
    config = dict(level=2, arena_size=20, num_agents=6, arena_mines=3, arena_chargers=2)
    config.update(arena_altars=2, max_cycles=3)
    env = vector_env(2, backend=backend, **config)
    assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    env.reset(seed=11)
    rotate = np.full((2, 6), Action.ROTATE_RIGHT, np.int64)
    for tick in range(3):
        _, _, terminations, truncations, infos = env.step(rotate)
        assert truncations["agent_0"].tolist() == [tick == 2] * 2
        assert not terminations["agent_5"].any()
    first = env.state().copy()
    env.step(rotate)  # ignored: the next episode, with its own arena
    assert env.infos["tick"].tolist() == [0, 0]
    game = DiamondChargerGame(**config)
    game.reset(seed=12)
    game.reset()
    np.testing.assert_array_equal(env.state()[1], game.state())
    assert not np.array_equal(env.state()[1], first[1])  # a new arena


@pytest.mark.parametrize(
    "field, value",
    [("freeze_ticks", 2**63), ("max_cycles", 2**70), ("charger_energy", 2**53 + 1)],
)
def test_integers_too_large_for_the_kernel_are_the_same_error_on_every_path(field, value):
    """Issue 11: the C path raised OverflowError (or its own message) where pycolab accepted."""
    message = rf"invalid value {value} for '{field}'; allowed: an int >= \d \(at most 2\*\*53\)"
    with pytest.raises(ValueError, match=message):
        DiamondChargerGame(**{field: value})
    with pytest.raises(ValueError, match=message):
        diamond.parallel_env(**{field: value})
    for backend in ("c", "numpy"):
        with pytest.raises(ValueError, match=message):
            vector_env(1, backend=backend, **{field: value})
    env = vector_env(1, **{field: 2**53})  # the largest accepted value runs on the kernel
    env.reset(seed=0)
    env.step(np.zeros((1, A), np.int64))


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
def test_the_c_kernel_rejects_an_inconsistent_config():
    from environments.diamond_charger_ma.batch import kernel_params
    from environments.diamond_charger_ma.batch_kernel import DiamondKernel

    game = DiamondChargerGame()
    game.reset(seed=0)
    env = vector_env(2)
    params = kernel_params(game)
    for change, message in (
        (dict(obs_size=[25 * 121] * 3 + [9]), "view whose shape"),
        (dict(num_int_metrics=5), "inconsistent configuration"),
        (dict(observation_direction_mode=1), "inconsistent configuration"),
        (dict(num_actions=max(diamond.Action) + 2), "inconsistent configuration"),
        (dict(num_profiles=0), "inconsistent configuration"),
        (dict(profile_carry=[0]), "inconsistent configuration"),
        (dict(body_posture=[[17]]), "inconsistent configuration"),
        (dict(agent_body=[0, 0, 0, 3]), "inconsistent configuration"),
        (dict(body_assignment=1, body_weight=[0]), "inconsistent configuration"),
        (dict(body_assignment=2), "inconsistent configuration"),
        (dict(num_recipes=1), "inconsistent configuration"),
        (dict(recipe_cooldown=[-1]), "inconsistent configuration"),
        (dict(object_param=[0, 3, 0, 1]), "inconsistent map"),
        (dict(object_param=[0, 0, 0, 2]), "inconsistent map"),
    ):
        with pytest.raises(ValueError, match=f"dc_check failed: .*{message}"):
            DiamondKernel({**params, **change}, 2, env._buffers)
    for change in (
        dict(start=[(0, 0), (1, 1), (1, 2), (2, 1)]),  # a wall
        dict(start=[(1, 1)] * 4),
        dict(num_mines=3, num_converters=1),
    ):
        kernel_ = DiamondKernel({**params, **change}, 2, env._buffers)
        with pytest.raises(ValueError, match="dc_reset failed: an inconsistent map"):
            kernel_.reset(np.full(2, 2, np.uint8), np.zeros(2, np.uint64))
    with pytest.raises(ValueError, match="object_param has 4 values for 5 objects"):
        DiamondKernel({**params, "num_mines": 3}, 2, env._buffers)


def test_vector_env_is_the_modules_entry_point():
    env = diamond.vector_env(2, backend="numpy", level=1)
    assert env.backend == "numpy" and len(env.possible_agents) == 12
    with pytest.raises(ValueError, match=r"invalid backend 'gpu'; allowed: 'c', 'numpy'"):
        diamond.vector_env(2, backend="gpu")
    with pytest.raises(ValueError, match="levle"):
        diamond.vector_env(2, levle=1)
