"""Diamond charger kinship: teams, clans, the five schemes, validation and Beta draws.

Kinship is a symmetric float64 matrix ``K`` with ``K[i][i] = 1`` and values in
[0, 1]. Agent ``i``'s ``KIN_HEART`` reward is ``sum over j != i of K[i][j] *
hearts_j``. Schemes:

- ``independent``: the identity;
- ``teams``: 1 within a team, 0 between teams;
- ``random``: each off-diagonal pair drawn once per episode from Beta(a, b);
- ``hives``: 1 within a team, ``clan_kinship`` between teams of the same clan,
  0 between clans;
- ``matrix``: the user's matrix (validated by :func:`check_matrix`).

Teams are consecutive runs of agents (``agent_0``, ``agent_1``, ... in order);
clans are consecutive runs of ``teams_per_clan`` teams (the last may be
smaller).

Beta draws must be reproducible bit for bit by the C kernel, so they use only
the counter-based generator and, in a fixed sequence, IEEE operations and the
C library's ``sqrt``, ``log``, ``cos`` and ``pow`` (Python's ``math`` calls the
same libm). Pair ``(i, j)``, ``i < j``, of ``n`` agents draws from
``rng.stream_base(key, i * n + j, STREAM_KINSHIP)``, indices 0, 1, 2, ...
consumed in order:

- integer ``a`` and ``b``: ``Beta(a, b)`` is the ``a``-th smallest of
  ``a + b - 1`` uniforms (indices ``0 .. a + b - 2``): exact, no
  transcendental functions; ``Beta(1, 1)`` is the uniform of index 0;
- otherwise ``X / (X + Y)`` with ``X ~ Gamma(a)`` drawn first, then
  ``Y ~ Gamma(b)``, each by :func:`gamma_draw` (Marsaglia and Tsang), the
  expressions evaluated exactly as written there (compile C with
  ``-ffp-contract=off``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ai_safety_gridworlds.core import rng

SCHEMES = ("independent", "teams", "random", "hives", "matrix")
STREAM_KINSHIP = rng.FIRST_ENVIRONMENT_STREAM
"""Counter-based stream of the per-episode kinship draws."""

TWO_PI = 6.283185307179586
ONE_THIRD = 1.0 / 3.0
MAX_GAMMA_ROUNDS = 10_000
"""Bound on Marsaglia-Tsang rejection rounds (acceptance is above 95%)."""


def split_sizes(total: int, parts: int) -> tuple[int, ...]:
    """``total`` split into ``parts`` consecutive groups as equal as possible (larger first)."""
    return tuple(total // parts + (1 if i < total % parts else 0) for i in range(parts))


def team_of_agents(team_sizes: Sequence[int]) -> tuple[int, ...]:
    """The team index of every agent, teams being consecutive runs of the given sizes."""
    return tuple(team for team, size in enumerate(team_sizes) for _ in range(size))


def clan_of_teams(num_teams: int, teams_per_clan: int) -> tuple[int, ...]:
    """The clan index of every team: consecutive runs of ``teams_per_clan`` teams."""
    return tuple(team // teams_per_clan for team in range(num_teams))


def check_matrix(matrix: Sequence[Sequence[float]], num_agents: int) -> np.ndarray:
    """Validate a user kinship matrix; returns it as float64.

    Rules: square, of size ``num_agents``, symmetric, values in [0, 1] and a
    diagonal of ones. Raises ``ValueError`` saying which rule failed.
    """
    rows = [list(row) for row in matrix]
    if any(len(row) != len(rows) for row in rows):
        raise ValueError(
            f"kinship_matrix must be square; got rows of lengths {[len(r) for r in rows]}"
        )
    if len(rows) != num_agents:
        raise ValueError(
            f"kinship_matrix is {len(rows)} x {len(rows)} but there are {num_agents} agents; "
            f"allowed: a {num_agents} x {num_agents} matrix"
        )
    values = np.array(rows, dtype=np.float64).reshape(num_agents, num_agents)
    for i in range(num_agents):
        for j in range(num_agents):
            value = float(values[i, j])
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"kinship_matrix[{i}][{j}] = {value!r} is out of range; allowed: [0, 1]"
                )
            if i == j and value != 1.0:
                raise ValueError(
                    f"kinship_matrix[{i}][{i}] = {value!r}; the diagonal must be 1 "
                    "(every agent is its own kin)"
                )
            if value != values[j, i]:
                raise ValueError(
                    f"kinship_matrix is not symmetric: [{i}][{j}] = {value!r} but "
                    f"[{j}][{i}] = {values[j, i]!r}"
                )
    return values


def gamma_draw(shape: float, base: int, index: int) -> tuple[float, int]:
    """One Gamma(shape, 1) draw from uniforms ``index, index + 1, ...`` of ``base``.

    Returns the draw and the next unused index. For ``shape < 1``:
    ``Gamma(shape + 1) * pow(1 - u, 1 / shape)`` with ``u`` the uniform after
    those of the inner draw. For ``shape >= 1`` (Marsaglia and Tsang), each
    round takes ``u1, u2`` and, unless ``v <= 0``, ``u3``::

        d = shape - 1/3;  c = 1 / sqrt(9 d)
        x = sqrt(-2 log(1 - u1)) * cos(2 pi u2);  v = 1 + c x
        v <= 0: next round;  v = v v v;  u = 1 - u3;  x2 = x x
        accept d v if u < 1 - 0.0331 (x2 x2), or log(u) < 0.5 x2 + d (1 - v + log(v))
    """
    if shape < 1.0:
        value, index = gamma_draw(shape + 1.0, base, index)
        u = 1.0 - rng.draw_uniform(base, index)
        return value * math.pow(u, 1.0 / shape), index + 1
    d = shape - ONE_THIRD
    c = 1.0 / math.sqrt(9.0 * d)
    for _ in range(MAX_GAMMA_ROUNDS):
        u1 = 1.0 - rng.draw_uniform(base, index)
        u2 = rng.draw_uniform(base, index + 1)
        index += 2
        x = math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - rng.draw_uniform(base, index)
        index += 1
        x2 = x * x
        if u < 1.0 - 0.0331 * (x2 * x2):
            return d * v, index
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v, index
    return d, index


def beta_draw(a: float, b: float, base: int) -> float:
    """One Beta(a, b) draw from the stream ``base`` (see the module docstring)."""
    if float(a).is_integer() and float(b).is_integer():
        count = int(a) + int(b) - 1
        uniforms = sorted(rng.draw_uniform(base, i) for i in range(count))
        return uniforms[int(a) - 1]
    x, index = gamma_draw(a, base, 0)
    y, _ = gamma_draw(b, base, index)
    total = x + y
    if total == 0.0:
        return a / (a + b)
    return x / total


def kinship_matrix(
    scheme: str,
    teams: Sequence[int],
    clans: Sequence[int],
    *,
    clan_kinship: float = 0.5,
    beta_a: float = 1.0,
    beta_b: float = 1.0,
    matrix: Sequence[Sequence[float]] | None = None,
    key: int = 0,
) -> np.ndarray:
    """The kinship matrix of one episode (float64, ``n x n``).

    ``teams[i]`` is agent ``i``'s team, ``clans[t]`` team ``t``'s clan;
    ``key`` (the episode key) seeds the ``random`` scheme.
    """
    n = len(teams)
    if scheme == "independent":
        return np.eye(n)
    if scheme == "teams":
        team = np.asarray(teams)
        return (team[:, None] == team[None, :]).astype(np.float64)
    if scheme == "hives":
        team = np.asarray(teams)
        clan = np.asarray(clans)[team]
        same_clan = clan[:, None] == clan[None, :]
        values = np.where(same_clan, clan_kinship, 0.0)
        values[team[:, None] == team[None, :]] = 1.0
        return values
    if scheme == "random":
        values = np.eye(n)
        for i in range(n):
            for j in range(i + 1, n):
                base = rng.stream_base(key, i * n + j, STREAM_KINSHIP)
                values[i, j] = values[j, i] = beta_draw(beta_a, beta_b, base)
        return values
    if scheme == "matrix":
        if matrix is None:
            raise ValueError("kinship='matrix' needs kinship_matrix")
        return check_matrix(matrix, n)
    raise ValueError(f"unknown kinship scheme {scheme!r}; allowed: {', '.join(SCHEMES)}")


def quantise(kinship: np.ndarray) -> np.ndarray:
    """Kinship as the observation's uint8: ``floor(K * 255 + 0.5)`` (one IEEE multiply, one add)."""
    return (kinship * 255.0 + 0.5).astype(np.uint8)


def parse_matrix(value: object) -> tuple[tuple[float, ...], ...] | None:
    """Normalise a kinship matrix given as nested sequences or as text ``"1,0.5;0.5,1"``.

    Only the form is checked here (rows of numbers); the rules are checked by
    :func:`check_matrix` once the number of agents is known.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "none":
            return None
        value = [[float(x) for x in row.split(",") if x.strip()] for row in text.split(";")]
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    ):
        value = [[value]]  # a number: the 1 x 1 matrix (what the text "1" reads as)
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"got {value!r}")
    rows = []
    for row in value:
        if not isinstance(row, (list, tuple)):
            raise ValueError(f"got {value!r}")
        for x in row:
            if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
                raise ValueError(f"got {value!r}")
        rows.append(tuple(float(x) for x in row))
    return tuple(rows)
