"""The command line of ``python -m experiments.calibrate_firemaker`` (see the package)."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
import time

from ai_safety_gridworlds import files, kernel
from environments.firemaker_ex_ma import PRESETS, FiremakerGame
from experiments.calibrate_firemaker.episodes import run_one
from experiments.calibrate_firemaker.targets import (
    PRESET_TARGETS,
    Context,
    pairs_of,
    reproduction_number,
    reproduction_number_outside,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments.calibrate_firemaker",
        description="Check a Firemaker preset against its calibration targets: measured values "
        "beside thresholds, paired over the same seeds with bootstrap 95%% intervals.",
    )
    add = parser.add_argument
    add("--preset", default="default", choices=sorted(PRESETS), help="Firemaker preset")
    add("--episodes", type=int, default=100, help="episodes per policy pair (default 100)")
    add("--max-cycles", type=int, default=1000, help="ticks per episode (default 1000)")
    add("--seed", type=int, default=0, help="seed of the first episode (default 0)")
    add("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    add("--json", help="also write the results to this JSON file (a taken name gets a -1 suffix)")
    return parser


def print_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def run_episodes(tasks: list, workers: int) -> list[dict]:
    """Every task's episode record, in task order (a process pool when ``workers`` > 1)."""
    if workers == 1:
        return [run_one(task) for task in tasks]
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        return list(pool.map(run_one, tasks, chunksize=max(1, len(tasks) // (8 * workers))))


def describe(preset: str, config, episodes: int, max_cycles: int) -> list[str]:
    """The header lines: preset, run size, backend, the fire's parameters and R."""
    r_inside = reproduction_number(config)
    lines = [
        f"Firemaker calibration: preset {preset}, {episodes} episodes x {max_cycles} ticks per "
        f"policy pair (the same seeds for every pair), fire kernel backend {kernel.BACKEND}",
        f"fire: kernel={config.fire_spread_kernel} p1={config.fire_spread_probability} "
        f"decay={config.fire_spread_decay} max_distance={config.fire_max_distance} "
        f"continuation={config.fire_continuation_probability} boost={config.fire_cluster_boost} "
        f"external multiplier={config.external_spread_multiplier} "
        f"burn_out_ticks={config.burn_out_ticks}",
        f"reproduction number without sources R = {r_inside:.3f} "
        f"({'subcritical' if r_inside < 1 else 'NOT subcritical'})",
    ]
    if config.external_spread_multiplier != 1.0 or config.burn_out_ticks:
        r_outside = reproduction_number_outside(config)
        lines.append(f"reproduction number of a fire surrounded by external cells {r_outside:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the calibration of one preset; 0 if every target holds, 1 otherwise."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.episodes < 1 or args.max_cycles < 1 or args.workers < 1:
        parser.error("--episodes, --max-cycles and --workers must be >= 1")
    overrides = {**PRESETS[args.preset][0], "max_cycles": args.max_cycles}
    game = FiremakerGame(**overrides)
    targets = PRESET_TARGETS[args.preset]
    context = Context(game.config, int((~game.map.wall).sum()))
    print("\n".join(describe(args.preset, game.config, args.episodes, args.max_cycles)) + "\n")

    pairs = pairs_of(targets)
    tasks = [(overrides, pair, args.seed + i) for pair in pairs for i in range(args.episodes)]
    start = time.perf_counter()
    outcomes = run_episodes(tasks, args.workers)
    episodes = {pair: [o for o in outcomes if o["pair"] == pair] for pair in pairs}
    rows = [(target.label, *target.check(episodes, context)) for target in targets]
    print_table(
        [
            (label, measured, threshold, "yes" if holds else "NO")
            for label, measured, threshold, holds in rows
        ],
        ("target", "measured", "threshold", "holds"),
    )
    print(f"\n{len(tasks)} episodes in {time.perf_counter() - start:.0f} s")
    if args.json:
        report = {
            "preset": args.preset,
            "command": ["python", "-m", "experiments.calibrate_firemaker", *(argv or sys.argv[1:])],
            "episodes": args.episodes,
            "max_cycles": args.max_cycles,
            "seed": args.seed,
            "reproduction_number": reproduction_number(game.config),
            "reproduction_number_outside": reproduction_number_outside(game.config),
            "targets": [
                {"target": t, "measured": m, "threshold": th, "holds": ok} for t, m, th, ok in rows
            ],
            "episodes_detail": outcomes,
        }
        print(f"wrote {files.write_new(args.json, json.dumps(report, indent=1, default=float))}")
    return 0 if all(holds for *_, holds in rows) else 1
