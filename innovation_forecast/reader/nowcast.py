"""Year-to-date figure → full-year estimate with an interval.

Chinese reports often give "截至9月" or "1-11月" figures. Patent applications and grants, high-tech
enterprise recognitions and registered technology contracts cluster late in the year (year-end filing
drives, recognition batches published in the autumn, contracts registered before the books close), so a
pro-rata share (``value × 12 / months``) is biased low: Shangrao's 4153 patent applications by November
pro-rata give 4530, the bureau expected 5000; Yongxiu's 135 by September give 180, the bureau expected 300.

Method
------
The share ``s`` of the full year reached after ``m`` months is modelled on the logit scale,
``logit(s) ~ Normal(logit(p_m), σ²)``, where ``p_m`` is an indicator's cumulative seasonal profile and
``σ`` the spread of that share between regions and years. The full-year value is ``ytd / s``; because
the map is monotone, its quantiles are ``ytd / expit(logit(p_m) ∓ z σ)`` exactly and the point estimate
is ``ytd / p_m`` (the median). Optional ``history`` (earlier years of the same region: months, ytd value,
full-year value) shifts ``logit(p_m)`` toward the region's own shares by a normal–normal update.

Where the profile numbers come from
-----------------------------------
*Patent applications* — cumulative profile through three anchors, linear in between (constant monthly
flow within each stretch): ``p_6 = 0.404`` (Jiangxi province, first-half applications over the year's
total: 2015 14,559/36,936 = 0.394; 2016 25,459/60,494 = 0.421; 2017 27,950/70,591 = 0.396), ``p_9 = 0.665``
(Jiangxi 2016, 前三季度 40,257/60,494), ``p_12 = 1``. Half-year and three-quarter counts: Jiangxi IP office
news releases (gov.cn 2016-11-12 "江西省专利申请总量突破4万件"; nanchang.baogaosu.com 2016-07-08; 106.15.1.118
2017-08-07; nanchang.baogaosu.com 2015-07-20); full-year totals: China Statistical Yearbook on S&T via the
techme data (``data/raw/techme``).
*Patent grants* — same construction: ``p_6 = 0.441`` (2015 10,053/24,161 = 0.416; 2017 15,389/33,029 = 0.466),
``p_9 = 0.709`` (2016 22,318/31,472).
*σ for patents = 0.5* — the one city-level share we found: Nanchang's first-half 2016 applications,
8,667 of 16,184 (0.536; city plan "南昌市‘十四五’科技创新驱动发展规划" for the total), lie 0.53 on the logit
scale from the province's 0.421. Province-level years differ by only ~0.06, so 0.5 is a city/county
spread, deliberately wide. Neither seed pair was used to set any number.
*High-tech enterprise recognitions (hte_new, hte_in_recognition_notices)* — **an assumption, not an
estimate**: recognitions arrive in the autumn batches of the provincial notices (first batch around
September, later ones to December — Shangrao's December report still has "第三批…正在公示"), so
``p_m`` is 0.05 up to June, 0.35 by September, 0.75 by November, σ = 1.0.
*Technology contracts (value, count)* — **an assumption**: the patent-application profile as a proxy
for year-end registration, σ = 0.7.

Other indicators (stocks such as hte_total, annual-only ones such as R&D expenditure) have no
year-to-date reading and are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Iterable, Sequence

import numpy as np

from ..errors import DataValidationError
from ..registry import resolve_indicator

__all__ = ["FullYearNowcast", "PROFILES", "SeasonalProfile", "nowcast_full_year"]


class FullYearNowcast(dict):
    """The nowcast as a dict (``mean``, ``share``, ``pro_rata``, ``lo_<L>``, ``hi_<L>``); ``.value`` is the mean."""

    @property
    def value(self) -> float:
        return self["mean"]


@dataclass(frozen=True)
class SeasonalProfile:
    """Cumulative share of the full year reached by the end of months 1..12 (``shares[11] == 1``)."""

    shares: tuple[float, ...]
    sigma: float  # sd of logit(share) between regions/years
    source: str

    def share(self, months: int) -> float:
        return self.shares[months - 1]


def _piecewise(anchors: dict[int, float]) -> tuple[float, ...]:
    pts = sorted({0: 0.0, **anchors, 12: 1.0}.items())
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return tuple(float(np.interp(m, xs, ys)) for m in range(1, 13))


_PATENT_APPL = _piecewise({6: 0.404, 9: 0.665})
_PATENT_GRANT = _piecewise({6: 0.441, 9: 0.709})
_HTE = _piecewise({6: 0.05, 9: 0.35, 11: 0.75})

#: Seasonal profiles per indicator (see the module docstring for the numbers' sources).
PROFILES: dict[str, SeasonalProfile] = {}
for _name in ("patent_applications", "invention_patent_applications", "utility_patent_applications",
              "design_patent_applications"):
    PROFILES[_name] = SeasonalProfile(_PATENT_APPL, 0.5, "Jiangxi H1 2015-17 and Q1-3 2016 shares of applications")
for _name in ("patent_grants", "invention_patent_grants", "utility_patent_grants", "design_patent_grants"):
    PROFILES[_name] = SeasonalProfile(_PATENT_GRANT, 0.5, "Jiangxi H1 2015/2017 and Q1-3 2016 shares of grants")
for _name in ("hte_new", "hte_in_recognition_notices"):
    PROFILES[_name] = SeasonalProfile(_HTE, 1.0, "assumption: autumn recognition batches")
for _name in ("tech_contract_value", "tech_contract_count", "tech_contract_value_inflow",
              "tech_contract_count_inflow"):
    PROFILES[_name] = SeasonalProfile(_PATENT_APPL, 0.7, "assumption: patent-application profile as proxy")

_WITHIN_SD = 0.25  # year-to-year sd of one region's logit share, used only with ``history``


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _history_rows(history) -> list[tuple[int, float, float]]:
    if history is None:
        return []
    if hasattr(history, "to_dict"):
        history = history[["months", "ytd", "full_year"]].itertuples(index=False, name=None)
    rows = []
    for row in history:
        m, ytd, full = row
        rows.append((int(m), float(ytd), float(full)))
    return rows


def nowcast_full_year(value: float, months: int, *, indicator: str,
                      history: Iterable[Sequence[float]] | None = None,
                      level: Sequence[int] = (80, 95)) -> FullYearNowcast:
    """Full-year estimate of a flow from its year-to-date value.

    Parameters
    ----------
    value
        The year-to-date figure (in any unit; the estimate is in the same unit).
    months
        Months covered, 1–11 (截至9月 → 9).
    indicator
        Canonical name or alias; needs a seasonal profile (see :data:`PROFILES`).
    history
        Optional earlier years of the same region: rows or a frame of ``(months, ytd, full_year)``.
        They shift the profile toward the region's own shares (normal–normal update on the logit scale).
    level
        Interval levels in percent.

    Returns
    -------
    FullYearNowcast
        A dict: ``mean`` (the median estimate ``value / share``; also ``.value``), ``share`` (the profile's share used),
        ``pro_rata`` (``value × 12 / months``, for comparison), and ``lo_<L>``/``hi_<L>`` per level.

    Raises
    ------
    DataValidationError
        For months outside 1–11, a negative value, or an indicator without a profile.

    Examples
    --------
    >>> out = nowcast_full_year(4153, 11, indicator="patent_applications")
    >>> round(out["mean"]), out["lo_80"] < 5000 < out["hi_80"]
    (4675, True)
    """
    ind = resolve_indicator(indicator)
    if ind.name not in PROFILES:
        raise DataValidationError(
            f"No seasonal profile for {ind.name!r}: a year-to-date figure of a stock or an annual-only "
            f"indicator cannot be turned into a full-year value. Profiles exist for: {', '.join(sorted(PROFILES))}."
        )
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise DataValidationError(f"months must be an integer 1-11; got {months!r}.") from None
    if not 1 <= months <= 11:
        raise DataValidationError(f"months must be 1-11 for a year-to-date figure; got {months} "
                                  "(12 months is the full year itself).")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise DataValidationError(f"value must be a non-negative number; got {value!r}.")
    prof = PROFILES[ind.name]
    mu, sigma = _logit(prof.share(months)), prof.sigma
    rows = _history_rows(history)
    if rows:
        shifts = [
            _logit(min(max(ytd / full, 1e-4), 1 - 1e-4)) - _logit(prof.share(m))
            for m, ytd, full in rows if full > 0 and 1 <= m <= 11
        ]
        n = len(shifts)
        if n:
            post_var = 1 / (1 / sigma**2 + n / _WITHIN_SD**2)
            mu += post_var * sum(shifts) / _WITHIN_SD**2
            sigma = math.sqrt(post_var + _WITHIN_SD**2)
    share = _expit(mu)
    out = FullYearNowcast(mean=value / share, share=share, pro_rata=value * 12 / months)
    for lv in level:
        z = NormalDist().inv_cdf(0.5 + lv / 200)
        out[f"lo_{lv}"] = value / _expit(mu + z * sigma)
        out[f"hi_{lv}"] = value / _expit(mu - z * sigma)
    return out
