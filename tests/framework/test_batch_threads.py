"""Multi-threaded batch stepping: every thread count gives the same results, bit for bit.

The C kernels step the slots of a call on a pool of threads (csrc/common/parallel.c); each slot
is stepped by one thread with that thread's own scratch memory, so a slot's result cannot depend
on the thread count, the chunking or the schedule. These tests step the same seeds and actions
with several thread counts (grain 1, so even small batches are split) and compare every buffer
at every tick, for both games; the differential tests (tests/*/test_batch.py) check the slots
against the pycolab games with the default thread count.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.core.options import available_cores
from environments import diamond_charger_ma, firemaker_ex_ma

needs_c = pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active")

THREAD_COUNTS = (1, 2, 3, 8)
NUM_ENVS = 19  # not a multiple of any thread count: uneven chunks

FIREMAKER = {
    "burning_short_episodes": dict(
        fire_spread_probability=0.05, fire_continuation_probability=0.97, max_cycles=23
    ),
    "burn_out_turning_views": dict(
        fire_spread_probability=0.03,
        burn_out_ticks=2,
        external_spread_multiplier=4.0,
        observation_direction_mode=2,
        action_direction_mode=2,
        max_cycles=31,
    ),
    "unlimited_reach_cluster_boost": dict(
        fire_max_distance=None, fire_spread_probability=0.02, fire_cluster_boost=0.5
    ),
}
DIAMOND = {
    "default": dict(max_cycles=17),
    "level_2_arenas_per_episode": dict(level=2, max_cycles=9),
    "random_kinship": dict(kinship="random", max_cycles=13),
    "population_births_and_starvation": dict(
        max_population=12,
        reproduction=True,
        starvation_ticks=5,
        reproduce_energy=20,
        offspring_energy=30,
        reproduce_cooldown=2,
        rest_energy=0,
        mutation_rate=0.3,
        bodies=("default", "scout", "fighter/worker"),
        max_cycles=45,
    ),
    "maze_working_objects_respawn": dict(
        level=2,
        arena_kind="maze",
        arena_size=31,
        working_chargers=1,
        working_altars=1,
        respawn_on_heart=True,
        max_cycles=9,
    ),
    "bonds_between_strangers": dict(
        mate_selection=True, kinship="independent", bond_energy=0, bond_kinship=0.35
    ),
}


def outputs(env) -> list[bytes]:
    """Everything a step writes, as bytes."""
    return [
        *(env.observations[a].tobytes() for a in env.possible_agents),
        env.reward_buffer.tobytes(),
        env.termination_buffer.tobytes(),
        env.truncation_buffer.tobytes(),
        env.safety_buffer.tobytes(),
        env.float_safety_buffer.tobytes(),
        np.asarray(env.infos["tick"]).tobytes(),
        getattr(env, "alive_buffer", np.zeros(0)).tobytes(),
    ]


def random_legal_actions(env, gen: np.random.Generator) -> np.ndarray:
    columns = []
    for agent in env.possible_agents:
        space = env.single_action_space[agent]
        columns.append(gen.integers(space.start, space.start + space.n, env.num_envs))
    return np.stack(columns, axis=1)


def trajectory(module, config: dict, num_threads: int, ticks: int) -> list[list[bytes]]:
    env = module.vector_env(NUM_ENVS, num_threads=num_threads, **config)
    assert env.num_threads == num_threads
    env._backend.grain = 1  # split even this small batch across the threads
    gen = np.random.default_rng(5)
    frames = []
    env.reset(seed=40)
    frames.append(outputs(env))
    for tick in range(ticks):
        env.step(random_legal_actions(env, gen))
        frames.append(outputs(env))
        if tick == ticks // 2:  # a partial reset in the middle, some slots reseeded
            mask = np.arange(NUM_ENVS) % 3 == 0
            seeds = [7 * i if i % 2 else None for i in range(NUM_ENVS)]
            env.reset(seed=seeds, options={"reset_mask": mask})
            frames.append(outputs(env))
    frames.append([env.state().tobytes()])
    env.close()
    return frames


@needs_c
@pytest.mark.parametrize(
    "module, config",
    [pytest.param(firemaker_ex_ma, c, id=f"firemaker-{n}") for n, c in FIREMAKER.items()]
    + [pytest.param(diamond_charger_ma, c, id=f"diamond-{n}") for n, c in DIAMOND.items()],
)
def test_every_thread_count_gives_identical_buffers_every_tick(module, config):
    reference = trajectory(module, config, 1, ticks=60)
    for threads in THREAD_COUNTS[1:]:
        frames = trajectory(module, config, threads, ticks=60)
        for t, (got, want) in enumerate(zip(frames, reference, strict=True)):
            assert got == want, f"{threads} threads differ from 1 at frame {t}"


@needs_c
def test_num_threads_defaults_to_every_core_capped_at_num_envs():
    cores = available_cores()
    assert firemaker_ex_ma.vector_env(64).num_threads == min(cores, 64)
    assert firemaker_ex_ma.vector_env(1).num_threads == 1
    assert firemaker_ex_ma.vector_env(5, num_threads=3).num_threads == 3
    assert firemaker_ex_ma.vector_env(2, num_threads=3).num_threads == 2
    assert diamond_charger_ma.vector_env(4, num_threads=1).num_threads == 1


def test_the_numpy_backend_steps_on_one_thread():
    env = firemaker_ex_ma.vector_env(2, backend="numpy", num_threads=4)
    assert env.num_threads == 1


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_num_threads_must_be_none_or_a_positive_int(bad):
    with pytest.raises(ValueError, match=r"num_threads .*None \(every core\) or an int >= 1"):
        firemaker_ex_ma.vector_env(2, num_threads=bad)


@needs_c
def test_closing_stops_the_threads_and_steps_are_refused():
    env = firemaker_ex_ma.vector_env(8, num_threads=2)
    env.reset(seed=0)
    env.close()
    assert env._backend.num_threads == 2
    assert env._backend._batch.pool == kernel._ffi.NULL
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros((8, 3), np.int64))


@needs_c
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_steps_on_its_own_thread_with_the_same_results():
    """The pool's threads do not exist in a child process (multiprocessing's fork): the
    child's calls run on its calling thread and must neither hang nor differ."""
    env = firemaker_ex_ma.vector_env(12, num_threads=2, fire_spread_probability=0.05)
    env._backend.grain = 1
    env.reset(seed=3)
    actions = np.ones((12, 3), np.int64)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            for _ in range(30):
                env.step(actions)
            os.write(write, pickle.dumps(outputs(env)))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        child = pickle.loads(pipe.read())
    os.waitpid(pid, 0)
    for _ in range(30):
        env.step(actions)
    assert child == outputs(env)


