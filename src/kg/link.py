"""Decide Wikidata links and keep the decisions: automatic above a threshold, the rest reviewed.

Offline first: the authority file's QIDs (from the verified table only) link entities at build
time with no network. `kg link` adds the rest through reconciliation (`reconcile.py`) and two
SSSOM TSV files (https://mapping-commons.github.io/sssom/), the mapping-commons standard a
scholar can open in a spreadsheet:

- the *links file* holds every decision: accepted links (`kg_decision` accept) and rejected
  candidates (`kg_decision` reject, `predicate_modifier` Not), each with who decided
  (`author_id`: a reviewer, or kg itself with its threshold) and when (`mapping_date`).
  `kg build --links FILE` publishes the accepted ones (`accepted_links`); rejected ones are
  never proposed again.
- the *review file* holds what kg would not decide alone: candidates to `accept` or `reject`
  (`pending`), and the candidates kg ruled out (`excluded`) with the reason, so a reviewer sees
  the namesakes too and can overrule. `kg link --apply REVIEW` moves the reviewer's decisions
  into the links file and leaves only what is still pending.

Automatic decisions are dated by the day their evidence was retrieved (kept in the cache), so the
same cache gives the same files byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from kg import __version__
from kg.errors import InputError
from kg.reconcile import (
    Candidate,
    Reconciliation,
    SparqlClient,
    Subject,
    _write_atomic,
    read_subjects,
    reconcile,
)

DECISIONS = ("accept", "reject", "pending", "excluded")
SOFTWARE_PREFIX = "kgsoftware:"
SOFTWARE = f"{SOFTWARE_PREFIX}kg/{__version__}"
TOOL = "kg link"
PROPOSED = "semapv:CompositeMatching"  # kg's evidence: exact names + type + dates together
REVIEWED = "semapv:MappingReview"  # a reviewer judged the candidate kg proposed
CURATED = "semapv:ManualMappingCuration"  # a reviewer chose another item
MATCH_PREDICATES = {"skos:exactMatch", "http://www.w3.org/2004/02/skos/core#exactMatch",
                    "owl:sameAs", "http://www.w3.org/2002/07/owl#sameAs"}
CATEGORY_PREFIX = {"person": "kgperson", "place": "kgplace", "organisation": "kggroup"}
PATH_SEGMENT = {"person": "person", "place": "place", "organisation": "group"}
PREFIX_KIND = {v: k for k, v in CATEGORY_PREFIX.items()}
SEGMENT_KIND = {v: k for k, v in PATH_SEGMENT.items()}
QID = re.compile(r"Q[1-9]\d*")
OBJECT_FORMS = re.compile(
    r"^(?:wikidata:|wd:|https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/)?(Q[1-9]\d*)$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
MAX_PENDING = 10  # candidates per subject shown to a reviewer
MAX_EXCLUDED = 5  # ruled-out namesakes shown per subject


@dataclass(frozen=True)
class Mapping:
    """One SSSOM row. Field order is the column order written; `line` is where it was read."""

    subject_id: str
    subject_label: str = ""
    subject_category: str = ""
    kg_decision: str = "pending"
    predicate_id: str = "skos:exactMatch"
    predicate_modifier: str = ""
    object_id: str = ""
    object_label: str = ""
    confidence: str = ""
    comment: str = ""
    mapping_justification: str = PROPOSED
    match_string: str = ""
    subject_match_field: str = ""
    object_match_field: str = ""
    author_id: str = ""
    author_label: str = ""
    mapping_date: str = ""
    mapping_tool: str = ""
    mapping_tool_version: str = ""
    kg_proposed_id: str = ""
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        return subject_key(self.subject_id)[1]

    @property
    def qid(self) -> str:
        return parse_qid(self.object_id)

    @property
    def by_software(self) -> bool:
        return self.author_id.startswith(SOFTWARE_PREFIX)


COLUMNS = [f.name for f in fields(Mapping) if f.name != "line"]


def header(base: str | None, description: str) -> str:
    """The SSSOM metadata block (YAML behind '#'): prefixes, licence, the kg_* extensions."""
    prefixes = {"kgsoftware": "https://w3id.org/kg-archive/software/",
                "orcid": "https://orcid.org/",
                "owl": "http://www.w3.org/2002/07/owl#",
                "semapv": "https://w3id.org/semapv/vocab/",
                "skos": "http://www.w3.org/2004/02/skos/core#",
                "wikidata": "http://www.wikidata.org/entity/"}
    if base:
        for kind, prefix in CATEGORY_PREFIX.items():
            prefixes[prefix] = f"{base}{PATH_SEGMENT[kind]}/"
    lines = ["curie_map:"] + [f"  {p}: {iri}" for p, iri in sorted(prefixes.items())]
    lines += [
        "mapping_set_id: https://w3id.org/kg-archive/mappings/wikidata",
        f"mapping_set_description: {description}",
        "license: https://creativecommons.org/publicdomain/zero/1.0/",
        "extension_definitions:",
        "  - slot_name: kg_decision",
        "    property: https://w3id.org/kg-archive/ns#decision",
        "    type_hint: http://www.w3.org/2001/XMLSchema#string",
        "  - slot_name: kg_proposed_id",
        "    property: https://w3id.org/kg-archive/ns#proposedObject",
        "    type_hint: http://www.w3.org/2001/XMLSchema#string",
    ]
    return "".join(f"#{line}\n" for line in lines)


LINKS_DESCRIPTION = ("Wikidata links decided for kg entities: kg_decision accept (published by "
                     "kg build --links) or reject (never proposed again).")
REVIEW_DESCRIPTION = ("Wikidata candidates for review: set kg_decision to accept or reject (or "
                      "put another item in object_id and accept it), then run kg link --apply.")


# ------------------------------------------------------------------------------------------
# reading and writing SSSOM TSV


def read_mappings(path: Path) -> list[Mapping]:
    """The rows of an SSSOM TSV file; a bad row raises InputError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", path=str(path),
                         hint="run `kg link` first, or check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read it ({exc})", path=str(path),
                         hint="save it as UTF-8 tab-separated text") from exc
    lines = text.splitlines(keepends=True)
    first = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    reader = csv.reader(io.StringIO("".join(lines[first:])), delimiter="\t")
    head = next(reader, None)
    if head is None:
        return []
    head = [h.strip() for h in head]
    for required in ("subject_id", "object_id"):
        if required not in head:
            raise InputError(f"no {required} column", path=str(path), line=first + 1,
                             hint="keep the header row kg wrote (SSSOM TSV columns)")
    known = set(COLUMNS)
    out = []
    for n, row in enumerate(reader, start=first + 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(head)
                  if h in known}
        if "kg_decision" not in head:  # a plain SSSOM file: positive rows are accepted links
            values["kg_decision"] = "reject" if values.get("predicate_modifier") == "Not" else "accept"
        values["kg_decision"] = values.get("kg_decision", "").lower() or "pending"
        mapping = Mapping(**values, line=n)
        _check(mapping, path)
        out.append(mapping)
    return out


