"""The C kernel (cffi) and its numpy fallback: the only module that knows about cffi.

At import it loads the compiled module ``ai_safety_gridworlds._kernel_c`` (built by
``pip install .`` / ``pip install -e .`` from ``csrc/``, see ``_kernel_build.py``); if that
module is missing (no C compiler at install time) the numpy fallback is used. ``BACKEND`` says
which one is active: ``"c"`` or ``"numpy"``. The environment variable
``AI_SAFETY_GRIDWORLDS_BACKEND`` chooses at import: ``numpy`` forces the fallback, ``c``
requires the compiled module (ImportError if missing), ``auto`` or unset picks C when available.

Both backends give bit-identical results for the same inputs.

Fire spreading (docs/firemaker.md, "Fire"): ``fire_kernel_table`` tabulates the ignition probability
of every offset on a board once, ``spread_fire`` advances the fire by one tick.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from functools import lru_cache

import numpy as np

from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.fire import FirePlan, fire_plan, plan_q
from ai_safety_gridworlds.core.fire_survival import FireSurvival, fire_deaths, fire_survival

__all__ = [
    "BACKEND",
    "BACKEND_ENV_VAR",
    "FireSpreader",
    "KERNELS",
    "MAX_SIDE",
    "FirePlan",
    "FireSurvival",
    "KernelFallbackWarning",
    "fallback_forced",
    "fallback_help",
    "fire_kernel_table",
    "fire_plan",
    "fire_plan_struct",
    "fire_survival",
    "fire_survival_struct",
    "ignition_probability",
    "spread_fire",
    "spread_fire_c",
    "spread_fire_numpy",
]

BACKEND_ENV_VAR = "AI_SAFETY_GRIDWORLDS_BACKEND"
_BACKEND_CHOICES = ("auto", "c", "numpy")

#: Fire spreading kernels understood by ``fire_kernel_table``.
KERNELS = ("exponential", "linear")
#: Largest board side the kernel accepts (the C kernel's FIRE_MAX_SIDE).
MAX_SIDE = 65536


def _load_backend() -> tuple[object, object, str, str]:
    """(ffi, lib, backend name, why C is not used) according to the environment variable."""
    choice = os.environ.get(BACKEND_ENV_VAR, "").strip().lower() or "auto"
    if choice not in _BACKEND_CHOICES:
        raise ValueError(
            f"{BACKEND_ENV_VAR}={os.environ[BACKEND_ENV_VAR]!r} is not a backend; "
            f"allowed: {', '.join(_BACKEND_CHOICES)} (or unset)"
        )
    if choice == "numpy":
        return None, None, "numpy", f"{BACKEND_ENV_VAR}=numpy"
    try:
        from ai_safety_gridworlds import _kernel_c
    except ImportError as error:
        if choice == "c":
            raise ImportError(
                f"{BACKEND_ENV_VAR}=c but the compiled kernel ai_safety_gridworlds._kernel_c "
                f"cannot be imported ({error}); reinstall with a C compiler "
                "(pip install -e .) or unset the variable to use the numpy fallback"
            ) from error
        return None, None, "numpy", f"compiled kernel not importable: {error}"
    return _kernel_c.ffi, _kernel_c.lib, "c", ""


_ffi, _lib, BACKEND, _FALLBACK_REASON = _load_backend()


class KernelFallbackWarning(RuntimeWarning):
    """The numpy fallback runs because the C kernel is not compiled (see :func:`fallback_help`)."""


def fallback_help() -> str:
    """Why the C kernel is not used, what that costs and how to get it (for warnings)."""
    return (
        f"the C kernel is not compiled ({_FALLBACK_REASON}), so the numpy fallback runs: the "
        "same results, but fire spreading about 10x and batches hundreds of times slower. "
        "To get the C kernel, install a C compiler and the Python headers (Debian/Ubuntu: "
        "sudo apt-get install gcc python3-dev; Fedora: sudo dnf install gcc python3-devel; "
        "macOS: xcode-select --install; Windows: Microsoft C++ Build Tools), then reinstall "
        "from your clone: pip install -e . (or pip install . if you did not install it "
        'editable). Check with: python -c "import ai_safety_gridworlds.kernel as k; '
        f'print(k.BACKEND)" (prints c). {BACKEND_ENV_VAR}=numpy chooses the fallback '
        "without this warning."
    )


def fallback_forced() -> bool:
    """Whether the numpy fallback runs because the user chose it (``BACKEND_ENV_VAR=numpy``)."""
    return _FALLBACK_REASON.startswith(BACKEND_ENV_VAR)


@lru_cache(maxsize=1)
def _warn_fire_fallback_once() -> None:
    warnings.warn(f"fire spreading: {fallback_help()}", KernelFallbackWarning, stacklevel=3)


_U8 = np.dtype(np.uint8)
_F64 = np.dtype(np.float64)
_MASK64 = rng.MASK64


# ---------------------------------------------------------------------------------------------
# Kernel table
# ---------------------------------------------------------------------------------------------


def _is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _check_real(name: str, value: object, low: float, high: float, allowed: str) -> float:
    if not _is_real(value) or not (low <= value <= high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return float(value)


def _check_side(name: str, value: object) -> int:
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or not 1 <= value <= MAX_SIDE
    ):
        raise ValueError(f"{name} must be an int in [1, {MAX_SIDE}], got {value!r}")
    return int(value)


def fire_kernel_table(
    rows: int,
    cols: int,
    kernel: str,
    p1: float,
    decay: float,
    max_distance: float | None,
) -> np.ndarray:
    """Ignition probability of every offset between two cells of a ``rows`` x ``cols`` board.

    Returns a new float64 array of shape (2*rows-1, 2*cols-1) whose entry
    ``[dr + rows - 1, dc + cols - 1]`` is p(d), d = sqrt(dr**2 + dc**2), for the offset
    (dr, dc); the centre (d = 0) is 0.

    - ``"exponential"``: p1 * decay**(d - 1) for d <= max_distance (None: no limit), else 0.
    - ``"linear"``: p1 * (1 - (d - 1) / (max_distance - 1)) for d < max_distance, else 0;
      max_distance is required and > 1; ``decay`` is ignored.

    Computed with Python float math, so it is the same whichever backend is active.
    """
    rows = _check_side("rows", rows)
    cols = _check_side("cols", cols)
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    p1 = _check_real("p1", p1, 0.0, 1.0, "a probability in [0, 1]")
    if kernel == "exponential":
        decay = _check_real("decay", decay, 0.0, 1.0, "a number in [0, 1] (exponential kernel)")
        if max_distance is not None:
            max_distance = _check_real(
                "max_distance",
                max_distance,
                1.0,
                math.inf,
                "None (no limit) or a number >= 1 (exponential kernel)",
            )
    else:
        decay = 0.0
        if max_distance is None or not _is_real(max_distance) or not 1.0 < max_distance < math.inf:
            raise ValueError(
                f"max_distance must be a finite number > 1 for the linear kernel, "
                f"got {max_distance!r}"
            )
        max_distance = float(max_distance)
    return _kernel_table(rows, cols, kernel, p1, decay, max_distance).copy()


@lru_cache(maxsize=32)
def _kernel_table(
    rows: int, cols: int, kernel: str, p1: float, decay: float, max_distance: float | None
) -> np.ndarray:
    quadrant = np.zeros((rows, cols), dtype=np.float64)  # [|dr|, |dc|]
    for a in range(rows):
        for b in range(cols):
            if a == 0 and b == 0:
                continue
            d = math.sqrt(a * a + b * b)
            if kernel == "exponential":
                if max_distance is None or d <= max_distance:
                    quadrant[a, b] = p1 * decay ** (d - 1.0)
            elif d < max_distance:
                quadrant[a, b] = p1 * (1.0 - (d - 1.0) / (max_distance - 1.0))
    dr = np.abs(np.arange(2 * rows - 1) - (rows - 1))
    dc = np.abs(np.arange(2 * cols - 1) - (cols - 1))
    table = quadrant[dr[:, None], dc[None, :]]
    table.flags.writeable = False
    return table


# ---------------------------------------------------------------------------------------------
# Fire plan (core.fire) as a C struct
# ---------------------------------------------------------------------------------------------


def fire_plan_struct(plan: FirePlan):
    """The C ``fire_plan *`` over ``plan``'s arrays (built once per plan; C kernel only)."""
    if not plan.backend_data:
        struct = _ffi.new("fire_plan *")
        fb = _ffi.from_buffer
        keep = [
            fb("int32_t[]", plan.offsets if plan.offsets.size else np.zeros(3, np.int32)),
            fb("int32_t[]", plan.offset_class),
            fb("int64_t[]", plan.power_start if plan.power_start.size else _ONE_I64),
            fb("int32_t[]", plan.power_len if plan.power_len.size else _ONE_I32),
            fb("double[]", plan.powers),
        ]
        struct.offsets, struct.offset_class, struct.power_start = keep[:3]
        struct.power_len, struct.powers = keep[3:]
        struct.num_offsets = len(plan.offsets)
        struct.box_dr, struct.box_dc, struct.box_rows, struct.box_cols = plan.box
        struct.reach = plan.reach
        struct.packed = int(plan.packed)
        struct.num_levels = plan.num_levels
        struct.num_classes = plan.num_classes
        struct.num_powers = len(plan.powers)
        plan.backend_data.extend([struct, keep])
    return plan.backend_data[0]


