"""Counter-based random numbers shared by the Python path and the C kernel.

Every random draw in an environment is a pure function of
``(episode key, tick, stream, index)``: there is no hidden generator state,
so the pycolab path, the numpy fallback and the C kernel (``csrc/common/rng.h``)
produce bit-identical draws without having to consume them in the same order.

The mixing function is the SplitMix64 finaliser. A draw is::

    base  = mix64(key ^ mix64(tick * GAMMA + stream))
    bits  = mix64(base + (index + 1) * GAMMA)        (all arithmetic mod 2**64)
    u     = (bits >> 11) * 2**-53                    (a double in [0, 1))

``episode_key(seed, episode)`` derives the key of the ``episode``-th episode
after ``reset(seed=seed)``; ``reset()`` without a seed moves on to the next
episode of the same seed.
"""

from __future__ import annotations

import numpy as np

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0

# Streams used by the framework itself. Environments number their own streams
# from FIRST_ENVIRONMENT_STREAM upwards.
STREAM_ACTION_ORDER = 1
STREAM_MAP = 2
STREAM_FIRE_IGNITION = 3
STREAM_FIRE_SURVIVAL = 4
STREAM_FIRE_DEATHS = 5
FIRST_ENVIRONMENT_STREAM = 16


def mix64(x: int) -> int:
    """SplitMix64 finaliser of one 64-bit integer (Python ints, mod 2**64)."""
    x &= MASK64
    x ^= x >> 30
    x = (x * _M1) & MASK64
    x ^= x >> 27
    x = (x * _M2) & MASK64
    x ^= x >> 31
    return x


def _mix64_array(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser over a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_M1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def seed_to_int(seed: object) -> int:
    """Validate a user seed and return it as a 64-bit key input."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return int(seed) & MASK64


def episode_key(seed: int, episode: int) -> int:
    """Key of the ``episode``-th episode (0 = the one started by reset(seed))."""
    return mix64(mix64(seed ^ 0x5851F42D4C957F2D) + episode * GAMMA)


def stream_base(key: int, tick: int, stream: int) -> int:
    """Base of the draws of one stream at one tick."""
    return mix64(key ^ mix64(tick * GAMMA + stream))


def draw_bits(base: int, index: int) -> int:
    """The 64 random bits number ``index`` of a stream base."""
    return mix64(base + (index + 1) * GAMMA)


def draw_uniform(base: int, index: int) -> float:
    """One uniform double in [0, 1)."""
    return (draw_bits(base, index) >> 11) * _TWO_POW_MINUS_53


def uniform_array(base: int, count: int) -> np.ndarray:
    """Uniform doubles in [0, 1) for indices ``0 .. count - 1`` of a stream base."""
    index = np.arange(1, count + 1, dtype=np.uint64)
    bits = _mix64_array(np.uint64(base) + index * np.uint64(GAMMA))
    return (bits >> np.uint64(11)).astype(np.float64) * _TWO_POW_MINUS_53


def bits_array(base: int, start: int, count: int) -> np.ndarray:
    """The 64 random bits (uint64) of indices ``start .. start + count - 1`` of a stream base."""
    index = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    return _mix64_array(np.uint64(base) + index * np.uint64(GAMMA))


def below(base: int, index: int, bound: int) -> int:
    """A uniform integer in ``[0, bound)`` (multiply-shift on the top 32 bits)."""
    if bound <= 0:
        raise ValueError(f"bound must be positive, got {bound}")
    return ((draw_bits(base, index) >> 32) * bound) >> 32


def priority_order(key: int, tick: int, count: int) -> list[int]:
    """A uniformly random permutation of ``range(count)`` for one tick.

    Each index gets 64 random bits; indices are sorted by those bits (ties,
    which practically never happen, by index). The C kernel sorts the same way.
    """
    base = stream_base(key, tick, STREAM_ACTION_ORDER)
    return sorted(range(count), key=lambda i: (draw_bits(base, i), i))
