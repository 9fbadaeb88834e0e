"""The evals' scripted reference solvers: oracles within the agent's own view.

Each sees only its own observation and its own info (position, facing, energy, diamonds,
hearts), remembers what it has seen (``BoardMemory``, kept for the whole episode, so across
trials), plans by breadth-first search over the remembered map and explores the nearest
unseen cells when its target is not known yet. They build on the diamond charger's
``ScriptedPolicy`` (``environments.diamond_charger_ma.policies``).

- :class:`Seeker`: find an altar and use it (navigation, mazes, the maze's trials);
- :class:`TrialAndError`: try the objects of a kind until one works, then use only that one
  (which altar, which charger works); the energy and diamond loop of the economy around it;
- :class:`EnergyPooler`: by convention agent 0 makes the heart and every other agent gives it
  its energy (energy pooled from several agents);
- :class:`JointUser`: stand at an altar, face it and use it every tick (altars that need
  several agents at once);
- :class:`Competitor`: mine, charge and make hearts; once attacked, attack strangers straight
  ahead worth robbing and raise the shield while one faces it within reach (tit for tat).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.policies import board_frame
from environments.diamond_charger_ma.actions import Action
from environments.diamond_charger_ma.policies import ScriptedPolicy


class Seeker(ScriptedPolicy):
    """Walk to the nearest known altar and use it; explore the nearest unseen cells until one
    is seen."""

    def act(self, observation, info):
        self.observe(observation, info)
        action = self.go_use("altar")
        return self.explore() if action is None else action


class TrialAndError(ScriptedPolicy):
    """Find which object of a kind works by trying them (nearest first), then use only it.

    ``kind`` is ``"altar"`` or ``"charger"``. A use counts as a try when the object was in
    front, ready, and the agent could pay (for an altar: ``altar_energy``; for a charger: a
    diamond); it worked if the agent's hearts (altar) went up or its diamonds (charger) went
    down by the next tick. The rest of the loop: mine a diamond when it has none, charge it,
    make the heart.
    """

    kind = "altar"

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self.worked: tuple[int, int] | None = None
        self.failed: set[tuple[int, int]] = set()
        self.pending: tuple[tuple[int, int], int, int] | None = None

    def act(self, observation, info):
        self.observe(observation, info)
        self._learn(info)
        config = self.config
        if self.kind == "altar" or self.energy >= config.altar_energy:
            action = self._try("altar") if self.kind == "altar" else self.go_use("altar")
        elif self.diamonds:
            action = self._try("charger")
        else:
            action = self.go_use("mine")
        if action is None:
            return self.explore()
        if action == Action.USE:
            self._note_try(info)
        return action

    def _front(self) -> tuple[int, int]:
        d_row, d_col = act.DIRECTION_OFFSETS[self.facing]
        return self.position[0] + d_row, self.position[1] + d_col

    def _note_try(self, info) -> None:
        front = self._front()
        if front in self.known(self.kind, ready=True):
            self.pending = (front, int(info["hearts"]), int(info["diamonds"]))

    def _learn(self, info) -> None:
        if self.pending is None:
            return
        cell, hearts, diamonds = self.pending
        self.pending = None
        progress = info["hearts"] > hearts, info["diamonds"] < diamonds
        if progress[0] if self.kind == "altar" else progress[1]:
            self.worked = cell
        else:
            self.failed.add(cell)

    def _try(self, kind: str) -> int | None:
        if kind != self.kind:
            return self.go_use(kind)
        if self.worked is not None:
            return self.act_on({self.worked}, self.actions.USE)
        untried = self.known(kind) - self.failed
        for targets in (untried & self.known(kind, ready=True), untried):
            if targets:
                action = self.act_on(targets, self.actions.USE)
                if action is not None:
                    return action
        return None


class ChargerTrials(TrialAndError):
    """:class:`TrialAndError` over the chargers."""

    kind = "charger"


class EnergyPooler(ScriptedPolicy):
    """Agent 0 (by the convention of agent order) waits facing an altar and uses it once it
    holds the price; every other agent walks to the nearest agent it sees and gives it all its
    energy, ten at a time."""

    def act(self, observation, info):
        self.observe(observation, info)
        if self.context.agent_index == 0:
            action = self.go_use("altar")
            return self.explore() if action is None else action
        if self.energy >= self.config.give_energy_amount and self.agents:
            action = self.act_on(set(self.agents), self.actions.GIVE_ENERGY)
            if action is not None:
                return action
        if self.energy < self.config.give_energy_amount:
            return int(self.actions.NOOP)
        return self.explore()


class JointUser(ScriptedPolicy):
    """Stand next to the nearest altar, face it and use it every tick: when enough agents do
    the same, the altar pays all of them."""

    def act(self, observation, info):
        self.observe(observation, info)
        altars = self.known("altar")
        if not altars or self.energy < self.config.altar_energy:
            return self.explore() if not altars else int(self.actions.NOOP)
        action = self.act_on(altars, self.actions.USE)
        return self.explore() if action is None else action


class Competitor(ScriptedPolicy):
    """Mine, charge and make hearts, and answer aggression (tit for tat): once this agent has
    been attacked (frozen) in the episode, it attacks a stranger first in line within reach
    that carries diamonds or energy worth taking, and raises its shield while a stranger faces
    it within reach. Against peaceful rivals it never fights."""

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self.attacked = False

    def observe(self, observation, info) -> None:
        super().observe(observation, info)
        self.attacked = self.attacked or info["frozen"] > 0
        facing = info.get("observation_facing", 0)
        frame = board_frame(observation, facing, self.context.view)
        self_row, self_col = (int(v) for v in np.argwhere(frame[0])[0])
        top, left = self.position[0] - self_row, self.position[1] - self_col
        channel = self.context.channel("agent facing")
        for (row, col), agent in self.agents.items():
            relative = int(frame[channel, row - top, col - left])
            agent["facing"] = (relative - 1 + facing) % 4 if relative else -1

    def act(self, observation, info):
        self.observe(observation, info)
        config = self.config
        strangers = {
            cell: agent
            for cell, agent in self.agents.items()
            if agent["kinship"] == 0 and agent["frozen"] == 0
        }
        target = self._first_in_line()
        if (
            self.attacked
            and target in strangers
            and self.energy >= config.attack_energy + config.shield_absorb
            and self._worth_taking(strangers[target])
        ):
            return int(self.actions.ATTACK)
        threatened = self.attacked and any(
            self._threatens(cell, agent) for cell, agent in strangers.items()
        )
        affordable = not threatened or self.energy > config.shield_absorb
        if threatened != bool(self.info.get("shield")) and affordable:
            return int(self.actions.TOGGLE_SHIELD)
        return self.mine_and_charge()

    def _worth_taking(self, agent: dict[str, int]) -> bool:
        energy = agent["energy"] * self.config.max_energy // 255
        return agent["diamonds"] > 0 or energy * self.config.steal_energy_percent // 100 > (
            self.config.attack_energy
        )

    def _threatens(self, cell: tuple[int, int], agent: dict[str, int]) -> bool:
        """Whether the agent at ``cell`` faces this one in line within attack range."""
        if agent["facing"] < 0:
            return False
        d_row, d_col = act.DIRECTION_OFFSETS[agent["facing"]]
        for distance in range(1, self.config.attack_range + 1):
            if (cell[0] + distance * d_row, cell[1] + distance * d_col) == self.position:
                return True
        return False

    def _first_in_line(self) -> Any:
        """The cell of the first agent straight ahead within attack range, or None."""
        blocked = self.memory.known("wall")
        for name in ("mine", "charger", "altar"):
            blocked |= self.memory.known(name)
        d_row, d_col = act.DIRECTION_OFFSETS[self.facing]
        for distance in range(1, self.config.attack_range + 1):
            cell = (self.position[0] + distance * d_row, self.position[1] + distance * d_col)
            if not (0 <= cell[0] < blocked.shape[0] and 0 <= cell[1] < blocked.shape[1]):
                return None
            if blocked[cell]:
                return None
            if cell in self.agents:
                return cell
        return None
