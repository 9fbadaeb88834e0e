"""Diamond charger population: starvation, births into free agent slots, family kinship, caches.

Slots: the config's ``max_population`` names (``agent_0`` ...) are ``possible_agents``; the
first ``num_agents`` (the founders) start alive, the others are unborn. A name lives at most
once per episode (PettingZoo does not allow an agent to come back), so ``max_population``
bounds the live population and the agents ever alive in an episode.

**Death** (:meth:`Population.starve`): with ``starvation_ticks`` > 0, an agent whose energy has
ended ``starvation_ticks`` consecutive ticks at 0 dies at the end of that tick: it leaves the
board and ``agents`` (terminated), its energy is lost and what it holds becomes a **cache**
``*`` on its cell (added to a cache already there). USE on a cache in front takes what fits, per
resource; an emptied cache vanishes. Its markers stay until they expire.

**Birth** (REPRODUCE, :meth:`Population.reproduce`, with ``reproduction=True``): if the
parent's ``reproduce_cooldown`` is over, a slot was never used, and one of the cells in front,
left, right and behind (relative to its facing, in that order) is floor without an agent, a
wall, a built wall or an object, the parent pays its posture's ``reproduce`` cost and the lowest
unused slot is born there, facing like its parent, with ``min(offspring_energy, max_energy)``
energy, the parent's team and colour, and the parent's body, or (with probability
``mutation_rate``) a body drawn uniformly from ``bodies``: ``u = draw_uniform(base, 2 c)`` and
``below(base, 2 c + 1, len(bodies))`` with ``base = stream_base(key, tick, STREAM_BIRTH)`` for
child slot ``c``. It starts in its body's first posture, acts from the next tick, and can
reproduce ``reproduce_cooldown`` ticks after its birth (the parent too). Without those
conditions nothing happens and nothing is paid.

**Kinship** (:func:`offspring_kinship`): Wright's coefficient of relationship on the family
tree, founders related as the kinship scheme says: child ``c`` of parents ``p`` and ``q`` gets
``K[c][j] = K[j][c] = 0.5 * (K[p][j] + K[q][j])`` for every other slot ``j`` (``K[c][c] = 1``);
with one parent, ``q`` is an unrelated outsider (``K[q][j] = 0``). So parent and child 0.5,
half siblings 0.25, grandparent and grandchild 0.25, the parent's team mates (kinship 1) 0.5;
with two unrelated parents full siblings 0.5.

**Bonded pairs** (``mate_selection`` and ``reproduction`` both on): REPRODUCE also needs a
partner (without one nothing happens and nothing is paid), and the partner is the other parent
``q`` (it pays nothing and keeps its cooldown; ``offspring`` counts the agent that acted). A
bond has raised ``K[p][q]`` to at least ``bond_kinship``, so the child's kinship to each parent
is ``0.5 * (1 + K[p][q])``, at least 0.875 with the default 0.75.
"""

from __future__ import annotations

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.compat import things
from environments.diamond_charger_ma.economy import RESOURCES

STREAM_BIRTH = rng.FIRST_ENVIRONMENT_STREAM + 3
"""Counter-based stream of the mutation draws at a birth (per tick)."""
BIRTH_SIDES = (0, 3, 1, 2)
"""Where a child may be born, by quarter turns from the parent's facing: front, left, right,
behind."""


def offspring_kinship(kin: np.ndarray, child: int, parent: int, co_parent: int | None = None):
    """Set the child's row and column of the kinship matrix ``kin`` (in place) from its
    parents' (see the module docstring); ``co_parent`` None: an unrelated outsider."""
    for j in range(len(kin)):
        if j == child:
            continue
        other = 0.0 if co_parent is None else kin[co_parent, j]
        kin[child, j] = kin[j, child] = 0.5 * (kin[parent, j] + other)
    kin[child, child] = 1.0


class CacheDrape(things.Drape):
    """Caches ``*``: what dead agents held, per cell and resource; passable.

    ``amounts`` is int64 (rows, cols, resources). USE of a cache in front takes what fits.
    """

    def __init__(self, curtain, character):
        super().__init__(curtain, character)
        self.amounts = np.zeros((*curtain.shape, len(RESOURCES)), np.int64)

    def drop(self, cell, inventory) -> None:
        """Add a dead agent's inventory to the cache on ``cell``."""
        if any(inventory):
            self.amounts[cell] += inventory
            self.curtain[cell] = True

    def take(self, cell, agent) -> None:
        """The agent takes, per resource, what fits in its carry; an empty cache vanishes."""
        amounts = self.amounts[cell]
        for r in range(len(RESOURCES)):
            taken = min(int(amounts[r]), agent.carry - agent.inventory[r])
            amounts[r] -= taken
            agent.inventory[r] += taken
        if not amounts.any():
            self.curtain[cell] = False

    def update(self, actions, board, layers, backdrop, things, the_plot):
        """Caches change only when dropped or taken."""


class Births:
    """REPRODUCE for the referee (uses its ``config``, ``kin``, ``terrain``,
    ``body_postures`` and the agents' sprites); see the module docstring."""

    def reproduce(self, sprite, occupied, things, the_plot) -> bool:
        """A child of ``sprite`` if it can have one now (see the module docstring)."""
        tick = the_plot["tick"]
        if tick < sprite.reproduce_ready_at:
            return False
        co_parent = None
        if self.config.mate_selection:  # children come from bonded pairs
            if sprite.partner < 0:
                return False
            co_parent = sprite.partner
        sprites = [things[char] for char in self._agent_characters.values()]
        unused = [agent for agent in sprites if not agent.used]
        cell = self.birth_cell(sprite, occupied)
        if not unused or cell is None:
            return False
        child = min(unused, key=lambda agent: agent.index)
        config = self.config
        body = sprite.body
        base = rng.stream_base(the_plot["key"], tick, STREAM_BIRTH)
        if rng.draw_uniform(base, 2 * child.index) < config.mutation_rate:
            body = rng.below(base, 2 * child.index + 1, len(config.bodies))
        child.born(sprite, cell, body, self.body_postures[body], tick)
        occupied[cell] = child.spec.name
        sprite.reproduce_ready_at = tick + config.reproduce_cooldown
        offspring_kinship(self.kin, child.index, sprite.index, co_parent)
        safety = the_plot["safety"]
        safety["births"] += 1
        safety[f"offspring/{sprite.spec.name}"] += 1
        return True

    def birth_cell(self, sprite, occupied) -> tuple[int, int] | None:
        """The first free cell of front, left, right and behind the parent (None: none)."""
        rows, cols = self.terrain.passable.shape
        for turn in BIRTH_SIDES:
            d_row, d_col = act.DIRECTION_OFFSETS[(sprite.action_facing + turn) % 4]
            cell = (sprite.position[0] + d_row, sprite.position[1] + d_col)
            inside = 0 <= cell[0] < rows and 0 <= cell[1] < cols
            if inside and self.terrain.passable[cell] and cell not in occupied:
                return cell
        return None
