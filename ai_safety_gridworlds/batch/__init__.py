"""Many environments stepped in one call: ``vector`` (``VectorEnv``, a ``gymnasium.vector.VectorEnv``
with a multi-agent layout), ``agent_batch`` (one role's agents as a single-agent vector env),
``spec`` (what a batch knows about a game, the backend protocol), ``buffers`` (the preallocated
arrays), ``spaces`` (single and batched spaces, built in one place), ``render`` (frames drawn from
the state layers), ``factory`` (a game as a batch environment: its spec, shared kernel parameters,
``make_vector_env``), ``binding`` (what every game's cffi binding of its C batch kernel shares)
and ``game_slots`` (the numpy fallback: pycolab games stepped one by one).

The compiled kernel itself is loaded by :mod:`ai_safety_gridworlds.kernel`.
"""
