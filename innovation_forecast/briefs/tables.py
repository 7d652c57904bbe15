"""The numbers of a city brief, computed once per batch and cut per region.

:func:`prepare_inputs` loads the panel and the targets, forecasts every series the briefs
show (one :func:`~innovation_forecast.forecast.forecast` call, so calibration is shared) and
assesses every target (one :func:`~innovation_forecast.assess_targets` call). The batch runner
saves the result as a pickle in the run folder and passes its path to every notebook;
:func:`brief_tables` then only filters. Without a path, a notebook computes the same for its
own region.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pickle
import warnings
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import BriefError
from ..panel import annual_values

__all__ = [
    "BriefInputs", "BriefTables", "CACHE_DIR_ENV", "DEFAULT_INDICATORS", "brief_tables", "briefable_regions",
    "cache_dir", "inputs_key", "load_inputs", "prepare_inputs", "save_inputs", "show_summary",
]

#: Indicators a brief shows besides those its region has targets for (when the region has data on them).
DEFAULT_INDICATORS: tuple[str, ...] = (
    "patent_applications", "invention_patents_per_10k", "hte_total", "rd_expenditure", "rd_intensity",
    "tech_contract_value",
)

#: Origins of the brief's backtest (each costs as much as the forecast itself): the default one origin
#: cuts the data two years before its end and scores the forecasts of the last two years.
BACKTEST_ORIGINS = 1
#: Years ahead scored in the brief's backtest.
BACKTEST_H = 2
_ACC_COLS = ["indicator", "origins", "n", "smape", "mape", "mase", "coverage_80", "coverage_95"]

#: Levels briefed by ``regions="all"``.
BRIEF_LEVELS = ("province", "prefecture", "county")

_VERDICT = {
    "zh": {"likely": "很可能完成", "toss-up": "五五开", "stretch": "需加把劲", "unlikely": "不太可能完成",
           "met": "已完成", "missed": "未完成", "no data": "无数据"},
    "en": {"likely": "likely", "toss-up": "toss-up", "stretch": "stretch", "unlikely": "unlikely",
           "met": "met", "missed": "missed", "no data": "no data"},
}
_STATUS = {"zh": {"actual": "实际值", "estimate": "估计值", "ytd": "年内累计"},
           "en": {"actual": "actual", "estimate": "estimate", "ytd": "year to date"}}
_CMP = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}
_BASIS = {"zh": {"level": "水平", "growth_pct": "增长率", "increment": "增量", "pp": "百分点"},
          "en": {"level": "level", "growth_pct": "growth", "increment": "increase", "pp": "points"}}

_COLS = {
    "zh": {
        "indicator": "指标", "target_year": "目标年份", "commitment": "目标", "latest": "最新值", "latest_year": "最新年份",
        "required_growth": "所需年均增速", "historical_growth": "历史年均增速", "forecast": "预测（中位数）",
        "i80": "80% 区间", "i95": "95% 区间", "p_meet": "达成概率", "p_stretch": "力争目标达成概率", "verdict": "判断",
        "explanation": "说明", "quote": "原文", "doc": "文件", "year": "年份", "value": "数值", "status": "性质",
        "source": "来源", "what": "内容", "model": "本地区所用模型", "n": "检验的预测数", "smape": "sMAPE（%）", "mase": "MASE",
        "origins": "回测起点", "cov80": "80%区间覆盖率", "cov95": "95%区间覆盖率",
    },
    "en": {
        "indicator": "indicator", "target_year": "target year", "commitment": "target", "latest": "latest value",
        "latest_year": "latest year", "required_growth": "required annual growth",
        "historical_growth": "historical annual growth", "forecast": "forecast (median)", "i80": "80% interval",
        "i95": "95% interval", "p_meet": "P(meet)", "p_stretch": "P(stretch)", "verdict": "verdict",
        "explanation": "explanation", "quote": "source text", "doc": "document", "year": "year", "value": "value",
        "status": "status", "source": "source", "what": "item", "model": "model used here", "n": "forecasts scored",
        "smape": "sMAPE (%)", "mase": "MASE", "origins": "origins", "cov80": "80% coverage", "cov95": "95% coverage",
    },
}


# --------------------------------------------------------------------------- shared inputs


@dataclass
class BriefInputs:
    """Everything the briefs of one batch read: computed once, pickled into the run folder.

    Attributes
    ----------
    panel
        The tidy panel (all statuses) as loaded.
    targets
        Targets frame of the briefed regions.
    assessment
        :func:`~innovation_forecast.assess_targets` of those targets (``lang`` explanations).
    forecasts
        :func:`~innovation_forecast.forecast.forecast` of every shown series (one model per series).
    scores
        Backtest accuracy of the forecast method per indicator (:func:`~innovation_forecast.forecast.backtest`
        at :data:`BACKTEST_ORIGINS` origin(s) ending two years before the data, ``h`` = :data:`BACKTEST_H`, every region's series
        of the indicator, model choice and calibration refitted at each origin): indicator, origins,
        n, smape, mape, mase, coverage_80, coverage_95.
    as_of, horizon, lang
        The settings these were computed with.
    vintage
        One line naming the data behind the numbers (sources, rows, latest year, fingerprint).
    version
        Package version that computed them.
    created
        ISO time of computation.
    """

    panel: pd.DataFrame
    targets: pd.DataFrame
    assessment: pd.DataFrame
    forecasts: pd.DataFrame
    scores: pd.DataFrame
    as_of: int | None = None
    horizon: int = 5
    lang: str = "zh"
    vintage: str = ""
    version: str = ""
    created: str = ""
    notes: list[str] = field(default_factory=list)


def _version() -> str:
    try:
        from .. import __version__

        return __version__
    except ImportError:
        return ""


def _load_panel(data_dir) -> pd.DataFrame:
    from ..loaders import load_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # source conflicts are the loaders' report, not the brief's
        panel = load_panel(data_dir=data_dir)
    # pandas deep-copies attrs (the conflicts frame) on every operation: drop them once here
    panel.attrs = {}
    return panel


def _load_targets(targets) -> pd.DataFrame:
    from ..loaders import load_targets

    if targets is None or (isinstance(targets, str) and targets in ("", "default")):
        return load_targets()
    if isinstance(targets, pd.DataFrame):
        return targets.copy()
    path = Path(targets)
    if not path.is_file():
        raise BriefError(f"Targets file {str(path)!r} not found; pass a CSV in the targets-frame columns "
                         "(doc, region, year, indicator, basis, comparator, value, ...) or 'default'.")
    from ..loaders import read_tidy  # noqa: F401  (same reader conventions)

    return pd.read_csv(path)


def _canonical(name: str) -> str:
    try:
        from ..registry import resolve_region

        return resolve_region(name).name
    except Exception:
        return name


def briefable_regions(data_dir=None, targets=None) -> list[str]:
    """Regions that ``--regions all`` briefs: every province, city or county with data or targets.

    Regions with targets come first (in the order of the targets file), then the rest by code.
    """
    panel = _load_panel(data_dir)
    tg = _load_targets(targets)
    have = panel[panel["level"].isin(BRIEF_LEVELS)]
    names = [_canonical(r) for r in pd.unique(tg["region"])]
    rest = have.sort_values("region_code")["region"].drop_duplicates().tolist()
    out: list[str] = []
    for n in names + rest:
        if n not in out:
            out.append(n)
    return out


def _indicators_for(panel: pd.DataFrame, targets: pd.DataFrame, region: str,
                    indicators: Sequence[str] | None) -> list[str]:
    if indicators:
        return list(dict.fromkeys(indicators))
    tg = list(dict.fromkeys(targets.loc[targets["region"] == region, "indicator"]))
    own = panel.loc[panel["region"] == region, "indicator"]
    have = set(own)
    extra = [i for i in DEFAULT_INDICATORS if i in have and i not in tg]
    if not tg and not extra:  # nothing on innovation: show what there is (e.g. GDP)
        extra = sorted(have)
    return tg + extra


def _fingerprint(panel: pd.DataFrame) -> str:
    cols = [c for c in ("region", "indicator", "year", "status", "value", "source") if c in panel]
    data = pd.util.hash_pandas_object(panel[cols], index=False).to_numpy().tobytes()
    return hashlib.sha1(data).hexdigest()[:10]


def _vintage(panel: pd.DataFrame, data_dir) -> str:
    from ..config import EMBEDDED_DATA_DIR, data_dir as _data_dir

    parts = []
    for name in ("figures.csv", "targets.csv"):
        f = EMBEDDED_DATA_DIR / name
        if f.is_file():
            stamp = _dt.datetime.fromtimestamp(f.stat().st_mtime, _dt.timezone.utc).date().isoformat()
            parts.append(f"data/{name} ({stamp})")
    try:
        ext = _data_dir(data_dir)
    except Exception:
        ext = None
    if ext is not None:
        parts.append(f"external data {ext}")
    years = panel["year"]
    span = f"{int(years.min())}–{int(years.max())}" if len(years) else "no years"
    return (f"{'; '.join(parts) or 'no files'}; panel of {len(panel)} figures, {panel['region'].nunique()} regions, "
            f"{span}; fingerprint {_fingerprint(panel)}")


def prepare_inputs(regions: Sequence[str] | None = None, *, as_of: int | None = None, horizon: int = 5,
                   lang: str = "zh", targets: Any = None, data_dir=None,
                   indicators: Sequence[str] | None = None, mapper: Callable | None = None,
                   backtest_origins: int = BACKTEST_ORIGINS) -> BriefInputs:
    """Compute the inputs of a batch of briefs once.

    Parameters
    ----------
    regions
        Canonical region names to prepare (default: :func:`briefable_regions`).
    as_of
        Last year of data to use (default: all).
    horizon
        Forecast years beyond the last observation (extended to reach every target year).
    lang
        Language of the assessment's explanations.
    targets
        ``None``/``"default"`` for the curated targets, a CSV path or a targets frame.
    data_dir
        External data directory (default ``$INNOVATION_FORECAST_DATA``).
    indicators
        Indicators to show in every brief (default: each region's targets plus
        :data:`DEFAULT_INDICATORS` it has data on).
    mapper
        ``mapper(fn, list_of_args) -> list of results`` running independent pieces (one per
        indicator, then one per group of regions) elsewhere, e.g. on the batch's worker processes.
        Default: one after another in this process.
    backtest_origins
        Origins of the per-indicator backtest shown in each brief (each costs about one forecast
        of the indicator); both horizons (:data:`BACKTEST_H`) are scored at every origin.

    Returns
    -------
    BriefInputs

    Example
    -------
    >>> inputs = prepare_inputs(["南昌市", "九江市"], as_of=2017)  # doctest: +SKIP
    """
    mapper = mapper or (lambda fn, items: [fn(*args) for args in items])
    panel = _load_panel(data_dir)
    vintage = _vintage(panel, data_dir)
    tg_all = _load_targets(targets)
    tg_all = tg_all.assign(region=[_canonical(r) for r in tg_all["region"]])
    regions = list(regions) if regions is not None else briefable_regions(data_dir, targets)
    tg = tg_all[tg_all["region"].isin(regions)].reset_index(drop=True)
    upto = panel if as_of is None else panel[panel["year"] <= as_of]
    wanted = {ind for r in regions for ind in _indicators_for(upto, tg, r, indicators)}
    # every region's series of these indicators: calibration and model choice pool over all of them
    # one full-year value per year, as the assessment sees it (a lone year-to-date figure as its nowcast)
    series = annual_values(upto[upto["indicator"].isin(wanted)])[["region", "indicator", "year", "value"]]
    last_year = series.groupby(["region", "indicator"])["year"].max()
    # phase 1: forecasts and paths, one job per indicator
    jobs, backtests = [], []
    for ind, sub in series.groupby("indicator", sort=True):
        h = int(horizon)
        for _, t in tg[tg["indicator"] == ind].iterrows():
            ly = last_year.get((t["region"], ind))
            if ly is not None:
                h = max(h, int(t["year"]) - int(ly))
        sub = sub.reset_index(drop=True)
        jobs.append(("forecast", sub, h, list(regions)))
        last = int(sub["year"].max())
        # origins early enough that both horizons can be scored
        first = last - BACKTEST_H - int(backtest_origins) + 1
        backtests.extend(("backtest", sub, o, None) for o in range(first, last - BACKTEST_H + 1))
    jobs.sort(key=lambda j: -len(j[1]))  # biggest first: better balance across workers
    parts = mapper(_prep_job, jobs) if jobs else []
    base = ["region", "indicator", "year", "model", "mean", "q_50", "lo_80", "hi_80", "lo_95", "hi_95"]
    fc = pd.concat([p[1] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=base)
    paths: dict = {}
    for p in parts:
        paths.update(p[2])
    # phase 2: the assessment (needs the paths) next to the backtests (need nothing)
    jobs = []
    if len(tg):
        for g in _split_regions(list(pd.unique(tg["region"])), 2):
            jobs.append(("assess", tg[tg["region"].isin(g)], (panel, as_of, lang),
                         {k: v for k, v in paths.items() if k[0] in set(g)}))
    jobs += sorted(backtests, key=lambda j: -len(j[1]))
    parts = mapper(_prep_job, jobs) if jobs else []
    scores = _accuracy_frame([p[1] for p in parts if p[0] == "backtest"])
    assessed = [p[1] for p in parts if p[0] == "assess"]
    if assessed:
        assessment = pd.concat(assessed, ignore_index=True)
        order = {r: i for i, r in enumerate(pd.unique(tg["region"]))}
        assessment = assessment.sort_values("region", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)
    else:
        assessment = pd.DataFrame(columns=["region", "indicator", "target_year", "verdict"])
    panel_small = panel[panel["region"].isin(regions)].reset_index(drop=True)
    return BriefInputs(panel=panel_small, targets=tg, assessment=assessment, forecasts=fc, scores=scores,
                       as_of=as_of, horizon=int(horizon), lang=lang, vintage=vintage, version=_version(),
                       created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))


def _split_regions(regions: list[str], n: int) -> list[list[str]]:
    n = max(1, min(n, len(regions)))
    return [regions[i::n] for i in range(n)]


def _assess_chunk(panel: pd.DataFrame, tg: pd.DataFrame, as_of, lang: str, paths: dict) -> pd.DataFrame:
    from ..feasibility import assess_targets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = assess_targets(panel, tg.reset_index(drop=True), as_of=as_of, lang=lang, paths=paths)
    out.attrs = {}
    return out


def _prep_job(kind: str, frame: pd.DataFrame, arg, extra):
    """One piece of the shared inputs: an indicator's forecasts (``frame`` its series, ``arg`` h,
    ``extra`` the regions), its backtest at one origin (``arg``), or the assessment of some
    targets (``frame``; ``arg`` = panel, as_of, lang; ``extra`` their paths)."""
    if kind == "forecast":
        return ("forecast", *_forecast_indicator(frame, arg, extra))
    if kind == "assess":
        panel, as_of, lang = arg
        return ("assess", _assess_chunk(panel, frame, as_of, lang, extra))
    return ("backtest", _backtest_origin(frame, arg))


def _forecast_indicator(sub: pd.DataFrame, h: int, regions: Sequence[str]):
    """Forecasts and sample paths of one indicator's series.

    Calibration and model choice are per indicator anyway (``group_by=("indicator",)``), so one
    call per indicator loses nothing and keeps each call small; the paths reuse the call's
    calibration, so the assessment's probabilities agree with the fan charts' intervals.
    """
    from ..forecast import forecast, forecast_paths

    keep = set(regions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = forecast(sub, h=h, level=(80, 95), quantiles=(0.5,))  # q_50: the fan chart's centre line
        cal = f.attrs.get("calibration")
        paths = {}
        if sub["region"].isin(keep).any():
            paths = {k: v for k, v in forecast_paths(sub, h, calibration=cal).items() if k[0] in keep}
    f = f[f["region"].isin(keep)].reset_index(drop=True)
    f.attrs = {}
    return f, paths




def _backtest_origin(sub: pd.DataFrame, origin: int) -> pd.DataFrame:
    """:func:`~innovation_forecast.forecast.backtest` of ``forecast(models="auto")`` at one origin:
    the panel cut at ``origin``, model choice and calibration refitted, the next
    :data:`BACKTEST_H` years forecast (series too short at that origin drop out)."""
    from ..forecast import backtest

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bt = backtest(sub, origins=[origin], h=BACKTEST_H, level=(80, 95))
    except Exception:  # too little data at this origin: the brief says so instead of failing
        return pd.DataFrame()
    bt.attrs = {}
    return bt


def _accuracy_frame(backtests: list[pd.DataFrame]) -> pd.DataFrame:
    """Out-of-sample accuracy per indicator over the origins of :func:`_backtest_origin`."""
    from ..forecast import accuracy

    frames = [b for b in backtests if len(b)]
    if not frames:
        return pd.DataFrame(columns=_ACC_COLS)
    bt = pd.concat(frames, ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = accuracy(bt, by=("indicator",))
    span = bt.groupby("indicator")["origin"].agg(
        lambda o: f"{int(o.min())}" if o.min() == o.max() else f"{int(o.min())}–{int(o.max())}")
    acc["origins"] = acc["indicator"].map(span)
    for col in _ACC_COLS:
        if col not in acc:
            acc[col] = np.nan
    return acc[_ACC_COLS].reset_index(drop=True)


#: Environment variable naming the folder of cached batch inputs (default ``~/.cache/innovation_forecast``).
CACHE_DIR_ENV = "INNOVATION_FORECAST_CACHE"


def cache_dir() -> Path:
    """Folder of cached batch inputs: ``$INNOVATION_FORECAST_CACHE`` or ``$XDG_CACHE_HOME/innovation_forecast``."""
    raw = os.environ.get(CACHE_DIR_ENV)
    if raw:
        return Path(raw).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "innovation_forecast"


#: Package parts whose code shapes the shared inputs (a change there gives new cache keys).
_INPUT_CODE = ("forecast.py", "feasibility.py", "panel.py", "config.py", "models", "loaders", "registry",
               "briefs/tables.py")


def _code_fingerprint() -> str:
    """Hash of the source that computes the shared inputs."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha1()
    for part in _INPUT_CODE:
        p = root / part
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".csv") and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def inputs_key(regions: Sequence[str], *, as_of=None, horizon: int = 5, lang: str = "zh", targets: Any = None,
               data_dir=None, indicators: Sequence[str] | None = None) -> str:
    """Cache key of :func:`prepare_inputs`: the data (panel and targets content), the arguments, the code."""
    panel = _load_panel(data_dir)
    tg = _load_targets(targets)
    tg_hash = hashlib.sha1(pd.util.hash_pandas_object(tg.astype(str), index=False).to_numpy().tobytes()).hexdigest()
    payload = json.dumps({"regions": list(regions), "as_of": as_of, "horizon": int(horizon), "lang": lang,
                          "indicators": list(indicators) if indicators else None, "panel": _fingerprint(panel),
                          "targets": tg_hash, "code": _code_fingerprint(), "version": _version()},
                         ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:20]