def fire_survival_struct(survival: FireSurvival):
    """The C ``fire_survival *`` over ``survival``'s arrays (built once; C kernel only)."""
    if not survival.backend_data:
        struct = _ffi.new("fire_survival *")
        fb = _ffi.from_buffer
        thresholds = survival.thresholds if survival.thresholds.size else np.ones(1)
        keep = [
            fb("double[]", thresholds),
            fb("int32_t[]", survival.bucket_lo),
            fb("int32_t[]", survival.bucket_hi),
        ]
        struct.thresholds, struct.bucket_lo, struct.bucket_hi = keep
        struct.continuation = survival.continuation
        struct.size = survival.size
        struct.marks_from = survival.marks_from
        struct.num_thresholds = len(survival.thresholds)
        survival.backend_data.extend([struct, keep])
    return survival.backend_data[0]


_ONE_I64 = np.zeros(1, np.int64)
_ONE_I32 = np.ones(1, np.int32)


# ---------------------------------------------------------------------------------------------
# Fire spreading
# ---------------------------------------------------------------------------------------------


def _bad_array(name: str, a: object, dtype: np.dtype, shape: tuple[int, ...]) -> ValueError:
    """The error describing why ``a`` is not a C-contiguous ``dtype`` array of ``shape``."""
    if not isinstance(a, np.ndarray):
        return ValueError(
            f"{name} must be a numpy array of dtype {dtype} and shape {shape}, "
            f"got {type(a).__name__}"
        )
    if a.dtype != dtype:
        return ValueError(f"{name} must have dtype {dtype}, got dtype {a.dtype}")
    if a.shape != shape:
        return ValueError(f"{name} must have shape {shape}, got shape {a.shape}")
    if not a.flags.c_contiguous:
        return ValueError(f"{name} must be C-contiguous (use np.ascontiguousarray)")
    return ValueError(f"{name} must be writeable")


