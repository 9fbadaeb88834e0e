"""The one place the project imports pycolab from, with fixes for numpy 2.x and Python 3.10+.

PyPI pycolab 1.2 (2018) breaks on current numpy and Python. Importing this module applies
small, idempotent fixes to the installed package (nothing of pycolab is copied here) and
re-exports its submodules::

    from ai_safety_gridworlds.core.compat import ascii_art, engine, things, prefab_sprites

``human_ui`` imports ``curses`` at module level, so it is loaded (and fixed) only when it
is first asked for: ``from ai_safety_gridworlds.core.compat import human_ui``.
"""

from __future__ import annotations

import collections
import collections.abc
import functools
import importlib
import sys
import types
from collections.abc import Iterable
from typing import Any

import numpy as np
from pycolab import ascii_art, cropping, engine, plot, rendering, storytelling, things
from pycolab.prefab_parts import drapes as prefab_drapes
from pycolab.prefab_parts import sprites as prefab_sprites
from pycolab.protocols import logging as plab_logging
from pycolab.protocols import scrolling

__all__ = [
    "apply",
    "ascii_art",
    "cropping",
    "engine",
    "plab_logging",
    "plot",
    "prefab_drapes",
    "prefab_sprites",
    "rendering",
    "scrolling",
    "storytelling",
    "things",
]

# Set on every object this module installs, so that `apply()` never wraps twice.
_MARK = "_ai_safety_gridworlds_compat"

_ART_ERROR = (
    "the argument to ascii_art_to_uint8_nparray must be a list (or tuple) "
    "of strings containing the same number of strictly-ASCII characters."
)


class _ModuleProxy:
    """Stands in for a module inside one pycolab module: `overrides` first, then `module`."""

    def __init__(self, module: types.ModuleType, **overrides: Any) -> None:
        vars(self).update(overrides, _module=module)
        setattr(self, _MARK, True)

    def __getattr__(self, name: str) -> Any:
        if name == "_module":  # Not set yet (e.g. in a copy): no recursion.
            raise AttributeError(name)
        return getattr(self._module, name)

    def __repr__(self) -> str:
        return f"<compat proxy of {self._module.__name__!r}>"


class _ScalarIndexArray(np.ndarray):
    """Index array that `int()` accepts when it has exactly one element (numpy < 2.4)."""

    def __int__(self) -> int:
        return int(self.item())


class _BoardWithTostring(np.ndarray):
    """Board view whose rows still answer `tostring()` (removed in numpy 2.3)."""

    def tostring(self, order: str = "C") -> bytes:
        return self.tobytes(order)


def _ascii_art_to_uint8_nparray(art: Iterable[str]) -> np.ndarray:
    """Convert ASCII art (equal-length strings) to a 2-D uint8 array.

    Same contract as pycolab's function, whose body uses `np.vstack` over a generator and the
    removed binary `np.fromstring`. Raises TypeError if `art` is not a sequence of strings and
    ValueError for rows of different lengths or non-ASCII characters.
    """
    try:
        rows = list(art)
    except TypeError as error:
        raise TypeError(f"{_ART_ERROR} (got {type(art).__name__})") from error
    if isinstance(art, (str, bytes)) or not all(isinstance(r, (str, bytes)) for r in rows):
        hint = " Did you pass a list of list of single characters?"
        raise TypeError(_ART_ERROR + (hint if isinstance(art, (list, tuple)) else ""))
    try:
        codes = [r.encode("ascii") if isinstance(r, str) else r for r in rows]
        array = np.vstack([np.frombuffer(c, dtype=np.uint8) for c in codes])
    except ValueError as error:  # ragged rows, no rows, or UnicodeEncodeError
        raise ValueError(f"{_ART_ERROR} (original error: {error})") from error
    if np.any(array > 127):
        raise ValueError(_ART_ERROR)
    return array


def _where_with_int_friendly_indices(condition: Any, *x_and_y: Any) -> Any:
    """`np.where`, except that one-argument calls return `_ScalarIndexArray` indices."""
    result = np.where(condition, *x_and_y)
    return result if x_and_y else tuple(index.view(_ScalarIndexArray) for index in result)


def _fix_ascii_art_to_uint8_nparray() -> None:
    """`ascii_art_to_uint8_nparray`: generator into `np.vstack`, binary `np.fromstring`."""
    if not getattr(ascii_art.ascii_art_to_uint8_nparray, _MARK, False):
        setattr(_ascii_art_to_uint8_nparray, _MARK, True)
        ascii_art.ascii_art_to_uint8_nparray = _ascii_art_to_uint8_nparray


def _fix_ascii_art_to_game() -> None:
    """`ascii_art_to_game`: `int()` of the 1-element arrays from `np.where` (numpy 2.4).

    The module's `np` becomes a proxy whose one-argument `where` returns index arrays that
    `int()` accepts; every other `np` name in `pycolab.ascii_art` is numpy's own.
    """
    if not getattr(ascii_art.np, _MARK, False):
        ascii_art.np = _ModuleProxy(np, where=_where_with_int_friendly_indices)


def _fix_storytelling_collections() -> None:
    """`storytelling`: `collections.Mapping`/`Sequence` (removed in Python 3.10).

    Only that module sees a `collections` that also holds the `collections.abc` names.
    """
    if not getattr(storytelling.collections, _MARK, False):
        abc_names = {name: getattr(collections.abc, name) for name in collections.abc.__all__}
        storytelling.collections = _ModuleProxy(collections, **abc_names)


def _fix_palette_copy() -> None:
    """`engine.Palette`: `__getattr__` without `__setstate__`, so deepcopy/pickle recurse."""
    if "__setstate__" not in vars(engine.Palette):

        def __getstate__(self: engine.Palette) -> dict[str, Any]:
            return dict(vars(self))

        def __setstate__(self: engine.Palette, state: dict[str, Any]) -> None:
            vars(self).update(state)

        engine.Palette.__getstate__ = __getstate__
        engine.Palette.__setstate__ = __setstate__


def _fix_human_ui_display(human_ui: types.ModuleType) -> None:
    """`human_ui.CursesUi._display`: `ndarray.tostring` (removed in numpy 2.3).

    The original method is kept; it is handed boards viewed as `_BoardWithTostring`.
    """
    display = human_ui.CursesUi._display
    if getattr(display, _MARK, False):
        return

    @functools.wraps(display)
    def _display(self: Any, screen: Any, observations: Any, score: Any, elapsed: Any) -> None:
        observations = [o._replace(board=o.board.view(_BoardWithTostring)) for o in observations]
        display(self, screen, observations, score, elapsed)

    setattr(_display, _MARK, True)
    human_ui.CursesUi._display = _display


def apply() -> None:
    """Apply every fix (idempotent; run when this module is imported)."""
    _fix_ascii_art_to_uint8_nparray()
    _fix_ascii_art_to_game()
    _fix_storytelling_collections()
    _fix_palette_copy()
    if "pycolab.human_ui" in sys.modules:
        _fix_human_ui_display(sys.modules["pycolab.human_ui"])


def __getattr__(name: str) -> types.ModuleType:
    """Load `human_ui` (and with it `curses`) only when it is asked for, fixed."""
    if name != "human_ui":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module("pycolab.human_ui")
    _fix_human_ui_display(module)
    globals()["human_ui"] = module
    return module


apply()
