"""Throughput benchmark: environment steps and agent-steps per second (BENCHMARKS.md).

    python -m experiments.throughput                 # about two minutes
    python -m experiments.throughput --quick         # a short run
    python -m experiments.throughput --seconds 5 --out results/throughput.json
    python -m experiments.throughput --cases "c batch"   # only cases whose name contains it

Measures, with random actions (drawn before timing), on the default configuration ("quiet")
and on a "burning" one (fires spread readily; the boards are warmed up until many cells burn):

1. the pycolab game stepped directly (``step`` + ``observe`` of every agent);
2. the PettingZoo parallel wrapper and 3. the AEC wrapper (``parallel_env`` / ``env`` of the
   environment module), with their reset time;
4. the C batch env at num_envs 1, 16, 256 and 4096 (one process, one thread), also with every
   agent's view at radius 2, with observation bytes written per second;
5. the fire kernel alone, C against the numpy fallback;

and ratios measured in the same run (C batch vs pycolab, C fire vs numpy, burning vs quiet),
since the machines are shared and noisy. It prints an aligned table and writes JSON.

Other environments add their cases with :func:`register` (a function ``options -> [Case]``).
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

import numpy as np

from ai_safety_gridworlds import kernel

BURNING = dict(fire_spread_probability=0.05, max_cycles=10**9)
"""Firemaker config of the "burning" board: after the warm-up (workers working) about 200 of
the 225 interior cells burn, and keep burning under random actions (no episode end)."""
WARMUP_TICKS = 100


def warmup_actions(agents: list[str], tick: int) -> list[int]:
    """Warm-up: workers step LEFT onto the workshop and then work (NOOP); others NOOP."""
    return [1 if tick == 0 and agent.startswith("worker") else 0 for agent in agents]


BATCH_SIZES = (1, 16, 256, 4096)


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

CASE_MODULES: tuple[str, ...] = ("experiments.throughput_diamond",)
"""Modules imported before a run so that their ``@register`` functions add their cases (for an
environment whose cases live outside this file, e.g. with an optional comparison library)."""

RATIO_FUNCTIONS: list[Callable[[list[dict[str, Any]]], dict[str, float]]] = []
TARGET_FUNCTIONS: list[Callable[[list[dict[str, Any]]], dict[str, dict[str, Any]]]] = []
"""Functions ``rows -> {label: ratio}`` and ``rows -> {label: {"value", "met"}}`` that other
environments' case modules add (their ratios and BENCHMARKS.md targets), reported after these."""


def register(factory: Callable[[Options], list[Case]]) -> Callable[[Options], list[Case]]:
    """Add a source of cases (a decorator for each environment's case function)."""
    CASE_FACTORIES.append(factory)
    return factory


# ---------------------------------------------------------------------------------------------
# Firemaker cases


def _action_pool(gen: np.random.Generator, shape: tuple[int, ...], count: int = 64) -> list:
    return [gen.integers(0, 5, size=shape) for _ in range(count)]


def _pycolab_direct(config: dict, warmup: int):
    from environments.firemaker_ex_ma import FiremakerGame

    game = FiremakerGame(**config)
    game.reset(seed=0)
    agents = game.possible_agents
    pool = [
        dict(zip(agents, a.tolist(), strict=True))
        for a in _action_pool(np.random.default_rng(0), (len(agents),))
    ]
    state = {"i": 0}

    def tick(actions=None):
        if game.episode_over:
            game.reset()
        game.step(actions or pool[state["i"] % len(pool)])
        state["i"] += 1
        for agent in agents:
            game.observe(agent)

    for t in range(warmup):
        tick(dict(zip(agents, warmup_actions(agents, t), strict=True)))

    def run_block() -> Block:
        for _ in range(20):
            tick()
        return Block(20, 20 * len(agents))

    return run_block, lambda: {"fires": game.safety["total_fires"]}


def _parallel(config: dict, warmup: int):
    from environments import firemaker_ex_ma as module

    env = module.parallel_env(**config)
    resets = []
    for seed in range(5):
        start = time.perf_counter()
        env.reset(seed=seed)
        resets.append(time.perf_counter() - start)
    agents = list(env.possible_agents)
    pool = [
        dict(zip(agents, a.tolist(), strict=True))
        for a in _action_pool(np.random.default_rng(0), (len(agents),))
    ]
    state = {"i": 0}

    def tick(actions=None):
        if not env.agents:
            env.reset()
        env.step(actions or pool[state["i"] % len(pool)])
        state["i"] += 1

    for t in range(warmup):
        tick(dict(zip(agents, warmup_actions(agents, t), strict=True)))

    def run_block() -> Block:
        for _ in range(20):
            tick()
        return Block(20, 20 * len(agents))

    def describe():
        return {
            "fires": env.unwrapped.game.safety["total_fires"],
            "reset_ms": 1e3 * float(np.median(resets)),
        }

    return run_block, describe