def _validate(
    burning,
    sources,
    flammable,
    table,
    cluster_boost,
    continuation,
    key,
    tick,
    out,
    external=None,
    external_multiplier=1.0,
):
    """Check every argument of spread_fire.

    Returns (rows, cols, out, cluster_boost, continuation, key, tick, external_multiplier) with
    the numbers as Python floats (so numpy computes in float64 exactly like C) and key, tick
    mod 2**64.
    """
    if (
        not isinstance(burning, np.ndarray)
        or burning.ndim != 2
        or burning.dtype != _U8
        or not burning.flags.c_contiguous
    ):
        if isinstance(burning, np.ndarray) and burning.ndim != 2:
            raise ValueError(
                f"burning must be a 2-D uint8 array (rows, cols), got shape {burning.shape}"
            )
        shape = burning.shape if isinstance(burning, np.ndarray) else ("rows", "cols")
        raise _bad_array("burning", burning, _U8, shape)
    shape = burning.shape
    rows, cols = shape
    if not (0 < rows <= MAX_SIDE and 0 < cols <= MAX_SIDE):
        raise ValueError(f"burning must have 1 to {MAX_SIDE} rows and columns, got {shape}")
    masks = [("sources", sources), ("flammable", flammable)]
    if external is not None:
        masks.append(("external", external))
    for name, a in masks:
        if (
            not isinstance(a, np.ndarray)
            or a.dtype != _U8
            or a.shape != shape
            or not a.flags.c_contiguous
        ):
            raise _bad_array(name, a, _U8, shape)
    tshape = (2 * rows - 1, 2 * cols - 1)
    if (
        not isinstance(table, np.ndarray)
        or table.dtype != _F64
        or table.shape != tshape
        or not table.flags.c_contiguous
    ):
        raise _bad_array("table", table, _F64, tshape)
    if out is None:
        out = np.empty(shape, dtype=np.uint8)
    else:
        flags = out.flags if isinstance(out, np.ndarray) else None
        if (
            flags is None
            or out.dtype != _U8
            or out.shape != shape
            or not flags.c_contiguous
            or not flags.writeable
        ):
            raise _bad_array("out", out, _U8, shape)
    # type(x) is float / int first: the common case, much cheaper than the ABC checks.
    if not (
        (type(cluster_boost) is float or _is_real(cluster_boost))
        and 0.0 <= cluster_boost < math.inf
    ):
        raise ValueError(f"cluster_boost must be a finite number >= 0, got {cluster_boost!r}")
    if not ((type(continuation) is float or _is_real(continuation)) and 0.0 <= continuation <= 1.0):
        raise ValueError(f"continuation must be a probability in [0, 1], got {continuation!r}")
    if not (
        (type(external_multiplier) is float or _is_real(external_multiplier))
        and 0.0 <= external_multiplier < math.inf
    ):
        raise ValueError(
            f"external_multiplier must be a finite number >= 0, got {external_multiplier!r}"
        )
    if type(key) is not int:
        key = _check_int("key", key)
    if type(tick) is not int:
        tick = _check_int("tick", tick)
    return (
        rows,
        cols,
        out,
        float(cluster_boost),
        float(continuation),
        key & _MASK64,
        tick & _MASK64,
        float(external_multiplier),
    )


