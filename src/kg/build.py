"""The build pipeline: read -> parse -> map -> link -> validate -> write, one document at a time.

Each document is processed on its own (in worker processes with --jobs), so memory stays flat
however large the archive; only small per-document results come back to the parent.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from kg import export
from kg.authority import Authority, load_authority
from kg.errors import InputError, KgError
from kg.mapping import Minter, map_document, map_links
from kg.model import Entity, Mention, Message, Source
from kg.parse import parse_document
from kg.resources import read_text
from kg.settings import Settings
from kg.sources import read_sources
from kg.validate import Report, validate_graph


@dataclass(frozen=True)
class DocumentResult:
    """What one document's processing hands back: serialised outputs and small summaries."""

    key: str
    source: str
    turtle: bytes
    jsonld: bytes
    nquads: bytes
    report: Report
    entities: tuple[Entity, ...]
    unknown: tuple[tuple[str, str, str], ...]  # (name as written, kind guess, entity key)
    complete: bool
    title: str
    date: str | None
    triples: int


@dataclass
class BuildReport:
    out: Path
    documents: list[DocumentResult] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return all(d.report.conforms for d in self.documents)

    @property
    def triples(self) -> int:
        return sum(d.triples for d in self.documents)


def load_settings_authority(settings: Settings) -> Authority:
    """The authority file, with the Wikidata links accepted through `kg link` applied."""
    if settings.authority is not None:
        authority = load_authority(settings.authority)
    else:
        authority = load_authority("kg:authority.tsv", read_text("authority.tsv"))
    if settings.links is not None:
        from kg.link import accepted_links

        authority = authority.with_links(accepted_links(settings.links))
    return authority


@lru_cache(maxsize=4)
def _authority_for(settings: Settings) -> Authority:
    return load_settings_authority(settings)


def process(key: str, source: Source, settings: Settings) -> DocumentResult:
    """Parse, map, validate and serialise one document (runs in a worker process)."""
    authority = _authority_for(settings)
    minter = Minter(settings.base)
    doc, unknown = parse_document(source, authority, key)
    graph = map_document(doc, minter)
    report = validate_graph(graph, name=f"{source.path}" + (f" row {source.row}"
                                                            if source.row else ""))
    entities = tuple(sorted({m.entity.key: m.entity for m in _all_mentions(doc.message)}.values(),
                            key=lambda e: e.key))
    unknown_keys = {e.key for e in unknown}
    written = tuple(sorted({(m.span.text, m.entity.kind, m.entity.key)
                            for m in _all_mentions(doc.message) if m.entity.key in unknown_keys}))
    return DocumentResult(
        key=key, source=source.path, turtle=export.turtle(graph), jsonld=export.jsonld(graph),
        nquads=export.nquads([graph]), report=report, entities=entities, unknown=written,
        complete=doc.complete, title=doc.title, date=doc.date.iso if doc.date else None,
        triples=len(graph))


def _all_mentions(msg: Message) -> Iterable[Mention]:
    yield from msg.mentions
    for party in (*msg.senders, *msg.addressees, *msg.intermediaries, *msg.copies):
        yield party.mention
    if msg.sent_from is not None:
        yield msg.sent_from
    for inner in msg.relayed:
        yield from _all_mentions(inner)


def _process_safely(args: tuple[str, Source, Settings]) -> DocumentResult | InputError:
    key, source, settings = args
    try:
        return process(key, source, settings)
    except KgError as exc:
        if isinstance(exc, InputError):
            return exc
        return InputError(str(exc), path=source.path, line=source.line)
    except Exception as exc:  # noqa: BLE001 - one bad document must never stop the run
        return InputError(f"kg could not parse this document ({type(exc).__name__}: {exc})",
                          path=source.path, line=source.line,
                          hint="report it as a kg bug with this file attached")


