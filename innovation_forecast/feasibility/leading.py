"""Leading series: what other, earlier figures of the same region say about next year's growth.

Patent offices grant what was applied for one to three years before, and a stock of valid patents grows
by what is granted: so a region's patent grants, its stock of valid invention patents and the stock per
10,000 people move with earlier applications and grants, which are known at the time of a review. R&D
spending follows the economy it is paid out of. Each :class:`Lead` turns these into a predicted log growth
``m`` of one indicator in year ``t`` from data up to ``t - h`` only; :func:`~.peers.peer_growth` centres a
region's peer-growth paths on it (``level`` leads: on ``m`` plus the peers' mean error of ``m``;
``relative`` leads: on the peers' centre plus a slope times ``m``'s deviation from that year's mean over
the regions, the slope fitted on the peers' earlier years).

A lead needs every input series of the region; without them (a city with no application figures, a
panel with only the judged indicator) the paths keep the peers' common centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["LEADS", "Lead", "lead_growth"]

#: Type-specific (applications, grants, years from application to grant): utility models and designs
#: are examined in about a year, inventions in two to three.
GRANT_LAGS: tuple[tuple[str, str, int], ...] = (
    ("invention_patent_applications", "invention_patent_grants", 2),
    ("utility_patent_applications", "utility_patent_grants", 1),
    ("design_patent_applications", "design_patent_grants", 1),
)
#: Years from an invention application to its grant, for the growth of the stock of valid inventions.
INVENTION_LAG = 2

Get = Callable[[str], "pd.Series | None"]


def _value(s, t: int) -> float:
    if s is None or t not in s.index:
        return np.nan
    v = s.loc[t]
    return float(v) if pd.notna(v) else np.nan


def _growth(s, t: int) -> float:
    """Log growth of ``s`` in year ``t`` (NaN unless both years are there and positive)."""
    a, b = _value(s, t), _value(s, t - 1)
    return float(np.log(a / b)) if a > 0 and b > 0 else np.nan


def _grants(get: Get, t: int, h: int) -> float:
    """Grants in ``t`` grow like each type's applications ``lag`` years before (grant rates unchanged)."""
    if h != 1:
        return np.nan
    total = new = 0.0
    for apps, grants, lag in GRANT_LAGS:
        g_prev, ga = _value(get(grants), t - 1), _growth(get(apps), t - lag)
        if not (g_prev > 0) or not np.isfinite(ga):
            return np.nan
        total += g_prev
        new += g_prev * np.exp(ga)
    return float(np.log(new / total))


def _inflow(get: Get, t: int, h: int) -> float:
    """The stock of valid inventions grows by its grants, which grow like applications two years before:
    ``log(1 + grants_t / stock_{t-1})`` with grants_t projected from data up to ``t - h`` (h = 1 or 2)."""
    stock, grants, apps = get("valid_invention_patents"), get("invention_patent_grants"), \
        get("invention_patent_applications")
    if h not in (1, 2):
        return np.nan
    base = t - h
    v0, ig0 = _value(stock, base), _value(grants, base)
    gs = [_growth(apps, base + k - INVENTION_LAG) for k in range(1, h + 1)]
    if not (v0 > 0 and ig0 > 0) or not np.all(np.isfinite(gs)):
        return np.nan
    ig = ig0 * np.exp(np.cumsum(gs))  # projected grants in base+1 .. t
    v_prev = v0 + float(np.sum(ig[:-1]))  # projected stock at t-1 (no lapses: their share is in the error)
    return float(np.log1p(ig[-1] / v_prev))


def _per_10k(get: Get, t: int, h: int) -> float:
    m = _inflow(get, t, h)
    gp = _growth(get("population"), t - h)
    return m - gp if np.isfinite(gp) else m


def _rd(get: Get, t: int, h: int) -> float:
    return _growth(get("gdp"), t - 1) if h == 1 else np.nan


@dataclass(frozen=True)
class Lead:
    """A leading relation of one indicator: ``fn(get, t, h)`` is the predicted log growth in year ``t``
    from data up to ``t - h``, ``get(indicator)`` the same region's series (or None)."""

    indicator: str
    inputs: tuple[str, ...]
    relative: bool
    fn: Callable[[Get, int, int], float]
    text: str


LEADS: dict[str, Lead] = {lead.indicator: lead for lead in (
    Lead("patent_grants", tuple(x for a, g, _ in GRANT_LAGS for x in (a, g)), False, _grants,
         "applications 1 year (utility models, designs) and 2 years (inventions) earlier"),
    Lead("valid_invention_patents", ("valid_invention_patents", "invention_patent_grants",
                                     "invention_patent_applications"), True, _inflow,
         "invention grants relative to the stock, projected from applications 2 years earlier"),
    Lead("invention_patents_per_10k", ("valid_invention_patents", "invention_patent_grants",
                                       "invention_patent_applications", "population"), True, _per_10k,
         "invention grants relative to the stock, projected from applications 2 years earlier, less population growth"),
    Lead("rd_expenditure", ("gdp",), True, _rd, "last year's GDP growth"),
)}


def lead_growth(indicator: str, get: Get, t: int, h: int) -> float:
    """Predicted log growth of ``indicator`` in year ``t`` from its lead and data up to ``t - h``
    (NaN without a lead or without its inputs)."""
    lead = LEADS.get(indicator)
    if lead is None:
        return np.nan
    try:
        return float(lead.fn(get, t, h))
    except (TypeError, ValueError, KeyError):
        return np.nan