def _check(m: Mapping, path: Path) -> None:
    def bad(message: str, hint: str) -> InputError:
        return InputError(message, path=str(path), line=m.line, hint=hint)

    if m.kg_decision not in DECISIONS:
        raise bad(f"kg_decision {m.kg_decision!r} is not one of {', '.join(DECISIONS)}",
                  "write accept or reject (or leave pending)")
    try:
        subject_key(m.subject_id)
    except ValueError as exc:
        raise bad(str(exc), "keep the subject_id kg wrote") from None
    if m.kg_decision in ("accept", "reject"):
        try:
            parse_qid(m.object_id)
        except ValueError as exc:
            raise bad(str(exc), "write wikidata:Q followed by digits, e.g. the QID from the "
                      "item's Wikidata page") from None
    if m.mapping_date and not DATE.match(m.mapping_date):
        raise bad(f"mapping_date {m.mapping_date!r} is not YYYY-MM-DD",
                  "write the date as 2024-05-31, or leave it empty")


def write_mappings(path: Path, mappings: Iterable[Mapping], description: str,
                   base: str | None = None) -> None:
    """Write an SSSOM TSV file (header, columns, rows sorted) atomically."""
    rows = sorted(mappings, key=_order)
    buf = io.StringIO()
    buf.write(header(base or _base_of(rows), description))
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in rows:
        writer.writerow([" ".join(str(getattr(m, c)).split()) for c in COLUMNS])
    _write_atomic(path, buf.getvalue())


def _order(m: Mapping) -> tuple[str, int, int, str]:
    rank = {"accept": 0, "pending": 1, "reject": 2, "excluded": 3}[m.kg_decision]
    try:
        confidence = -round(float(m.confidence) * 100) if m.confidence else 0
    except ValueError:
        confidence = 0
    return (m.subject_id, rank, confidence, m.object_id)


