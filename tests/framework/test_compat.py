"""Tests of the pycolab 1.2 fixes in `ai_safety_gridworlds.core.compat` (numpy 2, Python 3.10+)."""

from __future__ import annotations

import collections
import copy
import datetime
import pickle
import types

import numpy as np
import pytest

from ai_safety_gridworlds.core import compat
from ai_safety_gridworlds.core.compat import (
    ascii_art,
    engine,
    prefab_sprites,
    rendering,
    storytelling,
    things,
)

NORTH, SOUTH, WEST, EAST, STAY = range(5)

# A and B are walkers, '.' are coins, '~' (no cell in the art) is A's trail.
ART = [
    "#######",
    "#A . B#",
    "# ### #",
    "#.   .#",
    "#######",
]

# Joint actions (A, B) and, after each, A's and B's positions and the reward.
SCRIPT = [
    ((NORTH, SOUTH), (1, 1), (2, 5), None),  # A walks into a wall.
    ((EAST, SOUTH), (1, 2), (3, 5), 1.0),  # B takes the coin at (3, 5).
    ((EAST, WEST), (1, 3), (3, 4), 1.0),  # A takes the coin at (1, 3).
    ((EAST, WEST), (1, 4), (3, 3), None),
    ((WEST, WEST), (1, 3), (3, 2), None),
    ((STAY, WEST), (1, 3), (3, 1), 1.0),  # B takes the last coin: game over.
]
FINAL_BOARD = [
    "#######",
    "#~~A~ #",
    "# ### #",
    "#B    #",
    "#######",
]


class Walker(prefab_sprites.MazeWalker):
    """Moves by entry `INDEX` of the joint action; walls and the other walker block it."""

    INDEX = 0

    def __init__(self, corner, position, character):
        super().__init__(corner, position, character, impassable="#AB".replace(character, ""))

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if actions is not None:
            moves = (self._north, self._south, self._west, self._east, self._stay)
            moves[actions[self.INDEX]](board, the_plot)


class WalkerA(Walker):
    INDEX = 0


class WalkerB(Walker):
    INDEX = 1


class Coins(things.Drape):
    """A walker standing on a coin takes it (+1); taking the last one ends the game."""

    def __init__(self, curtain, character, next_chapter=None):
        super().__init__(curtain, character)
        self._next_chapter = next_chapter

    def update(self, actions, board, layers, backdrop, things, the_plot):
        for walker in "AB":
            position = things[walker].position
            if self.curtain[position]:
                self.curtain[position] = False
                the_plot.add_reward(1.0)
        if not self.curtain.any():
            if self._next_chapter is not None:
                the_plot.next_chapter = self._next_chapter
            the_plot.terminate_episode()


class Trail(things.Drape):
    """Marks every cell A has stood on."""

    def update(self, actions, board, layers, backdrop, things, the_plot):
        self.curtain[things["A"].position] = True


def make_game(art=ART, next_chapter=None):
    return ascii_art.ascii_art_to_game(
        art,
        what_lies_beneath=" ",
        sprites={"A": WalkerA, "B": WalkerB},
        drapes={
            ".": ascii_art.Partial(Coins, next_chapter=next_chapter),
            "~": Trail,
        },
        update_schedule=[["A"], ["B"], [".", "~"]],
        z_order="~.AB",
    )


def board_rows(observation):
    return [row.tobytes().decode("ascii") for row in observation.board]


def positions(game):
    return tuple(tuple(game.things[walker].position) for walker in "AB")


# --- ascii_art_to_uint8_nparray ------------------------------------------------------------


def test_ascii_art_to_uint8_nparray_exact_output():
    array = ascii_art.ascii_art_to_uint8_nparray(["ab#", " .z"])
    assert array.dtype == np.uint8
    np.testing.assert_array_equal(array, [[97, 98, 35], [32, 46, 122]])
    array[0, 0] = ord("x")  # ascii_art_to_game writes into the array it gets.
    assert array[0, 0] == ord("x")
    assert ascii_art.ascii_art_to_uint8_nparray(("q",)).shape == (1, 1)


