"""Helpers for Firemaker rule tests: quiet games and direct placement of agents and fires."""

from __future__ import annotations

import numpy as np

from environments.firemaker_ex_ma import FiremakerGame

QUIET = dict(
    fire_spread_probability=0.0,
    fire_continuation_probability=1.0,
    randomize_agent_actions_order=False,
)
"""No new fires, old fires never die, fixed action order: nothing random happens."""

NOOP, LEFT, RIGHT, UP, DOWN = 0, 1, 2, 3, 4
TURN_LEFT_90, TURN_RIGHT_90, TURN_LEFT_180, TURN_RIGHT_180 = 5, 6, 7, 8

# Level 0 landmarks.
BUTTON = (7, 8)
WORKSHOP = ((8, 8), (9, 8))
WORKER_STARTS = ((8, 9), (9, 9))
SUPERVISOR_START = (2, 14)


def quiet_game(seed: int = 0, **overrides) -> FiremakerGame:
    """A level-0 game where nothing random happens unless overrides say so."""
    game = FiremakerGame(**{**QUIET, **overrides})
    game.reset(seed=seed)
    return game


def place(game: FiremakerGame, agent: str, cell: tuple[int, int]) -> None:
    """Put an agent on a cell (test setup)."""
    game.sprite(agent).place(*cell)
    game._layers_cache = None


def set_fires(game: FiremakerGame, cells) -> None:
    """Make exactly these cells burn, as fires that ignited on the last tick (test setup)."""
    drape = game.things["F"]
    drape.curtain[:] = False
    drape.age[:] = 0
    for cell in cells:
        drape.curtain[cell] = True
        drape.age[cell] = 1
    game._layers_cache = None


def burnt(game: FiremakerGame) -> set[tuple[int, int]]:
    """The burnt-ground cells."""
    return {tuple(map(int, rc)) for rc in np.argwhere(game.things["x"].curtain)}


def fires(game: FiremakerGame) -> set[tuple[int, int]]:
    """The burning cells."""
    return {tuple(map(int, rc)) for rc in np.argwhere(game.things["F"].curtain)}


def step(game: FiremakerGame, **actions: int) -> dict[str, list[float]]:
    """One tick; agents not named do NOOP. Returns the tick's rewards as lists."""
    full = {agent: actions.get(agent, NOOP) for agent in game.agents}
    game.step(full)
    return {agent: game.rewards[agent].tolist() for agent in game.possible_agents}
