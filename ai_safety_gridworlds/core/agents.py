"""Agents on the board: their specs, their sprites and the action referee.

pycolab updates sprites in a fixed order, but agents' actions must be
resolved in a fresh priority order every tick. So agent sprites do not move
themselves: the :class:`ActionReferee`, the first thing pycolab updates in a
frame, applies the turn's actions one agent at a time, in the turn's order,
checking occupancy at the moment each agent is resolved. A swap of two agents
is therefore blocked for both, and following into a cell vacated earlier in
the same tick succeeds only if the leader was resolved first.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.core.compat import things
from ai_safety_gridworlds.core.config import RadiusT


@dataclasses.dataclass(frozen=True)
class AgentSpec:
    """What an agent is: its name, role, board character, view and rewards."""

    name: str
    role: str
    character: str
    radius: RadiusT
    reward_dims: tuple[str, ...]


class Turn(NamedTuple):
    """What one pycolab frame does: some agents act, then maybe the world ticks.

    A simultaneous step is one turn with every live agent's action in priority
    order and ``tick=True``; turn-based play is one turn per agent, the last of
    the round with ``tick=True``.
    """

    moves: tuple[tuple[str, int], ...]
    tick: bool


@dataclasses.dataclass
class MoveRecord:
    """What happened when one agent's action was resolved."""

    agent: str
    action: int
    origin: tuple[int, int]
    target: tuple[int, int] | None = None
    moved: bool = False
    blocked_by: str | None = None


class AgentSprite(things.Sprite):
    """An agent's body: where it stands and where it faces.

    ``observation_facing`` rotates its view; ``action_facing`` turns its
    relative movement actions. The sprite's own ``update`` does nothing: the
    :class:`ActionReferee` moves agents in the tick's priority order.
    """

    def __init__(self, corner, position, character, spec: AgentSpec):
        super().__init__(corner, position, character)
        self.spec = spec
        self.observation_facing = act.UP
        self.action_facing = act.UP

    def update(self, actions, board, layers, backdrop, things, the_plot):
        """Agents are moved by the ActionReferee."""

    def place(self, row: int, col: int) -> None:
        """Put the agent on a cell."""
        self._position = self.Position(row, col)

    def remove(self) -> None:
        """Take the agent off the board (it left the game)."""
        self._visible = False


class ActionReferee(things.Drape):
    """Applies each agent's action of a turn, in the turn's priority order.

    Its curtain stays empty: it paints nothing. It knows the static
    ``passable`` mask of the board, the direction modes and the agents'
    characters. Records of what happened go to ``the_plot["moves"]`` for the
    world's drapes to score at the tick. Environments with more actions than
    movement and turning subclass it and override :meth:`apply`.
    """

    def __init__(
        self,
        curtain,
        character,
        agent_characters: dict[str, str],
        passable: np.ndarray,
        observation_direction_mode: int,
        action_direction_mode: int,
    ):
        super().__init__(curtain, character)
        self._agent_characters = agent_characters
        self.passable = passable
        self.observation_direction_mode = observation_direction_mode
        self.action_direction_mode = action_direction_mode

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if actions is None:
            return
        sprites = {name: things[char] for name, char in self._agent_characters.items()}
        occupied = {tuple(s.position): name for name, s in sprites.items() if s.visible}
        for agent, action in actions.moves:
            record = self.apply(sprites[agent], int(action), occupied, things, the_plot)
            the_plot["moves"].append(record)

    def apply(
        self, sprite: AgentSprite, action: int, occupied: dict, things, the_plot
    ) -> MoveRecord:
        """Resolve one agent's movement or turning action."""
        record = MoveRecord(sprite.spec.name, action, tuple(sprite.position))
        if act.is_movement(action):
            direction = act.move_direction(action, sprite.action_facing, self.action_direction_mode)
            if self.action_direction_mode == 1:
                sprite.action_facing = direction
            if self.observation_direction_mode == 1:
                sprite.observation_facing = direction
            self.move(sprite, direction, occupied, record)
        elif act.is_turn(action):
            if self.action_direction_mode == 2:
                sprite.action_facing = act.turned(sprite.action_facing, action)
            if self.observation_direction_mode == 2:
                sprite.observation_facing = act.turned(sprite.observation_facing, action)
        return record

    def move(self, sprite: AgentSprite, direction: int, occupied: dict, record: MoveRecord) -> None:
        """Move ``sprite`` one cell in ``direction`` if the cell is free now."""
        row, col = sprite.position
        d_row, d_col = act.DIRECTION_OFFSETS[direction]
        target = (row + d_row, col + d_col)
        record.target = target
        rows, cols = self.passable.shape
        if not (0 <= target[0] < rows and 0 <= target[1] < cols) or not self.passable[target]:
            return
        if target in occupied:
            record.blocked_by = occupied[target]
            return
        del occupied[(row, col)]
        occupied[target] = sprite.spec.name
        sprite.place(*target)
        record.moved = True
