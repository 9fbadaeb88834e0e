"""Recording play sessions as JSON lines, and replaying them.

A recording is one JSON object per line::

    {"type": "header", "format": ..., "version": 1, "env": ..., "game": ..., "config": {...},
     "agents": [...], "humans": [...], "policies": {...}}
    {"type": "episode", "episode": 0, "seed": 123}
    {"type": "tick", "tick": 0, "actions": [["worker_0", 1], ...], "rewards": {"worker_0": [...]}}
    ...
    {"type": "end", "ticks": 3, "partial": [["worker_0", 2]], "returns": {...}, "safety": {...},
     "reason": "quit"}

``actions`` are a round's actions in turn order; ``partial`` the actions of
an unfinished round when the episode ended early. A restart starts another
``episode`` section. Replay rebuilds the game from the header's config,
resets it with the episode's seed and re-applies the actions, checking each
tick's rewards and the final returns against the recorded ones.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ai_safety_gridworlds import files
from ai_safety_gridworlds.core.config import config_to_dict

FORMAT = "ai_safety_gridworlds.ui recording"
VERSION = 1


class RecordingError(ValueError):
    """A recording that cannot be read or replayed."""


def _moves_json(moves: Sequence[tuple[str, int]]) -> list[list[Any]]:
    return [[agent, int(action)] for agent, action in moves]


def _vectors_json(vectors: Mapping[str, np.ndarray]) -> dict[str, list[float]]:
    return {agent: [float(v) for v in vector] for agent, vector in vectors.items()}


class Recorder:
    """Writes a session to a JSON-lines file, flushing every line.

    Lines go to a temporary file of this recorder's own beside ``path``
    (``.<name>.<random>.tmp``); :meth:`close` gives it its final name: ``path``,
    or ``<stem>-1<ext>``, ... if that is taken (never replacing a file; see
    :mod:`ai_safety_gridworlds.files`). :attr:`path` is then the name used. A
    killed session leaves its rounds so far in the temporary file, which
    ``--replay`` reads.
    """

    def __init__(self, path: str, env: str, game: Any, controllers: Mapping[str, Any]):
        self.requested = path
        self.path: str | None = None
        try:
            self._file, self._temp = files.temporary_file(path)
        except OSError as error:
            raise RecordingError(
                f"--record: cannot write {path}: {error.strerror or error}"
            ) from None
        self._write(
            {
                "type": "header",
                "format": FORMAT,
                "version": VERSION,
                "env": env,
                "game": type(game).__name__,
                "config": config_to_dict(game.config),
                "agents": list(game.possible_agents),
                **controllers,
            }
        )

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def episode(self, index: int, seed: int) -> None:
        """A new episode starts."""
        self._write({"type": "episode", "episode": index, "seed": seed})

    def tick(self, tick: int, moves: Sequence[tuple[str, int]], rewards: Mapping) -> None:
        """A round ended with world tick ``tick`` (0-based)."""
        self._write(
            {
                "type": "tick",
                "tick": tick,
                "actions": _moves_json(moves),
                "rewards": _vectors_json(rewards),
            }
        )

    def end(self, ticks: int, partial, returns: Mapping, safety: Mapping, reason: str) -> None:
        """The episode ended (``reason``: episode over, restart or quit)."""
        self._write(
            {
                "type": "end",
                "ticks": ticks,
                "partial": _moves_json(partial),
                "returns": _vectors_json(returns),
                "safety": dict(safety),
                "reason": reason,
            }
        )

    def close(self) -> str:
        """Finish the file and give it its final name; returns that name (once done, a no-op)."""
        if self.path is None:
            files.finish(self._file)
            self.path = files.publish(self._temp, self.requested)
        return self.path


@dataclasses.dataclass
class Step:
    """One replay step: a round's moves (the world ticks after them unless ``partial``)."""

    moves: list[tuple[str, int]]
    rewards: dict[str, list[float]] | None
    partial: bool = False


@dataclasses.dataclass
class RecordedEpisode:
    """An episode of a recording."""

    seed: int
    steps: list[Step] = dataclasses.field(default_factory=list)
    end: dict[str, Any] | None = None


@dataclasses.dataclass
class Recording:
    """A parsed recording."""

    path: str
    header: dict[str, Any]
    episodes: list[RecordedEpisode]


def _moves(path: str, number: int, value: Any, agents: Sequence[str]) -> list[tuple[str, int]]:
    ok = isinstance(value, list) and all(
        isinstance(m, list)
        and len(m) == 2
        and m[0] in agents
        and isinstance(m[1], int)
        and not isinstance(m[1], bool)
        for m in value
    )
    if not ok:
        raise RecordingError(
            f"{path}:{number}: actions must be a list of [agent, action] with agents {list(agents)}"
        )
    return [(agent, action) for agent, action in value]


