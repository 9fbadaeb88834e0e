"""The evaluation suite: policies x evals x seeds, each episode scored in [0, 1].

    python -m experiments.eval_suite --policy random --policy scripted --seeds 20

plays every eval of ``environments.evals`` (or those named by ``--eval`` / ``--category``)
with every policy from seeds ``--seed`` .. ``--seed + --seeds - 1`` (the same seeds for every
policy), on the safety benchmark's backends (``--backend process`` with ``--workers``, the
default; ``serial``; ``ray``), and writes into ``--out`` (or, when that holds an earlier run,
the first free ``--out-1``, ``--out-2``, ...; no file is ever written over):

- ``scores.csv``: one row per episode, ``category, eval, policy, seed, score``;
- ``scores.json``: the run's settings, the evals, the summaries (mean and Student-t 95%
  interval per eval, per category and overall, per policy) and every episode;
- ``table.txt``: the table printed on the terminal;
- ``heatmap.png``: policies x evals, grouped by category (the ``plots`` extra).

Policies: ``random``, ``scripted`` (each eval's reference solver), a scripted policy of the
diamond charger (``greedy_miner``, ``raider``, ``sharer``), ``module:callable``, and
``--checkpoint [LABEL=]PATH`` for a ``model.pt`` of the learning baseline (needs torch; it
plays the evals whose observations and actions fit its networks, the others are ``n/a``).
``--report DIR`` prints the table of a finished run without playing (and draws its heatmap if
the run could not, e.g. without matplotlib).
Ctrl-C stops cleanly: the finished episodes are kept, summarised and drawn (exit status 130).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from ai_safety_gridworlds import files
from environments.evals import CATEGORIES, EVALS, SCRIPTED, get_eval
from experiments.eval_suite import results as eval_results
from experiments.eval_suite import tasks as eval_tasks
from experiments.eval_suite.table import format_table
from experiments.safety_benchmark import backends as benchmark_backends
from experiments.safety_benchmark.cli import play_all
from experiments.safety_benchmark.stats import CONFIDENCE

DEFAULT_POLICIES = ("random", SCRIPTED)


def _split(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for v in values or () for part in v.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command line (options also accept underscores)."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.eval_suite",
        description="Score policies on the evaluation suite: mean and 95%% CI per eval and "
        "category, a table and a heatmap.",
    )
    add = parser.add_argument
    add(
        "--policy",
        action="append",
        help="A policy, repeated for several: 'random', 'scripted' (each eval's reference "
        "solver), a diamond charger scripted policy (greedy_miner, raider, sharer) or "
        "'module:callable'. Default: random and scripted.",
    )
    add(
        "--checkpoint",
        action="append",
        default=[],
        metavar="[LABEL=]PATH",
        help="A model.pt of the learning baseline (python -m experiments.train_baseline) as "
        "one more policy; repeatable. Needs torch.",
    )
    add("--eval", action="append", help="Eval name(s), comma-separated or repeated (default: all).")
    add(
        "--category",
        action="append",
        help=f"Only the evals of these categories ({', '.join(CATEGORIES)}).",
    )
    add("--seeds", type=int, default=20, help="How many seeds (default %(default)s).")
    add("--seed", type=int, default=0, help="The first seed (default %(default)s).")
    add("--out", default="eval_results", help="Output folder (default: %(default)s).")
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
        help="process: a local process pool (serial with --workers 1); serial: this process; "
        "ray: Ray tasks (the 'ray' extra). Default: %(default)s.",
    )
    add("--ray-address", "--ray_address", dest="ray_address", help="Ray cluster to connect to.")
    add(
        "--plots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Draw heatmap.png (the 'plots' extra). Default: on.",
    )
    add(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Show a progress bar (the 'progress' extra). Default: on.",
    )
    add("--report", metavar="DIR", help="Do not run: print the table of DIR/scores.json.")
    return parser


def selected_evals(args: argparse.Namespace) -> list[str]:
    """The evals of the run, in suite order."""
    names = _split(args.eval)
    for name in names:
        get_eval(name)
    categories = _split(args.category)
    for category in categories:
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; allowed: {', '.join(CATEGORIES)}")
    chosen = [
        name
        for name, evaluation in EVALS.items()
        if (not names or name in names) and (not categories or evaluation.category in categories)
    ]
    if not chosen:
        raise ValueError("no eval matches --eval and --category")
    return chosen


def fitting_cells(
    evals: Sequence[str], policies: Sequence[eval_tasks.PolicySpec]
) -> tuple[list[tuple[str, eval_tasks.PolicySpec]], list[str]]:
    """The (eval, policy) cells that can be played, and a note per checkpoint left out."""
    cells, notes = [], []
    for policy in policies:
        skipped = []
        for name in evals:
            if isinstance(policy.spec, eval_tasks.CheckpointSpec):
                reason = eval_tasks.checkpoint_misfit(policy.spec, name)
                if reason:
                    skipped.append(name)
                    continue
            cells.append((name, policy))
        if skipped:
            notes.append(f"{policy.label}: n/a on {', '.join(skipped)} (observations or actions)")
    return cells, notes


def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Play the run and write its files; returns the exit status."""
    evals = selected_evals(args)
    policies = eval_tasks.parse_policies(args.policy or DEFAULT_POLICIES, args.checkpoint)
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    cells, notes = fitting_cells(evals, policies)
    tasks = eval_tasks.build_tasks(cells, args.seeds, args.seed)
    backend = benchmark_backends.make_backend(
        args.backend,
        args.workers,
        ray_address=args.ray_address,
        play_batch=eval_tasks.play_batch,
    )
    labels = [p.label for p in policies]
    for note in notes:
        print(note, file=sys.stderr)
    writer = eval_results.ScoresWriter(args.out, evals, labels)
    out = writer.out_dir
    print(
        f"{len(evals)} evals x {len(policies)} policies x {args.seeds} seeds = {len(tasks)} "
        f"episodes; backend {backend.name}, {backend.workers} worker(s); results in {out}",
        file=sys.stderr,
    )
    interrupted, elapsed = play_all(backend, tasks, writer.add, args.progress)
    writer.close()
    meta: dict[str, Any] = {
        "command": ["python", "-m", "experiments.eval_suite", *argv],
        "seeds": args.seeds,
        "seed": args.seed,
        "seed_rule": "seed i = --seed + i; every policy plays evals.play(eval, policy, seed)",
        "confidence": CONFIDENCE,
        "backend": backend.name,
        "workers": backend.workers,
        "planned_episodes": len(tasks),
        "completed_episodes": len(writer.results),
        "interrupted": interrupted,
        "elapsed_seconds": round(elapsed, 3),
        "checkpoints": {
            p.label: p.spec.path for p in policies if isinstance(p.spec, eval_tasks.CheckpointSpec)
        },
    }
    content, json_path = eval_results.write_json(
        os.path.join(out, "scores.json"), meta, evals, labels, writer.sorted_results()
    )
    table = format_table(content)
    written = [writer.path, json_path, files.write_new(os.path.join(out, "table.txt"), table)]
    print(table, end="")
    if args.plots and content["rows"]:
        written += draw(content, out)
    status = "interrupted" if interrupted else "finished"
    print(
        f"{status}: {len(writer.results)} of {len(tasks)} episodes in {elapsed:.1f} s; wrote "
        f"{out}/" + ", ".join(os.path.basename(p) for p in written),
        file=sys.stderr,
    )
    return 130 if interrupted else 0


def draw(content: dict, out: str) -> list[str]:
    """Draw the heatmap into ``out``; returns the file written (none without matplotlib)."""
    from experiments.eval_suite.heatmap import write_heatmap

    try:
        return [write_heatmap(content, os.path.join(out, "heatmap.png"))]
    except RuntimeError as error:
        print(f"skipping the heatmap: {error}", file=sys.stderr)
        return []


def report(args: argparse.Namespace) -> int:
    """Print the table of a finished run from its scores.json (and draw its heatmap when the
    run left none)."""
    with open(os.path.join(args.report, "scores.json"), encoding="utf-8") as handle:
        content = json.load(handle)
    print(format_table(content), end="")
    heatmap = os.path.join(args.report, "heatmap.png")
    if args.plots and content["rows"] and not os.path.exists(heatmap):
        for path in draw(content, args.report):
            print(f"heatmap: {path}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (2: bad arguments)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.report:
        try:
            return report(args)
        except (OSError, ValueError, KeyError) as error:
            print(f"error: cannot read {args.report}/scores.json: {error}", file=sys.stderr)
            return 2
    try:
        return run(args, argv)
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
