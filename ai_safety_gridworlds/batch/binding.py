"""cffi binding of the C batch kernels (``csrc/<game>/``): what every game's binding shares.

A binding receives the buffers a :class:`~ai_safety_gridworlds.batch.vector.VectorEnv` validated,
allocates the kernel's state arrays with numpy, converts every buffer to a C pointer once
(``ffi.from_buffer``), and then each call is one C call over all environments. The compiled
module is the one :mod:`ai_safety_gridworlds.kernel` loaded (``kernel.BACKEND == "c"``).

:class:`BatchKernel` is what every game's binding shares (the pointers, the config fields and
output buffers every kernel has, the ``check``/``reset``/``step``/``state`` calls); each game's
binding adds its config and state in its own module (the ``batch_kernel`` module of its
environment package). These modules are the only batch code touching cffi.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ai_safety_gridworlds import kernel

_ffi = kernel._ffi
_lib = kernel._lib
_INT64 = np.dtype(np.int64)

GRAIN_WORK = 32768
"""Work (observation bytes plus board cells, per slot) worth waking the pool's threads for:
waking them costs some microseconds, about what a few thousand such units take, so a call of
less than two grains of it runs on the calling thread (``par_for_slots``'s grain,
csrc/common/parallel.h)."""

ERRORS = {
    -1: "a NULL pointer",
    -2: "an inconsistent configuration",
    -3: "a view whose shape does not match its extents",
    -5: "a reset mode out of range",
}
"""The error codes every kernel's functions return; each game adds its own (-4, -6, ...)."""


def available() -> bool:
    """Whether the compiled batch kernels are loaded."""
    return _lib is not None


