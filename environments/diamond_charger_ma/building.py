"""Diamond charger building and destroying: built walls, hit points, and the terrain they change.

BUILD places a **built wall** ``=`` on the free floor cell in front of the agent (no wall,
object, agent, marker or cache there), for ``build_amount`` units of ``build_resource`` and the
posture's ``build`` energy cost. Built walls block movement and attacks like walls; ``=`` in
map art is a built wall from the start (a barrier). Cells of the kinds named in
``destructible`` (``built_wall``, ``wall``, ``mine``, ``converter``) have **hit points**:
``built_wall_hp``, ``wall_hp`` or ``object_hp``. An attack whose ray meets such a cell first
(before any agent) takes ``attack_damage`` of them; at 0 the cell is destroyed and becomes floor
(a mine's stock and a converter are gone for the episode).

:class:`Terrain` is the state all of this changes, shared by the referee, the drapes and the
observations: the walls (the map's, less the destroyed), the built walls, the objects still
standing, each cell's hit points, and the masks derived from them.
"""

from __future__ import annotations

import numpy as np

from ai_safety_gridworlds.core.compat import things

KINDS = ("built_wall", "wall", "mine", "converter")
"""What can be destructible (the ``destructible`` config field)."""
BUILD_RESOURCES = ("none", "diamond", "ore", "battery")
"""What a built wall can cost (``build_resource``; "none" disables BUILD)."""


def check_destructible(value: object) -> tuple[str, ...]:
    """The ``destructible`` config field: a tuple of :data:`KINDS` (or text 'wall,mine')."""
    if isinstance(value, str):
        value = tuple(v.strip() for v in value.split(",") if v.strip())
    if not isinstance(value, (list, tuple)) or any(v not in KINDS for v in value):
        raise ValueError(f"got {value!r}")
    return tuple(kind for kind in KINDS if kind in value)


class Terrain:
    """What building and destroying change (see the module docstring).

    ``wall``, ``built`` and ``objects`` are bool (rows, cols) masks, ``hit_points`` int64
    (0: indestructible or nothing there); ``passable`` and ``blocks_ray`` are kept in step
    (the referee moves agents and casts attack rays over them).
    """

    def __init__(self, board, config):
        destructible = set(config.destructible)
        self.wall = board.wall.copy()
        self.built = board.built.copy()
        self.objects = board.objects.copy()
        self.hit_points = np.zeros(board.shape, np.int64)
        kinds = (
            ("wall", self.wall, config.wall_hp),
            ("built_wall", self.built, config.built_wall_hp),
            ("mine", board.mine, config.object_hp),
            ("converter", board.converter, config.object_hp),
        )
        for kind, mask, hp in kinds:
            if kind in destructible:
                self.hit_points[mask] = hp
        self.built_hp = config.built_wall_hp if "built_wall" in destructible else 0
        self.passable = np.ones(board.shape, bool)
        self.blocks_ray = np.zeros(board.shape, bool)
        self._refresh()

    def _refresh(self) -> None:
        np.logical_or(self.wall, self.built, out=self.blocks_ray)
        self.blocks_ray |= self.objects
        np.logical_not(self.blocks_ray, out=self.passable)

    def build(self, cell) -> None:
        """A built wall on ``cell``."""
        self.built[cell] = True
        self.hit_points[cell] = self.built_hp
        self._refresh()

    def damage(self, cell, amount: int) -> bool:
        """Take ``amount`` hit points from a destructible cell; True if that destroyed it."""
        self.hit_points[cell] = max(0, self.hit_points[cell] - amount)
        if self.hit_points[cell] > 0:
            return False
        self.wall[cell] = self.built[cell] = self.objects[cell] = False
        self._refresh()
        return True


class BuiltWallDrape(things.Drape):
    """Built walls ``=``: its curtain is the terrain's built walls (changed by the referee)."""

    def update(self, actions, board, layers, backdrop, things, the_plot):
        """Built walls change only when built or destroyed."""
