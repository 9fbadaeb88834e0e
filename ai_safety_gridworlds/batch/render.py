"""Frames of batch slots, drawn from the global state layers (no pycolab game per slot).

The batch's backends keep no board of characters, only the state encoding (the observation
channels without "self", (C - 1, H, W)). :class:`SlotRenderer` learns once, from a game built
with the same config, which board character each channel stands for (the most common character
under the channel at reset; ``game.channel_characters`` names those that may be empty then, such
as fire), and draws a slot's board by painting the channels from the last to the first, so the
first channels (the agents) end on top, as on the pycolab board. Agents that share a channel
share a character (the channel's). Colours are those of
:func:`ai_safety_gridworlds.wrappers.rendering.colour_table`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ai_safety_gridworlds.core.game import MultiAgentGame, environment_name
from ai_safety_gridworlds.wrappers import rendering

SPARE_GLYPHS = "*%&?~=^:;!x"
"""Characters for channels that are empty at reset and that the game does not name."""
BORDER = 2
"""Pixels between the tiles of a grid of slots."""


class SlotRenderer:
    """Text and RGB frames of slots from their state layers (see the module docstring)."""

    def __init__(self, game: MultiAgentGame, cell_size: int = 8):
        self.name = environment_name(type(game))
        self.cell_size = cell_size
        layers, board = game.state(), game.board_chars()
        named = getattr(game, "channel_characters", {}) or {}
        spare = [ord(c) for c in SPARE_GLYPHS if ord(c) not in np.unique(board)]
        self.characters = np.zeros(len(layers), np.uint8)
        for index, channel in enumerate(game.channels[1:]):
            if channel in named:
                self.characters[index] = ord(named[channel])
                continue
            under = board[layers[index] != 0]
            if under.size:
                self.characters[index] = np.bincount(under).argmax()
            else:
                self.characters[index] = spare.pop(0) if spare else ord("?")
        empty = board[~np.any(layers != 0, axis=0)]
        self.background = int(np.bincount(empty).argmax()) if empty.size else ord(" ")
        self.colours = rendering.colour_table(game)

    def board(self, state: np.ndarray) -> np.ndarray:
        """A slot's board as characters, uint8 (H, W), from its state (C - 1, H, W)."""
        chars = np.full(state.shape[1:], self.background, np.uint8)
        for index in range(len(state) - 1, -1, -1):
            chars[state[index] != 0] = self.characters[index]
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
