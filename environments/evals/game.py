"""The evals' game: the diamond charger under this environment's own name, ``evals``.

Every eval is a configuration of :class:`~environments.diamond_charger_ma.DiamondChargerGame`;
this subclass changes nothing in the rules. It exists so that every path (the PettingZoo and
Gymnasium factories, ``vector_env``, the terminal UI, the safety benchmark) names the
environment ``evals`` and offers the evals as its presets.
"""

from __future__ import annotations

from environments.diamond_charger_ma.game import AGENT_COLOUR, COLOURS, DiamondChargerGame

NAME = "evals"
__all__ = ["AGENT_COLOUR", "COLOURS", "EvalGame", "NAME"]


class EvalGame(DiamondChargerGame):
    """The diamond charger, as the game of the ``evals`` environment (rules unchanged)."""
