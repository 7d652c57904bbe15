"""The M3 benchmark's in-sample hold-outs (bench/m3.py): what is fitted, what is scored, how origins are averaged."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest
from conftest import load_bench


@pytest.fixture(scope="module")
def m3():
    return load_bench("m3")


def _train(lengths: dict[str, int]) -> pd.DataFrame:
    rows = []
    for sid, n in lengths.items():
        for t in range(1, n + 1):
            rows.append({"series_id": sid, "category": "MICRO", "year": t, "value": 100.0 + 10 * t + (sid == "B")})
    return pd.DataFrame(rows)


def test_holdout_cut_fits_before_and_scores_the_next_six(m3):
    train = _train({"A": 20, "B": 14})
    tr, te = m3.holdout(train, h=6, cut=9, min_train=0)
    for sid, n in (("A", 20), ("B", 14)):
        assert tr[tr.series_id == sid]["year"].max() == n - 9
        assert te[te.series_id == sid]["year"].tolist() == list(range(n - 8, n - 2))
    # the points after the scored window do not matter
    later = train.copy()
    later.loc[later.groupby("series_id").cumcount(ascending=False) < 3, "value"] = -1e9
    tr2, te2 = m3.holdout(later, h=6, cut=9, min_train=0)
    pd.testing.assert_frame_equal(tr, tr2)
    pd.testing.assert_frame_equal(te, te2)


def test_holdout_default_is_the_last_six_and_min_train_drops_short_series(m3):
    train = _train({"A": 20, "B": 14})
    tr, te = m3.holdout(train)
    assert te.groupby("series_id")["year"].min().to_dict() == {"A": 15, "B": 9}
    assert len(tr) == 20 + 14 - 12
    tr, te = m3.holdout(train, cut=12, min_train=8)
    assert set(tr.series_id) == set(te.series_id) == {"A"}
    assert tr["year"].max() == 8
    with pytest.raises(ValueError):
        m3.holdout(train, h=6, cut=5)


def _per(rows):
    return pd.DataFrame(rows, columns=["series_id", "origin", "sape", "ase", "sape_naive", "ase_naive"]).set_index(
        "series_id")


def test_summarise_averages_each_series_over_its_origins_first(m3):
    # series A is scored at two origins, B at one: B must weigh as much as A, not half as much
    per = _per([("A", 6, 10.0, 1.0, 20.0, 2.0), ("A", 9, 30.0, 3.0, 20.0, 2.0), ("B", 6, 0.0, 0.0, 20.0, 2.0)])
    r = m3.summarise(per)
    assert r["sMAPE"] == pytest.approx((20.0 + 0.0) / 2)
    assert r["MASE"] == pytest.approx((2.0 + 0.0) / 2)
    assert r["OWA"] == pytest.approx(0.5 * (10 / 20) + 0.5 * (1 / 2))
    assert r["series"] == 2 and r["rows"] == 3


def test_compare_is_a_paired_difference_per_origin(m3):
    a = _per([("A", 6, 10.0, 1.0, 20.0, 2.0), ("A", 9, 30.0, 3.0, 20.0, 2.0), ("B", 6, 5.0, 0.5, 20.0, 2.0)])
    same = m3.compare(a, a, n_boot=50)
    assert same["sMAPE"]["diff"] == 0 and same["sMAPE"]["se"] == 0
    b = a.copy()
    b.loc[b["origin"] == 9, "sape"] -= 4.0  # better at origin 9 only
    d = m3.compare(a, b, n_boot=50)
    assert d["sMAPE"]["by_origin"] == {6: 0.0, 9: -4.0}
    assert d["sMAPE"]["diff"] == pytest.approx((-4.0 / 2 + 0.0) / 2)  # A's mean change -2, B's 0
    assert d["MASE"]["diff"] == 0


def test_multi_origin_holdout_never_reads_the_test_part(m3, tmp_path):
    rng = np.random.default_rng(1)
    rows = []
    for i in range(12):
        n = 20 + (i % 3) * 3
        y = 100 * np.exp(np.cumsum(rng.normal(0.05, 0.08, n)))
        for t in range(1, n + 1):
            rows.append({"series_id": f"S{i:02d}", "category": "MICRO", "t": t, "value": y[t - 1],
                         "split": "test" if t > n - 6 else "train"})
    df = pd.DataFrame(rows)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    df.to_csv(tmp_path / "a" / "m3_yearly.csv", index=False)
    df.assign(value=np.where(df["split"] == "test", df["value"] * 50, df["value"])).to_csv(
        tmp_path / "b" / "m3_yearly.csv", index=False)
    out = []
    for d in ("a", "b"):
        args = argparse.Namespace(holdout_origins="6,8", bench_dir=str(tmp_path / d), align="start",
                                  holdout_min_train=8, n_jobs=1, save_series="")
        out.append(m3.run_multi_origin(args))
    pd.testing.assert_frame_equal(out[0], out[1])
    assert sorted(out[0]["origin"].unique()) == [6, 8]
    # train lengths 14, 17, 20: the 14-point series sit origin 8 out (8 + 8 > 14)
    assert out[0].groupby("origin").size().to_dict() == {6: 12, 8: 8}
    assert np.isfinite(out[0][["sape", "ase", "is95"]].to_numpy()).all()
