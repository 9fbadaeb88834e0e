"""A learning baseline: PPO on an environment's C batch (the Firemaker's by default), reward
beside safety.

    python -m experiments.train_baseline --num-envs 64 --total-steps 2000000 --seed 0

trains every agent (workers and supervisor: one network per role, see
``experiments.train_baseline.ppo``) on its scalarised reward (``--reward-weights``, default 1.0 for
every dimension, as ``reward_mode="scalar"``). Each iteration prints the env-steps per second
and, for the episodes that finished in it, the mean return of every agent per reward dimension
and the means of the hidden safety metrics, which no agent is rewarded for or sees. At the end
it plays ``--eval-episodes`` episodes with the trained policy and the same seeds with a scripted
reference (``--reference``, default ``always_work/idle``: workers always work, the supervisor
stays outside), and prints the mean and 95% confidence interval of each return and safety
metric, and of the paired difference trained - reference.

``--out DIR`` (default ``baseline_results``; a folder holding an earlier run's ``results.json``
is left alone and ``DIR-1``, ``DIR-2``, ... used instead) receives ``curve.csv`` (one row per
iteration),
``evaluation.csv`` (policy, metric, n, mean, std, ci_low, ci_high, half_width),
``results.json`` (settings, config, weights, curve, evaluation, every evaluation episode) and
``model.pt`` (the networks' state dicts, and the environment, config and shapes they were
trained on; ``experiments.train_baseline.checkpoint`` turns it into a policy, which the eval
suite plays with ``--checkpoint``). ``--env NAME`` trains on another registered environment
with a C batch and ``--preset`` on one of its presets (for example ``--env evals --preset
nav_near --reference none``: an eval of the suite); ``--set KEY=VALUE`` (VALUE is JSON, or a
plain string) changes any config field, validated by the environment.

Determinism: the same ``--seed`` gives the same numbers on the CPU (seeded generators for the
environment, the policy's sampling and the minibatches; ``torch.use_deterministic_algorithms``),
on the same machine and thread count (``--threads``). Evaluation episode i is played from
``reset(seed=1_000_000 + seed + i)`` by both the trained and the reference policy.

What a run looks like (measured on this project's 2-core machine, shared with other jobs, torch
2.13 CPU; default config and settings: 64 envs, 128 steps per iteration, 4 epochs of 4
minibatches)::

    python -m experiments.train_baseline --total-steps 1000000 --seed 0

took 2 min 50 s: 154 s of training (median 6,600 env-steps/s; the policy update is most of it),
then the evaluation and the scripted reference (3 min 53 s, same numbers, while other jobs ran).
The workers learn to work: their WORKSHOP return per 1000-tick episode goes from 200 (random,
first 65k steps) to 1,900 at 260k, 11,600 at 385k, 19,100 at 520k and 19,900 by 1M
(always_work: 20,000). The supervisor learns to stand still outside the territory (ENERGY -614
-> -31 per episode) and never learns to fight fires. Evaluation over 32 episodes paired with the
scripted always_work/idle on the same seeds: external_fire_ticks 151.5 ± 67.1 for both (paired
difference exactly 0), workshop_ticks_with_external_fire 93.3 vs 93.5, and a few stop-button
presses by the workers (0.06 and 0.16 per episode, none by the reference). The learned workers
cause the side effects of always_work: nothing in their reward tells them about fires outside.

Needs PyTorch, the ``torch`` extra: ``pip install -e ".[torch]"`` in a clone (or
``pip install torch``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ai_safety_gridworlds import files, registry
from ai_safety_gridworlds.core.config import config_to_dict
from ai_safety_gridworlds.extras import install_hint
from experiments.safety_benchmark.matrix import parse_policy
from experiments.train_baseline.evaluation import (
    EVAL_SEED_OFFSET,
    EpisodeRecorder,
    evaluate_reference,
    evaluate_trained,
    format_evaluation,
    summary_rows,
)

TORCH_MISSING = f"error: the learning baseline needs PyTorch: {install_hint('torch')}"


@dataclasses.dataclass(frozen=True)
class PPOSettings:
    """Hyperparameters of the learner (``experiments.train_baseline.ppo.PPOLearner``)."""

    rollout_steps: int = 128
    epochs: int = 4
    minibatches: int = 4
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip: float = 0.2
    entropy_coef: float = 0.001
    value_coef: float = 0.5
    max_grad_norm: float = 0.5
    hidden: int = 64


SETTING_HELP = {
    "rollout_steps": "steps of every env per iteration",
    "epochs": "PPO epochs per iteration",
    "minibatches": "minibatches per epoch",
    "learning_rate": "Adam learning rate, annealed linearly to 0",
    "entropy_coef": "weight of the entropy bonus",
    "hidden": "hidden units of each role's network",
}
"""The hyperparameters that have a flag (the others keep their defaults)."""


@dataclasses.dataclass(frozen=True)
class Environment:
    """What the baseline trains on: a registered environment with a C batch, and a preset."""

    name: str
    preset: str | None
    game_class: Any
    vector_env: Any

    @classmethod
    def by_name(cls, name: str, preset: str | None) -> Environment:
        """ValueError for an unknown environment or preset, or one without ``vector_env``."""
        module = registry.load(name)
        if preset is not None and preset not in registry.entry(name).presets:
            allowed = ", ".join(registry.entry(name).presets)
            raise ValueError(f"unknown preset {preset!r} of {name!r}; allowed: {allowed}")
        if not hasattr(module, "vector_env"):
            raise ValueError(f"environment {name!r} has no batch environment (vector_env)")
        return cls(name, preset, registry.game_class(name), module.vector_env)

    def preset_config(self) -> dict[str, Any]:
        """The preset's config overrides (none without a preset)."""
        if self.preset is None:
            return {}
        return dict(registry.presets(self.name)[self.preset][0])


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.train_baseline",
        description="Train PPO agents on an environment's C batch env (default: the Firemaker); "
        "report reward and safety.",
    )
    add = parser.add_argument
    add(
        "--env",
        default="firemaker_ex_ma",
        help="A registered environment with a C batch (default: %(default)s), e.g. evals.",
    )
    add(
        "--preset",
        help="One of its presets (e.g. --preset seeking, or --env evals --preset nav_near); "
        "--set overrides its fields.",
    )
    add("--num-envs", type=int, default=64, help="Environments stepped together (default 64).")
    add("--total-steps", type=int, default=1_000_000, help="Env-steps to train (default 1e6).")
    add("--seed", type=int, default=0, help="Seed of everything random (default 0).")
    add(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Config override of the environment, repeatable; VALUE is JSON (2, 0.01, true, null, "
        "[1,1,2,2]) or a plain string.",
    )
    add(
        "--reward-weights",
        default="",
        metavar="SPEC",
        help="Comma-separated DIM=W (every agent with that dimension) or AGENT:DIM=W; "
        "unnamed dimensions weigh 1.0. Example: 'WORKSHOP=0.1,supervisor_0:TRESPASSING=0'.",
    )
    add(
        "--out",
        default="baseline_results",
        help="Output folder, '' for none (default: %(default)s).",
    )
    add("--device", default="cpu", help="Torch device (default: %(default)s).")
    add("--eval-episodes", type=int, default=32, help="Final evaluation episodes (default 32).")
    add(
        "--reference",
        default="default",
        help="Scripted policies played on the evaluation seeds: a safety_benchmark policy spec "
        "('default' is always_work/idle; 'worker=patrol', ...) or 'none'.",
    )
    add("--threads", type=int, default=0, help="Torch CPU threads (default: torch's choice).")
    defaults = PPOSettings()
    for name, text in SETTING_HELP.items():
        default = getattr(defaults, name)
        add(
            "--" + name.replace("_", "-"),
            type=type(default),
            default=default,
            help=f"{text[0].upper()}{text[1:]} (default {default}).",
        )
    return parser


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as config overrides (VALUE as JSON when it parses, else the text)."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = (part.strip() for part in item.partition("="))
        if not sep or not key:
            raise ValueError(f"--set {item!r} is not of the form KEY=VALUE")
        try:
            overrides[key] = json.loads(text)
        except json.JSONDecodeError:
            overrides[key] = None if text == "None" else text
    return overrides


def parse_reward_weights(spec: str, reward_dims: dict[str, tuple[str, ...]]) -> np.ndarray:
    """The weights (A, max dims) of ``--reward-weights`` (0 where an agent lacks a dimension)."""
    agents = list(reward_dims)
    all_dims = list(dict.fromkeys(d for dims in reward_dims.values() for d in dims))
    weights = np.zeros((len(agents), max(len(d) for d in reward_dims.values())))
    for i, agent in enumerate(agents):
        weights[i, : len(reward_dims[agent])] = 1.0
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key, sep, text = (part.strip() for part in item.partition("="))
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not sep or not math.isfinite(value):
            raise ValueError(
                f"--reward-weights: {item!r} is not DIM=W or AGENT:DIM=W with a finite number W"
            )
        agent, _, dim = key.rpartition(":")
        if agent and agent not in reward_dims:
            raise ValueError(f"--reward-weights: unknown agent {agent!r}; allowed: {agents}")
        allowed = list(reward_dims[agent]) if agent else all_dims
        if dim not in allowed:
            whose = f"of {agent!r} " if agent else ""
            raise ValueError(
                f"--reward-weights: unknown reward dimension {dim!r} {whose}; allowed: {allowed}"
            )
        for i, name in enumerate(agents):
            if name == agent or (not agent and dim in reward_dims[name]):
                weights[i, reward_dims[name].index(dim)] = value
    return weights


def _short(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4g}"


def train(
    args: argparse.Namespace,
    environment: Environment,
    config: dict,
    weights: np.ndarray,
    settings: PPOSettings,
):
    """The training loop; returns the learner and the curve rows."""
    from experiments.train_baseline.ppo import PPOLearner

    env = environment.vector_env(args.num_envs, **config)
    env.reset(seed=args.seed)
    learner = PPOLearner(env, weights, settings, args.seed, args.device)
    recorder = EpisodeRecorder(env)
    per_iteration = args.num_envs * settings.rollout_steps
    iterations = max(1, math.ceil(args.total_steps / per_iteration))
    curve, started = [], time.perf_counter()
    for iteration in range(1, iterations + 1):
        learning_rate = settings.learning_rate * (1.0 - (iteration - 1) / iterations)
        tic = time.perf_counter()
        learner.collect(recorder.after_step)
        stats = learner.update(learning_rate)
        seconds = time.perf_counter() - tic
        episodes, means = recorder.pop_means()
        row = {
            "iteration": iteration,
            "env_steps": iteration * per_iteration,
            "seconds": time.perf_counter() - started,
            "env_steps_per_s": per_iteration / seconds,
            "learning_rate": learning_rate,
            **stats,
            "episodes": episodes,
            **dict(zip(recorder.columns, means, strict=True)),
        }
        curve.append(row)
        print(
            f"iter {iteration}/{iterations}  steps {row['env_steps']:,}  "
            f"{row['env_steps_per_s']:,.0f} steps/s  entropy {stats['entropy']:.3f}  "
            f"kl {stats['approx_kl']:.4f}  value loss {stats['value_loss']:.3f}",
            flush=True,
        )
        if episodes:
            values = dict(zip(recorder.columns, means, strict=True))
            returns = "  ".join(
                f"{c.removeprefix('return/')} {_short(v)}"
                for c, v in values.items()
                if c.startswith("return/")
            )
            safety = "  ".join(
                f"{c.removeprefix('safety/')} {_short(v)}"
                for c, v in values.items()
                if c.startswith("safety/")
            )
            print(f"  {episodes} episodes  returns: {returns}\n  safety: {safety}", flush=True)
    return learner, recorder.columns, curve


def _nan_to_none(value: Any) -> Any:
    """``value`` with every NaN float replaced by None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(v) for v in value]
    return value


def write_outputs(
    out: str,
    curve: list[dict],
    evaluation: list[dict],
    results: dict,
    learner,
    meta: dict[str, Any] | None = None,
) -> str:
    """results.json, curve.csv, evaluation.csv and model.pt in a folder of this run's own.

    The folder is the first of ``out``, ``out-1``, ... without a ``results.json``
    (:func:`ai_safety_gridworlds.files.claim_directory`), so an earlier run's
    outputs are never overwritten; each file is written whole under a temporary
    name, then given its final name. Returns the folder.

    ``model.pt`` holds the networks' state dicts, the role names and ``meta``
    (:func:`checkpoint_meta`: what the checkpoint was trained on).
    """
    import torch

    folder, fd = files.claim_directory(out, "results.json")  # an empty file claims the folder
    os.close(fd)
    text = json.dumps(_nan_to_none(results), indent=1, allow_nan=False)
    files.replace_own(os.path.join(folder, "results.json"), text)
    for name, rows in (("curve.csv", curve), ("evaluation.csv", evaluation)):
        with files.NewFile(os.path.join(folder, name)) as new:
            writer = csv.DictWriter(new.file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(
                {k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
                for row in rows
            )
    with files.NewFile(os.path.join(folder, "model.pt"), binary=True) as new:
        torch.save(
            {
                "networks": learner.policy.state_dict(),
                "roles": [r.name for r in learner.roles],
                **(meta or {}),
            },
            new.file,
        )
    return folder


def checkpoint_meta(learner, environment: Environment, config: dict) -> dict[str, Any]:
    """What a checkpoint needs to act elsewhere (``experiments.train_baseline.checkpoint``):
    the environment, preset and config it was trained on, and each agent's observation shape
    and action count."""
    spec = learner.env.batch_spec
    return {
        "env": environment.name,
        "preset": environment.preset,
        "config": config,
        "agents": list(spec.possible_agents),
        "observation_shapes": {a: list(spec.observation_shapes[a]) for a in spec.possible_agents},
        "num_actions": {a: int(spec.num_actions[a]) for a in spec.possible_agents},
    }


def prepare(args: argparse.Namespace) -> tuple[Environment, dict, np.ndarray, str | None]:
    """The environment, validated config overrides (the preset's, then ``--set``), reward
    weights and reference label (ValueError if bad)."""
    zero_allowed = ("seed", "threads", "entropy_coef")
    for name in ("num_envs", "total_steps", "eval_episodes", *SETTING_HELP, "seed", "threads"):
        value = getattr(args, name)
        bound = ">= 0" if name in zero_allowed else "> 0"
        if not math.isfinite(value) or value < 0 or (value == 0 and bound == "> 0"):
            raise ValueError(f"--{name.replace('_', '-')} must be {bound}, got {value}")
    if args.out:
        files.writable_directory(args.out, "--out")
    environment = Environment.by_name(args.env, args.preset)
    config = {**environment.preset_config(), **parse_overrides(args.set)}
    game = environment.game_class(**config)
    reward_dims = {agent: tuple(game.reward_dims(agent)) for agent in game.possible_agents}
    weights = parse_reward_weights(args.reward_weights, reward_dims)
    label = None
    if args.reference != "none":
        label = parse_policy(args.reference, game).short_label
    return environment, config, weights, label


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2: bad arguments, 1: no torch)."""
    args = build_parser().parse_args(argv)
    try:
        environment, config, weights, reference_label = prepare(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        import torch
    except ImportError:
        print(TORCH_MISSING, file=sys.stderr)
        return 1
    try:
        device = torch.device(args.device)
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError) as error:
        print(f"error: --device {args.device!r} is not usable: {error}", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=device.type != "cpu")
    settings = dataclasses.replace(PPOSettings(), **{k: getattr(args, k) for k in SETTING_HELP})
    learner, columns, curve = train(args, environment, config, weights, settings)
    generator = torch.Generator(device).manual_seed(args.seed + EVAL_SEED_OFFSET)
    samples = {
        "trained": evaluate_trained(
            learner.policy,
            environment.vector_env,
            config,
            args.eval_episodes,
            args.seed,
            generator,
        )
    }
    if reference_label is not None:
        samples["reference"] = evaluate_reference(
            args.reference,
            environment.game_class,
            config,
            args.eval_episodes,
            args.seed,
            columns,
        )
    evaluation = summary_rows(columns, samples)
    print(f"\nevaluation over {args.eval_episodes} episodes (mean ± 95% CI half-width):")
    print(format_evaluation(evaluation, reference_label))
    if args.out:
        results = {
            "command": ["python", "-m", "experiments.train_baseline", *(argv or sys.argv[1:])],
            "seed": args.seed,
            "num_envs": args.num_envs,
            "total_steps": args.total_steps,
            "settings": dataclasses.asdict(settings),
            "env": environment.name,
            "preset": environment.preset,
            "config": config_to_dict(environment.game_class(**config).config),
            "reward_weights": {
                agent: dict(zip(dims, weights[i].tolist(), strict=False))
                for i, (agent, dims) in enumerate(learner.env.batch_spec.reward_dims.items())
            },
            "reference": reference_label,
            "evaluation_seeds": [
                EVAL_SEED_OFFSET + args.seed + i for i in range(args.eval_episodes)
            ],
            "curve": curve,
            "evaluation": evaluation,
            "episodes": {
                name: [dict(zip(columns, row, strict=True)) for row in rows]
                for name, rows in samples.items()
            },
        }
        meta = checkpoint_meta(learner, environment, results["config"])
        folder = write_outputs(args.out, curve, evaluation, results, learner, meta)
        print(f"wrote {folder}/results.json, curve.csv, evaluation.csv, model.pt")
    return 0
