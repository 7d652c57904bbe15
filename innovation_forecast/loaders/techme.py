"""The techme province tables (``techme/orig_*.csv``): patents, R&D, technology market, HTE notices.

The original tables are long with Chinese block names (合计/发明/实用新型/外观设计, RD经费/RD强度,
基础研究…, 金额/数量) and carry OCR defects from the yearbook scans; :func:`read_techme` maps them to
canonical indicators, converts 万元 to 亿元 and repairs the province names as described in the data
folder's PROVENANCE.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..config import data_dir as _data_dir
from ..errors import DataDirError
from ..panel import tidy
from ._io import header_frame, read_csv_grid

__all__ = ["TECHME_BLOCKS", "TECHME_OCR_FIXES", "read_techme"]

#: (dataset, chn_block4) → canonical indicator. Blocks not listed are left out on purpose:
#: RDActivity's 合计 (R&D经费内部支出, yearbook, 万元) is the same concept as RDIntense's RD经费 (bulletin,
#: 亿元) and agrees with it to rounding; the panel keeps one series per indicator, the bulletin one.
TECHME_BLOCKS: dict[tuple[str, str], str] = {
    ("RDPatentAccept", "合计"): "patent_applications",
    ("RDPatentAccept", "发明"): "invention_patent_applications",
    ("RDPatentAccept", "实用新型"): "utility_patent_applications",
    ("RDPatentAccept", "外观设计"): "design_patent_applications",
    ("RDPatentAuthority", "合计"): "patent_grants",
    ("RDPatentAuthority", "发明"): "invention_patent_grants",
    ("RDPatentAuthority", "实用新型"): "utility_patent_grants",
    ("RDPatentAuthority", "外观设计"): "design_patent_grants",
    ("RDPatentValid", "合计"): "valid_patents",
    ("RDPatentValid", "发明"): "valid_invention_patents",
    ("RDPatentValid", "实用新型"): "valid_utility_patents",
    ("RDPatentValid", "外观设计"): "valid_design_patents",
    ("RDIntense", "RD经费"): "rd_expenditure",
    ("RDIntense", "RD强度"): "rd_intensity",
    ("RDActivity", "基础研究"): "rd_basic_research",
    ("RDActivity", "应用研究"): "rd_applied_research",
    ("RDActivity", "试验发展"): "rd_experimental_development",
    # 按技术输出地域 (sold by the region) is what Jiangxi cities call 技术合同成交额
    ("MarketPush", "金额"): "tech_contract_value",
    ("MarketPush", "数量"): "tech_contract_count",
    ("MarketPull", "金额"): "tech_contract_value_inflow",
    ("MarketPull", "数量"): "tech_contract_count_inflow",
}

#: OCR misreadings of province names in the scanned yearbook tables (after removing inner spaces).
TECHME_OCR_FIXES: dict[str, str] = {"江两": "江西", "江四": "江西", "两藏": "西藏", "四藏": "西藏", "山两": "山西",
                                    "浙汀": "浙江"}
#: Regional aggregates that are not regions of the registry (尔部地区 is OCR for 东部地区); dropped.
TECHME_AGGREGATES = frozenset({"尔部地区", "东部地区", "中部地区", "西部地区", "东北地区"})
_DATASETS = ("RDPatentAccept", "RDPatentAuthority", "RDPatentValid", "RDIntense", "RDActivity", "MarketPush",
             "MarketPull")


def _fix_name(name: str) -> str:
    s = re.sub(r"\s+", "", str(name))
    return TECHME_OCR_FIXES.get(s, s)


def _read_block_table(path: Path, dataset: str, notes: list[str]) -> pd.DataFrame:
    grid = read_csv_grid(path)
    df = header_frame(grid, ("province", "year", "chn_block4", "value", "units"), f"techme/{path.name}")
    df["province"] = df["province"].map(_fix_name)
    agg = df["province"].isin(TECHME_AGGREGATES)
    if agg.any():
        notes.append(f"{path.name}: dropped {int(agg.sum())} rows of regional aggregates "
                     f"({', '.join(sorted(set(df.loc[agg, 'province'])))}; OCR of 东部地区)")
    df = df[~agg]
    ind = [TECHME_BLOCKS.get((dataset, b.strip())) for b in df["chn_block4"]]
    df = df.assign(indicator=ind)
    skipped = df["indicator"].isna()
    if skipped.any():
        notes.append(f"{path.name}: left out {int(skipped.sum())} rows of blocks "
                     f"{', '.join(sorted(set(df.loc[skipped, 'chn_block4'])))} (not a separate panel indicator)")
    df = df[~skipped]
    return pd.DataFrame({"region": df["province"], "year": df["year"], "indicator": df["indicator"],
                         "value": df["value"], "unit": df["units"], "source": f"techme/{path.name}",
                         "_file": df["_file"], "_line": df["_line"]})


def _read_hte(path: Path) -> pd.DataFrame:
    grid = read_csv_grid(path)
    df = header_frame(grid, ("province", "year", "num"), f"techme/{path.name}")
    return pd.DataFrame({"region": df["province"].map(_fix_name), "year": df["year"],
                         "indicator": "hte_in_recognition_notices", "value": df["num"], "unit": "家",
                         "source": f"techme/{path.name}", "_file": df["_file"], "_line": df["_line"]})


def read_techme(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read the eight techme province tables into the tidy panel.

    Parameters
    ----------
    data_dir
        The external data directory holding ``techme/`` (or the ``techme`` folder itself); default:
        ``$INNOVATION_FORECAST_DATA``.

    Returns
    -------
    DataFrame
        The tidy panel (:data:`~innovation_forecast.panel.PANEL_COLUMNS`): 31 provinces + 全国, 2000–2024,
        indicators patent_applications/_grants (total, invention, utility, design), valid_patents (4),
        rd_expenditure, rd_intensity, rd_basic_research, rd_applied_research, rd_experimental_development,
        tech_contract_value/_count (outflow, 技术输出), tech_contract_value_inflow/_count_inflow and
        hte_in_recognition_notices (firms in the year's recognition notices, new + re-certified — *not*
        the stock hte_total). Money in 亿元. ``source`` is ``techme/orig_<dataset>.csv``.
        ``panel.attrs["notes"]`` lists what was dropped (the 尔部地区 aggregate, RDActivity's 合计).

    Notes
    -----
    Province names are repaired as in PROVENANCE.md: inner spaces removed (``江   西``), OCR typos
    江两/江四→江西, 两藏/四藏→西藏, 山两→山西, 浙汀→浙江. Blank values (Tibet's contracts before 2017)
    are missing, not zero.

    Examples
    --------
    >>> p = read_techme("../shared/data/raw")                     # doctest: +SKIP
    >>> p.query("region == '江西省' and indicator == 'rd_intensity' and year == 2020")["value"].item()  # doctest: +SKIP
    1.68
    """
    base = Path(data_dir) if data_dir is not None else _data_dir(required=True)
    folder = base if (base / "orig_RDIntense.csv").exists() else base / "techme"
    if not folder.is_dir():
        raise DataDirError(f"Expected a techme/ folder in {str(base)!r}; it is not there.")
    notes: list[str] = []
    parts = []
    for ds in _DATASETS:
        p = folder / f"orig_{ds}.csv"
        if not p.exists():
            raise DataDirError(f"Expected {p.name!r} in {str(folder)!r}; it is not there.")
        parts.append(_read_block_table(p, ds, notes))
    hte = folder / "orig_HitechFirmsPub.csv"
    if not hte.exists():
        raise DataDirError(f"Expected {hte.name!r} in {str(folder)!r}; it is not there.")
    parts.append(_read_hte(hte))
    raw = pd.concat(parts, ignore_index=True)
    panel = tidy(raw, name="techme")
    panel.attrs["notes"] = notes
    return panel
