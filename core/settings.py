"""Every setting Dash reads, in one typed class. `example.env` lists them in the same order."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "changethis", "password", "secret", "dash"}


def known_timezone(name: str) -> bool:
    """Is `name` an IANA time zone this machine knows (e.g. "Europe/Berlin", "UTC")?"""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    # Empty values (`KEY=` in example.env) mean "use the default", never "the empty string".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # --- runtime -------------------------------------------------------------------------------
    dash_env: Environment = Environment.development
    dash_home: Path = Path(".dash")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # --- database ------------------------------------------------------------------------------
    database_url: SecretStr | None = None
    analyst_database_url: SecretStr | None = None
    db_service_role: str = "dash_service"
    db_service_password: SecretStr | None = None
    db_analyst_role: str = "dash_analyst"
    db_analyst_password: SecretStr | None = None
    db_engineer_role: str = "dash_engineer"
    db_engineer_password: SecretStr | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    analyst_statement_timeout_ms: int = Field(default=15_000, ge=100)
    engineer_statement_timeout_ms: int = Field(default=60_000, ge=100)
    lock_timeout_ms: int = Field(default=2_000, ge=10)
    max_rows: int = Field(default=500, ge=1, le=100_000)

    # --- model ---------------------------------------------------------------------------------
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    dash_model: str = "gpt-4.1"
    leader_model: str | None = None
    analyst_model: str | None = None
    engineer_model: str | None = None
    model_timeout_s: float = Field(default=60.0, gt=0)
    model_max_retries: int = Field(default=3, ge=0, le=10)
    agent_max_turns: int = Field(default=12, ge=1, le=100)
    tool_result_max_chars: int = Field(default=20_000, ge=200)
    repeat_question_min_count: int = Field(default=3, ge=2, le=1000)
    repeat_question_window_days: int = Field(default=7, ge=1, le=365)

    # --- sample data ---------------------------------------------------------------------------
    sample_data_seed: int = 42

    # --- the company (each one set here wins over knowledge/company.json) -----------------------
    company_name: str | None = None
    company_description: str | None = None
    company_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    company_fiscal_year_start: int | None = Field(default=None, ge=1, le=12)
    company_timezone: str | None = None

    # --- knowledge and embeddings --------------------------------------------------------------
    embedder: Literal["local", "openai"] = "local"
    openai_embedding_model: str = "text-embedding-3-small"
    embedding_dimensions: int = Field(default=1536, ge=8, le=16_000)
    knowledge_path: Path = Path("knowledge")
    search_ef_search: int = Field(default=40, ge=10, le=1000)
    draft_sample_rows: int = Field(default=100_000, ge=100, le=100_000_000)
    draft_statement_timeout_ms: int = Field(default=60_000, ge=100, le=3_600_000)
    draft_exclude_columns: str = ""

    # --- how Dash learns (README "How Dash learns") -------------------------------------------
    learning_mode_learnings: Literal["agentic", "propose", "off"] = "propose"
    learning_mode_queries: Literal["agentic", "propose", "off"] = "propose"
    learning_archive_after_days: int = Field(default=90, ge=1, le=36_500)

    # --- REST API and auth ---------------------------------------------------------------------
    jwt_secret: SecretStr | None = None
    jwt_public_key: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "RS256", "ES256"] = "HS256"
    jwt_roles_claim: str = "roles"
    jwt_audience: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    sse_keepalive_s: float = Field(default=15.0, gt=0)
    metrics_enabled: bool = True

    # --- questions and per-user limits (every surface: REST, Slack, schedules, CLI) ------------
    question_max_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    user_max_active_runs: int = Field(default=5, ge=0)
    user_questions_per_minute: int = Field(default=20, ge=0)

    # --- scheduler and Slack delivery ----------------------------------------------------------
    scheduler_enabled: bool = True
    scheduler_sync_s: float = Field(default=30.0, gt=0)
    scheduler_misfire_grace_s: float = Field(default=300.0, ge=0)
    scheduler_heartbeat_s: float = Field(default=30.0, gt=0)
    slack_bot_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_signing_secret: SecretStr | None = None
    slack_review_channel: str | None = None
    slack_reviewers: str = ""

    @field_validator("company_timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None and not known_timezone(value):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin or UTC")
        return value

    @property
    def embedded_database(self) -> bool:
        """True when Dash runs its own PostgreSQL (no DATABASE_URL given)."""
        return self.database_url is None or not self.database_url.get_secret_value()

    @property
    def slack_enabled(self) -> bool:
        """True when both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set: `/slack/events` answers."""
        return all(
            s is not None and s.get_secret_value() for s in (self.slack_bot_token, self.slack_signing_secret)
        )

    @property
    def slack_reviewer_ids(self) -> frozenset[str]:
        """Slack user IDs allowed to approve or reject proposals with the review message's buttons."""
        return frozenset(u.strip() for u in self.slack_reviewers.split(",") if u.strip())

    @property
    def model_configured(self) -> bool:
        return bool(self.openai_api_key and self.openai_api_key.get_secret_value()) or bool(
            self.openai_base_url
        )

    def model_for(self, agent: str) -> str:
        """The chat model of one agent ("leader", "analyst", "engineer"): its own setting or DASH_MODEL."""
        return getattr(self, f"{agent}_model", None) or self.dash_model

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.dash_env is not Environment.production:
            return self
        problems = []
        if self.embedded_database:
            problems.append("DATABASE_URL must point at the production PostgreSQL")
        for name in ("db_service_password", "db_analyst_password", "db_engineer_password"):
            value: SecretStr | None = getattr(self, name)
            if value is None or value.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                problems.append(f"{name.upper()} must be set to a real secret")
        if problems:
            raise ValueError("Unsafe production settings: " + "; ".join(problems))
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
