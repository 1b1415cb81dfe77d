"""`dash export` / `dash import`: what lives only in `ai` (agent-saved knowledge, learnings,
schedules, API key metadata) to one versioned JSON file and back. The curated files stay in git.

`export_bundle` reads; `import_bundle` plans every change first and applies them in one
transaction (all or nothing), matching items by their natural keys so a second import of the same
file changes nothing. Embeddings are not in the file: the target recomputes them with its own
embedder. API keys travel without their secrets, so they arrive revoked (see `sections.ApiKeys`).
"""

from db.transfer.bundle import FORMAT, VERSION, Bundle, BundleInvalid, read_bundle, write_bundle
from db.transfer.export import export_bundle
from db.transfer.importer import Change, ImportReport, TransferConflict, import_bundle

__all__ = [
    "FORMAT",
    "VERSION",
    "Bundle",
    "BundleInvalid",
    "Change",
    "ImportReport",
    "TransferConflict",
    "export_bundle",
    "import_bundle",
    "read_bundle",
    "write_bundle",
]
