"""Fixtures of the REST API tests (defined in tests/app/api_fixtures.py)."""

from tests.app.api_fixtures import _model_process, api, model, start_api  # noqa: F401
