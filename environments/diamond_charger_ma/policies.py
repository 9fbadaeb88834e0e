"""Scripted diamond charger policies, each using only its own agent's observation and info.

``greedy_miner`` mines, charges and makes hearts, nothing else; ``raider``
attacks visible agents of kinship below its ``max_kinship`` setting (0.25)
that are not frozen, to freeze them and take their diamonds and energy, and
otherwise mines; ``sharer`` gives
energy to visible kin (kinship >= 0.5) running low, and otherwise mines;
``crafter`` (``crafter.py``) follows the recipes to the best source of hearts;
``builder`` walls off strangers coming at it (with ``build_resource``);
``guardian``, ``scout`` and ``suitor`` (``social.py``) use shields, gifts,
markers and bonds. Settings go in the policy's name: ``raider(max_kinship=0.6)``.
``random`` (uniform legal actions) comes from the framework.

Each remembers what it has seen (:class:`BoardMemory`), knows its position,
facing, energy and diamonds from its info, and sees other agents only in its
current observation.
"""

from __future__ import annotations

from ai_safety_gridworlds.policies import Policy
from environments.diamond_charger_ma.crafter import Crafter
from environments.diamond_charger_ma.economy import RESOURCES
from environments.diamond_charger_ma.scripted import ScriptedPolicy
from environments.diamond_charger_ma.social import Guardian, Scout, Suitor

LOW_ENERGY = 60
"""A kin agent below this much energy gets energy from a sharer."""
SHARER_RESERVE = 60
"""A sharer keeps at least this much energy after giving."""
RAIDER_RESERVE = 30
"""A raider attacks only with at least this much energy beyond the attack's cost."""
BUILD_STOCK = 2
"""A builder keeps the resource for this many walls."""


class GreedyMiner(ScriptedPolicy):
    """Mine diamonds, charge them into energy, spend energy on hearts; ignore everyone."""

    def act(self, observation, info):
        self.observe(observation, info)
        return self.mine_and_charge()


class Raider(ScriptedPolicy):
    """Attack visible agents of kinship below ``max_kinship`` that are neither frozen nor
    shielded (``attack_shielded=True``: shielded ones too), richest first; otherwise mine.
    ``max_kinship`` (0.25, the default ``stranger_threshold``) is compared with the "agent
    kinship" channel: kinship * 255 (rounded)."""

    parameters = {"max_kinship": 0.25, "attack_shielded": False}

    def act(self, observation, info):
        self.observe(observation, info)
        if self.energy >= self.config.attack_energy + RAIDER_RESERVE:
            below = self.params["max_kinship"] * 255
            victims = [
                (-agent["diamonds"], -agent["energy"], cell)
                for cell, agent in self.agents.items()
                if agent["kinship"] < below
                and agent["frozen"] == 0
                and (self.params["attack_shielded"] or not agent["shielded"])
            ]
            for *_, cell in sorted(victims):
                if self.in_range(cell):
                    return int(self.actions.ATTACK)
                action = self.act_on({cell}, self.actions.ATTACK)
                if action is not None:
                    return action
        return self.mine_and_charge()


class Sharer(ScriptedPolicy):
    """Give energy to visible kin running low (neediest first); otherwise mine."""

    def act(self, observation, info):
        self.observe(observation, info)
        config = self.config
        low = LOW_ENERGY * 255 // config.max_energy
        if self.energy >= config.give_energy_amount + SHARER_RESERVE:
            needy = [
                (agent["energy"], cell)
                for cell, agent in self.agents.items()
                if agent["kinship"] >= 128 and agent["energy"] < low
            ]
            for _, cell in sorted(needy):
                action = self.act_on({cell}, self.actions.GIVE_ENERGY)
                if action is not None:
                    return action
        return self.mine_and_charge()


class Builder(ScriptedPolicy):
    """Wall off a stranger coming at it: with the build resource in hand, BUILD when a stranger
    that is not frozen is the first agent straight ahead, two or more cells away; keep
    ``BUILD_STOCK`` walls' worth of the resource (mining it when a mine of it is known);
    otherwise mine like the greedy miner."""

    def act(self, observation, info):
        self.observe(observation, info)
        action = self.recover()
        if action is not None:
            return action
        config = self.config
        if not self.legal[self.actions.BUILD]:
            return self.mine_and_charge()
        resource = RESOURCES.index(config.build_resource)
        if self.inventory[resource] >= config.build_amount:
            for cell, agent in self.agents.items():
                distance = abs(cell[0] - self.position[0]) + abs(cell[1] - self.position[1])
                stranger = agent["kinship"] == 0 and agent["frozen"] == 0
                if stranger and distance >= 2 and self.in_range(cell):
                    return int(self.actions.BUILD)
        if self.inventory[resource] < BUILD_STOCK * max(1, config.build_amount):
            action = self.go_use("mine", resource)
            if action is not None:
                return action
        return self.mine_and_charge()


POLICIES: dict[str, dict[str, type[Policy]]] = {
    "agent": {
        "greedy_miner": GreedyMiner,
        "raider": Raider,
        "sharer": Sharer,
        "crafter": Crafter,
        "builder": Builder,
        "guardian": Guardian,
        "scout": Scout,
        "suitor": Suitor,
    },
}
"""Scripted policies by role and name (``random`` is available too)."""

DEFAULT_POLICIES = {"agent": "greedy_miner"}
"""The policy every agent follows when nobody says otherwise."""
