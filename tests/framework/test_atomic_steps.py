"""Atomic steps and resets (issue 11, kind 2): a failed ``step()`` or ``reset()`` leaves the game,
every wrapper and every batch slot exactly as before the call.

"Exactly as before" is checked by snapshotting: a deep copy of the game or wrapper taken before
the failed call (a twin batch, seeded and stepped the same way, for the batch whose C state
cannot be copied) must show the same state now and play on identically for many ticks.
"""

from __future__ import annotations

import copy
import math

import gymnasium
import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.core.game import reset_together
from environments import diamond_charger_ma as diamond
from environments import firemaker_ex_ma as firemaker

needs_c = pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not active")
BACKENDS = [pytest.param("c", marks=needs_c), "numpy"]
MODULES = {"firemaker": firemaker, "diamond": diamond}
GAMES = {"firemaker": firemaker.FiremakerGame, "diamond": diamond.DiamondChargerGame}
CONFIGS = {
    "firemaker": dict(fire_spread_probability=0.05, max_cycles=40),
    "diamond": dict(level=0, mate_selection=True, max_cycles=40),
}
GYM_IDS = {"firemaker": "FiremakerExMa-v0", "diamond": "DiamondChargerMa-v0"}
CROWDED_ARENA = dict(  # issue 11's example: room arenas that often do not fit
    level=2,
    arena_size=14,
    arena_mines=8,
    arena_chargers=1,
    arena_altars=1,
    num_agents=2,
    num_teams=1,
    max_cycles=2,
)


def game_of(name, **config):
    return GAMES[name](**{**CONFIGS[name], **config})


def random_actions(game, gen):
    return {a: int(gen.integers(game.num_actions(a))) for a in game.agents}


def legal_actions(game, gen):
    actions = {}
    for agent in game.agents:
        legal = np.flatnonzero(game.legal_actions(agent))
        actions[agent] = int(gen.choice(legal))
    return actions


def game_state(game):
    """What a game shows: tick, agents, rewards, returns, safety, board, every observation."""
    return (
        game.tick,
        list(game.agents),
        dict(game.terminated),
        dict(game.truncated),
        {a: game.rewards[a].tolist() for a in game.possible_agents},
        {a: game.returns[a].tolist() for a in game.possible_agents},
        dict(game.safety),
        game.key,
        game.board_text(),
        [game.observe(a).tolist() for a in game.possible_agents],
    )


def assert_same_game(game, twin, ticks=25, seed=0):
    """The same state now, and the same future under the same actions (across episode ends)."""
    assert game_state(game) == game_state(twin)
    gen_a, gen_b = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(ticks):
        for g in (game, twin):
            if g.episode_over:
                g.reset()
        game.step(legal_actions(game, gen_a))
        twin.step(legal_actions(twin, gen_b))
        assert game_state(game) == game_state(twin)


def played_game(name, ticks=5, **config):
    game = game_of(name, **config)
    game.reset(seed=3)
    gen = np.random.default_rng(7)
    for _ in range(ticks):
        game.step(legal_actions(game, gen))
    return game


# --------------------------------------------------------------------------- the pycolab game

BAD_GAME_CALLS = {
    "an action out of range": (lambda g: g.step(dict.fromkeys(g.agents, 99)), ValueError),
    "a float action": (lambda g: g.step(dict.fromkeys(g.agents, 1.0)), ValueError),
    "a missing agent": (lambda g: g.step({g.agents[0]: 0}), ValueError),
    "an unknown agent": (
        lambda g: g.step({**dict.fromkeys(g.agents, 0), "ghost_0": 0}),
        ValueError,
    ),
    "a list for actions": (lambda g: g.step([0] * len(g.agents)), ValueError),
    "an action for the wrong turn": (lambda g: g.act(g.agents[-1], 0), ValueError),
    "a negative seed": (lambda g: g.reset(seed=-1), ValueError),
    "a text seed": (lambda g: g.reset(seed="7"), ValueError),
    "a float seed": (lambda g: g.reset(seed=1.5), ValueError),
}


