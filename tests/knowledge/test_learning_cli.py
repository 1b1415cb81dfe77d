"""`dash proposals`, `dash memory` and `dash learnings restore|curate`, as an operator runs them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.cli import cli
from db.embeddings import LocalEmbedder
from db.knowledge.learnings import CreatedBy, get_learning, save_learning
from db.knowledge.proposals import propose_learning

pytestmark = pytest.mark.usefixtures("cli_env")


def _dash(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_proposals_are_listed_shown_and_decided(engine: Engine, embedder: LocalEmbedder) -> None:
    by = CreatedBy(agent="analyst", user="alice", run="run-7")
    saved, proposal = propose_learning(
        engine,
        embedder,
        title="Paused is not churn",
        learning="Paused accounts are not churned.",
        created_by=by,
    )
    assert "Paused is not churn" in _dash("proposals", "list")
    assert "proposed by: agent analyst, user alice in run run-7" in _dash(
        "proposals", "show", str(proposal.id)
    )
    assert "rejected proposal" in _dash("proposals", "reject", str(proposal.id), "--note", "unclear")
    assert "approved proposal" in _dash("proposals", "approve", str(proposal.id))
    assert "no proposed proposals" in _dash("proposals", "list")
    learning = get_learning(engine, saved.learning.id)
    assert (
        learning is not None and learning.status == "live" and (learning.reviewed_by or "").startswith("cli")
    )
    missing = CliRunner().invoke(cli, ["proposals", "approve", "999999"])
    assert missing.exit_code == 1 and "no proposal" in missing.output


def test_memory_add_list_delete_per_user() -> None:
    added = _dash("memory", "add", "--user", "alice", "Amounts in EUR")
    memory_id = added.split("#")[1].split()[0]
    assert "Amounts in EUR" in _dash("memory", "list", "--user", "alice")
    assert "nothing remembered for bob" in _dash("memory", "list", "--user", "bob")
    refused = CliRunner().invoke(cli, ["memory", "delete", "--user", "bob", memory_id])
    assert refused.exit_code == 1
    _dash("memory", "delete", "--user", "alice", memory_id)
    assert "nothing remembered" in _dash("memory", "list", "--user", "alice")


def test_curate_archives_and_restore_undoes_it(engine: Engine, embedder: LocalEmbedder) -> None:
    old = save_learning(engine, embedder, title="Old rule", learning="Legacy plans were retired.").learning
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.learnings SET created_at = now() - interval '400 days', updated_at = created_at - interval '400 days' WHERE id = :id"
            ),
            {"id": old.id},
        )
    report = _dash("learnings", "curate")
    assert f"archived learning #{old.id}" in report and "archived 1" in report
    assert "archived" in _dash("learnings", "list")
    assert "restored learning" in _dash("learnings", "restore", str(old.id))
    again = CliRunner().invoke(cli, ["learnings", "restore", str(old.id)])
    assert again.exit_code == 1  # nothing left to undo
