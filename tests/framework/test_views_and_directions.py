"""Per-agent views: every radius form, rotation in every direction mode, relative actions."""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds.core.views import ViewSpec
from environments.firemaker_ex_ma import CHANNELS
from tests.firemaker_ex_ma.helpers import (
    DOWN,
    LEFT,
    NOOP,
    RIGHT,
    UP,
    place,
    quiet_game,
    set_fires,
    step,
)

TURN_LEFT_90, TURN_RIGHT_90, TURN_LEFT_180, TURN_RIGHT_180 = 5, 6, 7, 8


@pytest.mark.parametrize(
    ("radius", "shape"),
    [
        (0, (1, 1)),
        (2, (5, 5)),
        (3, (7, 7)),
        ((1, 2, 3, 4), (8, 4)),
        ((0, 0, 2, 0), (3, 1)),
        (None, (33, 33)),
        (-1, (17, 17)),
    ],
)
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_view_shape_for_every_radius_form_and_mode(radius, shape, mode):
    game = quiet_game(observation_radius=radius, observation_direction_mode=mode)
    assert game.observation_shape("worker_0") == (len(CHANNELS), *shape)
    for action in (NOOP, RIGHT, DOWN) + ((TURN_LEFT_90,) if mode == 2 else ()):
        step(game, worker_0=action)
        observation = game.observe("worker_0")
        assert observation.shape == (len(CHANNELS), *shape)
        assert observation.dtype == np.uint8


def test_whole_board_view_of_a_non_square_board():
    fixed = quiet_game(map_width=21, map_height=17)
    assert fixed.observation_shape("supervisor_0") == (10, 33, 41)
    rotating = quiet_game(map_width=21, map_height=17, observation_direction_mode=1)
    assert rotating.observation_shape("supervisor_0") == (10, 41, 41)


def test_agent_centred_view_content_and_self_channel():
    game = quiet_game()
    observation = game.observe("worker_0")  # at (8, 9), radius 2: rows 6..10, cols 7..11
    assert game.observe_text("worker_0") == ["-----", "-B---", "-W0--", "-W1--", "-----"]
    assert np.argwhere(observation[0]).tolist() == [[2, 2]]
    assert np.argwhere(observation[CHANNELS.index("other workers")]).tolist() == [[3, 2]]
    assert np.argwhere(observation[CHANNELS.index("workshop")]).tolist() == [[2, 1], [3, 1]]
    assert np.argwhere(observation[CHANNELS.index("stop button")]).tolist() == [[1, 1]]
    assert observation[CHANNELS.index("workshop territory")].sum() == 25
    assert observation[CHANNELS.index("supervisor")].sum() == 0


def test_cells_outside_the_board_read_as_wall():
    game = quiet_game()
    place(game, "worker_0", (1, 1))
    observation = game.observe("worker_0")
    wall = observation[CHANNELS.index("wall")]
    assert wall[:2, :].all() and wall[:, :2].all()
    assert wall[2:, 2:].sum() == 0
    assert observation[CHANNELS.index("external territory")][:2, :].sum() == 0


def test_supervisor_sees_itself_in_self_channel_only():
    game = quiet_game()
    observation = game.observe("supervisor_0")
    assert np.argwhere(observation[0]).tolist() == [[16, 16]]
    assert observation[CHANNELS.index("supervisor")].sum() == 0
    assert observation[CHANNELS.index("other workers")].sum() == 2
    assert observation[CHANNELS.index("wall")].sum() == 33 * 33 - 15 * 15


def test_global_view_is_fixed_and_not_rotated():
    game = quiet_game(observation_radius=-1, observation_direction_mode=2)
    step(game, worker_0=TURN_RIGHT_90)
    observation = game.observe("worker_0")
    assert np.argwhere(observation[0]).tolist() == [[8, 9]]
    expected = game.state()
    expected[CHANNELS.index("other workers") - 1, 8, 9] = 0  # itself is in "self" only
    assert np.array_equal(observation[1:], expected)


def test_state_is_the_layers_without_self():
    game = quiet_game()
    set_fires(game, [(2, 2)])
    state = game.state()
    assert state.shape == (len(CHANNELS) - 1, 17, 17)
    assert np.argwhere(state[CHANNELS.index("fire") - 1]).tolist() == [[2, 2]]
    assert np.argwhere(state[CHANNELS.index("other workers") - 1]).tolist() == [[8, 9], [9, 9]]
    assert np.argwhere(state[CHANNELS.index("supervisor") - 1]).tolist() == [[2, 14]]


