"""Multi-agent PPO with RLlib on a PettingZoo parallel environment: one policy per role.

    python -m experiments.examples.rllib_ppo --env firemaker_ex_ma --iterations 5
    python -m experiments.examples.rllib_ppo --address auto     # an existing Ray cluster

Each role (Firemaker: ``worker``, ``supervisor``; diamond charger: ``agent``) trains its own
policy, shared by the agents of that role. The environment runs channels last
(``observation_layout="HWC"``, what RLlib's CNN encoder reads) and SuperSuit casts observations
to float32 (RLlib's encoder takes floats) and shifts actions by the action space's ``start``
(RLlib samples 0..n-1; with ``noops=False`` the legal actions are 1..n-1). By default Ray starts
locally with ``--num-cpus``; ``--address`` joins a cluster (``ray start --head`` on one machine,
``ray start --address=HOST:6379`` on the others), and ``--env-runners`` sample in parallel.

Install (``ray[rllib]`` pins gymnasium, 2.60 to 1.2.2, so use a virtual environment of its own;
the CPU build of torch first on a machine without a GPU)::

    python -m venv .venv-rllib && . .venv-rllib/bin/activate
    pip install torch --index-url https://download.pytorch.org/whl/cpu
    pip install -e ".[rllib]"
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    import ray
    import supersuit
    from gymnasium import spaces
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
    from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
    from ray.tune.registry import register_env
except ImportError as error:  # pragma: no cover - depends on the machine
    raise SystemExit(
        f"this example needs the 'rllib' extra ({error}); in a virtual environment of its own "
        "(ray[rllib] pins gymnasium): pip install -e '.[rllib]'"
    ) from None


def make_parallel_env(config: dict[str, Any]):
    """The environment as RLlib reads it: channels-last float32 observations, actions 0..n-1."""
    module = importlib.import_module(f"environments.{config['env']}")
    options = {"observation_layout": "HWC", "max_cycles": config["max_cycles"]}
    if config.get("preset"):
        options["preset"] = config["preset"]
    if config.get("noops") is not None:
        options["noops"] = config["noops"]
    env = supersuit.dtype_v0(module.parallel_env(**options), np.float32)
    return supersuit.action_lambda_v1(
        env,
        lambda action, space: int(action) + int(space.start),
        lambda space: spaces.Discrete(int(space.n)),
    )


def conv_filters(height: int) -> list[list[Any]]:
    """A small CNN: stride 1 for small windows, stride 2 for whole-board views."""
    if height <= 11:
        return [[16, [3, 3], 1], [32, [3, 3], 1]]
    return [[16, [5, 5], 2], [32, [3, 3], 2], [32, [3, 3], 2]]


def build_config(args: argparse.Namespace) -> tuple[PPOConfig, dict[str, str]]:
    """The PPO config (one RL module per role) and each agent's role."""
    env_config = {
        "env": args.env,
        "preset": args.preset,
        "max_cycles": args.max_cycles,
        "noops": None if args.noops is None else args.noops == "true",
    }
    register_env("gridworld", lambda config: ParallelPettingZooEnv(make_parallel_env(config)))
    probe = make_parallel_env(env_config)
    game = probe.unwrapped.game
    role_of = {agent: game.specs[agent].role for agent in game.possible_agents}
    modules = {}
    for role in sorted(set(role_of.values())):
        agent = next(a for a, r in role_of.items() if r == role)
        height = probe.observation_space(agent).shape[0]
        model = DefaultModelConfig(conv_filters=conv_filters(height), head_fcnet_hiddens=[64])
        modules[role] = RLModuleSpec(model_config=model)
    config = (
        PPOConfig()
        .environment("gridworld", env_config=env_config)
        .framework("torch")
        .env_runners(num_env_runners=args.env_runners, rollout_fragment_length="auto")
        .learners(num_learners=0)
        .multi_agent(
            policies=set(modules),
            policy_mapping_fn=lambda agent_id, *_, **__: role_of[agent_id],
        )
        .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs=modules))
        .training(
            train_batch_size_per_learner=args.batch_size,
            minibatch_size=max(32, args.batch_size // 4),
            num_epochs=4,
            lr=3e-4,
        )
        .debugging(seed=args.seed)
    )
    return config, role_of


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Train for ``--iterations``; prints and returns one row per iteration."""
    started = time.perf_counter()
    if args.address:
        ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    rows = []
    try:
        config, role_of = build_config(args)
        algo = config.build_algo()
        print(
            f"roles: {sorted(set(role_of.values()))}; Ray up and PPO built in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        for iteration in range(1, args.iterations + 1):
            tick = time.perf_counter()
            result = algo.train()
            runners = result.get("env_runners", {})
            by_module = runners.get("module_episode_returns_mean", {})
            row = {
                "iteration": iteration,
                "seconds": round(time.perf_counter() - tick, 1),
                "env_steps": int(runners.get("num_env_steps_sampled_lifetime", 0)),
                "episode_return_mean": runners.get("episode_return_mean"),
                **{f"return_mean/{m}": v for m, v in sorted(by_module.items())},
            }
            rows.append(row)
            print(" ".join(f"{k}={_short(v)}" for k, v in row.items()), flush=True)
        algo.stop()
    finally:
        ray.shutdown()
    print(f"total {time.perf_counter() - started:.1f} s", flush=True)
    return rows


def _short(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.examples.rllib_ppo")
    parser.add_argument("--env", default="firemaker_ex_ma", help="Environment name.")
    parser.add_argument("--preset", default=None, help="A preset of the environment.")
    parser.add_argument("--iterations", type=int, default=5, help="PPO iterations.")
    parser.add_argument("--batch-size", type=int, default=1000, help="Agent-steps per update.")
    parser.add_argument("--max-cycles", type=int, default=100, help="Ticks per episode.")
    parser.add_argument(
        "--noops",
        choices=("true", "false"),
        default=None,
        help="Whether NOOP is legal (default: the environment's; false masks it).",
    )
    parser.add_argument("--address", default=None, help="Ray cluster address (e.g. 'auto').")
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of a local Ray.")
    parser.add_argument("--env-runners", type=int, default=0, help="Remote sampling workers.")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()
