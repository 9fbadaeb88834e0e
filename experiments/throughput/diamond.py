"""Throughput cases of the diamond charger, and of mettagrid on a comparable setup.

Registered into ``python -m experiments.throughput`` (see its ``CASE_MODULES``); run only these
with ``python -m experiments.throughput --cases diamond`` (the mettagrid rows have "mettagrid" in
their names, so ``--cases level 2`` runs both). With random actions drawn before timing:

- the pycolab game on level 2 (24 agents, 64 x 64 arena, 11 x 11 views) stepped directly
  (``step`` + ``observe`` of every agent);
- the C batch env on level 2 at a few ``num_envs`` (one process, one thread), with its
  observation bytes written per second and autoresets (a new arena per episode) included, and
  the same with population dynamics (``LEVEL_2_POPULATION``: starvation and reproduction,
  random actions over the whole action space; births and deaths reported; agent-steps count the
  agents alive when each step starts, not the 36 agent slots);
- if ``mettagrid`` is installed (``pip install mettagrid``; not a dependency): its C++
  environment on a comparable setup, 24 agents on a 64 x 64 room with walls around, random
  actions over its whole action set, an 11 x 11 observation window, 1000-tick episodes reset
  when done, stepped through ``Simulation.step`` and through the C++ ``step`` directly.

Ratios measured in the same run: C batch against pycolab and against both mettagrid figures;
the docs/benchmarks.md target (C batch at least 3x mettagrid's agent-steps/s) is judged against the
faster mettagrid figure.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel
from experiments.throughput.harness import (
    RATIO_FUNCTIONS,
    TARGET_FUNCTIONS,
    Block,
    Case,
    Options,
    register,
)

LEVEL_2 = dict(level=2)
LEVEL_2_POPULATION = dict(
    level=2,
    max_population=36,
    reproduction=True,
    starvation_ticks=50,
    rest_energy=1,
    reproduce_cooldown=200,
)
"""Level 2 with population dynamics (the ``population`` preset's rules on the arena): random
actions over the whole action space (REPRODUCE included) make births and deaths."""
BATCH_SIZES = (1, 16, 256, 1024)
QUICK_BATCH_SIZES = (1, 256)
AGENTS = 24
SIDE = 64
WINDOW = 11
EPISODE_TICKS = 1000
METTAGRID_NAMES = ("mettagrid Simulation.step level 2 setup", "mettagrid C++ step level 2 setup")


def _pycolab_direct():
    from environments.diamond_charger_ma import DiamondChargerGame

    game = DiamondChargerGame(**LEVEL_2)
    game.reset(seed=0)
    agents = game.possible_agents
    gen = np.random.default_rng(0)
    pool = [
        dict(zip(agents, gen.integers(0, 12, len(agents)).tolist(), strict=True)) for _ in range(64)
    ]
    state = {"i": 0}

    def run_block() -> Block:
        for _ in range(5):
            if game.episode_over:
                game.reset()
            game.step(pool[state["i"] % len(pool)])
            state["i"] += 1
            for agent in agents:
                game.observe(agent)
        return Block(5, 5 * len(agents))

    return run_block, lambda: {}


def _c_batch(num_envs: int, config: dict[str, Any] = LEVEL_2):
    from environments.diamond_charger_ma.batch import make_vector_env

    env = make_vector_env(num_envs, backend="c", **config)
    start = time.perf_counter()
    env.reset(seed=0)
    reset_ms = 1e3 * (time.perf_counter() - start)
    agents = len(env.possible_agents)
    actions = env.batch_spec.num_actions[env.possible_agents[0]]
    gen = np.random.default_rng(0)
    pool = [gen.integers(0, actions, (num_envs, agents)) for _ in range(16)]
    obs_bytes = sum(o[0].nbytes for o in env.observations.values()) * num_envs
    calls = max(1, 8192 // (num_envs * agents))

    population = "alive" in env.infos

    def run_block() -> Block:
        if not population:
            for i in range(calls):
                env.step(pool[i % len(pool)])
            return Block(calls * num_envs, calls * num_envs * agents, calls * obs_bytes)
        live = 0  # with births and deaths, agent-steps count the agents alive, not the slots
        for i in range(calls):
            live += int(np.count_nonzero(env.alive_buffer))
            env.step(pool[i % len(pool)])
        return Block(calls * num_envs, live, calls * obs_bytes)

    def describe() -> dict[str, Any]:
        described = {"reset_ms": reset_ms, "obs_bytes_per_env_step": obs_bytes // num_envs}
        if "births" in env.infos["safety"]:
            safety = env.infos["safety"]
            described["births_in_running_episodes"] = int(safety["births"].sum())
            described["deaths_in_running_episodes"] = int(safety["deaths"].sum())
        return described

    return run_block, describe


def _mettagrid(direct: bool):
    from mettagrid.config.mettagrid_config import MettaGridConfig
    from mettagrid.simulator import Simulator

    config = MettaGridConfig.EmptyRoom(num_agents=AGENTS, width=SIDE, height=SIDE, with_walls=True)
    config.game.obs.width = WINDOW
    config.game.obs.height = WINDOW
    config.game.max_steps = EPISODE_TICKS
    simulator = Simulator()
    state = {"sim": simulator.new_simulation(config, seed=0), "episode": 0, "i": 0}
    num_actions = len(state["sim"].action_names)
    gen = np.random.default_rng(0)
    pool = gen.integers(0, num_actions, (64, AGENTS)).astype(np.int32)
    obs_bytes = state["sim"]._c_sim.observations().nbytes

    def run_block() -> Block:
        for _ in range(50):
            sim = state["sim"]
            c_sim = sim._c_sim
            if c_sim.truncations().all() or c_sim.terminals().all():
                sim.close()
                state["episode"] += 1
                sim = state["sim"] = simulator.new_simulation(config, seed=state["episode"])
                c_sim = sim._c_sim
            c_sim.actions()[:] = pool[state["i"] % len(pool)]
            state["i"] += 1
            if direct:
                c_sim.step()
            else:
                sim.step()
        return Block(50, 50 * AGENTS, 50 * obs_bytes)

    def describe() -> dict[str, Any]:
        import importlib.metadata

        return {
            "mettagrid": importlib.metadata.version("mettagrid"),
            "actions": num_actions,
            "obs_bytes_per_env_step": obs_bytes,
        }

    return run_block, describe


def _mettagrid_available() -> bool:
    try:
        import mettagrid.simulator  # noqa: F401
    except ImportError:
        return False
    return True


@register
def diamond_cases(options: Options) -> list[Case]:
    """The diamond charger on level 2: pycolab, C batch; mettagrid when installed."""
    cases = [Case("diamond pycolab direct level 2", "pycolab", "level 2", _pycolab_direct)]
    if kernel.BACKEND == "c":
        for n in QUICK_BATCH_SIZES if options.quick else BATCH_SIZES:
            cases.append(
                Case(
                    f"diamond C batch level 2 n={n}",
                    "c batch",
                    "level 2",
                    lambda n=n: _c_batch(n),
                    num_envs=n,
                )
            )
        for n in QUICK_BATCH_SIZES[1:] if options.quick else (16, 256):
            cases.append(
                Case(
                    f"diamond C batch level 2 population n={n}",
                    "c batch",
                    "level 2",
                    lambda n=n: _c_batch(n, LEVEL_2_POPULATION),
                    num_envs=n,
                )
            )
    if _mettagrid_available():
        for name, direct in zip(METTAGRID_NAMES, (False, True), strict=True):
            cases.append(Case(name, "mettagrid", "level 2", lambda d=direct: _mettagrid(d)))
    return cases


def _batch_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["name"].startswith("diamond C batch level 2")]


def diamond_ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """C batch against pycolab and mettagrid, agent-steps per second, in this run."""
    by_name = {r["name"]: r for r in rows}
    result = {}
    for row in _batch_rows(rows):
        value = row["agent_steps_per_s"]
        for label, other in (
            ("pycolab direct", "diamond pycolab direct level 2"),
            ("mettagrid Simulation.step", METTAGRID_NAMES[0]),
            ("mettagrid C++ step", METTAGRID_NAMES[1]),
        ):
            if other in by_name and by_name[other]["agent_steps_per_s"]:
                result[f"{row['name'].removeprefix('diamond ')} / {label} (agent-steps)"] = (
                    value / by_name[other]["agent_steps_per_s"]
                )
    return result


def diamond_targets(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """docs/benchmarks.md: the C batch at least 3x mettagrid's agent-steps/s (its faster figure);
    issue 14: the same with population dynamics (births and deaths)."""
    mettagrid = [r["agent_steps_per_s"] for r in rows if r["name"] in METTAGRID_NAMES]
    if not mettagrid:
        return {}
    targets = {}
    for label, prefix in (
        ("", "diamond C batch level 2 n="),
        (" with population dynamics", "diamond C batch level 2 population n="),
    ):
        batch = [r["agent_steps_per_s"] for r in rows if r["name"].startswith(prefix)]
        if batch:
            value = max(batch) / max(mettagrid)
            name = f"diamond C batch level 2{label} >= 3x mettagrid agent-steps/s"
            targets[name] = {"value": value, "met": value >= 3}
    return targets


RATIO_FUNCTIONS.append(diamond_ratios)
TARGET_FUNCTIONS.append(diamond_targets)
