"""Diamond charger economy: the resources, and the recipes of converters.

Agents hold units of :data:`RESOURCES` (diamonds, ore, batteries), at most their posture's
``carry`` of each. Mines give one unit of their resource (``D`` diamonds, ``O`` ore). A
**converter** turns inputs into outputs by a **recipe**: inputs are resources and energy,
outputs resources, energy and hearts, and the converter cools down for the recipe's ticks.
Recipe 0 is the charger ``C`` (1 diamond -> ``charger_energy``, ``charger_cooldown``) and
recipe 1 the altar ``A`` (``altar_energy`` -> 1 heart, ``altar_cooldown``); the config's
``recipes`` text adds converters with their own map character, e.g.::

    "forge=F: 2 ore -> 1 battery / 3; press=H: 1 battery + 1 diamond + 20 energy -> 2 hearts / 4"

(``name=CHAR: inputs -> outputs / cooldown``; items ``<count> <what>`` joined by ``+``; what is
diamond, ore, battery, energy or, among outputs, heart, singular or plural; cooldown 0 when
omitted). A converter's use succeeds when it is ready, the agent holds every input and, after
giving them, has room for every resource output; the inputs are taken, the resource outputs
given, energy added up to the agent's ``max_energy`` (the excess is lost) and hearts made.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

RESOURCES = ("diamond", "ore", "battery")
"""The resources, in inventory order."""
UNITS = {
    "diamond": "diamonds",
    "ore": "ore",
    "battery": "batteries",
    "energy": "energy",
    "heart": "hearts",
}
"""The plural of each item of a recipe (the canonical recipe text uses it for counts > 1)."""
MINE_CHARACTERS = {"D": 0, "O": 1}
"""Map character of the mines of each resource (by index into :data:`RESOURCES`)."""
INPUTS = (*RESOURCES, "energy")
OUTPUTS = (*RESOURCES, "energy", "heart")
RESERVED_CHARACTERS = set("ACDO")
"""Object characters a recipe cannot take (mines, charger, altar)."""
MAX_RECIPES = 16
MAX_AMOUNT = 1_000_000_000

_ITEM = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")
_WORDS = {
    **{r: r for r in RESOURCES},
    "diamonds": "diamond",
    "batteries": "battery",
    "ores": "ore",
    "energy": "energy",
    "heart": "heart",
    "hearts": "heart",
}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What a converter takes, gives and how long it then cools down."""

    name: str
    character: str
    inputs: Mapping[str, int]
    outputs: Mapping[str, int]
    cooldown: int

    def takes(self, what: str) -> int:
        return self.inputs.get(what, 0)

    def gives(self, what: str) -> int:
        return self.outputs.get(what, 0)

    def text(self) -> str:
        """The recipe in the ``recipes`` text form."""

        def items(amounts: Mapping[str, int]) -> str:
            text = (f"{n} {what if n == 1 else UNITS[what]}" for what, n in amounts.items())
            return " + ".join(text) or "nothing"

        return f"{self.name}={self.character}: {items(self.inputs)} -> {items(self.outputs)} / {self.cooldown}"


def _items(text: str, allowed: tuple[str, ...], where: str) -> dict[str, int]:
    amounts: dict[str, int] = {}
    if text.strip() == "nothing":
        return amounts
    for item in text.split("+"):
        match = _ITEM.match(item)
        what = _WORDS.get(match.group(2)) if match else None
        if what is None or what not in allowed:
            raise ValueError(
                f"{where}: {item.strip()!r} is not '<count> <what>' with what in {', '.join(allowed)}"
            )
        count = int(match.group(1))
        if not 0 < count <= MAX_AMOUNT:
            raise ValueError(f"{where}: {item.strip()!r} needs a count in 1..{MAX_AMOUNT}")
        amounts[what] = amounts.get(what, 0) + count
    return amounts


def parse_recipes(text: str) -> tuple[Recipe, ...]:
    """The recipes of a ``recipes`` text (ValueError saying what is wrong)."""
    recipes: list[Recipe] = []
    for part in (p for p in text.split(";") if p.strip()):
        head, sep, body = part.partition(":")
        name, eq, character = head.partition("=")
        name, character = name.strip(), character.strip()
        if not sep or not eq or not name.isidentifier() or name != name.lower():
            raise ValueError(f"recipe {part.strip()!r} is not 'name=CHAR: inputs -> outputs / n'")
        if len(character) != 1 or not character.isupper() or character in RESERVED_CHARACTERS:
            raise ValueError(
                f"recipe {name!r}: map character {character!r} must be an uppercase letter "
                f"other than {', '.join(sorted(RESERVED_CHARACTERS))}"
            )
        body, slash, cooldown_text = body.partition("/")
        left, arrow, right = body.partition("->")
        if not arrow:
            raise ValueError(f"recipe {name!r} has no '->'")
        cooldown = 0
        if slash:
            try:
                cooldown = int(cooldown_text)
            except ValueError:
                raise ValueError(f"recipe {name!r}: cooldown {cooldown_text.strip()!r}") from None
            if not 0 <= cooldown <= MAX_AMOUNT:
                raise ValueError(f"recipe {name!r}: cooldown {cooldown} is out of range")
        recipe = Recipe(
            name,
            character,
            _items(left, INPUTS, f"recipe {name!r} inputs"),
            _items(right, OUTPUTS, f"recipe {name!r} outputs"),
            cooldown,
        )
        if any(r.name == name or r.character == character for r in recipes) or name in (
            "charger",
            "altar",
        ):
            raise ValueError(f"recipe {name!r} ({character}) repeats a name or a map character")
        recipes.append(recipe)
    if len(recipes) + 2 > MAX_RECIPES:
        raise ValueError(f"more than {MAX_RECIPES - 2} recipes")
    return tuple(recipes)


def check_recipes(value: object) -> str:
    """The ``recipes`` config field: a recipes text (normalised), ValueError if bad."""
    if not isinstance(value, str):
        raise ValueError(f"got {value!r}")
    return "; ".join(recipe.text() for recipe in parse_recipes(value))


def recipe_table(config: Any) -> tuple[Recipe, ...]:
    """Every recipe of a config: the charger, the altar, then the ``recipes`` text's."""
    charger = Recipe(
        "charger", "C", {"diamond": 1}, {"energy": config.charger_energy}, config.charger_cooldown
    )
    altar = Recipe(
        "altar", "A", {"energy": config.altar_energy}, {"heart": 1}, config.altar_cooldown
    )
    return (charger, altar, *parse_recipes(config.recipes))
