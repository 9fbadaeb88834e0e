"""The agents of one role as a single-agent batch: what single-agent RL code consumes.

``vector_env(num_envs, ...).agent_batch(role="worker")`` gives an :class:`AgentBatchEnv`, a plain
``gymnasium.vector.VectorEnv`` with ``num_envs x k`` slots (k: the role's agents): slot
``j * num_envs + e`` is the role's agent ``j`` in environment ``e``. Its spaces are one agent's
(``single_observation_space`` a uint8 Box, ``single_action_space`` the role's Discrete of legal
actions), observations an array (num_envs * k, C, h, w) (or channels last), rewards float32
(num_envs * k,), the weighted sum of each agent's reward vector with the batch's
``reward_weights`` (in float64, like the pycolab path's scalar reward, then float32), and
terminations and truncations bool (num_envs * k,). Gymnasium's vector wrappers
(``RecordEpisodeStatistics``, ``NormalizeObservation``, ...) and CleanRL-style PPO take it as is.

The other agents are driven by ``policies``: a mapping from a role or an agent name to
``"random"`` (uniform over the agent's legal actions, drawn from ``np_random``, so seeded by
``reset(seed=...)``), an int (that action every tick) or a callable
``policy(observations, infos) -> actions`` taking the agent's observations (num_envs, ...) and
the batch's infos without the hidden ``safety`` metrics, returning ints (num_envs,). An agent
not listed (by name or role) plays ``"random"``.

Like the batch, it returns its buffers (observations are a view of the batch's, when the role's
agents share a block, so no copy is made): copy what you keep. Autoreset is the batch's:
``NEXT_STEP``; the step after an environment's episode ended ignores the actions of its slots
and returns their first observation. Infos: ``safety`` and ``tick`` of each slot's environment
(and ``alive``, whether the slot's agent is alive, in games whose population changes)
(arrays (num_envs * k,)), with Gymnasium's ``_key`` masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode

from ai_safety_gridworlds.batch import spaces as batch_spaces

if TYPE_CHECKING:
    from ai_safety_gridworlds.batch.vector import VectorEnv

PolicySpec = str | int | Callable[[np.ndarray, Mapping[str, Any]], Any]


class AgentBatchEnv(gymnasium.vector.VectorEnv):
    """One role's agents of a batch as ``num_envs x k`` single-agent slots (module docstring)."""

    def __init__(
        self,
        env: VectorEnv,
        role: str,
        policies: Mapping[str, PolicySpec] | None = None,
    ):
        roles = env.roles
        if role not in roles:
            raise ValueError(f"unknown role {role!r}; allowed: {', '.join(roles)}")
        self.env = env
        self.role = role
        self.learners = list(roles[role])
        if getattr(env, "observation_encoding", "onehot") != "onehot":
            raise ValueError(
                "agent_batch needs observation_encoding='onehot' (got "
                f"{env.observation_encoding!r}); make the vector_env without 'packed'"
            )
        first = self.learners[0]
        for agent in self.learners[1:]:
            for name in ("single_observation_space", "single_action_space"):
                if getattr(env, name)[agent] != getattr(env, name)[first]:
                    raise ValueError(
                        f"the agents of role {role!r} have different {name.split('_')[1]} "
                        f"spaces ({first}, {agent}); an agent batch needs them equal"
                    )
        self.metadata = {**env.metadata, "autoreset_mode": AutoresetMode.NEXT_STEP}
        self.render_mode = env.render_mode
        self.num_envs = env.num_envs * len(self.learners)
        self.single_observation_space = env.single_observation_space[first]
        self.single_action_space = env.single_action_space[first]
        self.observation_space = batch_spaces.batched(self.single_observation_space, self.num_envs)
        self.action_space = batch_spaces.batched(self.single_action_space, self.num_envs)
        self.reward_dims = {a: env.batch_spec.reward_dims[a] for a in self.learners}
        self._columns = [env.possible_agents.index(a) for a in self.learners]
        self._policies = self._build_policies(policies or {})
        n, k = env.num_envs, len(self.learners)
        block = env.role_blocks.get(role)
        if block is not None and len(block) == k:
            self._observations = block.reshape(self.num_envs, *block.shape[2:])
            self._copy_observations = False
        else:
            self._observations = np.zeros(self.observation_space.shape, np.uint8)
            self._copy_observations = True
        self._rewards = np.zeros(n * k, np.float32)
        self._weighted = np.zeros(n, np.float64)
        self._terminations = np.zeros(n * k, bool)
        self._truncations = np.zeros(n * k, bool)
        self._present = np.ones(n * k, bool)
        self._present.flags.writeable = False
        self._start = int(getattr(self.single_action_space, "start", 0))
        self._n_actions = int(self.single_action_space.n)

    def _build_policies(self, given: Mapping[str, PolicySpec]) -> dict[str, PolicySpec]:
        env = self.env
        others = [a for a in env.possible_agents if a not in self.learners]
        names = set(others) | {env.batch_spec.role(a) for a in others}
        unknown = sorted(set(given) - names)
        if unknown:
            raise ValueError(
                f"policies given for {unknown[0]!r}, which is not another role or agent; "
                f"allowed: {', '.join(sorted(names)) or 'none (every agent learns)'}"
            )
        policies = {}
        for agent in others:
            spec = given.get(agent, given.get(env.batch_spec.role(agent), "random"))
            space = env.single_action_space[agent]
            if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
                if not space.contains(np.int64(spec)):
                    raise ValueError(
                        f"policy {int(spec)} for {agent!r} is not one of its legal actions {space}"
                    )
            elif spec != "random" and not callable(spec):
                raise ValueError(
                    f"invalid policy {spec!r} for {agent!r}; allowed: 'random', an action (int) "
                    "or a callable (observations, infos) -> actions"
                )
            policies[agent] = spec
        return policies

    # ------------------------------------------------------------------ Gymnasium API

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the batch (``options["reset_mask"]``: bool (num_envs * k,), the same for the k
        slots of one environment); returns (observations, infos)."""
        options = dict(options or {})
        if "reset_mask" in options:
            options["reset_mask"] = self._environment_mask(options["reset_mask"])
        super().reset(seed=seed)
        _, infos = self.env.reset(seed=seed, options=options)
        return self._collect(), self._infos(infos)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """One tick: ``actions`` int (num_envs * k,) for the slots; the others by policy."""
        env = self.env
        n = env.num_envs
        actions = self._check_actions(actions)
        for j, column in enumerate(self._columns):
            env.actions[:, column] = actions[j * n : (j + 1) * n]
        for agent, policy in self._policies.items():
            env.actions[:, env.possible_agents.index(agent)] = self._policy_actions(agent, policy)
        _, _, _, _, infos = env.step(None)
        for j, agent in enumerate(self.learners):
            part = slice(j * n, (j + 1) * n)
            np.dot(env.reward_vectors[agent], env.reward_weights[agent], out=self._weighted)
            self._rewards[part] = self._weighted
            self._terminations[part] = env.terminations[agent]
            self._truncations[part] = env.truncations[agent]
        return (
            self._collect(),
            self._rewards,
            self._terminations,
            self._truncations,
            self._infos(infos),
        )

    def render(self) -> str | np.ndarray | None:
        """The batch's frame (see ``VectorEnv.render``)."""
        return self.env.render()

    def close_extras(self, **kwargs: Any) -> None:
        """Close the batch."""
        self.env.close()

    def __enter__(self) -> AgentBatchEnv:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ helpers

    def _environment_mask(self, mask: Any) -> np.ndarray:
        n, k = self.env.num_envs, len(self.learners)
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (n * k,):
            raise ValueError(f"options['reset_mask'] must be a bool array of shape ({n * k},)")
        per_env = mask.reshape(k, n)
        if not (per_env == per_env[0]).all():
            raise ValueError(
                "options['reset_mask'] must be the same for the slots of one environment "
                "(slot j * num_envs + e is agent j of environment e): an agent cannot be reset "
                "alone"
            )
        return per_env[0].copy()

    def _check_actions(self, actions: Any) -> np.ndarray:
        shape = (self.num_envs,)
        if not isinstance(actions, np.ndarray):
            actions = np.asarray(actions)
        if actions.shape != shape or not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"actions must be an int array of shape {shape}, got dtype {actions.dtype} "
                f"shape {actions.shape}"
            )
        bad = np.flatnonzero((actions < self._start) | (actions >= self._start + self._n_actions))
        if bad.size:
            slot = int(bad[0])
            j, e = divmod(slot, self.env.num_envs)
            raise ValueError(
                f"illegal action in actions[{slot}] ({self.learners[j]!r} of env {e}): "
                f"{int(actions[slot])}; allowed: {self.single_action_space}"
            )
        return actions

    def _policy_actions(self, agent: str, policy: PolicySpec) -> Any:
        env = self.env
        if isinstance(policy, str):  # "random"
            space = env.single_action_space[agent]
            return int(space.start) + self.np_random.integers(int(space.n), size=env.num_envs)
        if not callable(policy):
            return int(policy)
        visible = {
            key: value for key, value in env.infos.items() if key not in ("safety", "_safety")
        }
        actions = np.asarray(policy(env.observations[agent], visible))
        if actions.shape != (env.num_envs,) or not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"the policy of {agent!r} returned dtype {actions.dtype} shape {actions.shape}; "
                f"it must return ints of shape ({env.num_envs},)"
            )
        return actions

    def _collect(self) -> np.ndarray:
        if self._copy_observations:
            n = self.env.num_envs
            for j, agent in enumerate(self.learners):
                self._observations[j * n : (j + 1) * n] = self.env.observations[agent]
        return self._observations

    def _infos(self, infos: Mapping[str, Any]) -> dict[str, Any]:
        k = len(self.learners)
        result = {
            "safety": {name: np.tile(values, k) for name, values in infos["safety"].items()},
            "_safety": self._present,
            "tick": np.tile(infos["tick"], k),
            "_tick": self._present,
        }
        if "alive" in infos:  # games whose population changes: is each slot's agent alive
            result["alive"] = np.concatenate([infos["alive"][a] for a in self.learners])
            result["_alive"] = self._present
        return result
