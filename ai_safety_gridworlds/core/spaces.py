"""One agent's Gymnasium spaces, the same on every path (PettingZoo, Gymnasium, the batch).

- :func:`action_space`: the legal actions, keeping their numbers. With NOOP masked
  (``noops=False``) it is ``Discrete(n - 1, start=1)``, so every sample is legal; a mask with
  holes gives ``Discrete(n)`` (the info's ``action_mask`` then says which are legal).
- :func:`space_mask`: an action mask by action number cut to a space: entry ``i`` is action
  ``space.start + i`` (what ``space.sample(mask)`` and PettingZoo's tests expect).
- :func:`observation_space`: uint8 one-hot (or count) layers, ``(C, h, w)`` or ``(h, w, C)``.
- :func:`reward_space`: float32 per reward dimension (MOMAland, MO-Gymnasium).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from ai_safety_gridworlds.core.views import layout_shape, to_layout


def action_space(mask: np.ndarray) -> spaces.Discrete:
    """A Discrete space of the legal actions of ``mask`` (by action number), keeping their
    numbers: ``Discrete(len(legal), start=first legal)`` when they are contiguous."""
    legal = np.flatnonzero(mask)
    if len(legal) and legal[-1] - legal[0] + 1 == len(legal):
        return spaces.Discrete(len(legal), start=int(legal[0]))
    return spaces.Discrete(len(mask))


def space_mask(mask: np.ndarray, space: spaces.Discrete) -> np.ndarray:
    """``mask`` (int8, by action number) cut to ``space``: entry i is action ``space.start + i``."""
    start = int(space.start)
    return np.ascontiguousarray(mask[start : start + int(space.n)], dtype=np.int8)


def observation_space(
    high: int | Sequence[int] | np.ndarray, shape: tuple[int, ...], layout: str = "CHW"
) -> spaces.Box:
    """uint8 observations of channels-first ``shape`` (..., C, h, w), in ``layout``.

    ``high``: one upper bound for every channel or one per channel (C values).
    """
    high = np.asarray(high, dtype=np.uint8)
    channel_high = high[:, None, None] if high.ndim == 1 else high
    full_high = to_layout(np.broadcast_to(channel_high, shape).astype(np.uint8), layout)
    shape = layout_shape(shape, layout)
    return spaces.Box(np.zeros(shape, np.uint8), full_high, shape, np.uint8)


def reward_space(
    size: int, bounds: tuple[Sequence[float], Sequence[float]] | None = None
) -> spaces.Box:
    """float32 rewards over ``size`` dimensions; ``bounds`` (low, high) per dimension, or
    unbounded (tick rewards scale with the board, e.g. with the number of burning cells)."""
    if bounds is None:
        return spaces.Box(-np.inf, np.inf, (size,), np.float32)
    low, high = bounds
    return spaces.Box(
        np.asarray(low, np.float32), np.asarray(high, np.float32), (size,), np.float32
    )
