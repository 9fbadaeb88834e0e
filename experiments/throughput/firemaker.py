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
   agent's view at radius 2, with observation bytes written per second;
5. the fire kernel alone, C against the numpy fallback;

and ratios measured in the same run (C batch vs pycolab, C fire vs numpy, burning vs quiet),
since the machines are shared and noisy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel
from experiments.throughput.harness import (
    RATIO_FUNCTIONS,
    REPORT_FIELDS,
    TARGET_FUNCTIONS,
    Block,
    Case,
    Options,
    register,
)

BURNING = dict(fire_spread_probability=0.05, max_cycles=10**9)
"""Firemaker config of the "burning" board: after the warm-up (workers working) about 200 of
the 225 interior cells burn, and keep burning under random actions (no episode end)."""
WARMUP_TICKS = 100
BATCH_SIZES = (1, 16, 256, 4096)


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


def _batch(config: dict, num_envs: int, warmup: int, backend: str = "c"):
    from environments.firemaker_ex_ma.batch import make_vector_env

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
                for n in BATCH_SIZES:
                    cfg = {**config, **extra}
                    cases.append(
                        Case(
                            f"firemaker C batch{label} {board} n={n}",
                            "c batch" + label,
                            board,
                            lambda c=cfg, n=n, w=warmups[board]: _batch(c, n, w),
                            num_envs=n,
                        )
                    )
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


def firemaker_ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """C batch against pycolab, C fire kernel against numpy, quiet against burning."""
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
    return result


def firemaker_targets(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """docs/benchmarks.md's Firemaker targets: the figure measured here and whether it holds."""
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
    return result


RATIO_FUNCTIONS.append(firemaker_ratios)
TARGET_FUNCTIONS.append(firemaker_targets)
REPORT_FIELDS["burning_config"] = BURNING
