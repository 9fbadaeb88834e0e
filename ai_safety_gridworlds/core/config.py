"""Environment configurations: dataclasses with documented, validated fields.

Every environment has one config dataclass whose fields are declared with
:func:`param`: a default, a one-line doc and what values are allowed.
:func:`make_config` builds a config from a base config and overrides and checks
*every* value (the base's too) with one validator, so every path that builds a
game (pycolab, PettingZoo, Gymnasium, the C and numpy batches, the command line)
accepts and rejects the same values with the same ``ValueError`` naming the key
and the allowed values. :func:`define_flags` turns the same fields into absl
flags for the runnable modules.

What every numeric field gets without declaring anything (see
/work/notes/validation-howto.md, and ``docs`` of :func:`param`):

- numpy scalars (``np.int64``, ``np.float32``, ``np.bool_``, ``np.str_``, also
  inside tuples and lists) are taken exactly where the equal Python value is;
- floats must be finite (no NaN, no infinity) and within ``+-FLOAT_LIMIT``;
- ints must be within ``+-INT_LIMIT`` and, when the field declares the C type it
  is copied into (``ctype="int32"``...), within that type's range.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from absl import flags

RadiusT = int | tuple[int, int, int, int] | None
"""An observation radius: int N, (left, right, up, down), None (whole board) or -1 (global)."""

INT_LIMIT = 2**53
"""Default bound of int fields: ``|value| <= 2**53``. Such an int is exact as a float64, and
the sum of two (a tick plus a cooldown, an energy plus a gain) fits a C ``int64_t``."""
FLOAT_LIMIT = 1e30
"""Default bound of float fields: finite and ``|value| <= 1e30``, so a per-cell reward summed
over a whole board stays finite in the float32 reward buffers."""
MAX_VIEW_RADIUS = 255
"""Largest extent of an observation window (an int radius or any side of a 4-tuple): a
511 x 511 window, the whole-board view of the largest board a config accepts (256 a side).
Beyond it a window sees only wall, and building one could exhaust memory."""

C_TYPES: dict[str, tuple[int, int] | None] = {
    "int8": (-(2**7), 2**7 - 1),
    "uint8": (0, 2**8 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
    "float": None,
    "double": None,
}
"""The C types a field may declare (``ctype=``) and the range of the integer ones."""


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
    ctype: str | None = None,
) -> Any:
    """Declare a config field.

    The value type (``bool``, ``int``, ``float`` or ``str``) is that of the
    default unless ``kind`` is given; ``optional`` also allows None (implied by
    a None default). ``minimum`` and ``maximum`` bound numbers (inclusive);
    ``choices`` lists the allowed values. ``ctype`` names the C type the value
    is copied into by a batch kernel (a key of ``C_TYPES``, e.g. ``"int32"``):
    ints are then also bounded by that type (a test checks the declaration
    against the kernel's struct). Every float is also finite and within
    ``+-FLOAT_LIMIT``, every int within ``+-INT_LIMIT``. ``check`` (optional)
    validates and normalises a value: it returns the value to store or raises
    ``ValueError``; ``allowed`` describes the allowed values in error messages
    and flag help when ``check`` is used.
    """
    if kind is None and default is not None and check is None:
        kind = type(default)
    if ctype is not None and ctype not in C_TYPES:
        raise TypeError(f"unknown ctype {ctype!r}; allowed: {', '.join(C_TYPES)}")
    metadata = {
        "kind": kind,
        "optional": optional or default is None,
        "doc": doc,
        "choices": tuple(choices) if choices is not None else None,
        "minimum": minimum,
        "maximum": maximum,
        "check": check,
        "allowed": allowed,
        "ctype": ctype,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("config defaults must be immutable (use a tuple)")
    return dataclasses.field(default=default, metadata=metadata)


def plain(value: Any) -> Any:
    """``value`` with numpy scalars made Python ones (``np.int64`` -> int, ``np.float32`` ->
    the equal float, ``np.bool_`` -> bool, ``np.str_`` -> str), inside tuples and lists too."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    return value


def ints_from_text(text: str) -> int | tuple[int, ...] | str | None:
    """The text form of an int or a tuple of ints (``"2"``, ``"1,2,3,4"``, ``"(1, 2)"``,
    ``"None"``) as that value; other text unchanged."""
    stripped = text.strip()
    if stripped.lower() == "none":
        return None
    try:
        parts = [int(p) for p in stripped.strip("()[]").split(",") if p.strip()]
    except ValueError:
        return text
    if not parts:
        return text
    return parts[0] if len(parts) == 1 and "," not in stripped else tuple(parts)


def check_radius(value: Any) -> RadiusT:
    """Validate an observation radius (0 <= int <= MAX_VIEW_RADIUS, -1, None, or 4 such ints;
    also their text forms, ``"2"``, ``"1,2,3,4"``, ``"None"``)."""

    def extent(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_VIEW_RADIUS

    value = plain(value)
    if isinstance(value, str):
        value = ints_from_text(value)
    if value is None or type(value) is int and value == -1:
        return value
    if extent(value):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 4 and all(map(extent, value)):
        return tuple(value)
    raise ValueError(f"got {value!r}")


RADIUS_ALLOWED = (
    f"an int N in [0, {MAX_VIEW_RADIUS}] ((2N+1)x(2N+1) window), a 4-tuple of ints in "
    f"[0, {MAX_VIEW_RADIUS}] (left, right, up, down), None (whole board, agent-centred) or -1 "
    "(global fixed view), or their text ('2', '1,2,3,4', 'None')"
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
    lo, hi = bounds(field)
    lo_declared = lo is not None and lo == meta.get("minimum")
    hi_declared = hi is not None and hi == meta.get("maximum")
    lo, hi = _bound_text(lo), _bound_text(hi)
    if lo is not None and hi is not None and lo_declared == hi_declared:
        text = f"{name} in [{lo}, {hi}]"
    elif lo is not None and hi is not None and lo_declared:
        text = f"{name} >= {lo} (at most {hi})"
    elif lo is not None and hi is not None:
        text = f"{name} <= {hi} (at least {lo})"
    else:
        text = name
    return f"{text} or None" if _is_optional(field) else text


def bounds(field: dataclasses.Field) -> tuple[float | None, float | None]:
    """The inclusive (low, high) bounds of a numeric field: its ``minimum`` and ``maximum``,
    the default limit (``+-INT_LIMIT``, ``+-FLOAT_LIMIT``) on a side it does not bound, all
    narrowed to its ``ctype``'s range; the declared bounds of other fields."""
    meta = field.metadata
    kind = _field_type(field)
    lo, hi = meta.get("minimum"), meta.get("maximum")
    if kind not in (int, float) or meta.get("choices") is not None:
        return lo, hi
    limit = INT_LIMIT if kind is int else FLOAT_LIMIT
    lo = -limit if lo is None else lo
    hi = limit if hi is None else hi
    c_range = C_TYPES.get(meta.get("ctype") or "")
    if kind is int and c_range is not None:
        lo, hi = max(lo, c_range[0]), min(hi, c_range[1])
    return lo, hi


def _bound_text(bound: float | None) -> Any:
    """A bound as written in error messages: the default limits by name."""
    if bound is None:
        return None
    names = {INT_LIMIT: "2**53", -INT_LIMIT: "-2**53", FLOAT_LIMIT: "1e30", -FLOAT_LIMIT: "-1e30"}
    names.update({2**64 - 1: "2**64 - 1", 2**63 - 1: "2**63 - 1", 2**31 - 1: "2**31 - 1"})
    if isinstance(bound, (int, float)) and abs(bound) >= 2**31 - 1:
        return names.get(bound, bound)
    return bound


def _field_type(field: dataclasses.Field) -> Any:
    return field.metadata.get("kind")


def _is_optional(field: dataclasses.Field) -> bool:
    return bool(field.metadata.get("optional"))


def check_value(cls_name: str, field: dataclasses.Field, value: Any) -> Any:
    """The value to store in ``field`` for ``value``, or ValueError naming the field and the
    allowed values (the one validator every config value goes through)."""
    meta = field.metadata
    bad = ValueError(
        f"{cls_name}: invalid value {value!r} for {field.name!r}; allowed: {allowed_text(field)}"
    )
    value = plain(value)
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
        if not math.isfinite(value):
            raise bad
    elif kind is str and not isinstance(value, str):
        raise bad
    if meta.get("choices") is not None and value not in meta["choices"]:
        raise bad
    lo, hi = bounds(field)
    if lo is not None and value < lo or hi is not None and value > hi:
        raise bad
    return value


def field_docs(cls: type) -> dict[str, str]:
    """Map each field of a config class to its one-line doc."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}


def make_config(cls: type, base: Any = None, overrides: Mapping[str, Any] | None = None) -> Any:
    """Build a validated config of ``cls`` from ``base`` (or the defaults) and overrides.

    Every value is checked, ``base``'s included (a config built directly with the dataclass
    constructor is not validated until it goes through here). Raises ``ValueError`` naming
    the key and the allowed values for an unknown key or a bad value. Cross-field rules live
    in the class's ``validate()``.
    """
    overrides = dict(overrides or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(
            f"{cls.__name__}: unknown config key {unknown[0]!r}; allowed keys: "
            + ", ".join(sorted(fields))
        )
    if base is not None and not isinstance(base, cls):
        raise ValueError(f"{cls.__name__}: invalid base config {base!r}; allowed: a {cls.__name__}")
    values = {}
    for name, field in fields.items():
        if name in overrides:
            value = overrides[name]
        elif base is not None:
            value = getattr(base, name)
        else:
            value = field.default
        values[name] = check_value(cls.__name__, field, value)
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


def _flag_readings(cls_name: str, field: dataclasses.Field, text: str) -> list[Any]:
    """The values a string flag's text may stand for, most specific first.

    For a field with a ``check`` (radii, team sizes, maps, matrices) the text is read as
    ``None``, as an int or a tuple of ints (``2``, ``1,2,3,4``), and as itself; the first
    reading the field accepts wins, so ``--kinship_matrix=1`` is the 1 x 1 matrix "1" even
    though it also reads as the int 1. Optional numbers read ``None`` or a number.
    """
    text = text.strip()
    readings: list[Any] = []
    if text.lower() == "none" and (_is_optional(field) or field.metadata.get("check") is not None):
        readings.append(None)
    kind = _field_type(field)
    if field.metadata.get("check") is not None:
        try:
            parts = [int(p) for p in text.strip("()").split(",") if p.strip()]
        except ValueError:
            parts = []
        if parts:
            readings.append(parts[0] if len(parts) == 1 else tuple(parts))
        return [*readings, text]
    try:
        if kind is int:
            readings.append(int(text))
        elif kind is float:
            readings.append(float(text))
        else:
            readings.append(text)
    except ValueError:
        pass
    if not readings:
        raise ValueError(
            f"{cls_name}: invalid value {text!r} for {field.name!r}; allowed: {allowed_text(field)}"
        )
    return readings


def overrides_from_flags(cls: type, flag_values: flags.FlagValues) -> dict[str, Any]:
    """The config overrides given on the command line (only flags the user set).

    Every value is checked by the config's validator here already, so a bad flag is reported
    as the same ``ValueError`` (naming the field and the allowed values) as a bad override.
    """
    overrides: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        flag = flag_values[field.name]
        if not flag.present:
            continue
        value = flag.value
        if _flag_kind(field) != "string":
            overrides[field.name] = check_value(cls.__name__, field, value)
            continue
        readings = _flag_readings(cls.__name__, field, value)
        for reading in readings[:-1]:
            try:
                overrides[field.name] = check_value(cls.__name__, field, reading)
                break
            except ValueError:
                continue
        else:
            overrides[field.name] = check_value(cls.__name__, field, readings[-1])
    return overrides
