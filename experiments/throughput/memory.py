"""Construction time and memory of a batch, measured in a fresh process (a throughput probe).

``construction_probe(module, config, num_envs)`` builds ``module.vector_env(num_envs,
**config)`` with its batched ``observation_space`` and ``action_space``, then resets it, and
returns the seconds each took and the resident memory (RSS) it added per environment against the
bytes of the arrays the batch needs (:func:`buffer_bytes`). Run it in a process of its own
(the harness spawns one per probe): RSS then counts this batch alone.
"""

from __future__ import annotations

import gc
import importlib
import os
import resource
import time
from typing import Any

import numpy as np


def resident_bytes() -> int:
    """This process's resident set size now (Linux: /proc/self/statm; elsewhere the peak)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def buffer_bytes(env: Any) -> int:
    """The bytes of every numpy array that ``env`` and its backend own (not views): output
    buffers, state and the kernel's scratch; what the batch needs."""
    seen: dict[int, int] = {}

    def visit(value: Any) -> None:
        if isinstance(value, np.ndarray):
            base = value
            while isinstance(base.base, np.ndarray):
                base = base.base
            seen[id(base)] = base.nbytes
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)

    for owner in (env, getattr(env, "_backend", None)):
        if owner is not None:
            for value in vars(owner).values():
                visit(value)
    return sum(seen.values())


def construction_probe(module: str, config: dict[str, Any], num_envs: int) -> dict[str, float]:
    """Seconds to build the batch and its batched spaces, seconds of the first reset, RSS and
    buffers per environment (KiB) and their ratio."""
    make = importlib.import_module(module).vector_env
    warm = make(1, **config)  # imports, caches and the kernel's first call out of the way
    warm.reset(seed=0)
    _ = warm.observation_space, warm.action_space
    warm.close()
    del warm
    gc.collect()
    before = resident_bytes()
    start = time.perf_counter()
    env = make(num_envs, **config)
    _ = env.observation_space, env.action_space
    built = time.perf_counter()
    env.reset(seed=0)
    reset = time.perf_counter()
    rss = resident_bytes() - before
    buffers = buffer_bytes(env)
    return {
        "construct_s": built - start,
        "reset_s": reset - built,
        "rss_kib_per_env": rss / num_envs / 1024,
        "buffers_kib_per_env": buffers / num_envs / 1024,
        "rss_over_buffers": rss / buffers,
    }
