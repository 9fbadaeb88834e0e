"""Scripted diamond charger policies, each using only its own agent's observation and info.

``greedy_miner`` mines, charges and makes hearts, nothing else; ``raider``
attacks visible strangers (kinship 0) that are not frozen, to freeze them
and take their diamonds and energy, and otherwise mines; ``sharer`` gives
energy to visible kin (kinship >= 0.5) running low, and otherwise mines.
``random`` (uniform legal actions) comes from the framework.

Each remembers what it has seen (:class:`BoardMemory`), knows its position,
facing, energy and diamonds from its info, and sees other agents only in its
current observation.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.policies import BoardMemory, Policy, board_frame, first_step
from environments.diamond_charger_ma.actions import Action

OBJECTS = ("mine", "charger", "altar")
LOW_ENERGY = 60
"""A kin agent below this much energy gets energy from a sharer."""
SHARER_RESERVE = 60
"""A sharer keeps at least this much energy after giving."""
RAIDER_RESERVE = 30
"""A raider attacks only with at least this much energy beyond the attack's cost."""
HEART_RESERVE = 20
"""Energy kept after making a heart, for the walk back to a mine."""
EXHAUSTED = 5
"""Below this much energy an agent rests (when resting regains energy) until ``rest_limit``."""


def first_step_to_mask(
    passable: np.ndarray, start: tuple[int, int], goal: np.ndarray
) -> int | None:
    """Like :func:`first_step`, with the goals a boolean mask (cheap for many goals)."""
    rows, cols = passable.shape
    first = {start: -1}
    queue = collections.deque([start])
    while queue:
        cell = queue.popleft()
        for direction, (d_row, d_col) in enumerate(act.DIRECTION_OFFSETS):
            nxt = (cell[0] + d_row, cell[1] + d_col)
            if nxt in first or not (0 <= nxt[0] < rows and 0 <= nxt[1] < cols):
                continue
            if not passable[nxt]:
                continue
            first[nxt] = direction if first[cell] < 0 else first[cell]
            if goal[nxt]:
                return first[nxt]
            queue.append(nxt)
    return None


class ScriptedPolicy(Policy):
    """Shared machinery: memory, visible agents, walking to objects and facing them."""

    def reset(self, seed: int) -> None:
        self.actions = Action
        self.memory = BoardMemory(self.context)
        config = self.context.config
        self.config = config
        self.resting = False

    def observe(self, observation: np.ndarray, info: Mapping[str, Any]) -> None:
        """Remember the observation; note the visible agents and the agent's own state."""
        self.memory.update(observation, info)
        self.info = info
        self.position = tuple(info["position"])
        self.facing = info["action_facing"]
        self.energy = info["energy"]
        self.diamonds = info["diamonds"]
        self.max_energy = info["max_energy"]
        self.carry = info["carry"]
        self.upkeep = info["upkeep"]
        frame = board_frame(observation, info.get("observation_facing", 0), self.context.view)
        self_row, self_col = (int(v) for v in np.argwhere(frame[0])[0])
        top, left = self.position[0] - self_row, self.position[1] - self_col
        channel = self.context.channel
        self.agents: dict[tuple[int, int], dict[str, int]] = {}
        for row, col in np.argwhere(frame[channel("agent")] == 1):
            cell = (int(row) + top, int(col) + left)
            self.agents[cell] = {
                name: int(frame[channel(f"agent {name}"), row, col])
                for name in ("kinship", "frozen", "shielded", "energy", "diamonds")
            }

    # ------------------------------------------------------------------
    # Moving and facing

    def passable(self) -> np.ndarray:
        passable = self.memory.passable(("wall", *OBJECTS))
        for cell in self.agents:
            passable[cell] = False
        return passable

    def turn_or_step(self, direction: int) -> int:
        """The action that moves one cell in an absolute direction (turning first if needed)."""
        relative = (direction - self.facing) % 4
        return int(
            (
                self.actions.MOVE_FORWARD,
                self.actions.ROTATE_RIGHT,
                self.actions.MOVE_BACK,
                self.actions.ROTATE_LEFT,
            )[relative]
        )

    def act_on(self, targets: set[tuple[int, int]], action: int) -> int | None:
        """Walk next to the nearest target, face it and do ``action``; None if unreachable."""
        row, col = self.position
        for direction, (d_row, d_col) in enumerate(act.DIRECTION_OFFSETS):
            if (row + d_row, col + d_col) in targets:
                if direction == self.facing:
                    return int(action)
                if (direction - self.facing) % 4 == 1:
                    return int(self.actions.ROTATE_RIGHT)
                return int(self.actions.ROTATE_LEFT)
        passable = self.passable()
        rows, cols = passable.shape
        goals = set()
        for t_row, t_col in targets:
            for d_row, d_col in act.DIRECTION_OFFSETS:
                cell = (t_row + d_row, t_col + d_col)
                if 0 <= cell[0] < rows and 0 <= cell[1] < cols and passable[cell]:
                    goals.add(cell)
        direction = first_step(passable, self.position, goals)
        return None if direction is None else self.turn_or_step(direction)

    def explore(self) -> int:
        """Walk towards the nearest cell never seen; turn when there is none."""
        direction = first_step_to_mask(self.passable(), self.position, self.memory.seen_tick < 0)
        if direction is None:
            return int(self.actions.ROTATE_RIGHT)
        return self.turn_or_step(direction)

    def known(self, name: str, ready: bool = False) -> set[tuple[int, int]]:
        """Remembered objects of a kind; with ``ready``, those last seen ready (and stocked)."""
        cells = set(self.memory.cells(name))
        if not ready:
            return cells
        channel = self.context.channel
        ok = self.memory.seen[channel(f"{name} ready")] == 1
        if name == "mine":
            ok &= self.memory.seen[channel("mine stock")] > 0
        return {cell for cell in cells if ok[cell]}

    def go_use(self, name: str) -> int | None:
        """Walk to an object of a kind (preferring ready ones) and use it."""
        for targets in (self.known(name, ready=True), self.known(name)):
            if targets:
                action = self.act_on(targets, self.actions.USE)
                if action is not None:
                    return action
        return None

    # ------------------------------------------------------------------
    # The economy

    def rests(self) -> bool:
        """Whether to rest (NOOP): from below ``EXHAUSTED`` energy until resting tops out
        (``rest_limit`` less the upkeep), when resting regains more than the upkeep."""
        config = self.config
        if config.rest_energy <= self.upkeep or config.noop_energy > 0:
            return False
        if self.energy >= min(config.rest_limit, self.max_energy) - self.upkeep:
            self.resting = False
        elif self.energy < EXHAUSTED:
            self.resting = True
        return self.resting

    def mine_and_charge(self) -> int:
        """Rest when exhausted; hearts when there is energy to spare, energy when there are
        diamonds, else diamonds."""
        config = self.config
        if self.rests():
            return int(self.actions.NOOP)
        plans = []
        if self.energy >= config.altar_energy + HEART_RESERVE:
            plans.append("altar")
        if self.diamonds and self.energy + config.charger_energy <= self.max_energy:
            plans.append("charger")
        if self.diamonds < self.carry:
            plans.append("mine")
        for name in plans:
            action = self.go_use(name)
            if action is not None:
                return action
        return self.explore()


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
    "agent": {"greedy_miner": GreedyMiner, "raider": Raider, "sharer": Sharer},
}
"""Scripted policies by role and name (``random`` is available too)."""

DEFAULT_POLICIES = {"agent": "greedy_miner"}
"""The policy every agent follows when nobody says otherwise."""
