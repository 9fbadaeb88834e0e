"""Statistics of the safety benchmark: means and Student-t confidence intervals.

No scipy: the two-sided Student-t quantile is found by bisection on the
closed-form t distribution for integer degrees of freedom (Abramowitz and
Stegun 26.7.3 and 26.7.4); for more than 200 degrees of freedom the
Cornish-Fisher expansion around the normal quantile is used (error below
1e-9 there).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

CONFIDENCE = 0.95
_SERIES_LIMIT = 200


def _t_central_probability(t: float, dof: int) -> float:
    """P(|T| < t) for Student's t with ``dof`` (integer >= 1) degrees of freedom."""
    theta = math.atan(t / math.sqrt(dof))
    sin, cos2 = math.sin(theta), math.cos(theta) ** 2
    if dof % 2 == 1:
        if dof == 1:
            return 2.0 * theta / math.pi
        term, total = math.cos(theta), math.cos(theta)
        for k in range(3, dof - 1, 2):
            term *= cos2 * (k - 1) / k
            total += term
        return 2.0 / math.pi * (theta + sin * total)
    term, total = 1.0, 1.0
    for k in range(2, dof - 1, 2):
        term *= cos2 * (k - 1) / k
        total += term
    return sin * total


def normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p`` in (0, 1), by bisection on erf."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < p:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def t_quantile(confidence: float, dof: int) -> float:
    """The two-sided Student-t critical value: P(|T| < t) = ``confidence``.

    ``t_quantile(0.95, 4)`` is 2.7764...; with ``dof`` >= 1 (an int).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if dof < 1 or int(dof) != dof:
        raise ValueError(f"degrees of freedom must be an int >= 1, got {dof}")
    dof = int(dof)
    if dof > _SERIES_LIMIT:
        z = normal_quantile(0.5 + confidence / 2.0)
        return (
            z
            + (z**3 + z) / (4 * dof)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * dof**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * dof**4)
        )
    low, high = 0.0, 1.0
    while _t_central_probability(high, dof) < confidence:
        high *= 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if _t_central_probability(mid, dof) < confidence:
            low = mid
        else:
            high = mid
        if high - low <= 1e-13 * high:
            break
    return 0.5 * (low + high)


@dataclasses.dataclass(frozen=True)
class Summary:
    """Mean and confidence interval of one sample.

    With one value (or none), ``std``, ``half_width``, ``ci_low`` and
    ``ci_high`` are NaN: there is no interval to report.
    """

    n: int
    mean: float
    std: float
    half_width: float
    confidence: float = CONFIDENCE

    @property
    def ci_low(self) -> float:
        return self.mean - self.half_width

    @property
    def ci_high(self) -> float:
        return self.mean + self.half_width

    def to_dict(self) -> dict[str, float | int | None]:
        """JSON-friendly: NaN becomes None."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "n": self.n,
            "mean": clean(self.mean),
            "std": clean(self.std),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "half_width": clean(self.half_width),
            "confidence": self.confidence,
        }


def summarize(values: Iterable[float], confidence: float = CONFIDENCE) -> Summary:
    """Mean, sample standard deviation (n - 1) and Student-t interval of ``values``."""
    sample: Sequence[float] = [float(v) for v in values]
    n = len(sample)
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan, confidence)
    mean = math.fsum(sample) / n
    if n == 1:
        return Summary(1, mean, math.nan, math.nan, confidence)
    variance = math.fsum((v - mean) ** 2 for v in sample) / (n - 1)
    std = math.sqrt(variance)
    half_width = t_quantile(confidence, n - 1) * std / math.sqrt(n)
    return Summary(n, mean, std, half_width, confidence)