@pytest.mark.parametrize("call", list(BAD_GAME_CALLS))
@pytest.mark.parametrize("name", list(MODULES))
def test_a_failed_game_call_changes_nothing(name, call):
    game = played_game(name)
    twin = copy.deepcopy(game)
    bad, error = BAD_GAME_CALLS[call]
    with pytest.raises(error):
        bad(game)
    assert_same_game(game, twin)


@pytest.mark.parametrize("name", list(MODULES))
def test_a_failed_step_in_a_turn_based_round_changes_nothing(name):
    game = played_game(name)
    game.act(game.next_agent, 0)
    twin = copy.deepcopy(game)
    with pytest.raises(RuntimeError, match="middle of a turn-based round"):
        game.step(dict.fromkeys(game.agents, 0))
    with pytest.raises(ValueError, match="out of range"):
        game.act(game.next_agent, 99)
    for g in (game, twin):  # finish the round the same way
        while not g.act(g.next_agent, 0):
            pass
    assert_same_game(game, twin)


@pytest.mark.parametrize("name", list(MODULES))
def test_a_reset_that_fails_while_building_the_episode_changes_nothing(name, monkeypatch):
    """Whatever fails while the next episode is built (here: the engine, after the game's
    attributes were already rebound), the current episode stays, playable."""
    game = played_game(name)
    twin = copy.deepcopy(game)
    build = type(game).build_engine

    def failing_build(self, art):
        build(self, art)  # rebinds what a real build rebinds (e.g. the diamond's map) ...
        raise MemoryError("no room for the next episode")  # ... then fails

    monkeypatch.setattr(type(game), "build_engine", failing_build)
    with pytest.raises(MemoryError):
        game.reset(seed=11)
    with pytest.raises(MemoryError):
        game.reset()
    monkeypatch.undo()
    assert_same_game(game, twin)


@pytest.mark.parametrize("name", list(MODULES))
def test_resetting_several_games_together_is_all_or_none(name, monkeypatch):
    games = [played_game(name, ticks=k) for k in (2, 3, 4)]
    twins = copy.deepcopy(games)
    build = type(games[0]).build_engine
    calls = []

    def third_fails(self, art):
        calls.append(self)
        if len(calls) == 3:
            raise RuntimeError("the third slot fails")
        return build(self, art)

    monkeypatch.setattr(type(games[0]), "build_engine", third_fails)
    with pytest.raises(RuntimeError, match="third slot"):
        reset_together(games, [1, None, 2])
    monkeypatch.undo()
    for game, twin in zip(games, twins, strict=True):
        assert_same_game(game, twin, ticks=5)


def test_a_tick_that_fails_midway_stops_the_game_until_reset(monkeypatch):
    """A rule that raises mid-tick (a bug: every input is checked before the tick starts)
    may leave the world half-updated; the game then refuses to play on rather than hand out
    a corrupt state."""
    game = played_game("firemaker")
    drape = game.things["F"]

    def broken_update(*args, **kwargs):
        raise ArithmeticError("a bug in a rule")

    monkeypatch.setattr(drape, "update", broken_update)
    with pytest.raises(ArithmeticError):
        game.step(dict.fromkeys(game.agents, 1))
    with pytest.raises(RuntimeError, match=r"the last tick failed midway .*call reset\(\)"):
        game.step(dict.fromkeys(game.agents, 0))
    game.reset(seed=3)
    fresh = game_of("firemaker")
    fresh.reset(seed=3)
    assert_same_game(game, fresh, ticks=5)


# --------------------------------------------------------------------------- PettingZoo and Gymnasium


def parallel_state(env):
    return (list(env.agents), game_state(env.game))