@needs_c
def test_cffi_releases_the_gil_around_every_batch_call():
    """The kernels' threads never need Python: cffi wraps each call of the compiled module in
    Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS (checked in the C code it generates)."""
    import runpy

    builder = runpy.run_path(
        os.path.join(os.path.dirname(kernel.__file__), "_kernel_build.py"), run_name="builder"
    )
    source = builder["make_ffibuilder"](relative_paths=False)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "module.c")
        source.emit_c_code(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    for function in ("fm_step", "fm_reset", "dc_step", "dc_reset"):
        wrapper = text[text.index(f"_cffi_f_{function}(PyObject") :]
        wrapper = wrapper[: wrapper.index("\n}\n")]
        allow = wrapper.index("Py_BEGIN_ALLOW_THREADS")
        call = wrapper.index(f"{function}(x0")
        assert allow < call < wrapper.index("Py_END_ALLOW_THREADS"), function


@needs_c
@pytest.mark.parametrize(
    ("size", "dtype", "items"),
    [(25, np.uint8, 128), (289, np.int32, 320), (0, np.uint64, 16), (64, np.uint16, 64)],
)
def test_thread_scratch_gives_each_thread_its_own_aligned_cache_lines(size, dtype, items):
    """Each thread's scratch copy starts on a 128-byte boundary (PAR_SCRATCH_ALIGN) and takes
    whole 128-byte blocks: two threads never write the same cache line (false sharing made a
    quiet radius-2 step on 2 threads a third slower)."""
    from ai_safety_gridworlds.batch.binding import _lib, thread_scratch

    assert _lib.PAR_SCRATCH_ALIGN == 128
    assert _lib.par_scratch_stride(size, np.dtype(dtype).itemsize) == items
    scratch = thread_scratch(3, size, dtype, fill=7)
    assert scratch.dtype == dtype and scratch.shape == (3 * items,)
    assert scratch.ctypes.data % 128 == 0
    assert (scratch == 7).all()


@needs_c
def test_thread_scratch_refuses_an_item_size_that_does_not_divide_the_alignment():
    from ai_safety_gridworlds.batch.binding import _lib, thread_scratch

    assert _lib.par_scratch_stride(4, 3) == -1
    with pytest.raises(ValueError, match="itemsize 3"):
        thread_scratch(2, 4, np.dtype("S3"))


def run_test_slots(threads: int, count: int, grain: int, fail_from: int = -1, work: int = 300):
    """par_test_slots on a fresh pool of ``threads`` (1: no pool): (result, visits, workers)."""
    from ai_safety_gridworlds.batch.binding import _ffi, _lib

    pool = _lib.par_pool_new(threads) if threads > 1 else _ffi.NULL
    assert (pool != _ffi.NULL) == (threads > 1)
    visits = np.zeros(max(count, 1), np.int32)
    workers = np.full(max(count, 1), -1, np.int32)
    try:
        for _ in range(3):  # back-to-back calls: the helpers are awake for the later ones
            visits[:] = 0
            result = _lib.par_test_slots(
                pool,
                count,
                grain,
                work,
                fail_from,
                _ffi.from_buffer("int32_t[]", visits),
                _ffi.from_buffer("int32_t[]", workers),
            )
            yield result, visits[:count].copy(), workers[:count].copy()
    finally:
        if pool != _ffi.NULL:
            _lib.par_pool_free(pool)


@needs_c
@pytest.mark.parametrize("threads", [2, 3, 8])
@pytest.mark.parametrize(
    ("count", "grain"), [(1, 1), (2, 1), (19, 1), (19, 3), (256, 32), (1000, 7)]
)
def test_the_pool_steps_every_slot_exactly_once(threads, count, grain):
    """Each thread steps its own range of the slots first and then takes chunks from the back
    of the others' (csrc/common/parallel.c): whatever the schedule, every slot runs once, on
    one of the pool's threads, and the caller always starts with the first slot."""
    for result, visits, workers in run_test_slots(threads, count, grain):
        assert result == 0
        assert visits.tolist() == [1] * count
        assert set(workers.tolist()) <= set(range(threads))
        assert workers[0] == 0


@needs_c
@pytest.mark.parametrize("threads", [2, 3])
def test_a_call_smaller_than_two_grains_stays_on_the_calling_thread(threads):
    for result, visits, workers in run_test_slots(threads, 13, 7):
        assert result == 0 and visits.tolist() == [1] * 13 and workers.tolist() == [0] * 13


@needs_c
@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("fail_from", [0, 5, 99])
def test_the_pool_returns_the_error_of_the_lowest_failing_slot_it_ran(threads, fail_from):
    """After a failure the threads take no more chunks; the call returns the error of the lowest
    failing slot that ran (on the calling thread alone: the first failing slot, and nothing
    after it runs)."""
    for result, visits, _ in run_test_slots(threads, 100, 1, fail_from=fail_from):
        assert set(visits.tolist()) <= {0, 1}
        failed = [s for s in range(fail_from, 100) if visits[s]]
        assert failed and result == -(1 + failed[0])
        if threads == 1:
            assert result == -(1 + fail_from)
            assert visits.tolist() == [1] * (fail_from + 1) + [0] * (99 - fail_from)
