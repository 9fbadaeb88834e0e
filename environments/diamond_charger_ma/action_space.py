"""The diamond charger's action space: which actions a configuration enables, the legal and
accepted masks, why an action is masked, and the curses UI's keys.

The action numbers never change (``actions.Action``); the space reaches the last action the
configuration enables, and an action of a disabled mechanic below it is masked in
``legal_actions`` but accepted (it fails and costs nothing), so that samples of the whole
space work. NOOP with ``noops=False`` is refused.
"""

from __future__ import annotations

import numpy as np

from environments.diamond_charger_ma.actions import ACTION_NAMES, MARKER_SYMBOL, Action
from environments.diamond_charger_ma.economy import RESOURCES


class ActionSpace:
    """The action space of ``DiamondChargerGame`` (a mixin; uses its config, map and recipes)."""

    KEY_BINDINGS = {
        "z": "ROTATE_LEFT",
        "x": "ROTATE_RIGHT",
        ".": "NOOP",
        "u": "USE",
        "a": "ATTACK",
        "h": "TOGGLE_SHIELD",
        "e": "GIVE_ENERGY",
        "d": "GIVE_DIAMOND",
        "m": "PLACE_MARKER",
        "c": "CHANGE_COLOUR",
        "t": "SWITCH_POSTURE",
        "i": "GIVE_ORE",
        "v": "GIVE_BATTERY",
        "k": "BREAK_BOND",
        **{f"KEY_F{symbol}": f"PLACE_MARKER_{symbol}" for symbol in range(2, 9)},
    }
    """Keys of the curses UI besides its defaults (arrows and keypad rotate and move, space
    NOOP): F2 .. F8 place markers with symbols 2 .. 8; BOND, with mate selection, gets ``o``,
    its first free letter."""

    @property
    def key_bindings(self) -> dict[str, str]:
        """``KEY_BINDINGS`` of the actions this configuration has."""
        names = set(self.action_names(self.possible_agents[0]))
        return {key: name for key, name in self.KEY_BINDINGS.items() if name in names}

    def observation_direction_mode(self) -> int:
        return self.config.observation_direction_mode

    def action_direction_mode(self) -> int:
        return 2

    def enabled_actions(self) -> dict[Action, str | None]:
        """Every action with the config that disables it (None: enabled).

        The action space reaches the last enabled action; a disabled action
        below it is masked in ``legal_actions``.
        """
        config = self.config
        symbols = config.marker_symbols
        return {
            **{action: None for action in Action if action < Action.BOND},
            Action.BOND: None if config.mate_selection else "mate_selection=False",
            Action.SWITCH_POSTURE: None
            if any(len(postures) > 1 for postures in self.body_postures)
            else "no body has two postures",
            Action.GIVE_ORE: None if self.in_play("ore") else "no ore mine or recipe with ore",
            Action.GIVE_BATTERY: None if self.in_play("battery") else "no recipe with batteries",
            Action.BUILD: None if self.config.build_resource != "none" else "build_resource='none'",
            Action.REPRODUCE: None if self.config.reproduction else "reproduction=False",
            Action.BREAK_BOND: None
            if config.mate_selection and config.bond_breakable
            else "needs mate_selection=True and bond_breakable=True",
            **{
                action: None if symbol <= symbols else f"marker_symbols={symbols}"
                for action, symbol in MARKER_SYMBOL.items()
                if symbol > 1
            },
        }

    def in_play(self, resource: str) -> bool:
        """Whether a resource can exist in this configuration: a mine of it on the map, a
        recipe that takes or gives it, or built walls that cost it."""
        index = RESOURCES.index(resource)
        if (self.map.mine_resource == index).any() or self.config.build_resource == resource:
            return True
        return any(r.takes(resource) or r.gives(resource) for r in self.recipes)

    def num_actions(self, agent: str) -> int:
        enabled = [action for action, off in self.enabled_actions().items() if off is None]
        return 1 + max(enabled)

    def action_names(self, agent: str) -> list[str]:
        return list(ACTION_NAMES[: self.num_actions(agent)])

    def legal_actions(self, agent: str) -> np.ndarray:
        mask = super().legal_actions(agent)
        for action, off in self.enabled_actions().items():
            if action < len(mask) and off is not None:
                mask[action] = 0
        return mask

    def accepted_actions(self, agent: str) -> np.ndarray:
        """Every action but NOOP with ``noops=False``: an action of a disabled mechanic is
        masked in ``legal_actions`` but accepted, and fails (a noop costing nothing)."""
        return super().legal_actions(agent)

    def masked_reason(self, agent: str, action: int) -> str:
        if action == Action.NOOP and not self.config.noops:
            return "noops=False"
        return self.enabled_actions()[Action(action)] or ""