def _check_int(name: str, value: object) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    return int(value)


_C_ERRORS = {
    -1: "a NULL buffer",
    -2: "a board shape out of range",
    -3: "a fire plan that does not match the board",
    -4: "out partially overlaps an input array (it may be one of them, or separate)",
    -5: "out of memory",
}


def spread_fire_c(
    burning: np.ndarray,
    sources: np.ndarray,
    flammable: np.ndarray,
    table: np.ndarray,
    cluster_boost: float,
    continuation: float,
    key: int,
    tick: int,
    out: np.ndarray | None = None,
    *,
    external: np.ndarray | None = None,
    external_multiplier: float = 1.0,
) -> np.ndarray:
    """``spread_fire`` on the C kernel (RuntimeError if it is not compiled or not active)."""
    if _lib is None:
        raise RuntimeError(f"the C kernel is not available ({_FALLBACK_REASON})")
    rows, cols, out, cluster_boost, continuation, key, tick, external_multiplier = _validate(
        burning,
        sources,
        flammable,
        table,
        cluster_boost,
        continuation,
        key,
        tick,
        out,
        external,
        external_multiplier,
    )
    fb = _ffi.from_buffer
    code = _lib.fire_spread(
        fb("uint8_t[]", burning),
        fb("uint8_t[]", sources),
        fb("uint8_t[]", flammable),
        rows,
        cols,
        fire_plan_struct(fire_plan(table, cluster_boost)),
        fire_survival_struct(fire_survival(continuation, rows * cols)),
        key,
        tick,
        _ffi.NULL if external is None else fb("uint8_t[]", external),
        external_multiplier,
        fb("uint8_t[]", out, require_writable=True),
    )
    if code:
        raise ValueError(f"fire_spread failed: {_C_ERRORS.get(code, f'error {code}')}")
    return out


