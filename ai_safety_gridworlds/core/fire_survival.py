"""Which fires go out each tick, drawn so that a blaze costs its expected deaths.

The rule (docs/firemaker.md, "Fire"): every fire that burned before a tick survives it with
probability ``continuation``, independently. :class:`FireSurvival` (:func:`fire_survival`)
says how the draws are made, the same way by the C kernels (``fire_survival`` and
``fire_death_mark`` in csrc/common/fire.h) and by :func:`fire_deaths`, the numpy twin.

Pure numpy; :mod:`ai_safety_gridworlds.kernel` hands these arrays to C.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from functools import lru_cache

import numpy as np

from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.fire import _is_real

__all__ = [
    "GAP_BUCKET_BITS",
    "MARKS_COST",
    "FireSurvival",
    "fire_deaths",
    "fire_survival",
    "gap_bucket_table",
]


GAP_BUCKET_BITS = 10
"""``FireSurvival.bucket_lo``/``bucket_hi`` have ``2 ** GAP_BUCKET_BITS`` entries (C:
``FIRE_GAP_BUCKET_BITS``)."""
MARKS_COST = 3.0
"""Death marks are drawn once the burning cells reach ``MARKS_COST`` times the expected number
of marks, ``(1 - continuation) * cells``: a mark costs about that many per-fire draws."""
_TWO_POW_53 = 9007199254740992.0


@dataclasses.dataclass(frozen=True, eq=False)
class FireSurvival:
    """Which of the fires that burned before a tick go out (docs/firemaker.md, "Fire": each
    survives with probability ``continuation``, independently); C twin: ``fire_survival`` in
    csrc/common/fire.h. Build it with :func:`fire_survival`.

    Two ways to draw the same law; which one is a function of the board's state, so every
    backend picks the same:

    - fewer than ``marks_from`` burning cells: burning cell i survives iff
      ``draw_uniform(STREAM_FIRE_SURVIVAL, i) < continuation`` (one draw per fire);
    - else *death marks*: the cells 0 .. size - 1 are marked independently with probability
      ``1 - continuation``, as positions ``p_0 = g_0``, ``p_j = p_{j-1} + 1 + g_j`` with
      geometric gaps ``g_j = #{k in 1..K : u_j < thresholds[k - 1]}``, ``u_j =
      draw_bits(STREAM_FIRE_DEATHS, j) >> 11`` (an integer below 2**53) and ``thresholds[k - 1]
      = continuation ** k * 2 ** 53`` (repeated multiplication), so ``P(g >= k) =
      continuation ** k``; a burning cell goes out iff it is marked. Cost: about ``(1 -
      continuation) * size`` draws however many cells burn.

    ``thresholds`` float64 (K,), decreasing, K = min(size, the k with ``continuation ** k *
    2 ** 53 >= 1``); ``bucket_lo``/``bucket_hi`` int32 (2 ** GAP_BUCKET_BITS,): g of every u
    with ``u >> (53 - GAP_BUCKET_BITS) == b`` lies in ``[bucket_lo[b], bucket_hi[b]]`` (C
    looks there; numpy searches the whole table: the same g).
    """

    continuation: float
    size: int
    marks_from: int
    thresholds: np.ndarray
    bucket_lo: np.ndarray
    bucket_hi: np.ndarray
    backend_data: list = dataclasses.field(
        default_factory=list, init=False, repr=False, compare=False
    )
    """Where a backend keeps what it derives (the C struct: kernel.py)."""

    def gaps(self, u: np.ndarray) -> np.ndarray:
        """g of each u (uint64 below 2**53): ``#{k : u < thresholds[k - 1]}`` (int64)."""
        ascending = self.thresholds[::-1]
        return len(ascending) - np.searchsorted(ascending, u.astype(np.float64), side="right")


def fire_survival(continuation: float, size: int) -> FireSurvival:
    """The :class:`FireSurvival` of a continuation probability (a number in [0, 1]) on a board
    of ``size`` cells (an int >= 1); cached."""
    if not (_is_real(continuation) and 0.0 <= continuation <= 1.0):
        raise ValueError(f"continuation must be a number in [0, 1], got {continuation!r}")
    if not isinstance(size, numbers.Integral) or isinstance(size, bool) or size < 1:
        raise ValueError(f"size must be an int >= 1, got {size!r}")
    return _fire_survival(float(continuation), int(size))


