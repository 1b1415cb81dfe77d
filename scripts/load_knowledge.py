"""Load the curated knowledge into the database: `python scripts/load_knowledge.py [--recreate] [--path DIR]`.

Validates every file first (problems are printed with file, line and field, and nothing is loaded),
then upserts by content hash and prints added / updated / unchanged / removed counts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

from app.cli.knowledge import run_load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=None, help="knowledge folder (default KNOWLEDGE_PATH)")
    parser.add_argument("--recreate", action="store_true", help="rebuild curated documents and re-embed")
    args = parser.parse_args()
    return run_load(args.path, recreate=args.recreate)


if __name__ == "__main__":
    sys.exit(main())
