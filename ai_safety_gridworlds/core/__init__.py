"""The core of a game: what every environment is built from.

``compat`` (pycolab 1.2 fixed for numpy 2 and Python 3.10+; every module imports pycolab
through it), ``config`` (dataclass configs, overrides, absl flags), ``actions``, ``agents``
(agent sprites, the action referee), ``views`` (observation windows), ``rewards``, ``rng`` (the
counter-based generator shared with the C kernel), ``game`` (``MultiAgentGame``: one joint
tick of all agents) and ``rollout`` (episodes driven by policies).
"""
