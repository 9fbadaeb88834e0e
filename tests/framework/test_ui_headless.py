"""The UI's command line without a screen: headless --record, and recordings never overwritten."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np

from ai_safety_gridworlds.ui.recording import Replayer, load_recording
from environments.firemaker_ex_ma import FiremakerGame

MODULE = "environments.firemaker_ex_ma"


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=cwd,
    )


def _returns(line: str) -> dict[str, list[float]]:
    """{agent: [return per dimension]} from a headless summary line."""
    part = line.split("|  returns  ")[1].split("  |")[0]
    found = {}
    for agent, values in re.findall(r"(\w+_\d+): ((?:[A-Z_]+=-?[\d.]+ ?)+)", part):
        found[agent] = [float(v.split("=")[1]) for v in values.split()]
    return found


def test_record_without_a_terminal_plays_the_policies_and_the_recording_replays(tmp_path):
    """Issue 11, item 6: recording without a terminal used to be refused."""
    path = tmp_path / "run.jsonl"
    result = run_cli(f"--record={path}", "--max_cycles=12", "--seed=4", "--episodes=2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "episode 1 (seed 4)",
        "episode 2 (seed 5)",
    ]
    assert all(" 12 ticks " in line and "external_fire_ticks=" in line for line in lines)
    assert result.stderr.strip().endswith(f"recorded to {path}")

    recording = load_recording(str(path), "firemaker_ex_ma")
    assert recording.header["humans"] == []
    assert [e.seed for e in recording.episodes] == [4, 5]
    for index, episode in enumerate(recording.episodes):
        game = FiremakerGame(**recording.header["config"])
        replayer = Replayer(recording, game)
        start = sum(len(e.steps) + 1 for e in recording.episodes[:index])
        replayer.goto(start + len(episode.steps))
        assert replayer.verified and replayer.divergence is None
        expected = _returns(lines[index])
        for agent in game.possible_agents:
            np.testing.assert_array_equal(game.returns[agent], expected[agent])


def test_headless_play_is_deterministic_and_needs_no_person(tmp_path):
    first = run_cli("--headless", "--max_cycles=8", "--seed=2", "--policy=random")
    second = run_cli("--headless", "--max_cycles=8", "--seed=2", "--policy=random")
    assert first.returncode == 0 and first.stdout == second.stdout
    refused = run_cli("--headless", "--human=worker_0")
    assert refused.returncode == 2
    assert "--human=worker_0: without a screen nobody can play; use --human=none" in refused.stderr
    episodes = run_cli("--episodes=2")
    assert episodes.returncode == 2 and "--episodes is for --headless play" in episodes.stderr


def test_a_recording_never_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text("an earlier session\n")
    result = run_cli(f"--record={path}", "--max_cycles=3", "--seed=1")
    assert result.returncode == 0, result.stderr
    assert path.read_text() == "an earlier session\n"
    taken = tmp_path / "run-1.jsonl"
    assert f"recorded to {taken}" in result.stderr
    assert [e.seed for e in load_recording(str(taken), "firemaker_ex_ma").episodes] == [1]
