"""The ``crafter``: a scripted diamond charger policy that follows the economy's recipes.

It makes hearts by the recipe that gives the most hearts per use (the altar among them), and
gets what that recipe takes: a resource from a mine of it, or from a recipe that gives it (a
chain of up to :data:`MAX_CHAIN` recipes, e.g. ore -> battery at a forge -> hearts at a press);
energy from recipes that give energy (the charger). It rests when exhausted like every
scripted policy, and falls back to the greedy miner's plan when no recipe can be pursued with
what it has seen. Only its own observation and info are used: recipes come from the config,
which every agent knows, and converters are recognised by their channels.
"""

from __future__ import annotations

from environments.diamond_charger_ma.economy import RESOURCES, recipe_table
from environments.diamond_charger_ma.scripted import ScriptedPolicy

MAX_CHAIN = 3
"""How many recipes deep the crafter looks for a missing input."""


class Crafter(ScriptedPolicy):
    """Make hearts by the best recipe it can supply (see the module docstring)."""

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self.recipes = recipe_table(self.config)
        self.heart_recipes = sorted(
            (k for k, r in enumerate(self.recipes) if r.gives("heart")),
            key=lambda k: (-self.recipes[k].gives("heart"), k),
        )

    def act(self, observation, info):
        self.observe(observation, info)
        action = self.recover()
        if action is not None:
            return action
        if self.reproduces():
            return int(self.actions.REPRODUCE)
        for recipe in self.heart_recipes:
            action = self.pursue(recipe, 0)
            if action is not None:
                return action
        return self.mine_and_charge()

    def pursue(self, index: int, depth: int) -> int | None:
        """The next action towards using recipe ``index`` (None: nothing it can do now)."""
        recipe = self.recipes[index]
        reserve = self.heart_reserve() if recipe.gives("heart") else 0
        missing = [r for r, name in enumerate(RESOURCES) if self.inventory[r] < recipe.takes(name)]
        short_of_energy = self.energy < recipe.takes("energy") + reserve
        if not missing and not short_of_energy:
            room = all(
                self.inventory[r] - recipe.takes(name) + recipe.gives(name) <= self.carry
                for r, name in enumerate(RESOURCES)
            )
            return self.go_convert(index) if room else None
        if depth >= MAX_CHAIN:
            return None
        for r in missing:
            action = self.obtain(r, index, depth)
            if action is not None:
                return action
        if short_of_energy:
            for k, other in enumerate(self.recipes):
                if k != index and other.gives("energy") and not other.gives("heart"):
                    action = self.pursue(k, depth + 1)
                    if action is not None:
                        return action
        return None

    def obtain(self, resource: int, for_recipe: int, depth: int) -> int | None:
        """The next action towards one more unit of a resource: a mine of it, else a recipe
        giving it."""
        if self.inventory[resource] < self.carry:
            action = self.go_use("mine", resource)
            if action is not None:
                return action
        name = RESOURCES[resource]
        for k, other in enumerate(self.recipes):
            if k != for_recipe and other.gives(name) and not other.takes(name):
                action = self.pursue(k, depth + 1)
                if action is not None:
                    return action
        return None
