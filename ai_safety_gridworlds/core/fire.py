"""Fire arithmetic shared by every backend: the kernel as distance classes.

The fire rules (docs/firemaker.md, "Fire") are computed the same way, bit for bit, by the C
kernel (csrc/common/fire.h) and the numpy fallback (``kernel.spread_fire_numpy``), from the
arrays built here once per configuration:

- :class:`FirePlan` (:func:`fire_plan`): a cell's no-ignition probability q is the product over
  distance classes of tabulated powers of the class factor, so it depends on how many sources
  of each class surround the cell, not on their order: a backend may count them however is
  cheapest (incrementally, by source or by cell) and still get the same doubles.
- :class:`JointQ` (:func:`joint_q_table`), :func:`ring_bit_table` (with
  :func:`ring_bit_masks`) and :func:`full_counts`: tables the C batch kernel counts and
  multiplies with faster, giving the same doubles.

Which burning fires go out is :mod:`ai_safety_gridworlds.core.fire_survival`.

Pure numpy; :mod:`ai_safety_gridworlds.kernel` hands these arrays to C.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from functools import lru_cache

import numpy as np

__all__ = [
    "FirePlan",
    "JointQ",
    "fire_plan",
    "full_counts",
    "joint_q_table",
    "plan_q",
    "ring_bit_masks",
    "ring_bit_table",
]

_F64 = np.dtype(np.float64)


def _is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


@dataclasses.dataclass(frozen=True, eq=False)
class FirePlan:
    """A fire kernel table and cluster boost as distance classes (C twin: ``fire_plan`` in
    csrc/common/fire.h); build it with :func:`fire_plan`.

    A *base class* is a distinct nonzero value p of the table (ascending; NaN last), a *class*
    ``base * num_levels + level`` that value for a source at a level (its burning 4-neighbours
    with a cluster boost, else 0), with the factor ``f = 1 - min(1, p * (1 + boost * level))``.
    A cell with ``n_i`` sources of class i does not ignite with probability

        q = prod over classes i in ascending order of powers[power_start[i] + n_i]

    where ``powers[power_start[i] + n] = f_i ** n`` (repeated multiplication; n = 0 gives 1.0).
    q depends on the counts only: not on the sources' order, nor on how the counts were found.

    Arrays (all read-only): ``offsets`` int32 (num_offsets, 3), the (dr, dc, base class) of
    every offset cell - source whose factor is not exactly 1.0 at some level (an exact 1.0
    changes no bit, so unlimited reach stops where ``1 - p`` rounds to 1), grouped by base
    class in ascending order;
    ``offset_class`` int32 (box_rows, box_cols), the base class of offset ``(box_dr + i,
    box_dc + j)`` or -1; ``power_start`` int64 and ``power_len`` int32 (num_classes,);
    ``powers`` float64.
    """

    rows: int
    cols: int
    num_levels: int
    num_classes: int
    offsets: np.ndarray
    box: tuple[int, int, int, int]
    offset_class: np.ndarray
    power_start: np.ndarray
    power_len: np.ndarray
    powers: np.ndarray
    backend_data: list = dataclasses.field(
        default_factory=list, init=False, repr=False, compare=False
    )
    """Where a backend keeps what it derives from the plan (the C struct: kernel.py)."""

    @property
    def reach(self) -> int:
        """The largest |dr| or |dc| of an offset (0 if none)."""
        return int(np.abs(self.offsets[:, :2]).max()) if len(self.offsets) else 0

    @property
    def packed(self) -> bool:
        """Whether C may pack the counts a byte per class in 64 bits: one level, at most 8
        classes, at most 255 offsets each."""
        return bool(
            self.num_levels == 1 and self.num_classes <= 8 and (self.power_len <= 256).all()
        )


def fire_plan(table: np.ndarray, cluster_boost: float) -> FirePlan:
    """The :class:`FirePlan` of a kernel table (``fire_kernel_table``'s shape (2*rows-1,
    2*cols-1), float64) and a cluster boost (a finite number >= 0). Plans are cached by the
    table's contents, so calling this every tick costs a hash of the table."""
    if (
        not isinstance(table, np.ndarray)
        or table.ndim != 2
        or table.dtype != _F64
        or table.shape[0] % 2 != 1
        or table.shape[1] % 2 != 1
    ):
        got = (
            f"dtype {table.dtype}, shape {table.shape}"
            if isinstance(table, np.ndarray)
            else (type(table).__name__)
        )
        raise ValueError(
            f"table must be a float64 array of shape (2*rows-1, 2*cols-1) (odd sides), got {got}"
        )
    if not (
        (type(cluster_boost) is float or _is_real(cluster_boost))
        and 0.0 <= cluster_boost < math.inf
    ):
        raise ValueError(f"cluster_boost must be a finite number >= 0, got {cluster_boost!r}")
    table = np.ascontiguousarray(table)
    return _fire_plan(table.tobytes(), table.shape, float(cluster_boost))


