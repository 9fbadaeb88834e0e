"""Which chargers and altars work this episode (``working_chargers``, ``working_altars``).

With ``working_altars = k`` (``k`` >= 1) only ``k`` of the map's altars, drawn once per episode
from the episode key, make hearts; the others look and cool down exactly like them but take
nothing and give nothing when used. Likewise for chargers. It is a rule an agent cannot see:
it has to try the objects and remember which worked (the in-context evaluations use it).

The draw (the C kernel's ``draw_working`` in ``csrc/diamond_charger/diamond_batch.c`` is its
twin): list the kind's cells in row-major order; for ``i = 0 .. k - 1`` swap entry ``i`` with
entry ``i + below(base, i, count - i)``, where ``base = rng.stream_base(key, kind,
STREAM_WORKING)`` and ``kind`` is 0 for chargers, 1 for altars; the first ``k`` entries work.
"""

from __future__ import annotations

import numpy as np

from ai_safety_gridworlds.core import rng

STREAM_WORKING = rng.FIRST_ENVIRONMENT_STREAM + 6
"""Counter-based stream of the working-object draws."""
KIND_CHARGER, KIND_ALTAR = 0, 1


def working_mask(key: int, cells: np.ndarray, working: int, kind: int) -> np.ndarray:
    """Boolean mask (the shape of ``cells``) of the objects of one kind that work.

    ``cells`` is the kind's boolean mask, ``working`` how many work (0, or at least their
    number: all of them), ``kind`` ``KIND_CHARGER`` or ``KIND_ALTAR``.
    """
    order = [tuple(int(v) for v in cell) for cell in np.argwhere(cells)]
    if working == 0 or working >= len(order):
        return cells.copy()
    base = rng.stream_base(key, kind, STREAM_WORKING)
    for i in range(working):
        j = i + rng.below(base, i, len(order) - i)
        order[i], order[j] = order[j], order[i]
    mask = np.zeros_like(cells, dtype=bool)
    for cell in order[:working]:
        mask[cell] = True
    return mask
