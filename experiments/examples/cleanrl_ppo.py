"""A CleanRL-style single-file PPO on the agent batch view of a C batch environment.

    python -m experiments.examples.cleanrl_ppo --env firemaker_ex_ma --role worker

One network (a small CNN, actor and critic heads) is shared by every agent of ``--role``: the
batch's ``agent_batch(role)`` turns ``num_envs`` environments into ``num_envs x k`` single-agent
slots with array observations and scalar rewards, the other roles play ``--others`` (``random``,
or an action number). Gymnasium's vector wrappers do the bookkeeping: ``RecordEpisodeStatistics``
records the returns, ``NormalizeReward`` scales the rewards PPO learns from. The hidden safety
metrics of the finished episodes are printed beside the returns (the agents never see them).

Needs torch (not part of the test extra). On a machine without a GPU, the CPU build is smaller:
``pip install torch --index-url https://download.pytorch.org/whl/cpu``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import time
from collections.abc import Sequence

import numpy as np
from gymnasium.wrappers.vector import NormalizeReward, RecordEpisodeStatistics

try:
    import torch
    from torch import nn
except ImportError as error:  # pragma: no cover - depends on the machine
    raise SystemExit(
        f"this example needs torch ({error}); on a CPU-only machine: "
        "pip install torch --index-url https://download.pytorch.org/whl/cpu"
    ) from None


@dataclasses.dataclass
class Settings:
    """The PPO hyper-parameters (CleanRL's defaults for Atari, scaled down)."""

    num_envs: int = 32
    num_steps: int = 64
    total_steps: int = 300_000
    learning_rate: float = 2.5e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    num_minibatches: int = 4
    update_epochs: int = 4
    clip: float = 0.2
    entropy: float = 0.01
    value: float = 0.5
    max_grad_norm: float = 0.5


class Agent(nn.Module):
    """A small CNN over the one-hot layers (C, h, w), with a policy and a value head."""

    def __init__(self, observation_shape: Sequence[int], num_actions: int):
        super().__init__()
        channels, height, width = observation_shape
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * height * width, 256),
            nn.ReLU(),
        )
        self.policy = nn.Linear(256, num_actions)
        self.value = nn.Linear(256, 1)

    def forward(self, observations: torch.Tensor, actions: torch.Tensor | None = None):
        """(action index, its log-probability, the entropy, the value) for a batch."""
        hidden = self.body(observations.float())
        distribution = torch.distributions.Categorical(logits=self.policy(hidden))
        if actions is None:
            actions = distribution.sample()
        return actions, distribution.log_prob(actions), distribution.entropy(), self.value(hidden)


def make_env(args: argparse.Namespace):
    """The agent batch of ``--role`` (its raw episode returns recorded, then its rewards scaled
    by Gymnasium's NormalizeReward) and the batch under it."""
    module = importlib.import_module(f"environments.{args.env}")
    batch = module.vector_env(args.num_envs, preset=args.preset, max_cycles=args.max_cycles)
    others = int(args.others) if args.others.lstrip("-").isdigit() else args.others
    roles = [role for role in batch.roles if role != args.role]
    view = batch.agent_batch(role=args.role, policies=dict.fromkeys(roles, others))
    return NormalizeReward(RecordEpisodeStatistics(view), gamma=0.99), batch