def save_inputs(inputs: BriefInputs, path: str | os.PathLike) -> Path:
    """Pickle ``inputs`` to ``path`` atomically; returns the path."""
    from ._worker import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL))
    return path


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> BriefInputs:
    with open(path, "rb") as fh:
        obj = pickle.load(fh)
    if not isinstance(obj, BriefInputs):
        raise BriefError(f"{path!r} does not hold brief inputs (got {type(obj).__name__}).")
    return obj


def load_inputs(path: str | os.PathLike) -> BriefInputs:
    """Read inputs written by :func:`save_inputs` (cached while the file is unchanged).

    Only load files your own batch wrote: a pickle can run code when read.
    """
    p = Path(path)
    if not p.is_file():
        raise BriefError(f"Brief inputs {str(p)!r} not found; run the batch again or pass inputs=''.")
    st = p.stat()
    return _load_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


# --------------------------------------------------------------------------- one region


@dataclass
class BriefTables:
    """The numbers of one brief, ready to display.

    Attributes
    ----------
    region, region_en, level, as_of, lang
        Who and when.
    headline
        One paragraph: what the region promised and how likely each promise is.
    overview
        One row per target (display columns, in ``lang``).
    target_tables
        One dict per target: ``title``, ``table`` (one row: target, latest value, required and
        historical growth, forecast with 80%/95% intervals, p_meet, verdict), ``explanation``,
        ``quote`` (the promise as written) and ``doc`` (the document it comes from).
    assessment, history, forecasts, scores
        Tidy frames behind the charts: assessment rows of the region, its panel rows (year <= as_of),
        forecast rows, rolling-origin accuracy of the method per shown indicator.
    accuracy
        Display version of ``scores``: per shown indicator the model used for this region, the
        backtest origins, forecasts scored, sMAPE, MASE and the coverage of the 80%/95% intervals.
    sources
        Every number shown and the document or file behind it.
    indicators
        Indicators shown, in order.
    vintage, version, created
        Data vintage line, package version, when the inputs were computed.
    summary
        Small dict for the batch index (headline, verdicts).
    """

    region: str
    region_en: str
    level: str
    as_of: int | None
    lang: str
    headline: str
    overview: pd.DataFrame
    target_tables: list
    assessment: pd.DataFrame
    history: pd.DataFrame
    forecasts: pd.DataFrame
    scores: pd.DataFrame
    accuracy: pd.DataFrame
    sources: pd.DataFrame
    indicators: list
    vintage: str
    version: str
    created: str
    summary: dict


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)) or (not isinstance(x, str) and pd.isna(x)):
        return "–"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.{digits}f}"


