"""PPO for a batch environment: one actor-critic network per role, a rollout buffer, the update.

Independent learners with parameter sharing per role: every agent of a role (all workers; the
supervisor) is driven by the role's network, and a learned per-agent bias lets agents of one role
act differently. Each agent learns from its own scalarised reward (the weighted sum of its reward
vector). The role of an agent is its name without the number (``worker_1`` -> ``worker``).
A network reads the agent's flattened one-hot observation through two tanh layers (the per-agent
bias added after the first) into action logits, with illegal actions masked (``noops=False``),
and a state value. With the default views the supervisor's whole-board window (9 x 33 x 33)
makes its first layer most of the cost of a step.

The rollout steps a :class:`~ai_safety_gridworlds.batch.vector.VectorEnv` (NEXT_STEP autoreset). The
step that ends a slot's episode returns that episode's last observation, so the value of that
observation is the bootstrap of a truncated episode (time limits are not terminal); the next step
of the slot only starts a new episode and is left out of the loss. Rewards are divided by the
running standard deviation of each agent's discounted return. Everything random comes from
generators seeded by the caller, so a run is repeatable on the CPU.

This module needs torch; ``experiments.train_baseline`` (which holds the hyperparameters,
``PPOSettings``) imports it only once torch is known to be installed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from experiments.train_baseline.cli import PPOSettings


@dataclasses.dataclass(frozen=True)
class Role:
    """The agents one network drives: their columns in ``possible_agents`` and their shapes."""

    name: str
    agents: tuple[str, ...]
    columns: tuple[int, ...]
    obs_size: int
    num_actions: int
    legal: tuple[bool, ...]


def roles_of(env) -> list[Role]:
    """The roles of a batch environment's agents, in order of first appearance."""
    spec = env.batch_spec
    by_role: dict[str, list[str]] = {}
    for agent in env.possible_agents:
        by_role.setdefault(agent.rsplit("_", 1)[0], []).append(agent)
    roles = []
    for name, agents in by_role.items():
        first = agents[0]
        for agent in agents[1:]:
            if (
                spec.observation_shapes[agent] != spec.observation_shapes[first]
                or spec.num_actions[agent] != spec.num_actions[first]
            ):
                raise ValueError(f"agents of role {name!r} differ in observation or action space")
        roles.append(
            Role(
                name,
                tuple(agents),
                tuple(env.possible_agents.index(a) for a in agents),
                int(np.prod(spec.observation_shapes[first])),
                int(spec.num_actions[first]),
                tuple(bool(x) for x in spec.legal_actions[first]),
            )
        )
    return roles


def scale_inputs(observations: torch.Tensor) -> torch.Tensor:
    """The network's inputs: 0 and 1 as they are, larger values ``v`` (energies, counts,
    kinships up to 255) as ``1 + ln v``, so that a few large channels do not saturate the
    first layer (a one-hot observation, e.g. the Firemaker's, passes unchanged)."""
    x = observations.float()
    return x.clamp(max=1.0) + x.clamp(min=1.0).log()