def build(sources: list[Path], out: Path, settings: Settings,
          progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Build the dataset for `sources` into `out` (replaced whole, never half-written)."""
    _authority_for(settings)  # fail early, once, on a broken authority file
    report = BuildReport(out)
    work: list[tuple[str, Source, Settings]] = []
    for item in read_sources(sources):
        if isinstance(item, InputError):
            report.errors.append(item)
        else:
            work.append((item[0], item[1], settings))
    results: Iterable[DocumentResult | InputError]
    if settings.jobs > 1 and len(work) > 8:
        pool = ProcessPoolExecutor(max_workers=settings.jobs)
        results = pool.map(_process_safely, work, chunksize=16)
    else:
        pool = None
        results = map(_process_safely, work)
    with export.locked(out):
        with export.staged_folder(out) as stage:
            docs_dir = stage / "documents"
            docs_dir.mkdir()
            nq_parts: list[bytes] = []
            entities: dict[str, Entity] = {}
            for n, result in enumerate(results, start=1):
                if isinstance(result, InputError):
                    report.errors.append(result)
                else:
                    report.documents.append(result)
                    (docs_dir / f"{result.key}.ttl").write_bytes(result.turtle)
                    (docs_dir / f"{result.key}.jsonld").write_bytes(result.jsonld)
                    nq_parts.append(result.nquads)
                    for e in result.entities:
                        entities.setdefault(e.key, e)
                if progress:
                    progress(n, len(work))
            if pool is not None:
                pool.shutdown()
            links = map_links(sorted(entities.values(), key=lambda e: e.key),
                              Minter(settings.base))
            nq_parts.append(export.nquads([links]))
            lines = sorted({line for part in nq_parts for line in part.splitlines()})
            (stage / "dataset.nq").write_bytes(b"".join(line + b"\n" for line in lines))
            (stage / "dataset.trig").write_bytes(_trig_from_nquads(stage / "dataset.nq"))
            (stage / "context.jsonld").write_text(read_text("ontology", "context.jsonld"))
            (stage / "unknown-entities.tsv").write_text(unknown_report(report.documents))
            (stage / "validation.txt").write_text(validation_text(report))
            (stage / "errors.txt").write_text("".join(f"{e}\n" for e in report.errors))
    return report


def _trig_from_nquads(path: Path) -> bytes:
    import pyoxigraph as ox

    from kg.vocab import PREFIXES
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""


def unknown_report(documents: list[DocumentResult]) -> str:
    """The curation report: names found in the text that the authority file does not know."""
    counts: Counter[tuple[str, str]] = Counter()
    docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d in documents:
        for written, kind, _key in d.unknown:
            counts[(written, kind)] += 1
            docs[(written, kind)].add(d.key)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(["name_as_written", "type_guess", "documents", "count"])
    for (written, kind), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        w.writerow([written, kind, " ".join(sorted(docs[(written, kind)])), n])
    return buf.getvalue()


def validation_text(report: BuildReport) -> str:
    lines = [d.report.text() for d in sorted(report.documents, key=lambda d: d.key)
             if not d.report.conforms or d.report.violations]
    return "\n\n".join(lines) + ("\n" if lines else "all documents conform\n")


def validate_paths(paths: list[Path]) -> list[Report]:
    """Validate a built output folder (each document graph) or RDF files given directly."""
    reports = []
    for path in paths:
        files: list[Path]
        if path.is_dir():
            docs = path / "documents"
            files = sorted(docs.glob("*.ttl")) if docs.is_dir() else sorted(path.glob("*.ttl"))
            if not files:
                raise InputError("no documents/*.ttl here; is this a kg build output?",
                                 path=str(path), hint="run kg build first, or name RDF files")
        elif path.exists():
            files = [path]
        else:
            raise InputError("no such file or folder", path=str(path), hint="check the path")
        for file in files:
            fmt = {".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld", ".nt": "nt"}.get(
                file.suffix, "turtle")
            try:
                if fmt in ("nquads", "trig"):
                    from rdflib import Dataset
                    ds = Dataset()
                    ds.parse(file, format=fmt)
                    for g in ds.graphs():
                        if len(g):
                            reports.append(validate_graph(Graph() + g, name=f"{file} {g.identifier}"))
                    continue
                graph = Graph().parse(file, format=fmt)
            except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds on bad RDF
                raise InputError(f"not readable as {fmt} ({exc})", path=str(file),
                                 hint="give Turtle, N-Quads, TriG or JSON-LD") from exc
            reports.append(validate_graph(graph, name=str(file)))
    return reports
