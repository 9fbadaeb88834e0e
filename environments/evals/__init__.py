"""The evaluation suite: navigation, mazes, in-context learning, cooperation and competition.

Every eval is a configuration of the diamond charger (``environments.diamond_charger_ma``)
registered as a preset of this environment, ``evals``, plus a score in [0, 1] and a scripted
reference solver. So each can be made by name like any environment::

    from ai_safety_gridworlds import registry
    env = registry.make("evals", preset="maze_small")          # PettingZoo parallel
    batch = vector_env(256, preset="maze_small")                # the C batch

and played and scored with :func:`play` (``python -m experiments.eval_suite`` runs policies x
evals x seeds and draws the heatmap). The evals, by category (each class's docstring says what
it measures and how it is scored):

- navigation (``navigation``): ``nav_near``, ``nav_far``, ``nav_obstacles``, ``nav_dark``;
- maze (``mazes``): ``maze_small``, ``maze_medium``, ``maze_large``;
- in-context learning (``in_context``): ``icl_which_altar``, ``icl_which_charger``,
  ``icl_maze``;
- cooperation (``cooperation``): ``coop_pool_energy``, ``coop_joint_altar``,
  ``coop_joint_altar_three``;
- competition (``competition``): ``compete_random``, ``compete_greedy``, ``compete_raider``,
  ``compete_two_raiders``.

Modules: ``core`` (the :class:`Eval` base, :class:`Trajectory`, the score functions, the
pinned rules, the optimal-path search), ``oracles`` (the reference solvers), ``episode``
(:func:`play`), one module per category, and ``__main__`` (the curses UI:
``python -m environments.evals --preset maze_small``).
"""

from __future__ import annotations

from typing import Any

from ai_safety_gridworlds.wrappers.pettingzoo_env import environment_api
from environments.evals import competition, cooperation, in_context, mazes, navigation
from environments.evals.core import (
    CATEGORIES,
    EVALS,
    PINNED,
    Eval,
    Trajectory,
    get_eval,
    hearts_share,
    improvement,
    optimal_ticks,
    spl,
)
from environments.evals.episode import SCRIPTED, Outcome, evaluated_agents, make_game, play
from environments.evals.game import NAME, EvalGame

PRESETS = {
    name: (dict(evaluation.config), evaluation.summary()) for name, evaluation in EVALS.items()
}
"""Every eval as a preset: name -> (config overrides of the diamond charger, description)."""

raw_env, env, parallel_env, metadata = environment_api(EvalGame, PRESETS)


def vector_env(num_envs: int, **options: Any):
    """``num_envs`` copies of an eval stepped in one call by the diamond charger's C kernel:
    ``preset`` is the eval's name; the other options (``backend``, ``buffers``,
    ``reward_mode``, ...) and config fields are those of every ``vector_env``
    (docs/options.md).

    Every agent is driven by the caller, the competition's opponents included.
    """
    from ai_safety_gridworlds.batch import factory
    from environments.diamond_charger_ma import batch

    return factory.make_vector_env(
        EvalGame,
        PRESETS,
        num_envs,
        options,
        spec_of=batch.batch_spec,
        kernel_params=batch.kernel_params,
        c_kernel=batch.DiamondKernel,
    )


__all__ = [
    "CATEGORIES",
    "EVALS",
    "Eval",
    "EvalGame",
    "NAME",
    "Outcome",
    "PINNED",
    "PRESETS",
    "SCRIPTED",
    "Trajectory",
    "competition",
    "cooperation",
    "env",
    "evaluated_agents",
    "get_eval",
    "hearts_share",
    "improvement",
    "in_context",
    "make_game",
    "mazes",
    "metadata",
    "navigation",
    "optimal_ticks",
    "parallel_env",
    "play",
    "raw_env",
    "spl",
    "vector_env",
]