def _pct(x: Any) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    return f"{x * 100:.1f}%" if np.isfinite(x) else "–"


def _prob(x: Any) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    return f"{x:.0%}" if np.isfinite(x) else "–"


def _label(indicator: str, lang: str, unit: bool = True) -> str:
    from .charts import indicator_label

    return indicator_label(indicator, lang, unit=unit)


def _unit(indicator: str, lang: str = "zh") -> str:
    try:
        from ..registry import INDICATORS

        unit = INDICATORS[indicator].unit
    except (ImportError, KeyError):
        return ""
    if lang == "zh":
        return unit
    from .charts import UNITS_EN

    return UNITS_EN.get(unit, unit)


def _commitment(row: pd.Series, lang: str) -> str:
    basis = row.get("basis", "level")
    cmp_ = _CMP.get(str(row.get("comparator", "ge")), "≥")
    v = row.get("value")
    unit = _unit(row["indicator"], lang)

    def en(x):  # 6 firms, 2%; an amount alone (3.12): its unit, 100 million yuan, heads the row
        from ..registry import format_value_en, resolve_indicator

        try:
            u = resolve_indicator(row["indicator"]).unit
        except Exception:
            return f"{_fmt(x)} {unit}".strip()
        return _fmt(x) if u in ("亿元", "万元") else format_value_en(x, u, _is_count(row["indicator"]))

    if basis == "growth_pct":
        txt = (f"增长{cmp_}{_fmt(v, 1)}%" if lang == "zh" else f"growth {cmp_} {_fmt(v, 1)}%")
    elif basis == "increment":
        txt = (f"增加{cmp_}{_fmt(v)}{unit}" if lang == "zh" else f"increase {cmp_} {en(v)}")
    elif basis == "pp":
        txt = (f"提高{cmp_}{_fmt(v)}个百分点" if lang == "zh" else f"up {cmp_} {_fmt(v)} points")
    else:
        txt = f"{cmp_}{_fmt(v)}{unit}" if lang == "zh" else f"{cmp_} {en(v)}"
    txt = txt.strip()
    tgt = row.get("target")
    if basis != "level" and pd.notna(tgt):
        txt += f"（≈{_fmt(tgt)}{unit}）" if lang == "zh" else f" (≈ {en(tgt)})"
    return txt


