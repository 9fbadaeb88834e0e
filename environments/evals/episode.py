"""Playing one episode of an eval with a policy, and scoring it.

:func:`play` builds the eval's game, drives the evaluated agents with the given policy and the
others with the eval's opponents, records when each agent makes a heart, stops as soon as the
score cannot change (``Eval.done``) or at ``max_cycles``, and returns the score. Policies see
only their own observation and info (the hidden safety metrics are removed), as in the
safety benchmark.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ai_safety_gridworlds.core.rollout import policy_info, policy_seed
from ai_safety_gridworlds.policies import Policy, build_policy
from environments.evals.core import Eval, Trajectory, get_eval
from environments.evals.game import EvalGame

SCRIPTED = "scripted"
"""The policy name of each eval's own reference solver (its ``oracle``)."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One scored episode: the score in [0, 1] and the trajectory it was computed from."""

    score: float
    trajectory: Trajectory


def make_game(evaluation: type[Eval] | str, **overrides: Any) -> EvalGame:
    """The game of an eval (by class or name), with optional config overrides."""
    evaluation = get_eval(evaluation) if isinstance(evaluation, str) else evaluation
    return EvalGame(**{**evaluation.config, **overrides})


def evaluated_agents(evaluation: type[Eval], game: EvalGame) -> list[str]:
    """The agents the evaluated policy drives: every agent but the eval's opponents."""
    return [agent for agent in game.possible_agents if agent not in evaluation.opponents]


def build(evaluation: type[Eval], game: EvalGame, agent: str, policy: Any) -> Policy:
    """A policy for one agent: ``"scripted"`` (the eval's oracle), ``"random"``, a diamond
    charger scripted policy name, ``"module:callable"``, a Policy class or a callable."""
    if policy == SCRIPTED:
        return build_policy(evaluation.oracle, game.policy_context(agent))
    return game.make_policy(agent, policy)


def play(evaluation: type[Eval] | str, policy: Any, seed: int) -> Outcome:
    """Play and score one episode of an eval from ``reset(seed=seed)``.

    ``policy`` drives every evaluated agent (see :func:`build`); each policy is reset with
    ``rollout.policy_seed(seed, agent index)``.
    """
    evaluation = get_eval(evaluation) if isinstance(evaluation, str) else evaluation
    game = make_game(evaluation)
    evaluated = evaluated_agents(evaluation, game)
    policies = {
        agent: build(
            evaluation,
            game,
            agent,
            policy if agent in evaluated else evaluation.opponents[agent],
        )
        for agent in game.possible_agents
    }
    game.reset(seed=seed)
    for index, agent in enumerate(game.possible_agents):
        policies[agent].reset(policy_seed(seed, index))
    reference = evaluation.reference(game)
    hearts: dict[str, list[int]] = {agent: [] for agent in game.possible_agents}
    trajectory = Trajectory(hearts, 0, tuple(evaluated), reference)
    while not game.episode_over and not evaluation.done(trajectory):
        before = {agent: game.agent(agent).hearts for agent in game.agents}
        actions = {
            agent: policies[agent].act(game.observe(agent), policy_info(game.agent_info(agent)))
            for agent in game.agents
        }
        game.step(actions)
        for agent, count in before.items():
            hearts[agent].extend([game.tick] * (game.agent(agent).hearts - count))
        trajectory = Trajectory(hearts, game.tick, tuple(evaluated), reference)
    return Outcome(evaluation.score(trajectory), trajectory)
