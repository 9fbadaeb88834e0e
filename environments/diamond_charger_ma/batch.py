"""The diamond charger as a batch environment: config -> C kernel parameters, and the factory.

``make_vector_env(num_envs, backend="c", **config)`` (exposed as
``diamond_charger_ma.vector_env``) builds a :class:`~ai_safety_gridworlds.batch.vector.VectorEnv`
over either the C kernel (``csrc/diamond_charger/diamond_batch.c``) or the numpy fallback (pycolab games
stepped slot by slot). Both give, slot for slot, what ``DiamondChargerGame`` gives for the same
seed and actions. Everything static is derived here from a game built with the same config:
the map (or, for level-2 arenas drawn per episode, the generator's parameters: the kernel
regenerates each episode's arena from its key), start cells, the kinship matrix (or the Beta
parameters of ``kinship="random"``, drawn by the kernel per episode), views and the rules'
numbers.

Every configuration of the pycolab environment runs on the C kernel: the config's own bounds
(``DiamondChargerConfig``: ints within ``INT_LIMIT`` = 2**53 and their declared C types, maps
at most 256 a side) keep every value within the kernel's limits, so the same ``ValueError``
rejects a value on every backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai_safety_gridworlds.batch import factory as batch_env
from ai_safety_gridworlds.batch.factory import common_kernel_params
from ai_safety_gridworlds.batch.vector import BatchSpec, VectorEnv
from environments.diamond_charger_ma import bodies
from environments.diamond_charger_ma import kinship as kinships
from environments.diamond_charger_ma.actions import COST_KIND, NUM_ACTIONS
from environments.diamond_charger_ma.batch_kernel import DiamondKernel
from environments.diamond_charger_ma.config import ARENA_KINDS
from environments.diamond_charger_ma.economy import RESOURCES
from environments.diamond_charger_ma.game import (
    FLOAT_METRICS,
    GLOBAL_METRICS,
    PER_AGENT_FLOAT_METRICS,
    PER_AGENT_METRICS,
    PRESETS,
    Action,
    DiamondChargerGame,
)

# Cell codes of the static map (csrc/diamond_charger/diamond_batch.h DC_CELL_*).
CELL_WALL, CELL_MINE, CELL_CONVERTER, CELL_BUILT = 1, 2, 4, 8
DESTROY_BITS = {"built_wall": 1, "wall": 2, "mine": 4, "converter": 8}
"""``destructible`` kinds as DC_DESTROY_* bits."""
MAX_OBJECTS = 65535

INT_RULES = (
    "start_energy",
    "max_energy",
    "max_diamonds",
    "give_energy_amount",
    "shield_upkeep_energy",
    "rest_energy",
    "rest_limit",
    "posture_cooldown",
    "starvation_ticks",
    "offspring_energy",
    "reproduce_cooldown",
    "mine_stock",
    "mine_cooldown",
    "mine_regrow_ticks",
    "attack_range",
    "shield_absorb",
    "freeze_ticks",
    "steal_energy_percent",
    "build_amount",
    "built_wall_hp",
    "wall_hp",
    "object_hp",
    "attack_damage",
    "marker_lifetime",
    "max_markers",
    "num_colours",
    "bond_window_ticks",
)
"""Integer fields copied into ``dc_config`` under the same names."""


def body_params(game: DiamondChargerGame) -> dict[str, Any]:
    """The profile table (capacity, carry, view, upkeep, cost per action), the bodies'
    postures and who gets which body (``agent_body``, or ``body_weight`` for random draws)."""
    config = game.config
    table = game.profiles
    fixed = bodies.fixed_bodies(config, game.layout.teams)
    return {
        "num_profiles": len(table),
        "profile_max_energy": [p.max_energy for p in table],
        "profile_carry": [p.carry for p in table],
        "profile_view": [-1 if p.view is None else p.view for p in table],
        "profile_upkeep": [p.upkeep for p in table],
        "profile_cost": [
            [p.cost(COST_KIND[a]) if a in COST_KIND else 0 for a in range(NUM_ACTIONS)]
            for p in table
        ],
        "num_bodies": len(game.body_postures),
        "body_size": [len(postures) for postures in game.body_postures],
        "body_posture": [list(postures) for postures in game.body_postures],
        "body_assignment": 0 if fixed is not None else 1,
        "agent_body": list(fixed or ()),
        "body_weight": list(config.body_weights or (1,) * len(config.bodies)),
    }


def batch_spec(game: DiamondChargerGame) -> BatchSpec:
    """Agents, shapes, actions, rewards and metrics of a game's configuration."""
    float_names = (
        *FLOAT_METRICS,
        *(f"{metric}/{a}" for metric in PER_AGENT_FLOAT_METRICS for a in game.possible_agents),
    )
    return batch_env.batch_spec(
        game,
        float_safety_names=float_names,
        channel_high=tuple(game.observation_high),
        population=True,
    )


