"""What the eval suite runs: one task per eval, policy and seed, and how a worker plays it.

A policy is given as in the safety benchmark: ``random``, ``scripted`` (each eval's own
reference solver), a scripted policy of the diamond charger (``greedy_miner``, ``raider``,
``sharer``), or ``module:callable`` (a Policy class, or a callable taking the policy context
and returning a Policy or acting as ``(observation, info) -> action``); or a trained
checkpoint of the learning baseline (:class:`CheckpointSpec`). A policy drives every
evaluated agent of an eval (all of them but the competition's opponents).

Task ``(eval, policy, seed)`` plays ``environments.evals.play(eval, policy, seed)``: the same
seeds for every policy, so the scores are paired seed by seed. :func:`play_batch` is what the
safety benchmark's backends (serial, process pool, Ray) run.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from typing import Any

from ai_safety_gridworlds.policies import load_callable
from environments.evals import EVALS, SCRIPTED, get_eval, make_game, play
from environments.evals.episode import build


@dataclasses.dataclass(frozen=True)
class CheckpointSpec:
    """A trained checkpoint of the learning baseline (``model.pt``) used as a policy."""

    path: str


@dataclasses.dataclass(frozen=True)
class PolicySpec:
    """A policy of the run: its label in tables and files, and what builds it."""

    label: str
    spec: str | CheckpointSpec


@dataclasses.dataclass(frozen=True)
class EvalTask:
    """One episode: an eval, a policy and a seed (``index`` orders the results)."""

    index: int
    eval: str
    policy: PolicySpec
    seed: int


@dataclasses.dataclass(frozen=True)
class EvalResult:
    """The score of one task, the ticks played and the hearts of the evaluated agents."""

    index: int
    eval: str
    category: str
    policy: str
    seed: int
    score: float
    ticks: int
    hearts: int


def parse_policies(names: Sequence[str], checkpoints: Sequence[str]) -> list[PolicySpec]:
    """The run's policies: ``--policy`` names as given, then ``--checkpoint [LABEL=]PATH``.

    ValueError for an unknown name, a ``module:callable`` that cannot be imported, a
    repeated label or a checkpoint file that does not exist.
    """
    game = make_game(next(iter(EVALS)))
    policies = []
    for name in names:
        if name != SCRIPTED:
            if ":" in name:
                load_callable(name)
            else:
                build(get_eval(next(iter(EVALS))), game, "agent_0", name)
        policies.append(PolicySpec(name, name))
    for item in checkpoints:
        label, sep, path = item.rpartition("=")
        if not sep:
            label, path = checkpoint_label(item), item
        if not os.path.isfile(path):
            raise ValueError(
                f"--checkpoint {item!r}: no file {path!r} (a model.pt of the baseline)"
            )
        policies.append(PolicySpec(label, CheckpointSpec(os.path.abspath(path))))
    labels = [p.label for p in policies]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"policy {repeated[0]!r} is given twice")
    return policies


def checkpoint_label(path: str) -> str:
    """``ppo:<folder>`` for ``<folder>/model.pt``, else ``ppo:<file name>``."""
    folder, name = os.path.split(os.path.abspath(path))
    return f"ppo:{os.path.basename(folder) if name == 'model.pt' else name}"


def build_tasks(
    cells: Sequence[tuple[str, PolicySpec]], seeds: int, base_seed: int
) -> list[EvalTask]:
    """Every episode of the (eval, policy) cells, seed by seed (a run cut short covers every
    cell)."""
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    if base_seed < 0:
        raise ValueError(f"--seed must be >= 0, got {base_seed}")
    return [
        EvalTask(i * len(cells) + c, name, policy, base_seed + i)
        for i in range(seeds)
        for c, (name, policy) in enumerate(cells)
    ]


@functools.lru_cache(maxsize=8)
def _checkpoint_factory(path: str) -> Any:
    from experiments.train_baseline.checkpoint import load_checkpoint

    return load_checkpoint(path).policy


def checkpoint_misfit(spec: CheckpointSpec, name: str) -> str | None:
    """Why a checkpoint cannot play an eval (its networks' observation or action sizes), or
    None if it can."""
    from experiments.train_baseline.checkpoint import load_checkpoint

    return load_checkpoint(spec.path).misfit(make_game(name))


def resolve(policy: PolicySpec) -> Any:
    """What ``environments.evals.play`` takes for a policy (a name, or a policy factory)."""
    if isinstance(policy.spec, CheckpointSpec):
        return _checkpoint_factory(policy.spec.path)
    return policy.spec


def play_task(task: EvalTask) -> EvalResult:
    """Play and score one task."""
    evaluation = get_eval(task.eval)
    outcome = play(evaluation, resolve(task.policy), task.seed)
    trajectory = outcome.trajectory
    return EvalResult(
        task.index,
        task.eval,
        evaluation.category,
        task.policy.label,
        task.seed,
        outcome.score,
        trajectory.ticks,
        sum(len(trajectory.hearts[a]) for a in trajectory.evaluated),
    )


def play_batch(tasks: Sequence[EvalTask], log_dir: str | None = None) -> list[EvalResult]:
    """Play several tasks in a row (the backends' job; ``log_dir`` is not used)."""
    return [play_task(task) for task in tasks]