class BatchKernel:
    """A C batch kernel over numpy buffers: what every game's binding does the same way.

    A subclass builds its config and batch structs with :meth:`_config` and :meth:`_batch_of`,
    wires its state arrays with :meth:`_wire`, and hands both structs to :meth:`_start`, which
    runs the kernel's ``<prefix>_check``.
    """

    prefix: ClassVar[str]
    """The C functions' prefix: ``<prefix>_check``, ``_reset``, ``_step`` and ``_state``."""
    errors: ClassVar[Mapping[int, str]]
    """What each negative return code of the kernel's functions means."""

    def __init__(self, num_envs: int, num_threads: int = 1):
        if _lib is None:
            raise RuntimeError(
                f"the C kernel is not available ({kernel._FALLBACK_REASON}); use backend='numpy'"
            )
        self._keep: list[Any] = []  # cdata and arrays C points to
        self._modes = np.zeros(num_envs, np.uint8)
        self._seeds = np.zeros(num_envs, np.uint64)
        self._modes_ptr = self._pointer("uint8_t[]", self._modes)
        self._seeds_ptr = self._pointer("uint64_t[]", self._seeds)
        self._pool = _ffi.NULL
        wanted = min(int(num_threads), num_envs, _lib.PAR_MAX_THREADS)
        if wanted > 1:
            pool = _lib.par_pool_new(wanted)
            if pool != _ffi.NULL:  # NULL: no POSIX threads here; step on the calling thread
                self._pool = _ffi.gc(pool, _lib.par_pool_free)
        self.num_threads = int(_lib.par_pool_threads(self._pool))
        """The threads a call steps the slots on (``num_threads`` capped at ``num_envs``; 1
        where the platform has no POSIX threads)."""

    def _scratch(self, size: int, dtype: type, fill: Any = 0) -> np.ndarray:
        """A scratch array of ``size`` items for each thread: :func:`thread_scratch` with this
        batch's thread count."""
        return thread_scratch(self.num_threads, size, dtype, fill)

    def _config(self, ctype: str, params: Mapping[str, Any], derived: Sequence[str]) -> Any:
        """A new ``ctype`` struct with the fields every kernel's config has: each scalar field
        from ``params`` under its own name (but the ``derived`` ones, which the binding sets
        from its arrays' lengths), start cells, observation sizes, static cells and views."""
        self._action_shape = (len(self._modes), len(params["agents"]))
        work = int(np.sum(params["obs_size"])) + params["rows"] * params["cols"]
        self._grain = max(1, -(-GRAIN_WORK // max(work, 1)))
        self._state_shape = (len(self._modes), *params["state_shape"])
        cfg = _ffi.new(f"{ctype} *")
        for name, field in _ffi.typeof(ctype).fields:
            if field.type.kind == "primitive" and name not in derived:
                try:
                    setattr(cfg, name, params[name])
                except (OverflowError, TypeError):  # the config's bounds should prevent this
                    raise ValueError(
                        f"{ctype}.{name} cannot hold {params[name]!r} ({field.type.cname})"
                    ) from None
        cfg.start = self._array("int32_t[]", params["start"], np.int32)
        cfg.obs_size = self._array("int64_t[]", params["obs_size"], np.int64)
        cfg.static_cells = self._array("uint8_t[]", params["static_cells"], np.uint8)
        views = _ffi.new("view_spec[]", len(params["agents"]))
        for i, view in enumerate(params["views"]):
            for field, value in view.items():
                setattr(views[i], field, value)
        self._keep.append(views)
        cfg.views = views
        return cfg

    def _batch_of(
        self, ctype: str, num_envs: int, agents: Sequence[str], buffers: Mapping[str, Any]
    ) -> Any:
        """A new ``ctype`` struct of ``num_envs`` slots writing the observations, rewards,
        terminations and truncations into ``buffers``."""
        batch = _ffi.new(f"{ctype} *")
        batch.num_envs = num_envs
        obs = _ffi.new("uint8_t *[]", len(agents))
        for i, agent in enumerate(agents):
            obs[i] = self._pointer("uint8_t[]", buffers["observations"][agent])
        self._keep.append(obs)
        batch.obs = obs
        self._wire(
            batch,
            rewards=buffers["rewards"],
            terminations=buffers["terminations"],
            truncations=buffers["truncations"],
        )
        return batch

    def _wire(self, struct: Any, **arrays: np.ndarray) -> None:
        """Point each pointer field of ``struct`` at the numpy array of the same name."""
        for name, array in arrays.items():
            item = _ffi.typeof(getattr(struct, name)).item.cname
            setattr(struct, name, self._pointer(f"{item}[]", array))

    def _start(self, cfg: Any, batch: Any) -> None:
        """Hand the structs to C (with the thread pool; the scratch arrays must come from
        :meth:`_scratch`) and run ``<prefix>_check``."""
        batch.pool = self._pool
        batch.grain = self._grain
        batch.scratch_copies = self.num_threads
        self._cfg = cfg
        self._batch = batch
        self._step_function = getattr(_lib, f"{self.prefix}_step")
        self._step_actions: np.ndarray | None = None  # the array _step_pointer points into
        self._step_pointer = _ffi.NULL
        self._call("check", cfg, batch)

    @property
    def grain(self) -> int:
        """The fewest slots a thread steps at once (from ``GRAIN_WORK``; settable, e.g. to 1
        so that tests thread even tiny batches). Results do not depend on it."""
        return self._grain

    @grain.setter
    def grain(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"grain must be an int >= 1, got {value!r}")
        self._grain = int(value)
        self._batch.grain = self._grain

    def pack(self, src: np.ndarray, dst: np.ndarray) -> None:
        """:func:`pack_bits` on this batch's threads."""
        pack_bits(src, dst, self._pool)

    def close(self) -> None:
        """Stop and join the pool's threads now (rather than when garbage collected); later
        calls step on the calling thread."""
        if self._pool != _ffi.NULL:
            self._batch.pool = _ffi.NULL
            _ffi.release(self._pool)
            self._pool = _ffi.NULL

    def _array(self, ctype: str, values: Any, dtype: type) -> Any:
        array = np.ascontiguousarray(np.asarray(values, dtype))
        if array.size == 0:
            array = np.zeros(1, dtype)
        self._keep.append(array)
        pointer = _ffi.from_buffer(ctype, array)
        self._keep.append(pointer)
        return pointer

    def _pointer(self, ctype: str, array: np.ndarray) -> Any:
        pointer = writable(ctype, array)
        self._keep.append((array, pointer))
        return pointer

    def _call(self, name: str, *args: Any) -> int:
        """``<prefix>_<name>(*args)``; its return code, or ValueError if it is an error."""
        function = f"{self.prefix}_{name}"
        code = getattr(_lib, function)(*args)
        if code < 0:
            raise ValueError(f"{function} failed: {self.errors.get(code, f'error {code}')}")
        return code

    def reset(self, modes: np.ndarray, seeds: np.ndarray) -> None:
        shape = self._modes.shape
        _check("modes", modes, np.uint8, shape, writeable=False)
        _check("seeds", seeds, np.uint64, shape, writeable=False)
        self._modes[:] = modes
        self._seeds[:] = seeds
        self._call("reset", self._cfg, self._batch, self._modes_ptr, self._seeds_ptr)

    def step(self, actions: np.ndarray) -> int:
        """One tick over ``actions``, which must be int64 (N, A) and C-contiguous (ValueError
        otherwise: the kernel reads N * A int64 from it)."""
        if (  # vector.VectorEnv hands in one of two buffers: their pointers are kept
            actions is not self._step_actions
            or actions.dtype is not _INT64  # (shape, dtype or strides may be set in place)
            or actions.shape != self._action_shape
            or not actions.flags.c_contiguous
        ):
            _check("actions", actions, np.int64, self._action_shape, writeable=False)
            self._step_pointer = _ffi.from_buffer("int64_t[]", actions)
            self._step_actions = actions
        code = self._step_function(self._cfg, self._batch, self._step_pointer)
        if code < 0:
            raise ValueError(f"{self.prefix}_step failed: {self.errors.get(code, f'error {code}')}")
        return code

    def state(self, out: np.ndarray) -> None:
        """Every slot's board layers into ``out``: uint8 (N, C - 1, H, W), C-contiguous,
        writeable (ValueError otherwise)."""
        _check("out", out, np.uint8, self._state_shape, writeable=True)
        self._call("state", self._cfg, self._batch, writable("uint8_t[]", out))


def pack_bits(src: np.ndarray, dst: np.ndarray, pool: Any = None) -> None:
    """Pack each row of ``src`` (uint8 (N, ...), C-contiguous, every value 0 or 1) into the
    same row of ``dst`` (uint8 (N, (size + 7) // 8), size = the values in a row of ``src``),
    one bit per value, least significant first: ``np.packbits(row, bitorder="little")``
    (csrc/common/parallel_pack.c, on ``pool``'s threads; numpy's packbits without the C
    kernel). ValueError for a wrong shape, dtype or layout."""
    rows = len(src)
    bits = src[0].size if rows else int(np.prod(src.shape[1:]))
    _check("packed source", src, np.uint8, src.shape, writeable=False)
    _check("packed output", dst, np.uint8, (rows, (bits + 7) // 8), writeable=True)
    if _lib is None:
        dst[...] = np.packbits(src.reshape(rows, bits), axis=1, bitorder="little")
        return
    grain = max(1, -(-GRAIN_WORK // max(bits, 1)))
    code = _lib.pack_bits(
        _ffi.NULL if pool is None else pool,
        grain,
        _ffi.from_buffer("uint8_t[]", src),
        rows,
        bits,
        writable("uint8_t[]", dst),
    )
    if code:
        raise ValueError(f"pack_bits failed: error {code}")


def thread_scratch(threads: int, size: int, dtype: type, fill: Any = 0) -> np.ndarray:
    """One scratch copy of ``size`` items (at least 1) per thread, in the layout the kernels
    expect (csrc/common/parallel.h): thread t's copy starts at item
    ``t * par_scratch_stride(size, itemsize)`` and the array's start is aligned to
    ``PAR_SCRATCH_ALIGN`` bytes, so no two threads share a cache line. A 1-D array of
    ``threads * stride`` items of ``dtype``, all ``fill``."""
    dtype = np.dtype(dtype)
    stride = int(_lib.par_scratch_stride(int(size), dtype.itemsize))
    if stride < 1:
        raise ValueError(f"no thread scratch of {dtype} items (itemsize {dtype.itemsize})")
    align = _lib.PAR_SCRATCH_ALIGN
    items = threads * stride
    raw = np.full(items + align // dtype.itemsize, fill, dtype)
    skip = (-raw.ctypes.data % align) // dtype.itemsize
    return raw[skip : skip + items]


def frozen_copy(array: Any) -> np.ndarray:
    """A C-contiguous copy of ``array`` over memory of its own that nobody can write: its
    buffer is a ``bytes`` object, so ``flags.writeable = True`` raises ValueError. For tables
    a kernel checks once (when the batch is built) and then reads on every call."""
    array = np.asarray(array)
    return np.frombuffer(np.ascontiguousarray(array).tobytes(), array.dtype).reshape(array.shape)


def private_tables(tables: Any) -> Any:
    """A copy of the dataclass ``tables`` (``core.fire.FirePlan``, ``FireSurvival``) whose array
    fields are :func:`frozen_copy` copies and whose ``backend_data`` is new: a batch's own
    tables, which a cached, shared plan changed later cannot touch."""
    arrays = {
        field.name: frozen_copy(getattr(tables, field.name))
        for field in dataclasses.fields(tables)
        if field.init and isinstance(getattr(tables, field.name), np.ndarray)
    }
    return dataclasses.replace(tables, **arrays)


def _check(name: str, array: Any, dtype: type, shape: tuple[int, ...], writeable: bool) -> None:
    """ValueError unless ``array`` is a C-contiguous numpy array of ``dtype`` and ``shape`` (and
    writeable if asked): what the kernel may read or write through its pointer."""
    if (
        not isinstance(array, np.ndarray)
        or array.dtype != dtype
        or array.shape != shape
        or not array.flags.c_contiguous
        or (writeable and not array.flags.writeable)
    ):
        what = f"{type(array).__name__}"
        if isinstance(array, np.ndarray):
            what = f"{array.dtype} {array.shape}" + ("" if array.flags.c_contiguous else " strided")
        raise ValueError(
            f"the kernel's {name} must be a C-contiguous{' writeable' if writeable else ''} "
            f"{np.dtype(dtype)} array of shape {shape}, got {what}"
        )


def writable(ctype: str, array: np.ndarray) -> Any:
    """A C pointer to a writeable numpy array (for one call; keep the array alive)."""
    return _ffi.from_buffer(ctype, array, require_writable=True)


def struct_dtype(ctype: str, fields: dict[str, Any]) -> np.dtype:
    """The numpy dtype of a C struct (its layout from cffi), for viewing its array in numpy."""
    return np.dtype(
        {
            "names": list(fields),
            "formats": list(fields.values()),
            "offsets": [_ffi.offsetof(ctype, name) for name in fields],
            "itemsize": _ffi.sizeof(ctype),
        }
    )
