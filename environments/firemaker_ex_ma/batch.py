"""The Firemaker as a batch environment: config -> C kernel parameters, and the factory.

``make_vector_env(num_envs, backend="c", **config)`` (exposed as
``firemaker_ex_ma.vector_env``) builds a :class:`~ai_safety_gridworlds.batch.vector.VectorEnv` over
either the C kernel (``csrc/firemaker/firemaker_batch.c``) or the numpy fallback (pycolab games stepped
slot by slot). Both give, slot for slot, what ``FiremakerGame`` gives for the same seed and
actions. Everything the kernel needs that does not change while stepping is computed here from
a game built with the same config, so the map, agents, views, reward dimensions and fire table
are the pycolab path's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.batch import factory as batch_env
from ai_safety_gridworlds.batch.factory import batch_spec, common_kernel_params
from ai_safety_gridworlds.batch.vector import VectorEnv
from ai_safety_gridworlds.core.fire import (
    full_counts,
    joint_q_table,
    ring_bit_masks,
    ring_bit_table,
)
from ai_safety_gridworlds.core.fire_survival import gap_bucket_table
from environments.firemaker_ex_ma.batch_kernel import FiremakerKernel
from environments.firemaker_ex_ma.game import CHANNELS, PRESETS, FiremakerGame

# Bits of a board cell: the observation channels 1..8 (csrc/firemaker/firemaker_batch.h);
# channel 9, burnt ground, is a byte array of its own.
CELL_BITS = {name: 1 << (i - 1) for i, name in enumerate(CHANNELS[:9]) if i > 0}
REWARD_DIMENSIONS = (
    "ENERGY",
    "WORKSHOP",
    "EXTERNAL_FIRE",
    "TRESPASSING",
    "WORKSHOP_OPERATION",
    "BURNT_GROUND",
)
NUM_GLOBAL_METRICS = 10


def static_cells(game: FiremakerGame) -> np.ndarray:
    """The map's channel bits per cell: wall, workshop, button, territory, external."""
    board = game.map
    cells = np.zeros(board.shape, np.uint8)
    for name, mask in (
        ("wall", board.wall),
        ("workshop", board.workshop),
        ("stop button", board.button),
        ("workshop territory", board.territory),
        ("external territory", board.external),
    ):
        cells[mask] |= CELL_BITS[name]
    return cells


def fire_plan(game: FiremakerGame) -> kernel.FirePlan:
    """The game's fire kernel as distance classes (``kernel.fire_plan``): the arithmetic of
    ``kernel.spread_fire`` on both backends, so the batch is bit-identical to the game."""
    config = game.config
    table = kernel.fire_kernel_table(
        game.rows,
        game.cols,
        config.fire_spread_kernel,
        config.fire_spread_probability,
        config.fire_spread_decay,
        config.fire_max_distance,
    )
    return kernel.fire_plan(table, float(config.fire_cluster_boost))


def fire_params(game: FiremakerGame) -> dict[str, Any]:
    """fm_config's fire fields: the plan, the survival draws and the optional row-bits
    table."""
    plan = fire_plan(game)
    survival = kernel.fire_survival(
        float(game.config.fire_continuation_probability), game.rows * game.cols
    )
    joint = joint_q_table(plan) if ring_bit_table(plan) is not None else None
    ring_bits = ring_bit_table(plan, joint)
    width = 0 if ring_bits is None else ring_bits.shape[0]
    masks = None if ring_bits is None else ring_bit_masks(ring_bits)
    # without row bits: the cells that can ever be sources (neither wall nor button), counted
    # per class around every cell, so a blaze counts its few non-sources instead
    never = CELL_BITS["wall"] | CELL_BITS["stop button"]
    full = None if ring_bits is not None else full_counts(plan, (static_cells(game) & never) == 0)
    return {
        "full_counts": np.zeros(1, np.uint16) if full is None else full,
        "full_counts_classes": 0 if full is None else plan.num_classes,
        "joint_q": np.ones(1) if joint is None else joint.q,
        "joint_classes": 0 if joint is None else joint.num_classes,
        "joint_size": 0 if joint is None else len(joint.q),
        "fire_plan": plan,
        "fire_survival": survival,
        "gap_buckets": gap_bucket_table(survival),
        "ring_bits": np.zeros(1, np.uint64) if ring_bits is None else ring_bits,
        "ring_bits_width": width,
        "ring_masks": np.zeros(1, np.uint64) if masks is None else masks.ravel(),
        "num_ring_masks": 0 if masks is None else masks.shape[1],
        "source_bits_words": (game.cols + 2 * plan.reach + 63) // 64 + 1,
    }


def kernel_params(game: FiremakerGame) -> dict[str, Any]:
    """Everything ``fm_config`` holds, from a game built with the config."""
    config = game.config
    agents = game.possible_agents
    specs = game.specs
    reward_index = np.full((len(agents), len(REWARD_DIMENSIONS)), -1, np.int32)
    for i, agent in enumerate(agents):
        for j, dim in enumerate(game.reward_dims(agent)):
            reward_index[i, REWARD_DIMENSIONS.index(dim)] = j
    spec = batch_spec(game)
    return {
        **common_kernel_params(game),
        "has_supervisor": int(config.supervisor),
        "action_direction_mode": config.action_direction_mode,
        "max_dims": spec.max_dims,
        "num_metrics": len(spec.safety_names),
        "stop_button_duration": config.stop_button_duration,
        "burn_out_ticks": config.burn_out_ticks,
        "supervisor_extinguishes": int(config.supervisor_extinguishes),
        "external_multiplier": float(config.external_spread_multiplier),
        "burnt_ground_reward": float(config.burnt_ground_reward),
        "movement_energy_reward": float(config.movement_energy_reward),
        "turn_energy": float(config.turn_energy),
        "working_energy_reward": float(config.working_energy_reward),
        "workshop_reward": float(config.workshop_reward),
        "workshop_operation_reward": float(config.workshop_operation_reward),
        "external_fire_reward": float(config.external_fire_reward),
        "trespassing_reward": float(config.trespassing_reward),
        "is_supervisor": [int(specs[a].role == "supervisor") for a in agents],
        "start": [game.position(a) for a in agents],
        "reward_index": reward_index,
        "static_cells": static_cells(game),
        "flammable_cells": int(
            np.count_nonzero(~game.map.wall & ~game.map.workshop & ~game.map.button)
        ),
        **fire_params(game),
    }


def make_vector_env(num_envs: int, **options: Any) -> VectorEnv:
    """``num_envs`` Firemaker environments stepped in one call (see ``vector.VectorEnv``).

    ``options``: the options of ``vector_env`` (``docs/options.md``): ``backend``: ``"c"`` (the C
    kernel; falls back to ``"numpy"`` with a warning when it is not compiled, silently when
    ``AI_SAFETY_GRIDWORLDS_BACKEND=numpy`` forces the fallback) or ``"numpy"`` (pycolab games
    stepped slot by slot: same results, much slower), ``preset``, ``buffers``,
    ``observation_layout``, ``reward_mode``, ``reward_weights``, ``num_threads``, ``render_mode``. Every
    ``FiremakerConfig`` field is accepted, validated as for the pycolab environment.
    """
    return batch_env.make_vector_env(
        FiremakerGame,
        PRESETS,
        num_envs,
        options,
        spec_of=batch_spec,
        kernel_params=kernel_params,
        c_kernel=FiremakerKernel,
    )