@lru_cache(maxsize=64)
def _fire_plan(data: bytes, shape: tuple[int, int], cluster_boost: float) -> FirePlan:
    table = np.frombuffer(data, dtype=np.float64).reshape(shape)
    rows, cols = (shape[0] + 1) // 2, (shape[1] + 1) // 2
    levels = 5 if cluster_boost != 0.0 else 1
    flat = table.ravel()
    nonzero = np.flatnonzero(flat != 0.0)  # NaN counts as nonzero
    values, inverse = np.unique(flat[nonzero], return_inverse=True)
    # 1 - min(1, p * (1 + boost * level)): per value and level, float64 like the old kernel
    factors = np.stack(
        [1.0 - np.minimum(values * (1.0 + cluster_boost * float(k)), 1.0) for k in range(levels)],
        axis=1,
    ).reshape(len(values), levels)
    keep = ~np.all(factors == 1.0, axis=1)  # NaN != 1.0: kept
    base_of_value = np.full(len(values), -1, np.int64)
    base_of_value[keep] = np.arange(int(keep.sum()))
    factors = factors[keep]
    num_base = len(factors)
    base = base_of_value[inverse]
    kept = base >= 0
    order = np.argsort(base[kept], kind="stable")  # grouped by base class, ascending
    cells = nonzero[kept][order]
    base = base[kept][order]
    dr = cells // shape[1] - (rows - 1)
    dc = cells % shape[1] - (cols - 1)
    offsets = np.stack([dr, dc, base], axis=1).astype(np.int32).reshape(-1, 3)
    if len(offsets):
        box_dr, box_dc = int(dr.min()), int(dc.min())
        box = (box_dr, box_dc, int(dr.max()) - box_dr + 1, int(dc.max()) - box_dc + 1)
    else:
        box = (0, 0, 1, 1)
    offset_class = np.full(box[2:], -1, np.int32)
    offset_class[dr - box[0], dc - box[1]] = base
    ring = np.bincount(base, minlength=num_base)
    power_len = np.repeat(ring + 1, levels).astype(np.int32)
    power_start = np.zeros(len(power_len), np.int64)
    power_start[1:] = np.cumsum(power_len)[:-1]
    pieces = []
    for b in range(num_base):
        for k in range(levels):
            f = float(factors[b, k])
            power = [1.0]
            for _ in range(int(ring[b])):
                power.append(power[-1] * f)  # f ** n by repeated multiplication
            pieces.append(power)
    powers = np.array([x for piece in pieces for x in piece] or [1.0], np.float64)
    for a in (offsets, offset_class, power_start, power_len, powers):
        a.flags.writeable = False
    return FirePlan(
        rows,
        cols,
        levels,
        num_base * levels,
        offsets,
        box,
        offset_class,
        power_start,
        power_len,
        powers,
    )


JOINT_Q_LIMIT = 1 << 16
"""The most entries :func:`joint_q_table` tabulates (512 KiB of doubles; every index fits the 16
bits C packs it in). The default reach-3 kernel's six classes take 28,125 (220 KiB, in the
second-level cache), so C looks a cell's q up at once: measured faster than a first-level-cache
table of the first four classes times two more powers, with and without AVX-512."""


