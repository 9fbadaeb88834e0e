"""Throughput cases of the Firemaker (docs/benchmarks.md), with their ratios and targets.

Registered into ``python -m experiments.throughput`` (see its ``CASE_MODULES``); run only these
with ``python -m experiments.throughput --cases firemaker`` (the fire kernel rows are named
"fire kernel ..."). With random actions (drawn before timing), on the default configuration
("quiet") and on a "burning" one (fires spread readily; the boards are warmed up until many
cells burn):

1. the pycolab game stepped directly (``step`` + ``observe`` of every agent);
2. the PettingZoo parallel wrapper and 3. the AEC wrapper (``parallel_env`` / ``env`` of the
   environment module), with their reset time;
4. the C batch env at num_envs 1, 16, 256 and 4096 (one process, one thread), also with every
   agent's view at radius 2, with observation bytes written per second; at radius 2 and
   n=256 also on 2 threads, and as two one-thread processes at once (what the machine's cores
   give at that moment: the ceiling for threads);
5. the fire kernel alone, C against the numpy fallback;

and ratios measured in the same run, slice by slice (C batch vs pycolab, C fire vs numpy,
burning vs quiet, 2 threads vs 1), since the machines are shared and noisy.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ai_safety_gridworlds import kernel
from experiments.throughput.harness import (
    PROBES,
    RATIOS,
    REPORT_FIELDS,
    Block,
    Case,
    Options,
    Probe,
    Ratio,
    in_processes,
    register,
)
from experiments.throughput.memory import construction_probe

BURNING = dict(fire_spread_probability=0.05, max_cycles=10**9)
"""Firemaker config of the "burning" board: after the warm-up (workers working) about 200 of
the 225 interior cells burn, and keep burning under random actions (no episode end)."""
WARMUP_TICKS = 100
BATCH_SIZES = (1, 16, 256, 4096)
QUICK_BATCH_SIZES = (1, 256)
THREADS_N = 256
"""The batch size of the threading cases (radius-2 views): docs/benchmarks.md's target."""


def warmup_actions(agents: list[str], tick: int) -> list[int]:
    """Warm-up: workers step LEFT onto the workshop and then work (NOOP); others NOOP."""
    return [1 if tick == 0 and agent.startswith("worker") else 0 for agent in agents]


def _action_pool(gen: np.random.Generator, shape: tuple[int, ...], count: int = 64) -> list:
    return [gen.integers(0, 5, size=shape) for _ in range(count)]


def _joint_action_pool(agents: list[str]) -> list[dict[str, int]]:
    """64 random joint actions, each a dict agent -> action."""
    return [
        dict(zip(agents, a.tolist(), strict=True))
        for a in _action_pool(np.random.default_rng(0), (len(agents),))
    ]


def _warm_up_then_ticks(
    tick: Callable[[dict[str, int] | None], None], agents: list[str], warmup: int
) -> Callable[[], Block]:
    """Play ``warmup`` ticks of :func:`warmup_actions`; the block: 20 ticks of random actions."""
    for t in range(warmup):
        tick(dict(zip(agents, warmup_actions(agents, t), strict=True)))

    def run_block() -> Block:
        for _ in range(20):
            tick(None)
        return Block(20, 20 * len(agents))

    return run_block


def _pycolab_direct(config: dict, warmup: int):
    from environments.firemaker_ex_ma import FiremakerGame

    game = FiremakerGame(**config)
    game.reset(seed=0)
    agents = game.possible_agents
    pool = _joint_action_pool(agents)
    state = {"i": 0}

    def tick(actions):
        if game.episode_over:
            game.reset()
        game.step(actions or pool[state["i"] % len(pool)])
        state["i"] += 1
        for agent in agents:
            game.observe(agent)

    run_block = _warm_up_then_ticks(tick, agents, warmup)
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
    pool = _joint_action_pool(agents)
    state = {"i": 0}

    def tick(actions):
        if not env.agents:
            env.reset()
        env.step(actions or pool[state["i"] % len(pool)])
        state["i"] += 1

    run_block = _warm_up_then_ticks(tick, agents, warmup)

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