def test_ascii_art_to_uint8_nparray_rejects_ragged_rows():
    with pytest.raises(ValueError, match="same number of strictly-ASCII"):
        ascii_art.ascii_art_to_uint8_nparray(["ab", "bab"])


@pytest.mark.parametrize("art", [["ab", "\u00e9b"], [b"ab", b"\xffb"], []])
def test_ascii_art_to_uint8_nparray_rejects_non_ascii_and_empty_art(art):
    with pytest.raises(ValueError, match="strictly-ASCII"):
        ascii_art.ascii_art_to_uint8_nparray(art)


def test_ascii_art_to_uint8_nparray_rejects_non_strings():
    with pytest.raises(TypeError, match="Did you pass a list of list"):
        ascii_art.ascii_art_to_uint8_nparray([["a", "b"], ["b", "a"]])
    with pytest.raises(TypeError, match="must be a list"):
        ascii_art.ascii_art_to_uint8_nparray(["a", 2])
    with pytest.raises(TypeError, match="must be a list"):
        ascii_art.ascii_art_to_uint8_nparray("ab")


# --- ascii_art_to_game and play --------------------------------------------------------------


def test_game_from_ascii_art_plays_exactly():
    game = make_game()
    observation, reward, discount = game.its_showtime()
    assert board_rows(observation) == ART
    assert (reward, discount) == (None, 1.0)
    assert positions(game) == ((1, 1), (1, 5))
    assert sorted(observation.layers) == [" ", "#", ".", "A", "B", "~"]

    for actions, a_position, b_position, expected_reward in SCRIPT:
        assert not game.game_over
        observation, reward, discount = game.play(actions)
        assert positions(game) == (a_position, b_position)
        assert reward == expected_reward

    assert game.game_over
    assert discount == 0.0
    assert board_rows(observation) == FINAL_BOARD
    np.testing.assert_array_equal(np.argwhere(observation.layers["B"]), [[3, 1]])
    assert not observation.layers["."].any()


def test_ascii_art_numpy_proxy_only_changes_one_argument_where():
    proxy = ascii_art.np
    assert proxy.unique is np.unique and proxy.uint8 is np.uint8
    rows, cols = proxy.where(np.array([[False, True], [False, False]]))
    assert (int(rows), int(cols)) == (0, 1)
    chosen = proxy.where(np.array([True, False]), 1, 2)
    assert type(chosen) is np.ndarray
    np.testing.assert_array_equal(chosen, [1, 2])


def test_sprite_absent_from_art_starts_at_origin():
    game = ascii_art.ascii_art_to_game(
        ["#B.", "# ."], " ", sprites={"A": WalkerA, "B": WalkerB}, drapes={".": Coins}
    )
    game.its_showtime()
    assert positions(game) == ((0, 0), (0, 1))


# --- deepcopy and pickle of a running game ---------------------------------------------------


@pytest.mark.parametrize(
    "clone",
    [copy.deepcopy, lambda game: pickle.loads(pickle.dumps(game))],
    ids=["deepcopy", "pickle"],
)
def test_running_game_can_be_copied(clone):
    game = make_game()
    game.its_showtime()
    for actions, *_ in SCRIPT[:3]:
        game.play(actions)

    twin = clone(game)
    assert twin is not game
    assert twin.backdrop.palette.hash == ord("#")
    assert twin.backdrop.palette[" "] == ord(" ")
    assert positions(twin) == positions(game) == ((1, 3), (3, 4))

    for actions, a_position, b_position, expected_reward in SCRIPT[3:]:
        before = positions(twin)
        observation, reward, discount = game.play(actions)
        assert positions(twin) == before  # The copy does not move with the original.
        twin_observation, twin_reward, twin_discount = twin.play(actions)
        assert twin_observation.board is not observation.board
        assert board_rows(twin_observation) == board_rows(observation)
        assert positions(twin) == positions(game) == (a_position, b_position)
        assert twin_reward == reward == expected_reward
        assert twin_discount == discount

    assert twin.game_over and game.game_over
    assert board_rows(twin_observation) == FINAL_BOARD


