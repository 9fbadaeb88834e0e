"""Many environments stepped in one call: ``vector`` (``VectorEnv``, the Gymnasium-style batch
with a multi-agent layout), ``factory`` (a game as a batch environment: its spec, shared kernel
parameters, ``make_vector_env``), ``binding`` (what every game's cffi binding of its C batch
kernel shares) and ``game_slots`` (the numpy fallback: pycolab games stepped one by one).

The compiled kernel itself is loaded by :mod:`ai_safety_gridworlds.kernel`.
"""
