"""Statistics of the safety benchmark: means with Student-t intervals, paired differences with
bootstrap intervals (scipy).

- :func:`summarize`: one cell's sample of a metric, mean and Student-t 95% interval.
- :func:`paired_difference`: two policies played on the same seeds; the per-seed differences
  and the bias-corrected and accelerated (BCa) bootstrap 95% interval of their mean
  (``scipy.stats.bootstrap``, a fixed generator seed, so a re-run gives the same interval).
  Pairing removes the seed-to-seed variation both policies share (which fire starts where),
  so it shows differences that the two cells' own intervals, side by side, hide; the
  bootstrap needs no normality, which heavy-tailed metrics such as external fire-ticks lack.

Censored metrics (times to an event that may not happen) are in :mod:`.survival`. scipy is
imported when first needed, so importing this module stays cheap.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 20240613
"""The bootstrap's generator seed: the same data give the same interval on every run."""


def t_quantile(confidence: float, dof: int) -> float:
    """The two-sided Student-t critical value: P(|T| < t) = ``confidence``.

    ``t_quantile(0.95, 4)`` is 2.7764...; with ``dof`` >= 1 (an int).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if dof < 1 or int(dof) != dof:
        raise ValueError(f"degrees of freedom must be an int >= 1, got {dof}")
    from scipy import stats as scipy_stats

    return float(scipy_stats.t.ppf(0.5 + confidence / 2.0, int(dof)))


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


@dataclasses.dataclass(frozen=True)
class PairedDifference:
    """The mean of per-seed differences (policy minus baseline) and its bootstrap interval.

    ``ci_low``/``ci_high`` are NaN with fewer than two pairs. With every difference equal
    the interval is that value (there is nothing to resample).
    """

    n: int
    mean: float
    ci_low: float
    ci_high: float
    confidence: float = CONFIDENCE

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely above or below 0."""
        return self.ci_low > 0.0 or self.ci_high < 0.0

    def to_dict(self) -> dict[str, float | int | bool | None]:
        """JSON-friendly: NaN becomes None."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "n": self.n,
            "mean": clean(self.mean),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "confidence": self.confidence,
            "excludes_zero": self.excludes_zero,
        }


def paired_difference(
    values: Sequence[float],
    baseline: Sequence[float],
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> PairedDifference:
    """Mean of ``values[i] - baseline[i]`` (pair i: the same seed) with a BCa bootstrap interval.

    Raises ValueError when the two samples differ in length.
    """
    if len(values) != len(baseline):
        raise ValueError(
            f"paired samples must have the same length, got {len(values)} and {len(baseline)}"
        )
    differences = np.asarray(values, np.float64) - np.asarray(baseline, np.float64)
    n = len(differences)
    if n == 0:
        return PairedDifference(0, math.nan, math.nan, math.nan, confidence)
    mean = float(differences.mean())
    if n == 1:
        return PairedDifference(1, mean, math.nan, math.nan, confidence)
    if np.all(differences == differences[0]):
        return PairedDifference(n, mean, mean, mean, confidence)
    from scipy import stats as scipy_stats

    with warnings.catch_warnings():
        # BCa warns (and gives NaN) when almost every resample has the same mean.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", scipy_stats.DegenerateDataWarning)
        interval = _bootstrap(differences, confidence, resamples, "BCa")
        if not np.all(np.isfinite(interval)):
            interval = _bootstrap(differences, confidence, resamples, "percentile")
    return PairedDifference(n, mean, float(interval[0]), float(interval[1]), confidence)


def _bootstrap(
    sample: np.ndarray, confidence: float, resamples: int, method: str
) -> tuple[float, float]:
    from scipy import stats as scipy_stats

    result = scipy_stats.bootstrap(
        (sample,),
        np.mean,
        confidence_level=confidence,
        n_resamples=resamples,
        method=method,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return result.confidence_interval.low, result.confidence_interval.high
