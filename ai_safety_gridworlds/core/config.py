"""Environment configurations: dataclasses with documented, validated fields.

Every environment has one config dataclass whose fields are declared with
:func:`param`: a default, a one-line doc and what values are allowed.
:func:`make_config` builds a config from overrides and rejects unknown keys,
wrong types and out-of-range values with a ``ValueError`` that names the key
and the allowed values. :func:`define_flags` turns the same fields into absl
flags for the runnable modules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from absl import flags

RadiusT = int | tuple[int, int, int, int] | None
"""An observation radius: int N, (left, right, up, down), None (whole board) or -1 (global)."""


def param(
    default: Any,
    doc: str,
    *,
    choices: Sequence[Any] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    check: Callable[[Any], Any] | None = None,
    allowed: str | None = None,
    kind: type | None = None,
    optional: bool = False,
) -> Any:
    """Declare a config field.

    The value type (``bool``, ``int``, ``float`` or ``str``) is that of the
    default unless ``kind`` is given; ``optional`` also allows None (implied by
    a None default). ``check`` (optional) validates and normalises a value: it
    returns the value to store or raises ``ValueError``; ``allowed`` describes
    the allowed values in error messages and flag help when ``check`` is used.
    """
    if kind is None and default is not None and check is None:
        kind = type(default)
    metadata = {
        "kind": kind,
        "optional": optional or default is None,
        "doc": doc,
        "choices": tuple(choices) if choices is not None else None,
        "minimum": minimum,
        "maximum": maximum,
        "check": check,
        "allowed": allowed,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("config defaults must be immutable (use a tuple)")
    return dataclasses.field(default=default, metadata=metadata)


def check_radius(value: Any) -> RadiusT:
    """Validate an observation radius (int >= 0, -1, None, or 4 ints >= 0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"got {value!r}")
    if isinstance(value, int):
        if value < -1:
            raise ValueError(f"got {value!r}")
        return int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return tuple(int(v) for v in value)
    raise ValueError(f"got {value!r}")


RADIUS_ALLOWED = (
    "an int N >= 0 ((2N+1)x(2N+1) window), a 4-tuple of ints >= 0 (left, right, up, down), "
    "None (whole board, agent-centred) or -1 (global fixed view)"
)


def radius_param(default: RadiusT, doc: str) -> Any:
    """A config field holding an observation radius."""
    return param(default, doc, check=check_radius, allowed=RADIUS_ALLOWED)


def allowed_text(field: dataclasses.Field) -> str:
    """Human-readable description of a field's allowed values."""
    meta = field.metadata
    if meta.get("allowed"):
        return meta["allowed"]
    if meta.get("choices") is not None:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    kind = _field_type(field)
    name = {bool: "a bool", int: "an int", float: "a number", str: "a string"}.get(kind, str(kind))
    lo, hi = meta.get("minimum"), meta.get("maximum")
    if lo is not None and hi is not None:
        text = f"{name} in [{lo}, {hi}]"
    elif lo is not None:
        text = f"{name} >= {lo}"
    elif hi is not None:
        text = f"{name} <= {hi}"
    else:
        text = name
    return f"{text} or None" if _is_optional(field) else text


def _field_type(field: dataclasses.Field) -> Any:
    return field.metadata.get("kind")


def _is_optional(field: dataclasses.Field) -> bool:
    return bool(field.metadata.get("optional"))


def _check_value(cls_name: str, field: dataclasses.Field, value: Any) -> Any:
    meta = field.metadata
    bad = ValueError(
        f"{cls_name}: invalid value {value!r} for {field.name!r}; allowed: {allowed_text(field)}"
    )
    if meta.get("check") is not None:
        try:
            return meta["check"](value)
        except (ValueError, TypeError):
            raise bad from None
    if value is None:
        if _is_optional(field):
            return None
        raise bad
    kind = _field_type(field)
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        value = int(value)
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        value = float(value)
        if value != value:
            raise bad
    elif kind is str and not isinstance(value, str):
        raise bad
    if meta.get("choices") is not None and value not in meta["choices"]:
        raise bad
    if meta.get("minimum") is not None and value < meta["minimum"]:
        raise bad
    if meta.get("maximum") is not None and value > meta["maximum"]:
        raise bad
    return value


