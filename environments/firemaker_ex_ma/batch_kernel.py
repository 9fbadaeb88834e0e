"""cffi binding of the Firemaker batch kernel (``csrc/firemaker/firemaker_batch.c``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.batch.binding import ERRORS, BatchKernel


class FiremakerKernel(BatchKernel):
    """The Firemaker batch kernel (``csrc/firemaker/firemaker_batch.c``) over numpy buffers.

    ``params`` is what ``environments.firemaker_ex_ma.batch.kernel_params`` derives from a config:
    every scalar field of ``fm_config`` under its name (but ``num_agents`` and ``num_spans``,
    the lengths of its arrays) plus the per-agent and fire arrays.
    """

    prefix = "fm"
    errors = {**ERRORS, -4: "a fire kernel span out of range"}

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
        rows, cols = params["rows"], params["cols"]

        cfg = self._config("fm_config", params, derived=("num_agents", "num_spans"))
        cfg.num_agents = num_agents
        cfg.is_supervisor = self._array("int32_t[]", params["is_supervisor"], np.int32)
        cfg.reward_index = self._array("int32_t[]", params["reward_index"], np.int32)
        spans = params["spans"]
        cfg.num_spans = len(spans)
        cfg.span = self._array("int32_t[]", np.asarray(spans, np.int32).reshape(-1, 3), np.int32)
        cfg.span_start = self._array("int64_t[]", params["span_start"], np.int64)
        cfg.factors = self._array("double[]", params["factors"], np.float64)

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
        self.burnt = np.zeros((n, rows, cols), np.uint8)
        self.fire_age = np.zeros((n, rows, cols), np.uint16)
        size = rows * cols

        batch = self._batch_of("fm_batch", n, agents, buffers)
        self._wire(
            batch,
            seed=self.seed,
            episode=self.episode,
            key=self.key,
            tick=self.ticks,
            last_pressed_tick=self.last_pressed_tick,
            needs_reset=self.needs_reset,
            num_fires=self.num_fires,
            position=self.position,
            facing=self.facing,
            cells=self.cells,
            burnt=self.burnt,
            fire_age=self.fire_age,
            safety=buffers["safety"],
            q=self._scratch(size, np.float64, 1.0),
            burning_list=self._scratch(size, np.int32),
            source_list=self._scratch(size, np.int32),
            source_mark=self._scratch(size, np.uint8),
            window=self._scratch(params["window_capacity"], np.uint8),
        )
        self._start(cfg, batch)
