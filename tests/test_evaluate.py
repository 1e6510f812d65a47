"""kg eval against the hand-checked gold facts: the targets the corpus issue sets, kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, run_cli
from kg.evaluate import EvalReport, evaluate
from kg.settings import Settings

GOLD = ROOT / "tests" / "gold" / "wilson-center.json"


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(GOLD, [CORPUS], Settings())


def test_gold_covers_every_genre_and_layout() -> None:
    docs = json.loads(GOLD.read_text(encoding="utf-8"))["documents"]
    assert len(docs) >= 20
    assert {"ciphered telegram", "cable", "telegram", "report", "note", "telephone message",
            "memorandum of conversation"} <= {d["genre"] for d in docs}
    assert {"current", "older-citation"} <= {d["layout"] for d in docs}
    assert any(d["truncated"] for d in docs) and any(d["relayed"] for d in docs)


def test_gold_quotes_are_in_the_documents() -> None:
    """Every fact in the gold file points at words that really stand in its document."""
    for d in json.loads(GOLD.read_text(encoding="utf-8"))["documents"]:
        text = (CORPUS / d["file"]).read_text(encoding="utf-8")
        for key, value in d.items():
            for item in value if isinstance(value, list) else []:
                if item.get("quote"):
                    assert item["quote"] in text, (d["file"], key, item["quote"])


def test_every_gold_document_was_found(report: EvalReport) -> None:
    assert report.unmatched == []
    assert len(report.documents) >= 20


@pytest.mark.parametrize("field", ["date", "title", "sender", "addressees"])
def test_exact_fields_correct_for_every_document(report: EvalReport, field: str) -> None:
    wrong = {d.file: (d.missing.get(field), d.extra.get(field)) for d in report.documents
             if d.scores[field].precision < 1 or d.scores[field].recall < 1}
    assert wrong == {}


@pytest.mark.parametrize("field", ["persons_mentioned", "places_mentioned"])
def test_mentions_meet_the_targets(report: EvalReport, field: str) -> None:
    score = report.field(field)
    assert score.precision >= 0.95, report.table()
    assert score.recall >= 0.90, report.table()


def test_truncated_copies_are_recognised(report: EvalReport) -> None:
    assert report.field("truncated").recall == 1.0


def test_eval_command_prints_the_table_and_json(tmp_path: Path) -> None:
    code, out = run_cli("eval", str(GOLD), str(CORPUS))
    assert code == 0
    assert out.splitlines()[0].split() == ["field", "precision", "recall", "tp", "fp", "fn"]
    code, out = run_cli("eval", str(GOLD), str(CORPUS), "--format", "json")
    data = json.loads(out)
    assert data["fields"]["sender"]["recall"] == 1.0 and data["gold_files_not_found"] == []


def test_eval_detects_a_wrong_gold_fact(tmp_path: Path) -> None:
    """The scorer is not vacuous: a gold file with a wrong sender scores below 1."""
    docs = json.loads(GOLD.read_text(encoding="utf-8"))["documents"][:1]
    docs[0]["sender"] = [{"name": "Kim Il Sung", "quote": ""}]
    bad = tmp_path / "gold.json"
    bad.write_text(json.dumps({"documents": docs}), encoding="utf-8")
    result = evaluate(bad, [CORPUS], Settings())
    assert result.field("sender").recall == 0.0 and result.field("sender").precision == 0.0
