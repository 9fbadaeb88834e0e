"""Optional extras (``plots``, ``progress``, ``ray``, ``torch``): how to install a missing one.

The toolkit is installed from a clone of its repository, not from PyPI, so
``pip install "ai-safety-gridworlds[plots]"`` does not work. :func:`install_hint`
names the extra's own packages, which pip finds on PyPI, with the version
bounds the installed metadata declares, and the command that installs the
extra from a clone.
"""

from __future__ import annotations

import importlib.metadata

DISTRIBUTION = "ai-safety-gridworlds"

PACKAGES = {
    "plots": ("matplotlib",),
    "progress": ("tqdm",),
    "ray": ("ray",),
    "torch": ("torch",),
}
"""The packages of each extra, used when the installed metadata cannot be read."""


def requirements(extra: str) -> list[str]:
    """The requirements of ``extra`` (``"matplotlib>=3.7"``), from the installed metadata."""
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        declared = []
    found = []
    for line in declared:
        requirement, _, marker = line.partition(";")
        if marker.replace("'", '"').replace(" ", "") == f'extra=="{extra}"':
            found.append(requirement.strip())
    return found or list(PACKAGES.get(extra, ()))


def install_hint(extra: str) -> str:
    """``pip install "<packages>"`` for ``extra``, and the command that works from a clone."""
    packages = " ".join(
        f'"{r}"' if any(c in r for c in "<>=!~") else r for r in requirements(extra)
    )
    return (
        f'pip install {packages} (or, in a clone of this repository: pip install -e ".[{extra}]")'
    )