@lru_cache(maxsize=64)
def _fire_survival(continuation: float, size: int) -> FireSurvival:
    if continuation >= 1.0:
        thresholds = np.full(size, _TWO_POW_53)
    else:
        # continuation ** k by repeated multiplication (cumprod is sequential), k = 1 .. K
        powers, k = np.empty(0), 0
        while k < size and (k == 0 or powers[-1] * _TWO_POW_53 >= 1.0):
            more = min(size - k, 4096)
            chunk = np.full(more + 1, continuation)
            chunk[0] = powers[-1] if k else 1.0
            powers = np.concatenate([powers, np.cumprod(chunk)[1:]])
            k += more
        thresholds = powers * _TWO_POW_53  # exact: a power of two
        thresholds = thresholds[thresholds >= 1.0][:size]
    marks_from = max(1, math.ceil(MARKS_COST * (1.0 - continuation) * size))
    shift = 53 - GAP_BUCKET_BITS
    lows = np.arange(1 << GAP_BUCKET_BITS, dtype=np.uint64) << np.uint64(shift)
    highs = lows + np.uint64((1 << shift) - 1)
    plan = FireSurvival(continuation, size, marks_from, thresholds, np.empty(0), np.empty(0))
    bucket_lo = plan.gaps(highs).astype(np.int32)
    bucket_hi = plan.gaps(lows).astype(np.int32)
    plan = dataclasses.replace(plan, bucket_lo=bucket_lo, bucket_hi=bucket_hi)
    for a in (plan.thresholds, plan.bucket_lo, plan.bucket_hi):
        a.flags.writeable = False
    return plan


def fire_deaths(survival: FireSurvival, burning: np.ndarray, key: int, tick: int) -> np.ndarray:
    """Which burning cells go out this tick (bool, the shape of ``burning``, a bool array of
    ``survival.size`` cells that burned before the tick): the numpy twin of C's survival
    (:class:`FireSurvival`)."""
    flat = burning.ravel()
    size = survival.size
    if int(np.count_nonzero(flat)) < survival.marks_from:
        u = rng.uniform_array(rng.stream_base(key, tick, rng.STREAM_FIRE_SURVIVAL), size)
        return (flat & ~(u < survival.continuation)).reshape(burning.shape)
    base = rng.stream_base(key, tick, rng.STREAM_FIRE_DEATHS)
    marked = np.zeros(size, dtype=bool)
    start, position = 0, -1
    while position < size:
        count = int((size - position) * (1.0 - survival.continuation) * 1.25) + 16
        steps = survival.gaps(rng.bits_array(base, start, count) >> np.uint64(11)) + 1
        positions = position + np.cumsum(steps)
        marked[positions[positions < size]] = True
        position, start = int(positions[-1]), start + count
    return (flat & marked).reshape(burning.shape)


def gap_bucket_table(survival: FireSurvival) -> np.ndarray:
    """For C's AVX-512 death marks: each gap bucket as two 64-bit words, found by one lookup
    each instead of three chained ones.

    uint64 (2 * 2 ** GAP_BUCKET_BITS,): entry b is ``bucket_lo[b] | (bucket_hi[b] -
    bucket_lo[b]) << 32``; entry ``2 ** GAP_BUCKET_BITS + b`` holds the bits of the float64 a
    draw's u must be below for the bucket's second gap: ``thresholds[bucket_lo[b]]`` where the
    bucket holds two gaps, else 0.0 (no u is below it). So g = lo + (u < cut) wherever ``hi -
    lo <= 1``; C checks the table against the survival once, when a batch is built.
    """
    lo = survival.bucket_lo.astype(np.uint64)
    width = (survival.bucket_hi - survival.bucket_lo).astype(np.uint64)
    cut = np.zeros(len(lo), np.float64)
    two = np.flatnonzero(width == 1)
    cut[two] = survival.thresholds[survival.bucket_lo[two]]
    table = np.concatenate([lo | (width << np.uint64(32)), cut.view(np.uint64)])
    table.flags.writeable = False
    return table
