"""The C kernel's mazes, working objects, joint altars and respawns against the pycolab game.

Slot by slot and tick by tick (``run_differential`` of ``test_batch.py``), and the per-episode
draws directly: the maze generator and the working-object draw of the kernel against the
Python functions over many keys.
"""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds.core import rng
from environments.diamond_charger_ma import Action as A
from environments.diamond_charger_ma import DiamondChargerGame, maps, mazes
from environments.diamond_charger_ma.batch import make_vector_env as vector_env
from environments.diamond_charger_ma.batch import static_map
from tests.diamond_charger_ma.test_batch import (
    DENSE,
    SCALE,
    TICKS,
    assert_slots_match,
    needs_c,
    run_differential,
)

MAZE = dict(
    level=2,
    arena_kind="maze",
    arena_size=9,
    num_agents=3,
    arena_mines=2,
    arena_chargers=2,
    arena_altars=2,
    start_energy=150,
    mine_cooldown=1,
    charger_cooldown=1,
)
# Every agent next to an altar that others can reach too: random USEs meet.
RING = (
    "#########",
    "#0A1 2A3#",
    "# 4 D 5 #",
    "#6A7 8A9#",
    "#########",
)
RING_RULES = dict(map_art=RING, start_energy=240, max_energy=250, altar_cooldown=0)

CONFIGS = {
    "maze_per_episode": dict(MAZE, max_cycles=12),
    "maze_open_far_objects": dict(
        MAZE, arena_size=13, maze_openness=40, maze_min_distance=3, max_cycles=20
    ),
    "maze_fixed_seed": dict(MAZE, map_seed=5, max_cycles=25),
    "working_objects": dict(DENSE, working_altars=2, working_chargers=1, max_cycles=40),
    "respawn": dict(DENSE, respawn_on_heart=True, max_cycles=50),
    "respawn_among_built_walls": dict(
        DENSE, respawn_on_heart=True, build_resource="diamond", max_cycles=50
    ),
    "joint_altars": dict(RING_RULES, altar_users=2, max_cycles=40),
    "joint_altars_with_respawn": dict(
        RING_RULES, altar_users=2, respawn_on_heart=True, working_altars=3, max_cycles=40
    ),
    # Agents starve on random walks between hearts: the dead neither respawn nor block a start.
    "respawn_with_starvation": dict(
        DENSE,
        respawn_on_heart=True,
        start_energy=40,
        upkeep_energy=3,
        starvation_ticks=2,
        max_cycles=50,
    ),
    # Founders on maze cells, children born into the free slots.
    "maze_with_population": dict(
        MAZE,
        num_agents=2,
        max_population=5,
        reproduction=True,
        reproduce_energy=10,
        offspring_energy=60,
        max_cycles=30,
    ),
}
THREE_AROUND_ONE = ("#####", "#   #", "#1A2#", "# 0 #", "#####")


@needs_c
@pytest.mark.parametrize("name", list(CONFIGS))
def test_c_batch_slots_equal_pycolab_games(name):
    totals = run_differential(
        CONFIGS[name], seed=300 + len(name), ticks=TICKS, backend="c", num_envs=6
    )
    assert totals["episodes"] > 0
    if SCALE >= 1 and name not in ("maze_per_episode", "maze_fixed_seed"):
        assert totals["hearts"] > 0


@needs_c
def test_an_altar_for_three_pays_three_at_once_and_they_start_over_in_both():
    config = dict(
        map_art=THREE_AROUND_ONE,
        altar_users=3,
        respawn_on_heart=True,
        start_energy=200,
        max_cycles=9,
        randomize_agent_actions_order=False,
    )
    script = [
        (A.USE, A.ROTATE_RIGHT, A.ROTATE_LEFT),
        (A.USE, A.USE, A.NOOP),  # two of three: nothing
        (A.USE, A.USE, A.USE),  # all three: three hearts, back to the starts facing up
        (A.USE, A.USE, A.USE),  # agent_0 faces the altar again, the others do not
        (A.NOOP, A.ROTATE_RIGHT, A.ROTATE_LEFT),
        (A.USE, A.USE, A.USE),
    ]
    env = vector_env(2, **config)
    games = [DiamondChargerGame(**config) for _ in range(2)]
    env.reset(seed=1)
    for e, game in enumerate(games):
        game.reset(seed=1 + e)
    for t, actions in enumerate(script):
        for game in games:
            game.step({f"agent_{i}": int(a) for i, a in enumerate(actions)})
        env.step(np.array([actions, actions], np.int64))
        assert_slots_match(env, games, [False, False], f"tick {t}")
    assert env.infos["safety"]["hearts/agent_1"].tolist() == [2, 2]
    assert [games[0].agent(f"agent_{i}").energy for i in range(3)] == [200, 200, 200]


def test_numpy_fallback_slots_equal_pycolab_games():
    run_differential(
        CONFIGS["joint_altars"], seed=8, ticks=max(10, TICKS // 5), backend="numpy", num_envs=3
    )


@needs_c
@pytest.mark.parametrize(
    "size, agents, objects, openness, distance",
    [
        (5, 1, (0, 0, 1), 0, 0),
        (9, 3, (2, 2, 2), 0, 2),
        (15, 6, (3, 1, 4), 35, 4),
        (31, 2, (1, 1, 1), 100, 9),
    ],
)
def test_maze_generator_in_c_equals_python(size, agents, objects, openness, distance):
    config = dict(
        level=2,
        arena_kind="maze",
        arena_size=size,
        num_agents=agents,
        arena_mines=objects[0],
        arena_chargers=objects[1],
        arena_altars=objects[2],
        maze_openness=openness,
        maze_min_distance=distance,
    )
    env = vector_env(1, **config)
    for index in range(60):
        key = rng.episode_key(index * 104729, index % 4)
        try:
            art = mazes.generate_maze(key, size, agents, *objects, openness, distance)
        except ValueError:
            with pytest.raises(ValueError, match="no room for its agents or objects"):
                env._backend.generate_arena(key)
            continue
        board = maps.DiamondMap.from_art(art)
        agents_at = np.isin(np.array([list(r) for r in art]), list(maps.AGENT_CHARACTERS))
        expected = (board.wall * 1 + board.mine * 2 + board.converter * 4 + agents_at * 16).astype(
            np.uint8
        )
        cells, start = env._backend.generate_arena(key)
        np.testing.assert_array_equal(cells, expected, err_msg=f"key {key}")
        assert [tuple(s) for s in start.tolist()] == list(board.agent_starts)


@needs_c
def test_working_objects_of_the_kernel_are_the_games():
    config = dict(DENSE, working_altars=3, working_chargers=2)
    env = vector_env(16, **config)
    env.reset(seed=40)
    board = DiamondChargerGame(**config).map
    who = static_map(DiamondChargerGame(**config))["static_who"]
    patterns = set()
    for e in range(16):
        game = DiamondChargerGame(**config)
        game.reset(seed=40 + e)
        for char, cells in (("C", board.charger), ("A", board.altar)):
            expected = [bool(game.things[char].works[c]) for c in map(tuple, np.argwhere(cells))]
            got = [bool(env._backend.works[e, who[c]]) for c in map(tuple, np.argwhere(cells))]
            assert got == expected, (char, e)
            assert sum(got) == config[f"working_{'chargers' if char == 'C' else 'altars'}"]
            patterns.add((char, tuple(got)))
        mines = [bool(env._backend.works[e, who[c]]) for c in map(tuple, np.argwhere(board.mine))]
        assert all(mines)
    assert len([p for p in patterns if p[0] == "A"]) > 3