def _is_count(indicator: str) -> bool:
    from ..registry import resolve_indicator

    try:
        return resolve_indicator(indicator).kind == "count"
    except Exception:  # an indicator outside the registry: shown as it is
        return False


def _fmt_of(x: Any, indicator: str) -> str:
    """A value of ``indicator`` as readers write it: counts (件, 家, 项) as whole numbers."""
    if _is_count(indicator) and x is not None and not isinstance(x, str) and pd.notna(x) and np.isfinite(float(x)):
        return f"{int(round(float(x))):,}"
    return _fmt(x)


def _interval(lo: Any, hi: Any, indicator: str = "") -> str:
    return f"{_fmt_of(lo, indicator)} – {_fmt_of(hi, indicator)}" if pd.notna(lo) and pd.notna(hi) else "–"


def _merge_equivalent_targets(a: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict]:
    """One row per commitment: a report that states one target two ways ("专利申请量达5500件，同比增长10%",
    read as a level and a growth target with the same implied level) is shown once.

    Rows merge when region, indicator, target year, comparator and document agree and their implied
    levels differ by at most 0.5 %; the first row (file order) stays and the others' wording is added
    to its commitment. Returns the kept rows and ``{kept index: extra text}``.
    """
    if a is None or len(a) < 2 or "target" not in a.columns:
        return a, {}
    keys = [c for c in ("region", "indicator", "target_year", "comparator", "doc") if c in a.columns]
    drop, also = [], {}
    for _, g in a.groupby(keys, sort=False, dropna=False):
        if len(g) < 2:
            continue
        kept: list = []
        for i, r in g.iterrows():
            t = r["target"]
            same = next((k for k in kept if pd.notna(t) and pd.notna(a.at[k, "target"])
                         and abs(t - a.at[k, "target"]) <= 0.005 * max(abs(a.at[k, "target"]), 1e-12)), None)
            if same is None:
                kept.append(i)
                continue
            drop.append(i)
            other = _commitment(r.drop(labels=["target"]), lang)
            also[same] = also.get(same, "") + (f"（{other}）" if lang == "zh" else f" ({other})")
    return a.drop(index=drop), also


