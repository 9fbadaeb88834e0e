"""Memory safety at the C boundary (issue 11, kind 1): no array a caller supplies reaches a kernel
unchecked, however it is supplied. Run by .ci/sanitize.sh under ASan/UBSan.

Every way of handing actions in (``step(array)``, ``step(dict)``, filling ``env.actions`` in
place, assigning a new array to ``env.actions``) ends in the preallocated int64 buffer the
kernel reads; the binding itself rejects any other array.
"""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from environments import diamond_charger_ma as diamond
from environments import firemaker_ex_ma as firemaker

needs_c = pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
BACKENDS = [pytest.param("c", marks=needs_c), "numpy"]
GAMES = {
    "firemaker": (firemaker.vector_env, dict(fire_spread_probability=0.05), 5),
    "diamond": (diamond.vector_env, dict(level=0), 12),
}


def make(game, backend, num_envs=4, **config):
    vector_env, base, _ = GAMES[game]
    env = vector_env(num_envs, backend=backend, **{**base, **config})
    env.reset(seed=5)
    return env


def outputs(env):
    arrays = [env.observations[a] for a in env.possible_agents]
    arrays += [env.reward_buffer, env.termination_buffer, env.truncation_buffer, env.state()]
    return [a.copy() for a in arrays]


def assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def variants(actions):
    """The same actions handed in every way a caller might."""
    n, a = actions.shape
    wide = np.zeros((n, 2 * a), np.int64)
    wide[:, ::2] = actions
    return {
        "int64": actions.astype(np.int64),
        "int32": actions.astype(np.int32),
        "uint8": actions.astype(np.uint8),
        "strided": wide[:, ::2],
        "fortran": np.asfortranarray(actions.astype(np.int64)),
        "reversed view": actions.astype(np.int16)[::-1][::-1],
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("game", list(GAMES))
@pytest.mark.parametrize("how", ["assign", "step"])
def test_replaced_strided_and_narrow_action_arrays_give_the_same_step(game, backend, how):
    """Issue 11: ``env.actions = np.zeros((64, 3), np.int32)`` handed the int32 array to C,
    which read 64 * 3 int64 from it (a heap-buffer-overflow under ASan)."""
    n = 64 if backend == "c" else 3
    _, _, num_actions = GAMES[game]
    reference = make(game, backend, n)
    buffer = reference.actions
    gen = np.random.default_rng(1)
    plans = [gen.integers(0, num_actions, buffer.shape) for _ in range(6)]
    for plan in plans:
        reference.step(plan.astype(np.int64))
    expected = outputs(reference)
    for name in variants(plans[0]):
        env = make(game, backend, n)
        buffer = env.actions
        for plan in plans:
            given = variants(plan)[name]
            if how == "assign":
                env.actions = given
                assert env.actions is buffer and env.actions.dtype == np.int64
                np.testing.assert_array_equal(env.actions, plan)
                env.step()
            else:
                env.step(given)
        assert_same(expected, outputs(env))


@pytest.mark.parametrize("game", list(GAMES))
def test_the_binding_reads_whichever_action_array_each_step_hands_it(game):
    """The binding keeps the C pointer of the last action array it was given: stepping from the
    ``actions`` buffer, from arrays (copied into a second buffer) and straight through the
    backend with a fresh array, in turns, must read each step's own actions."""
    if kernel.BACKEND != "c":
        pytest.skip("C kernel not active")
    n = 16
    _, _, num_actions = GAMES[game]
    reference = make(game, "c", n)
    env = make(game, "c", n)
    gen = np.random.default_rng(3)
    plans = [gen.integers(0, num_actions, env.actions.shape) for _ in range(9)]
    for i, plan in enumerate(plans):
        reference.step(plan)
        if i % 3 == 0:
            env.actions[:] = plan
            env.step()
        elif i % 3 == 1:
            env.step(plan.astype(np.int32))
        else:
            assert env._backend.step(np.ascontiguousarray(plan, np.int64)) == 0
        assert_same(outputs(reference), outputs(env))


@pytest.mark.parametrize("game", list(GAMES))
def test_the_binding_checks_a_kept_action_array_again_when_changed_in_place(game):
    """The binding checks an action array only when it makes its C pointer, but the same array
    object can get another shape or dtype in place (``a.shape = ...``, ``a.dtype = ...``): it
    must then refuse it as it would any wrong array, and take it again once it is right."""
    if kernel.BACKEND != "c":
        pytest.skip("C kernel not active")
    env = make(game, "c", 16)
    backend = env._backend
    n, a = env.actions.shape
    plan = np.zeros((n, a), np.int64)
    assert backend.step(plan) == 0
    before = outputs(env)
    plan.shape = (a, n)
    with pytest.raises(
        ValueError, match=rf"must be a C-contiguous int64 array of shape \({n}, {a}\)"
    ):
        backend.step(plan)
    plan.shape = (n, a)
    plan.dtype = np.uint64
    with pytest.raises(ValueError, match=r"got uint64"):
        backend.step(plan)
    assert_same(before, outputs(env))
    plan.dtype = np.int64
    assert backend.step(plan) == 0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("game", list(GAMES))
def test_step_given_the_actions_buffer_itself_reads_it(game, backend):
    """``step(env.actions)`` is ``step()``: the buffer is read where it is (not copied onto
    itself), and the results are those of the same actions given as another array."""
    _, _, num_actions = GAMES[game]
    reference = make(game, backend, 8)
    env = make(game, backend, 8)
    gen = np.random.default_rng(5)
    for _ in range(4):
        plan = gen.integers(0, num_actions, env.actions.shape)
        env.actions[:] = plan
        env.step(env.actions)
        reference.step(plan.astype(np.int16))
        assert_same(outputs(reference), outputs(env))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("game", list(GAMES))
def test_a_bad_array_assigned_to_actions_is_rejected_and_changes_nothing(game, backend):
    env = make(game, backend)
    n, a = env.actions.shape
    env.actions[:] = 1
    before = outputs(env)
    for bad, message in (
        (np.zeros((n, a + 1), np.int64), rf"actions must have shape \({n}, {a}\)"),
        (np.zeros((n * a,), np.int64), r"actions must have shape"),
        (np.zeros((n + 1, a), np.int32), r"actions must have shape"),
        (np.zeros((n, a), np.float64), r"actions must have an integer dtype, got dtype float64"),
        (np.zeros((n, a), bool), r"an integer dtype"),
        (np.full((n, a), 2**64 - 1, np.uint64), r"actions has a value out of range"),
        ([[0] * a] * n, r"actions must be an int numpy array"),
        ({"nobody": np.zeros(n, np.int64)}, r"unknown \['nobody'\]"),
    ):
        with pytest.raises(ValueError, match=message):
            env.actions = bad
        assert env.actions.dtype == np.int64 and (env.actions == 1).all()
    assert_same(before, outputs(env))
    env.step()


@needs_c
def test_noops_false_at_4096_envs_with_an_assigned_int32_array():
    """Issue 11: at num_envs=4096 the normal build read past an assigned int32 array and
    reported a false "NOOP is not allowed" error."""
    env = firemaker.vector_env(4096, noops=False)
    env.reset(seed=0)
    env.actions = np.ones((4096, 3), np.int32)
    env.step()
    assert env.infos["tick"].tolist() == [1] * 4096


@needs_c
@pytest.mark.parametrize("game", list(GAMES))
def test_the_binding_rejects_every_array_it_cannot_hand_to_c(game):
    """The last line of defence: the kernel binding checks dtype, shape, contiguity and
    writeability of the arrays it passes, whoever calls it."""
    env = make(game, "c")
    backend = env._backend
    n, a = env.actions.shape
    before = outputs(env)
    wide = np.zeros((n, 2 * a), np.int64)
    for bad in (
        np.zeros((n, a), np.int32),
        np.zeros((n, a + 1), np.int64),
        np.zeros((n - 1, a), np.int64),
        wide[:, ::2],
        [[0] * a] * n,
    ):
        with pytest.raises(ValueError, match="the kernel's actions must be a C-contiguous int64"):
            backend.step(bad)
    state = env.state()
    read_only = state.copy()
    read_only.flags.writeable = False
    for bad in (state[:, :-1].copy(), state.astype(np.int16), read_only, state[::-1]):
        with pytest.raises(ValueError, match="the kernel's out must be a C-contiguous writeable"):
            backend.state(bad)
    modes, seeds = np.zeros(n, np.uint8), np.zeros(n, np.uint64)
    for bad_modes, bad_seeds in (
        (np.zeros(n + 1, np.uint8), seeds),
        (modes.astype(np.int64), seeds),
        (modes, seeds.astype(np.int64)),
        (modes, np.zeros(1, np.uint64)),
    ):
        with pytest.raises(ValueError, match="the kernel's (modes|seeds) must be"):
            backend.reset(bad_modes, bad_seeds)
    assert_same(before, outputs(env))
