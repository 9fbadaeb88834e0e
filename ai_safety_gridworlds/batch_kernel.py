"""cffi binding of the C batch kernels (``csrc/*_batch.c``): the only batch code touching cffi.

A binding receives the buffers a :class:`~ai_safety_gridworlds.vector.VectorEnv` validated,
allocates the kernel's state arrays with numpy, converts every buffer to a C pointer once
(``ffi.from_buffer``), and then each call is one C call over all environments. The compiled
module is the one :mod:`ai_safety_gridworlds.kernel` loaded (``kernel.BACKEND == "c"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel

_ffi = kernel._ffi
_lib = kernel._lib

_FM_ERRORS = {
    -1: "a NULL pointer",
    -2: "an inconsistent configuration",
    -3: "a view whose shape does not match its extents",
    -4: "a fire kernel span out of range",
    -5: "a reset mode out of range",
}


def available() -> bool:
    """Whether the compiled batch kernels are loaded."""
    return _lib is not None


def _check(code: int, what: str) -> None:
    if code < 0:
        raise ValueError(f"{what} failed: {_FM_ERRORS.get(code, f'error {code}')}")


class FiremakerKernel:
    """The Firemaker batch kernel (``csrc/firemaker_batch.c``) over numpy buffers.

    ``params`` is what ``environments.firemaker_batch.kernel_params`` derives from a config:
    scalars named like the fields of ``fm_config`` plus the per-agent and fire arrays.
    """

    def __init__(self, params: Mapping[str, Any], num_envs: int, buffers: Mapping[str, Any]):
        if _lib is None:
            raise RuntimeError(
                f"the C kernel is not available ({kernel._FALLBACK_REASON}); use backend='numpy'"
            )
        n, agents = num_envs, params["agents"]
        num_agents = len(agents)
        rows, cols = params["rows"], params["cols"]
        self._keep: list[Any] = []  # cdata and arrays C points to

        cfg = _ffi.new("fm_config *")
        for name in (
            "rows",
            "cols",
            "has_supervisor",
            "observation_direction_mode",
            "action_direction_mode",
            "num_actions",
            "noops",
            "randomize_order",
            "max_dims",
            "max_cycles",
            "stop_button_duration",
            "continuation",
            "movement_energy_reward",
            "turn_energy",
            "working_energy_reward",
            "workshop_reward",
            "workshop_operation_reward",
            "external_fire_reward",
            "trespassing_reward",
            "num_factors",
        ):
            setattr(cfg, name, params[name])
        cfg.num_agents = num_agents
        cfg.num_metrics = params["num_metrics"]
        cfg.is_supervisor = self._array("int32_t[]", params["is_supervisor"], np.int32)
        cfg.start = self._array("int32_t[]", params["start"], np.int32)
        cfg.reward_index = self._array("int32_t[]", params["reward_index"], np.int32)
        cfg.obs_size = self._array("int64_t[]", params["obs_size"], np.int64)
        cfg.static_cells = self._array("uint8_t[]", params["static_cells"], np.uint8)
        views = _ffi.new("view_spec[]", num_agents)
        for i, view in enumerate(params["views"]):
            for field, value in view.items():
                setattr(views[i], field, value)
        self._keep.append(views)
        cfg.views = views
        spans = params["spans"]
        cfg.num_spans = len(spans)
        cfg.span = self._array("int32_t[]", np.asarray(spans, np.int32).reshape(-1, 3), np.int32)
        cfg.span_start = self._array("int64_t[]", params["span_start"], np.int64)
        cfg.factor_len = params["factor_len"]
        cfg.factors = self._array("double[]", params["factors"], np.float64)
        cfg.window_capacity = params["window_capacity"]
        cfg.flammable_cells = params["flammable_cells"]
        self._cfg = cfg

        # State arrays (numpy-owned; snapshot them with copy() if needed).
        self.seed = np.zeros(n, np.uint64)
        self.episode = np.zeros(n, np.uint64)
        self.key = np.zeros(n, np.uint64)
        self.ticks = np.zeros(n, np.int64)
        self.last_pressed_tick = np.full(n, -1, np.int64)
        self.needs_reset = np.zeros(n, np.uint8)
        self.num_fires = np.zeros(n, np.int32)
        self.position = np.zeros((n, num_agents, 2), np.int32)
        self.facing = np.zeros((n, num_agents, 2), np.uint8)
        self.cells = np.zeros((n, rows, cols), np.uint8)
        size = rows * cols
        self._q = np.ones(size, np.float64)
        self._burning_list = np.zeros(size, np.int32)
        self._source_list = np.zeros(size, np.int32)
        self._source_mark = np.zeros(size, np.uint8)
        self._window = np.zeros(max(params["window_capacity"], 1), np.uint8)

        batch = _ffi.new("fm_batch *")
        batch.num_envs = n
        fb = self._pointer
        batch.seed = fb("uint64_t[]", self.seed)
        batch.episode = fb("uint64_t[]", self.episode)
        batch.key = fb("uint64_t[]", self.key)
        batch.tick = fb("int64_t[]", self.ticks)
        batch.last_pressed_tick = fb("int64_t[]", self.last_pressed_tick)
        batch.needs_reset = fb("uint8_t[]", self.needs_reset)
        batch.num_fires = fb("int32_t[]", self.num_fires)
        batch.position = fb("int32_t[]", self.position)
        batch.facing = fb("uint8_t[]", self.facing)
        batch.cells = fb("uint8_t[]", self.cells)
        batch.safety = fb("int64_t[]", buffers["safety"])
        obs = _ffi.new("uint8_t *[]", num_agents)
        for i, agent in enumerate(agents):
            obs[i] = fb("uint8_t[]", buffers["observations"][agent])
        self._keep.append(obs)
        batch.obs = obs
        batch.rewards = fb("float[]", buffers["rewards"])
        batch.terminations = fb("uint8_t[]", buffers["terminations"])
        batch.truncations = fb("uint8_t[]", buffers["truncations"])
        batch.q = fb("double[]", self._q)
        batch.burning_list = fb("int32_t[]", self._burning_list)
        batch.source_list = fb("int32_t[]", self._source_list)
        batch.source_mark = fb("uint8_t[]", self._source_mark)
        batch.window = fb("uint8_t[]", self._window)
        self._batch = batch
        self._state_channels = params["state_shape"][0]
        _check(_lib.fm_check(cfg, batch), "fm_check")
        self._modes = np.zeros(n, np.uint8)
        self._seeds = np.zeros(n, np.uint64)
        self._modes_ptr = fb("uint8_t[]", self._modes)
        self._seeds_ptr = fb("uint64_t[]", self._seeds)

    def _array(self, ctype: str, values: Any, dtype: type) -> Any:
        array = np.ascontiguousarray(np.asarray(values, dtype))
        if array.size == 0:
            array = np.zeros(1, dtype)
        self._keep.append(array)
        pointer = _ffi.from_buffer(ctype, array)
        self._keep.append(pointer)
        return pointer

    def _pointer(self, ctype: str, array: np.ndarray) -> Any:
        pointer = _ffi.from_buffer(ctype, array, require_writable=True)
        self._keep.append((array, pointer))
        return pointer

    def reset(self, modes: np.ndarray, seeds: np.ndarray) -> None:
        self._modes[:] = modes
        self._seeds[:] = seeds
        _check(_lib.fm_reset(self._cfg, self._batch, self._modes_ptr, self._seeds_ptr), "fm_reset")

    def step(self, actions: np.ndarray) -> int:
        code = _lib.fm_step(self._cfg, self._batch, _ffi.from_buffer("int64_t[]", actions))
        _check(code, "fm_step")
        return code

    def state(self, out: np.ndarray) -> None:
        pointer = _ffi.from_buffer("uint8_t[]", out, require_writable=True)
        _check(_lib.fm_state(self._cfg, self._batch, pointer), "fm_state")