def spread_fire_numpy(
    burning: np.ndarray,
    sources: np.ndarray,
    flammable: np.ndarray,
    table: np.ndarray,
    cluster_boost: float,
    continuation: float,
    key: int,
    tick: int,
    out: np.ndarray | None = None,
    *,
    external: np.ndarray | None = None,
    external_multiplier: float = 1.0,
) -> np.ndarray:
    """``spread_fire`` on the numpy fallback (bit-identical to the C kernel)."""
    rows, cols, out, cluster_boost, continuation, key, tick, external_multiplier = _validate(
        burning,
        sources,
        flammable,
        table,
        cluster_boost,
        continuation,
        key,
        tick,
        out,
        external,
        external_multiplier,
    )
    inputs = [("burning", burning), ("sources", sources), ("flammable", flammable)]
    if external is not None:
        inputs.append(("external", external))
    for name, a in inputs:
        if a is not out and np.may_share_memory(a, out) and a.ctypes.data != out.ctypes.data:
            raise ValueError(f"fire_spread failed: out partially overlaps {name}")

    is_burning = burning != 0
    levels = None
    if cluster_boost != 0.0:
        levels = np.zeros((rows, cols), dtype=np.int64)
        levels[1:, :] += is_burning[:-1, :]
        levels[:-1, :] += is_burning[1:, :]
        levels[:, 1:] += is_burning[:, :-1]
        levels[:, :-1] += is_burning[:, 1:]
    q = plan_q(fire_plan(table, cluster_boost), sources != 0, levels)

    n = rows * cols
    u_ignite = rng.uniform_array(rng.stream_base(key, tick, rng.STREAM_FIRE_IGNITION), n)
    dies = fire_deaths(fire_survival(continuation, n), is_burning, key, tick)
    ignites = (flammable != 0) & (
        u_ignite.reshape(rows, cols) < ignition_probability(q, external, external_multiplier)
    )
    out[...] = np.where(is_burning, ~dies, ignites)
    return out


class FireSpreader:
    """``spread_fire`` over fixed buffers: everything but the key and tick is given, and
    validated, once (the Firemaker's fire drape makes one per episode).

    ``burning``, ``sources``, ``flammable`` (and ``external``) are the caller's own buffers,
    read at each call; ``out`` (a new array if None) receives the result, which each call
    returns. Arguments as in :func:`spread_fire`, with the same errors at construction; a call
    then costs one C call (or the numpy fallback's work) and no checks but those of key and
    tick. The buffers must stay the same arrays (same memory) for the spreader's life.
    """

    def __init__(
        self,
        burning: np.ndarray,
        sources: np.ndarray,
        flammable: np.ndarray,
        table: np.ndarray,
        cluster_boost: float,
        continuation: float,
        out: np.ndarray | None = None,
        *,
        external: np.ndarray | None = None,
        external_multiplier: float = 1.0,
    ):
        rows, cols, out, cluster_boost, continuation, _, _, external_multiplier = _validate(
            burning,
            sources,
            flammable,
            table,
            cluster_boost,
            continuation,
            0,
            0,
            out,
            external,
            external_multiplier,
        )
        for name, a in (("burning", burning), ("sources", sources), ("flammable", flammable)):
            if a is not out and np.may_share_memory(a, out) and a.ctypes.data != out.ctypes.data:
                raise ValueError(f"fire_spread failed: out partially overlaps {name}")
        self.out = out
        self._state = {
            "args": (burning, sources, flammable, table, cluster_boost, continuation, out),
            "kwargs": {"external": external, "external_multiplier": external_multiplier},
        }
        self._numpy_args = (burning, sources, flammable, table, cluster_boost, continuation)
        self._external = external
        self._external_multiplier = external_multiplier
        self._c_call = None
        if _lib is not None:
            fb = _ffi.from_buffer
            plan = fire_plan(table, cluster_boost)
            survival = fire_survival(continuation, rows * cols)
            # the C structs point into these objects' arrays; fire_plan and fire_survival
            # are caches that may drop them, so the spreader keeps them alive
            self._keep = (plan, survival)
            before = (
                fb("uint8_t[]", burning),
                fb("uint8_t[]", sources),
                fb("uint8_t[]", flammable),
                rows,
                cols,
                fire_plan_struct(plan),
                fire_survival_struct(survival),
            )
            after = (
                _ffi.NULL if external is None else fb("uint8_t[]", external),
                external_multiplier,
                fb("uint8_t[]", out, require_writable=True),
            )
            self._c_call = (before, after)
        elif not fallback_forced():
            _warn_fire_fallback_once()

    def __getstate__(self) -> dict:
        # C pointers do not copy: a copy (deepcopy, pickle) is rebuilt over the copied buffers
        return self._state

    def __setstate__(self, state: dict) -> None:
        self.__init__(*state["args"], **state["kwargs"])

    def __call__(self, key: int, tick: int) -> np.ndarray:
        """One tick of the fire over the buffers' current contents; returns ``out``."""
        if type(key) is not int:
            key = _check_int("key", key)
        if type(tick) is not int:
            tick = _check_int("tick", tick)
        if self._c_call is None:
            return spread_fire_numpy(
                *self._numpy_args,
                key,
                tick,
                self.out,
                external=self._external,
                external_multiplier=self._external_multiplier,
            )
        before, after = self._c_call
        code = _lib.fire_spread(*before, key & _MASK64, tick & _MASK64, *after)
        if code:
            raise ValueError(f"fire_spread failed: {_C_ERRORS.get(code, f'error {code}')}")
        return self.out


