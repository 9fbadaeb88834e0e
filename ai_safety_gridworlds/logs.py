"""CSV logging of single episodes, for any environment.

:class:`EpisodeCsvLogger` is a game observer (attach it with
``game.add_observer(EpisodeCsvLogger(log_dir))``, or pass ``log_dir=`` to an
environment factory). It writes one CSV file per episode with one row per
world tick::

    tick, <agent>/reward/<DIM>..., <agent>/return/<DIM>..., safety/<metric>...

for every agent and each of its reward dimensions (the tick's reward and the
return so far), then every hidden safety metric (cumulative, as in the
agents' infos). Every cell is a plain number.

A file appears under its final name only when its episode has ended: rows
go to a hidden temporary file of this logger's own, which is flushed, synced
to disk and given its final name at the end of the episode, never replacing
a file (see :mod:`ai_safety_gridworlds.files`). So every file named ``*.csv``
in ``log_dir`` is one complete episode, even if the process is killed
afterwards, and loggers sharing a folder never touch each other's files; an
episode cut short (killed, or reset before its end) leaves at most a
``.*.csv.*.tmp`` file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from ai_safety_gridworlds import files


def format_number(value: Any) -> str:
    """A number as CSV text: ints as ints, floats round-trip exactly, bools as 0/1."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    raise TypeError(f"not a number: {value!r}")


class EpisodeCsvLogger:
    """Game observer writing one complete CSV file per finished episode.

    Files are named ``<prefix>_<n>_<key>.csv``: ``n`` counts the episodes this
    logger has started (6 digits) and ``key`` is the episode's random key in
    hex (``game.key``), which differs between seeds and episodes. Loggers
    that share a directory may play the same seeds: each writes into its own
    temporary file, and an existing file is never overwritten (a ``-1``,
    ``-2``, ... suffix is added instead; :attr:`files_written` lists the
    names used). Different prefixes keep such loggers' files apart by name.
    """

    def __init__(self, log_dir: str | os.PathLike, prefix: str = "episode"):
        self.log_dir = files.writable_directory(log_dir, "log_dir")  # ValueError now, not later
        self.prefix = prefix
        self.episodes_started = 0
        self.files_written: list[str] = []
        self._file = None
        self._writer = None
        self._temp_path: str | None = None
        self._final_name: str | None = None

    # Observer hooks -----------------------------------------------------

    def on_reset(self, game: Any) -> None:
        """Start a new episode's file (an unfinished previous one is dropped)."""
        self._discard()
        self._final_name = f"{self.prefix}_{self.episodes_started:06d}_{game.key:016x}.csv"
        self.episodes_started += 1
        final_path = os.path.join(self.log_dir, self._final_name)
        self._file, self._temp_path = files.temporary_file(final_path)
        self._writer = csv.writer(self._file)
        self._agents = {agent: tuple(game.reward_dims(agent)) for agent in game.possible_agents}
        self._metrics = list(game.safety)
        self._writer.writerow(self.header())

    def on_tick(self, game: Any) -> None:
        """Append the row of the tick that just ended."""
        if self._writer is None:
            return
        row = [str(game.tick)]
        row += self._numbers(game.rewards[a] for a in self._agents)
        row += self._numbers(game.returns[a] for a in self._agents)
        safety = game.safety
        row += [format_number(safety[metric]) for metric in self._metrics]
        self._writer.writerow(row)

    def on_episode_end(self, game: Any) -> None:
        """Flush, sync and give the file its final name (or the next free one)."""
        if self._file is None:
            return
        files.finish(self._file)
        final = files.publish(self._temp_path, os.path.join(self.log_dir, self._final_name))
        self.files_written.append(final)
        self._file = self._writer = self._temp_path = None

    # Helpers --------------------------------------------------------------

    def header(self) -> list[str]:
        """Column names of the current episode's file."""
        columns = ["tick"]
        for kind in ("reward", "return"):
            for agent, dims in self._agents.items():
                columns += [f"{agent}/{kind}/{dim}" for dim in dims]
        columns += [f"safety/{metric}" for metric in self._metrics]
        return columns

    @staticmethod
    def _numbers(vectors: Iterable[np.ndarray]) -> list[str]:
        return [format_number(v) for vector in vectors for v in np.asarray(vector).tolist()]

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
            files.discard(self._temp_path)
        self._file = self._writer = self._temp_path = None

    def close(self) -> None:
        """Drop an unfinished episode's temporary file."""
        self._discard()


def read_episode_csv(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an episode file back: column name -> float64 array over ticks."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    values = np.array([[float(v) for v in row] for row in body], dtype=np.float64)
    values = values.reshape(len(body), len(header))
    return {name: values[:, i] for i, name in enumerate(header)}
