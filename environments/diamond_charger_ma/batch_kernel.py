"""cffi binding of the diamond charger batch kernel (``csrc/diamond_charger/diamond_batch.c``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.batch.binding import ERRORS, BatchKernel, _lib, struct_dtype, writable


class DiamondKernel(BatchKernel):
    """The diamond charger batch kernel (``csrc/diamond_charger/diamond_batch.c``) over numpy buffers.

    ``params`` is what ``environments.diamond_charger_ma.batch.kernel_params`` derives from a
    config: every scalar field of ``dc_config`` under its name (but ``num_teams``, the length of
    ``team_sizes``) plus the map, kinship and view arrays. ``envs`` is the ``dc_env`` array seen as a numpy structured array (``envs["tick"]``,
    ``envs["agents"]["energy"]``, ...); the other state arrays are named like ``dc_batch``'s.
    """

    prefix = "dc"
    errors = {
        **ERRORS,
        -4: "an inconsistent map (cells, objects or start cells)",
        -6: "a level-2 arena with no room for its agents or objects (try fewer objects or agents)",
    }

    def __init__(
        self,
        params: Mapping[str, Any],
        num_envs: int,
        buffers: Mapping[str, Any],
        num_threads: int = 1,
    ):
        super().__init__(num_envs, num_threads)
        n, agents = num_envs, params["agents"]
        num_agents = len(agents)
        floats = params["num_float_metrics"]
        if buffers["rewards"].shape[2] != 2 or buffers["float_safety"].shape[1] != floats:
            raise ValueError(
                f"the diamond kernel writes 2 reward dimensions and {floats} float metrics"
            )
        cells = params["rows"] * params["cols"]
        objects = params["num_mines"] + params["num_converters"]
        if len(params["object_param"]) != objects:
            raise ValueError(
                f"object_param has {len(params['object_param'])} values for {objects} objects"
            )
        objects = max(1, objects)

        cfg = self._config("dc_config", params, derived=("num_teams",))
        for name in (
            "accepted",
            "enabled",
            "profile_max_energy",
            "profile_carry",
            "profile_view",
            "profile_upkeep",
            "profile_cost",
            "body_size",
            "body_posture",
            "agent_body",
            "body_weight",
            "recipe_in",
            "recipe_out",
            "recipe_cooldown",
        ):
            _fill(getattr(cfg, name), params[name])
        cfg.num_teams = len(params["team_sizes"])
        cfg.team_sizes = self._array("int32_t[]", params["team_sizes"], np.int32)
        cfg.kinship = self._array("double[]", params["kinship"], np.float64)
        cfg.static_who = self._array("uint16_t[]", params["static_who"], np.uint16)
        cfg.object_param = self._array("int32_t[]", params["object_param"], np.int32)

        # State (numpy-owned; snapshot with copy() if needed).
        agent_dtype = struct_dtype(
            "dc_agent",
            {
                **dict.fromkeys(
                    (
                        "energy",
                        "hearts",
                        "bonds",
                        "frozen_until",
                        "bond_offer_tick",
                        "posture_ready_at",
                        "hunger",
                        "born_at",
                        "reproduce_ready_at",
                    ),
                    np.int64,
                ),
                "inventory": (np.int64, (_lib.DC_NUM_RESOURCES,)),
                **dict.fromkeys(
                    (
                        "body",
                        "posture_slot",
                        "parent",
                        "row",
                        "col",
                        "start_row",
                        "start_col",
                        "joint_altar",
                        "bond_offer_to",
                        "partner",
                        "marker_head",
                        "marker_count",
                    ),
                    np.int32,
                ),
                **dict.fromkeys(
                    ("facing", "observation_facing", "shield", "colour", "alive", "used"), np.uint8
                ),
            },
        )
        env_dtype = struct_dtype(
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
        self.hit_points = np.zeros((n, cells), np.int64)
        self.cache = np.zeros((n, cells, _lib.DC_NUM_RESOURCES), np.int64)
        self.who = np.zeros((n, cells), np.uint16)
        self.marker_owner = np.zeros((n, cells), np.uint8)
        self.marker_colour = np.zeros((n, cells), np.uint8)
        self.marker_symbol = np.zeros((n, cells), np.uint8)
        self.ready_at = np.zeros((n, objects), np.int64)
        self.stock = np.zeros((n, objects), np.int32)
        self.works = np.zeros((n, objects), np.uint8)
        capacity = params["marker_capacity"]
        self.marker_cell = np.zeros((n, num_agents, capacity), np.int32)
        self.marker_placed = np.zeros((n, num_agents, capacity), np.int64)
        self.kinship = np.zeros((n, num_agents, num_agents), np.float64)
        self.kinship_q = np.zeros((n, num_agents, num_agents), np.uint8)

        batch = self._batch_of("dc_batch", n, agents, buffers)
        self._wire(
            batch,
            envs=self._env_bytes,
            cells=self.cells,
            hit_points=self.hit_points,
            cache=self.cache,
            alive=buffers["alive"],
            who=self.who,
            marker_owner=self.marker_owner,
            marker_colour=self.marker_colour,
            marker_symbol=self.marker_symbol,
            ready_at=self.ready_at,
            stock=self.stock,
            works=self.works,
            marker_cell=self.marker_cell,
            marker_placed=self.marker_placed,
            kinship=self.kinship,
            kinship_q=self.kinship_q,
            int_metrics=buffers["safety"],
            float_metrics=buffers["float_safety"],
            window=self._scratch(params["window_capacity"], np.uint8),
            arena_cells=self._scratch(cells, np.int32),
            beta_scratch=self._scratch(params["beta_capacity"], np.float64),
        )
        self._start(cfg, batch)

    def generate_arena(self, map_key: int) -> tuple[np.ndarray, np.ndarray]:
        """The level-2 arena of a map key: cell codes (rows, cols) and start cells (A, 2)."""
        cells = np.zeros((self._cfg.rows, self._cfg.cols), np.uint8)
        start = np.zeros((self._cfg.num_founders, 2), np.int32)
        self._call(
            "generate_arena",
            self._cfg,
            self._batch,
            map_key,
            writable("uint8_t[]", cells),
            writable("int32_t[]", start),
        )
        return cells, start

    def episode_kinship(self, key: int) -> np.ndarray:
        """The kinship matrix the kernel gives an episode key."""
        out = np.zeros((self._cfg.num_agents, self._cfg.num_agents), np.float64)
        self._call("episode_kinship", self._cfg, self._batch, key, writable("double[]", out))
        return out


def _fill(array: Any, values: Any) -> None:
    """Copy (nested) values into a fixed-size C array field of the config (the rest stays 0)."""
    for i, value in enumerate(values):
        if isinstance(value, (list, tuple)):
            _fill(array[i], value)
        else:
            array[i] = value
