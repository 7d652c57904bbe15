"""Internal consistency of the hand-curated answer key in ``data/`` (figures.csv, targets.csv).

The curated rows are the reference the report reader is scored against, so every row must be
traceable to its text (quote found verbatim in the seed), expressed in the registry's canonical
names and units, and free of duplicate keys. See data/README.md for the conventions checked here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from innovation_forecast.registry import INDICATORS, REGIONS, resolve_region

DATA = Path(__file__).resolve().parents[1] / "data"

FIGURE_COLUMNS = ["doc", "source", "region", "year", "indicator", "status", "basis", "value", "unit", "months",
                  "quote", "flag"]
TARGET_COLUMNS = ["doc", "source", "region", "year", "indicator", "basis", "comparator", "value", "stretch_low",
                  "stretch_high", "unit", "quote", "conflict", "note"]
FIGURE_KEY = ["doc", "region", "year", "indicator", "status", "basis", "months"]
TARGET_KEY = ["doc", "region", "year", "indicator", "basis"]

SEED_DOCS = {
    "shangrao_2017_summary_2018_plan", "jiujiang_2017_summary_2018_plan", "yongxiu_2017_summary_2018_plan",
    "xiangdong_district_2020_report", "nanchang_2021_summary_2022_plan",
}
STRETCH_WORDS = ("力争", "争取", "努力")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Bulletin indicator names -> (canonical indicator, basis); population_registered is left out on purpose.
BULLETIN_MAP = {
    "patent_applications_growth": ("patent_applications", "growth_pct"),
    "patent_grants_growth": ("patent_grants", "growth_pct"),
    "rd_expenditure_growth": ("rd_expenditure", "growth_pct"),
    "valid_invention_patents_per_10k": ("invention_patents_per_10k", "level"),
    "hitech_enterprises_total": ("hte_total", "level"),
    "hitech_enterprises_new": ("hte_new", "level"),
    "hitech_enterprises_in_recognition_notice": ("hte_in_recognition_notices", "level"),
    "population_resident": ("population", "level"),
}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return _read("figures.csv")


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return _read("targets.csv")


@pytest.fixture(scope="module")
def seed_texts(seeds_dir) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in seeds_dir.glob("*.txt")}


def _is_seed(doc: str) -> bool:
    return doc in SEED_DOCS


def _report_year(doc: str) -> int:
    return int(re.search(r"(\d{4})", doc).group(1))


def _expected_unit(indicator: str, basis: str) -> str:
    return "%" if basis in ("growth_pct", "pp") else INDICATORS[indicator].unit


def _numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text)]


def _sentence_before(text: str, quote: str) -> str:
    """The text from the start of the sentence holding ``quote`` up to the end of the quote."""
    i = text.index(quote)
    start = max(text.rfind(c, 0, i) for c in "。；;\n") + 1
    return text[start:i + len(quote)]


def _paragraph_of(text: str, quote: str) -> str:
    i = text.index(quote)
    return text[text.rfind("\n", 0, i) + 1:text.find("\n", i) if "\n" in text[i:] else len(text)]


# --- shape and vocabulary -------------------------------------------------------------------------


def test_columns_are_the_contract_columns(figures, targets):
    assert list(figures.columns) == FIGURE_COLUMNS
    assert list(targets.columns) == TARGET_COLUMNS


def test_every_seed_has_figures_and_bulletin_rows_are_present(figures, targets):
    assert SEED_DOCS <= set(figures["doc"])
    assert set(targets["doc"]) <= SEED_DOCS
    other = set(figures["doc"]) - SEED_DOCS
    assert other and all(d.startswith("http") for d in other), sorted(other)[:5]


def test_allowed_values(figures, targets):
    assert set(figures["status"]) <= {"actual", "estimate", "ytd"}
    assert set(figures["basis"]) <= {"level", "growth_pct", "increment", "pp"}
    assert set(figures["flag"]) <= {"", "year_inferred"}
    assert set(targets["basis"]) <= {"level", "growth_pct", "increment", "pp"}
    assert set(targets["comparator"]) <= {"eq", "ge", "gt", "le", "lt"}
    assert set(targets["conflict"]) <= {"true", "false"}
    for frame in (figures, targets):
        assert (frame[["doc", "source", "region", "year", "indicator", "quote"]] != "").all().all()


def test_indicators_and_regions_are_canonical(figures, targets):
    names = {r.name for r in REGIONS.values()}
    for frame in (figures, targets):
        bad_ind = set(frame["indicator"]) - set(INDICATORS)
        assert not bad_ind, f"unregistered indicators {bad_ind}"
        bad_reg = set(frame["region"]) - names
        assert not bad_reg, f"regions not written canonically: {bad_reg}"
        for region in set(frame["region"]):
            assert resolve_region(region).name == region


def test_units_are_canonical(figures, targets):
    for frame in (figures, targets):
        expected = [_expected_unit(i, b) for i, b in zip(frame["indicator"], frame["basis"])]
        wrong = frame[frame["unit"] != pd.Series(expected, index=frame.index)]
        assert wrong.empty, wrong[["doc", "indicator", "basis", "unit"]].to_string()


def test_years_and_values_are_numbers(figures, targets):
    for frame in (figures, targets):
        years = frame["year"].astype(int)
        assert years.between(2000, 2030).all()
        values = frame["value"].astype(float)
        assert values.map(math.isfinite).all()
    counts = figures[(figures["basis"] == "level") & figures["unit"].isin(["件", "家", "项"])]
    v = counts["value"].astype(float)
    assert ((v >= 0) & (v == v.round())).all(), counts[(v < 0) | (v != v.round())].to_string()
    # levels of amounts, ratios and counts are never negative; only changes may be
    levels = figures[figures["basis"] == "level"]["value"].astype(float)
    assert (levels >= 0).all()


def test_months_only_on_ytd_rows(figures):
    ytd = figures["status"] == "ytd"
    assert (figures.loc[~ytd, "months"] == "").all()
    months = figures.loc[ytd, "months"].astype(int)
    assert months.between(1, 11).all()  # a 12-month figure is an actual, not a ytd


def test_target_year_not_before_report_year(targets):
    years = targets["year"].astype(int)
    report = targets["doc"].map(_report_year)
    assert (years >= report).all(), targets[years < report].to_string()


def test_one_source_title_per_seed_doc(figures, targets):
    # (bulletin URLs may carry several titles: one aggregator page is cited for different column years)
    both = pd.concat([figures[["doc", "source"]], targets[["doc", "source"]]])
    both = both[both["doc"].isin(SEED_DOCS)]
    per_doc = both.groupby("doc")["source"].nunique()
    assert (per_doc == 1).all(), per_doc[per_doc > 1]


# --- keys -----------------------------------------------------------------------------------------


def test_no_duplicate_figure_keys(figures):
    dup = figures[figures.duplicated(FIGURE_KEY, keep=False)]
    assert dup.empty, dup[FIGURE_KEY].to_string()


def test_duplicate_target_keys_only_as_flagged_conflicts(targets):
    groups = targets.groupby(TARGET_KEY)
    for key, g in groups:
        if len(g) == 1:
            assert g["conflict"].iloc[0] == "false", f"{key}: conflict=true but no competing row"
            continue
        assert (g["conflict"] == "true").all(), f"{key}: duplicate target rows not flagged as conflicts"
        stated = g[["comparator", "value", "stretch_low", "stretch_high"]].drop_duplicates()
        assert len(stated) == len(g), f"{key}: conflicting rows state the same target"


# --- values against their quotes ------------------------------------------------------------------


def _value_in_quote(value: float, quote: str) -> bool:
    # 万元 -> 亿元 is the only unit conversion in the curated rows (6000万元 -> 0.6)
    candidates = {abs(value), abs(value) * 10_000}
    return any(abs(n - c) < 1e-9 * max(1.0, c) for n in _numbers(quote) for c in candidates)


def test_figure_values_appear_in_their_quotes(figures):
    bad = [(r.doc[:40], r.indicator, r.value, r.quote) for r in figures.itertuples()
           if not _value_in_quote(float(r.value), r.quote)]
    assert not bad, bad


def test_target_numbers_appear_in_their_quotes(targets):
    bad = []
    for r in targets.itertuples():
        for field in ("value", "stretch_low", "stretch_high"):
            v = getattr(r, field)
            if v != "" and not _value_in_quote(float(v), r.quote):
                bad.append((r.doc, r.indicator, field, v, r.quote))
    assert not bad, bad


def test_sign_of_changes_matches_wording(figures):
    changes = figures[figures["basis"] != "level"]
    for r in changes.itertuples():
        falling = any(w in r.quote for w in ("下降", "减少"))
        assert (float(r.value) < 0) == falling, (r.doc, r.indicator, r.value, r.quote)


# --- stretch levels -------------------------------------------------------------------------------


def test_stretch_columns_are_consistent(targets):
    for r in targets.itertuples():
        lo, hi = r.stretch_low, r.stretch_high
        assert (lo == "") == (hi == ""), (r.doc, r.indicator)
        if lo == "":
            assert "stretch_only" not in r.note
            continue
        lo, hi, value = float(lo), float(hi), float(r.value)
        assert lo <= hi, (r.doc, r.indicator)
        if r.comparator in ("ge", "gt"):
            assert lo >= value, f"{r.doc} {r.indicator}: stretch {lo} below the firm value {value}"
        elif r.comparator in ("le", "lt"):
            assert hi <= value, f"{r.doc} {r.indicator}: stretch {hi} above the firm ceiling {value}"
        if "stretch_only" in r.note:
            assert lo == hi == value
        else:
            assert any(w in r.quote for w in STRETCH_WORDS), (r.doc, r.indicator, r.quote)


# --- against the seed texts (skipped only when ../shared/seeds is absent) ------------------------


def test_seed_files_match_seed_docs(seed_texts):
    assert set(seed_texts) == SEED_DOCS


def test_seed_quotes_are_verbatim(figures, targets, seed_texts):
    missing = [(r.doc, r.quote) for frame in (figures, targets) for r in frame.itertuples()
               if _is_seed(r.doc) and r.quote not in seed_texts[r.doc]]
    assert not missing, missing


def test_seed_sources_are_the_document_titles(figures, seed_texts):
    for doc, source in figures[figures["doc"].isin(SEED_DOCS)][["doc", "source"]].drop_duplicates().itertuples(
            index=False):
        head = "".join(seed_texts[doc][:300].split())
        assert source in head, f"{doc}: {source!r} is not in the opening lines"


def test_status_words_in_seed_text(figures, seed_texts):
    seeds = figures[figures["doc"].isin(SEED_DOCS)]
    for r in seeds.itertuples():
        text = seed_texts[r.doc]
        if r.status == "estimate":
            assert "预计" in _sentence_before(text, r.quote), (r.doc, r.quote)
        if r.status == "ytd":
            para = _paragraph_of(text, r.quote)
            assert "截至" in para and f"{r.months}月" in para, (r.doc, r.quote)


def test_stretch_targets_come_from_stretch_sentences(targets, seed_texts):
    for r in targets[targets["note"].str.contains("stretch_only")].itertuples():
        sentence = _sentence_before(seed_texts[r.doc], r.quote)
        assert any(w in sentence for w in STRETCH_WORDS), (r.doc, r.quote)


# --- against the bulletin file (skipped only when ../shared/data/raw is absent) ------------------


def test_bulletin_rows_are_all_mapped(figures, data_dir):
    raw = pd.read_csv(data_dir / "bulletins" / "jiangxi_cities.csv", dtype=str, keep_default_na=False)
    raw = raw[raw["indicator"] != "population_registered"]
    curated = figures[~figures["doc"].isin(SEED_DOCS)]
    assert len(curated) == len(raw)
    by_key = {(r.doc, r.quote, r.year, r.indicator, r.basis): r for r in curated.itertuples()}
    for b in raw.itertuples():
        name, status, flag = b.indicator, "actual", ""
        if name.endswith("_ESTIMATE"):
            name, status = name.removesuffix("_ESTIMATE"), "estimate"
        if name.endswith("_YEAR_INFERRED"):
            name, flag = name.removesuffix("_YEAR_INFERRED"), "year_inferred"
        indicator, basis = BULLETIN_MAP.get(name, (name, "level"))
        row = by_key.get((b.source_url, b.quote, b.year, indicator, basis))
        assert row is not None, f"bulletin row {b.region} {b.year} {b.indicator} not in figures.csv"
        assert float(row.value) == float(b.value)
        assert (row.status, row.flag, row.source) == (status, flag, b.source_title)
        assert row.region == resolve_region(b.region).name


def test_figures_from_two_sources_agree(figures):
    # Some bulletin rows were read from the same work reports as the seeds; they must agree.
    key = ["region", "year", "indicator", "status", "basis", "months"]
    seeds = figures[figures["doc"].isin(SEED_DOCS)]
    other = figures[~figures["doc"].isin(SEED_DOCS)]
    both = seeds.merge(other, on=key, suffixes=("_seed", "_bulletin"))
    assert len(both) > 0
    assert (both["value_seed"].astype(float) == both["value_bulletin"].astype(float)).all(), both.to_string()


def test_readme_documents_every_seed():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for doc in SEED_DOCS:
        assert doc in readme
