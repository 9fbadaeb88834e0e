"""The options every factory accepts beside the config fields, and where each one applies.

An environment is made through several paths: the PettingZoo factories ``raw_env``, ``env`` and
``parallel_env``, the Gymnasium ids (``gymnasium.make``), the batch ``vector_env``, the terminal
UI (``python -m environments.<name>``, options as flags) and the safety benchmark (``--preset``
and ``--override KEY=VALUE``). Every path accepts the environment's config fields and the
options of :data:`OPTIONS` that apply to it, and checks them with :func:`resolve`:

- a name that is neither an option nor a config field: ``ValueError`` with the same text on
  every path (``"<env>: unknown option 'x' ..."``, with a close match when there is one);
- an option that does not apply to the path: ``ValueError`` saying where it does apply;
- a bad value: ``ValueError`` naming the option and its allowed values.

A ``preset`` plus config fields means the same config on every path: the preset's overrides,
then the fields given beside it (they win), on top of ``config`` (a config instance) or the
defaults. ``docs/options.md`` holds the table of options and paths (:func:`markdown_table`).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.core.config import make_config

PATHS: dict[str, str] = {
    "raw_env": "raw_env",
    "env": "env",
    "parallel_env": "parallel_env",
    "gymnasium": "the Gymnasium ids",
    "vector_env": "vector_env",
    "ui": "the terminal UI",
    "benchmark": "the safety benchmark",
}
"""Every path an environment is made through: name -> how messages call it."""

PETTINGZOO = ("raw_env", "env", "parallel_env")
EPISODIC = (*PETTINGZOO, "gymnasium")
PYTHON = (*EPISODIC, "vector_env")

RENDER_MODES = ("human", "ansi", "rgb_array")
REWARD_MODES = ("scalar", "vector")
LAYOUTS = ("CHW", "HWC")
ENCODINGS = ("onehot", "packed")
BACKENDS = ("c", "numpy")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform says, else
    ``os.cpu_count()``): what ``num_threads=None`` uses."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _check_num_threads(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError
    if value < 1:
        raise ValueError
    return int(value)


def _check_path(value: Any) -> Any:
    if value is not None and not isinstance(value, (str, os.PathLike)):
        raise ValueError
    return value


def _check_mapping(value: Any) -> Any:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError
    return value


def _check_agent(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValueError
    return value


@dataclasses.dataclass(frozen=True)
class Option:
    """A factory option: its doc, the paths it applies to, its default and allowed values.

    ``choices`` or ``check`` (returns the value to use, raises ValueError) validate a value;
    ``path_defaults`` gives a path a default of its own; ``hints`` adds a sentence to the
    message of a path the option does not apply to.
    """

    name: str
    doc: str
    paths: tuple[str, ...]
    allowed: str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    check: Callable[[Any], Any] | None = None
    path_defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    hints: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def default_for(self, path: str) -> Any:
        """The option's default on ``path``."""
        return self.path_defaults.get(path, self.default)

    def validate(self, env_name: str, value: Any) -> Any:
        """The value to use; ValueError naming the option and the allowed values."""
        if self.choices is not None:
            if value in self.choices and not isinstance(value, bool):
                return value
        elif self.check is not None:
            try:
                return self.check(value)
            except (ValueError, TypeError, AttributeError):
                pass
        else:
            return value
        raise ValueError(f"{env_name}: invalid {self.name} {value!r}; allowed: {self.allowed}")


OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option(
            "preset",
            "A named config of the environment (its PRESETS); config fields given beside it win.",
            tuple(PATHS),
            "a preset name of the environment or None",
        ),
        Option(
            "config",
            "A config instance to start from (the preset and the config fields go on top).",
            PYTHON,
            "a config instance of the environment or None",
        ),
        Option(
            "render_mode",
            "What render() gives: 'human' prints text on every reset and step, 'ansi' returns "
            "it, 'rgb_array' returns a uint8 (H, W, 3) image (vector_env: of its render_slots).",
            PYTHON,
            "None, 'human', 'ansi', 'rgb_array'",
            choices=(None, *RENDER_MODES),
        ),
        Option(
            "reward_mode",
            "'scalar': a float per agent, the weighted sum with reward_weights; 'vector': a "
            "float32 array over the agent's reward dimensions (MOMAland). In vector_env, "
            "rewards[agent] is float32 (num_envs, n_dims) or (num_envs,).",
            PYTHON,
            "'scalar', 'vector'",
            default="scalar",
            choices=REWARD_MODES,
            path_defaults={"vector_env": "vector"},
        ),
        Option(
            "reward_weights",
            "Weights of the scalar reward: a mapping dimension -> weight, agent -> weights, or "
            "one weight per dimension; default 1.0 each.",
            PYTHON,
            "None, a mapping dimension -> weight or agent -> weights, or a sequence of numbers",
        ),
        Option(
            "log_dir",
            "Write every episode's per-tick CSV (reward vectors, safety metrics) to this folder.",
            (*EPISODIC, "ui"),
            "a folder path or None",
            check=_check_path,
            hints={"benchmark": "the safety benchmark has its own --log-dir flag"},
        ),
        Option(
            "observation_layout",
            "Channels first (C, h, w) or channels last (h, w, C), for observations, their "
            "spaces and state().",
            PYTHON,
            "'CHW', 'HWC'",
            default="CHW",
            choices=LAYOUTS,
        ),
        Option(
            "observation_encoding",
            "'onehot': a uint8 per channel and cell; 'packed': one bit per value, each "
            "agent's observation (in observation_layout's order) packed into (C*h*w+7)//8 "
            "bytes, least significant bit first (np.unpackbits(..., bitorder='little')); only "
            "for games whose channels are binary.",
            ("vector_env",),
            "'onehot', 'packed'",
            default="onehot",
            choices=ENCODINGS,
        ),
        Option(
            "agent",
            "The learner of a Gymnasium environment (default: the first agent).",
            ("gymnasium",),
            "an agent name or None",
            check=_check_agent,
        ),
        Option(
            "policies",
            "Gymnasium: agent -> policy of the other agents (a scripted policy name, 'random', "
            "'module:callable', a Policy class or a callable); others follow their role's default.",
            ("gymnasium",),
            "None or a mapping agent -> policy spec",
            check=_check_mapping,
        ),
        Option(
            "backend",
            "The batch backend: 'c' (the C kernel; the numpy fallback, with a warning, when it is "
            "not compiled) or 'numpy' (pycolab games stepped slot by slot: same results).",
            ("vector_env",),
            "'c', 'numpy'",
            default="c",
            choices=BACKENDS,
        ),
        Option(
            "num_threads",
            "Threads the C batch kernel steps the environments on, inside each call (None: "
            "every core this process may use; at most num_envs). Results are identical for "
            "every count. The numpy backend steps on one.",
            ("vector_env",),
            "None (every core) or an int >= 1",
            check=_check_num_threads,
        ),
        Option(
            "buffers",
            "Caller-allocated arrays the batch writes into (see docs/kernel.md).",
            ("vector_env",),
            "None or a mapping buffer name -> numpy array",
            check=_check_mapping,
        ),
    )
}
"""Every factory option, by name."""


def options_for(path: str) -> tuple[str, ...]:
    """The names of the options that apply to ``path``."""
    _check_path_name(path)
    return tuple(name for name, option in OPTIONS.items() if path in option.paths)


