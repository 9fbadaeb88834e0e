"""Safety benchmark: environments x presets x policies x seeds, rewards and hidden safety metrics.

    python -m experiments.safety_benchmark --env firemaker_ex_ma --seeds 10

runs the environment's default policy set (for Firemaker: always_work with
an idle, a firefighting and a stop-button supervisor, patrolling workers,
obstructing workers against the stop-button supervisor, and random) and
prints, per cell, the mean and 95% confidence interval (Student t) of each
agent's return per reward dimension and of every hidden safety metric. It
writes ``results.csv``, ``results.json``, ``table.txt`` and PNG plots into
``--out``. See ``--help`` and docs/benchmark_output.md.

Seeds: seed ``i`` is ``--seed + i`` for ``i < --seeds``; episode ``j`` of seed
``s`` plays from ``reset(seed=s)`` for ``j = 0`` and from a hash of ``(s, j)``
after that (``benchmark_matrix.episode_seed``). Every episode is independent,
so results are identical, seed for seed, on every backend and worker count.

Ctrl-C (or SIGTERM) stops the run cleanly: the finished episodes' rows are
kept, summarised and plotted; the exit status is then 130. Each finished
episode's rows are in ``results.csv`` as soon as it ends, even if the process
is killed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from ai_safety_gridworlds import files
from ai_safety_gridworlds.extras import install_hint
from experiments import sweeps
from experiments.safety_benchmark import backends as benchmark_backends
from experiments.safety_benchmark import results as benchmark_results
from experiments.safety_benchmark.matrix import (
    RunSpec,
    build_cells,
    build_tasks,
    load_sweep,
    registered_names,
)
from experiments.safety_benchmark.paired import add_baselines
from experiments.safety_benchmark.stats import CONFIDENCE
from experiments.safety_benchmark.table import format_compact, format_tables

PROGRESS_MISSING = f"no progress bar: it needs tqdm: {install_hint('progress')}"
EPISODE_SEED_RULE = (
    "seed i = --seed + i; episode 0 of seed s plays reset(seed=s), episode j > 0 "
    "reset(seed=episode_seed(s, j)) (a 63-bit hash); policies get rollout.policy_seed"
)


def _split(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for v in values or () for part in v.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command line (each option also accepts underscores: ``--max_cycles``)."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.safety_benchmark",
        description=(
            "Compare policies on reward and hidden safety metrics: mean and 95% CI per "
            "environment, preset and policy."
        ),
    )
    add = parser.add_argument
    add(
        "--env",
        action="append",
        help="Environment name(s), comma-separated or repeated; 'all' for every registered "
        "one (default: firemaker_ex_ma).",
    )
    add(
        "--preset",
        action="append",
        help="Preset name(s) of the environment, comma-separated "
        "or repeated; 'all' for every preset (default: default).",
    )
    add(
        "--policy",
        action="append",
        help="A policy spec, repeated for several: 'random', a "
        "scripted name, 'module:callable' or 'role=name,role=name' (a key may be an agent "
        "name). Default: the environment's benchmark set.",
    )
    add(
        "--override",
        action="append",
        metavar="KEY=VALUE",
        help="Config override for every "
        "cell (VALUE is JSON, e.g. fire_spread_probability=0.003); repeatable.",
    )
    add(
        "--config",
        help="A sweep config: the name of a shipped one (firemaker_default) or the path of a "
        "JSON file of your own (format: experiments.safety_benchmark.matrix.load_sweep).",
    )
    add("--seeds", type=int, help="How many seeds (default 10).")
    add("--seed", type=int, help="The base seed: seeds are SEED, SEED+1, ... (default 0).")
    add("--episodes", type=int, help="Episodes per seed (default 1).")
    add(
        "--max-cycles",
        "--max_cycles",
        type=int,
        dest="max_cycles",
        help="Ticks per episode (default: the environment's).",
    )
    add(
        "--out",
        default="benchmark_results",
        help="Output folder (default: %(default)s). A folder holding an earlier run's "
        "results.csv is never written into: the run takes the next free one, OUT-1, OUT-2, ...",
    )
    add(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="Parallel workers (default: the number of cores, %(default)s).",
    )
    add(
        "--backend",
        choices=("process", "serial", "ray"),
        default="process",
        help="process: a local process pool (serial with --workers 1); serial: this "
        "process; ray: Ray tasks (the 'ray' extra). Default: %(default)s.",
    )
    add(
        "--ray-address",
        "--ray_address",
        dest="ray_address",
        help="Ray cluster to connect to (e.g. 'auto' or 'ray://host:10001'); default: "
        "start a local Ray with --workers CPUs.",
    )
    add(
        "--ray-batch",
        "--ray_batch",
        dest="ray_batch",
        type=int,
        help="Episodes per Ray task (default: about a quarter of a worker's share, <= 32).",
    )
    add(
        "--log-dir",
        "--log_dir",
        dest="log_dir",
        help="Also write every episode's per-tick CSV (EpisodeCsvLogger) under this folder.",
    )
    add(
        "--plots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Write PNG plots (the 'plots' extra). Default: on.",
    )
    add(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Show a progress bar (the 'progress' extra). Default: on.",
    )
    add(
        "--table-width",
        "--table_width",
        dest="table_width",
        type=int,
        default=110,
        help="Wrap the table's columns to this width (default: %(default)s).",
    )
    add(
        "--baseline",
        action="append",
        metavar="SPEC",
        help="Compare every cell, seed by seed, with the cell whose policies are its own with "
        "the roles (or agents) SPEC names replaced: the mean per-seed difference and its "
        "bootstrap 95%% interval (e.g. 'worker=always_work': each worker policy against "
        "always_work beside the same supervisor). Repeat for several; a cell whose baseline "
        "cell is not in the run is not compared.",
    )
    add(
        "--table-metrics",
        "--table_metrics",
        dest="table_metrics",
        action="append",
        help="Only these metrics in the terminal table: glob patterns, comma-separated, "
        "matching 'metric' or 'agent:metric' (e.g. 'external_fire_ticks,*:return/WORKSHOP'). "
        "The files always hold every metric.",
    )
    add(
        "--compact",
        action="store_true",
        help="Print (and write to table.txt) one short table per block instead: the mean of "
        "each --table-metrics metric per policy and, with --baseline, its paired difference.",
    )
    add(
        "--report",
        metavar="DIR",
        help="Do not run: print the table (and write the plots) of an earlier run's "
        "DIR/results.json.",
    )
    return parser


def resolve_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The run's matrix and settings from the flags and the optional sweep config."""
    settings: dict[str, Any] = {"seeds": 10, "seed": 0, "episodes": 1, "max_cycles": None}
    overrides = {}
    for item in args.override or ():
        key, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--override {item!r} is not of the form KEY=VALUE")
        try:
            overrides[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key.strip()] = text
    if args.config:
        if args.env or args.preset or args.policy:
            raise ValueError("give the matrix either in --config or with --env/--preset/--policy")
        sweep = load_sweep(sweeps.resolve(args.config))
        runs = [
            RunSpec(
                r.env,
                r.presets,
                r.policies,
                tuple(sorted({**dict(r.overrides), **overrides}.items())),
            )
            for r in sweep.pop("runs")
        ]
        settings.update(sweep)
    else:
        presets = tuple(_split(args.preset)) or ("default",)
        envs = _split(args.env) or ["firemaker_ex_ma"]
        if envs == ["all"]:
            envs = registered_names()
        runs = [
            RunSpec(env, presets, tuple(args.policy or ()), tuple(sorted(overrides.items())))
            for env in envs
        ]
    for name in ("seeds", "seed", "episodes", "max_cycles"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    settings["runs"] = runs
    return settings


class Progress:
    """A tqdm progress bar over episodes, or plain lines without tqdm."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self._bar = total, 0, None
        self.enabled = enabled
        self._next_line = 0
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            print(PROGRESS_MISSING, file=sys.stderr)
            return
        self._bar = tqdm(total=total, unit="episode", file=sys.stderr, smoothing=0.1)

    def update(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self.enabled and self.done >= self._next_line:
            print(f"{self.done}/{self.total} episodes", file=sys.stderr, flush=True)
            self._next_line = self.done + max(1, self.total // 20)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Treat SIGTERM like Ctrl-C while the run goes on (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def play_all(backend: Any, tasks: Sequence, add: Any, show_progress: bool) -> tuple[bool, float]:
    """Play ``tasks`` on ``backend``, handing each result to ``add`` as it arrives.

    Ctrl-C or SIGTERM stops the run cleanly: the results already added are kept. Returns
    (interrupted, elapsed seconds)."""
    progress = Progress(len(tasks), show_progress)
    started = time.perf_counter()
    interrupted = False
    with sigterm_as_interrupt():
        try:
            with backend:
                for result in backend.results(tasks):
                    add(result)
                    progress.update()
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
    return interrupted, time.perf_counter() - started


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], list, list, Any]:
    """Check the flags and build the matrix, its episodes and the backend."""
    settings = resolve_settings(args)
    cells, missing = add_baselines(
        build_cells(settings["runs"], settings["max_cycles"]), args.baseline or ()
    )
    for cell, baseline in missing:
        print(
            f"note: {cell.preset} {cell.policy.short_label} is not compared with {baseline}: "
            "that cell is not in the run (add its --policy)",
            file=sys.stderr,
        )
    tasks = build_tasks(cells, settings["seeds"], settings["seed"], settings["episodes"])
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.log_dir is not None:
        files.writable_directory(args.log_dir, "--log_dir")
    backend = benchmark_backends.make_backend(
        args.backend, args.workers, args.log_dir, args.ray_address, args.ray_batch
    )
    return settings, cells, tasks, backend


def run(args: argparse.Namespace, argv: Sequence[str], prepared: tuple) -> int:
    """Run a prepared benchmark; returns the exit status."""
    settings, cells, tasks, backend = prepared
    writer = benchmark_results.ResultsWriter(args.out, cells)
    out = writer.out_dir
    taken = "" if out == args.out else f" ({args.out} holds an earlier run's results)"
    print(
        f"{len(cells)} cells x {settings['seeds']} seeds x {settings['episodes']} episodes = "
        f"{len(tasks)} episodes; backend {backend.name}, {backend.workers} worker(s); "
        f"results in {out}{taken}",
        file=sys.stderr,
    )
    interrupted, elapsed = play_all(backend, tasks, writer.add, args.progress)
    writer.close()
    meta = {
        "command": ["python", "-m", "experiments.safety_benchmark", *argv],
        "seeds": settings["seeds"],
        "seed": settings["seed"],
        "episodes": settings["episodes"],
        "max_cycles": settings["max_cycles"],
        "seed_rule": EPISODE_SEED_RULE,
        "confidence": CONFIDENCE,
        "baselines": list(args.baseline or ()),
        "backend": backend.name,
        "workers": backend.workers,
        "planned_episodes": len(tasks),
        "completed_episodes": len(writer.results),
        "interrupted": interrupted,
        "elapsed_seconds": round(elapsed, 3),
    }
    content, json_path = benchmark_results.write_json(
        os.path.join(out, "results.json"), meta, cells, writer.results
    )
    table = _table(content["cells"], args)
    table_path = files.write_new(os.path.join(out, "table.txt"), table)
    print(table, end="")
    if args.plots and writer.results:
        _write_plots(content["cells"], out)
    status = "interrupted" if interrupted else "finished"
    written = ", ".join(os.path.basename(p) for p in (writer.csv_path, json_path, table_path))
    print(
        f"{status}: {len(writer.results)} of {len(tasks)} episodes in {elapsed:.1f} s; "
        f"wrote {out}/{written}",
        file=sys.stderr,
    )
    return 130 if interrupted else 0


def report(args: argparse.Namespace) -> int:
    """Print the table of an earlier run (and write its plots) from its results.json."""
    path = os.path.join(args.report, "results.json")
    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    print(_table(cells, args), end="")
    if args.plots:
        _write_plots(cells, args.report)
    return 0


def _table(cells: list[dict], args: argparse.Namespace) -> str:
    """The terminal table: the full one, or the compact one with ``--compact``."""
    if args.compact:
        return format_compact(cells, _split(args.table_metrics))
    return format_tables(cells, args.table_width, _split(args.table_metrics))


def _write_plots(cells: list[dict], out_dir: str) -> None:
    from experiments.safety_benchmark import plots as benchmark_plots

    try:
        for path in benchmark_plots.write_plots(cells, out_dir):
            print(f"plot: {path}", file=sys.stderr)
    except RuntimeError as error:
        print(f"skipping plots: {error}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.report:
        try:
            return report(args)
        except (OSError, ValueError, KeyError) as error:
            print(f"error: cannot read {args.report}/results.json: {error}", file=sys.stderr)
            return 2
    try:
        prepared = prepare(args)
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return run(args, argv, prepared)