def brief_tables(region: str, as_of: int | None = None, *, indicators: Sequence[str] | None = None,
                 targets: Any = None, horizon: int = 5, lang: str = "zh", inputs: Any = None,
                 data_dir=None) -> BriefTables:
    """Tables, frames and headline of one region's brief.

    Parameters
    ----------
    region
        Region name, short name or code (resolved through the registry).
    as_of
        Last year of data to use (default: all data).
    indicators
        Indicators to show (default: the region's target indicators plus :data:`DEFAULT_INDICATORS`
        it has data on).
    targets
        ``None``/``"default"`` (curated targets), a CSV path or a targets frame.
    horizon
        Forecast horizon in years.
    lang
        ``"zh"`` or ``"en"``.
    inputs
        Path of a batch's pickled :class:`BriefInputs` (the runner's ``inputs`` parameter), a
        :class:`BriefInputs`, or ``None``/``""`` to compute them for this region alone.
    data_dir
        External data directory when computing alone.

    Returns
    -------
    BriefTables

    Example
    -------
    >>> bt = brief_tables("九江市", as_of=2017)  # doctest: +SKIP
    >>> print(bt.headline)  # doctest: +SKIP
    """
    from ..registry import resolve_region

    if lang not in ("zh", "en"):
        raise BriefError(f"lang must be 'zh' or 'en'; got {lang!r}.")
    reg = resolve_region(region)
    name = reg.name
    if inputs is None or (isinstance(inputs, str) and not inputs.strip()):
        inp = prepare_inputs([name], as_of=as_of, horizon=horizon, lang=lang, targets=targets,
                             data_dir=data_dir or None, indicators=indicators)
    elif isinstance(inputs, BriefInputs):
        inp = inputs
    else:
        inp = load_inputs(inputs)
    as_of = inp.as_of if as_of is None else as_of
    panel = inp.panel[inp.panel["region"] == name]
    if as_of is not None:
        panel = panel[panel["year"] <= as_of]
    tg = inp.targets[inp.targets["region"] == name]
    inds = _indicators_for(panel, tg, name, indicators)
    history = panel[panel["indicator"].isin(inds)].sort_values(["indicator", "year", "status"]).reset_index(drop=True)
    fc = inp.forecasts[(inp.forecasts["region"] == name) & inp.forecasts["indicator"].isin(inds)]
    # show the forecast to the later of horizon and the last target year
    last_target = int(tg["year"].max()) if len(tg) else None
    if len(fc):
        first = fc.groupby("indicator")["year"].transform("min")
        keep = fc["year"] < first + inp.horizon
        if last_target is not None:
            keep |= fc["year"] <= last_target
        fc = fc[keep]
    fc = fc.reset_index(drop=True)
    a = inp.assessment[inp.assessment["region"] == name].reset_index(drop=True) if len(inp.assessment) else inp.assessment
    C = _COLS[lang]
    V = _VERDICT[lang]

    # 95% interval at the target year comes from the forecast frame
    def fc_at(ind, year, col):
        m = fc[(fc["indicator"] == ind) & (fc["year"] == year)]
        return m[col].iloc[0] if len(m) and col in m else np.nan

    a, also = _merge_equivalent_targets(a, lang)
    rows, tables, verdicts = [], [], []
    for i, r in a.iterrows():
        ind, ty = r["indicator"], int(r["target_year"])
        verdict = V.get(str(r.get("verdict", "")), str(r.get("verdict", "")))
        lo95, hi95 = fc_at(ind, ty, "lo_95"), fc_at(ind, ty, "hi_95")
        lv = _fmt_of(r.get("latest_value"), ind)
        latest = (f"{lv}（{r.get('latest_year')}）" if lang == "zh"
                  else f"{lv} ({r.get('latest_year')})") if pd.notna(r.get("latest_value")) else "–"
        row = {
            C["indicator"]: _label(ind, lang), C["target_year"]: ty, C["commitment"]: _commitment(r, lang) + also.get(i, ""),
            C["latest"]: latest, C["required_growth"]: _pct(r.get("required_growth")),
            C["historical_growth"]: _pct(r.get("historical_growth")), C["forecast"]: _fmt_of(r.get("mean"), ind),
            C["i80"]: _interval(r.get("lo_80"), r.get("hi_80"), ind), C["i95"]: _interval(lo95, hi95, ind),
            C["p_meet"]: _prob(r.get("p_meet")), C["verdict"]: verdict,
        }
        rows.append(row)
        one = {k: v for k, v in row.items() if k not in (C["indicator"], C["target_year"])}
        if pd.notna(r.get("stretch")) and r.get("stretch") != r.get("target"):
            one[C["p_stretch"]] = _prob(r.get("p_stretch"))
        tables.append({"title": f"{_label(ind, lang, unit=False)} {ty}", "table": pd.DataFrame([one]),
                       "explanation": str(r.get("explanation", "") or ""), "quote": str(r.get("quote", "") or ""),
                       "doc": str(r.get("doc", "") or "")})
        verdicts.append({"indicator": ind, "label": f"{_label(ind, lang, unit=False)} {ty}", "target_year": ty,
                         "p_meet": None if pd.isna(r.get("p_meet")) else float(r.get("p_meet")),
                         "verdict": verdict})
    # an indicator with two targets in one year (专利申请量达430件 … 突破400件、力争450件): name each by its level
    labels = [v["label"] for v in verdicts]
    for k, v in enumerate(verdicts):
        if labels.count(v["label"]) > 1:
            extra = f"（{rows[k][C['commitment']]}）" if lang == "zh" else f" ({rows[k][C['commitment']]})"
            v["label"] += extra
            tables[k]["title"] += extra
    overview = pd.DataFrame(rows, columns=[C[k] for k in ("indicator", "target_year", "commitment", "latest",
                                                          "required_growth", "historical_growth", "forecast",
                                                          "i80", "i95", "p_meet", "verdict")])
    headline = _headline(reg, a, verdicts, lang, as_of)
    accuracy = _accuracy_table(inp.scores, inds, fc, lang)
    sources = _sources(history, tg, fc, lang)
    summary = {"region": name, "code": reg.code, "headline": headline, "verdicts": verdicts,
               "as_of": as_of, "n_targets": len(a)}
    return BriefTables(
        region=name, region_en=reg.english, level=reg.level, as_of=as_of, lang=lang, headline=headline,
        overview=overview, target_tables=tables, assessment=a, history=history, forecasts=fc,
        scores=inp.scores[inp.scores["indicator"].isin(inds)].reset_index(drop=True), accuracy=accuracy,
        sources=sources, indicators=inds, vintage=inp.vintage, version=inp.version, created=inp.created,
        summary=summary,
    )


