"""The machinery of the scripted diamond charger policies: memory, moving, facing, the economy.

:class:`ScriptedPolicy` remembers what its agent has seen (:class:`BoardMemory`), knows its
position, facing, energy, inventory and posture numbers from its info, and sees other agents
only in its current observation. The policies themselves are in ``policies`` and ``crafter``.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.policies import BoardMemory, Policy, board_frame, first_step
from environments.diamond_charger_ma.actions import COST_KIND, NUM_ACTIONS, Action
from environments.diamond_charger_ma.bodies import profile_table

OBJECTS = ("mine", "charger", "altar", "converter", "built wall")
"""Observation channels of the objects that block movement and attacks."""
AGENT_FEATURES = (
    "kinship",
    "frozen",
    "shielded",
    "energy",
    "diamonds",
    "bonded",
    "partner",
    "courting",
)
"""What a scripted policy notes of each visible agent: its "agent <feature>" channels."""
HEART_RESERVE = 20
"""Energy kept after making a heart, for the walk back to a mine."""
STARVING_RESERVE = 80
"""The same when agents can starve (``starvation_ticks``) and resting cannot save them."""
BIRTH_RESERVE = 60
"""Energy a parent keeps after paying for a child."""
EXHAUSTED = 5
"""Below this much energy an agent rests (when resting regains energy) until ``rest_limit``."""
IDLE_ACTIONS = (Action.NOOP, Action.ROTATE_RIGHT, Action.ROTATE_LEFT, Action.CHANGE_COLOUR)
"""The actions a policy rests or waits with, in order of preference, when they are legal and
free in its posture: NOOP, or with NOOP masked (``noops=False``) a free turn or colour change
(the rules count any action that spends no energy as rest)."""


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
        self.profiles = {profile.name: profile for profile in profile_table(config)}

    def observe(self, observation: np.ndarray, info: Mapping[str, Any]) -> None:
        """Remember the observation; note the visible agents (``agents``: cell -> kinship,
        frozen, shielded, energy, diamonds, bonded, partner, courting as their channels show them,
        and facing, absolute) and the agent's own state."""
        self.memory.update(observation, info)
        self.info = info
        self.position = tuple(info["position"])
        self.facing = info["action_facing"]
        self.energy = info["energy"]
        self.diamonds = info["diamonds"]
        self.inventory = list(info["inventory"].values())
        self.max_energy = info["max_energy"]
        self.carry = info["carry"]
        self.upkeep = info["upkeep"]
        self.body = info["body"].split("/")
        self.posture = info["posture"]
        mask = info["action_mask"]
        self.legal = [bool(mask[a]) if a < len(mask) else False for a in range(NUM_ACTIONS)]
        frame = board_frame(observation, info.get("observation_facing", 0), self.context.view)
        self_row, self_col = (int(v) for v in np.argwhere(frame[0])[0])
        top, left = self.position[0] - self_row, self.position[1] - self_col
        channel = self.context.channel
        self.agents: dict[tuple[int, int], dict[str, int]] = {}
        view_facing = info.get("observation_facing", 0)
        for row, col in np.argwhere(frame[channel("agent")] == 1):
            cell = (int(row) + top, int(col) + left)
            agent = {
                name: int(frame[channel(f"agent {name}"), row, col]) for name in AGENT_FEATURES
            }
            agent["facing"] = (int(frame[channel("agent facing"), row, col]) - 1 + view_facing) % 4
            self.agents[cell] = agent

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

    def face_and(self, direction: int, action: int) -> int:
        """``action`` if facing ``direction``, else the turn towards it."""
        if direction == self.facing:
            return int(action)
        if (direction - self.facing) % 4 == 1:
            return int(self.actions.ROTATE_RIGHT)
        return int(self.actions.ROTATE_LEFT)

    def act_on(self, targets: set[tuple[int, int]], action: int) -> int | None:
        """Walk next to the nearest target, face it and do ``action``; None if unreachable.

        When only destructible cells (hit points seen) stand in the way, it attacks its way
        through them.
        """
        row, col = self.position
        for direction, (d_row, d_col) in enumerate(act.DIRECTION_OFFSETS):
            if (row + d_row, col + d_col) in targets:
                return self.face_and(direction, action)
        passable = self.passable()
        breakable = self.memory.seen[self.context.channel("hit points")] > 0
        rows, cols = passable.shape
        goals, goals_through = set(), set()
        for t_row, t_col in targets:
            for d_row, d_col in act.DIRECTION_OFFSETS:
                cell = (t_row + d_row, t_col + d_col)
                if 0 <= cell[0] < rows and 0 <= cell[1] < cols:
                    if passable[cell]:
                        goals.add(cell)
                    if passable[cell] or breakable[cell]:
                        goals_through.add(cell)
        direction = first_step(passable, self.position, goals)
        if direction is not None:
            return self.turn_or_step(direction)
        if not breakable.any():
            return None
        direction = first_step(passable | breakable, self.position, goals_through)
        if direction is None:
            return None
        d_row, d_col = act.DIRECTION_OFFSETS[direction]
        if breakable[row + d_row, col + d_col]:
            return self.face_and(direction, self.actions.ATTACK)
        return self.turn_or_step(direction)

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

    def explore(self) -> int:
        """Walk towards the nearest cell never seen; turn when there is none."""
        direction = first_step_to_mask(self.passable(), self.position, self.memory.seen_tick < 0)
        if direction is None:
            return int(self.actions.ROTATE_RIGHT)
        return self.turn_or_step(direction)

    def known(
        self, name: str, ready: bool = False, kind: int | None = None
    ) -> set[tuple[int, int]]:
        """Remembered objects of a kind: ``mine`` (of resource ``kind``, diamonds by default),
        ``charger``, ``altar`` or ``converter`` (of recipe ``kind``, any by default); with
        ``ready``, those last seen ready (and stocked)."""
        seen, channel = self.memory.seen, self.context.channel
        mask = seen[channel(name)] == 1
        if name == "mine":
            mask &= seen[channel("mine resource")] == (kind or 0) + 1
        elif name == "converter" and kind is not None:
            mask &= seen[channel("converter recipe")] == kind - 1
        if ready:
            mask &= seen[channel(f"{name} ready")] == 1
            if name == "mine":
                mask &= seen[channel("mine stock")] > 0
        return {(int(r), int(c)) for r, c in np.argwhere(mask)}

    def go_use(self, name: str, kind: int | None = None) -> int | None:
        """Walk to an object of a kind (preferring ready ones) and use it (see :meth:`known`);
        next to one that is not ready, wait (:meth:`idle`: resting costs nothing), or USE it
        anyway when no free action is legal."""
        ready = self.known(name, True, kind)
        for targets in (ready, self.known(name, False, kind)):
            if targets:
                action = self.act_on(targets, self.actions.USE)
                if action == self.actions.USE and self.front() not in ready:
                    idle = self.idle()
                    return action if idle is None else idle
                if action is not None:
                    return action
        return None

    def front(self) -> tuple[int, int]:
        """The cell in front of the agent."""
        d_row, d_col = act.DIRECTION_OFFSETS[self.facing]
        return self.position[0] + d_row, self.position[1] + d_col

    def go_convert(self, recipe: int) -> int | None:
        """Walk to a converter of a recipe (0 charger, 1 altar, 2... the config's) and use it."""
        if recipe < 2:
            return self.go_use(("charger", "altar")[recipe])
        return self.go_use("converter", recipe)

    # ------------------------------------------------------------------
    # The economy

    def idle(self) -> int | None:
        """The first of ``IDLE_ACTIONS`` that is legal (``action_mask``) and costs nothing in
        the agent's posture, or None: the action it rests and waits with, never an illegal
        one (NOOP is masked with ``noops=False``)."""
        profile = self.profiles[self.posture]
        for action in IDLE_ACTIONS:
            if self.legal[action] and profile.cost(COST_KIND[action]) == 0:
                return int(action)
        return None

    def rests(self) -> bool:
        """Whether to rest (:meth:`idle`): from below ``EXHAUSTED`` energy until resting tops
        out (``rest_limit`` less the upkeep), when resting regains more than the upkeep and a
        free legal action exists."""
        config = self.config
        if config.rest_energy <= self.upkeep or self.idle() is None:
            return False
        if self.energy >= min(config.rest_limit, self.max_energy) - self.upkeep:
            self.resting = False
        elif self.energy < EXHAUSTED:
            self.resting = True
        return self.resting

    def recover(self) -> int | None:
        """When exhausted: rest (:meth:`idle`), or first switch to a posture of its body that
        can rest (one whose upkeep is below ``rest_energy``); None when it need not."""
        if self.rests():
            return self.idle()
        config = self.config
        if config.rest_energy > self.upkeep or not self.legal[self.actions.SWITCH_POSTURE]:
            return None
        profiles = self.profiles
        restful = [name for name in self.body if profiles[name].upkeep < config.rest_energy]
        cost = profiles[self.posture].cost("posture")
        if restful and self.energy < EXHAUSTED + cost and self.energy >= cost:
            return int(self.actions.SWITCH_POSTURE)
        return None

    def heart_reserve(self) -> int:
        """Energy to keep after paying for hearts: ``HEART_RESERVE``, or ``STARVING_RESERVE``
        when it could starve (resting does not lift it from 0 energy)."""
        config = self.config
        if config.starvation_ticks and config.rest_energy <= self.upkeep:
            return STARVING_RESERVE
        return HEART_RESERVE

    def reproduces(self) -> bool:
        """Whether to REPRODUCE now: it can (reproduction on, cooldown over, with mate selection
        a partner) and keeps ``BIRTH_RESERVE`` energy after paying."""
        if not self.legal[self.actions.REPRODUCE]:
            return False
        if self.config.mate_selection and self.info.get("partner") is None:
            return False
        cost = self.profiles[self.posture].cost("reproduce")
        ready = self.info["tick"] >= self.info["reproduce_ready_at"]
        return ready and self.energy >= cost + BIRTH_RESERVE

    def mine_and_charge(self) -> int:
        """Recover when exhausted; reproduce when it can spare the energy; hearts when there is
        energy to spare, energy when there are diamonds, else diamonds."""
        config = self.config
        action = self.recover()
        if action is not None:
            return action
        if self.reproduces():
            return int(self.actions.REPRODUCE)
        plans = []
        if self.energy >= config.altar_energy + self.heart_reserve():
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