def static_map(game: DiamondChargerGame) -> dict[str, Any]:
    """The fixed map's cell codes, object indices (the mines, then the converters, each in
    row-major order), each object's resource or recipe, and the start cells."""
    board = game.map
    cells = np.zeros(board.shape, np.uint8)
    who = np.zeros(board.shape, np.uint16)
    cells[board.wall] = CELL_WALL
    cells[board.mine] = CELL_MINE
    cells[board.converter] = CELL_CONVERTER
    cells[board.built] = CELL_BUILT
    num_mines, num_converters = int(board.mine.sum()), int(board.converter.sum())
    if num_mines + num_converters > MAX_OBJECTS:
        raise ValueError(
            f"the C kernel supports up to {MAX_OBJECTS} mines and converters, "
            f"got {num_mines + num_converters}"
        )
    who[board.mine] = np.arange(num_mines)
    who[board.converter] = np.arange(num_mines, num_mines + num_converters)
    return {
        "static_cells": cells,
        "static_who": who,
        "start": list(board.agent_starts[: game.layout.num_agents]),
        "num_mines": num_mines,
        "num_converters": num_converters,
        "arena_chargers": 0,
        "object_param": [
            *board.mine_resource[board.mine].tolist(),
            *board.converter_recipe[board.converter].tolist(),
        ],
    }


def recipe_params(game: DiamondChargerGame) -> dict[str, Any]:
    """Every recipe's inputs (resources, energy), outputs (resources, energy, hearts) and
    cooldown (``economy.recipe_table`` order)."""
    recipes = game.recipes
    return {
        "num_recipes": len(recipes),
        "recipe_in": [[r.takes(what) for what in (*RESOURCES, "energy")] for r in recipes],
        "recipe_out": [
            [r.gives(what) for what in (*RESOURCES, "energy", "heart")] for r in recipes
        ],
        "recipe_cooldown": [r.cooldown for r in recipes],
    }


def kinship_params(game: DiamondChargerGame) -> dict[str, Any]:
    """The fixed kinship matrix, or the Beta parameters the kernel draws from per episode."""
    config, layout = game.config, game.layout
    a, b = float(config.kinship_beta_a), float(config.kinship_beta_b)
    random = config.kinship == "random"
    integer = random and a.is_integer() and b.is_integer()
    founders = layout.num_agents
    matrix = np.eye(len(game.possible_agents))
    if not random:
        matrix[:founders, :founders] = kinships.kinship_matrix(
            config.kinship,
            layout.teams,
            layout.clans,
            clan_kinship=config.clan_kinship,
            matrix=config.kinship_matrix,
        )
    return {
        "kinship_scheme": int(random),
        "beta_integer": int(integer),
        "beta_a": a,
        "beta_b": b,
        "kinship": np.ascontiguousarray(matrix, np.float64),
        "beta_capacity": int(a + b - 1) if integer else 1,
    }


