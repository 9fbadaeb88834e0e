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


_DC_ERRORS = {
    -1: "a NULL pointer",
    -2: "an inconsistent configuration",
    -3: "a view whose shape does not match its extents",
    -4: "an inconsistent map (cells, objects or start cells)",
    -5: "a reset mode out of range",
    -6: "a level-2 arena with no room for its agents or objects (try fewer objects or agents)",
}

_DC_SCALARS = (
    "rows",
    "cols",
    "num_agents",
    "observation_direction_mode",
    "num_actions",
    "noops",
    "randomize_order",
    "max_cycles",
    "start_energy",
    "max_energy",
    "max_diamonds",
    "give_energy_amount",
    "shield_upkeep_energy",
    "mine_stock",
    "mine_cooldown",
    "mine_regrow_ticks",
    "charger_energy",
    "charger_cooldown",
    "altar_energy",
    "altar_cooldown",
    "attack_range",
    "shield_absorb",
    "freeze_ticks",
    "steal_energy_percent",
    "marker_lifetime",
    "max_markers",
    "num_colours",
    "bond_window_ticks",
    "heart_reward",
    "kin_threshold",
    "bond_kinship",
    "kinship_scheme",
    "beta_integer",
    "beta_a",
    "beta_b",
    "arena_per_episode",
    "num_mines",
    "num_chargers",
    "num_altars",
    "window_capacity",
    "marker_capacity",
    "num_int_metrics",
    "beta_capacity",
)


def _dc_check(code: int, what: str) -> None:
    if code < 0:
        raise ValueError(f"{what} failed: {_DC_ERRORS.get(code, f'error {code}')}")


def _struct_dtype(ctype: str, fields: dict[str, Any]) -> np.dtype:
    """The numpy dtype of a C struct (its layout from cffi), for viewing its array in numpy."""
    return np.dtype(
        {
            "names": list(fields),
            "formats": list(fields.values()),
            "offsets": [_ffi.offsetof(ctype, name) for name in fields],
            "itemsize": _ffi.sizeof(ctype),
        }
    )