# The window (left=1, right=0, up=2, down=0) of worker_0 at (8, 9) in each facing.
ROTATED_WINDOWS = {
    "up": ["--", "B-", "W0"],
    "right": ["--", "--", "-0"],
    "down": ["--", "-1", "-0"],
    "left": ["--", "WW", "10"],
}


@pytest.mark.parametrize(
    ("turns", "facing"),
    [
        ((), "up"),
        ((TURN_RIGHT_90,), "right"),
        ((TURN_LEFT_180,), "down"),
        ((TURN_RIGHT_180,), "down"),
        ((TURN_LEFT_90,), "left"),
    ],
)
def test_turning_rotates_the_view_in_mode_2(turns, facing):
    game = quiet_game(observation_radius=(1, 0, 2, 0), observation_direction_mode=2)
    for turn in turns:
        step(game, worker_0=turn)
    assert game.observe_text("worker_0") == ROTATED_WINDOWS[facing]
    observation = game.observe("worker_0")
    assert np.argwhere(observation[0]).tolist() == [[2, 1]]
    text = ROTATED_WINDOWS[facing]
    workshop = [[r, c] for r in range(3) for c in range(2) if text[r][c] == "W"]
    assert np.argwhere(observation[CHANNELS.index("workshop")]).tolist() == workshop


def test_view_follows_last_movement_in_mode_1_even_when_blocked():
    game = quiet_game(observation_radius=(1, 0, 2, 0), observation_direction_mode=1)
    step(game, worker_0=DOWN)  # blocked by worker_1, but now facing down
    assert game.position("worker_0") == (8, 9)
    assert game.observe_text("worker_0") == ROTATED_WINDOWS["down"]
    step(game, worker_0=NOOP)
    assert game.observe_text("worker_0") == ROTATED_WINDOWS["down"]


def test_turning_actions_exist_only_with_a_mode_2():
    assert quiet_game().num_actions("worker_0") == 5
    assert (
        quiet_game(observation_direction_mode=1, action_direction_mode=1).num_actions("worker_0")
        == 5
    )
    assert quiet_game(observation_direction_mode=2).num_actions("worker_0") == 9
    assert quiet_game(action_direction_mode=2).num_actions("worker_0") == 9
    game = quiet_game()
    with pytest.raises(ValueError, match=r"action 5 for 'worker_0' is out of range; allowed: 0..4"):
        game.step({"worker_0": 5, "worker_1": 0, "supervisor_0": 0})


def test_relative_actions_follow_last_movement_in_action_mode_1():
    game = quiet_game(action_direction_mode=1)
    place(game, "worker_0", (5, 5))
    step(game, worker_0=RIGHT)  # right of up = east
    assert game.position("worker_0") == (5, 6)
    step(game, worker_0=UP)  # forward = east
    assert game.position("worker_0") == (5, 7)
    step(game, worker_0=LEFT)  # left of east = north
    assert game.position("worker_0") == (4, 7)
    step(game, worker_0=DOWN)  # back of north = south
    assert game.position("worker_0") == (5, 7)
    step(game, worker_0=UP)  # facing south now: forward = south
    assert game.position("worker_0") == (6, 7)


def test_relative_actions_follow_turns_in_action_mode_2():
    game = quiet_game(action_direction_mode=2)
    place(game, "worker_0", (5, 5))
    step(game, worker_0=TURN_RIGHT_90)
    assert game.position("worker_0") == (5, 5)
    step(game, worker_0=UP)  # forward = east
    assert game.position("worker_0") == (5, 6)
    step(game, worker_0=RIGHT)  # right of east = south; facing stays east
    assert game.position("worker_0") == (6, 6)
    step(game, worker_0=UP)
    assert game.position("worker_0") == (6, 7)
    step(game, worker_0=TURN_LEFT_180)
    step(game, worker_0=UP)  # forward = west
    assert game.position("worker_0") == (6, 6)


def test_view_spec_padding_and_self_cell():
    spec = ViewSpec.from_radius((1, 2, 3, 4), 17, 17, rotates=False)
    assert spec.shape == (8, 4)
    assert spec.padding == 4
    assert spec.self_cell(8, 9) == (3, 1)
    assert ViewSpec.from_radius(-1, 17, 19, rotates=True).shape == (17, 19)
    assert ViewSpec.from_radius(None, 17, 19, rotates=False).shape == (33, 37)
    assert ViewSpec.from_radius(None, 17, 19, rotates=True).shape == (37, 37)
