"""Throughput cases of the diamond charger, and of mettagrid on two named setups.

Registered into ``python -m experiments.throughput`` (see its ``CASE_MODULES``); run only these
with ``python -m experiments.throughput --cases diamond`` (the mettagrid rows have "mettagrid" in
their names). With random actions drawn before timing:

- the pycolab game on level 2 (24 agents, 64 x 64 arena, 11 x 11 views) stepped directly
  (``step`` + ``observe`` of every agent);
- the C batch env on level 2 at a few ``num_envs`` on one thread (and at n=256 on 2 threads),
  with observation bytes written per second and autoresets (a new arena per episode) included:
  random actions over the whole action space, over the moves only (NOOP, turns, forward, back),
  and with population dynamics (``LEVEL_2_POPULATION``: starvation and reproduction; births
  and deaths reported; agent-steps count the agents alive when each step starts, not the 36
  agent slots);
- if ``mettagrid`` is installed (``pip install mettagrid``; not a dependency): its C++
  environment stepped directly (``step`` of the C++ simulation, its fastest path from Python),
  24 agents, 11 x 11 observation window, 1000-tick episodes, on two named setups:
  **empty room** (its cheapest: a 64 x 64 room with walls around and nothing else, random
  actions over its whole action set, most of them cosmetic vibe changes) and **diamond arena**
  (the level-2 arena of seed 0, cell for cell: the same walls, 12 mines, 6 chargers and 6 altars
  as plain objects, 24 agents at the same starts, move-only actions: noop and four moves).

Batch size rule, the same on both sides: a ratio divides the C batch of ``n`` environments on
one thread by ``n`` mettagrid simulations stepped one after another in the same loop, at the
same ``n`` (1 and 16); nothing takes the best of several sizes. The docs/benchmarks.md target
(C batch at least 3x mettagrid's agent-steps/s) and issue 14's (the same with population
dynamics) are judged at n=16 against each setup.

Probes (a fresh process each): the construction time of level 2 at n=4096 (``vector_env`` and
its batched spaces, then the first reset), and the resident memory per environment against the
buffers the batch needs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ai_safety_gridworlds import kernel
from experiments.throughput.harness import (
    PROBES,
    RATIOS,
    Block,
    Case,
    Options,
    Probe,
    Ratio,
    register,
)
from experiments.throughput.memory import construction_probe

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
MOVES = 5
"""Our move actions are 0 .. 4 (NOOP, ROTATE_LEFT, ROTATE_RIGHT, MOVE_FORWARD, MOVE_BACK)."""
METTAGRID_SIZES = (1, 16)
TARGET_N = 16
PROBE_N = 4096


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


def _c_batch(
    num_envs: int, config: dict[str, Any] = LEVEL_2, threads: int = 1, actions: int | None = None
):
    """The C batch; random actions over the first ``actions`` (all when None)."""
    from environments.diamond_charger_ma.batch import make_vector_env

    env = make_vector_env(num_envs, backend="c", num_threads=threads, **config)
    start = time.perf_counter()
    env.reset(seed=0)
    reset_ms = 1e3 * (time.perf_counter() - start)
    agents = len(env.possible_agents)
    actions = actions or env.batch_spec.num_actions[env.possible_agents[0]]
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
        described = {
            "reset_ms": reset_ms,
            "obs_bytes_per_env_step": obs_bytes // num_envs,
            "obs_bytes_per_agent_step": obs_bytes / num_envs / agents,
            "threads": env.num_threads,
        }
        if "births" in env.infos["safety"]:
            safety = env.infos["safety"]
            described["births_in_running_episodes"] = int(safety["births"].sum())
            described["deaths_in_running_episodes"] = int(safety["deaths"].sum())
        return described

    return run_block, describe


def arena_ascii(seed: int = 0) -> list[str]:
    """The level-2 arena of ``seed`` in mettagrid's map characters: ``#`` wall, ``.`` empty,
    ``@`` an agent, ``m`` mine, ``c`` charger, ``a`` altar."""
    from environments.diamond_charger_ma import DiamondChargerGame

    game = DiamondChargerGame(**LEVEL_2)
    game.reset(seed=seed)
    objects = {"#": "#", " ": ".", "D": "m", "C": "c", "A": "a"}
    return ["".join(objects.get(ch, "@") for ch in row) for row in game.art]


def mettagrid_config(setup: str):
    """mettagrid's config for ``setup``: ``"empty room"`` or ``"diamond arena"`` (module doc)."""
    from mettagrid.config import mettagrid_config as mg

    if setup == "empty room":
        config = mg.MettaGridConfig.EmptyRoom(
            num_agents=AGENTS, width=SIDE, height=SIDE, with_walls=True
        )
    else:
        from mettagrid.map_builder.ascii import AsciiMapBuilderConfig

        names = {"m": "mine", "c": "charger", "a": "altar"}
        config = mg.MettaGridConfig(
            game=mg.GameConfig(
                num_agents=AGENTS,
                map_builder=AsciiMapBuilderConfig(map_data=arena_ascii(), char_to_map_name=names),
                actions=mg.ActionsConfig(
                    move=mg.MoveActionConfig(),
                    change_vibe=mg.ChangeVibeActionConfig(enabled=False),
                ),
                objects={
                    "wall": mg.WallConfig(),
                    **{name: mg.GridObjectConfig(name=name) for name in names.values()},
                },
            )
        )
    config.game.obs.width = WINDOW
    config.game.obs.height = WINDOW
    config.game.max_steps = EPISODE_TICKS
    return config


