"""Frames of batch slots, drawn from the global state layers (no pycolab game per slot).

The batch's backends keep no board of characters, only the state encoding (the observation
channels without "self", (C - 1, H, W)). :class:`SlotRenderer` learns once, from a game built
with the same config, which board character each channel stands for (the most common character
under the channel at reset; ``game.channel_characters`` names those that may be empty then, such
as fire), and draws a slot's board by painting the channels from the widest at reset to the
narrowest (territories first, then walls and objects, then the channels empty at reset such as
fire), then the agents' channels on top, as on the pycolab board. A channel empty at reset and not
named is not drawn (most are attributes of a cell another channel draws: an agent's energy, a
marker's colour). Agents that share a channel share a character (the channel's). Colours are
those of :func:`ai_safety_gridworlds.wrappers.rendering.colour_table`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ai_safety_gridworlds.core.game import MultiAgentGame, environment_name
from ai_safety_gridworlds.wrappers import rendering

BORDER = 2
"""Pixels between the tiles of a grid of slots."""


class SlotRenderer:
    """Text and RGB frames of slots from their state layers (see the module docstring)."""

    def __init__(self, game: MultiAgentGame, cell_size: int = 8):
        self.name = environment_name(type(game))
        self.cell_size = cell_size
        layers, board = game.state(), game.board_chars()
        named = getattr(game, "channel_characters", {}) or {}
        self.characters = np.zeros(len(layers), np.uint8)  # 0: not drawn
        self.by_value: dict[int, dict[int, int]] = {}
        for index, channel in enumerate(game.channels[1:]):
            under = board[layers[index] != 0]
            if channel in named:
                self.characters[index] = ord(named[channel])
            elif under.size:
                self.characters[index] = np.bincount(under).argmax()
                self.by_value[index] = _characters_by_value(layers[index], board)
        agents = {ord(spec.character) for spec in game.specs.values()}
        for index in [i for i in self.by_value if self.characters[i] in agents]:
            del self.by_value[index]  # agents' attributes change: one glyph per agent channel
        cells = np.count_nonzero(layers, axis=(1, 2))
        kinds = {i: len(set(self.by_value.get(i, {}).values())) for i in range(len(layers))}
        drawn = [i for i in range(len(layers)) if self.characters[i]]
        world = [i for i in drawn if self.characters[i] not in agents]
        self.order = sorted(world, key=lambda i: (-cells[i], kinds[i], -i)) + [
            i for i in reversed(drawn) if self.characters[i] in agents
        ]
        """Channels in painting order (the last painted shows): the widest at reset first; of
        channels over the same cells, the one telling more characters apart by its value last."""
        empty = board[~np.any(layers != 0, axis=0)]
        self.background = int(np.bincount(empty).argmax()) if empty.size else ord(" ")
        self.colours = rendering.colour_table(game)

    def board(self, state: np.ndarray) -> np.ndarray:
        """A slot's board as characters, uint8 (H, W), from its state (C - 1, H, W)."""
        chars = np.full(state.shape[1:], self.background, np.uint8)
        for index in self.order:
            layer = state[index]
            chars[layer != 0] = self.characters[index]
            values = self.by_value.get(index, {})
            if len(set(values.values())) > 1:
                for value, character in values.items():
                    chars[layer == value] = character
        return chars

    def ansi(self, states: np.ndarray, slots: Sequence[int], ticks: np.ndarray) -> str:
        """The boards of ``slots`` as text, each under a header line."""
        parts = []
        for slot in slots:
            lines = [row.tobytes().decode("ascii") for row in self.board(states[slot])]
            parts.append("\n".join([f"{self.name}  slot {slot}  tick {int(ticks[slot])}", *lines]))
        return "\n\n".join(parts)

    def rgb(self, states: np.ndarray, slots: Sequence[int]) -> np.ndarray:
        """The boards of ``slots`` as one uint8 image: one slot (H * cell, W * cell, 3), several
        in a grid of ceil(sqrt(k)) columns with a black border between tiles."""
        size = self.cell_size
        tiles = [self.colours[self.board(states[slot])] for slot in slots]
        tiles = [np.repeat(np.repeat(t, size, axis=0), size, axis=1) for t in tiles]
        if len(tiles) == 1:
            return np.ascontiguousarray(tiles[0])
        rows_of_tiles = math.ceil(len(tiles) / math.ceil(math.sqrt(len(tiles))))
        columns = math.ceil(len(tiles) / rows_of_tiles)
        height, width = tiles[0].shape[:2]
        image = np.zeros(
            (rows_of_tiles * (height + BORDER) - BORDER, columns * (width + BORDER) - BORDER, 3),
            np.uint8,
        )
        for k, tile in enumerate(tiles):
            top, left = (k // columns) * (height + BORDER), (k % columns) * (width + BORDER)
            image[top : top + height, left : left + width] = tile
        return image


def _characters_by_value(layer: np.ndarray, board: np.ndarray) -> dict[int, int]:
    """Each nonzero value of a channel at reset -> the most common board character under it."""
    return {
        int(value): int(np.bincount(board[layer == value]).argmax())
        for value in np.unique(layer[layer != 0])
    }