class DiamondKernel:
    """The diamond charger batch kernel (``csrc/diamond_batch.c``) over numpy buffers.

    ``params`` is what ``environments.diamond_charger_batch.kernel_params`` derives from a
    config: scalars named like the fields of ``dc_config`` plus the map, kinship and view
    arrays. ``envs`` is the ``dc_env`` array seen as a numpy structured array (``envs["tick"]``,
    ``envs["agents"]["energy"]``, ...); the other state arrays are named like ``dc_batch``'s.
    """

    def __init__(self, params: Mapping[str, Any], num_envs: int, buffers: Mapping[str, Any]):
        if _lib is None:
            raise RuntimeError(
                f"the C kernel is not available ({kernel._FALLBACK_REASON}); use backend='numpy'"
            )
        n, agents = num_envs, params["agents"]
        num_agents = len(agents)
        if buffers["rewards"].shape[2] != 2 or buffers["float_safety"].shape[1] != 1:
            raise ValueError("the diamond kernel writes 2 reward dimensions and 1 float metric")
        cells = params["rows"] * params["cols"]
        objects = max(1, params["num_mines"] + params["num_chargers"] + params["num_altars"])
        self._keep: list[Any] = []

        cfg = _ffi.new("dc_config *")
        for name in _DC_SCALARS:
            setattr(cfg, name, params[name])
        for action, cost in enumerate(params["cost"]):
            cfg.cost[action] = cost
        cfg.num_teams = len(params["team_sizes"])
        cfg.team_sizes = self._array("int32_t[]", params["team_sizes"], np.int32)
        cfg.kinship = self._array("double[]", params["kinship"], np.float64)
        cfg.static_cells = self._array("uint8_t[]", params["static_cells"], np.uint8)
        cfg.static_who = self._array("uint16_t[]", params["static_who"], np.uint16)
        cfg.start = self._array("int32_t[]", params["start"], np.int32)
        cfg.obs_size = self._array("int64_t[]", params["obs_size"], np.int64)
        views = _ffi.new("view_spec[]", num_agents)
        for i, view in enumerate(params["views"]):
            for field, value in view.items():
                setattr(views[i], field, value)
        self._keep.append(views)
        cfg.views = views
        self._cfg = cfg

        # State (numpy-owned; snapshot with copy() if needed).
        agent_dtype = _struct_dtype(
            "dc_agent",
            {
                **dict.fromkeys(
                    ("energy", "diamonds", "hearts", "bonds", "frozen_until", "bond_offer_tick"),
                    np.int64,
                ),
                **dict.fromkeys(
                    ("row", "col", "bond_offer_to", "marker_head", "marker_count"), np.int32
                ),
                **dict.fromkeys(("facing", "observation_facing", "shield", "colour"), np.uint8),
            },
        )
        env_dtype = _struct_dtype(
            "dc_env",
            {
                "seed": np.uint64,
                "episode": np.uint64,
                "key": np.uint64,
                "tick": np.int64,
                "needs_reset": np.int32,
                "agents": (agent_dtype, (_lib.DC_MAX_AGENTS,)),
            },
        )
        self._env_bytes = np.zeros(n * env_dtype.itemsize, np.uint8)
        self.envs = self._env_bytes.view(env_dtype)
        self.ticks = self.envs["tick"]
        self.cells = np.zeros((n, cells), np.uint8)
        self.who = np.zeros((n, cells), np.uint16)
        self.marker_owner = np.zeros((n, cells), np.uint8)
        self.marker_colour = np.zeros((n, cells), np.uint8)
        self.ready_at = np.zeros((n, objects), np.int64)
        self.stock = np.zeros((n, objects), np.int32)
        capacity = params["marker_capacity"]
        self.marker_cell = np.zeros((n, num_agents, capacity), np.int32)
        self.marker_placed = np.zeros((n, num_agents, capacity), np.int64)
        self.kinship = np.zeros((n, num_agents, num_agents), np.float64)
        self.kinship_q = np.zeros((n, num_agents, num_agents), np.uint8)
        self.bonded = np.zeros((n, num_agents, num_agents), np.uint8)
        self._window = np.zeros(max(params["window_capacity"], 1), np.uint8)
        self._arena_cells = np.zeros(cells, np.int32)
        self._beta_scratch = np.zeros(max(params["beta_capacity"], 1), np.float64)

        batch = _ffi.new("dc_batch *")
        batch.num_envs = n
        fb = self._pointer
        batch.envs = fb("dc_env[]", self._env_bytes)
        for name in (
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
            "bonded",
        ):
            array = getattr(self, name)
            setattr(batch, name, fb(f"{_ffi.typeof(getattr(batch, name)).item.cname}[]", array))
        obs = _ffi.new("uint8_t *[]", num_agents)
        for i, agent in enumerate(agents):
            obs[i] = fb("uint8_t[]", buffers["observations"][agent])
        self._keep.append(obs)
        batch.obs = obs
        batch.rewards = fb("float[]", buffers["rewards"])
        batch.terminations = fb("uint8_t[]", buffers["terminations"])
        batch.truncations = fb("uint8_t[]", buffers["truncations"])
        batch.int_metrics = fb("int64_t[]", buffers["safety"])
        batch.gini = fb("double[]", buffers["float_safety"])
        batch.window = fb("uint8_t[]", self._window)
        batch.arena_cells = fb("int32_t[]", self._arena_cells)
        batch.beta_scratch = fb("double[]", self._beta_scratch)
        self._batch = batch
        _dc_check(_lib.dc_check(cfg, batch), "dc_check")
        self._modes = np.zeros(n, np.uint8)
        self._seeds = np.zeros(n, np.uint64)
        self._modes_ptr = fb("uint8_t[]", self._modes)
        self._seeds_ptr = fb("uint64_t[]", self._seeds)

    _array = FiremakerKernel._array
    _pointer = FiremakerKernel._pointer

    def reset(self, modes: np.ndarray, seeds: np.ndarray) -> None:
        self._modes[:] = modes
        self._seeds[:] = seeds
        _dc_check(
            _lib.dc_reset(self._cfg, self._batch, self._modes_ptr, self._seeds_ptr), "dc_reset"
        )

    def step(self, actions: np.ndarray) -> int:
        code = _lib.dc_step(self._cfg, self._batch, _ffi.from_buffer("int64_t[]", actions))
        _dc_check(code, "dc_step")
        return code

    def state(self, out: np.ndarray) -> None:
        pointer = _ffi.from_buffer("uint8_t[]", out, require_writable=True)
        _dc_check(_lib.dc_state(self._cfg, self._batch, pointer), "dc_state")

    def generate_arena(self, map_key: int) -> tuple[np.ndarray, np.ndarray]:
        """The level-2 arena of a map key: cell codes (rows, cols) and start cells (A, 2)."""
        cells = np.zeros((self._cfg.rows, self._cfg.cols), np.uint8)
        start = np.zeros((self._cfg.num_agents, 2), np.int32)
        code = _lib.dc_generate_arena(
            self._cfg,
            self._batch,
            map_key,
            _ffi.from_buffer("uint8_t[]", cells, require_writable=True),
            _ffi.from_buffer("int32_t[]", start, require_writable=True),
        )
        _dc_check(code, "dc_generate_arena")
        return cells, start

    def episode_kinship(self, key: int) -> np.ndarray:
        """The kinship matrix the kernel gives an episode key."""
        out = np.zeros((self._cfg.num_agents, self._cfg.num_agents), np.float64)
        pointer = _ffi.from_buffer("double[]", out, require_writable=True)
        _dc_check(
            _lib.dc_episode_kinship(self._cfg, self._batch, key, pointer), "dc_episode_kinship"
        )
        return out
