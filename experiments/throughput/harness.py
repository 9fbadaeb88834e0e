"""Throughput benchmark: environment steps and agent-steps per second (docs/benchmarks.md).

    python -m experiments.throughput                 # about three minutes
    python -m experiments.throughput --quick         # a short run
    python -m experiments.throughput --rounds 9 --seconds 0.5 --out results/throughput.json
    python -m experiments.throughput --cases "c batch"   # only cases whose name contains it

Every case is set up first (built, warmed up); then the cases run **interleaved in short
slices** (``--seconds`` each) over several rounds (``--rounds``), forward in even rounds and
backward in odd ones, so that load drifting on a shared machine hits every case alike. Each case
reports the min, median and max of its per-round rates; each ratio is computed round by round
(numerator and denominator measured seconds apart) and reported as min, median and max too.
Targets are judged on the median ratio. Probes (one-off measurements such as construction time
and memory) run in a fresh process, a few times each.

Case modules (``CASE_MODULES``: the Firemaker's in ``experiments.throughput.firemaker``, the
diamond charger's in ``experiments.throughput.diamond``) add cases with :func:`register` (a
function ``options -> [Case]``), ratios and targets to ``RATIOS`` (:class:`Ratio`), probes to
``PROBES`` (:class:`Probe`) and top-level JSON fields to ``REPORT_FIELDS``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import importlib
import json
import multiprocessing
import os
import platform
import statistics
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


Setup = Callable[[], tuple[Callable[[], Block], Callable[[], dict[str, Any]]]]


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark: ``setup()`` builds and warms up, returns (run_block, describe).

    ``run_block()`` does a little work (well under a slice) and returns a :class:`Block`;
    ``describe()`` returns extra figures for the report (for example the mean number of burning
    cells). ``about`` says what the case runs, in words (printed beside its ratios). With
    ``after`` (another case's name), the case runs right after that one in every round, so that
    a ratio of the two compares slices measured back to back.
    """

    name: str
    group: str
    board: str
    setup: Setup
    num_envs: int = 1
    about: str = ""
    after: str = ""


@dataclasses.dataclass(frozen=True)
class Ratio:
    """A figure of the report: ``numerator``'s ``key`` over ``denominator``'s, round by round.

    ``numerator`` and ``denominator`` name a case or a probe (for a probe, ``key`` is one of the
    figures it returns); with ``denominator=None`` the figure is the numerator's own value. With
    ``at_least`` or ``at_most`` it is a target (judged on the median). ``setup`` states what is
    compared (it is printed beside the figure, and belongs beside it wherever it is quoted).
    """

    label: str
    numerator: str
    denominator: str | None = None
    key: str = "agent_steps_per_s"
    setup: str = ""
    at_least: float | None = None
    at_most: float | None = None

    @property
    def is_target(self) -> bool:
        return self.at_least is not None or self.at_most is not None

    def met(self, value: float) -> bool:
        low = self.at_least is None or value >= self.at_least
        return low and (self.at_most is None or value <= self.at_most)

    def goal(self) -> str:
        parts = [f">= {_bound(self.at_least)}"] if self.at_least is not None else []
        return " and ".join(
            parts + ([f"<= {_bound(self.at_most)}"] if self.at_most is not None else [])
        )


