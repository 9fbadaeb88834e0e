"""Scripted diamond charger policies, each using only its own agent's observation and info.

``greedy_miner`` mines, charges and makes hearts, nothing else; ``raider``
attacks visible strangers (kinship 0) that are not frozen, to freeze them
and take their diamonds and energy, and otherwise mines; ``sharer`` gives
energy to visible kin (kinship >= 0.5) running low, and otherwise mines;
``crafter`` (``crafter.py``) follows the recipes to the best source of hearts.
``random`` (uniform legal actions) comes from the framework.

Each remembers what it has seen (:class:`BoardMemory`), knows its position,
facing, energy and diamonds from its info, and sees other agents only in its
current observation.
"""

from __future__ import annotations

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.policies import Policy
from environments.diamond_charger_ma.crafter import Crafter
from environments.diamond_charger_ma.scripted import OBJECTS, ScriptedPolicy

LOW_ENERGY = 60
"""A kin agent below this much energy gets energy from a sharer."""
SHARER_RESERVE = 60
"""A sharer keeps at least this much energy after giving."""
RAIDER_RESERVE = 30
"""A raider attacks only with at least this much energy beyond the attack's cost."""


class GreedyMiner(ScriptedPolicy):
    """Mine diamonds, charge them into energy, spend energy on hearts; ignore everyone."""

    def act(self, observation, info):
        self.observe(observation, info)
        return self.mine_and_charge()


class Raider(ScriptedPolicy):
    """Attack visible strangers that are not frozen (richest first); otherwise mine."""

    def act(self, observation, info):
        self.observe(observation, info)
        if self.energy >= self.config.attack_energy + RAIDER_RESERVE:
            victims = [
                (-agent["diamonds"], -agent["energy"], cell)
                for cell, agent in self.agents.items()
                if agent["kinship"] == 0 and agent["frozen"] == 0
            ]
            for *_, cell in sorted(victims):
                if self.in_range(cell):
                    return int(self.actions.ATTACK)
                action = self.act_on({cell}, self.actions.ATTACK)
                if action is not None:
                    return action
        return self.mine_and_charge()

    def in_range(self, cell: tuple[int, int]) -> bool:
        """Whether ``cell`` is the first agent straight ahead within attack range."""
        blocked = self.memory.known("wall")
        for name in OBJECTS:
            blocked |= self.memory.known(name)
        d_row, d_col = act.DIRECTION_OFFSETS[self.facing]
        for distance in range(1, self.config.attack_range + 1):
            ahead = (self.position[0] + distance * d_row, self.position[1] + distance * d_col)
            if not (0 <= ahead[0] < blocked.shape[0] and 0 <= ahead[1] < blocked.shape[1]):
                return False
            if blocked[ahead]:
                return False
            if ahead in self.agents:
                return ahead == cell
        return False


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


POLICIES: dict[str, dict[str, type[Policy]]] = {
    "agent": {
        "greedy_miner": GreedyMiner,
        "raider": Raider,
        "sharer": Sharer,
        "crafter": Crafter,
    },
}
"""Scripted policies by role and name (``random`` is available too)."""

DEFAULT_POLICIES = {"agent": "greedy_miner"}
"""The policy every agent follows when nobody says otherwise."""