# --- storytelling ----------------------------------------------------------------------------

CHAPTER_ONE = ["#######", "#A.  B#", "#######"]
CHAPTER_TWO = ["#######", "#A  .B#", "#######"]


@pytest.mark.parametrize("as_dict", [True, False], ids=["dict", "list"])
def test_story_plays_through_its_chapters(as_dict):
    if as_dict:
        story = storytelling.Story(
            {
                "one": lambda: make_game(CHAPTER_ONE, next_chapter="two"),
                "two": lambda: make_game(CHAPTER_TWO),
            },
            first_chapter="one",
        )
    else:
        story = storytelling.Story([lambda: make_game(CHAPTER_ONE), lambda: make_game(CHAPTER_TWO)])

    observation, reward, _ = story.its_showtime()
    assert board_rows(observation) == CHAPTER_ONE
    observation, reward, _ = story.play((EAST, STAY))  # Ends chapter one, starts two.
    assert board_rows(observation) == CHAPTER_TWO
    assert reward == 1.0
    assert story.the_plot.this_chapter == ("two" if as_dict else 1)

    rewards = []
    for _ in range(3):
        observation, reward, _ = story.play((EAST, STAY))
        rewards.append(reward)
    assert rewards == [None, None, 1.0]
    assert story.game_over
    assert board_rows(observation) == ["#######", "#~~~AB#", "#######"]


def test_storytelling_fix_does_not_touch_global_collections():
    assert not hasattr(collections, "Mapping")
    assert storytelling.collections.Mapping is collections.abc.Mapping
    assert storytelling.collections.OrderedDict is collections.OrderedDict


# --- human_ui display path -------------------------------------------------------------------


class FakeScreen:
    """Records the curses calls `CursesUi._display` makes."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, *args))


def test_human_ui_display_draws_boards(monkeypatch):
    human_ui = compat.human_ui
    monkeypatch.setattr(human_ui, "curses", types.SimpleNamespace(color_pair=lambda n: 256 * n))
    ui = human_ui.CursesUi(keys_to_actions={"w": NORTH})
    ui._colour_pair = collections.defaultdict(lambda: 0, {ord("A"): 1})
    left = rendering.Observation(
        board=ascii_art.ascii_art_to_uint8_nparray(["#A", " ."]), layers={}
    )
    right = rendering.Observation(board=ascii_art.ascii_art_to_uint8_nparray(["B"]), layers={})
    screen = FakeScreen()

    ui._display(screen, [left, right], 2.0, datetime.timedelta(seconds=75, microseconds=9))

    assert screen.calls == [
        ("erase",),
        ("addstr", 0, 2, "0:01:15", 0),
        ("addstr", 0, 20, "Score: 2.0", 0),
        ("move", 1, 0),
        ("addch", ord("#"), 0),
        ("addch", ord("A"), 256),
        ("move", 2, 0),
        ("addch", ord(" "), 0),
        ("addch", ord("."), 0),
        ("move", 1, 5),  # Second board: first board's width plus a gap of 3.
        ("addch", ord("B"), 0),
        ("noutrefresh",),
    ]
    assert type(left.board) is np.ndarray  # The caller's observations are left alone.


def test_apply_is_idempotent():
    numpy_proxy, collections_proxy = ascii_art.np, storytelling.collections
    to_array, display = ascii_art.ascii_art_to_uint8_nparray, compat.human_ui.CursesUi._display
    getstate = engine.Palette.__getstate__
    compat.apply()
    compat.apply()
    assert ascii_art.np is numpy_proxy
    assert storytelling.collections is collections_proxy
    assert ascii_art.ascii_art_to_uint8_nparray is to_array
    assert compat.human_ui.CursesUi._display is display
    assert engine.Palette.__getstate__ is getstate