@pytest.mark.parametrize("name", list(MODULES))
def test_failed_parallel_calls_change_nothing(name):
    env = MODULES[name].parallel_env(**CONFIGS[name])
    env.reset(seed=4)
    gen = np.random.default_rng(0)
    for _ in range(3):
        env.step(legal_actions(env.game, gen))
    twin = copy.deepcopy(env)
    env.max_cycles = 7  # takes effect at the next (successful) reset only
    for bad in (
        lambda: env.step(dict.fromkeys(env.agents, -1)),
        lambda: env.step({env.agents[0]: 0}),
        lambda: env.step({**dict.fromkeys(env.agents, 0), "ghost_0": 1}),
        lambda: env.reset(seed=-5),
        lambda: env.reset(seed=np.float64(2.0)),
    ):
        with pytest.raises(ValueError):
            bad()
    env.max_cycles = twin.max_cycles
    assert parallel_state(env) == parallel_state(twin)
    assert_same_game(env.game, twin.game)


@pytest.mark.parametrize("name", list(MODULES))
def test_failed_aec_calls_change_nothing(name):
    env = MODULES[name].env(**CONFIGS[name])
    env.reset(seed=4)
    gen = np.random.default_rng(0)
    for _ in range(7):
        env.step(
            int(gen.choice(np.flatnonzero(env.unwrapped.game.legal_actions(env.agent_selection))))
        )
    twin = copy.deepcopy(env)

    def aec_state(e):
        raw = e.unwrapped
        return (
            raw.agent_selection,
            list(raw.agents),
            {a: np.asarray(r).tolist() for a, r in raw.rewards.items()},
            {a: np.asarray(r).tolist() for a, r in raw._cumulative_rewards.items()},
            dict(raw.terminations),
            dict(raw.truncations),
            game_state(raw.game),
        )

    for bad in (lambda: env.step(99), lambda: env.step(1.5), lambda: env.reset(seed=-1)):
        with pytest.raises(ValueError):
            bad()
    assert aec_state(env) == aec_state(twin)
    for _ in range(30):  # both play on identically, through the round's end and the world tick
        if not env.agents:
            break
        action = int(np.flatnonzero(env.unwrapped.game.legal_actions(env.agent_selection))[-1])
        for e in (env, twin):
            done = e.terminations[e.agent_selection] or e.truncations[e.agent_selection]
            e.step(None if done else action)
        assert aec_state(env) == aec_state(twin)


@pytest.mark.parametrize("name", list(MODULES))
def test_failed_gymnasium_calls_change_nothing(name):
    env = gymnasium.make(f"ai_safety_gridworlds/{GYM_IDS[name]}", **CONFIGS[name]).unwrapped
    env.reset(seed=4)
    for _ in range(3):
        env.step(int(env.action_space.start))
    twin = copy.deepcopy(env)
    for bad in (lambda: env.step(99), lambda: env.step("up"), lambda: env.reset(seed=-1)):
        with pytest.raises(ValueError):
            bad()
    assert game_state(env.game) == game_state(twin.game)
    assert env.np_random.bit_generator.state == twin.np_random.bit_generator.state
    for _ in range(10):
        a, b = env.step(int(env.action_space.start)), twin.step(int(twin.action_space.start))
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]


# --------------------------------------------------------------------------- the batch


def batch_outputs(env):
    arrays = [env.observations[a] for a in env.possible_agents]
    arrays += [env.reward_buffer, env.termination_buffer, env.truncation_buffer]
    arrays += [env.safety_buffer, env.float_safety_buffer, np.asarray(env.infos["tick"])]
    arrays += [env.state()]
    return [a.copy() for a in arrays]


def assert_same_batch(env, twin, steps, gen_seed=3):
    for x, y in zip(batch_outputs(env), batch_outputs(twin), strict=True):
        np.testing.assert_array_equal(x, y)
    gen = np.random.default_rng(gen_seed)
    legal = env.batch_spec.legal_actions
    for _ in range(steps):
        actions = np.stack(
            [gen.choice(np.flatnonzero(legal[a]), env.num_envs) for a in env.possible_agents], 1
        )
        env.step(actions)
        twin.step(actions)
        for x, y in zip(batch_outputs(env), batch_outputs(twin), strict=True):
            np.testing.assert_array_equal(x, y)


