"""`python -m evals [--category NAME ...] [--verbose] [--json FILE] [--model M]`: run Dash's evals.

Each category is a module with `run(verbose) -> report` and `format_report(report) -> str`; a report
has `passed`. The exit status is non-zero when any category misses its thresholds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

CATEGORIES = {
    name: f"evals.{name}"
    for name in ("accuracy", "boundaries", "governance", "learning", "retrieval", "routing", "security")
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Run Dash's evals.")
    parser.add_argument(
        "--category",
        action="append",
        choices=sorted(CATEGORIES),
        help="category to run (repeatable; default: all)",
    )
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the full report as JSON")
    parser.add_argument("--model", metavar="M", help="chat model for every agent (sets DASH_MODEL)")
    args = parser.parse_args(argv)
    if args.model:
        os.environ["DASH_MODEL"] = args.model
    reports = {}
    for name in args.category or sorted(CATEGORIES):
        module = importlib.import_module(CATEGORIES[name])
        reports[name] = module.run(verbose=args.verbose)
        print(module.format_report(reports[name], verbose=args.verbose), flush=True)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2, default=str))
    return 0 if all(r["passed"] for r in reports.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
