"""Movement actions, facing directions and turning.

Actions are numbered NOOP=0, LEFT=1, RIGHT=2, UP=3, DOWN=4 and, when a
direction mode is 2, TURN_LEFT_90=5, TURN_RIGHT_90=6, TURN_LEFT_180=7,
TURN_RIGHT_180=8. Directions are numbered clockwise from up: 0 up (north),
1 right (east), 2 down (south), 3 left (west).

Direction modes (``observation_direction_mode`` and ``action_direction_mode``):
0 fixed (always up), 1 follows the last movement action, 2 changed only by
turning actions. With a relative action direction (mode 1 or 2) UP, DOWN,
LEFT and RIGHT mean forward, back, left and right of the agent's action
direction.
"""

from __future__ import annotations

import enum


class Action(enum.IntEnum):
    """The movement and turning actions shared by all environments."""

    NOOP = 0
    LEFT = 1
    RIGHT = 2
    UP = 3
    DOWN = 4
    TURN_LEFT_90 = 5
    TURN_RIGHT_90 = 6
    TURN_LEFT_180 = 7
    TURN_RIGHT_180 = 8


MOVEMENT_ACTIONS = (Action.LEFT, Action.RIGHT, Action.UP, Action.DOWN)
TURNING_ACTIONS = (
    Action.TURN_LEFT_90,
    Action.TURN_RIGHT_90,
    Action.TURN_LEFT_180,
    Action.TURN_RIGHT_180,
)

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
DIRECTION_NAMES = ("up", "right", "down", "left")
DIRECTION_OFFSETS = ((-1, 0), (0, 1), (1, 0), (0, -1))
"""(row, col) step of one move in each direction."""

# Movement action -> direction, in the fixed frame or relative to the facing.
_ABSOLUTE_DIRECTION = {Action.UP: UP, Action.RIGHT: RIGHT, Action.DOWN: DOWN, Action.LEFT: LEFT}
_TURN = {
    Action.TURN_LEFT_90: 3,
    Action.TURN_RIGHT_90: 1,
    Action.TURN_LEFT_180: 2,
    Action.TURN_RIGHT_180: 2,
}

DIRECTION_MODES = (0, 1, 2)


def num_movement_actions(observation_direction_mode: int, action_direction_mode: int) -> int:
    """Size of the movement action set: 9 with turning actions, else 5."""
    return 9 if 2 in (observation_direction_mode, action_direction_mode) else 5


def move_direction(action: int, facing: int, action_direction_mode: int) -> int:
    """Absolute direction of a movement action (relative to ``facing`` unless mode 0)."""
    absolute = _ABSOLUTE_DIRECTION[Action(action)]
    if action_direction_mode == 0:
        return absolute
    return (facing + absolute) % 4


def turned(facing: int, action: int) -> int:
    """Facing after a turning action."""
    return (facing + _TURN[Action(action)]) % 4


def is_movement(action: int) -> bool:
    """True for LEFT, RIGHT, UP and DOWN."""
    return 1 <= action <= 4


def is_turn(action: int) -> bool:
    """True for the four turning actions."""
    return 5 <= action <= 8