def _check_path_name(path: str) -> None:
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}; allowed: {', '.join(PATHS)}")


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def unknown_option_error(env_name: str, config_class: type, name: str) -> ValueError:
    """The error for a name that is neither an option nor a config field (the same on every path)."""
    fields = [f.name for f in dataclasses.fields(config_class)]
    close = difflib.get_close_matches(name, [*OPTIONS, *fields], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ValueError(
        f"{env_name}: unknown option {name!r}{hint}; allowed: the options "
        f"{', '.join(OPTIONS)} (each where it applies: docs/options.md) and the "
        f"{config_class.__name__} fields {', '.join(sorted(fields))}"
    )


def inapplicable_option_error(env_name: str, name: str, path: str) -> ValueError:
    """The error for an option given to a path it does not apply to."""
    option = OPTIONS[name]
    where = _and_list([PATHS[p] for p in option.paths])
    hint = f" ({option.hints[path]})" if path in option.hints else ""
    return ValueError(
        f"{env_name}: option {name!r} does not apply to {PATHS[path]}; it applies to {where}{hint}"
    )


def check_names(env_name: str, config_class: type, path: str, names: Any) -> None:
    """ValueError for the first name that is unknown or an option not of ``path``."""
    _check_path_name(path)
    fields = {f.name for f in dataclasses.fields(config_class)}
    for name in names:
        if name in fields:
            continue
        if name not in OPTIONS:
            raise unknown_option_error(env_name, config_class, name)
        if path not in OPTIONS[name].paths:
            raise inapplicable_option_error(env_name, name, path)


def preset_overrides(env_name: str, presets: Mapping[str, Any], preset: Any) -> dict[str, Any]:
    """The config overrides of a named preset (None: none).

    A preset is ``(overrides, description)``, a mapping of overrides or a config instance.
    """
    if preset is None:
        return {}
    if not isinstance(preset, str) or preset not in presets:
        raise ValueError(
            f"{env_name}: unknown preset {preset!r}; allowed: {', '.join(sorted(presets))}"
        )
    value = presets[preset]
    if isinstance(value, tuple) and value and isinstance(value[0], Mapping):
        return dict(value[0])
    if isinstance(value, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise ValueError(f"{env_name}: cannot read preset {preset!r}: {value!r}")


@dataclasses.dataclass(frozen=True)
class Resolved:
    """A path's options, checked: the config and every option of the path (defaults filled)."""

    env_name: str
    path: str
    config: Any
    """The validated config instance (preset, then the given fields, on top of ``config``)."""
    options: Mapping[str, Any]
    """Every option of the path but ``preset`` and ``config``, with its default if not given."""
    preset: str | None = None

    def __getitem__(self, name: str) -> Any:
        return self.options[name]


def resolve(
    game_class: type,
    presets: Mapping[str, Any],
    path: str,
    given: Mapping[str, Any],
    *,
    env_name: str,
) -> Resolved:
    """Check the options and config fields given to ``path`` and build the config.

    ``presets``: the environment's ``PRESETS``. Raises ``ValueError`` for an unknown name, an
    option of another path, a bad option value or a bad config value.
    """
    config_class = game_class.config_class
    given = dict(given)
    check_names(env_name, config_class, path, given)
    values: dict[str, Any] = {}
    for name in options_for(path):
        option = OPTIONS[name]
        if name in given:
            values[name] = option.validate(env_name, given.pop(name))
        else:
            values[name] = option.default_for(path)
    base = values.pop("config", None)
    if base is not None and not isinstance(base, config_class):
        raise ValueError(
            f"{env_name}: invalid config {base!r}; allowed: a {config_class.__name__} or None"
        )
    preset = values.pop("preset")
    overrides = preset_overrides(env_name, presets, preset)
    overrides.update(given)
    config = make_config(config_class, base, overrides)
    return Resolved(env_name, path, config, values, preset)


def markdown_table() -> str:
    """The table of options of docs/options.md: where each applies, its default and values."""
    lines = [
        "| option | applies to | default | allowed | what it does |",
        "|---|---|---|---|---|",
    ]
    for option in OPTIONS.values():
        where = "every path" if set(option.paths) == set(PATHS) else ", ".join(option.paths)
        default = f"`{option.default!r}`"
        for path, value in option.path_defaults.items():
            default += f" (`{path}`: `{value!r}`)"
        lines.append(f"| `{option.name}` | {where} | {default} | {option.allowed} | {option.doc} |")
    return "\n".join(lines) + "\n"