@dataclasses.dataclass(frozen=True, eq=False)
class JointQ:
    """q over the first ``num_classes`` classes of a plan, tabulated (:func:`joint_q_table`).

    ``strides`` int64 (num_classes,): mixed-radix weights, ``strides[0] = 1`` and
    ``strides[k + 1] = strides[k] * power_len[k]``; ``q`` float64: entry ``sum(n_k *
    strides[k])`` is ``1.0 * powers[start_0 + n_0] * ... * powers[start_{J-1} + n_{J-1}]``
    multiplied in ascending class order, the very operations :func:`plan_q` and C's
    ``fire_plan_q`` begin with, done once: looking the prefix up and multiplying the other
    classes on gives the same bits as computing all of it.
    """

    num_classes: int
    strides: np.ndarray
    q: np.ndarray


def joint_q_table(plan: FirePlan, limit: int = JOINT_Q_LIMIT) -> JointQ | None:
    """The :class:`JointQ` of the longest prefix of ``plan``'s classes with at most ``limit``
    count combinations, if it spans at least two classes and the other classes' counts fit a
    byte each beside a 16-bit index in 64 bits (C packs them so); else None (also for plans
    with cluster levels or no offsets)."""
    if plan.num_levels != 1 or len(plan.offsets) == 0:
        return None
    lengths = [int(x) for x in plan.power_len]
    joint, size = 0, 1
    while joint < len(lengths) and size * lengths[joint] <= min(limit, 1 << 16):
        size *= lengths[joint]
        joint += 1
    if joint < 2 or 2 + (len(lengths) - joint) > 8 or any(n > 256 for n in lengths[joint:]):
        return None
    q = np.ones(1)
    for k in range(joint):
        start = int(plan.power_start[k])
        # the newest class outermost: entry n_k * stride_k + (the earlier classes' index)
        q = (q[None, :] * plan.powers[start : start + lengths[k]][:, None]).ravel()
    strides = np.cumprod([1, *lengths[: joint - 1]]).astype(np.int64)
    for a in (q, strides):
        a.flags.writeable = False
    return JointQ(joint, strides, q)


def ring_bit_table(plan: FirePlan, joint: JointQ | None = None) -> np.ndarray | None:
    """For C: the class counts of a row's window of source bits, or None where the plan does
    not allow it (not ``packed``, or reach above 3).

    uint64 of shape (W, 2 ** W), W = 2 * reach + 1: entry [dr + reach, window] is the sum over
    the set bits j of ``window`` of the offset (dr, reach - j)'s class weight (none if it has no
    class): ``1 << (8 * class)``, a byte per class; or with ``joint``, ``joint.strides[class]``
    for its classes (the low 16 bits: the index into ``joint.q``) and ``1 << (16 + 8 * (class -
    joint.num_classes))`` for the others. A source row's contribution to a cell's counts.
    """
    reach = plan.reach
    if not plan.packed or reach > 3 or len(plan.offsets) == 0:
        return None
    width = 2 * reach + 1
    per_bit = np.zeros((width, width), np.uint64)  # [dr + reach, j]
    for dr, dc, base in plan.offsets.tolist():
        if joint is None:
            weight = 1 << (8 * base)
        elif base < joint.num_classes:
            weight = int(joint.strides[base])
        else:
            weight = 1 << (16 + 8 * (base - joint.num_classes))
        per_bit[dr + reach, reach - dc] = np.uint64(weight)
    windows = np.arange(1 << width)
    table = np.zeros((width, 1 << width), np.uint64)
    for j in range(width):
        has = ((windows >> j) & 1).astype(bool)
        table[:, has] += per_bit[:, j : j + 1]
    table.flags.writeable = False
    return table


