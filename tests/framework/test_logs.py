"""EpisodeCsvLogger: one complete, numeric CSV per finished episode, even after a kill."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ai_safety_gridworlds.core.rollout import run_episode
from ai_safety_gridworlds.logs import EpisodeCsvLogger, format_number, read_episode_csv
from environments import firemaker_ex_ma
from environments.firemaker_ex_ma import FiremakerGame

TICKS = 30


def _play(game, seed, policy="random"):
    policies = {agent: game.make_policy(agent, policy) for agent in game.possible_agents}
    return run_episode(game, policies, seed=seed)


def _csv_files(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".csv"))


def test_logger_writes_one_numeric_row_per_tick_with_rewards_returns_and_safety(tmp_path):
    game = FiremakerGame(max_cycles=TICKS)
    logger = EpisodeCsvLogger(tmp_path)
    game.add_observer(logger)
    outcome = _play(game, seed=3)

    (name,) = _csv_files(tmp_path)
    assert name == f"episode_000000_{game.key:016x}.csv"
    with open(tmp_path / name, newline="") as handle:
        header, *body = list(csv.reader(handle))
    assert header[0] == "tick"
    assert "worker_0/reward/ENERGY" in header and "supervisor_0/return/EXTERNAL_FIRE" in header
    assert "safety/external_fire_ticks" in header
    assert len(body) == TICKS
    for row in body:
        assert len(row) == len(header)
        for value in row:
            float(value)

    columns = read_episode_csv(tmp_path / name)
    np.testing.assert_array_equal(columns["tick"], np.arange(1, TICKS + 1))
    for agent in game.possible_agents:
        for index, dim in enumerate(game.reward_dims(agent)):
            rewards = columns[f"{agent}/reward/{dim}"]
            returns = columns[f"{agent}/return/{dim}"]
            np.testing.assert_array_equal(np.cumsum(rewards), returns)
            assert returns[-1] == outcome["returns"][agent][index]
    for metric, value in outcome["safety"].items():
        assert columns[f"safety/{metric}"][-1] == value


def test_logger_writes_a_file_per_episode_and_drops_an_unfinished_one(tmp_path):
    game = FiremakerGame(max_cycles=TICKS)
    logger = EpisodeCsvLogger(tmp_path, prefix="run")
    game.add_observer(logger)
    _play(game, seed=1)
    _play(game, seed=2)
    game.reset(seed=4)
    game.step({agent: 0 for agent in game.agents})
    assert len(_csv_files(tmp_path)) == 2
    assert any(name.endswith(".tmp") for name in os.listdir(tmp_path))
    game.reset(seed=5)
    assert len([n for n in os.listdir(tmp_path) if n.endswith(".tmp")]) == 1
    logger.close()
    assert sorted(os.listdir(tmp_path)) == _csv_files(tmp_path)
    assert [n.split("_")[1] for n in _csv_files(tmp_path)] == ["000000", "000001"]
    assert logger.files_written == [str(tmp_path / n) for n in _csv_files(tmp_path)]


def test_loggers_sharing_a_directory_never_overwrite_each_other(tmp_path):
    for _ in range(2):
        game = FiremakerGame(max_cycles=5)
        game.add_observer(EpisodeCsvLogger(tmp_path))
        _play(game, seed=7)
    names = _csv_files(tmp_path)
    assert len(names) == 2
    assert names[0].endswith("-1.csv") or names[1].endswith("-1.csv")


def test_two_environments_logging_to_one_dir_with_the_same_seed_keep_their_own_rows(tmp_path):
    """Issue 11, item 4: they used to share a temporary file; one truncated the other's log,
    whose step() then raised FileNotFoundError, and a CSV held the wrong environment's rows."""
    envs = [
        firemaker_ex_ma.parallel_env(max_cycles=6, log_dir=tmp_path, num_workers=n) for n in (2, 3)
    ]
    for env in envs:
        env.reset(seed=5)
    returns = [{}, {}]
    for tick in range(6):
        for index, env in enumerate(envs):  # interleaved, as two threads or a vector of envs do
            actions = {agent: (tick + index) % 5 for agent in env.agents}
            _, _, _, _, infos = env.step(actions)
            returns[index] = {a: np.asarray(info["reward_vector"]) for a, info in infos.items()}
    written = [env.adapter.logger.files_written for env in envs]
    assert [len(w) for w in written] == [1, 1] and written[0] != written[1]
    for env, (path,) in zip(envs, written, strict=True):
        columns = read_episode_csv(path)
        np.testing.assert_array_equal(columns["tick"], np.arange(1, 7))
        agents = {name.split("/")[0] for name in columns if "/reward/" in name}
        assert agents == set(env.possible_agents)
        game = env.adapter.game
        for agent in env.possible_agents:
            for i, dim in enumerate(game.reward_dims(agent)):
                assert columns[f"{agent}/return/{dim}"][-1] == game.returns[agent][i]
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_loggers_write_into_temporary_files_of_their_own(tmp_path):
    games = [FiremakerGame(max_cycles=5) for _ in range(2)]
    loggers = [EpisodeCsvLogger(tmp_path) for _ in games]
    for game, logger in zip(games, loggers, strict=True):
        game.add_observer(logger)
        game.reset(seed=1)
    temps = sorted(n for n in os.listdir(tmp_path) if n.endswith(".tmp"))
    assert len(temps) == 2
    assert all(n.startswith(f".episode_000000_{games[0].key:016x}.csv.") for n in temps)
    for logger in loggers:
        logger.close()
    assert os.listdir(tmp_path) == []


def test_format_number_gives_plain_numbers():
    assert format_number(np.int64(3)) == "3"
    assert format_number(np.float32(-1.0)) == "-1.0"
    assert format_number(True) == "1"
    assert format_number(0.1) == "0.1"
    with pytest.raises(TypeError):
        format_number("x")


KILLED_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from ai_safety_gridworlds.logs import EpisodeCsvLogger
    from ai_safety_gridworlds.core.rollout import run_episode
    from environments.firemaker_ex_ma import FiremakerGame

    game = FiremakerGame(max_cycles={ticks})
    game.add_observer(EpisodeCsvLogger(sys.argv[1]))
    policies = {{a: game.make_policy(a, "random") for a in game.possible_agents}}
    for seed in range(2):
        run_episode(game, policies, seed=seed)

    def kill_midway(game):
        if game.tick == {ticks} // 2:
            os.kill(os.getpid(), signal.SIGKILL)

    run_episode(game, policies, seed=2, on_tick=kill_midway)
    """
)


def test_finished_episode_files_survive_a_kill_of_the_process(tmp_path):
    script = KILLED_SCRIPT.format(ticks=TICKS)
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, timeout=120
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr.decode()
    names = _csv_files(tmp_path)
    assert len(names) == 2
    for name in names:
        columns = read_episode_csv(tmp_path / name)
        assert len(columns["tick"]) == TICKS
    partial = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(partial) == 1 and partial[0].startswith(".")
