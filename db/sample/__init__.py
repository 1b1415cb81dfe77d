"""The sample dataset: a B2B SaaS company, "Acme Analytics", Jan 2024 - Dec 2025 (DESIGN.md section 5).

Modules, in the order the generator runs them:

- `timeline`   the data window and date helpers shared by every step
- `schema`     DDL, keys, indexes and COMMENTs for the six tables
- `customers`  companies with distinct names, acquisition channel and a hidden engagement level
- `lifecycle`  trials, conversions, up/downgrades (close a row, open a row) and cancellations
- `billing`    monthly and annual invoices with payment outcomes
- `activity`   sampled usage metrics and support tickets

The public entry point is `db.sample_data.generate()`.
"""
