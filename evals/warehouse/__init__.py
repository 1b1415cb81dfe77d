"""A warehouse of five unrelated businesses for the retrieval eval (see `generate.py`)."""