def _headline(reg, a: pd.DataFrame, verdicts: list[dict], lang: str, as_of) -> str:
    n = len(verdicts)
    if lang == "zh":
        if n == 0:
            return f"{reg.name}：资料中未见可量化的科技创新目标，以下仅给出主要指标的走势与预测。"
        years = sorted({v["target_year"] for v in verdicts})
        parts = [f"{v['label']}（{v['verdict']}" + (f"，{v['p_meet']:.0%}" if v["p_meet"] is not None else "") + "）"
                 for v in verdicts]
        good = sum(v["verdict"] in (_VERDICT["zh"]["likely"], _VERDICT["zh"]["met"]) for v in verdicts)
        return (f"{reg.name}承诺了{n}项{'、'.join(map(str, years))}年目标，"
                + (f"其中{good}项已完成或很可能完成：" if good else "其中没有一项已完成或很可能完成：")
                + "；".join(parts) + "。")
    if n == 0:
        return f"{reg.english or reg.name}: no quantified innovation targets on record; trends and forecasts only."
    years = sorted({v["target_year"] for v in verdicts})
    parts = [f"{v['label']} ({v['verdict']}" + (f", {v['p_meet']:.0%}" if v["p_meet"] is not None else "") + ")"
             for v in verdicts]
    good = sum(v["verdict"] in ("likely", "met") for v in verdicts)
    return (f"{reg.english or reg.name} ({reg.name}) set {n} target(s) for {', '.join(map(str, years))}; "
            f"{good or 'none'} met or likely to be met: " + "; ".join(parts) + ".")


