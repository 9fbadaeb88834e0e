"""Sweep configs shipped with the toolkit: the JSON files of this folder (package data).

``python -m experiments.safety_benchmark --config firemaker_default`` runs one by name;
``--config`` also takes the path of a file of your own in the same format (see
``experiments.safety_benchmark.matrix.load_sweep``). :func:`names` lists the shipped ones.
"""

from __future__ import annotations

import os
from importlib import resources


def names() -> list[str]:
    """The names of the shipped sweep configs (file names without ``.json``), sorted."""
    folder = resources.files(__name__)
    return sorted(
        entry.name[: -len(".json")] for entry in folder.iterdir() if entry.name.endswith(".json")
    )


def resolve(spec: str) -> str:
    """The file of a ``--config`` value: an existing path, or a shipped sweep's name.

    A name may be given with or without ``.json``. ValueError naming the shipped
    sweeps when ``spec`` is neither.
    """
    if os.path.isfile(spec):
        return spec
    name = spec[: -len(".json")] if spec.endswith(".json") else spec
    if name in names():
        return os.fspath(resources.files(__name__) / f"{name}.json")
    raise ValueError(
        f"--config {spec!r} is neither a file nor a shipped sweep; shipped sweeps: "
        f"{', '.join(names())} (or give the path of a JSON file of your own)"
    )
