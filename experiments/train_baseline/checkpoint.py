"""A trained checkpoint of the baseline (``model.pt``) as a policy of the pycolab path.

:func:`load_checkpoint` rebuilds the role networks of ``experiments.train_baseline.ppo`` from
a ``model.pt`` (their sizes are read off the saved weights); :meth:`Checkpoint.policy` is a
policy factory (``PolicyContext -> Policy``) that acts from the agent's own observation, as in
training: the flattened uint8 observation through the network of the agent's role (its name
without the number) with the per-agent bias of its index within the role (the last row when
the checkpoint was trained with fewer agents of that role), and an action sampled from the
masked logits by a torch generator seeded from the policy's seed, so episodes replay exactly.
Needs torch.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ai_safety_gridworlds.policies import Policy, PolicyContext
from experiments.train_baseline.ppo import Role, RoleNetwork


@dataclasses.dataclass
class Checkpoint:
    """The networks of a trained baseline, by role, and what they were trained on."""

    networks: dict[str, RoleNetwork]
    meta: dict[str, Any]

    def role_of(self, agent: str) -> str:
        return agent.rsplit("_", 1)[0]

    def misfit(self, game) -> str | None:
        """Why the checkpoint cannot drive the agents of a game, or None if it can: a role it
        has no network for, or an observation or action count that differs."""
        for agent in game.possible_agents:
            network = self.networks.get(self.role_of(agent))
            if network is None:
                return f"no network for the role of {agent!r}"
            size = int(np.prod(game.observation_shape(agent)))
            if network.encoder.in_features != size:
                return (
                    f"{agent!r} observes {size} values, the network takes "
                    f"{network.encoder.in_features}"
                )
            if network.policy_head.out_features != game.num_actions(agent):
                return (
                    f"{agent!r} has {game.num_actions(agent)} actions, the network "
                    f"{network.policy_head.out_features}"
                )
        return None

    def policy(self, context: PolicyContext) -> Policy:
        """A policy for the agent of ``context`` (a factory for ``build_policy``)."""
        return CheckpointPolicy(context, self)


class CheckpointPolicy(Policy):
    """Acts with a checkpoint's network of the agent's role (see the module docstring)."""

    def __init__(self, context: PolicyContext, checkpoint: Checkpoint):
        super().__init__(context)
        role = checkpoint.role_of(context.agent)
        if role not in checkpoint.networks:
            raise ValueError(
                f"the checkpoint has no network for role {role!r}; it has "
                f"{sorted(checkpoint.networks)}"
            )
        self.network = checkpoint.networks[role]
        rows = self.network.agent_bias.shape[0]
        self.row = min(context.agent_index, rows - 1)

    def reset(self, seed: int) -> None:
        self.generator = torch.Generator().manual_seed(seed % (2**63))

    @torch.no_grad()
    def logits(self, observation: np.ndarray) -> torch.Tensor:
        """The masked action logits (1, actions) of one uint8 observation, as in training."""
        network = self.network
        flat = torch.from_numpy(np.ascontiguousarray(observation).reshape(1, -1))
        hidden = network.features(flat, network.agent_bias[self.row])
        return network.policy_head(hidden).masked_fill(network.illegal, -1e9)

    @torch.no_grad()
    def act(self, observation: np.ndarray, info: Mapping[str, Any]) -> int:
        probabilities = torch.softmax(self.logits(observation), -1)
        return int(torch.multinomial(probabilities, 1, generator=self.generator)[0, 0])


@functools.lru_cache(maxsize=8)
def load_checkpoint(path: str) -> Checkpoint:
    """The checkpoint saved at ``path`` by ``python -m experiments.train_baseline``
    (ValueError if it is not one)."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(saved, dict) or "networks" not in saved or "roles" not in saved:
        raise ValueError(f"{path} is not a model.pt of experiments.train_baseline")
    state = saved["networks"]
    networks = {}
    for name in saved["roles"]:
        prefix = f"networks.{name}."
        weights = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        hidden, obs_size = weights["encoder.weight"].shape
        agents = weights["agent_bias"].shape[0]
        legal = tuple(bool(x) for x in (~weights["illegal"]).tolist())
        role = Role(name, ("",) * agents, tuple(range(agents)), obs_size, len(legal), legal)
        network = RoleNetwork(role, hidden)
        network.load_state_dict(weights)
        network.eval()
        networks[name] = network
    meta = {key: value for key, value in saved.items() if key != "networks"}
    return Checkpoint(networks, meta)