def _bound(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 and value == int(value) else f"{value:g}"


@dataclasses.dataclass(frozen=True)
class Probe:
    """A one-off measurement: ``function(*args)`` (importable by name: it runs in a fresh
    process) returns ``{figure: value}``; it runs ``repeats`` times (once with ``--quick``)."""

    name: str
    function: Callable[..., dict[str, float]]
    args: tuple = ()
    repeats: int = 3
    about: str = ""


@dataclasses.dataclass(frozen=True)
class Options:
    seconds: float
    quick: bool
    rounds: int = 5


CASE_FACTORIES: list[Callable[[Options], list[Case]]] = []
"""Functions ``options -> [Case]``, in report order; add one with :func:`register`."""

CASE_MODULES: tuple[str, ...] = (
    "experiments.throughput.firemaker",
    "experiments.throughput.diamond",
)
"""Modules imported before a run so that they add their cases, ratios and probes, in report
order (one per environment)."""

RATIOS: list[Ratio] = []
"""Ratios and targets, in report order (a case module appends its own)."""

PROBES: list[Probe] = []
"""One-off measurements, in report order (a case module appends its own)."""

REPORT_FIELDS: dict[str, Any] = {}
"""Extra top-level fields of the JSON report that case modules add (e.g. a board's config)."""


def register(factory: Callable[[Options], list[Case]]) -> Callable[[Options], list[Case]]:
    """Add a source of cases (a decorator for each environment's case function)."""
    CASE_FACTORIES.append(factory)
    return factory


# ---------------------------------------------------------------------------------------------
# Several processes at once: the most that any parallelism could give on this machine now


def _process_worker(setup: Setup, connection: Any) -> None:
    run_block, _ = setup()
    run_block()
    while True:
        seconds = connection.recv()
        if seconds is None:
            return
        env_steps = agent_steps = obs_bytes = 0
        start = time.perf_counter()
        while True:  # at least one block
            block = run_block()
            env_steps += block.env_steps
            agent_steps += block.agent_steps
            obs_bytes += block.obs_bytes
            if time.perf_counter() - start >= seconds:
                break
        connection.send((env_steps, agent_steps, obs_bytes))


def in_processes(setup: Setup, processes: int, seconds: float) -> Setup:
    """A setup whose block runs ``setup``'s blocks for ``seconds`` in ``processes`` forked
    processes at once and adds up their work: with :func:`Ratio` against the same case in this
    process, the speed-up that independent processes get on this machine at this moment (the
    ceiling for threads in one process, which share the same cores)."""

    def start() -> tuple[Callable[[], Block], Callable[[], dict[str, Any]]]:
        context = multiprocessing.get_context("fork")
        pipes = []
        for _ in range(processes):
            mine, theirs = context.Pipe()
            worker = context.Process(target=_process_worker, args=(setup, theirs), daemon=True)
            worker.start()
            pipes.append(mine)

        def run_block() -> Block:
            for pipe in pipes:
                pipe.send(seconds)
            totals = [pipe.recv() for pipe in pipes]
            return Block(*(sum(t[i] for t in totals) for i in range(3)))

        return run_block, lambda: {"processes": processes}

    return start


# ---------------------------------------------------------------------------------------------
# Running


def _spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def run_slice(run_block: Callable[[], Block], seconds: float) -> dict[str, float]:
    """Blocks for about ``seconds``; the rates they reached."""
    env_steps = agent_steps = obs_bytes = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        block = run_block()
        env_steps += block.env_steps
        agent_steps += block.agent_steps
        obs_bytes += block.obs_bytes
        elapsed = time.perf_counter() - start
    return {
        "env_steps_per_s": env_steps / elapsed,
        "agent_steps_per_s": agent_steps / elapsed,
        "obs_bytes_per_s": obs_bytes / elapsed,
    }


def run_order(cases: list[Case]) -> list[Case]:
    """``cases`` in order, but each case with ``after`` moved right behind that case (and its
    own followers); an ``after`` naming no case here is ignored."""
    names = {case.name for case in cases}
    followers: dict[str, list[Case]] = {}
    for case in cases:
        if case.after in names and case.after != case.name:
            followers.setdefault(case.after, []).append(case)
    placed: list[Case] = []
    seen: set[str] = set()

    def place(case: Case) -> None:
        if case.name in seen:
            return
        seen.add(case.name)
        placed.append(case)
        for follower in followers.get(case.name, []):
            place(follower)

    for case in cases:
        if not (case.after in names and case.after != case.name):
            place(case)
    for case in cases:  # followers in a cycle of ``after``: in their own order
        place(case)
    return placed


def measure(cases: list[Case], options: Options, log: Callable[[str], None]) -> list[dict]:
    """Set up every case, then run them in slices over ``options.rounds`` rounds (in
    :func:`run_order`); one row per case, in the given order, with its per-round rates and
    their min, median and max."""
    ready = []
    for case in cases:
        start = time.perf_counter()
        run_block, describe = case.setup()
        run_block()  # one untimed block: caches, lazy allocations
        ready.append((case, run_block, describe))
        log(f"  set up {case.name} ({time.perf_counter() - start:.1f} s)")
    per_round: dict[str, list[dict[str, float]]] = {case.name: [] for case in cases}
    position = {case.name: i for i, case in enumerate(run_order(cases))}
    in_order = sorted(ready, key=lambda entry: position[entry[0].name])
    for r in range(options.rounds):
        order = in_order if r % 2 == 0 else in_order[::-1]
        start = time.perf_counter()
        for case, run_block, _ in order:
            per_round[case.name].append(run_slice(run_block, options.seconds))
        log(f"  round {r + 1}/{options.rounds} ({time.perf_counter() - start:.1f} s)")
    rows = []
    for case, _, describe in ready:
        rates = per_round[case.name]
        row: dict[str, Any] = {
            "name": case.name,
            "group": case.group,
            "board": case.board,
            "num_envs": case.num_envs,
            "about": case.about,
        }
        for key in ("env_steps_per_s", "agent_steps_per_s", "obs_bytes_per_s"):
            values = [rate[key] for rate in rates]
            row[key] = statistics.median(values)
            row[key.removesuffix("_per_s") + "_per_s_rounds"] = values
            row[key.removesuffix("_per_s") + "_per_s_spread"] = _spread(values)
        row["obs_bytes_per_s"] = row["obs_bytes_per_s"] or None
        row.update(describe())
        rows.append(row)
    return rows


def run_probes(probes: list[Probe], quick: bool, log: Callable[[str], None]) -> list[dict]:
    """Each probe in a fresh (spawned) process, ``repeats`` times; a row per probe."""
    rows = []
    context = multiprocessing.get_context("spawn")
    for probe in probes:
        results = []
        for _ in range(1 if quick else probe.repeats):
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                results.append(pool.submit(probe.function, *probe.args).result())
        row: dict[str, Any] = {"name": probe.name, "about": probe.about}
        for key in results[0]:
            values = [float(r[key]) for r in results]
            row[key] = statistics.median(values)
            row[key + "_rounds"] = values
        rows.append(row)
        log(f"  probe {probe.name}: " + ", ".join(f"{k} {v:,.3g}" for k, v in results[0].items()))
    return rows


def _series(rows: dict[str, dict], name: str, key: str) -> list[float] | None:
    row = rows.get(name)
    if row is None:
        return None
    rounds = row.get(key.removesuffix("_per_s") + "_per_s_rounds") or row.get(key + "_rounds")
    return rounds if rounds is not None else ([row[key]] if key in row else None)


def evaluate(ratios: list[Ratio], rows: list[dict]) -> list[dict]:
    """Every ratio whose cases ran: its per-round values, min/median/max and (targets) met."""
    by_name = {row["name"]: row for row in rows}
    out = []
    for ratio in ratios:
        top = _series(by_name, ratio.numerator, ratio.key)
        if ratio.denominator is None:
            values = top
        else:
            bottom = _series(by_name, ratio.denominator, ratio.key)
            if top is None or bottom is None or len(top) != len(bottom):
                values = None
            else:
                values = [a / b for a, b in zip(top, bottom, strict=True) if b]
        entry: dict[str, Any] = {"label": ratio.label, "setup": ratio.setup}
        if not values:
            entry["measured"] = False
        else:
            entry.update(measured=True, value=statistics.median(values), **_spread(values))
            entry["rounds"] = values
        if ratio.is_target:
            entry["target"] = ratio.goal()
            entry["met"] = bool(values) and ratio.met(entry["value"])
        out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------
# Reporting


def format_table(rows: list[dict[str, Any]]) -> str:
    """An aligned text table of the rows (medians over rounds, and the slowest round)."""
    header = (
        "case",
        "env-steps/s",
        "agent-steps/s",
        "(min)",
        "obs MB/s",
        "fires",
        "reset ms",
    )
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
                f"{r['agent_steps_per_s_spread']['min']:,.0f}",
                obs,
                fires,
                reset,
            )
        )
    return _align([header, *lines])


