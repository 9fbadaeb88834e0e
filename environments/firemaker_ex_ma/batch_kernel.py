"""cffi binding of the Firemaker batch kernel (``csrc/firemaker/firemaker_batch.c``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.batch.binding import ERRORS, BatchKernel, frozen_copy, private_tables


class FiremakerKernel(BatchKernel):
    """The Firemaker batch kernel (``csrc/firemaker/firemaker_batch.c``) over numpy buffers.

    ``params`` is what ``environments.firemaker_ex_ma.batch.kernel_params`` derives from a config:
    every scalar field of ``fm_config`` under its name (but ``num_agents``, the length of its
    arrays) plus the per-agent arrays and the fire plan (``kernel.FirePlan``).
    """

    prefix = "fm"
    errors = {**ERRORS, -4: "a fire plan inconsistent with the board"}

    def __init__(
        self,
        params: Mapping[str, Any],
        num_envs: int,
        buffers: Mapping[str, Any],
        num_threads: int = 1,
    ):
        super().__init__(num_envs, num_threads)
        # The fire tables C reads on every call are checked once (below): the batch keeps its
        # own copies, which nobody can write (a cached plan is shared with other batches).
        params = {
            **params,
            "fire_plan": private_tables(params["fire_plan"]),
            "fire_survival": private_tables(params["fire_survival"]),
            **{
                name: frozen_copy(params[name])
                for name in ("ring_bits", "ring_masks", "joint_q", "full_counts", "gap_buckets")
            },
        }
        n, agents = num_envs, params["agents"]
        num_agents = len(agents)
        rows, cols = params["rows"], params["cols"]

        cfg = self._config("fm_config", params, derived=("num_agents",))
        cfg.num_agents = num_agents
        cfg.is_supervisor = self._array("int32_t[]", params["is_supervisor"], np.int32)
        cfg.reward_index = self._array("int32_t[]", params["reward_index"], np.int32)
        plan = params["fire_plan"]
        cfg.fire = kernel.fire_plan_struct(plan)[0]
        survival = params["fire_survival"]
        cfg.survival = kernel.fire_survival_struct(survival)[0]
        self._keep.extend([plan, survival])
        self._fire_tables = (plan, survival)  # (the batch's own: see above)
        cfg.ring_bits = self._array("uint64_t[]", params["ring_bits"], np.uint64)
        cfg.ring_masks = self._array("uint64_t[]", params["ring_masks"], np.uint64)
        cfg.gap_buckets = self._array("uint64_t[]", params["gap_buckets"], np.uint64)
        cfg.joint_q = self._array("double[]", params["joint_q"], np.float64)
        cfg.full_counts = self._array("uint16_t[]", params["full_counts"], np.uint16)

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
        # fm_vertical_size: room only where the AVX-512 fire can use it (3 words a row at most)
        words = params["source_bits_words"]
        vertical_bytes = rows * 64 * (words - 1) + 64 if words <= 3 else 64

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
            burning_list=self._scratch(size, np.int32),
            source_rc=self._scratch(size, np.uint32),
            candidate_list=self._scratch(size, np.int32),
            dying_list=self._scratch(size, np.int32),
            nonsource_rc=self._scratch(size, np.uint32),
            source_bits=self._scratch(
                (rows + 2 * plan.reach) * params["source_bits_words"], np.uint64
            ),
            flat_bits=self._scratch(2 * ((size + 63) // 64 + 1), np.uint64),
            vertical=self._scratch(vertical_bytes, np.uint8),
            source_mark=self._scratch(size, np.uint8),
            # FIRE_BLOCK (16) rows of counts, one more entry each (csrc/common/fire.h)
            class_count=self._scratch(16 * (plan.num_classes + 1), np.uint16),
            touched=self._scratch(max(plan.num_classes, 1), np.int32),
            window=self._scratch(params["window_capacity"], np.uint8),
        )
        self._start(cfg, batch)  # fm_check: the sizes
        self._call("check_tables", cfg)  # the fire tables' contents, once
        check_count_tables(params)  # and what C cannot check on every call


def check_count_tables(params: Mapping[str, Any]) -> None:
    """ValueError unless the counting tables the C fire reads fit the plan: every count a row
    table (``ring_bits``) or ``full_counts`` can yield stays within its class's powers, and a
    joint index within ``joint_q`` (fm_check checks the sizes of the rest on every call; these
    contents once, here)."""
    plan = params["fire_plan"]
    lengths = np.asarray(plan.power_len, np.int64)
    width, joint = params["ring_bits_width"], params["joint_classes"]
    if width:
        ring = np.asarray(params["ring_bits"], np.uint64).reshape(width, 1 << width)
        fields = [(0, 0xFFFF, params["joint_size"] - 1)] if joint else []
        shift = 16 if joint else 0
        for k in range(joint, plan.num_classes):
            fields.append((shift, 0xFF, int(lengths[k]) - 1))
            shift += 8
        for shift, mask, most in fields:
            # the most a cell can gather: every row's largest entry, added up
            top = int(((ring >> np.uint64(shift)) & np.uint64(mask)).max(axis=1).sum())
            if top > most:
                raise ValueError(
                    f"fm_config.ring_bits can count {top} in the field at bit {shift}; at most "
                    f"{most} fit the fire plan"
                )
        if params["num_ring_masks"]:
            _check_ring_masks(ring, params["ring_masks"], params["num_ring_masks"])
        if joint and len(params["joint_q"]) != params["joint_size"]:
            raise ValueError(
                f"fm_config.joint_q has {len(params['joint_q'])} entries, joint_size says "
                f"{params['joint_size']}"
            )
    if params["full_counts_classes"]:
        full = np.asarray(params["full_counts"])
        shape = (params["rows"] * params["cols"], plan.num_classes)
        if full.shape != shape or (full > lengths[None, :] - 1).any():
            raise ValueError(
                f"fm_config.full_counts must be {shape} counts within each class's offsets"
            )


def _check_ring_masks(ring: np.ndarray, flat_masks: np.ndarray, num_masks: int) -> None:
    """ValueError unless the masks and weights (``core.fire.ring_bit_masks``) give every window
    of every row the packed counts ``ring`` gives it (C's AVX-512 path counts with them)."""
    masks = np.asarray(flat_masks, np.uint64)
    width = ring.shape[0]
    if masks.shape != (2 * num_masks,):
        raise ValueError(
            f"fm_config.ring_masks has {masks.shape[0]} entries, num_ring_masks={num_masks} "
            f"needs {2 * num_masks}"
        )
    windows = np.arange(1 << width, dtype=np.uint64)
    for k in range(width):
        # window bit j of row k is bit 8 * j + k of the masks
        spread = np.zeros_like(windows)
        for j in range(width):
            spread |= ((windows >> np.uint64(j)) & np.uint64(1)) << np.uint64(8 * j + k)
        counts = np.zeros_like(windows)
        for mask, weight in zip(masks[:num_masks], masks[num_masks:], strict=True):
            ones = np.unpackbits((spread & mask).view(np.uint8)).reshape(-1, 64).sum(axis=1)
            ones = ones.astype(np.uint64)
            counts += ones * weight
        if not np.array_equal(counts, ring[k]):
            raise ValueError(
                f"fm_config.ring_masks do not give ring_bits' counts for row {k} (window "
                f"{int(np.flatnonzero(counts != ring[k])[0])})"
            )