def played_batch(name, backend, num_envs=3, **config):
    env = MODULES[name].vector_env(num_envs, backend=backend, **{**CONFIGS[name], **config})
    env.reset(seed=21)
    gen = np.random.default_rng(5)
    legal = env.batch_spec.legal_actions
    for _ in range(4):
        env.step(
            np.stack(
                [gen.choice(np.flatnonzero(legal[a]), num_envs) for a in env.possible_agents], 1
            )
        )
    return env


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(MODULES))
def test_failed_batch_calls_change_no_slot(name, backend):
    env = played_batch(name, backend)
    twin = played_batch(name, backend)
    n, a = env.actions.shape
    illegal = np.zeros((n, a), np.int64)
    illegal[n - 1, a - 1] = 99  # the last action of the last slot
    for bad in (
        lambda: env.step(illegal),
        lambda: env.step(np.zeros((n, a + 1), np.int64)),
        lambda: env.step({env.possible_agents[0]: np.zeros(n, np.int64)}),
        lambda: env.reset(seed=-1),
        lambda: env.reset(seed=[1] * (n - 1) + ["x"]),
        lambda: env.reset(seed=[1] * (n + 1)),
        lambda: env.reset(seed=1, options={"reset_mask": np.ones(n, np.int64)}),
        lambda: env.reset(seed=1, options={"bogus": 1}),
    ):
        with pytest.raises(ValueError):
            bad()
    assert_same_batch(env, twin, steps=50)


@pytest.mark.parametrize("backend", BACKENDS)
def test_crowded_arenas_autoreset_every_slot_on_every_backend(backend):
    """Issue 11 (a): with this accepted config an autoreset raised after earlier slots had
    advanced, left the failing slot half-built (mines, no charger or altar), and C and numpy
    then disagreed. Every arena now generates; each slot equals the pycolab game."""
    num_envs = 6
    env = diamond.vector_env(num_envs, backend=backend, **CROWDED_ARENA)
    env.reset(seed=40)
    games = []
    for e in range(num_envs):
        game = diamond.DiamondChargerGame(**CROWDED_ARENA)
        game.reset(seed=40 + e)
        games.append(game)
    gen = np.random.default_rng(2)
    for _ in range(60):  # 20 episodes of 2 ticks, each with a fresh arena, per slot
        actions = gen.integers(0, env.single_action_space["agent_0"].n, (num_envs, 2))
        for e, game in enumerate(games):
            if game.episode_over:
                game.reset()
            else:
                game.step(dict(zip(game.possible_agents, actions[e].tolist(), strict=True)))
        env.step(actions)
        for e, game in enumerate(games):
            np.testing.assert_array_equal(env.state()[e], game.state())
            board = game.map
            assert (int(board.mine.sum()), board.objects.sum()) == (8, 10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_infinite_cluster_boost_is_refused_and_the_largest_finite_one_burns_alike(backend):
    """Issue 11 (b): fire_cluster_boost=inf was accepted; every parallel step then raised
    (after the agents had moved) and the C batch silently turned the fire off. It is refused
    at construction now; the largest accepted boost plays identically on every path."""
    with pytest.raises(ValueError, match="'fire_cluster_boost'; allowed"):
        firemaker.vector_env(2, backend=backend, fire_cluster_boost=math.inf)
    with pytest.raises(ValueError, match="'fire_cluster_boost'; allowed"):
        firemaker.parallel_env(fire_cluster_boost=math.inf)
    config = dict(fire_cluster_boost=1e30, fire_spread_probability=0.3, max_cycles=200)
    env = firemaker.vector_env(2, backend=backend, **config)
    env.reset(seed=8)
    game = firemaker.FiremakerGame(**config)
    game.reset(seed=8)
    gen = np.random.default_rng(0)
    burned = 0
    for _ in range(40):
        actions = gen.integers(0, 5, (2, 3))
        env.step(actions)
        game.step(dict(zip(game.possible_agents, actions[0].tolist(), strict=True)))
        np.testing.assert_array_equal(env.state()[0], game.state())
        burned = max(burned, int(game.safety["total_fires"]))
    assert burned > 0  # the fire burns (it is not turned off)
