"""Shared fixtures: tiny in-memory panels and the external data directory."""

from __future__ import annotations

import importlib.util
import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_RAW = SHARED / "data" / "raw"
SHARED_BENCH = SHARED / "bench"
SEEDS = SHARED / "seeds"


def pytest_configure(config):
    """A suite started as a background job of a non-interactive shell (``make test &``, CI wrappers) runs
    with Ctrl-C ignored, and its subprocesses inherit that: the tests that press Ctrl-C on a batch would
    see it ignored. Give the suite, and so its subprocesses, the usual Ctrl-C."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The external data directory (``../shared/data/raw`` or $INNOVATION_FORECAST_DATA)."""
    env = os.environ.get("INNOVATION_FORECAST_DATA")
    p = Path(env) if env else SHARED_RAW
    if not p.is_dir():
        pytest.skip(f"external data directory {p} is absent")
    return p


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports folder {SEEDS} is absent")
    return SEEDS


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    if not SHARED_BENCH.is_dir():
        pytest.skip(f"benchmark folder {SHARED_BENCH} is absent")
    return SHARED_BENCH


@pytest.fixture
def tiny_panel() -> pd.DataFrame:
    """Two cities, one indicator, eight years of steady growth."""
    years = np.arange(2010, 2018)
    rows = []
    for region, base, g in [("南昌市", 1000.0, 0.12), ("九江市", 500.0, 0.08)]:
        for i, y in enumerate(years):
            rows.append({"region": region, "indicator": "patent_applications", "year": int(y),
                         "value": base * (1 + g) ** i})
    return pd.DataFrame(rows)


def load_bench(name: str):
    """A benchmark script of ``bench/`` imported as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
