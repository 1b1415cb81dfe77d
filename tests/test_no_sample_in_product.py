"""The product knows nothing of the sample dataset: its company, tables, dates and headline metric
appear only in the sample's own code (db/sample/, db/sample_data.py) and its knowledge files."""

from __future__ import annotations

import re
from pathlib import Path

from db.sample.schema import TABLES
from db.sample.timeline import DATA_END, DATA_START

ROOT = Path(__file__).parents[1]
PRODUCT = ("core", "app", "agents", "db")
ALLOWED = ("db/sample/", "db/sample_data.py", "db/embedding_assets/")
TEXT = {".py", ".sql", ".md", ".html", ".js", ".css", ".json", ".yaml", ".yml", ".txt", ".toml"}
SAMPLE_WORDS = ("Acme", "mrr", *TABLES, DATA_END.isoformat(), DATA_START.isoformat())
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, SAMPLE_WORDS)) + r")(?![\w-])", re.I)


def product_files() -> list[Path]:
    files = [p for folder in PRODUCT for p in sorted((ROOT / folder).rglob("*")) if p.suffix in TEXT]
    return [p for p in files if not p.relative_to(ROOT).as_posix().startswith(ALLOWED)]


def mentions(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line: word` for every sample word in the file."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found += [f"{path.relative_to(root)}:{number}: {m.group(1)}" for m in PATTERN.finditer(line)]
    return found


def test_the_scan_would_catch_a_sample_word(tmp_path: Path) -> None:
    planted = tmp_path / "prompt.py"
    planted.write_text(f'LEADER = "You answer about Acme; data ends {DATA_END}; see {TABLES[1]}."\n')
    assert len(mentions(planted, tmp_path)) == 3


def test_no_product_file_names_the_sample_company_tables_or_dates() -> None:
    files = product_files()
    assert len(files) > 50, "the scan must see the product's source"
    found = [hit for path in files for hit in mentions(path)]
    assert not found, "sample dataset words in product code:\n" + "\n".join(found)
