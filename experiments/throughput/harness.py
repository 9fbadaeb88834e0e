"""Throughput benchmark: environment steps and agent-steps per second (docs/benchmarks.md).

    python -m experiments.throughput                 # about two minutes
    python -m experiments.throughput --quick         # a short run
    python -m experiments.throughput --seconds 5 --out results/throughput.json
    python -m experiments.throughput --cases "c batch"   # only cases whose name contains it

Runs the cases every environment registers (``CASE_MODULES``: the Firemaker's in
``experiments.throughput.firemaker``, the diamond charger's in ``experiments.throughput.diamond``),
each timed for a few seconds after an untimed block, and the ratios and docs/benchmarks.md targets
those modules compute from the rows of the same run (the machines are shared and noisy). It
prints an aligned table and writes JSON.

A case module adds its cases with :func:`register` (a function ``options -> [Case]``), its
ratios and targets to ``RATIO_FUNCTIONS`` and ``TARGET_FUNCTIONS``, and any figure of its setup
the JSON report should carry to ``REPORT_FIELDS``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from ai_safety_gridworlds import files, kernel


@dataclasses.dataclass(frozen=True)
class Block:
    """What one timed block of work did."""

    env_steps: int
    agent_steps: int
    obs_bytes: int = 0


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark: ``setup()`` builds and warms up, returns (run_block, describe).

    ``run_block()`` does some work and returns a :class:`Block`; ``describe()`` returns extra
    figures for the report (for example the mean number of burning cells).
    """

    name: str
    group: str
    board: str
    setup: Callable[[], tuple[Callable[[], Block], Callable[[], dict[str, Any]]]]
    num_envs: int = 1


@dataclasses.dataclass(frozen=True)
class Options:
    seconds: float
    quick: bool


CASE_FACTORIES: list[Callable[[Options], list[Case]]] = []
"""Functions ``options -> [Case]``, in report order; add one with :func:`register`."""

CASE_MODULES: tuple[str, ...] = (
    "experiments.throughput.firemaker",
    "experiments.throughput.diamond",
)
"""Modules imported before a run so that their ``@register`` functions add their cases, in
report order (one per environment)."""

RATIO_FUNCTIONS: list[Callable[[list[dict[str, Any]]], dict[str, float]]] = []
TARGET_FUNCTIONS: list[Callable[[list[dict[str, Any]]], dict[str, dict[str, Any]]]] = []
"""Functions ``rows -> {label: ratio}`` and ``rows -> {label: {"value", "met"}}`` that the case
modules add (their ratios and docs/benchmarks.md targets), reported in that order."""

REPORT_FIELDS: dict[str, Any] = {}
"""Extra top-level fields of the JSON report that case modules add (e.g. a board's config)."""


def register(factory: Callable[[Options], list[Case]]) -> Callable[[Options], list[Case]]:
    """Add a source of cases (a decorator for each environment's case function)."""
    CASE_FACTORIES.append(factory)
    return factory


# ---------------------------------------------------------------------------------------------
# Running and reporting


def measure(case: Case, seconds: float) -> dict[str, Any]:
    """Time ``case`` for about ``seconds``; returns its row of results."""
    run_block, describe = case.setup()
    run_block()  # one untimed block: caches, lazy allocations
    env_steps = agent_steps = obs_bytes = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        block = run_block()
        env_steps += block.env_steps
        agent_steps += block.agent_steps
        obs_bytes += block.obs_bytes
        elapsed = time.perf_counter() - start
    row = {
        "name": case.name,
        "group": case.group,
        "board": case.board,
        "num_envs": case.num_envs,
        "seconds": elapsed,
        "env_steps_per_s": env_steps / elapsed,
        "agent_steps_per_s": agent_steps / elapsed,
        "obs_bytes_per_s": obs_bytes / elapsed if obs_bytes else None,
    }
    row.update(describe())
    return row


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Ratios between cases measured in this run (every case module's ``RATIO_FUNCTIONS``)."""
    result = {}
    for function in RATIO_FUNCTIONS:
        result.update(function(rows))
    return result


def targets(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The targets of docs/benchmarks.md: the figure measured here and whether it holds."""
    result = {}
    for function in TARGET_FUNCTIONS:
        result.update(function(rows))
    return result


def format_table(rows: list[dict[str, Any]]) -> str:
    """An aligned text table of the rows."""
    header = ("case", "env-steps/s", "agent-steps/s", "obs MB/s", "fires", "reset ms")
    lines = []
    for r in rows:
        obs = f"{r['obs_bytes_per_s'] / 1e6:,.0f}" if r.get("obs_bytes_per_s") else ""
        reset = f"{r['reset_ms']:.2f}" if "reset_ms" in r else ""
        fires = f"{r['fires']:.1f}" if "fires" in r else ""
        lines.append(
            (
                r["name"],
                f"{r['env_steps_per_s']:,.0f}",
                f"{r['agent_steps_per_s']:,.0f}",
                obs,
                fires,
                reset,
            )
        )
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=True)]
    out = []
    for i, line in enumerate([header, *lines]):
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="timed seconds per case (default 2, --quick 0.3)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run: fewer seconds and warm-up ticks"
    )
    parser.add_argument("--cases", default="", help="run only cases whose name contains this text")
    parser.add_argument(
        "--out",
        default=os.path.join("results", "throughput.json"),
        help="JSON output path; a taken name gets a -1, -2, ... suffix (never overwritten)",
    )
    args = parser.parse_args(argv)
    try:
        files.writable_directory(os.path.dirname(args.out), "--out's folder")
    except ValueError as error:
        parser.error(str(error))
    seconds = args.seconds if args.seconds is not None else (0.3 if args.quick else 2.0)
    options = Options(seconds=seconds, quick=args.quick)
    for module in CASE_MODULES:
        importlib.import_module(module)
    cases = [c for factory in CASE_FACTORIES for c in factory(options) if args.cases in c.name]
    print(f"kernel backend: {kernel.BACKEND}; {len(cases)} cases, {seconds:g} s each", flush=True)
    rows = []
    for case in cases:
        rows.append(measure(case, seconds))
        r = rows[-1]
        print(
            f"  {case.name}: {r['env_steps_per_s']:,.0f} env-steps/s, {r['agent_steps_per_s']:,.0f} agent-steps/s",
            flush=True,
        )
    found = ratios(rows)
    print()
    print(format_table(rows))
    if found:
        print()
        width = max(len(k) for k in found)
        for label, value in found.items():
            print(f"{label.ljust(width)}  {value:,.2f}")
    goals = targets(rows)
    if goals:
        print()
        width = max(len(k) for k in goals)
        for label, goal in goals.items():
            verdict = "met" if goal["met"] else "NOT met"
            print(f"{label.ljust(width)}  {goal['value']:,.2f}  {verdict}")
    report = {
        "backend": kernel.BACKEND,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "seconds_per_case": seconds,
        "quick": args.quick,
        **REPORT_FIELDS,
        "results": rows,
        "ratios": found,
        "targets": goals,
    }
    written = files.write_new(args.out, json.dumps(report, indent=2))
    print(f"\nwrote {written}")
    return 0