def _align(lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(*lines, strict=True)]
    out = []
    for i, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_ratios(entries: list[dict[str, Any]]) -> str:
    """Ratios (median, min, max over rounds), then targets with met / NOT met; each with the
    setup it compares."""
    out = []
    for targets in (False, True):
        chosen = [e for e in entries if ("target" in e) == targets]
        if not chosen:
            continue
        header = ("target" if targets else "ratio", "median", "min", "max", "")
        lines = [header]
        for e in chosen:
            if not e["measured"]:
                if targets:  # an unmeasured ratio is left out; an unmeasured target is said
                    lines.append((e["label"], "", "", "", "not measured"))
                continue
            verdict = ""
            if targets:
                verdict = f"{e['target']}: " + ("met" if e["met"] else "NOT met")
            lines.append((e["label"], *(_number(e[k]) for k in ("value", "min", "max")), verdict))
        out.append(_align(lines))
        setups = [(e["label"], e["setup"]) for e in chosen if e["setup"] and e["measured"]]
        if setups:
            out.append("\n".join(f"  {label}: {setup}" for label, setup in setups))
    return "\n\n".join(out)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="seconds per case per round (default 0.25, --quick 0.05)",
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds over every case (default 5, --quick 2)"
    )
    parser.add_argument("--quick", action="store_true", help="a short run: fewer cases and rounds")
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
    seconds = args.seconds if args.seconds is not None else (0.05 if args.quick else 0.25)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 5)
    if seconds <= 0 or rounds < 1:
        parser.error(f"--seconds must be > 0 and --rounds >= 1, got {seconds} and {rounds}")
    options = Options(seconds=seconds, quick=args.quick, rounds=rounds)
    for module in CASE_MODULES:
        importlib.import_module(module)
    cases = [c for factory in CASE_FACTORIES for c in factory(options) if args.cases in c.name]
    probes = [p for p in PROBES if args.cases in p.name]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(
        f"kernel backend: {kernel.BACKEND}; {len(cases)} cases x {rounds} rounds of {seconds:g} s"
        f", {len(probes)} probes; load average {load}",
        flush=True,
    )

    def log(text: str) -> None:
        print(text, flush=True)

    rows = measure(cases, options, log)
    probe_rows = run_probes(probes, args.quick, log)
    entries = evaluate(RATIOS, rows + probe_rows)
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    print()
    if rows:
        print(format_table(rows))
    if entries:
        print()
        print(format_ratios(entries))
    print(f"\nload average before {load}, after {load_after} ({os.cpu_count()} CPUs)")
    report = {
        "backend": kernel.BACKEND,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "load_average": {"before": load, "after": load_after},
        "seconds_per_slice": seconds,
        "rounds": rounds,
        "quick": args.quick,
        **REPORT_FIELDS,
        "results": rows,
        "probes": probe_rows,
        "ratios": [e for e in entries if "target" not in e],
        "targets": [e for e in entries if "target" in e],
    }
    written = files.write_new(args.out, json.dumps(report, indent=2))
    print(f"\nwrote {written}")
    return 0