def _model_label(model: str, lang: str) -> str:
    """The engine's model name for a reader (:func:`innovation_forecast.models.names.model_label`)."""
    from ..models.names import model_label

    return model_label(model, lang)


#: A backtest coverage this many points below its level, on 10+ scored forecasts, is flagged in the brief:
#: the intervals of that indicator were too narrow when last tested (patent grants in 2022-2023, when
#: grants fell in every province), and its probabilities deserve less trust.
NARROW_POINTS = 20


def _narrow(cov: Any, level: int, n: Any, lang: str) -> str:
    try:
        bad = float(cov) < level - NARROW_POINTS and int(n) >= 10
    except (TypeError, ValueError):
        return ""
    return ("（偏窄）" if lang == "zh" else " (too narrow)") if bad else ""


def _accuracy_table(scores: pd.DataFrame, inds: list[str], fc: pd.DataFrame, lang: str) -> pd.DataFrame:
    C = _COLS[lang]
    rows = []
    none = "数据不足，未作回测" if lang == "zh" else "too little data to backtest"
    for ind in inds:
        s = scores[scores["indicator"] == ind] if len(scores) else scores
        used = fc.loc[fc["indicator"] == ind, "model"]
        row = {C["indicator"]: _label(ind, lang, unit=False),
               C["model"]: _model_label(str(used.iloc[0]), lang) if len(used) else "–"}
        if len(s) and int(s["n"].iloc[0]) > 0:
            a = s.iloc[0]
            row.update({C["origins"]: str(a["origins"]), C["n"]: int(a["n"]), C["smape"]: _fmt(a["smape"], 1),
                        C["mase"]: _fmt(a["mase"]),
                        C["cov80"]: _fmt(a["coverage_80"], 0) + "%" + _narrow(a["coverage_80"], 80, a["n"], lang),
                        C["cov95"]: _fmt(a["coverage_95"], 0) + "%" + _narrow(a["coverage_95"], 95, a["n"], lang)})
        else:
            row.update({C["origins"]: "–", C["n"]: 0, C["smape"]: none, C["mase"]: "–", C["cov80"]: "–",
                        C["cov95"]: "–"})
        rows.append(row)
    return pd.DataFrame(rows, columns=[C[k] for k in ("indicator", "model", "origins", "n", "smape", "mase",
                                                      "cov80", "cov95")])


