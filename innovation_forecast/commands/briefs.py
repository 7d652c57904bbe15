"""``innovation-forecast briefs``: write a batch of city briefs (notebook + HTML per region, and an index)."""

from __future__ import annotations

import argparse
import sys

from ._output import positive_int


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "briefs",
        help="write one city brief (executed notebook + HTML) per region, and index.html",
        description=(
            "Run notebooks/city_brief.ipynb with papermill once per region and write "
            "<out>/<region-code>.ipynb, .html (code hidden), optionally .pdf, plus index.html and results.csv. "
            "Exit status 1 when any brief failed (its notebook keeps the traceback), 2 on a usage error."
        ),
    )
    p.add_argument("--regions", default=["all"], nargs="+", metavar="REGION",
                   help="'all' (default) or names or codes, as separate words or comma-separated "
                        "(南昌市 九江市, 南昌市,九江市 or 南昌市、九江市; quote names with spaces: 'Inner Mongolia')")
    p.add_argument("--as-of", type=int, default=None, metavar="YEAR",
                   help="last year of data the briefs use (default: all)")
    p.add_argument("--out", default=None, metavar="DIR", help="run folder (default reports/<today>)")
    p.add_argument("--workers", type=positive_int, default=1, metavar="N", help="parallel local workers (default 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler (tcp://host:8786); workers must see --out")
    p.add_argument("--pdf", action="store_true", help="also print each HTML to PDF with headless Chromium")
    p.add_argument("--skip-existing", action="store_true",
                   help="keep briefs already written successfully in --out (resume a batch)")
    p.add_argument("--timeout", type=float, default=600, metavar="S",
                   help="seconds one brief may take (default 600; 0 for no limit)")
    p.add_argument("--horizon", type=positive_int, default=5, help="forecast horizon in years (default 5)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the briefs (default zh)")
    p.add_argument("--indicators", default=None,
                   help="comma-separated indicators to show (default: those with data or targets)")
    p.add_argument("--targets", default=None, metavar="CSV", help="targets file instead of the curated one")
    p.add_argument("--notebook", default=None, metavar="IPYNB", help="brief template (default city_brief.ipynb)")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute the inputs shared by the briefs even if an earlier batch cached them")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from ..briefs import run_briefs

    try:
        run = _run(run_briefs, args)
    except KeyboardInterrupt as exc:
        detail = str(exc) or ("interrupted; finished briefs are kept (no partial files). "
                              "Run the same command with --skip-existing to finish the batch.")
        print(f"innovation-forecast briefs: {detail}", file=sys.stderr)
        return 130
    print(run.summary(), file=sys.stdout)
    return 0 if run.ok else 1


def _run(run_briefs, args: argparse.Namespace):
    return run_briefs(
        regions=",".join(args.regions),  # each word may itself be a list (南昌市,九江市)
        as_of=args.as_of,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        pdf=args.pdf,
        skip_existing=args.skip_existing,
        timeout=args.timeout or None,
        horizon=args.horizon,
        lang=args.lang,
        indicators=[s.strip() for s in args.indicators.split(",") if s.strip()] if args.indicators else None,
        targets=args.targets,
        data_dir=getattr(args, "data_dir", None),
        notebook=args.notebook,
        progress=not args.no_progress,
        cache=not args.no_cache,
    )
