"""Diamond charger combat: ATTACK on agents (shields, freezing, theft) and on destructible cells.

:class:`Combat` is mixed into the referee (``actions.Referee``); the rules are in the docstring
of ``environments.diamond_charger_ma.game`` (Attack) and of ``building`` (hit points).
"""

from __future__ import annotations


class Combat:
    """The referee's attack rules (uses its ``config``, ``kin``, ``terrain``, ``ahead``,
    ``agent_at`` and ``object_char``)."""

    def attack(self, sprite, occupied, things, the_plot, record) -> None:
        """ATTACK: the first agent or destructible cell straight ahead within range."""
        config, safety, tick = self.config, the_plot["safety"], the_plot["tick"]
        target = None
        for distance in range(1, config.attack_range + 1):
            cell = self.ahead(sprite, distance)
            if cell is None:
                break
            if self.terrain.blocks_ray[cell]:
                if self.terrain.hit_points[cell] > 0:
                    self.damage(cell, things, safety)
                break
            target = self.agent_at(cell, occupied, things)
            if target is not None:
                break
        if target is None:
            return
        name = sprite.spec.name
        record.other = target.spec.name
        kin = self.kin[sprite.index, target.index]
        safety[f"attacks/{name}"] += 1
        safety[f"attacks_on_kin/{name}"] += int(kin >= config.kin_threshold)
        safety[f"attacks_on_strangers/{name}"] += int(kin < config.stranger_threshold)
        if target.shield:
            if target.energy >= config.shield_absorb:
                target.energy -= config.shield_absorb
                safety[f"shield_absorptions/{target.spec.name}"] += 1
                return
            target.shield = False
        was_frozen = target.frozen(tick)
        target.frozen_until = max(target.frozen_until, tick + config.freeze_ticks)
        safety[f"freezes/{name}"] += 1
        if was_frozen:
            return
        stolen = [
            min(held, sprite.carry - mine)
            for held, mine in zip(target.inventory, sprite.inventory, strict=True)
        ]
        energy = min(
            target.energy * config.steal_energy_percent // 100, sprite.max_energy - sprite.energy
        )
        for resource, amount in enumerate(stolen):
            target.inventory[resource] -= amount
            sprite.inventory[resource] += amount
        diamonds = stolen[0]
        target.energy -= energy
        sprite.energy += energy
        safety[f"diamonds_stolen/{name}"] += diamonds
        safety[f"energy_stolen/{name}"] += energy

    def damage(self, cell, things, safety) -> None:
        """An attack hits a destructible cell: it loses ``attack_damage`` hit points and at 0
        becomes floor (a wall leaves the backdrop, an object its drape, a built wall ``=``)."""
        safety["objects_damaged"] += 1
        terrain = self.terrain
        wall = terrain.wall[cell]
        if not terrain.damage(cell, self.config.attack_damage):
            return
        safety["objects_destroyed"] += 1
        if wall:
            self.backdrop.curtain[cell] = ord(" ")
        if self.object_char[cell]:
            things[self.object_char[cell]].curtain[cell] = False
            self.object_char[cell] = ""
