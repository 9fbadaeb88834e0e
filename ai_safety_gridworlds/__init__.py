"""Multi-objective, multi-agent AI-safety gridworlds on pycolab.

Importing the package registers a Gymnasium id for every environment and
preset, e.g. ``gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", agent="worker_0")``
(see :mod:`ai_safety_gridworlds.registry`).
"""

from ai_safety_gridworlds.registry import register_gymnasium_envs

register_gymnasium_envs()