class RoleNetwork(nn.Module):
    """Actor-critic MLP over a role's flattened one-hot observation.

    ``forward`` takes uint8 observations (B, k, D) of the role's k agents and returns action
    logits (B, k, actions), illegal actions masked, and state values (B, k).
    """

    def __init__(self, role: Role, hidden: int):
        super().__init__()
        self.encoder = nn.Linear(role.obs_size, hidden)
        self.agent_bias = nn.Parameter(torch.zeros(len(role.agents), hidden))
        self.body = nn.Linear(hidden, hidden)
        self.policy_head = nn.Linear(hidden, role.num_actions)
        self.value_head = nn.Linear(hidden, 1)
        for layer, gain in (
            (self.encoder, 2**0.5),
            (self.body, 2**0.5),
            (self.policy_head, 0.01),
            (self.value_head, 1.0),
        ):
            nn.init.orthogonal_(layer.weight, gain)
            nn.init.zeros_(layer.bias)
        self.register_buffer("illegal", ~torch.tensor(role.legal))

    def features(self, observations: torch.Tensor, agent_bias: torch.Tensor) -> torch.Tensor:
        """The last hidden layer for uint8 observations (..., D) and per-agent biases
        broadcast against (..., hidden)."""
        hidden = torch.tanh(self.encoder(scale_inputs(observations)) + agent_bias)
        return torch.tanh(self.body(hidden))

    def forward(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.features(observations, self.agent_bias)
        logits = self.policy_head(hidden).masked_fill(self.illegal, -1e9)
        return logits, self.value_head(hidden).squeeze(-1)


class MultiRolePolicy(nn.Module):
    """The networks of every role; inputs per role, outputs in ``possible_agents`` columns."""

    def __init__(self, roles: list[Role], hidden: int):
        super().__init__()
        self.roles = roles
        self.num_agents = sum(len(r.agents) for r in roles)
        self.networks = nn.ModuleDict({r.name: RoleNetwork(r, hidden) for r in roles})

    def observation_tensors(
        self, observations: Mapping[str, np.ndarray]
    ) -> dict[str, torch.Tensor]:
        """Per role, uint8 (N, k, D) from the env's observation dict (copied)."""
        device = next(self.parameters()).device
        return {
            r.name: torch.from_numpy(
                np.stack([observations[a].reshape(len(observations[a]), -1) for a in r.agents], 1)
            ).to(device)
            for r in self.roles
        }

    def _columns(self, per_role: dict[str, torch.Tensor]) -> torch.Tensor:
        first = next(iter(per_role.values()))
        out = first.new_empty((first.shape[0], self.num_agents))
        for r in self.roles:
            out[:, list(r.columns)] = per_role[r.name]
        return out

    @torch.no_grad()
    def act(
        self, observations: dict[str, torch.Tensor], generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sampled actions (N, A) int64, their log-probabilities and the values (N, A)."""
        actions, log_probs, values = {}, {}, {}
        for r in self.roles:
            logits, values[r.name] = self.networks[r.name](observations[r.name])
            log_p = torch.log_softmax(logits, -1)
            flat = torch.multinomial(log_p.exp().reshape(-1, r.num_actions), 1, generator=generator)
            actions[r.name] = flat.reshape(log_p.shape[:-1])
            log_probs[r.name] = log_p.gather(-1, actions[r.name].unsqueeze(-1)).squeeze(-1)
        return self._columns(actions), self._columns(log_probs), self._columns(values)

    def evaluate(
        self, observations: dict[str, torch.Tensor], actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log-probabilities of ``actions`` (B, A), policy entropies and values (B, A)."""
        log_probs, entropies, values = {}, {}, {}
        for r in self.roles:
            logits, values[r.name] = self.networks[r.name](observations[r.name])
            log_p = torch.log_softmax(logits, -1)
            taken = actions[:, list(r.columns)].unsqueeze(-1)
            log_probs[r.name] = log_p.gather(-1, taken).squeeze(-1)
            entropies[r.name] = -(log_p.exp() * log_p).sum(-1)
        return self._columns(log_probs), self._columns(entropies), self._columns(values)


class RewardScaler:
    """Divides each agent's reward by the running standard deviation of its discounted return."""

    def __init__(self, num_envs: int, num_agents: int, gamma: float):
        self.gamma = gamma
        self.discounted = np.zeros((num_envs, num_agents))
        self.count, self.mean, self.var = 1e-4, np.zeros(num_agents), np.ones(num_agents)

    def __call__(self, reward: np.ndarray, done: np.ndarray, valid: np.ndarray) -> np.ndarray:
        self.discounted = self.discounted * self.gamma + reward
        batch = self.discounted[valid]
        if len(batch):
            count = self.count + len(batch)
            delta = batch.mean(0) - self.mean
            m2 = self.var * self.count + batch.var(0) * len(batch)
            self.var = (m2 + delta**2 * self.count * len(batch) / count) / count
            self.mean = self.mean + delta * len(batch) / count
            self.count = count
        self.discounted[done] = 0.0
        return reward / np.sqrt(self.var + 1e-8)


class PPOLearner:
    """Collects rollouts from ``env`` with ``policy`` and improves it by clipped PPO.

    ``weights``: float (A, max_dims), each agent's weight per reward dimension in the layout of
    ``env.reward_buffer`` (0 where an agent lacks the dimension). The env must have been reset.
    """

    def __init__(self, env, weights: np.ndarray, settings: PPOSettings, seed: int, device: str):
        self.env, self.settings, self.device = env, settings, torch.device(device)
        self.weights = np.asarray(weights, np.float64)
        self.roles = roles_of(env)
        self.policy = MultiRolePolicy(self.roles, settings.hidden).to(self.device)
        self.optimizer = torch.optim.Adam(
            self.policy.parameters(), settings.learning_rate, eps=1e-5
        )
        self.generator = torch.Generator(self.device).manual_seed(seed)
        n, a, t = env.num_envs, len(env.possible_agents), settings.rollout_steps
        self.scaler = RewardScaler(n, a, settings.gamma)
        self.pending = np.zeros(n, bool)  # the slot's next step only starts a new episode

        def zeros(*shape, dtype=torch.float32):
            return torch.zeros(shape, dtype=dtype, device=self.device)

        self.obs = {
            r.name: zeros(t, n, len(r.agents), r.obs_size, dtype=torch.uint8) for r in self.roles
        }
        self.actions = zeros(t, n, a, dtype=torch.int64)
        self.log_probs, self.rewards, self.terminal = zeros(t, n, a), zeros(t, n, a), zeros(t, n, a)
        self.values = zeros(t + 1, n, a)
        self.done, self.valid = zeros(t, n), zeros(t, n)

    def _store_observations(self, t: int) -> dict[str, torch.Tensor]:
        observations = self.env.observations
        for r in self.roles:
            for j, agent in enumerate(r.agents):
                flat = observations[agent].reshape(self.env.num_envs, -1)
                self.obs[r.name][t, :, j] = torch.from_numpy(flat)
        return {name: buffer[t] for name, buffer in self.obs.items()}

    def collect(self, after_step: Callable[[object], None]) -> None:
        """Play ``rollout_steps`` steps of every slot; ``after_step(env)`` after each."""
        env = self.env
        for t in range(self.settings.rollout_steps):
            valid = ~self.pending
            observations = self._store_observations(t)
            actions, self.log_probs[t], self.values[t] = self.policy.act(
                observations, self.generator
            )
            self.actions[t] = actions
            env.step(actions.cpu().numpy())
            after_step(env)
            reward = (env.reward_buffer * self.weights).sum(-1)
            done = (env.truncation_buffer | env.termination_buffer).all(1)
            self.rewards[t] = torch.from_numpy(self.scaler(reward, done, valid))
            self.terminal[t] = torch.from_numpy(env.termination_buffer)
            self.done[t] = torch.from_numpy(done)
            self.valid[t] = torch.from_numpy(valid)
            self.pending = done
        last = self.policy.observation_tensors(env.observations)
        self.values[-1] = self.policy.act(last, self.generator)[2]

    def _advantages(self) -> torch.Tensor:
        s = self.settings
        advantages = torch.zeros_like(self.rewards)
        running = torch.zeros_like(self.rewards[0])
        for t in reversed(range(s.rollout_steps)):
            bootstrap = s.gamma * self.values[t + 1] * (1.0 - self.terminal[t])
            delta = self.rewards[t] + bootstrap - self.values[t]
            running = delta + s.gamma * s.gae_lambda * (1.0 - self.done[t, :, None]) * running
            advantages[t] = running
        return advantages

    def update(self, learning_rate: float) -> dict[str, float]:
        """PPO epochs over the last rollout; returns mean losses and diagnostics."""
        s = self.settings
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        advantages = self._advantages().flatten(0, 1)
        returns = advantages + self.values[:-1].flatten(0, 1)
        obs = {name: buffer.flatten(0, 1) for name, buffer in self.obs.items()}
        actions, old_log_probs = self.actions.flatten(0, 1), self.log_probs.flatten(0, 1)
        valid = self.valid.flatten(0, 1)[:, None].expand_as(advantages)
        total = actions.shape[0]
        size = max(1, total // s.minibatches)
        sums = dict.fromkeys(
            ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction"), 0.0
        )
        updates = 0
        for _ in range(s.epochs):
            order = torch.randperm(total, generator=self.generator, device=self.device)
            for start in range(0, total, size):
                index = order[start : start + size]
                mask = valid[index]
                weight = mask.sum().clamp(min=1.0)

                def mean(x: torch.Tensor, mask=mask, weight=weight) -> torch.Tensor:
                    return (x * mask).sum() / weight

                log_probs, entropy, values = self.policy.evaluate(
                    {name: o[index] for name, o in obs.items()}, actions[index]
                )
                adv = advantages[index]
                per_agent = mask.sum(0).clamp(min=1.0)
                adv_mean = (adv * mask).sum(0) / per_agent
                adv_std = (((adv - adv_mean) ** 2 * mask).sum(0) / per_agent).sqrt()
                adv = (adv - adv_mean) / (adv_std + 1e-8)
                log_ratio = log_probs - old_log_probs[index]
                ratio = log_ratio.exp()
                clipped = ratio.clamp(1.0 - s.clip, 1.0 + s.clip)
                policy_loss = mean(-torch.min(ratio * adv, clipped * adv))
                value_loss = mean((values - returns[index]) ** 2)
                entropy_mean = mean(entropy)
                loss = policy_loss + s.value_coef * value_loss - s.entropy_coef * entropy_mean
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.policy.parameters(), s.max_grad_norm)
                self.optimizer.step()
                with torch.no_grad():
                    sums["policy_loss"] += float(policy_loss)
                    sums["value_loss"] += float(value_loss)
                    sums["entropy"] += float(entropy_mean)
                    sums["approx_kl"] += float(mean((ratio - 1.0) - log_ratio))
                    sums["clip_fraction"] += float(mean(((ratio - 1.0).abs() > s.clip).float()))
                updates += 1
        return {name: value / updates for name, value in sums.items()}
