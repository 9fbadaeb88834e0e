"""Where the benchmark's episodes run: in-process, a local process pool, or Ray.

Every backend plays the same :class:`EpisodeTask` objects with the same
function (``benchmark_episode.play_batch`` by default; another experiment, such as the eval
suite, passes its own ``play_batch(tasks, log_dir) -> results``, a module-level function so
that it pickles) and yields their results as they finish, in whatever order. Each episode is independent and fully seeded, so
the numbers are identical whatever the backend and the number of workers;
the caller sorts the rows.

Use a backend as a context manager: leaving the ``with`` block early (an
error, Ctrl-C) stops the workers at once and drops unfinished episodes.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ai_safety_gridworlds.extras import install_hint
from experiments.safety_benchmark.episode import EpisodeResult, play_batch
from experiments.safety_benchmark.matrix import EpisodeTask

PlayBatch = Callable[[Sequence[Any], "str | None"], list[Any]]
"""Plays a list of tasks (with an optional log folder) and returns their results."""

RAY_MISSING = f"--backend ray needs Ray: {install_hint('ray')}"


def chunked(tasks: Sequence[EpisodeTask], size: int) -> list[list[EpisodeTask]]:
    """Consecutive batches of ``size`` tasks."""
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


class SerialBackend:
    """Plays the episodes one after another in this process."""

    name = "serial"

    def __init__(self, log_dir: str | None = None, play_batch: PlayBatch = play_batch):
        self.log_dir = log_dir
        self.workers = 1
        self.play_batch = play_batch

    def __enter__(self) -> SerialBackend:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def results(self, tasks: Sequence[EpisodeTask]) -> Iterator[EpisodeResult]:
        for task in tasks:
            yield from self.play_batch([task], self.log_dir)


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessPoolBackend:
    """A local pool of ``workers`` processes (spawned), one episode per job."""

    name = "process"

    def __init__(
        self, workers: int, log_dir: str | None = None, play_batch: PlayBatch = play_batch
    ):
        self.workers = workers
        self.log_dir = log_dir
        self.play_batch = play_batch
        self._pool = None

    def __enter__(self) -> ProcessPoolBackend:
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(self.workers, initializer=_ignore_sigint)
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self._pool.close()
        else:
            self._pool.terminate()
        self._pool.join()

    def results(self, tasks: Sequence[EpisodeTask]) -> Iterator[EpisodeResult]:
        jobs = [(self.play_batch, batch, self.log_dir) for batch in chunked(tasks, 1)]
        for batch in self._pool.imap_unordered(_play_job, jobs):
            yield from batch


def _play_job(job: tuple[PlayBatch, list[EpisodeTask], str | None]) -> list[EpisodeResult]:
    play, tasks, log_dir = job
    return play(tasks, log_dir)


class RayBackend:
    """Ray tasks of a few episodes each, on a local Ray or a cluster.

    With ``address`` None a local Ray with ``workers`` CPUs is started (and
    shut down afterwards); otherwise the driver connects to that cluster
    (``"auto"`` or ``"ray://host:10001"``), whose nodes need this package
    installed. A Ray already initialised in this process is used as it is.
    """

    name = "ray"

    def __init__(
        self,
        workers: int,
        address: str | None = None,
        log_dir: str | None = None,
        batch_size: int | None = None,
        play_batch: PlayBatch = play_batch,
    ):
        try:
            import ray
        except ImportError:
            raise RuntimeError(RAY_MISSING) from None
        self._ray = ray
        self.workers = workers
        self.address = address
        self.log_dir = log_dir
        self.batch_size = batch_size
        self.play_batch = play_batch
        self._started = False
        self._pending: list[Any] = []

    def __enter__(self) -> RayBackend:
        ray = self._ray
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": "ERROR",
            }
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.workers, **options)
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", self.workers)))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for ref in self._pending:
            with contextlib.suppress(Exception):  # it may finish while being cancelled
                self._ray.cancel(ref, force=True)
        self._pending = []
        if self._started:
            self._ray.shutdown()

    def results(self, tasks: Sequence[EpisodeTask]) -> Iterator[EpisodeResult]:
        ray = self._ray
        size = self.batch_size or min(32, max(1, math.ceil(len(tasks) / (4 * self.workers))))
        remote = ray.remote(self.play_batch)
        self._pending = [remote.remote(batch, self.log_dir) for batch in chunked(tasks, size)]
        while self._pending:
            done, self._pending = ray.wait(self._pending, num_returns=1)
            for ref in done:
                yield from ray.get(ref)


def make_backend(
    backend: str,
    workers: int,
    log_dir: str | None = None,
    ray_address: str | None = None,
    batch_size: int | None = None,
    play_batch: PlayBatch = play_batch,
):
    """A backend by name: ``serial``, ``process`` (serial when ``workers`` <= 1) or ``ray``;
    each plays tasks with ``play_batch`` (default: the safety benchmark's episodes)."""
    if backend == "ray":
        return RayBackend(workers, ray_address, log_dir, batch_size, play_batch)
    if backend == "process" and workers > 1:
        return ProcessPoolBackend(workers, log_dir, play_batch)
    if backend in ("serial", "process"):
        return SerialBackend(log_dir, play_batch)
    raise ValueError(f"unknown backend {backend!r}; allowed: serial, process, ray")
