"""A game as a batch environment: its spec, the kernel parameters every game shares, the factory.

An environment's batch glue module (``environments/<game>/batch.py``) says what is particular
to its game (its C kernel's parameters and binding class); :func:`make_vector_env` does the
rest the same way for every game: it builds one game with the config (so the config is
validated as for the pycolab environment), picks the backend, and wraps the C kernel or the
numpy fallback (:class:`~ai_safety_gridworlds.batch.game_slots.GameSlots`) in a
:class:`~ai_safety_gridworlds.batch.vector.VectorEnv`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.batch.game_slots import GameSlots
from ai_safety_gridworlds.batch.render import SlotRenderer
from ai_safety_gridworlds.batch.spec import BatchBackend, BatchSpec
from ai_safety_gridworlds.batch.vector import VectorEnv
from ai_safety_gridworlds.core import options as options_lib
from ai_safety_gridworlds.core.game import environment_name
from ai_safety_gridworlds.core.rewards import resolve_weights

if TYPE_CHECKING:
    from ai_safety_gridworlds.core.game import MultiAgentGame

BACKENDS = options_lib.BACKENDS


def batch_spec(game: MultiAgentGame, **extra: Any) -> BatchSpec:
    """Agents, shapes, actions, rewards and metrics of a game's configuration (``extra``: the
    other :class:`BatchSpec` fields, e.g. ``float_safety_names``). The roles, the channels'
    highest values (``game.observation_high``) and the reward bounds (``game.reward_bounds``)
    come from the game, as on the pycolab path."""
    agents = tuple(game.possible_agents)
    high = getattr(game, "observation_high", None)
    if high is not None:
        per_channel = np.broadcast_to(np.asarray(high), (len(game.channels),))
        extra.setdefault("channel_high", tuple(int(v) for v in per_channel))
    bounds = getattr(game, "reward_bounds", None)
    if bounds is not None:
        extra.setdefault("reward_bounds", {a: bounds(a) for a in agents})
    extra.setdefault("accepted_actions", {a: game.accepted_actions(a) for a in agents})
    extra.setdefault(
        "masked_reasons",
        {
            a: tuple(
                "" if legal else game.masked_reason(a, action)
                for action, legal in enumerate(game.legal_actions(a))
            )
            for a in agents
        },
    )
    return BatchSpec(
        possible_agents=agents,
        observation_shapes={a: game.observation_shape(a) for a in agents},
        reward_dims={a: game.reward_dims(a) for a in agents},
        num_actions={a: game.num_actions(a) for a in agents},
        action_names={a: tuple(game.action_names(a)) for a in agents},
        legal_actions={a: game.legal_actions(a) for a in agents},
        safety_names=tuple(game.new_safety()),
        channels=tuple(game.channels),
        state_shape=(len(game.channels) - 1, game.rows, game.cols),
        roles={a: game.specs[a].role for a in agents},
        **extra,
    )


def view_params(game: MultiAgentGame) -> list[dict[str, int]]:
    """Each agent's view as the fields of the kernels' ``view_spec`` (csrc/common/views.h)."""
    views = []
    for agent in game.possible_agents:
        view = game.views[agent]
        height, width = view.shape
        views.append(
            dict(
                left=view.left,
                right=view.right,
                up=view.up,
                down=view.down,
                is_global=int(view.is_global),
                height=height,
                width=width,
            )
        )
    return views


def common_kernel_params(game: MultiAgentGame) -> dict[str, Any]:
    """The kernel parameters every game's C config has: board, agents, order, views, sizes."""
    config = game.config
    agents = game.possible_agents
    views = view_params(game)
    return {
        "agents": list(agents),
        "rows": game.rows,
        "cols": game.cols,
        "observation_direction_mode": config.observation_direction_mode,
        "num_actions": game.num_actions(agents[0]),
        "noops": int(config.noops),
        "randomize_order": int(config.randomize_agent_actions_order),
        "max_cycles": config.max_cycles,
        "views": views,
        "obs_size": [int(np.prod(game.observation_shape(a))) for a in agents],
        "window_capacity": max(v["height"] * v["width"] for v in views),
        "state_shape": (len(game.channels) - 1, game.rows, game.cols),
    }


def make_vector_env(
    game_class: type[MultiAgentGame],
    presets: Mapping[str, Any],
    num_envs: int,
    options: Mapping[str, Any],
    *,
    spec_of: Callable[[Any], BatchSpec],
    kernel_params: Callable[[Any], Mapping[str, Any]],
    c_kernel: Callable[[Mapping[str, Any], int, Mapping[str, Any]], BatchBackend],
) -> VectorEnv:
    """``num_envs`` games of ``game_class`` stepped in one call (see ``VectorEnv``).

    ``options``: the config fields and the options of the ``"vector_env"`` path, checked by
    :func:`ai_safety_gridworlds.core.options.resolve` as on every path (``preset``,
    ``config``, ``backend``, ``buffers``, ``observation_layout``, ``observation_encoding``,
    ``reward_mode``,
    ``reward_weights``, ``num_threads``, ``render_mode``). ``backend``: ``"c"``
    (``c_kernel(kernel_params(game), num_envs, buffers, num_threads=k)``, k = ``num_threads``
    or, for None, every core the process may use; falls back to ``"numpy"`` with a
    warning when the kernel is not compiled, silently when ``AI_SAFETY_GRIDWORLDS_BACKEND=numpy``
    forces the fallback) or ``"numpy"`` (one ``game_class`` per slot stepped slot by slot:
    same results, much slower). ``spec_of(game)`` is the game's :class:`BatchSpec`. The
    warning points at the code that called the glue module's ``make_vector_env`` (this
    function's caller).
    """
    env_name = environment_name(game_class)
    resolved = options_lib.resolve(game_class, presets, "vector_env", options, env_name=env_name)
    game = game_class(resolved.config)
    game.reset(seed=0)
    spec = spec_of(game)
    backend = resolved["backend"]
    if backend == "c" and kernel.BACKEND != "c":
        if not kernel.fallback_forced():
            warnings.warn(
                f"vector_env(backend='c'): {kernel.fallback_help()}",
                kernel.KernelFallbackWarning,
                stacklevel=3,
            )
        backend = "numpy"
    threads = resolved["num_threads"]
    if threads is None:
        threads = options_lib.available_cores()
    if backend == "c":
        params = kernel_params(game)

        def factory(validated):
            return c_kernel(params, num_envs, validated, num_threads=threads)

    else:
        game_config = game.config

        def factory(validated):
            return GameSlots(lambda: game_class(game_config), spec, num_envs, validated)

    return VectorEnv(
        spec,
        num_envs,
        factory,
        backend,
        resolved["buffers"],
        config=game.config,
        observation_layout=resolved["observation_layout"],
        observation_encoding=resolved["observation_encoding"],
        reward_mode=resolved["reward_mode"],
        reward_weights=resolve_weights(game, resolved["reward_weights"]),
        render_mode=resolved["render_mode"],
        renderer=SlotRenderer(game) if resolved["render_mode"] is not None else None,
    )