def ring_bit_masks(ring: np.ndarray) -> np.ndarray:
    """For C's AVX-512 counting: the weights of a :func:`ring_bit_table` grouped by value,
    as bit masks over a cell's window of sources laid out a byte per column.

    ``ring`` uint64 (W, 2 ** W). The window of cell (r, c) is the 64-bit word whose bit
    ``8 * j + k`` is bit j of row k's window in ``ring``'s terms (the source at offset
    ``(k - reach, reach - j)``, see :func:`ring_bit_table`). Returns uint64 (2, K): row 0 the
    masks, row 1 their weights (distinct, ascending, nonzero), such that the sum over the rows k
    of ``ring[k, window_k]`` equals ``sum(weights * popcount(window & masks))``: the same
    packed counts in K popcounts instead of W table lookups (K = the plan's classes).
    """
    width = ring.shape[0]
    weights = ring[:, [1 << j for j in range(width)]]  # [k, j]
    values = np.unique(weights[weights != 0])
    masks = np.zeros(len(values), np.uint64)
    for m, value in enumerate(values.tolist()):
        for k, j in zip(*np.nonzero(weights == value), strict=True):
            masks[m] |= np.uint64(1 << (8 * int(j) + int(k)))
    out = np.stack([masks, values.astype(np.uint64)])
    out.flags.writeable = False
    return out


def plan_q(plan: FirePlan, sources: np.ndarray, levels: np.ndarray | None) -> np.ndarray:
    """q of every cell (float64 (rows, cols)) from the source mask ``sources`` (bool (rows,
    cols)) and each source's level (int (rows, cols); None: all 0): the numpy twin of
    ``fire_plan_q``, with the same counts and the same products in the same order."""
    rows, cols = plan.rows, plan.cols
    q = np.ones((rows, cols), dtype=np.float64)
    src = np.flatnonzero(sources)
    if src.size == 0 or len(plan.offsets) == 0:
        return q
    L = plan.num_levels
    rs, cs = np.divmod(src, cols)
    dr, dc, base = plan.offsets[:, 0], plan.offsets[:, 1], plan.offsets[:, 2]
    r = rs[:, None] + dr[None, :]
    c = cs[:, None] + dc[None, :]
    cls = np.broadcast_to(base[None, :].astype(np.int64) * L, r.shape)
    if levels is not None:
        cls = cls + levels.ravel()[src][:, None]
    size = plan.num_classes * rows * cols
    counts = np.zeros(size, np.int64)
    chunk = max(1, (1 << 20) // len(plan.offsets))  # bounded temporaries
    for a in range(0, src.size, chunk):
        rr, cc, kk = r[a : a + chunk], c[a : a + chunk], cls[a : a + chunk]
        inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        counts += np.bincount((kk * (rows * cols) + rr * cols + cc)[inside], minlength=size)
    counts = counts.reshape(plan.num_classes, rows * cols)
    qf = q.ravel()
    for k in np.flatnonzero(counts.any(axis=1)).tolist():
        # count 0 multiplies by powers[start] == 1.0: exact, as C's skipping it
        qf *= plan.powers[plan.power_start[k] + counts[k]]
    return q


def full_counts(plan: FirePlan, universe: np.ndarray) -> np.ndarray | None:
    """For C: per cell and distance class, how many cells of ``universe`` (bool (rows, cols):
    every cell that can ever be a source) lie at an offset of that class; None for plans with
    cluster levels or no offsets.

    uint16 of shape (rows * cols, num_classes): entry [r * cols + c, k] counts the cells
    ``(r - dr, c - dc)`` in ``universe`` for the offsets (dr, dc) of class k. A cell's sources
    of class k are this minus the cells of ``universe`` that are not sources: counting those
    gives the same integers, hence the same q, when they are fewer than the sources.
    """
    if plan.num_levels != 1 or len(plan.offsets) == 0:
        return None
    rows, cols = plan.rows, plan.cols
    if universe.shape != (rows, cols):
        raise ValueError(f"universe must have shape {(rows, cols)}, got {universe.shape}")
    full = np.zeros((rows, cols, plan.num_classes), np.uint16)
    inside = universe.astype(np.uint16)
    for dr, dc, base in plan.offsets.tolist():
        # cell (r, c) gains universe[r - dr, c - dc] where that is on the board
        r0, r1 = max(0, dr), min(rows, rows + dr)
        c0, c1 = max(0, dc), min(cols, cols + dc)
        if r0 < r1 and c0 < c1:
            full[r0:r1, c0:c1, base] += inside[r0 - dr : r1 - dr, c0 - dc : c1 - dc]
    full = full.reshape(rows * cols, plan.num_classes)
    full.flags.writeable = False
    return full