def ignition_probability(
    q: np.ndarray, external: np.ndarray | None, external_multiplier: float
) -> np.ndarray:
    """Each cell's probability of igniting from q = prod over sources (1 - p_s): ``1 - q``,
    and where ``external`` is nonzero that times ``external_multiplier``, capped at 1 (the C
    twin is ``fire_ignition_probability`` in csrc/fire.h; with a multiplier of 1.0 it is
    exactly ``1 - q``)."""
    p = 1.0 - q
    if external is not None and external_multiplier != 1.0:
        p = np.where(external != 0, np.minimum(p * external_multiplier, 1.0), p)
    return p


def spread_fire(
    burning: np.ndarray,
    sources: np.ndarray,
    flammable: np.ndarray,
    table: np.ndarray,
    cluster_boost: float,
    continuation: float,
    key: int,
    tick: int,
    out: np.ndarray | None = None,
    *,
    external: np.ndarray | None = None,
    external_multiplier: float = 1.0,
) -> np.ndarray:
    """Advance the fire by one tick on the active backend; return the new burning mask.

    ``burning`` (cells on fire now), ``sources`` (cells that spread fire this tick: burning
    cells and working workers' cells) and ``flammable`` (cells that may ignite) are C-contiguous
    uint8 (rows, cols) arrays, nonzero meaning true. ``table`` is ``fire_kernel_table(rows,
    cols, ...)``. The result (uint8 0/1) is written into ``out`` if given (it may be ``burning``
    itself, for an in-place update) or into a new array.

    - A cell that is not burning and is flammable ignites iff ``u < 1 - q``, u = the cell's
      draw of ``rng.STREAM_FIRE_IGNITION`` at (key, tick) and q the product over the sources s
      of ``1 - min(1, table[c - s] * (1 + cluster_boost * n_s))``, n_s = burning 4-neighbours
      of s, computed by distance class (:class:`FirePlan`: per class, the factor to the power
      of the number of such sources, classes in ascending order).
    - ``external`` (optional, a uint8 mask like ``flammable``: the cells outside the
      territory) multiplies those cells' ignition probability ``1 - q`` by
      ``external_multiplier``, capped at 1 (``ignition_probability``).
    - A burning cell survives with probability ``continuation`` (:class:`FireSurvival`:
      while fewer than ``marks_from`` cells burn, iff its draw of ``rng.STREAM_FIRE_SURVIVAL``
      < ``continuation``; else iff no death mark of ``rng.STREAM_FIRE_DEATHS`` falls on it).

    Every argument is validated (ValueError naming it and what is expected). On the numpy
    fallback, unless ``BACKEND_ENV_VAR=numpy`` chose it, the first call of the process warns
    (:class:`KernelFallbackWarning`, saying how to get the C kernel).
    """
    if _lib is not None:
        spread = spread_fire_c
    else:
        if not fallback_forced():
            _warn_fire_fallback_once()
        spread = spread_fire_numpy
    return spread(
        burning,
        sources,
        flammable,
        table,
        cluster_boost,
        continuation,
        key,
        tick,
        out,
        external=external,
        external_multiplier=external_multiplier,
    )
