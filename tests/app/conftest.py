"""Fixtures of the REST API and Slack tests (defined in api_fixtures.py and slack_helpers.py)."""

from tests.app.api_fixtures import api, model, start_api  # noqa: F401
from tests.app.slack_helpers import dash  # noqa: F401