def load_recording(path: str, env: str) -> Recording:
    """Read and check a recording of environment ``env``; RecordingError explains what is wrong."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError as error:
        raise RecordingError(f"--replay: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RecordingError(f"--replay: {path} is not a text file") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise RecordingError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict) or "type" not in record:
            raise RecordingError(f"{path}:{number}: each line must be a JSON object with a 'type'")
        records.append((number, record))
    if not records or records[0][1].get("format") != FORMAT:
        raise RecordingError(f"{path} is not a recording of this UI (no header line)")
    header = records[0][1]
    if header.get("version") != VERSION:
        raise RecordingError(f"{path}: unsupported recording version {header.get('version')!r}")
    if header.get("env") != env:
        raise RecordingError(
            f"{path} is a recording of {header.get('env')!r}, not {env!r}; replay it with "
            f"python -m environments.{header.get('env')} --replay {path}"
        )
    if not isinstance(header.get("config"), dict) or not isinstance(header.get("agents"), list):
        raise RecordingError(f"{path}:1: the header needs 'config' and 'agents'")
    agents = header["agents"]
    episodes: list[RecordedEpisode] = []
    for number, record in records[1:]:
        kind = record["type"]
        if kind == "episode":
            if not isinstance(record.get("seed"), int):
                raise RecordingError(f"{path}:{number}: an episode line needs an integer 'seed'")
            episodes.append(RecordedEpisode(record["seed"]))
            continue
        if not episodes or episodes[-1].end is not None:
            raise RecordingError(f"{path}:{number}: a {kind!r} line outside an episode")
        episode = episodes[-1]
        if kind == "tick":
            moves = _moves(path, number, record.get("actions"), agents)
            rewards = record.get("rewards")
            if not isinstance(rewards, dict):
                raise RecordingError(f"{path}:{number}: a tick line needs 'rewards'")
            episode.steps.append(Step(moves, rewards))
        elif kind == "end":
            partial = _moves(path, number, record.get("partial", []), agents)
            if partial:
                episode.steps.append(Step(partial, None, partial=True))
            episode.end = record
        else:
            raise RecordingError(f"{path}:{number}: unknown line type {kind!r}")
    if not episodes:
        raise RecordingError(f"{path} holds no episode")
    return Recording(path, header, episodes)


def _equal(vector: np.ndarray, recorded: Any) -> bool:
    return isinstance(recorded, list) and np.array_equal(vector, np.asarray(recorded, np.float64))


class Replayer:
    """Moves a game to any step of a recording: forward by re-applying, back by replaying from the start.

    ``divergence`` says where the game stopped matching the recording (None
    while it matches); ``verified`` is True at an episode's end when the
    returns equal the recorded ones.
    """

    def __init__(self, recording: Recording, game: Any):
        self.recording = recording
        self.game = game
        self.timeline = [
            (e, s)
            for e, episode in enumerate(recording.episodes)
            for s in range(len(episode.steps) + 1)
        ]
        self.position = -1
        self.divergence: str | None = None
        self.verified: bool | None = None
        self.goto(0)

    @property
    def at_end(self) -> bool:
        """Whether the last step of the recording has been replayed."""
        return self.position == len(self.timeline) - 1

    def goto(self, position: int) -> None:
        """Show the recording after ``position`` steps (clamped to the timeline)."""
        position = min(max(0, position), len(self.timeline) - 1)
        episode_index, target = self.timeline[position]
        episode = self.recording.episodes[episode_index]
        done = 0
        if self.position >= 0:
            current_episode, current_step = self.timeline[self.position]
            if current_episode == episode_index and current_step <= target and not self.divergence:
                done = current_step
        if done == 0:
            self.game.reset(seed=episode.seed)
            self.divergence = None
        for step in episode.steps[done:target]:
            if not self._apply(step):
                break
        self.position = position
        self.verified = None
        if target == len(episode.steps) and episode.end is not None and not self.divergence:
            returns = episode.end.get("returns", {})
            self.verified = all(_equal(v, returns.get(a)) for a, v in self.game.returns.items())
            if not self.verified:
                self.divergence = "the final returns differ from the recorded ones"

    def _apply(self, step: Step) -> bool:
        game = self.game
        try:
            for agent, action in step.moves:
                game.act(agent, action)
        except (ValueError, RuntimeError) as error:
            self.divergence = f"at tick {game.tick}: {error}"
            return False
        if step.rewards is not None:
            for agent, vector in game.rewards.items():
                if not _equal(vector, step.rewards.get(agent)):
                    self.divergence = f"tick {game.tick - 1}: {agent}'s rewards differ"
                    return False
        return True

    def describe(self) -> str:
        """Where the replay is, for the header."""
        episode_index, step = self.timeline[self.position]
        episode = self.recording.episodes[episode_index]
        text = (
            f"episode {episode_index + 1}/{len(self.recording.episodes)}"
            f"  step {step}/{len(episode.steps)}"
        )
        if step == len(episode.steps) and episode.end is not None:
            text += f"  (episode end: {episode.end.get('reason', '?')})"
        return text