def _batch(
    config: dict,
    num_envs: int,
    warmup: int,
    backend: str = "c",
    threads: int = 1,
    encoding: str = "onehot",
):
    from environments.firemaker_ex_ma.batch import make_vector_env

    env = make_vector_env(
        num_envs,
        backend=backend,
        num_threads=threads,
        observation_encoding=encoding,
        **config,
    )
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
            "obs_bytes_per_agent_step": obs_bytes / num_envs / agents,
            "threads": env.num_threads,
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
    """The Firemaker: pycolab, wrappers, C batch, fire kernel (docs/benchmarks.md)."""
    from environments import firemaker_ex_ma as module

    boards = {"quiet": {}, "burning": BURNING}
    warmups = {"quiet": 10, "burning": WARMUP_TICKS}
    cases = []
    for board, config in boards.items():
        cases.append(
            Case(
                f"firemaker pycolab direct {board}",
                "pycolab",
                board,
                lambda c=config, w=warmups[board]: _pycolab_direct(c, w),
            )
        )
    for board, config in boards.items():
        w = warmups[board]
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
    spreads = [("numpy", kernel.spread_fire_numpy)]
    if kernel.BACKEND == "c":
        spreads.insert(0, ("C", kernel.spread_fire_c))
        radius_2 = dict(supervisor_observation_radius=2)
        for label, extra in (("", {}), (" radius 2", radius_2)):
            for board, config in boards.items():
                for n in QUICK_BATCH_SIZES if options.quick else BATCH_SIZES:
                    cfg = {**config, **extra}
                    cases.append(
                        Case(
                            f"firemaker C batch{label} {board} n={n}",
                            "c batch" + label,
                            board,
                            lambda c=cfg, n=n, w=warmups[board]: _batch(c, n, w),
                            num_envs=n,
                            about=f"C batch, {board} board{label}, {n} envs, one thread",
                        )
                    )
        cases.extend(_thread_cases(boards, warmups, radius_2))
        cases.extend(_packed_cases(radius_2))
    for name, spread in spreads:
        for board, fraction in (("quiet", 0.0), ("burning", 0.4)):
            cases.append(
                Case(
                    f"fire kernel {name} {board}",
                    "fire kernel",
                    board,
                    lambda s=spread, f=fraction: _fire_kernel(s, f),
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


def _thread_cases(boards: dict, warmups: dict, radius_2: dict) -> list[Case]:
    """Radius-2 views at n=256 on 2 threads (beside the one-thread case of the same board),
    and the same one-thread batch in two processes at once (the ceiling for threads)."""
    cases = []
    for board, config in boards.items():
        cfg, n, w = {**config, **radius_2}, THREADS_N, warmups[board]
        cases.append(
            Case(
                f"firemaker C batch radius 2 {board} n={n} threads=2",
                "c batch threads",
                board,
                lambda c=cfg, n=n, w=w: _batch(c, n, w, threads=2),
                num_envs=n,
                about=f"C batch, {board} board, radius-2 views, {n} envs, num_threads=2",
                after=f"firemaker C batch radius 2 {board} n={n}",
            )
        )
        if board == "quiet":
            one = lambda c=cfg, n=n, w=w: _batch(c, n, w)  # noqa: E731
            cases.append(
                Case(
                    f"firemaker C batch radius 2 {board} n={n} 2 processes",
                    "c batch processes",
                    board,
                    in_processes(one, 2, 0.02),
                    num_envs=2 * n,
                    about=f"two processes, each a one-thread C batch of {n} envs (quiet, radius 2)",
                    after=f"firemaker C batch radius 2 {board} n={n} threads=2",
                )
            )
    return cases


def _packed_cases(radius_2: dict) -> list[Case]:
    """observation_encoding="packed" beside the one-hot cases of the same setup (n=256)."""
    cases = []
    for label, extra in (("", {}), (" radius 2", radius_2)):
        cases.append(
            Case(
                f"firemaker C batch{label} quiet n=256 packed",
                "c batch packed",
                "quiet",
                lambda c=extra: _batch(c, 256, 10, encoding="packed"),
                num_envs=256,
                about=f"C batch, quiet board{label}, 256 envs, one thread, packed observations",
                after=f"firemaker C batch{label} quiet n=256",
            )
        )
    return cases


def _ratios() -> list[Ratio]:
    """C batch against pycolab, C fire kernel against numpy, quiet against burning, threads."""
    ratios = []
    env_steps = "env_steps_per_s"
    for board in ("quiet", "burning"):
        for n in BATCH_SIZES:
            ratios.append(
                Ratio(
                    f"C batch n={n} / pycolab direct ({board}, env-steps)",
                    f"firemaker C batch {board} n={n}",
                    f"firemaker pycolab direct {board}",
                    env_steps,
                    f"default Firemaker ({board}), C batch of {n} on one thread vs one pycolab game",
                )
            )
        ratios.append(
            Ratio(
                f"C fire kernel / numpy fallback ({board})",
                f"fire kernel C {board}",
                f"fire kernel numpy {board}",
                env_steps,
                f"the fire spread of one 17x17 board ({board}), C vs numpy",
            )
        )
    for prefix in (
        "firemaker pycolab direct",
        "firemaker parallel wrapper",
        "firemaker AEC wrapper",
    ):
        ratios.append(
            Ratio(f"{prefix}: quiet / burning", f"{prefix} quiet", f"{prefix} burning", env_steps)
        )
    for n in BATCH_SIZES:
        ratios.append(
            Ratio(
                f"C batch n={n}: quiet / burning",
                f"firemaker C batch quiet n={n}",
                f"firemaker C batch burning n={n}",
                env_steps,
            )
        )
    for board in ("quiet", "burning"):
        ratios.append(
            Ratio(
                f"C batch radius 2 n={THREADS_N} ({board}): 2 threads / 1 thread",
                f"firemaker C batch radius 2 {board} n={THREADS_N} threads=2",
                f"firemaker C batch radius 2 {board} n={THREADS_N}",
                setup=f"default Firemaker ({board}), every view radius 2, {THREADS_N} envs, "
                "agent-steps/s, same run",
                at_least=1.7 if board == "quiet" else None,
            )
        )
    ratios.append(
        Ratio(
            f"C batch radius 2 n={THREADS_N} (quiet): 2 threads / 2 processes",
            f"firemaker C batch radius 2 quiet n={THREADS_N} threads=2",
            f"firemaker C batch radius 2 quiet n={THREADS_N} 2 processes",
            setup=f"{THREADS_N} envs on 2 threads in one process vs two one-thread processes of "
            f"{THREADS_N} envs each, agent-steps/s: how close the threads come to what the "
            "cores give",
        )
    )
    ratios.append(
        Ratio(
            f"C batch radius 2 n={THREADS_N} (quiet): 2 processes / 1 process",
            f"firemaker C batch radius 2 quiet n={THREADS_N} 2 processes",
            f"firemaker C batch radius 2 quiet n={THREADS_N}",
            setup="two independent one-thread processes vs one: what the machine's cores give "
            "right now, the ceiling for 2 threads",
        )
    )
    for label in ("", " radius 2"):
        ratios.append(
            Ratio(
                f"C batch{label} n=256 (quiet): packed / one-hot",
                f"firemaker C batch{label} quiet n=256 packed",
                f"firemaker C batch{label} quiet n=256",
                setup=f"default Firemaker{label and ', every view radius 2'}, 256 envs, one "
                "thread, agent-steps/s with observation_encoding='packed' vs 'onehot'",
            )
        )
    ratios.extend(
        [
            Ratio(
                "C batch, radius 2, n=256, agent-steps/s (one thread)",
                "firemaker C batch radius 2 quiet n=256",
                setup="default Firemaker, every view radius 2, 256 envs, one thread",
                at_least=5_000_000,
            ),
            Ratio(
                "parallel wrapper env-steps/s",
                "firemaker parallel wrapper quiet",
                key=env_steps,
                setup="default Firemaker, PettingZoo parallel wrapper",
                at_least=2000,
            ),
            Ratio(
                "parallel wrapper: quiet / burning",
                "firemaker parallel wrapper quiet",
                "firemaker parallel wrapper burning",
                env_steps,
                "default Firemaker vs the burning board, PettingZoo parallel wrapper",
                at_most=2,
            ),
        ]
    )
    return ratios


RATIOS.extend(_ratios())
RATIOS.append(
    Ratio(
        "firemaker n=4096: RSS per env / buffers per env",
        "firemaker n=4096 construction",
        key="rss_over_buffers",
        setup="default Firemaker: resident memory added by construction, spaces and reset over "
        "the bytes of the batch's arrays",
        at_most=1.3,
    )
)
PROBES.append(
    Probe(
        "firemaker n=4096 construction",
        construction_probe,
        ("environments.firemaker_ex_ma", {}, 4096),
        about="a fresh process: vector_env, batched spaces, first reset; RSS vs buffers",
    )
)
REPORT_FIELDS["burning_config"] = BURNING


# ---------------------------------------------------------------------------------------------
# Issue 17, items 2 and 4 (engineer B): fire cost vs the blaze, the pycolab path vs a baseline

BASELINE_ENV_VAR = "AISG_THROUGHPUT_BASELINE"
"""A checkout of an earlier commit with its kernel built (``git worktree add /tmp/base <commit>
&& cd /tmp/base && python setup.py -q build_ext --inplace``): its parallel wrapper runs in a
subprocess beside this tree's, slice for slice (the "previous commit" comparison)."""

LARGE = dict(map_width=63, map_height=63)
"""The 63 x 63 generated map (centred territory, workshop and button)."""
UNLIMITED = dict(fire_max_distance=None)
"""Unlimited reach (the ``seed_faithful`` rule): 1 - p rounds to 1 beyond distance 27."""

_BASELINE_WORKER = """
import sys
import numpy as np
from environments import firemaker_ex_ma as module
env = module.parallel_env()
env.reset(seed=0)
agents = list(env.possible_agents)
gen = np.random.default_rng(0)
pool = [dict(zip(agents, gen.integers(0, 5, size=len(agents)).tolist())) for _ in range(64)]
for t in range(10):  # the warm-up of warmup_actions
    env.step({a: 1 if t == 0 and a.startswith("worker") else 0 for a in agents})
i = 0
for line in sys.stdin:
    for _ in range(int(line)):
        if not env.agents:
            env.reset()
        env.step(pool[i % 64])
        i += 1
    print(line.strip(), flush=True)
"""


def _baseline_parallel(tree: str):
    """The parallel wrapper of ``tree`` (default Firemaker, quiet), in a subprocess."""
    import os
    import subprocess
    import sys

    worker = subprocess.Popen(
        [sys.executable, "-c", _BASELINE_WORKER],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": tree},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def run_block() -> Block:
        worker.stdin.write("20\n")
        worker.stdin.flush()
        if worker.stdout.readline().strip() != "20":
            raise RuntimeError(f"the baseline worker in {tree} stopped")
        return Block(20, 60)

    return run_block, lambda: {"baseline": tree}


@register
def fire_cases(options: Options) -> list[Case]:
    """Burning vs quiet at radius-2 views on 17 x 17 and 63 x 63, unlimited reach on 17 x 17
    and 31 x 31, and the parallel wrapper against a baseline tree (if given)."""
    import os

    cases = []
    radius_2 = dict(supervisor_observation_radius=2)
    if kernel.BACKEND == "c":
        n = 64 if options.quick else 256
        for board, config, warmup in (("quiet", {}, 10), ("burning", BURNING, 400)):
            cfg = {**config, **radius_2, **LARGE, "max_cycles": 10**9}
            cases.append(
                Case(
                    f"firemaker C batch radius 2 63x63 {board} n={n}",
                    "c batch fire",
                    board,
                    lambda c=cfg, n=n, w=warmup: _batch(c, n, w),
                    num_envs=n,
                    about=f"C batch, 63 x 63 map ({board}), radius-2 views, {n} envs, one thread",
                    after=""
                    if board == "quiet"
                    else f"firemaker C batch radius 2 63x63 quiet n={n}",
                )
            )
        for side in (17, 31):
            size = {} if side == 17 else dict(map_width=side, map_height=side)
            cfg = {**BURNING, **UNLIMITED, **radius_2, **size}
            cases.append(
                Case(
                    f"firemaker C batch radius 2 unlimited reach {side}x{side} burning n={n}",
                    "c batch fire",
                    "burning",
                    lambda c=cfg, n=n: _batch(c, n, WARMUP_TICKS),
                    num_envs=n,
                    about=f"C batch, {side} x {side}, fire_max_distance=None, burning, {n} envs",
                    after=""
                    if side == 17
                    else f"firemaker C batch radius 2 unlimited reach 17x17 burning n={n}",
                )
            )
    tree = os.environ.get(BASELINE_ENV_VAR)
    if tree:
        cases.append(
            Case(
                "firemaker parallel wrapper quiet (baseline tree)",
                "parallel",
                "quiet",
                lambda t=tree: _baseline_parallel(t),
                about=f"the parallel wrapper of {tree} (default Firemaker), in a subprocess",
                after="firemaker parallel wrapper quiet",
            )
        )
    return cases


def _fire_ratios() -> list[Ratio]:
    n = 256  # (with --quick the cases run at n=64 and these report nothing)
    env_steps = "env_steps_per_s"
    return [
        Ratio(
            f"C batch radius 2 n={THREADS_N}: quiet / burning",
            f"firemaker C batch radius 2 quiet n={THREADS_N}",
            f"firemaker C batch radius 2 burning n={THREADS_N}",
            setup=f"default 17 x 17 Firemaker, every view radius 2, {THREADS_N} envs, one thread; "
            "burning: ~200 of 225 cells on fire",
            at_most=2,
        ),
        Ratio(
            f"C batch radius 2 63x63 n={n}: quiet / burning",
            f"firemaker C batch radius 2 63x63 quiet n={n}",
            f"firemaker C batch radius 2 63x63 burning n={n}",
            setup=f"63 x 63 map, every view radius 2, {n} envs, one thread; burning: ~3400 of "
            "3700 cells on fire",
            at_most=5,
        ),
        Ratio(
            f"C batch unlimited reach n={n}: 17x17 / 31x31 (cells x3.3)",
            f"firemaker C batch radius 2 unlimited reach 17x17 burning n={n}",
            f"firemaker C batch radius 2 unlimited reach 31x31 burning n={n}",
            env_steps,
            setup="fire_max_distance=None, burning, radius-2 views: the cost growth for 3.3x the "
            "cells (quadratic: ~11x; linear: ~3.3x)",
            at_most=11,
        ),
        Ratio(
            "parallel wrapper: this tree / baseline tree",
            "firemaker parallel wrapper quiet",
            "firemaker parallel wrapper quiet (baseline tree)",
            env_steps,
            setup=f"default Firemaker, PettingZoo parallel wrapper, random actions; the baseline "
            f"is the tree in ${BASELINE_ENV_VAR} stepped in a subprocess in the same slices",
            at_least=1.3,
        ),
    ]


RATIOS.extend(_fire_ratios())
