"""Generate the sample dataset (Acme Analytics) into `public` of the configured database.

    python scripts/generate_data.py [--seed N] [--reset]

Uses the same settings and database as the `dash` CLI (embedded unless DATABASE_URL is set).
"""

from __future__ import annotations

import argparse
import sys

from app.cli.common import ready_target, settings
from db.sample_data import SampleDataExists, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: SAMPLE_DATA_SEED, 42)")
    parser.add_argument("--reset", action="store_true", help="drop and regenerate existing sample tables")
    args = parser.parse_args(argv)
    s = settings()
    target = ready_target(s)
    try:
        report = generate(
            target, seed=s.sample_data_seed if args.seed is None else args.seed, reset=args.reset
        )
    except SampleDataExists as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