def field_docs(cls: type) -> dict[str, str]:
    """Map each field of a config class to its one-line doc."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}


def make_config(cls: type, base: Any = None, overrides: Mapping[str, Any] | None = None) -> Any:
    """Build a validated config of ``cls`` from ``base`` (or the defaults) and overrides.

    Raises ``ValueError`` naming the key and the allowed values for an unknown
    key or a bad value. Cross-field rules live in the class's ``validate()``.
    """
    overrides = dict(overrides or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(
            f"{cls.__name__}: unknown config key {unknown[0]!r}; allowed keys: "
            + ", ".join(sorted(fields))
        )
    values = dataclasses.asdict(base) if base is not None else {}
    for name, field in fields.items():
        if name in overrides:
            values[name] = _check_value(cls.__name__, field, overrides[name])
        elif name not in values:
            values[name] = field.default
        elif isinstance(values[name], list):
            values[name] = tuple(values[name])
    config = cls(**values)
    validate = getattr(config, "validate", None)
    if validate is not None:
        validate()
    return config


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-friendly dict of a config (tuples become lists)."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()
    }


# ---------------------------------------------------------------------------
# absl flags generated from a config class


def _flag_kind(field: dataclasses.Field) -> str:
    """How a field is represented as a flag: bool, int, float, enum or string."""
    kind = _field_type(field)
    if field.metadata.get("check") is not None or _is_optional(field):
        return "string"
    if kind is bool:
        return "bool"
    if kind is int:
        return "int"
    if kind is float:
        return "float"
    if kind is str and field.metadata.get("choices"):
        return "enum"
    return "string"


def _flag_text(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def define_flags(cls: type, flag_values: flags.FlagValues, defaults: Any = None) -> None:
    """Define one absl flag per field of ``cls`` on ``flag_values``.

    Radii are written ``2``, ``-1``, ``None`` or ``1,2,3,4``; optional numbers
    accept ``None``.
    """
    defaults = defaults if defaults is not None else cls()
    for field in dataclasses.fields(cls):
        default = getattr(defaults, field.name)
        help_text = f"{field.metadata.get('doc', '')} Allowed: {allowed_text(field)}."
        kind = _flag_kind(field)
        if kind == "bool":
            flags.DEFINE_bool(field.name, default, help_text, flag_values=flag_values)
        elif kind == "int":
            flags.DEFINE_integer(field.name, default, help_text, flag_values=flag_values)
        elif kind == "float":
            flags.DEFINE_float(field.name, default, help_text, flag_values=flag_values)
        elif kind == "enum":
            choices = list(field.metadata["choices"])
            flags.DEFINE_enum(field.name, default, choices, help_text, flag_values=flag_values)
        else:
            flags.DEFINE_string(field.name, _flag_text(default), help_text, flag_values=flag_values)


def _parse_flag_text(cls_name: str, field: dataclasses.Field, text: str) -> Any:
    """The value of a string flag for a radius, an optional number or a string."""
    bad = ValueError(
        f"{cls_name}: invalid value {text!r} for {field.name!r}; allowed: {allowed_text(field)}"
    )
    text = text.strip()
    if text.lower() == "none" and (_is_optional(field) or field.metadata.get("check") is not None):
        return None
    kind = _field_type(field)
    if field.metadata.get("check") is not None:
        try:
            parts = [int(p) for p in text.strip("()").split(",") if p.strip()]
        except ValueError:
            return text  # not ints: the field's check parses (or rejects) the text itself
        return parts[0] if len(parts) == 1 else tuple(parts)
    try:
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise bad from None
    return text


def overrides_from_flags(cls: type, flag_values: flags.FlagValues) -> dict[str, Any]:
    """The config overrides given on the command line (only flags the user set)."""
    overrides: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        flag = flag_values[field.name]
        if not flag.present:
            continue
        value = flag.value
        if _flag_kind(field) == "string":
            value = _parse_flag_text(cls.__name__, field, value)
        overrides[field.name] = value
    return overrides
