"""Measure the parser against hand-checked gold facts: precision and recall per field and document.

The gold file (tests/gold/wilson-center.json) was written by reading each document. Names are
compared as canonical labels (the authority file's), case-insensitively; sets per document,
summed over documents (micro-averaged). Dates and titles count as one fact each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.build import load_settings_authority
from kg.errors import InputError
from kg.model import Document, Mention, Message
from kg.parse import parse_document
from kg.settings import Settings
from kg.sources import read_sources

FIELDS = ("date", "title", "truncated", "sender", "addressees", "intermediaries",
          "copy_recipients", "code_names", "relayed", "persons_mentioned", "places_mentioned",
          "organisations_mentioned")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class DocumentEval:
    file: str
    scores: dict[str, Score]
    missing: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class EvalReport:
    documents: list[DocumentEval]
    unmatched: list[str]

    def field(self, name: str) -> Score:
        total = Score()
        for d in self.documents:
            total.add(d.scores[name])
        return total

    def as_json(self) -> dict[str, object]:
        return {
            "fields": {f: {"precision": round(self.field(f).precision, 4),
                           "recall": round(self.field(f).recall, 4),
                           "tp": self.field(f).tp, "fp": self.field(f).fp, "fn": self.field(f).fn}
                       for f in FIELDS},
            "documents": {d.file: {f: {"precision": round(s.precision, 4),
                                       "recall": round(s.recall, 4)} for f, s in d.scores.items()}
                          | {"missing": d.missing, "extra": d.extra} for d in self.documents},
            "gold_files_not_found": self.unmatched,
        }

    def table(self) -> str:
        lines = [f"{'field':26} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}"]
        for f in FIELDS:
            s = self.field(f)
            lines.append(f"{f:26} {s.precision:9.3f} {s.recall:7.3f} {s.tp:5} {s.fp:4} {s.fn:4}")
        lines.append("")
        lines.append("per document (fields below 1.0; - missing, + extra):")
        for d in self.documents:
            bad = [f for f, s in d.scores.items() if s.precision < 1 or s.recall < 1]
            if not bad:
                continue
            lines.append(f"  {d.file}")
            for f in bad:
                s = d.scores[f]
                detail = " ".join([*(f"-{m}" for m in d.missing.get(f, [])),
                                   *(f"+{x}" for x in d.extra.get(f, []))])
                lines.append(f"    {f:24} P={s.precision:.2f} R={s.recall:.2f}  {detail}")
        if self.unmatched:
            lines.append("gold documents not found among the sources: " + ", ".join(self.unmatched))
        return "\n".join(lines) + "\n"


def facts(doc: Document) -> dict[str, set[str]]:
    """The document's facts in the gold file's terms."""
    msg = doc.message
    title = doc.title_span

    def labels(mentions: Iterable[Mention]) -> set[str]:
        return {m.entity.label.casefold() for m in mentions}

    def in_text(m: Mention) -> bool:
        return not (title and title.start <= m.span.start < title.end) and (
            m.span.start >= msg.span.start and m.span.end <= msg.span.end)

    every = [m for m in msg.all_mentions() if in_text(m)]
    return {
        "date": {doc.date.iso} if doc.date else set(),
        "title": {doc.title},
        "truncated": {str(not doc.complete).lower()},
        "sender": labels(p.mention for p in msg.senders),
        "addressees": labels(p.mention for p in msg.addressees),
        "intermediaries": labels(p.mention for p in msg.intermediaries),
        "copy_recipients": labels(p.mention for p in msg.copies),
        "code_names": {f"{m.code_name.casefold()}={m.entity.label.casefold()}"
                       for m in msg.all_mentions() if m.code_name},
        "relayed": {k for r in msg.relayed for k in _relayed_keys(r)},
        "persons_mentioned": labels(m for m in every if m.entity.kind == "person"),
        "places_mentioned": labels(m for m in every if m.entity.kind == "place"),
        "organisations_mentioned": labels(m for m in every if m.entity.kind == "organisation"),
    }


def _relayed_keys(r: Message) -> set[str]:
    """One 'sender->addressee' fact per pair ('?' where the text does not say)."""
    senders = [p.mention.entity.label.casefold() for p in r.senders] or ["?"]
    addressees = [p.mention.entity.label.casefold() for p in r.addressees] or ["?"]
    return {f"{s}->{a}" for s in senders for a in addressees}


def gold_facts(entry: dict[str, object]) -> dict[str, set[str]]:
    def names(key: str) -> set[str]:
        return {str(x["name"]).casefold() for x in entry.get(key, []) or []}  # type: ignore[union-attr,index]

    relayed = set()
    for r in entry.get("relayed", []) or []:  # type: ignore[union-attr]
        relayed.add(f"{str(r.get('sender') or '?').casefold()}->{str(r.get('addressee') or '?').casefold()}")
    return {
        "date": {str(entry["date"])},
        "title": {str(entry["title"])},
        "truncated": {str(bool(entry.get("truncated"))).lower()},
        "sender": names("sender"),
        "addressees": names("addressees"),
        "intermediaries": names("intermediaries"),
        "copy_recipients": names("copy_recipients"),
        "code_names": {f"{str(c['code']).casefold()}={str(c['person']).casefold()}"
                       for c in entry.get("code_names", []) or []},  # type: ignore[union-attr,index]
        "relayed": relayed,
        "persons_mentioned": names("persons_mentioned"),
        "places_mentioned": names("places_mentioned"),
        "organisations_mentioned": names("organisations_mentioned"),
    }


def compare(gold: dict[str, set[str]], got: dict[str, set[str]], file: str) -> DocumentEval:
    result = DocumentEval(file, {})
    for f in FIELDS:
        g, s = gold.get(f, set()), got.get(f, set())
        result.scores[f] = Score(len(g & s), len(s - g), len(g - s))
        if g - s:
            result.missing[f] = sorted(g - s)
        if s - g:
            result.extra[f] = sorted(s - g)
    return result


def evaluate(gold_path: Path, sources: list[Path], settings: Settings) -> EvalReport:
    """Parse `sources` and score them against the gold file's documents (matched by file name)."""
    try:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a gold file ({exc})", path=str(gold_path),
                         hint='give JSON of the form {"documents": [{"file": ..., ...}]}') from exc
    authority = load_settings_authority(settings)
    by_name = {}
    for item in read_sources(sources):
        if isinstance(item, InputError):
            continue
        key, source = item
        by_name[Path(source.path).name] = (key, source)
    docs, unmatched = [], []
    for entry in gold:
        hit = by_name.get(entry["file"])
        if hit is None:
            unmatched.append(entry["file"])
            continue
        doc, _ = parse_document(hit[1], authority, hit[0])
        docs.append(compare(gold_facts(entry), facts(doc), entry["file"]))
    return EvalReport(docs, unmatched)
