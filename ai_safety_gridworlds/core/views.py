"""Per-agent views: window shapes, cropping and rotation.

A view is described in the agent's own frame by how many cells it sees to
its left, right, ahead (``up``) and behind (``down``). The observation radius
of a config maps to a view:

- int N: a (2N+1) x (2N+1) window centred on the agent;
- (left, right, up, down): an asymmetric window;
- None: the whole board, agent-centred, (2H-1) x (2W-1) (square, with the
  larger side, when the view can rotate, so its shape never changes);
- -1: the global view, H x W, fixed and never rotated.

Cells outside the board read as wall. The window is rotated so that the
agent's facing direction is up.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ai_safety_gridworlds.core.config import RadiusT


@dataclasses.dataclass(frozen=True)
class ViewSpec:
    """Extent of a view in the agent's frame, or the global fixed view."""

    left: int
    right: int
    up: int
    down: int
    is_global: bool = False
    board_rows: int = 0
    board_cols: int = 0

    @classmethod
    def from_radius(
        cls, radius: RadiusT, board_rows: int, board_cols: int, rotates: bool
    ) -> ViewSpec:
        """The view for an observation radius on a board of the given size."""
        if radius == -1:
            return cls(0, 0, 0, 0, True, board_rows, board_cols)
        if radius is None:
            if rotates:
                half = max(board_rows, board_cols) - 1
                return cls(half, half, half, half, False, board_rows, board_cols)
            half_rows, half_cols = board_rows - 1, board_cols - 1
            return cls(half_cols, half_cols, half_rows, half_rows, False, board_rows, board_cols)
        if isinstance(radius, int):
            return cls(radius, radius, radius, radius, False, board_rows, board_cols)
        left, right, up, down = radius
        return cls(left, right, up, down, False, board_rows, board_cols)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the observation window."""
        if self.is_global:
            return (self.board_rows, self.board_cols)
        return (self.up + self.down + 1, self.left + self.right + 1)

    @property
    def padding(self) -> int:
        """Border of wall the board needs around it for this view."""
        return 0 if self.is_global else max(self.left, self.right, self.up, self.down)

    def self_cell(self, row: int, col: int) -> tuple[int, int]:
        """Where the agent appears in its own window."""
        if self.is_global:
            return (row, col)
        return (self.up, self.left)

    def crop(self, padded: np.ndarray, pad: int, row: int, col: int, facing: int) -> np.ndarray:
        """The agent's window of ``padded`` (..., H + 2 pad, W + 2 pad), rotated.

        ``facing`` 0..3 is up, right, down, left; the result has shape
        ``(..., *self.shape)`` and may be a view of ``padded``.
        """
        if self.is_global:
            return padded[..., pad : pad + self.board_rows, pad : pad + self.board_cols]
        r, c = row + pad, col + pad
        if facing == 0:
            window = padded[
                ..., r - self.up : r + self.down + 1, c - self.left : c + self.right + 1
            ]
            return window
        if facing == 1:
            window = padded[
                ..., r - self.left : r + self.right + 1, c - self.down : c + self.up + 1
            ]
            return np.rot90(window, 1, axes=(-2, -1))
        if facing == 2:
            window = padded[
                ..., r - self.down : r + self.up + 1, c - self.right : c + self.left + 1
            ]
            return np.rot90(window, 2, axes=(-2, -1))
        window = padded[..., r - self.right : r + self.left + 1, c - self.up : c + self.down + 1]
        return np.rot90(window, -1, axes=(-2, -1))


def pad_layers(layers: np.ndarray, pad: int, wall_channel: int | None) -> np.ndarray:
    """Surround (C, H, W) layers with ``pad`` cells that read as wall."""
    if pad == 0:
        return layers
    padded = np.zeros(
        (layers.shape[0], layers.shape[1] + 2 * pad, layers.shape[2] + 2 * pad), layers.dtype
    )
    padded[:, pad:-pad, pad:-pad] = layers
    if wall_channel is not None:
        wall = padded[wall_channel]
        wall[:pad, :] = 1
        wall[-pad:, :] = 1
        wall[:, :pad] = 1
        wall[:, -pad:] = 1
    return padded


def pad_chars(board: np.ndarray, pad: int, wall_char: str = "#") -> np.ndarray:
    """Surround a (H, W) uint8 character board with ``pad`` cells of wall."""
    if pad == 0:
        return board
    return np.pad(board, pad, constant_values=ord(wall_char))


def layout_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """The shape (..., C, h, w) of channels-first data in ``layout``: "CHW" or "HWC" (..., h, w, C)."""
    if layout == "CHW":
        return tuple(shape)
    *lead, channels, rows, cols = shape
    return (*lead, rows, cols, channels)


def to_layout(array: np.ndarray, layout: str) -> np.ndarray:
    """Channels-first (..., C, h, w) data in ``layout``: itself for "CHW", a contiguous
    channels-last (..., h, w, C) copy for "HWC"."""
    if layout == "CHW":
        return array
    return np.ascontiguousarray(np.moveaxis(array, -3, -1))