def kernel_params(game: DiamondChargerGame) -> dict[str, Any]:
    """Everything ``dc_config`` holds, from a game built with the config."""
    config = game.config
    agents = game.possible_agents
    n = len(agents)
    legal = game.legal_actions(agents[0])
    accepted = game.accepted_actions(agents[0])
    params: dict[str, Any] = {
        **common_kernel_params(game),
        "num_agents": n,
        "num_founders": game.layout.num_agents,
        "reproduction": int(config.reproduction),
        "mate_selection": int(config.mate_selection),
        "mutation_rate": float(config.mutation_rate),
        **{name: getattr(config, name) for name in INT_RULES},
        **body_params(game),
        **recipe_params(game),
        "build_resource": RESOURCES.index(config.build_resource)
        if config.build_resource in RESOURCES
        else -1,
        "destructible_bits": sum(DESTROY_BITS[kind] for kind in config.destructible),
        "accepted": [int(accepted[a]) if a < len(accepted) else 0 for a in Action],
        "enabled": [int(legal[a] or a == Action.NOOP) if a < len(legal) else 0 for a in Action],
        "heart_reward": float(config.heart_reward),
        "working_chargers": config.working_chargers,
        "working_altars": config.working_altars,
        "altar_users": config.altar_users,
        "respawn_on_heart": int(config.respawn_on_heart),
        "kin_threshold": float(config.kin_threshold),
        "stranger_threshold": float(config.stranger_threshold),
        "bond_kinship": float(config.bond_kinship),
        "bond_share": float(config.bond_share),
        **kinship_params(game),
        "marker_capacity": min(config.max_markers, game.rows * game.cols),
        "num_int_metrics": 1 + len(GLOBAL_METRICS) + len(PER_AGENT_METRICS) * n,
        "num_float_metrics": len(FLOAT_METRICS) + len(PER_AGENT_FLOAT_METRICS) * n,
    }
    if game.arena_per_episode():
        size = game.rows * game.cols
        params.update(
            arena_per_episode=1,
            arena_kind=ARENA_KINDS.index(config.arena_kind),
            maze_openness=config.maze_openness,
            maze_min_distance=config.maze_min_distance,
            team_sizes=list(game.layout.team_sizes),
            num_mines=config.arena_mines,
            num_converters=config.arena_chargers + config.arena_altars,
            arena_chargers=config.arena_chargers,
            object_param=[0] * (config.arena_mines + config.arena_chargers)
            + [1] * config.arena_altars,
            static_cells=np.zeros(size, np.uint8),
            static_who=np.zeros(size, np.uint16),
            start=np.zeros((game.layout.num_agents, 2), np.int32),
        )
    else:
        params.update(
            arena_per_episode=0,
            arena_kind=0,
            maze_openness=0,
            maze_min_distance=0,
            team_sizes=[n],
            **static_map(game),
        )
    return params


def make_vector_env(num_envs: int, **options: Any) -> VectorEnv:
    """``num_envs`` diamond chargers stepped in one call (see ``vector.VectorEnv``).

    ``options``: the options of ``vector_env`` (``docs/options.md``): ``backend``: ``"c"`` (the C
    kernel; falls back to ``"numpy"`` with a warning when it is not compiled, silently when
    ``AI_SAFETY_GRIDWORLDS_BACKEND=numpy`` forces the fallback) or ``"numpy"`` (pycolab games
    stepped slot by slot: same results, much slower), ``preset``, ``buffers``,
    ``observation_layout``, ``reward_mode``, ``reward_weights``, ``num_threads``, ``render_mode``. Every
    ``DiamondChargerConfig`` field is accepted, validated as for the pycolab environment.
    ``infos["safety"]`` holds float64 arrays for ``hearts_gini`` and the bond transfers
    (``bond_reward_transferred``, ``bond_reward_paid/<agent>``, ``bond_reward_received/<agent>``);
    every other metric is int64.
    """
    return batch_env.make_vector_env(
        DiamondChargerGame,
        PRESETS,
        num_envs,
        options,
        spec_of=batch_spec,
        kernel_params=kernel_params,
        c_kernel=DiamondKernel,
    )
