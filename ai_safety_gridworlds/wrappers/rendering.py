"""Text and RGB rendering of a game, for the wrappers' render modes.

``ansi_text`` shows the board, then for each agent its own view (the same
window and rotation as its observation) and its reward line: the last tick's
reward vector (and its weighted sum when weights are given) and the return
so far. ``rgb_array`` paints one block of ``cell_size`` pixels per cell with
a distinct colour per tile kind and per agent role.

Colours come from the environment module: ``COLOURS`` (map character ->
pycolab 0..999 RGB) and ``<ROLE>_COLOUR`` (for example ``WORKER_COLOUR``) for
the agents of a role; characters without a colour get one from a fixed
palette of distinct colours.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.core.game import MultiAgentGame, environment_name

FALLBACK_COLOURS = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (170, 110, 40),
    (128, 0, 0),
    (0, 0, 128),
    (128, 128, 0),
    (0, 0, 0),
)
"""Distinct colours (0..255 RGB) for characters the environment gives no colour."""


def _to_rgb255(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """A pycolab 0..999 colour as 0..255."""
    return tuple(int(round(c * 255 / 999)) for c in colour)


def colour_table(
    game: MultiAgentGame,
    colours: Mapping[str, tuple[int, int, int]] | None = None,
    role_colours: Mapping[str, tuple[int, int, int]] | None = None,
) -> np.ndarray:
    """A (256, 3) uint8 lookup table from board character code to RGB.

    ``colours`` (character -> 0..999 RGB) and ``role_colours`` (role -> 0..999
    RGB) default to the environment module's ``COLOURS`` and ``<ROLE>_COLOUR``.
    """
    module = sys.modules.get(type(game).__module__)
    if colours is None:
        colours = getattr(module, "COLOURS", {})
    chosen: dict[str, tuple[int, int, int]] = {
        char: _to_rgb255(rgb) for char, rgb in colours.items()
    }
    for spec in game.specs.values():
        role_colour = (role_colours or {}).get(spec.role)
        if role_colour is None:
            role_colour = getattr(module, f"{spec.role.upper()}_COLOUR", None)
        if role_colour is not None:
            chosen[spec.character] = _to_rgb255(role_colour)
    roles: dict[str, tuple[int, int, int]] = {}
    spare = [c for c in FALLBACK_COLOURS if c not in chosen.values()]
    for spec in game.specs.values():
        if spec.character not in chosen:
            if spec.role not in roles:
                roles[spec.role] = spare.pop(0) if spare else (128, 128, 128)
            chosen[spec.character] = roles[spec.role]
    board_chars = {chr(c) for c in np.unique(np.frombuffer("".join(game.art).encode(), np.uint8))}
    for char in sorted(board_chars - set(chosen)):
        chosen[char] = spare.pop(0) if spare else (128, 128, 128)
    table = np.zeros((256, 3), np.uint8)
    table[:] = (128, 128, 128)
    for char, rgb in chosen.items():
        table[ord(char)] = rgb
    return table


def rgb_array(game: MultiAgentGame, table: np.ndarray, cell_size: int = 8) -> np.ndarray:
    """The board as a uint8 (H * cell_size, W * cell_size, 3) image."""
    image = table[game.board_chars()]
    if cell_size > 1:
        image = np.repeat(np.repeat(image, cell_size, axis=0), cell_size, axis=1)
    return np.ascontiguousarray(image)


def _numbers(dims: tuple[str, ...], values: np.ndarray) -> str:
    return ", ".join(f"{dim} {float(v):g}" for dim, v in zip(dims, values, strict=True))


def ansi_text(game: MultiAgentGame, weights: Mapping[str, np.ndarray] | None = None) -> str:
    """The board, then each agent's view and reward lines, as one string."""
    name = environment_name(type(game))
    lines = [f"{name}  tick {game.tick}", *game.board_text(), ""]
    for agent in game.possible_agents:
        sprite = game.sprite(agent)
        status = "" if agent in game.agents else ", done"
        facing = act.DIRECTION_NAMES[sprite.observation_facing]
        lines.append(
            f"{agent} ({game.specs[agent].role}) at {tuple(map(int, sprite.position))}, "
            f"facing {facing}{status}"
        )
        lines.extend("  " + row for row in game.observe_text(agent))
        dims = game.reward_dims(agent)
        reward = f"  reward: {_numbers(dims, game.rewards[agent])}"
        if weights is not None:
            scalar = float(np.dot(game.rewards[agent].astype(np.float32), weights[agent]))
            reward += f" (weighted {scalar:g})"
        lines.append(reward)
        lines.append(f"  return: {_numbers(dims, game.returns[agent])}")
        lines.append("")
    return "\n".join(lines)