def header_base(path: Path) -> str | None:
    """The dataset IRI base declared by a kg SSSOM file's curie_map (kgperson: <base>person/)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if not line.startswith("#"):
                    break
                m = re.match(r"^#\s+kgperson:\s*(\S+)person/\s*$", line)
                if m:
                    return m[1]
    except OSError:
        return None
    return None


def _base_of(rows: list[Mapping]) -> str | None:
    for m in rows:
        if "://" in m.subject_id:
            for segment in SEGMENT_KIND:
                marker = f"/{segment}/"
                if marker in m.subject_id:
                    return m.subject_id.rsplit(marker, 1)[0] + "/"
    return None


def subject_key(subject_id: str) -> tuple[str | None, str]:
    """(kind, entity key) of a subject_id: kgperson:KEY, or an entity IRI <base>person/KEY."""
    prefix, sep, local = subject_id.partition(":")
    if sep and prefix in PREFIX_KIND and local and "/" not in local:
        return PREFIX_KIND[prefix], unquote(local)
    parts = subject_id.rstrip("/").rsplit("/", 2)
    if "://" in subject_id and len(parts) == 3 and parts[1] in SEGMENT_KIND and parts[2]:
        return SEGMENT_KIND[parts[1]], unquote(parts[2])
    raise ValueError(f"subject_id {subject_id!r} is not a kg entity "
                     "(kgperson:KEY, kgplace:KEY, kggroup:KEY or an entity IRI)")


def subject_id(subject: Subject) -> str:
    return f"{CATEGORY_PREFIX[subject.kind]}:{quote(subject.key, safe='-._~')}"


def parse_qid(object_id: str) -> str:
    """The QID in wikidata:Q1, wd:Q1, Q1 or a Wikidata entity/page URL."""
    m = OBJECT_FORMS.match(object_id.strip())
    if m is None:
        raise ValueError(f"object_id {object_id!r} is not a Wikidata item")
    return m[1]


def accepted_links(path: Path) -> dict[str, str]:
    """Entity key -> QID of every accepted link in an SSSOM links (or review) file."""
    out: dict[str, str] = {}
    lines: dict[str, int] = {}
    for m in read_mappings(path):
        if m.kg_decision != "accept" or m.predicate_modifier == "Not":
            continue
        if m.predicate_id not in MATCH_PREDICATES:
            continue
        qid = m.qid
        if out.get(m.key, qid) != qid:
            raise InputError(f"{m.subject_id} is accepted as both wikidata:{out[m.key]} (line "
                             f"{lines[m.key]}) and wikidata:{qid}", path=str(path), line=m.line,
                             hint="keep one of the two rows as accept and make the other reject")
        out[m.key] = qid
        lines[m.key] = m.line
    return out


# ------------------------------------------------------------------------------------------
# kg link: reconcile, decide, write


@dataclass
class LinkReport:
    """What one `kg link` run found and decided."""

    reconciliations: list[Reconciliation] = field(default_factory=list)
    accepted: list[Mapping] = field(default_factory=list)  # accepted automatically this run
    review: list[Mapping] = field(default_factory=list)  # rows of the review file
    decided_before: list[Subject] = field(default_factory=list)  # has an accepted link already

    def outcome(self, key: str, qid: str) -> tuple[str, str]:
        """('accepted'|'review'|'excluded'|'outranked'|'absent', reasons) of one candidate."""
        for rec in self.reconciliations:
            if rec.subject.key != key:
                continue
            for c in rec.candidates:
                if c.qid != qid:
                    continue
                reasons = "; ".join(c.reasons)
                if c.excluded is not None:
                    return "excluded", reasons
                if any(m.key == key and m.qid == qid for m in self.accepted):
                    return "accepted", reasons
                if any(m.key == key and m.qid == qid and m.kg_decision == "pending"
                       for m in self.review):
                    return "review", reasons
                return "outranked", reasons
        return "absent", ""

    @property
    def without_candidates(self) -> list[Subject]:
        return [r.subject for r in self.reconciliations if not r.plausible]


def link(dataset: Path, client: SparqlClient, *, links: Path, review: Path,
         threshold: float = 0.9, progress: Callable[[int, int], None] | None = None) -> LinkReport:
    """Reconcile the unlinked entities of a built dataset; accept the sure ones, queue the rest.

    Accepted links are merged into `links` (decisions already there are kept, and subjects with
    an accepted link are not asked about again); `review` is rewritten with the candidates that
    need a reviewer. Refuses to overwrite a review file holding decisions not yet applied.
    """
    if not 0 < threshold <= 1:
        raise InputError(f"threshold {threshold} is not in (0, 1]", hint="use e.g. --threshold 0.9")
    if links.resolve() == review.resolve():
        raise InputError("the links file and the review file are the same file", path=str(links),
                         hint="give --links and --review different names")
    guard_unapplied(review)
    decisions = [m for m in (read_mappings(links) if links.exists() else [])
                 if m.kg_decision in ("accept", "reject")]
    accepted = {m.key for m in decisions if m.kg_decision == "accept"}
    rejected: dict[str, set[str]] = {}
    for m in decisions:
        if m.kg_decision == "reject":
            rejected.setdefault(m.key, set()).add(m.qid)
    subjects = read_subjects(dataset / "dataset.nq" if dataset.is_dir() else dataset)
    report = LinkReport()
    bar = round(threshold * 100)
    todo = [s for s in subjects if s.key not in accepted]
    report.decided_before = [s for s in subjects if s.key in accepted]
    for n, subject in enumerate(todo, start=1):
        rec = reconcile(subject, client, rejected.get(subject.key, ()))
        report.reconciliations.append(rec)
        plausible = rec.plausible
        top = plausible[0] if plausible else None
        if top is not None and top.points >= bar and not top.ambiguous:
            report.accepted.append(_automatic(rec, top, threshold))
        else:
            report.review.extend(_for_review(rec))
        if progress is not None:
            progress(n, len(todo))
    base = subjects[0].base if subjects else header_base(links)
    merged = {(m.key, m.qid): m for m in decisions}
    for m in report.accepted:
        merged[(m.key, m.qid)] = m
    write_mappings(links, merged.values(), LINKS_DESCRIPTION, base)
    write_mappings(review, report.review, REVIEW_DESCRIPTION, base)
    return report


def guard_unapplied(review: Path) -> None:
    """Refuse to overwrite a review file in which a reviewer has decided something."""
    if not review.exists():
        return
    decided = [m for m in read_mappings(review) if m.kg_decision in ("accept", "reject")]
    if decided:
        raise InputError(
            f"{len(decided)} decisions in it are not applied yet (first at line {decided[0].line})",
            path=str(review),
            hint=f"run `kg link --apply {review}` first, or pass --review with another file")


def _row(rec: Reconciliation, c: Candidate, **kw: Any) -> Mapping:
    s = rec.subject
    return Mapping(
        subject_id=subject_id(s), subject_label=s.label, subject_category=s.kind,
        object_id=f"wikidata:{c.qid}", object_label=c.label, confidence=f"{c.confidence:.2f}",
        match_string=c.match_string, subject_match_field=c.subject_field,
        object_match_field=c.object_field, mapping_tool=TOOL, mapping_tool_version=__version__,
        kg_proposed_id=f"wikidata:{c.qid}", **kw)


def _automatic(rec: Reconciliation, top: Candidate, threshold: float) -> Mapping:
    others = [f"{c.qid} {'excluded: ' + c.excluded if c.excluded else f'{c.confidence:.2f}'}"
              for c in rec.candidates if c.qid != top.qid][:5]
    comment = (f"accepted automatically: confidence {top.confidence:.2f} >= threshold "
               f"{threshold:.2f}; " + "; ".join(top.reasons)
               + (f"; other candidates: {' | '.join(others)}" if others else ""))
    return _row(rec, top, kg_decision="accept", comment=comment, author_id=SOFTWARE,
                author_label=f"kg link {__version__} (automatic, threshold {threshold:.2f})",
                mapping_date=rec.retrieved)


def _for_review(rec: Reconciliation) -> list[Mapping]:
    rows = []
    for c in rec.plausible[:MAX_PENDING]:
        rows.append(_row(rec, c, kg_decision="pending", comment="; ".join(c.reasons)))
    for c in rec.excluded[:MAX_EXCLUDED]:
        rows.append(_row(rec, c, kg_decision="excluded", predicate_modifier="Not",
                         comment="; ".join(c.reasons), author_id=SOFTWARE,
                         author_label=f"kg link {__version__} (rule)", mapping_date=rec.retrieved))
    return rows


# ------------------------------------------------------------------------------------------
# kg link --apply: a reviewer's decisions into the links file


@dataclass
class ApplyReport:
    accepted: list[Mapping] = field(default_factory=list)
    rejected: list[Mapping] = field(default_factory=list)
    replaced: list[Mapping] = field(default_factory=list)  # earlier accepts a new accept replaced
    pending: int = 0


def apply_review(review: Path, links: Path, *, author: str | None, date: str) -> ApplyReport:
    """Move the accept/reject decisions of an edited review file into the links file.

    A decision's author is the row's author_id if the reviewer filled it, else `author`; its
    date the row's mapping_date if the reviewer filled it, else `date`. Accepting an item other
    than the one kg proposed (an edited object_id) is recorded as manual curation. What is still
    pending stays in the review file; everything decided leaves it.
    """
    if not DATE.match(date):
        raise InputError(f"date {date!r} is not YYYY-MM-DD", hint="e.g. --date 2024-05-31")
    rows = read_mappings(review)
    decided = [m for m in rows if m.kg_decision in ("accept", "reject")]
    seen: dict[str, Mapping] = {}
    for m in decided:
        if m.kg_decision == "accept":
            if m.key in seen and seen[m.key].qid != m.qid:
                raise InputError(f"{m.subject_id} is accepted twice (lines {seen[m.key].line} and "
                                 f"{m.line})", path=str(review), line=m.line,
                                 hint="accept one candidate per entity; reject the others")
            seen[m.key] = m
    decisions = [m for m in (read_mappings(links) if links.exists() else [])
                 if m.kg_decision in ("accept", "reject")]
    merged = {(m.key, m.qid): m for m in decisions}
    report = ApplyReport()
    for m in decided:
        final = _reviewed(m, review, author, date)
        if final.kg_decision == "accept":
            for (key, qid), old in list(merged.items()):
                if key == m.key and qid != m.qid and old.kg_decision == "accept":
                    report.replaced.append(old)
                    del merged[(key, qid)]
            report.accepted.append(final)
        else:
            report.rejected.append(final)
        merged[(m.key, m.qid)] = final
    base = header_base(review) or header_base(links) or _base_of(list(merged.values()))
    write_mappings(links, merged.values(), LINKS_DESCRIPTION, base)
    done = {m.key for m in decided if m.kg_decision == "accept"}
    decided_pairs = {(m.key, m.qid) for m in decided}
    remaining = [m for m in rows if m.kg_decision in ("pending", "excluded")
                 and m.key not in done and (m.key, _qid_or_none(m)) not in decided_pairs]
    report.pending = sum(1 for m in remaining if m.kg_decision == "pending")
    write_mappings(review, remaining, REVIEW_DESCRIPTION, base)
    return report


def _qid_or_none(m: Mapping) -> str | None:
    try:
        return m.qid
    except ValueError:
        return None


def _reviewed(m: Mapping, review: Path, author: str | None, date: str) -> Mapping:
    own_author = bool(m.author_id) and not m.by_software
    who = m.author_id if own_author else (author or "")
    if not who:
        raise InputError(f"{m.kg_decision}s {m.object_id} for {m.subject_id} but names no author",
                         path=str(review), line=m.line,
                         hint="fill author_id (e.g. orcid:0000-0002-1825-0097) or pass --author "
                              "(or set KG_AUTHOR)")
    when = m.mapping_date if own_author and m.mapping_date else date
    proposed = m.kg_proposed_id and _same_item(m.kg_proposed_id, m.object_id)
    changes: dict[str, Any] = {
        "object_id": f"wikidata:{m.qid}", "author_id": who,
        "author_label": m.author_label if own_author else "",
        "mapping_date": when, "predicate_id": "skos:exactMatch",
        "predicate_modifier": "Not" if m.kg_decision == "reject" else "",
        "mapping_justification": REVIEWED if proposed else CURATED,
    }
    if not proposed:
        changes["confidence"] = ""
        changes["comment"] = (f"chosen by the reviewer instead of kg's candidate "
                              f"{m.kg_proposed_id}" if m.kg_proposed_id else "chosen by the reviewer")
        changes["match_string"] = changes["subject_match_field"] = changes["object_match_field"] = ""
    return replace(m, **changes)


def _same_item(a: str, b: str) -> bool:
    try:
        return parse_qid(a) == parse_qid(b)
    except ValueError:
        return False