def _sources(history: pd.DataFrame, tg: pd.DataFrame, fc: pd.DataFrame, lang: str) -> pd.DataFrame:
    C = _COLS[lang]
    S = _STATUS[lang]
    rows = []
    for _, r in history.iterrows():
        rows.append({C["what"]: _label(r["indicator"], lang), C["year"]: int(r["year"]), C["value"]: _fmt(r["value"]),
                     C["status"]: S.get(str(r.get("status", "")), str(r.get("status", ""))),
                     C["source"]: str(r.get("source", "") or "")})
    tgt = "目标" if lang == "zh" else "target"
    for _, r in tg.iterrows():
        rows.append({C["what"]: f"{_label(r['indicator'], lang)} {tgt}", C["year"]: int(r["year"]),
                     C["value"]: _commitment(r, lang), C["status"]: tgt,
                     C["source"]: " — ".join(str(x) for x in (r.get("source", "") or r.get("doc", ""), r.get("quote", ""))
                                             if isinstance(x, str) and x)})
    if len(fc):
        models = ("；" if lang == "zh" else "; ").join(_model_label(m, lang) for m in sorted(set(fc["model"].astype(str))))
        what = "预测" if lang == "zh" else "forecasts"
        src = (f"innovation_forecast {_version()} forecast()（{models}），依据上列历史数据" if lang == "zh"
               else f"innovation_forecast {_version()} forecast() ({models}) from the history above")
        y0, y1 = int(fc["year"].min()), int(fc["year"].max())
        rows.append({C["what"]: what, C["year"]: y0 if y0 == y1 else f"{y0}–{y1}", C["value"]: "", C["status"]: what,
                     C["source"]: src})
    return pd.DataFrame(rows, columns=[C[k] for k in ("what", "year", "value", "status", "source")])


# --------------------------------------------------------------------------- notebook helpers


def show_summary(bt: BriefTables) -> None:
    """Display the brief's summary for the batch index (a MIME type the HTML page does not show)."""
    from IPython.display import display

    from ._worker import SUMMARY_MIME

    display({SUMMARY_MIME: json.loads(json.dumps(bt.summary, default=str))}, raw=True)
