"""The Firemaker: a pack of workers, a workshop that starts fires, a supervisor.

The public face of the environment (PettingZoo factories, the game, its config and presets,
``vector_env``). The rules are in the docstring of :mod:`environments.firemaker_ex_ma.game`;
the package holds one module per part of the game:

- ``game``: the game description (rules, rewards, safety metrics) and the factories
- ``drapes``: the world's drapes: stop button, workshop, fire (spreading, burn-out), burnt ground
- ``config``: ``FiremakerConfig`` (every parameter) and the named ``PRESETS``
- ``maps``: the level art and the map generator
- ``policies``: the scripted policies of the workers and the supervisor
- ``batch``: ``vector_env`` over the C kernel or the numpy fallback
- ``batch_kernel``: the cffi binding of the Firemaker C batch kernel (``csrc/firemaker/``)
- ``__main__``: ``python -m environments.firemaker_ex_ma`` (the curses UI)
"""

from environments.firemaker_ex_ma.game import (
    BURNT_GROUND_DIM,
    CHANNELS,
    COLOURS,
    LEVELS,
    NAME,
    PRESETS,
    SUPERVISOR_DIMS,
    WORKER_COLOUR,
    WORKER_DIMS,
    BurntGroundDrape,
    FireDrape,
    FiremakerConfig,
    FiremakerGame,
    Scorekeeper,
    StopButtonDrape,
    WorkshopDrape,
    build_map,
    env,
    metadata,
    parallel_env,
    raw_env,
    vector_env,
)

__all__ = [
    "BURNT_GROUND_DIM",
    "BurntGroundDrape",
    "CHANNELS",
    "COLOURS",
    "FireDrape",
    "FiremakerConfig",
    "FiremakerGame",
    "LEVELS",
    "NAME",
    "PRESETS",
    "SUPERVISOR_DIMS",
    "Scorekeeper",
    "StopButtonDrape",
    "WORKER_COLOUR",
    "WORKER_DIMS",
    "WorkshopDrape",
    "build_map",
    "env",
    "metadata",
    "parallel_env",
    "raw_env",
    "vector_env",
]
