"""Tests of the fire-spreading kernel: C (cffi) and numpy fallback, rng.h vs rng.py."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.fire_survival import fire_deaths

HAVE_C = kernel._lib is not None
needs_c = pytest.mark.skipif(
    not HAVE_C,
    reason=f"C kernel not active (BACKEND={kernel.BACKEND}: {kernel._FALLBACK_REASON})",
)
BACKENDS = [
    pytest.param(kernel.spread_fire_c, id="c", marks=needs_c),
    pytest.param(kernel.spread_fire_numpy, id="numpy"),
]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def uniform_table(rows: int, cols: int, p: float) -> np.ndarray:
    """A table with probability p at every offset but the centre."""
    table = np.full((2 * rows - 1, 2 * cols - 1), p)
    table[rows - 1, cols - 1] = 0.0
    return table


def draws(key: int, tick: int, stream: int, shape: tuple[int, int]) -> np.ndarray:
    """The per-cell uniform draws of one stream, from rng.py."""
    base = rng.stream_base(key, tick, stream)
    return rng.uniform_array(base, shape[0] * shape[1]).reshape(shape)


def random_board(gen: np.random.Generator, rows: int, cols: int, density: float):
    """Random burning, sources (burning plus a few workers) and flammable masks."""
    burning = (gen.random((rows, cols)) < density).astype(np.uint8)
    workers = gen.random((rows, cols)) < 0.05
    sources = (burning.astype(bool) | workers).astype(np.uint8)
    flammable = ((gen.random((rows, cols)) < 0.85) & ~workers).astype(np.uint8)
    return burning, sources, flammable


# ---------------------------------------------------------------------------------------------
# rng.h against rng.py
# ---------------------------------------------------------------------------------------------

KEYS = [0, 1, 42, 2**32 - 1, 2**32, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15, 123456789123456789]
TICKS = [0, 1, 2, 999, 2**31, 2**64 - 1]
STREAMS = [
    rng.STREAM_ACTION_ORDER,
    rng.STREAM_MAP,
    rng.STREAM_FIRE_IGNITION,
    rng.STREAM_FIRE_SURVIVAL,
    rng.FIRST_ENVIRONMENT_STREAM,
    rng.FIRST_ENVIRONMENT_STREAM + 7,
]


@needs_c
def test_c_stream_constants_match_rng_py():
    lib = kernel._lib
    assert lib.STREAM_ACTION_ORDER == rng.STREAM_ACTION_ORDER
    assert lib.STREAM_MAP == rng.STREAM_MAP
    assert lib.STREAM_FIRE_IGNITION == rng.STREAM_FIRE_IGNITION
    assert lib.STREAM_FIRE_SURVIVAL == rng.STREAM_FIRE_SURVIVAL
    assert lib.FIRST_ENVIRONMENT_STREAM == rng.FIRST_ENVIRONMENT_STREAM
    assert lib.FIRE_MAX_SIDE == kernel.MAX_SIDE


@needs_c
def test_c_draws_equal_rng_py_bit_for_bit():
    ffi, lib = kernel._ffi, kernel._lib
    gen = np.random.default_rng(7)
    keys = KEYS + [int(k) for k in gen.integers(0, 2**63, 20, dtype=np.int64)]
    n = 64
    uniforms = np.empty(n, dtype=np.float64)
    bits = np.empty(n, dtype=np.uint64)
    belows = np.empty(n, dtype=np.uint32)
    checked = 0
    for key in keys:
        for tick in TICKS:
            for stream in STREAMS:
                start = (key * 31 + tick) % 1000  # also blocks that do not start at index 0
                if key == 2**64 - 1:
                    start = 2**64 - 10  # index + 1 wraps around mod 2**64
                base = rng.stream_base(key, tick, stream)
                lib.rng_uniform_block(
                    key, tick, stream, start, n, ffi.from_buffer("double[]", uniforms)
                )
                lib.rng_bits_block(key, tick, stream, start, n, ffi.from_buffer("uint64_t[]", bits))
                bound = [1, 2, 3, 7, 17 * 17, 2**31 + 1, 2**32 - 1][checked % 7]
                lib.rng_below_block(
                    key, tick, stream, start, bound, n, ffi.from_buffer("uint32_t[]", belows)
                )
                for i in range(n):
                    index = (start + i) & rng.MASK64
                    assert int(bits[i]) == rng.draw_bits(base, index)
                    # exact equality of doubles, compared through their bit patterns
                    assert uniforms[i] == rng.draw_uniform(base, index)
                    assert int(belows[i]) == rng.below(base, index, bound)
                if start == 0:
                    assert np.array_equal(uniforms, rng.uniform_array(base, n))
                checked += 1
    assert checked == len(keys) * len(TICKS) * len(STREAMS)


# ---------------------------------------------------------------------------------------------
# C against the numpy fallback
# ---------------------------------------------------------------------------------------------

SHAPES = [
    (1, 1),
    (1, 2),
    (2, 1),
    (1, 9),
    (9, 1),
    (2, 3),
    (5, 5),
    (7, 13),
    (17, 17),
    (13, 31),
    (31, 31),
]
TABLES = [
    ("exponential", 0.2, 0.6, None),
    ("exponential", 0.9, 0.95, 3.5),
    ("exponential", 1.0, 1.0, 2.0),
    ("exponential", 0.05, 0.0, None),
    ("linear", 0.3, 0.0, 3.0),
    ("linear", 0.7, 0.0, 6.5),
]


@needs_c
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("cluster_boost", [0.0, 0.35, 3.0])
def test_c_equals_numpy_bit_for_bit(shape, cluster_boost):
    rows, cols = shape
    gen = np.random.default_rng(rows * 1000 + cols + int(cluster_boost * 100))
    for trial, (name, p1, decay, max_distance) in enumerate(TABLES * 3):
        table = kernel.fire_kernel_table(rows, cols, name, p1, decay, max_distance)
        burning, sources, flammable = random_board(gen, rows, cols, [0.05, 0.3, 0.8][trial % 3])
        continuation = [0.9, 0.5, 1.0][trial % 3]
        key, tick = int(gen.integers(0, 2**63)), trial * 17
        a = kernel.spread_fire_c(
            burning, sources, flammable, table, cluster_boost, continuation, key, tick
        )
        b = kernel.spread_fire_numpy(
            burning, sources, flammable, table, cluster_boost, continuation, key, tick
        )
        assert a.dtype == np.uint8 and a.shape == shape
        assert np.array_equal(a, b), (shape, name, trial)
        assert set(np.unique(a).tolist()) <= {0, 1}


@needs_c
@pytest.mark.parametrize("multiplier", [0.0, 0.5, 1.0, 3.0, 250.0])
def test_c_equals_numpy_with_an_external_multiplier(multiplier):
    gen = np.random.default_rng(int(multiplier * 10) + 5)
    for trial, (name, p1, decay, max_distance) in enumerate(TABLES * 2):
        rows, cols = (int(x) for x in gen.integers(1, 24, 2))
        table = kernel.fire_kernel_table(rows, cols, name, p1, decay, max_distance)
        burning, sources, flammable = random_board(gen, rows, cols, 0.2)
        external = (gen.random((rows, cols)) < 0.5).astype(np.uint8) * np.uint8(1 + trial % 2)
        args = (burning, sources, flammable, table, 0.4 * (trial % 2), 0.9, trial, 7 * trial)
        options = dict(external=external, external_multiplier=multiplier)
        a = kernel.spread_fire_c(*args, **options)
        assert np.array_equal(a, kernel.spread_fire_numpy(*args, **options)), (name, trial)


@pytest.mark.parametrize("spread", BACKENDS)
def test_the_external_multiplier_scales_the_ignition_probability_of_external_cells(spread):
    """One source, p = 0.3 at distance 1: a 4-neighbour ignites iff its draw u < 0.3, and where
    it is external iff u < min(1, 0.3 * multiplier); the other cells never ignite."""
    rows, cols = 3, 3
    table = np.zeros((2 * rows - 1, 2 * cols - 1))
    for d_row, d_col in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        table[rows - 1 + d_row, cols - 1 + d_col] = 0.3
    sources = np.zeros((rows, cols), np.uint8)
    sources[1, 1] = 1
    burning = np.zeros_like(sources)
    flammable = 1 - sources
    external = np.array([[1, 1, 1], [0, 0, 1], [0, 0, 0]], np.uint8)
    for multiplier in (0.0, 0.5, 1.0, 2.5, 10.0):
        for tick in range(50):
            out = spread(
                burning,
                sources,
                flammable,
                table,
                0.0,
                1.0,
                99,
                tick,
                **dict(external=external, external_multiplier=multiplier),
            )
            u = draws(99, tick, rng.STREAM_FIRE_IGNITION, (rows, cols))
            expected = np.zeros((rows, cols), np.uint8)
            for cell in ((0, 1), (2, 1), (1, 0), (1, 2)):
                p = min(1.0, 0.3 * multiplier) if external[cell] else 0.3
                expected[cell] = u[cell] < p
            assert np.array_equal(out, expected), (multiplier, tick)


@pytest.mark.parametrize("spread", BACKENDS)
def test_no_external_mask_or_a_multiplier_of_one_gives_the_plain_rule(spread):
    gen = np.random.default_rng(3)
    burning, sources, flammable = random_board(gen, 11, 13, 0.3)
    table = kernel.fire_kernel_table(11, 13, "exponential", 0.3, 0.6, 3.0)
    args = (burning, sources, flammable, table, 0.5, 0.8, 17, 4)
    plain = spread(*args)
    external = np.ones_like(burning)
    assert np.array_equal(spread(*args, external=external, external_multiplier=1.0), plain)
    assert np.array_equal(spread(*args, external=None, external_multiplier=7.0), plain)


@needs_c
def test_c_equals_numpy_with_arbitrary_tables_and_masks():
    """Random table values (also 0, exact 1 and above 1), masks with values other than 1."""
    gen = np.random.default_rng(11)
    for trial in range(60):
        rows, cols = (int(x) for x in gen.integers(1, 20, 2))
        table = gen.random((2 * rows - 1, 2 * cols - 1))
        table[gen.random(table.shape) < 0.3] = 0.0
        table[gen.random(table.shape) < 0.05] = 1.0
        if trial % 4 == 0:
            table *= 1.7  # probabilities above 1 are capped
        burning, sources, flammable = random_board(gen, rows, cols, 0.3)
        burning *= np.uint8(1 + trial % 3)  # nonzero means true
        boost = float(gen.choice([0.0, 0.5, 1.0, 2.5]))
        args = (burning, sources, flammable, table, boost, 0.8, trial, 3 * trial)
        assert np.array_equal(kernel.spread_fire_c(*args), kernel.spread_fire_numpy(*args))


@needs_c
def test_active_backend_is_c_when_compiled():
    if os.environ.get(kernel.BACKEND_ENV_VAR, "").lower() != "numpy":
        assert kernel.BACKEND == "c"


@pytest.mark.parametrize("spread", BACKENDS)
def test_out_argument_and_in_place_update(spread):
    gen = np.random.default_rng(3)
    burning, sources, flammable = random_board(gen, 17, 17, 0.3)
    table = kernel.fire_kernel_table(17, 17, "exponential", 0.2, 0.5, None)
    expected = spread(burning, sources, flammable, table, 0.5, 0.9, 5, 6)
    out = np.full((17, 17), 7, dtype=np.uint8)
    assert spread(burning, sources, flammable, table, 0.5, 0.9, 5, 6, out=out) is out
    assert np.array_equal(out, expected)
    in_place = burning.copy()
    spread(in_place, sources, flammable, table, 0.5, 0.9, 5, 6, out=in_place)
    assert np.array_equal(in_place, expected)


@pytest.mark.parametrize("spread", BACKENDS)
def test_partially_overlapping_out_is_rejected(spread):
    big = np.zeros((18, 17), dtype=np.uint8)
    burning, out = big[:17], big[1:]
    sources = np.zeros((17, 17), dtype=np.uint8)
    table = kernel.fire_kernel_table(17, 17, "exponential", 0.2, 0.5, None)
    with pytest.raises(ValueError, match="overlap"):
        spread(burning, sources, sources.copy(), table, 0.0, 0.9, 1, 1, out=out)


@pytest.mark.parametrize("spread", BACKENDS)
def test_same_inputs_same_output(spread):
    gen = np.random.default_rng(5)
    burning, sources, flammable = random_board(gen, 31, 31, 0.2)
    table = kernel.fire_kernel_table(31, 31, "exponential", 0.1, 0.7, None)
    first = spread(burning, sources, flammable, table, 0.2, 0.95, 99, 1000)
    for _ in range(3):
        again = spread(burning, sources, flammable, table, 0.2, 0.95, 99, 1000)
        assert np.array_equal(first, again)
    other_tick = spread(burning, sources, flammable, table, 0.2, 0.95, 99, 1001)
    other_key = spread(burning, sources, flammable, table, 0.2, 0.95, 98, 1000)
    assert not np.array_equal(first, other_tick)
    assert not np.array_equal(first, other_key)


# ---------------------------------------------------------------------------------------------
# Statistics: ignition frequency by distance matches p(d)
# ---------------------------------------------------------------------------------------------


def ignition_counts(rows: int, cols: int, table: np.ndarray, trials: int) -> dict[int, tuple]:
    """Fire from a single source in the middle of an empty board, ``trials`` seeded times.

    Returns, per squared Euclidean distance d2 > 0 from the source: (the offsets (dr, dc) at
    that distance, the number of trials, the total number of ignitions of those cells)."""
    r0, c0 = rows // 2, cols // 2
    burning = np.zeros((rows, cols), dtype=np.uint8)
    sources = burning.copy()
    sources[r0, c0] = 1
    flammable = np.ones((rows, cols), dtype=np.uint8)
    flammable[r0, c0] = 0
    total = np.zeros((rows, cols), dtype=np.int64)
    for trial in range(trials):
        key = rng.episode_key(2024, trial)
        total += kernel.spread_fire(burning, sources, flammable, table, 0.0, 1.0, key, trial)
    dr, dc = np.indices((rows, cols))
    dr, dc = dr - r0, dc - c0
    d2 = dr**2 + dc**2
    return {
        int(v): (
            list(zip(dr[d2 == v].tolist(), dc[d2 == v].tolist(), strict=True)),
            trials,
            int(total[d2 == v].sum()),
        )
        for v in np.unique(d2)
        if v > 0
    }


def worst_z(counts: dict[int, tuple], p_of_offset) -> float:
    """Largest |z| over distances of the ignition count against the one p_of_offset predicts.

    Per distance the count is a sum of independent Bernoulli draws (cells x trials), so its
    mean is trials * sum(p) and its variance trials * sum(p * (1 - p))."""
    worst = 0.0
    for offsets, trials, ignited in counts.values():
        ps = [p_of_offset(dr, dc) for dr, dc in offsets]
        mean = trials * sum(ps)
        variance = trials * sum(p * (1 - p) for p in ps)
        if variance == 0.0:  # all p are 0 or 1: the count is certain
            if ignited != mean:
                return math.inf
            continue
        if mean < 5 or trials * len(ps) - mean < 5:  # too few for a normal approximation
            continue
        worst = max(worst, abs(ignited - mean) / math.sqrt(variance))
    return worst


Z_BOUND = 5.0  # with ~200 distances, a true kernel exceeds it with probability < 1e-4


def exponential(p1, decay, max_distance=None, distance=math.hypot):
    def p(dr, dc):
        d = distance(dr, dc)
        return p1 * decay ** (d - 1) if max_distance is None or d <= max_distance else 0.0

    return p


def linear(p1, max_distance, distance=math.hypot):
    def p(dr, dc):
        d = distance(dr, dc)
        return p1 * (1 - (d - 1) / (max_distance - 1)) if d < max_distance else 0.0

    return p


def chebyshev(dr, dc):
    return max(abs(dr), abs(dc))


def manhattan(dr, dc):
    return abs(dr) + abs(dc)


@pytest.fixture(scope="module")
def exponential_counts():
    table = kernel.fire_kernel_table(41, 41, "exponential", 0.3, 0.7, None)
    return ignition_counts(41, 41, table, 1500)


@pytest.fixture(scope="module")
def linear_counts():
    table = kernel.fire_kernel_table(21, 25, "linear", 0.6, 0.0, 6.0)
    return ignition_counts(21, 25, table, 1500)


def test_ignition_frequency_matches_exponential_kernel(exponential_counts):
    assert worst_z(exponential_counts, exponential(0.3, 0.7)) < Z_BOUND


def test_ignition_frequency_matches_linear_kernel(linear_counts):
    assert worst_z(linear_counts, linear(0.6, 6.0)) < Z_BOUND


@pytest.mark.parametrize(
    "wrong",
    [
        lambda dr, dc: 0.3 * 0.7 ** math.hypot(dr, dc),  # decay**d instead of decay**(d - 1)
        exponential(0.3, 0.7, distance=chebyshev),
        exponential(0.3, 0.7, distance=manhattan),
        exponential(0.3, 0.7, max_distance=5.0),  # a spurious distance limit
        exponential(0.3, 0.66),  # a slightly different decay
    ],
    ids=["decay_pow_d", "chebyshev", "manhattan", "limit_5", "decay_0.66"],
)
def test_frequency_test_rejects_wrong_exponential_kernels(exponential_counts, wrong):
    """The statistical test has the power to catch plausible mistakes."""
    assert worst_z(exponential_counts, wrong) > Z_BOUND


@pytest.mark.parametrize(
    "wrong",
    [
        linear(0.6, 7.0),  # off by one in max_distance
        lambda dr, dc: 0.6 * (1 - math.hypot(dr, dc) / 5.0) if math.hypot(dr, dc) < 5 else 0.0,
        linear(0.6, 6.0, distance=chebyshev),
        lambda dr, dc: linear(0.6, 6.0)(dr, dc) if math.hypot(dr, dc) < 5.5 else 0.0,
    ],
    ids=["max_distance_7", "d_not_d_minus_1", "chebyshev", "cut_at_5.5"],
)
def test_frequency_test_rejects_wrong_linear_kernels(linear_counts, wrong):
    assert worst_z(linear_counts, wrong) > Z_BOUND


# ---------------------------------------------------------------------------------------------
# Exact rules
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spread", BACKENDS)
def test_non_flammable_cells_never_ignite(spread):
    rows, cols = 9, 11
    table = uniform_table(rows, cols, 1.0)
    burning = np.zeros((rows, cols), dtype=np.uint8)
    burning[4, 5] = 1
    flammable = np.zeros((rows, cols), dtype=np.uint8)
    for key in range(20):
        new = spread(burning, burning, flammable, table, 2.0, 1.0, key, key)
        assert new.sum() == 1 and new[4, 5] == 1
    flammable[:] = 1
    flammable[0, :] = 0
    new = spread(burning, burning, flammable, table, 0.0, 1.0, 3, 3)
    assert np.array_equal(new, flammable | burning)  # p = 1: every flammable cell ignites


@pytest.mark.parametrize("spread", BACKENDS)
def test_continuation_one_keeps_and_zero_kills_every_fire(spread):
    gen = np.random.default_rng(1)
    burning, sources, flammable = random_board(gen, 17, 17, 0.5)
    table = np.zeros((33, 33))  # no spreading at all
    for key in range(10):
        assert np.array_equal(spread(burning, sources, flammable, table, 0.0, 1.0, key, 0), burning)
        assert not spread(burning, sources, flammable, table, 0.0, 0.0, key, 0).any()


@pytest.mark.parametrize("spread", BACKENDS)
def test_survival_uses_its_own_stream(spread):
    burning = np.ones((6, 7), dtype=np.uint8)
    table = kernel.fire_kernel_table(6, 7, "exponential", 0.5, 0.5, None)
    new = spread(burning, burning, burning, table, 0.0, 0.5, 77, 12)
    expected = draws(77, 12, rng.STREAM_FIRE_SURVIVAL, (6, 7)) < 0.5
    assert np.array_equal(new.astype(bool), expected)


def reference_death_marks(continuation: float, size: int, key: int, tick: int) -> set[int]:
    """Death marks straight from their definition (core.fire_survival.FireSurvival), in pure Python."""
    powers, p = [], 1.0
    while len(powers) < size:
        p *= continuation
        if p * 2.0**53 < 1.0:
            break
        powers.append(p * 2.0**53)
    base = rng.stream_base(key, tick, rng.STREAM_FIRE_DEATHS)
    marks, position, j = set(), -1, 0
    while True:
        u = rng.draw_bits(base, j) >> 11
        j += 1
        position += 1 + sum(1 for t in powers if u < t)
        if position >= size:
            return marks
        marks.add(position)


@pytest.mark.parametrize("spread", BACKENDS)
@pytest.mark.parametrize(
    "continuation, rows, cols", [(0.97, 17, 17), (0.9, 9, 31), (0.8, 6, 7), (0.999, 40, 40)]
)
def test_many_fires_go_out_by_death_marks(spread, continuation, rows, cols):
    """Once marks_from cells burn, exactly the marked burning cells go out; one fewer, and each
    fire draws for itself (STREAM_FIRE_SURVIVAL)."""
    survival = kernel.fire_survival(continuation, rows * cols)
    assert 1 <= survival.marks_from <= rows * cols
    table = np.zeros((2 * rows - 1, 2 * cols - 1))  # nothing ignites
    order = np.random.default_rng(rows * cols).permutation(rows * cols)
    for key, tick in ((5, 0), (12, 99)):
        burning = np.ones(rows * cols, np.uint8)
        marks = reference_death_marks(continuation, rows * cols, key, tick)
        expected = np.ones(rows * cols, np.uint8)
        expected[sorted(marks)] = 0
        out = spread(
            burning.reshape(rows, cols),
            burning.reshape(rows, cols),
            burning.reshape(rows, cols),
            table,
            0.0,
            continuation,
            key,
            tick,
        )
        np.testing.assert_array_equal(out.ravel(), expected)
        # exactly marks_from burning cells: still marks; one fewer: per-fire draws
        for count in (survival.marks_from, survival.marks_from - 1):
            burning = np.zeros(rows * cols, np.uint8)
            burning[order[:count]] = 1
            board = burning.reshape(rows, cols)
            out = spread(board, board, board, table, 0.0, continuation, key, tick).ravel()
            if count == survival.marks_from:
                expected = burning.copy()
                expected[sorted(marks)] = 0
            else:
                u = draws(key, tick, rng.STREAM_FIRE_SURVIVAL, (rows, cols)).ravel()
                expected = (burning.astype(bool) & (u < continuation)).astype(np.uint8)
            np.testing.assert_array_equal(out, expected, err_msg=f"{count} burning")


def test_death_marks_kill_each_fire_with_the_right_probability():
    """Over 300 ticks of a 31 x 31 board on fire, the fires that go out are 1 - continuation of
    them, within 5 standard deviations (seeded: the figure is fixed)."""
    rows = cols = 31
    burning = np.ones((rows, cols), np.uint8)
    survival = kernel.fire_survival(0.9, rows * cols)
    deaths = sum(int(fire_deaths(survival, burning != 0, 3, t).sum()) for t in range(300))
    n = 300 * rows * cols
    assert abs(deaths - 0.1 * n) < 5 * (n * 0.1 * 0.9) ** 0.5


@pytest.mark.parametrize("continuation", [0.3, 0.97, 0.999])
def test_gap_bucket_table_gives_the_gap_of_every_narrow_bucket(continuation):
    """g = lo + (u < cut) for draws in buckets of width 0 or 1, the gap the thresholds give;
    wider buckets are flagged by their width (C finds those one by one)."""
    from ai_safety_gridworlds.core.fire_survival import gap_bucket_table

    survival = kernel.fire_survival(continuation, 4096)
    table = gap_bucket_table(survival)
    lo = (table[:1024] & np.uint64(0xFFFFFFFF)).astype(np.int64)
    width = (table[:1024] >> np.uint64(32)).astype(np.int64)
    cut = table[1024:].view(np.float64)
    assert (lo == survival.bucket_lo).all() and (lo + width == survival.bucket_hi).all()
    u = np.random.default_rng(3).integers(0, 1 << 53, size=20000, dtype=np.uint64)
    bucket = (u >> np.uint64(43)).astype(np.int64)
    narrow = width[bucket] <= 1
    assert narrow.sum() > 5000  # (most draws, except with continuation near 1)
    gap = lo[bucket] + (u.astype(np.float64) < cut[bucket])
    exact = (u.astype(np.float64)[:, None] < survival.thresholds[None, :]).sum(axis=1)
    assert (gap[narrow] == exact[narrow]).all()


@needs_c
def test_a_spreader_keeps_its_tables_when_the_caches_drop_them():
    """FireSpreader's C call points into the plan's and the survival's arrays: it keeps both
    alive after fire_plan's and fire_survival's caches have let them go."""
    import gc
    import weakref

    rows = cols = 20
    table = kernel.fire_kernel_table(rows, cols, "exponential", 0.0, 0.5, 2.0)
    burning = np.ones((rows, cols), np.uint8)
    spreader = kernel.FireSpreader(burning, burning, burning, table, 0.0, 0.9)
    plan = weakref.ref(kernel.fire_plan(table, 0.0))
    survival = weakref.ref(kernel.fire_survival(0.9, rows * cols))
    for k in range(70):  # more than either cache holds
        kernel.fire_survival(0.1 + k / 1000, 17)
        kernel.fire_plan(
            kernel.fire_kernel_table(3, 3, "exponential", 0.01 + k / 1000, 0.5, 2.0), 0.0
        )
    gc.collect()
    assert plan() is not None and survival() is not None
    expected = kernel.spread_fire_numpy(burning, burning, burning, table, 0.0, 0.9, 7, 3)
    np.testing.assert_array_equal(spreader(7, 3), expected)


def test_fire_survival_rejects_bad_arguments():
    with pytest.raises(ValueError, match="continuation must be a number in \\[0, 1\\], got 1.5"):
        kernel.fire_survival(1.5, 10)
    with pytest.raises(ValueError, match="size must be an int >= 1, got 0"):
        kernel.fire_survival(0.5, 0)


@pytest.mark.parametrize("spread", BACKENDS)
def test_p1_one_and_decay_one_ignite_everything_in_range(spread):
    rows, cols = 15, 12
    table = kernel.fire_kernel_table(rows, cols, "exponential", 1.0, 1.0, 3.0)
    burning = np.zeros((rows, cols), dtype=np.uint8)
    burning[7, 2] = burning[1, 10] = 1
    flammable = np.ones((rows, cols), dtype=np.uint8)
    flammable[0, :] = 0
    dr, dc = np.indices((rows, cols))
    in_range = ((dr - 7) ** 2 + (dc - 2) ** 2 <= 9) | ((dr - 1) ** 2 + (dc - 10) ** 2 <= 9)
    for key in range(5):
        new = spread(burning, burning, flammable, table, 0.0, 1.0, key, 1)
        assert np.array_equal(new.astype(bool), (in_range & (flammable == 1)) | (burning == 1))


def one_source_with_neighbours(n_burning: int, rows: int = 9, cols: int = 9):
    """A source (a worker's cell, not burning) with n burning 4-neighbours that are not sources.
    Returns burning, sources, flammable and the mask of cells that may ignite."""
    r0, c0 = rows // 2, cols // 2
    burning = np.zeros((rows, cols), dtype=np.uint8)
    for dr, dc in [(-1, 0), (1, 0), (0, -1), (0, 1)][:n_burning]:
        burning[r0 + dr, c0 + dc] = 1
    sources = np.zeros((rows, cols), dtype=np.uint8)
    sources[r0, c0] = 1
    flammable = np.ones((rows, cols), dtype=np.uint8)
    flammable[r0, c0] = 0
    candidates = (burning == 0) & (flammable == 1)
    return burning, sources, flammable, candidates


@pytest.mark.parametrize("spread", BACKENDS)
@pytest.mark.parametrize(
    ("n_burning", "boost", "p"),
    [
        (0, 1.0, 0.25),
        (1, 1.0, 0.5),  # 0.25 * (1 + 1.0 * 1)
        (2, 1.0, 0.75),  # 0.25 * (1 + 1.0 * 2)
        (3, 1.0, 1.0),  # 0.25 * 4 = 1
        (4, 1.0, 1.0),  # 0.25 * 5 = 1.25, capped at 1
        (2, 0.5, 0.5),  # 0.25 * (1 + 0.5 * 2)
        (4, 0.0, 0.25),  # no boost
    ],
)
def test_cluster_boost_multiplies_and_caps(spread, n_burning, boost, p):
    burning, sources, flammable, candidates = one_source_with_neighbours(n_burning)
    table = uniform_table(9, 9, 0.25)
    for key in range(8):
        new = spread(burning, sources, flammable, table, boost, 1.0, key, 4)
        u = draws(key, 4, rng.STREAM_FIRE_IGNITION, (9, 9))
        expected = (burning == 1) | (candidates & (u < p))  # 1 - (1 - p) == p exactly here
        assert np.array_equal(new.astype(bool), expected)
        if p == 1.0:
            assert new[candidates].all()


@pytest.mark.parametrize("spread", BACKENDS)
def test_two_sources_combine_as_one_minus_product(spread):
    rows, cols = 10, 12
    table = uniform_table(rows, cols, 0.25)
    burning = np.zeros((rows, cols), dtype=np.uint8)
    burning[2, 3] = 1  # a burning cell next to source B, not itself a source
    sources = np.zeros((rows, cols), dtype=np.uint8)
    sources[7, 9] = 1  # source A: no burning neighbour, p = 0.25
    sources[2, 4] = 1  # source B: one burning neighbour, boost 1, p = 0.5
    flammable = np.ones((rows, cols), dtype=np.uint8)
    flammable[sources == 1] = 0
    candidates = (burning == 0) & (flammable == 1)
    hits = 0
    for key in range(30):
        new = spread(burning, sources, flammable, table, 1.0, 1.0, key, 9)
        u = draws(key, 9, rng.STREAM_FIRE_IGNITION, (rows, cols))
        # 1 - (1 - 0.25) * (1 - 0.5) = 0.625, all exact in binary
        assert np.array_equal(new.astype(bool), (burning == 1) | (candidates & (u < 0.625)))
        hits += int(new[candidates].sum())
    frequency = hits / (30 * candidates.sum())
    assert abs(frequency - 0.625) < 0.03


@pytest.mark.parametrize("spread", BACKENDS)
def test_empty_sources_or_empty_table_ignite_nothing(spread):
    burning = np.zeros((5, 5), dtype=np.uint8)
    flammable = np.ones((5, 5), dtype=np.uint8)
    table = uniform_table(5, 5, 1.0)
    assert not spread(burning, burning, flammable, table, 0.0, 1.0, 1, 1).any()
    sources = flammable.copy()
    assert not spread(burning, sources, flammable, np.zeros((9, 9)), 1.0, 1.0, 1, 1).any()


# ---------------------------------------------------------------------------------------------
# The kernel table
# ---------------------------------------------------------------------------------------------


def test_exponential_table_values():
    table = kernel.fire_kernel_table(5, 7, "exponential", 0.3, 0.6, None)
    assert table.dtype == np.float64 and table.shape == (9, 13)
    assert table.flags.c_contiguous and table.flags.writeable
    assert table[4, 6] == 0.0
    for dr in range(-4, 5):
        for dc in range(-6, 7):
            if dr or dc:
                d = math.sqrt(dr * dr + dc * dc)
                assert table[dr + 4, dc + 6] == 0.3 * 0.6 ** (d - 1)
    assert table[4, 7] == 0.3 and table[5, 7] == 0.3 * 0.6 ** (math.sqrt(2) - 1)


def test_exponential_table_distance_limit_is_inclusive():
    table = kernel.fire_kernel_table(9, 9, "exponential", 0.5, 0.9, 2.0)
    assert table[8, 10] == 0.5 * 0.9  # d = 2 is in range
    assert table[9, 10] == 0.0  # d = sqrt(5) > 2
    assert table[9, 9] == 0.5 * 0.9 ** (math.sqrt(2) - 1)
    assert np.count_nonzero(table) == 12  # d in {1, sqrt 2, 2}: 4 + 4 + 4 cells


def test_linear_table_values():
    table = kernel.fire_kernel_table(7, 7, "linear", 0.01, 123.0, 3.0)  # decay is ignored
    c = 6
    assert table[c, c] == 0.0
    assert table[c, c + 1] == 0.01
    assert table[c + 1, c + 1] == 0.01 * (1 - (math.sqrt(2) - 1) / 2)
    assert table[c, c + 2] == 0.01 * (1 - 1 / 2)
    assert table[c + 1, c + 2] == 0.01 * (1 - (math.sqrt(5) - 1) / 2)
    assert table[c + 2, c + 2] == 0.01 * (1 - (math.sqrt(8) - 1) / 2)
    assert table[c, c + 3] == 0.0  # d = 3 is excluded
    # d in {1, sqrt 2, 2, sqrt 5, sqrt 8}: 4 + 4 + 4 + 8 + 4 offsets
    assert np.count_nonzero(table) == 24


def test_table_is_symmetric_and_independent_copy():
    a = kernel.fire_kernel_table(6, 9, "exponential", 0.2, 0.8, None)
    assert np.array_equal(a, a[::-1, :]) and np.array_equal(a, a[:, ::-1])
    a[0, 0] = 5.0
    b = kernel.fire_kernel_table(6, 9, "exponential", 0.2, 0.8, None)
    assert b[0, 0] != 5.0


def test_one_by_one_table():
    assert np.array_equal(kernel.fire_kernel_table(1, 1, "exponential", 1.0, 1.0, None), [[0.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "rows must be an int in"),
        ({"cols": -3}, "cols must be an int in"),
        ({"rows": 2.0}, "rows must be an int"),
        ({"cols": True}, "cols must be an int"),
        ({"rows": kernel.MAX_SIDE + 1}, "rows must be an int in"),
        ({"kernel": "gaussian"}, "kernel must be one of"),
        ({"p1": -0.1}, r"p1 must be a probability in \[0, 1\], got -0.1"),
        ({"p1": 1.5}, "p1 must be a probability"),
        ({"p1": float("nan")}, "p1 must be a probability"),
        ({"p1": "0.1"}, "p1 must be a probability"),
        ({"decay": 1.2}, r"decay must be a number in \[0, 1\]"),
        ({"decay": None}, "decay must be"),
        ({"max_distance": 0.5}, "max_distance must be None .* or a number >= 1"),
        ({"max_distance": "far"}, "max_distance must be"),
        ({"kernel": "linear", "max_distance": None}, "max_distance must be a finite number > 1"),
        ({"kernel": "linear", "max_distance": 1.0}, "for the linear kernel, got 1.0"),
        ({"kernel": "linear", "max_distance": math.inf}, "max_distance must be a finite"),
    ],
)
def test_table_argument_errors(kwargs, message):
    args = {"rows": 5, "cols": 5, "kernel": "exponential", "p1": 0.1, "decay": 0.5}
    args["max_distance"] = None
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        kernel.fire_kernel_table(**args)


# ---------------------------------------------------------------------------------------------
# Argument validation of spread_fire
# ---------------------------------------------------------------------------------------------


def good_args(rows: int = 4, cols: int = 6) -> dict:
    mask = np.zeros((rows, cols), dtype=np.uint8)
    return {
        "burning": mask.copy(),
        "sources": mask.copy(),
        "flammable": mask.copy(),
        "table": kernel.fire_kernel_table(rows, cols, "exponential", 0.2, 0.5, None),
        "cluster_boost": 0.0,
        "continuation": 0.9,
        "key": 1,
        "tick": 2,
    }


BAD_ARGS = [
    (
        {"burning": np.zeros((4, 6), dtype=np.int64)},
        "burning must have dtype uint8, got dtype int64",
    ),
    ({"burning": np.zeros((4, 6), dtype=bool)}, "burning must have dtype uint8, got dtype bool"),
    ({"burning": [[0] * 6] * 4}, "burning must be a numpy array of dtype uint8"),
    (
        {"burning": np.zeros((4, 6, 1), dtype=np.uint8)},
        r"burning must be a 2-D .* got shape \(4, 6, 1\)",
    ),
    ({"burning": np.zeros((4, 12), dtype=np.uint8)[:, ::2]}, "burning must be C-contiguous"),
    ({"burning": np.zeros((0, 6), dtype=np.uint8)}, "burning must have 1 to"),
    (
        {"sources": np.zeros((4, 5), dtype=np.uint8)},
        r"sources must have shape \(4, 6\), got shape \(4, 5\)",
    ),
    (
        {"sources": np.zeros((4, 6), dtype=np.float32)},
        "sources must have dtype uint8, got dtype float32",
    ),
    ({"flammable": np.zeros((6, 4), dtype=np.uint8).T}, "flammable must be C-contiguous"),
    ({"flammable": None}, "flammable must be a numpy array .* got NoneType"),
    (
        {"table": np.zeros((7, 11), dtype=np.float32)},
        "table must have dtype float64, got dtype float32",
    ),
    ({"table": np.zeros((7, 12))}, r"table must have shape \(7, 11\), got shape \(7, 12\)"),
    ({"table": np.zeros((8, 22))[::1, ::2][:7]}, "table must be C-contiguous"),
    ({"out": np.zeros((4, 6), dtype=np.int8)}, "out must have dtype uint8, got dtype int8"),
    ({"out": np.zeros((4, 7), dtype=np.uint8)}, r"out must have shape \(4, 6\)"),
    ({"out": np.zeros((4, 6), dtype=np.uint8).view(np.ndarray)[:, :]}, None),  # fine
    ({"cluster_boost": -0.5}, "cluster_boost must be a finite number >= 0, got -0.5"),
    ({"cluster_boost": math.inf}, "cluster_boost must be a finite number"),
    ({"cluster_boost": math.nan}, "cluster_boost must be a finite number"),
    ({"cluster_boost": "1"}, "cluster_boost must be a finite number"),
    ({"continuation": 1.01}, r"continuation must be a probability in \[0, 1\], got 1.01"),
    ({"continuation": math.nan}, "continuation must be a probability"),
    ({"key": 1.0}, "key must be an int, got 1.0"),
    ({"key": None}, "key must be an int"),
    ({"tick": True}, "tick must be an int, got True"),
    (
        {"external": np.zeros((4, 6), dtype=bool)},
        "external must have dtype uint8, got dtype bool",
    ),
    ({"external": np.zeros((3, 6), dtype=np.uint8)}, r"external must have shape \(4, 6\)"),
    (
        {"external_multiplier": -1.0},
        "external_multiplier must be a finite number >= 0, got -1.0",
    ),
    ({"external_multiplier": math.inf}, "external_multiplier must be a finite number"),
    ({"external_multiplier": math.nan}, "external_multiplier must be a finite number"),
]


@pytest.mark.parametrize("spread", BACKENDS)
@pytest.mark.parametrize(("change", "message"), BAD_ARGS)
def test_spread_fire_argument_errors(spread, change, message):
    args = good_args()
    args.update(change)
    if message is None:
        spread(**args)
        return
    with pytest.raises(ValueError, match=message):
        spread(**args)


@pytest.mark.parametrize("spread", BACKENDS)
def test_read_only_out_is_rejected_and_read_only_inputs_are_fine(spread):
    args = good_args()
    for name in ("burning", "sources", "flammable", "table"):
        args[name].flags.writeable = False
    spread(**args)
    out = np.zeros((4, 6), dtype=np.uint8)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        spread(**args, out=out)


@pytest.mark.parametrize("spread", BACKENDS)
def test_numpy_integer_key_and_tick_and_huge_values(spread):
    args = good_args()
    args["burning"][1, 2] = args["sources"][1, 2] = 1
    args["flammable"][:] = 1
    reference = spread(**args)
    args["key"], args["tick"] = np.uint64(1), np.int32(2)
    assert np.array_equal(spread(**args), reference)
    args["key"], args["tick"] = 1 + 2**64, 2 - 2**64  # taken mod 2**64, like rng.py
    assert np.array_equal(spread(**args), reference)


@needs_c
def test_numpy_scalar_arguments_give_the_same_bits():
    """np.float32 boost/continuation are used as float64 by both backends (no float32 math)."""
    gen = np.random.default_rng(8)
    burning, sources, flammable = random_board(gen, 12, 12, 0.4)
    table = kernel.fire_kernel_table(12, 12, "exponential", 0.37, 0.81, None)
    boost, continuation = np.float32(0.3), np.float32(0.7)
    args = (burning, sources, flammable, table, boost, continuation, np.uint64(5), np.int64(6))
    reference = kernel.spread_fire_c(
        burning, sources, flammable, table, 0.30000001192092896, 0.699999988079071, 5, 6
    )
    assert np.array_equal(kernel.spread_fire_c(*args), reference)
    assert np.array_equal(kernel.spread_fire_numpy(*args), reference)


@needs_c
def test_c_checks_dimensions_and_the_plan_itself():
    """The C entry point rejects inconsistent sizes and plans without touching memory."""
    ffi, lib = kernel._ffi, kernel._lib
    mask = np.zeros((3, 4), dtype=np.uint8)
    out = np.full((3, 4), 9, dtype=np.uint8)
    table = kernel.fire_kernel_table(3, 4, "exponential", 0.5, 0.5, None)
    plan = kernel.fire_plan(table, 0.0)
    u8 = lambda a: ffi.from_buffer("uint8_t[]", a)  # noqa: E731
    good = kernel.fire_plan_struct(plan)
    survival = kernel.fire_survival_struct(kernel.fire_survival(0.9, 12))

    def call(rows, cols, p=good, s=survival):
        return lib.fire_spread(
            u8(mask), u8(mask), u8(mask), rows, cols, p, s, 1, 1, ffi.NULL, 1.0, u8(out)
        )

    assert call(3, 4) == lib.FIRE_OK
    assert call(2, 4) == lib.FIRE_ERR_TABLE  # the plan reaches 2 rows away: not on 2 rows
    assert call(3, 3) == lib.FIRE_ERR_TABLE
    assert call(0, 4) == lib.FIRE_ERR_SHAPE
    assert call(-3, 4) == lib.FIRE_ERR_SHAPE
    assert call(kernel.MAX_SIDE + 1, 1) == lib.FIRE_ERR_SHAPE
    assert call(3, 4, ffi.NULL) == lib.FIRE_ERR_NULL
    assert lib.fire_plan_check(kernel.fire_plan_struct(plan), 3, 4) == lib.FIRE_OK

    def corrupt(**fields):
        bad = ffi.new("fire_plan *", kernel.fire_plan_struct(plan)[0])
        for name, value in fields.items():
            setattr(bad, name, value)
        return bad

    short = np.ones(len(plan.power_len), np.int32)  # too short for rings of 4 or 8 offsets
    wrong_class = np.array(plan.offset_class)
    wrong_class[0, 0] = len(plan.power_len)  # a base class that does not exist
    for bad in (
        corrupt(num_levels=3),
        corrupt(num_offsets=plan.offsets.shape[0] - 1),
        corrupt(power_len=ffi.from_buffer("int32_t[]", short)),
        corrupt(offset_class=ffi.from_buffer("int32_t[]", wrong_class)),
        corrupt(num_powers=1),
        corrupt(box_rows=plan.box[2] + 1),
    ):
        out[:] = 9
        assert call(3, 4, bad) == lib.FIRE_ERR_TABLE and (out == 9).all()  # out untouched

    # the survival draws: built for another board, or inconsistent
    assert call(3, 4, s=ffi.NULL) == lib.FIRE_ERR_NULL
    assert call(3, 4, s=kernel.fire_survival_struct(kernel.fire_survival(0.9, 11))) == (
        lib.FIRE_ERR_TABLE
    )
    too_far = np.full(1024, 13, np.int32)  # beyond the 12 thresholds
    for name, value in (
        ("marks_from", 0),
        ("num_thresholds", 13),
        ("continuation", 1.5),
        ("bucket_hi", ffi.from_buffer("int32_t[]", too_far)),
    ):
        bad = ffi.new("fire_survival *", survival[0])
        setattr(bad, name, value)
        out[:] = 9
        assert call(3, 4, s=bad) == lib.FIRE_ERR_TABLE and (out == 9).all(), name


# ---------------------------------------------------------------------------------------------
# Backend selection
# ---------------------------------------------------------------------------------------------


def _backend_in_subprocess(value: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **{kernel.BACKEND_ENV_VAR: value})
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    code = "from ai_safety_gridworlds import kernel; print(kernel.BACKEND)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_backend_is_c_or_numpy():
    assert kernel.BACKEND in ("c", "numpy")
    assert (kernel.BACKEND == "c") == HAVE_C
    assert kernel.spread_fire.__name__ == "spread_fire"


def test_environment_variable_forces_numpy():
    result = _backend_in_subprocess("numpy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "numpy"


def test_environment_variable_rejects_unknown_backend():
    result = _backend_in_subprocess("cuda")
    assert result.returncode != 0
    assert "AI_SAFETY_GRIDWORLDS_BACKEND='cuda' is not a backend" in result.stderr


@needs_c
def test_environment_variable_c_loads_c():
    result = _backend_in_subprocess("c")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "c"


def test_c_spread_without_c_raises_clearly():
    if HAVE_C:
        pytest.skip("the C kernel is available here")
    with pytest.raises(RuntimeError, match="C kernel is not available"):
        kernel.spread_fire_c(**good_args())


# ---------------------------------------------------------------------------------------------
# The fire plan: distance classes
# ---------------------------------------------------------------------------------------------


def test_plan_classes_are_the_distinct_values_with_their_powers():
    table = kernel.fire_kernel_table(9, 9, "exponential", 0.2, 0.5, 2.0)
    plan = kernel.fire_plan(table, 0.0)
    p1, p2, p4 = 0.2, 0.2 * 0.5 ** (math.sqrt(2) - 1), 0.2 * 0.5  # d = 1, sqrt 2, 2
    assert plan.num_levels == 1 and plan.num_classes == 3
    classes = sorted({p1, p2, p4})
    for base, p in enumerate(classes):
        ring = plan.offsets[plan.offsets[:, 2] == base]
        assert len(ring) == 4  # d = 1, sqrt 2 and 2 each have four offsets
        powers = plan.powers[plan.power_start[base] : plan.power_start[base] + 5]
        f = 1.0 - p
        assert powers.tolist() == [1.0, f, f * f, f * f * f, f * f * f * f]
    assert (np.diff(plan.offsets[:, 2]) >= 0).all()  # grouped by class, ascending


@pytest.mark.parametrize("spread", BACKENDS)
def test_q_is_the_product_of_class_powers_in_class_order(spread):
    """Three sources around one cell, two at distance 1 and one at sqrt 2: the cell ignites iff
    its draw is below 1 - (f_sqrt2 ** 1) * (f_1 ** 2), classes in ascending value order."""
    rows = cols = 5
    table = kernel.fire_kernel_table(rows, cols, "exponential", 0.6, 0.5, 1.5)
    p1, p2 = 0.6, 0.6 * 0.5 ** (math.sqrt(2) - 1)
    f1, f2 = 1.0 - p1, 1.0 - p2
    q = 1.0 * f2 * (f1 * f1)  # p2 < p1: class of sqrt 2 first
    sources = np.zeros((rows, cols), np.uint8)
    sources[1, 2] = sources[2, 1] = sources[1, 1] = 1  # around (2, 2)
    flammable = np.zeros_like(sources)
    flammable[2, 2] = 1
    index = 2 * cols + 2
    hits = 0
    for key in range(40):
        u = rng.draw_uniform(rng.stream_base(key, 3, rng.STREAM_FIRE_IGNITION), index)
        new = spread(np.zeros_like(sources), sources, flammable, table, 0.0, 1.0, key, 3)
        assert bool(new[2, 2]) == (u < 1.0 - q)
        hits += int(new[2, 2])
    assert 0 < hits < 40  # both outcomes happen: the comparison above is not vacuous


def test_unlimited_reach_stops_where_the_factor_is_exactly_one():
    table = kernel.fire_kernel_table(63, 63, "exponential", 0.002, 0.3, None)
    plan = kernel.fire_plan(table, 0.0)
    d = np.hypot(plan.offsets[:, 0], plan.offsets[:, 1])
    assert 26 < d.max() < 27  # of 125 x 125 offsets, those within distance 27 remain
    centre = 62
    assert 1.0 - table[centre + 26, centre] < 1.0  # distance 26: kept
    assert table[centre + 27, centre] > 0 and 1.0 - table[centre + 27, centre] == 1.0  # dropped


def test_cluster_boost_has_five_levels_per_class():
    table = kernel.fire_kernel_table(9, 9, "exponential", 0.3, 0.5, 1.0)
    plan = kernel.fire_plan(table, 0.5)
    assert plan.num_levels == 5 and plan.num_classes == 5  # one distance class, 5 levels
    for k in range(5):
        f = 1.0 - min(1.0, 0.3 * (1.0 + 0.5 * k))
        start = plan.power_start[k]
        assert plan.powers[start + 1] == f and plan.powers[start + 4] == f * f * f * f


@needs_c
def test_both_c_counting_paths_are_exercised_and_agree_with_numpy():
    """The packed path (one level, few classes) and the general one (cluster boost, many
    classes) give the numpy fallback's bits on a half-burning board."""
    gen = np.random.default_rng(11)
    for boost, max_distance, packed in ((0.0, 3.0, 1), (0.4, 3.0, 0), (0.0, None, 0)):
        table = kernel.fire_kernel_table(23, 19, "exponential", 0.05, 0.6, max_distance)
        assert kernel.fire_plan_struct(kernel.fire_plan(table, boost)).packed == packed
        for density in (0.02, 0.5, 0.9):
            burning, sources, flammable = random_board(gen, 23, 19, density)
            for tick in range(3):
                args = (burning, sources, flammable, table, boost, 0.9, 7, tick)
                assert np.array_equal(kernel.spread_fire_c(*args), kernel.spread_fire_numpy(*args))


# ---------------------------------------------------------------------------------------------
# FireSpreader: spread_fire over fixed buffers, validated once
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_spreader_equals_spread_fire_tick_by_tick_and_reads_its_buffers(backend, monkeypatch):
    if backend == "c" and kernel.BACKEND != "c":
        pytest.skip("C kernel not active")
    if backend == "numpy":
        monkeypatch.setattr(kernel, "_lib", None)
        monkeypatch.setattr(kernel, "fallback_forced", lambda: True)
    gen = np.random.default_rng(3)
    burning, sources, flammable = random_board(gen, 13, 11, 0.3)
    external = (gen.random((13, 11)) < 0.5).astype(np.uint8)
    table = kernel.fire_kernel_table(13, 11, "exponential", 0.2, 0.5, 3.0)
    spreader = kernel.FireSpreader(
        burning, sources, flammable, table, 0.3, 0.9, external=external, external_multiplier=2.0
    )
    for tick in range(6):
        expected = kernel.spread_fire_numpy(
            burning, sources, flammable, table, 0.3, 0.9, 99, tick,
            external=external, external_multiplier=2.0,
        )  # fmt: skip
        assert spreader(99, tick) is spreader.out
        assert np.array_equal(spreader.out, expected)
        burning[...] = spreader.out  # the buffers change in place; the spreader reads them
        sources[...] = spreader.out


def test_spreader_validates_at_construction():
    burning = np.zeros((4, 6), np.uint8)
    table = kernel.fire_kernel_table(4, 6, "exponential", 0.2, 0.5, 3.0)
    with pytest.raises(ValueError, match="continuation must be a probability"):
        kernel.FireSpreader(burning, burning, burning, table, 0.0, 1.5)
    with pytest.raises(ValueError, match="table must have shape"):
        kernel.FireSpreader(burning, burning, burning, table[:-2], 0.0, 0.9)
    with pytest.raises(ValueError, match="flammable must have dtype uint8"):
        kernel.FireSpreader(burning, burning, burning.astype(bool), table, 0.0, 0.9)
    spreader = kernel.FireSpreader(burning, burning, burning, table, 0.0, 0.9)
    with pytest.raises(ValueError, match="key must be an int"):
        spreader("1", 2)


def test_a_copied_spreader_works_on_the_copied_buffers():
    import copy
    import pickle

    burning = np.zeros((5, 5), np.uint8)
    flammable = np.ones((5, 5), np.uint8)
    table = kernel.fire_kernel_table(5, 5, "exponential", 1.0, 1.0, 1.0)
    holder = {
        "burning": burning,
        "spread": kernel.FireSpreader(burning, burning, flammable, table, 0.0, 1.0),
    }
    for clone in (copy.deepcopy(holder), pickle.loads(pickle.dumps(holder))):
        clone["burning"][2, 2] = 1  # only the clone's board burns
        out = clone["spread"](1, 0)
        assert out.sum() == 5  # the fire and its four neighbours (p = 1 at distance 1)
        assert holder["spread"](1, 0).sum() == 0


def test_ring_bit_table_counts_a_row_window_a_byte_per_class():
    from ai_safety_gridworlds.core.fire import ring_bit_table

    table = kernel.fire_kernel_table(17, 17, "exponential", 0.002, 0.3, 3.0)
    plan = kernel.fire_plan(table, 0.0)
    bits = ring_bit_table(plan)
    assert bits.shape == (7, 128)  # reach 3: 7 rows of 7-bit windows
    classes = {(dr, dc): base for dr, dc, base in plan.offsets.tolist()}
    for dr in range(-3, 4):
        for j in range(7):  # bit j: the source at column offset dc = 3 - j
            base = classes.get((dr, 3 - j))
            assert bits[dr + 3, 1 << j] == (0 if base is None else 1 << (8 * base))
        assert bits[dr + 3, 127] == sum(bits[dr + 3, 1 << j] for j in range(7))
    assert bits[3, 1 << 3] == 0  # the centre is not an offset
    assert ring_bit_table(kernel.fire_plan(table, 0.5)) is None  # levels: not packed
    wide = kernel.fire_kernel_table(17, 17, "exponential", 0.002, 0.3, 5.0)
    assert ring_bit_table(kernel.fire_plan(wide, 0.0)) is None  # reach 5 > 3


def test_joint_q_table_holds_the_products_plan_q_computes():
    """Every entry of the joint table is the product of the first classes' powers in ascending
    order, bit for bit; ring_bit_table then weighs those classes by their strides and the
    others a byte each above 16 bits. By default all six classes of reach 3 fit."""
    import itertools

    from ai_safety_gridworlds.core.fire import joint_q_table, ring_bit_table

    table = kernel.fire_kernel_table(17, 17, "exponential", 0.05, 0.5, 3.0)
    plan = kernel.fire_plan(table, 0.0)
    assert len(joint_q_table(plan).q) == 28125 and joint_q_table(plan).num_classes == 6
    joint = joint_q_table(plan, limit=1 << 12)
    lengths = [int(n) for n in plan.power_len]
    assert lengths == [5, 5, 9, 5, 5, 5] and joint.num_classes == 4  # 1125 <= 4096 < 5625
    assert joint.strides.tolist() == [1, 5, 25, 225] and len(joint.q) == 1125
    for counts in itertools.product(*[range(n) for n in lengths[:4]]):
        q = 1.0
        for k, n in enumerate(counts):
            q *= plan.powers[plan.power_start[k] + n]
        assert joint.q[int(np.dot(counts, joint.strides))] == q, counts
    bits = ring_bit_table(plan, joint)
    classes = {(dr, dc): base for dr, dc, base in plan.offsets.tolist()}
    for (dr, dc), base in classes.items():
        weight = joint.strides[base] if base < 4 else 1 << (16 + 8 * (base - 4))
        assert bits[dr + 3, 1 << (3 - dc)] == weight
    assert joint_q_table(plan, limit=4) is None  # fewer than two classes fit
    assert joint_q_table(kernel.fire_plan(table, 0.5)) is None  # cluster levels


@pytest.mark.parametrize("max_distance", [1.5, 2.0, 3.0])
def test_ring_bit_masks_give_the_row_tables_counts(max_distance):
    """Summing weight * popcount(window & mask) over a cell's 7 x 7 window (a byte per column,
    bit k for row k) gives what the row tables add up, for every class layout."""
    from ai_safety_gridworlds.core.fire import joint_q_table, ring_bit_masks, ring_bit_table

    table = kernel.fire_kernel_table(17, 17, "exponential", 0.05, 0.5, max_distance)
    plan = kernel.fire_plan(table, 0.0)
    for joint in (None, joint_q_table(plan)):
        ring = ring_bit_table(plan, joint)
        width = ring.shape[0]
        masks, weights = ring_bit_masks(ring)
        assert len(weights) == plan.num_classes  # one weight per class
        assert (np.diff(weights.astype(np.int64)) > 0).all()
        for a, b in itertools.combinations(masks.tolist(), 2):
            assert a & b == 0  # an offset belongs to one class
        assert sum(bin(m).count("1") for m in masks.tolist()) == len(plan.offsets)
        gen = np.random.default_rng(7)
        for rows in gen.integers(0, 1 << width, size=(200, width)).tolist():
            window = sum(
                ((w >> j) & 1) << (8 * j + k) for k, w in enumerate(rows) for j in range(width)
            )
            packed = sum(
                int(w) * bin(window & int(m)).count("1")
                for m, w in zip(masks, weights, strict=True)
            )
            assert packed == sum(int(ring[k, w]) for k, w in enumerate(rows))


def test_full_counts_count_the_universe_around_every_cell():
    """full_counts[cell, k] is the number of universe cells at offsets of class k, checked cell
    by cell against the offsets; none for plans with cluster levels."""
    from ai_safety_gridworlds.core.fire import full_counts

    rows, cols = 6, 7
    table = kernel.fire_kernel_table(rows, cols, "exponential", 0.3, 0.5, None)
    plan = kernel.fire_plan(table, 0.0)
    universe = np.random.default_rng(0).random((rows, cols)) < 0.7
    full = full_counts(plan, universe)
    assert full.shape == (rows * cols, plan.num_classes) and full.dtype == np.uint16
    for r in range(rows):
        for c in range(cols):
            expected = np.zeros(plan.num_classes, int)
            for dr, dc, base in plan.offsets.tolist():
                if 0 <= r - dr < rows and 0 <= c - dc < cols and universe[r - dr, c - dc]:
                    expected[base] += 1
            np.testing.assert_array_equal(full[r * cols + c], expected)
    assert full_counts(kernel.fire_plan(table, 0.5), universe) is None
    with pytest.raises(ValueError, match="universe must have shape \\(6, 7\\), got \\(7, 6\\)"):
        full_counts(plan, universe.T)


def sequential_q(sources, burning, table, boost):
    """The former arithmetic: q multiplied source by source in row-major order."""
    rows, cols = sources.shape
    q = np.ones((rows, cols))
    padded = np.pad(burning != 0, 1)
    for rs, cs in zip(*np.nonzero(sources), strict=True):
        k = int(padded[rs, cs + 1]) + int(padded[rs + 2, cs + 1])
        k += int(padded[rs + 1, cs]) + int(padded[rs + 1, cs + 2])
        window = table[rows - 1 - rs : 2 * rows - 1 - rs, cols - 1 - cs : 2 * cols - 1 - cs]
        q *= 1.0 - np.minimum(window * (1.0 + boost * k), 1.0)
    return q


@pytest.mark.parametrize("spread", BACKENDS)
@pytest.mark.parametrize("boost, max_distance", [(0.0, 3.0), (0.5, 3.0), (0.0, None)])
def test_class_arithmetic_realises_the_fires_of_the_sequential_product(spread, boost, max_distance):
    """q by distance class differs from the source-by-source product by a few ulps at most, so
    the same draws light the same fires (the realised outcomes did not change)."""
    gen = np.random.default_rng(8)
    table = kernel.fire_kernel_table(15, 13, "exponential", 0.2, 0.5, max_distance)
    for trial in range(12):
        burning, sources, flammable = random_board(gen, 15, 13, [0.05, 0.3, 0.7][trial % 3])
        old_q = sequential_q(sources, burning, table, boost)
        levels = None
        if boost:
            b = np.pad(burning != 0, 1).astype(np.int64)
            levels = b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2] + b[1:-1, 2:]
        new_q = kernel.plan_q(kernel.fire_plan(table, boost), sources != 0, levels)
        assert np.allclose(new_q, old_q, rtol=1e-14, atol=0)
        u = draws(trial, 4, rng.STREAM_FIRE_IGNITION, (15, 13))
        expected = (flammable != 0) & (burning == 0) & (u < 1.0 - old_q)
        new = spread(burning, sources, flammable, table, boost, 1.0, trial, 4).astype(bool)
        assert np.array_equal(new & (burning == 0), expected)
