"""Diamond charger rules for repeated trials and hidden rules, with exact values.

Seeded mazes (``arena_kind="maze"``), chargers and altars that work only in some episodes
(``working_chargers``, ``working_altars``), altars that need several agents at once
(``altar_users``) and starting over after a heart (``respawn_on_heart``). The C kernel's twins
are compared with these in ``test_batch_trials.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds.core import rng
from environments.diamond_charger_ma import Action, DiamondChargerGame, maps, mazes, working
from tests.diamond_charger_ma.helpers import agent, face, make, set_state, tick

A = Action
FREE = dict(
    upkeep_energy=0,
    rest_energy=0,
    move_energy=0,
    rotate_energy=0,
    use_energy=0,
)


# --------------------------------------------------------------------------- mazes


def maze(key: int, size: int, agents: int = 1, altars: int = 1, **kwargs) -> maps.DiamondMap:
    return maps.DiamondMap.from_art(mazes.generate_maze(key, size, agents, 0, 0, altars, **kwargs))


@pytest.mark.parametrize("size", [5, 9, 15, 31])
def test_a_perfect_maze_has_k_squared_cells_and_one_path_between_any_two(size):
    k = (size - 1) // 2
    for seed in range(20):
        board = maze(rng.episode_key(seed, 0), size)
        assert board.shape == (size, size)
        assert board.wall[0].all() and board.wall[-1].all()
        assert board.wall[:, 0].all() and board.wall[:, -1].all()
        assert (board.wall | board.objects)[::2, ::2].all()  # pillars
        assert not board.wall[1::2, 1::2].any()  # cells
        floor = ~board.wall & ~board.altar
        # a tree on k * k cells: k * k - 1 passages, and every floor cell reachable
        assert int(floor.sum()) == k * k + k * k - 1
        assert board.is_connected()


def test_openness_knocks_walls_through_up_to_an_open_room_with_pillars():
    size, k = 11, 5
    counts = []
    for openness in (0, 25, 60, 100):
        board = maze(rng.episode_key(3, 0), size, altars=0, openness=openness)
        assert board.is_connected()
        counts.append(int((~board.wall).sum()))
    assert counts[0] == 2 * k * k - 1
    assert counts[0] < counts[1] < counts[2] < counts[3]
    assert counts[3] == (size - 2) ** 2 - (k - 1) ** 2  # only the pillars stand


def test_mazes_are_seeded_reproducible_and_differ_by_key():
    arts = [tuple(mazes.generate_maze(rng.episode_key(s, 0), 13, 2, 1, 1, 1)) for s in range(30)]
    assert len(set(arts)) == 30
    assert tuple(mazes.generate_maze(rng.episode_key(7, 0), 13, 2, 1, 1, 1)) == arts[7]


def test_objects_sit_in_inner_walls_next_to_floor_far_enough_from_agent_0():
    for seed in range(40):
        art = mazes.generate_maze(rng.episode_key(seed, 1), 15, 3, 2, 2, 2, 10, 4)
        board = maps.DiamondMap.from_art(art)
        assert (board.mine.sum(), board.charger.sum(), board.altar.sum()) == (2, 2, 2)
        assert len(board.agent_starts) == 3 and board.is_connected()
        start = board.agent_starts[0]
        for row, col in np.argwhere(board.objects):
            assert 0 < row < 14 and 0 < col < 14
            assert max(abs(row - start[0]), abs(col - start[1])) >= 4
            neighbours = [(row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)]
            assert any(board.passable[n] for n in neighbours)


def test_objects_fall_back_to_near_walls_when_no_far_wall_is_left():
    for seed in range(20):
        key = rng.episode_key(seed, 0)
        far = mazes.generate_maze(key, 7, 1, 0, 0, 1, 100, 99)
        near = mazes.generate_maze(key, 7, 1, 0, 0, 1, 100, 0)
        assert far == near  # no wall is 99 cells away: every wall is a near one
        board = maps.DiamondMap.from_art(mazes.generate_maze(key, 9, 1, 4, 0, 0, 100, 3))
        assert board.mine.sum() == 4 and board.is_connected()


@pytest.mark.parametrize(
    "args, message",
    [
        ((8, 1, 0, 0, 1), "must be odd"),
        ((3, 1, 0, 0, 1), "must be odd and >= 5"),
        ((5, 8, 0, 0, 1), "no room for 8 agents"),
        ((5, 1, 3, 0, 0), "no room for 3 mines, 0 chargers and 0 altars"),
    ],
)
def test_maze_that_cannot_be_made_is_a_clear_error(args, message):
    with pytest.raises(ValueError, match=message):
        mazes.generate_maze(12345, *args)


MAZE = dict(
    level=2,
    arena_kind="maze",
    arena_size=9,
    num_agents=1,
    arena_mines=0,
    arena_chargers=0,
    arena_altars=1,
)


def test_every_episode_has_its_own_maze_unless_the_map_seed_is_fixed():
    game = DiamondChargerGame(**MAZE)
    boards = set()
    for seed in range(8):
        game.reset(seed=seed)
        boards.add(tuple(game.board_text()))
        expected = mazes.generate_maze(game.key, 9, 1, 0, 0, 1)
        assert game.board_text() == expected
    assert len(boards) == 8
    fixed = DiamondChargerGame(**MAZE, map_seed=4)
    texts = set()
    for seed in range(5):
        fixed.reset(seed=seed)
        texts.add(tuple(fixed.board_text()))
    assert texts == {tuple(mazes.generate_maze(rng.episode_key(4, 0), 9, 1, 0, 0, 1))}


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(arena_size=10), "a maze needs an odd arena_size, got 10"),
        (dict(num_agents=17), "17 agents do not fit in a 9 x 9 maze; allowed: num_agents 1..16"),
        (dict(arena_kind="rooms"), "an arena of rooms needs arena_size >= 14, got 9"),
        (dict(maze_openness=101), "invalid value 101 for 'maze_openness'"),
    ],
)
def test_bad_maze_configs_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        DiamondChargerGame(**{**MAZE, **overrides})


# --------------------------------------------------------------------------- working objects

# agent_0 in the middle of four altars (one each side), facing up.
FOUR_ALTARS = (
    "#######",
    "#  A  #",
    "#     #",
    "#A 0 A#",
    "#     #",
    "#  A  #",
    "#######",
)


def test_working_mask_draws_k_of_the_kinds_objects_by_the_documented_shuffle():
    cells = np.zeros((5, 5), bool)
    cells[[0, 1, 3, 4], [2, 0, 4, 2]] = True
    key = rng.episode_key(11, 2)
    base = rng.stream_base(key, working.KIND_ALTAR, working.STREAM_WORKING)
    order = [(0, 2), (1, 0), (3, 4), (4, 2)]
    for i in range(2):
        j = i + rng.below(base, i, 4 - i)
        order[i], order[j] = order[j], order[i]
    mask = working.working_mask(key, cells, 2, working.KIND_ALTAR)
    assert sorted(map(tuple, np.argwhere(mask).tolist())) == sorted(order[:2])
    assert (working.working_mask(key, cells, 0, 1) == cells).all()
    assert (working.working_mask(key, cells, 4, 1) == cells).all()


ALTARS = dict(working_altars=1, start_energy=100, max_energy=100, **FREE)


def heart_from(game, direction: int) -> bool:
    """Turn agent_0 to an adjacent altar two steps away and USE it; whether it made a heart."""
    start = (3, 3)
    set_state(game, 0, energy=100, diamonds=0)
    game.sprite("agent_0").place(*start)
    face(game, 0, direction)
    tick(game, {0: A.MOVE_FORWARD})
    hearts = agent(game, 0).hearts
    tick(game, {0: A.USE})
    return agent(game, 0).hearts == hearts + 1


def test_exactly_the_drawn_altars_work_and_the_draw_changes_with_the_seed():
    winners = []
    for seed in range(12):
        game = make(FOUR_ALTARS, seed=seed, **ALTARS)
        works = [heart_from(game, d) for d in range(4)]
        assert sum(works) == 1
        winners.append(works.index(True))
        board = game.map
        expected = working.working_mask(game.key, board.altar, 1, working.KIND_ALTAR)
        assert np.argwhere(expected).tolist() == [[[1, 3], [3, 5], [5, 3], [3, 1]][winners[-1]]]
    assert len(set(winners)) == 4


def test_a_decoy_altar_takes_nothing_and_looks_the_same():
    seeds = range(6)
    firsts = []
    for seed in seeds:
        game = make(FOUR_ALTARS, seed=seed, **ALTARS)
        firsts.append(game.observe("agent_0").copy())
        decoys = [d for d in range(4) if not heart_from(make(FOUR_ALTARS, seed, **ALTARS), d)]
        direction = decoys[0]
        set_state(game, 0, energy=100)
        face(game, 0, direction)
        tick(game, {0: A.MOVE_FORWARD})
        tick(game, {0: A.USE})
        assert (agent(game, 0).energy, agent(game, 0).hearts) == (100, 0)
        assert game.rewards["agent_0"].tolist() == [0.0, 0.0]
    assert all((first == firsts[0]).all() for first in firsts)


def test_only_the_drawn_charger_charges():
    art = ("#####", "#C0C#", "#####")
    charged = []
    for seed in range(10):
        game = make(art, seed=seed, working_chargers=1, start_energy=0, **FREE)
        for direction in (3, 1):
            face(game, 0, direction)
            set_state(game, 0, diamonds=1, energy=0)
            tick(game, {0: A.USE})
            if agent(game, 0).energy == 100:
                assert agent(game, 0).diamonds == 0
                charged.append(direction)
            else:
                assert (agent(game, 0).energy, agent(game, 0).diamonds) == (0, 1)
    assert len(charged) == 10 and set(charged) == {1, 3}


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(working_altars=5), "working_altars=5 exceeds the map's 4 altars"),
        (dict(working_chargers=1), "working_chargers=1 exceeds the map's 0 chargers"),
    ],
)
def test_more_working_objects_than_objects_is_an_error(overrides, message):
    with pytest.raises(ValueError, match=message):
        DiamondChargerGame(map_art=FOUR_ALTARS, **overrides)


# --------------------------------------------------------------------------- joint altars

# agent_0 left of the altar facing right, agent_1 right of it facing left, agent_2 below.
JOINT = (
    "#######",
    "#     #",
    "# 0A1 #",
    "#  2  #",
    "#######",
)


def joint_game(**overrides):
    game = make(JOINT, altar_users=2, start_energy=150, max_energy=250, **{**FREE, **overrides})
    face(game, 0, 1)
    face(game, 1, 3)
    return game


def test_an_altar_for_two_ignores_one_user_and_pays_two_at_once():
    game = joint_game()
    tick(game, {0: A.USE})
    assert [agent(game, i).energy for i in range(3)] == [150, 150, 150]
    assert game.rewards["agent_0"].tolist() == [0.0, 0.0]
    tick(game, {0: A.USE, 1: A.USE})
    assert [agent(game, i).energy for i in range(3)] == [50, 50, 150]
    assert [agent(game, i).hearts for i in range(3)] == [1, 1, 0]
    assert game.rewards["agent_0"].tolist() == [1.0, 0.0]
    assert game.rewards["agent_1"].tolist() == [1.0, 0.0]
    assert game.observe("agent_0")[17].sum() == 0  # cooling down (altar_cooldown 2)
    tick(game, {0: A.USE, 1: A.USE})
    assert [agent(game, i).hearts for i in range(2)] == [1, 1]
    tick(game, {0: A.USE, 1: A.USE})
    assert [agent(game, i).hearts for i in range(2)] == [1, 1]  # 50 energy each: too little


def test_a_user_without_the_price_does_not_count_and_three_can_share():
    game = joint_game()
    set_state(game, 1, energy=99)
    tick(game, {0: A.USE, 1: A.USE})
    assert [agent(game, i).hearts for i in range(2)] == [0, 0]
    game = joint_game()
    face(game, 2, 0)
    tick(game, {0: A.USE, 1: A.USE, 2: A.USE})
    assert [agent(game, i).hearts for i in range(3)] == [1, 1, 1]
    assert game.safety["hearts_gini"] == 0.0


def test_joint_use_in_turn_based_play_pays_at_the_end_of_the_round():
    game = joint_game()
    assert game.act("agent_0", A.USE) is False
    assert agent(game, 0).hearts == 0
    game.act("agent_1", A.USE)
    assert game.act("agent_2", A.NOOP) is True
    assert [agent(game, i).hearts for i in range(3)] == [1, 1, 0]
    assert game.rewards["agent_1"].tolist() == [1.0, 0.0]


def test_altar_users_above_the_agents_is_an_error():
    with pytest.raises(ValueError, match="altar_users=4 exceeds the 3 agents"):
        DiamondChargerGame(map_art=JOINT, altar_users=4)


# --------------------------------------------------------------------------- respawn

RESPAWN = (
    "#####",
    "# A #",
    "#   #",
    "# 0 #",
    "#   #",
    "#####",
)


def test_a_heart_sends_the_agent_back_to_its_start_with_its_start_energy():
    game = make(RESPAWN, respawn_on_heart=True, start_energy=120, max_energy=250, **FREE)
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.ROTATE_LEFT})
    set_state(game, 0, diamonds=2, action_facing=0, observation_facing=0)
    tick(game, {0: A.USE})
    sprite = agent(game, 0)
    assert game.rewards["agent_0"].tolist() == [1.0, 0.0]
    assert tuple(sprite.position) == (3, 2)
    assert (sprite.action_facing, sprite.observation_facing) == (0, 0)
    assert (sprite.energy, sprite.diamonds, sprite.hearts) == (120, 0, 1)
    assert game.safety["hearts/agent_0"] == 1
    assert game.observe("agent_0")[0, 5, 5] == 1


def test_respawn_waits_when_another_agent_stands_on_the_start():
    art = ("######", "#A   #", "# 01 #", "######")
    game = make(art, respawn_on_heart=True, start_energy=150, **FREE)
    tick(game, {0: A.ROTATE_LEFT, 1: A.ROTATE_LEFT})
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.ROTATE_RIGHT, 1: A.MOVE_FORWARD})  # agent_1 onto agent_0's start
    tick(game, {0: A.USE})
    sprite = agent(game, 0)
    assert sprite.hearts == 1 and game.rewards["agent_0"].tolist() == [1.0, 0.0]
    assert tuple(sprite.position) == (2, 1) and tuple(agent(game, 1).position) == (2, 2)
    assert (sprite.energy, sprite.action_facing) == (50, 0)


def test_a_dead_agent_on_the_start_does_not_block_the_respawn():
    art = ("######", "#A   #", "# 01 #", "######")
    game = make(art, respawn_on_heart=True, start_energy=150, starvation_ticks=1, **FREE)
    tick(game, {0: A.ROTATE_LEFT, 1: A.ROTATE_LEFT})
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {0: A.ROTATE_RIGHT, 1: A.MOVE_FORWARD})  # agent_1 onto agent_0's start
    set_state(game, 1, energy=0)
    set_state(game, 0, diamonds=2)
    tick(game, {0: A.USE, 1: A.NOOP})  # agent_1 starves at the end of this tick
    sprite = agent(game, 0)
    assert not agent(game, 1).alive and game.agents == ["agent_0"]
    assert sprite.hearts == 1 and tuple(sprite.position) == (2, 2)
    assert (sprite.energy, sprite.diamonds, sprite.hunger) == (150, 0, 0)


def test_respawn_with_reproduction_is_an_error():
    with pytest.raises(ValueError, match="respawn_on_heart=True cannot be combined with"):
        DiamondChargerGame(map_art=RESPAWN, respawn_on_heart=True, reproduction=True)


def test_respawn_waits_when_a_built_wall_stands_on_the_start():
    art = ("#####", "# A #", "#   #", "# 0 #", "# 1 #", "#####")
    game = make(art, respawn_on_heart=True, start_energy=150, build_resource="diamond", **FREE)
    set_state(game, 1, diamonds=1)
    tick(game, {0: A.MOVE_FORWARD})
    tick(game, {1: A.BUILD})  # a built wall on agent_0's start
    assert game.terrain.built[3, 2]
    tick(game, {0: A.USE})
    assert agent(game, 0).hearts == 1 and tuple(agent(game, 0).position) == (2, 2)