def _mettagrid(setup: str, num_envs: int):
    """``num_envs`` mettagrid simulations of ``setup``, stepped one after another."""
    from mettagrid.simulator import Simulator

    config = mettagrid_config(setup)
    simulator = Simulator()
    sims = [simulator.new_simulation(config, seed=i) for i in range(num_envs)]
    episodes = [0] * num_envs
    num_actions = len(sims[0].action_names)
    pool = np.random.default_rng(0).integers(0, num_actions, (64, AGENTS)).astype(np.int32)
    obs_bytes = sims[0]._c_sim.observations().nbytes
    ticks = max(1, 64 // num_envs)
    state = {"i": 0}

    def run_block() -> Block:
        for _ in range(ticks):
            for e in range(num_envs):
                c_sim = sims[e]._c_sim
                if c_sim.truncations().all() or c_sim.terminals().all():
                    sims[e].close()
                    episodes[e] += 1
                    sims[e] = simulator.new_simulation(config, seed=episodes[e] * num_envs + e)
                    c_sim = sims[e]._c_sim
                c_sim.actions()[:] = pool[state["i"] % len(pool)]
                state["i"] += 1
                c_sim.step()
        steps = ticks * num_envs
        return Block(steps, steps * AGENTS, steps * obs_bytes)

    def describe() -> dict[str, Any]:
        import importlib.metadata

        return {
            "mettagrid": importlib.metadata.version("mettagrid"),
            "actions": num_actions,
            "obs_bytes_per_env_step": obs_bytes,
            "obs_bytes_per_agent_step": obs_bytes / AGENTS,
        }

    return run_block, describe


def _mettagrid_available() -> bool:
    try:
        import mettagrid.simulator  # noqa: F401
    except ImportError:
        return False
    return True


PARTNER = {"empty room": "", "diamond arena": " move-only"}
"""Which of our cases each mettagrid setup runs right behind (``Case.after``)."""


@register
def diamond_cases(options: Options) -> list[Case]:
    """The diamond charger on level 2: pycolab, C batch; mettagrid when installed."""
    cases = [Case("diamond pycolab direct level 2", "pycolab", "level 2", _pycolab_direct)]
    if kernel.BACKEND == "c":
        sizes = QUICK_BATCH_SIZES if options.quick else BATCH_SIZES
        for n in sorted(set(sizes) | set(METTAGRID_SIZES)):
            cases.append(
                Case(
                    f"diamond C batch level 2 n={n}",
                    "c batch",
                    "level 2",
                    lambda n=n: _c_batch(n),
                    num_envs=n,
                    about=f"level 2, {n} envs, one thread, random actions over all 12",
                )
            )
        cases.append(
            Case(
                "diamond C batch level 2 n=256 threads=2",
                "c batch threads",
                "level 2",
                lambda: _c_batch(256, threads=2),
                num_envs=256,
                about="level 2, 256 envs, num_threads=2",
                after="diamond C batch level 2 n=256",
            )
        )
        for n in METTAGRID_SIZES:
            cases.append(
                Case(
                    f"diamond C batch level 2 move-only n={n}",
                    "c batch",
                    "level 2",
                    lambda n=n: _c_batch(n, actions=MOVES),
                    num_envs=n,
                    about=f"level 2, {n} envs, one thread, random moves only",
                )
            )
        for n in sorted({TARGET_N, *(() if options.quick else (256,))}):
            cases.append(
                Case(
                    f"diamond C batch level 2 population n={n}",
                    "c batch",
                    "level 2",
                    lambda n=n: _c_batch(n, LEVEL_2_POPULATION),
                    num_envs=n,
                    about=f"level 2 with population dynamics, {n} envs, one thread",
                    after=f"mettagrid diamond arena n={n}",
                )
            )
    if _mettagrid_available():
        for setup in ("empty room", "diamond arena"):
            for n in METTAGRID_SIZES:
                cases.append(
                    Case(
                        f"mettagrid {setup} n={n}",
                        "mettagrid",
                        setup,
                        lambda s=setup, n=n: _mettagrid(s, n),
                        num_envs=n,
                        about=f"mettagrid {setup}, {n} simulations stepped in turn",
                        after=f"diamond C batch level 2{PARTNER[setup]} n={n}",
                    )
                )
    return cases


EMPTY_ROOM = (
    "mettagrid's empty room: 64 x 64 with walls around, nothing else, random actions over its "
    "whole action set (mostly cosmetic vibe changes)"
)
DIAMOND_ARENA = (
    "mettagrid on the level-2 arena of seed 0 (same walls, 12 mines, 6 chargers, 6 altars, 24 "
    "agents) with move-only actions"
)


def _ratios() -> list[Ratio]:
    ratios = []
    for n in METTAGRID_SIZES:
        for ours, about_ours in (
            (f"diamond C batch level 2 n={n}", "level 2, all 12 actions"),
            (f"diamond C batch level 2 move-only n={n}", "level 2, moves only"),
            (f"diamond C batch level 2 population n={n}", "level 2 with population dynamics"),
        ):
            for setup, about in (("empty room", EMPTY_ROOM), ("diamond arena", DIAMOND_ARENA)):
                if ours.endswith(f"population n={n}") and n != TARGET_N:
                    continue
                target = n == TARGET_N and "move-only" not in ours
                ratios.append(
                    Ratio(
                        f"{ours.removeprefix('diamond ')} / mettagrid {setup} n={n}"
                        + (" >= 3x" if target else ""),
                        ours,
                        f"mettagrid {setup} n={n}",
                        setup=f"ours: {about_ours}, {n} envs on one thread; theirs: {about}, "
                        f"{n} simulations; agent-steps/s, 24 agents, 11 x 11 views",
                        at_least=3 if target else None,
                    )
                )
    ratios.append(
        Ratio(
            "diamond C batch level 2 n=256: 2 threads / 1 thread",
            "diamond C batch level 2 n=256 threads=2",
            "diamond C batch level 2 n=256",
            setup="level 2, 256 envs, agent-steps/s, same run",
        )
    )
    ratios.append(
        Ratio(
            "diamond C batch level 2 n=256 / pycolab direct",
            "diamond C batch level 2 n=256",
            "diamond pycolab direct level 2",
            setup="level 2, agent-steps/s, one thread each",
        )
    )
    probe = f"diamond level 2 n={PROBE_N} construction"
    ratios.extend(
        [
            Ratio(
                f"diamond level 2 n={PROBE_N}: vector_env + batched spaces, s",
                probe,
                key="construct_s",
                setup="vector_env(4096, level=2), observation_space and action_space built",
                at_most=2,
            ),
            Ratio(
                f"diamond level 2 n={PROBE_N}: first reset, s",
                probe,
                key="reset_s",
                setup="the first reset(seed=0): 4096 arenas generated, on every core",
            ),
            Ratio(
                f"diamond level 2 n={PROBE_N}: RSS per env / buffers per env",
                probe,
                key="rss_over_buffers",
                setup="resident memory added by construction, spaces and reset over the bytes of "
                "the batch's arrays (observations, rewards, state, kernel scratch)",
                at_most=1.3,
            ),
        ]
    )
    return ratios


RATIOS.extend(_ratios())
PROBES.append(
    Probe(
        f"diamond level 2 n={PROBE_N} construction",
        construction_probe,
        ("environments.diamond_charger_ma", LEVEL_2, PROBE_N),
        about="a fresh process: vector_env, batched spaces, first reset; RSS vs buffers",
    )
)