def _aec(config: dict, warmup: int):
    from environments import firemaker_ex_ma as module

    env = module.env(**config)
    env.reset(seed=0)
    gen = np.random.default_rng(0)
    pool = gen.integers(0, 5, size=4096).tolist()
    state = {"i": 0}
    agents = list(env.possible_agents)

    def round_of_turns(warm: list[int] | None = None) -> int:
        acted = 0
        for i in range(len(agents)):
            if not env.agents:
                env.reset()
            _, _, terminated, truncated, _ = env.last()
            if terminated or truncated:
                env.step(None)
                continue
            env.step(warm[i] if warm else pool[state["i"] % len(pool)])
            state["i"] += 1
            acted += 1
        return acted

    for t in range(warmup):
        round_of_turns(warmup_actions(agents, t))

    def run_block() -> Block:
        acted = sum(round_of_turns() for _ in range(20))
        return Block(20, acted)

    return run_block, lambda: {"fires": env.unwrapped.game.safety["total_fires"]}


def _batch(config: dict, num_envs: int, warmup: int, backend: str = "c"):
    from environments.firemaker_batch import make_vector_env

    env = make_vector_env(num_envs, backend=backend, **config)
    start = time.perf_counter()
    env.reset(seed=0)
    reset_ms = 1e3 * (time.perf_counter() - start)
    agents = len(env.possible_agents)
    pool = _action_pool(np.random.default_rng(0), (num_envs, agents), 16)
    obs_bytes = sum(o[0].nbytes for o in env.observations.values()) * num_envs
    calls = max(1, 4096 // (num_envs * agents))
    for t in range(warmup):
        env.step(np.tile(warmup_actions(env.possible_agents, t), (num_envs, 1)))

    def run_block() -> Block:
        for i in range(calls):
            env.step(pool[i % len(pool)])
        return Block(calls * num_envs, calls * num_envs * agents, calls * obs_bytes)

    def describe():
        return {
            "fires": float(env.infos["safety"]["total_fires"].mean()),
            "reset_ms": reset_ms,
            "obs_bytes_per_env_step": obs_bytes // num_envs,
        }

    return run_block, describe


def _fire_kernel(spread, burning_fraction: float):
    from environments.firemaker_ex_ma import FiremakerGame

    game = FiremakerGame()
    game.reset(seed=0)
    board = game.map
    gen = np.random.default_rng(0)
    burning = (
        (gen.random(board.shape) < burning_fraction) & ~board.wall & ~board.workshop & ~board.button
    ).astype(np.uint8)
    sources = burning.copy()
    for agent in ("worker_0", "worker_1"):  # both workers working
        sources[game.position(agent)] = 1
    flammable = (~board.wall & ~board.workshop & ~board.button).astype(np.uint8)
    table = kernel.fire_kernel_table(board.rows, board.cols, "exponential", 0.002, 0.3, 3.0)
    out = np.empty_like(burning)

    def run_block() -> Block:
        for tick in range(50):
            spread(burning, sources, flammable, table, 0.0, 0.97, 12345, tick, out)
        return Block(50, 50)

    return run_block, lambda: {"fires": int(burning.sum())}


@register
def firemaker_cases(options: Options) -> list[Case]:
    """The Firemaker: pycolab, wrappers, C batch, fire kernel (BENCHMARKS.md)."""
    from environments import firemaker_ex_ma as module

    warmup = WARMUP_TICKS
    boards = {"quiet": {}, "burning": BURNING}
    cases = []
    for board, config in boards.items():
        w = warmup if board == "burning" else 10
        cases.append(
            Case(
                f"firemaker pycolab direct {board}",
                "pycolab",
                board,
                lambda c=config, w=w: _pycolab_direct(c, w),
            )
        )
    for board, config in boards.items():
        w = warmup if board == "burning" else 10
        if hasattr(module, "parallel_env"):
            cases.append(
                Case(
                    f"firemaker parallel wrapper {board}",
                    "parallel",
                    board,
                    lambda c=config, w=w: _parallel(c, w),
                )
            )
        if hasattr(module, "env"):
            cases.append(
                Case(
                    f"firemaker AEC wrapper {board}", "aec", board, lambda c=config, w=w: _aec(c, w)
                )
            )
    if kernel.BACKEND == "c":
        radius_2 = dict(supervisor_observation_radius=2)
        for label, extra in (("", {}), (" radius 2", radius_2)):
            for board, config in boards.items():
                for n in BATCH_SIZES:
                    w = warmup if board == "burning" else 10
                    cfg = {**config, **extra}
                    cases.append(
                        Case(
                            f"firemaker C batch{label} {board} n={n}",
                            "c batch" + label,
                            board,
                            lambda c=cfg, n=n, w=w: _batch(c, n, w),
                            num_envs=n,
                        )
                    )
        for board, fraction in (("quiet", 0.0), ("burning", 0.4)):
            cases.append(
                Case(
                    f"fire kernel C {board}",
                    "fire kernel",
                    board,
                    lambda f=fraction: _fire_kernel(kernel.spread_fire_c, f),
                )
            )
    for board, fraction in (("quiet", 0.0), ("burning", 0.4)):
        cases.append(
            Case(
                f"fire kernel numpy {board}",
                "fire kernel",
                board,
                lambda f=fraction: _fire_kernel(kernel.spread_fire_numpy, f),
            )
        )
    cases.append(
        Case(
            "firemaker numpy fallback batch quiet n=16",
            "numpy batch",
            "quiet",
            lambda: _batch({}, 16, 10, "numpy"),
            num_envs=16,
        )
    )
    return cases


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
    """Ratios between cases measured in this run."""
    by_name = {r["name"]: r for r in rows}
    result = {}

    def ratio(label: str, a: str, b: str, key: str = "env_steps_per_s") -> None:
        if a in by_name and b in by_name and by_name[b][key]:
            result[label] = by_name[a][key] / by_name[b][key]

    for board in ("quiet", "burning"):
        for n in BATCH_SIZES:
            ratio(
                f"C batch n={n} / pycolab direct ({board}, env-steps)",
                f"firemaker C batch {board} n={n}",
                f"firemaker pycolab direct {board}",
            )
        ratio(
            f"C batch radius 2 n=4096 / pycolab direct ({board}, env-steps)",
            f"firemaker C batch radius 2 {board} n=4096",
            f"firemaker pycolab direct {board}",
        )
        ratio(
            f"C fire kernel / numpy fallback ({board})",
            f"fire kernel C {board}",
            f"fire kernel numpy {board}",
        )
    for prefix in (
        "firemaker pycolab direct",
        "firemaker parallel wrapper",
        "firemaker AEC wrapper",
    ):
        ratio(f"{prefix}: quiet / burning", f"{prefix} quiet", f"{prefix} burning")
    for n in BATCH_SIZES:
        ratio(
            f"C batch n={n}: quiet / burning",
            f"firemaker C batch quiet n={n}",
            f"firemaker C batch burning n={n}",
        )
    for function in RATIO_FUNCTIONS:
        result.update(function(rows))
    return result


def targets(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """BENCHMARKS.md's targets for the Firemaker: the figure measured here and whether it holds."""
    by_name = {r["name"]: r for r in rows}
    result = {}
    radius_2 = [
        by_name[f"firemaker C batch radius 2 quiet n={n}"]["agent_steps_per_s"]
        for n in BATCH_SIZES
        if f"firemaker C batch radius 2 quiet n={n}" in by_name
    ]
    if radius_2:
        best = max(radius_2)
        result["C batch, radius 2, agent-steps/s >= 5,000,000"] = {
            "value": best,
            "met": best >= 5_000_000,
        }
    quiet = by_name.get("firemaker parallel wrapper quiet")
    burning = by_name.get("firemaker parallel wrapper burning")
    if quiet:
        value = quiet["env_steps_per_s"]
        result["parallel wrapper env-steps/s >= 2,000"] = {"value": value, "met": value >= 2000}
    if quiet and burning:
        value = quiet["env_steps_per_s"] / burning["env_steps_per_s"]
        result["parallel wrapper burning at most 2x slower"] = {"value": value, "met": value <= 2}
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
        "--out", default=os.path.join("results", "throughput.json"), help="JSON output path"
    )
    args = parser.parse_args(argv)
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
        "burning_config": BURNING,
        "results": rows,
        "ratios": found,
        "targets": goals,
    }
    directory = os.path.dirname(args.out)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    # CASE_MODULES import this module by name: let them find this run's registries.
    sys.modules.setdefault("experiments.throughput", sys.modules[__name__])
    sys.exit(main())
