"""``python -m ai_safety_gridworlds.registry``: every environment, its presets and Gymnasium ids.

``--json`` prints the same as one JSON object: environment name -> ``module``, ``game``,
``command`` and ``presets`` (name -> ``description`` and ``gym_id``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ai_safety_gridworlds import registry


def listing() -> dict[str, dict[str, Any]]:
    """Every environment with its module, game class, command and presets."""
    found = {}
    for name in registry.environment_names():
        entry = registry.entry(name)
        presets = registry.presets(name)
        found[name] = {
            "module": entry.module,
            "game": entry.game,
            "command": f"python -m {entry.module}",
            "presets": {
                preset: {
                    "description": _description(presets.get(preset)),
                    "gym_id": registry.gym_id(name, preset),
                }
                for preset in entry.presets
            },
        }
    return found


def _description(preset: Any) -> str:
    if isinstance(preset, tuple) and len(preset) == 2 and isinstance(preset[1], str):
        return preset[1]
    return ""


def format_listing(found: dict[str, dict[str, Any]]) -> str:
    """The listing as text: one block per environment, one line per preset."""
    if not found:
        return (
            f"no environments: no installed package declares the {registry.ENTRY_POINT_GROUP!r} "
            "entry point; reinstall the toolkit from your clone: pip install -e .\n"
        )
    lines = [
        f"{len(found)} environments. Make one by name with "
        "ai_safety_gridworlds.registry.make(name, kind='parallel', preset=...),",
        "play one with its command (--preset=NAME), or gymnasium.make(gym_id, agent=...) "
        "after import ai_safety_gridworlds.",
    ]
    for name, info in found.items():
        lines += ["", f"{name}  ({info['module']}.{info['game']}; {info['command']})"]
        width = max(len(p) for p in info["presets"])
        gym_width = max(len(p["gym_id"]) for p in info["presets"].values())
        for preset, about in info["presets"].items():
            text = f"  {preset:<{width}}  {about['gym_id']:<{gym_width}}  {about['description']}"
            lines.append(text.rstrip())
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the listing; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ai_safety_gridworlds.registry",
        description="List the installed environments, their named presets and Gymnasium ids.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    found = listing()
    if args.json:
        sys.stdout.write(json.dumps(found, indent=1) + "\n")
    else:
        sys.stdout.write(format_listing(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
