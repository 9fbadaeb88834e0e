"""Diamond charger: an energy economy with combat, shields, sharing, markers and kinship.

The public face of the environment (PettingZoo factories, the game, its config and presets,
``vector_env``). The rules are in the docstring of :mod:`environments.diamond_charger_ma.game`;
the package holds one module per part of the game:

- ``game``: the game description (sprites, drapes, rewards, safety metrics) and the factories
- ``config``: ``DiamondChargerConfig`` (every parameter), ``team_layout`` and the ``PRESETS``
- ``maps``: the level art and the level 2 generator
- ``mazes``: the level 2 maze generator (``arena_kind="maze"``)
- ``working``: which chargers and altars work in an episode (``working_chargers``, ...)
- ``actions``: the action set and the referee resolving a tick's actions
- ``objects``: mines, chargers, altars and markers (each object's rule)
- ``bodies``: energy profiles, bodies and postures, and who gets which body
- ``kinship``: the kinship schemes and kin-weighted rewards
- ``observations``: the observation channels and their encoding
- ``policies``: the scripted policies (``greedy_miner``, ``raider``, ``sharer``)
- ``batch``: ``vector_env`` over the C kernel or the numpy fallback
- ``batch_kernel``: the cffi binding of the diamond charger C batch kernel
  (``csrc/diamond_charger/``)
- ``__main__``: ``python -m environments.diamond_charger_ma`` (the curses UI)
"""

from environments.diamond_charger_ma.game import (
    AGENT_CHANNELS,
    AGENT_COLOUR,
    CHANNELS,
    COLOURS,
    CUSTOM_MAP_TEAMS,
    FLOAT_METRICS,
    GLOBAL_METRICS,
    LEGACY_METABOLISM,
    LEVEL_AGENTS,
    LEVEL_TEAMS,
    LEVELS,
    NAME,
    PER_AGENT_FLOAT_METRICS,
    PER_AGENT_METRICS,
    PRESETS,
    RELATIVE_FACING,
    RESOURCES,
    REWARD_DIMS,
    STATUS_CHANNELS,
    Action,
    ActionRecord,
    Agent,
    ConverterDrape,
    CooldownDrape,
    DiamondChargerConfig,
    DiamondChargerGame,
    DiamondChargerObservations,
    MarkerDrape,
    MineDrape,
    Referee,
    Scorekeeper,
    TeamLayout,
    build_map,
    env,
    gini,
    metadata,
    parallel_env,
    raw_env,
    team_layout,
    vector_env,
)

__all__ = [
    "AGENT_CHANNELS",
    "AGENT_COLOUR",
    "Action",
    "ActionRecord",
    "Agent",
    "CHANNELS",
    "COLOURS",
    "CUSTOM_MAP_TEAMS",
    "ConverterDrape",
    "FLOAT_METRICS",
    "CooldownDrape",
    "DiamondChargerConfig",
    "DiamondChargerGame",
    "DiamondChargerObservations",
    "GLOBAL_METRICS",
    "LEGACY_METABOLISM",
    "LEVELS",
    "LEVEL_AGENTS",
    "LEVEL_TEAMS",
    "MarkerDrape",
    "MineDrape",
    "NAME",
    "PER_AGENT_FLOAT_METRICS",
    "PER_AGENT_METRICS",
    "PRESETS",
    "RELATIVE_FACING",
    "RESOURCES",
    "REWARD_DIMS",
    "Referee",
    "STATUS_CHANNELS",
    "Scorekeeper",
    "TeamLayout",
    "build_map",
    "env",
    "gini",
    "metadata",
    "parallel_env",
    "raw_env",
    "team_layout",
    "vector_env",
]