def train(args: argparse.Namespace) -> dict[str, float]:
    """Train; prints one line per iteration and returns the summary figures."""
    settings = Settings(num_envs=args.num_envs, total_steps=args.total_steps)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    env, batch = make_env(args)
    space = env.single_action_space
    start = int(space.start)  # action numbers are start + the network's index
    agent = Agent(env.single_observation_space.shape, int(space.n))
    optimizer = torch.optim.Adam(agent.parameters(), lr=settings.learning_rate, eps=1e-5)
    slots, steps = env.num_envs, settings.num_steps
    shape = env.single_observation_space.shape
    observations = torch.zeros((steps, slots, *shape), dtype=torch.uint8)
    actions = torch.zeros((steps, slots), dtype=torch.long)
    log_probs, rewards, dones, values = (torch.zeros((steps, slots)) for _ in range(4))
    next_observation, _ = env.reset(seed=args.seed)
    next_observation = torch.as_tensor(next_observation.copy())
    next_done = torch.zeros(slots)
    iterations = max(1, settings.total_steps // (slots * steps))
    metric = args.safety_metric or batch.safety_names[0]
    returns: list[float] = []
    safety: list[float] = []
    started = time.perf_counter()
    for iteration in range(1, iterations + 1):
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate * (1.0 - (iteration - 1) / iterations)
        for step in range(steps):
            observations[step], dones[step] = next_observation, next_done
            with torch.no_grad():
                action, log_prob, _, value = agent(next_observation)
            actions[step], log_probs[step], values[step] = action, log_prob, value.flatten()
            observation, reward, terminated, truncated, infos = env.step(action.numpy() + start)
            rewards[step] = torch.as_tensor(reward)
            next_done = torch.as_tensor(np.logical_or(terminated, truncated), dtype=torch.float32)
            next_observation = torch.as_tensor(observation.copy())
            if "episode" in infos:
                finished = infos["_episode"]
                returns.extend(infos["episode"]["r"][finished].tolist())
                safety.extend(infos["safety"][metric][finished].tolist())
        with torch.no_grad():
            next_value = agent(next_observation)[3].flatten()
            advantages = torch.zeros_like(rewards)
            last = torch.zeros(slots)
            for t in reversed(range(steps)):
                following = next_value if t == steps - 1 else values[t + 1]
                not_done = 1.0 - (next_done if t == steps - 1 else dones[t + 1])
                delta = rewards[t] + settings.gamma * following * not_done - values[t]
                last = delta + settings.gamma * settings.gae_lambda * not_done * last
                advantages[t] = last
            targets = advantages + values
        flat = {
            "observations": observations.reshape(-1, *shape),
            "actions": actions.reshape(-1),
            "log_probs": log_probs.reshape(-1),
            "advantages": advantages.reshape(-1),
            "targets": targets.reshape(-1),
        }
        size = steps * slots
        minibatch = size // settings.num_minibatches
        for _ in range(settings.update_epochs):
            order = torch.randperm(size)
            for begin in range(0, size, minibatch):
                index = order[begin : begin + minibatch]
                _, log_prob, entropy, value = agent(
                    flat["observations"][index], flat["actions"][index]
                )
                ratio = (log_prob - flat["log_probs"][index]).exp()
                advantage = flat["advantages"][index]
                advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
                clipped = ratio.clamp(1 - settings.clip, 1 + settings.clip)
                policy_loss = torch.max(-advantage * ratio, -advantage * clipped).mean()
                value_loss = 0.5 * ((value.flatten() - flat["targets"][index]) ** 2).mean()
                loss = policy_loss - settings.entropy * entropy.mean() + settings.value * value_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), settings.max_grad_norm)
                optimizer.step()
        recent = returns[-slots:]
        elapsed = time.perf_counter() - started
        print(
            f"iteration {iteration}/{iterations}: {iteration * size} agent-steps, "
            f"{iteration * size / elapsed:,.0f} agent-steps/s, episodes {len(returns)}, "
            f"mean return of the last {len(recent)} {np.mean(recent) if recent else float('nan'):.1f}",
            flush=True,
        )
    env.close()
    # every slot's episode ends at the same tick, so the first and last `slots` episodes are
    # the first and last rounds of episodes
    summary = {
        "agent_steps": iterations * size,
        "seconds": time.perf_counter() - started,
        "episodes": len(returns),
        "first_mean_return": float(np.mean(returns[:slots])) if returns else float("nan"),
        "last_mean_return": float(np.mean(returns[-slots:])) if returns else float("nan"),
        f"first_mean_{metric}": float(np.mean(safety[:slots])) if safety else float("nan"),
        f"last_mean_{metric}": float(np.mean(safety[-slots:])) if safety else float("nan"),
    }
    print("summary: " + ", ".join(f"{k} {v:,.2f}" for k, v in summary.items()))
    return summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments.examples.cleanrl_ppo")
    parser.add_argument("--env", default="firemaker_ex_ma", help="Environment name.")
    parser.add_argument("--preset", default=None, help="A preset of the environment.")
    parser.add_argument("--role", default="worker", help="The role that learns.")
    parser.add_argument("--others", default="random", help="The other roles: random or an action.")
    parser.add_argument("--num-envs", type=int, default=32, help="Environments (x agents = slots).")
    parser.add_argument("--total-steps", type=int, default=300_000, help="Agent-steps to train.")
    parser.add_argument("--max-cycles", type=int, default=200, help="Ticks per episode.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--safety-metric",
        default=None,
        help="The hidden safety metric reported beside the returns (default: the first).",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    return train(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()
