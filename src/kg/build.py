"""The build pipeline: read -> parse -> map -> link -> validate -> write, one document at a time.

Each document is processed on its own (in worker processes with --jobs), and its outputs are
written to disk where it is processed: its Turtle and JSON-LD files, and its chunks of
dataset.nq and dataset.trig appended to the worker's spool file. Only a small record per
document (`DocumentRecord`) goes back to the parent, and sources are read lazily, a bounded
number ahead of the workers, so memory stays flat however large the archive.

When every document is done, dataset.nq and dataset.trig are assembled from the chunks in
graph-IRI order (each chunk sorted), then graph/entities (the entities the documents name,
each described once, from the records) and graph/links, and `manifest.jsonl` records where
each graph's chunk stands, its digest and the record. That manifest makes incremental builds
possible (`incremental=True`): a document whose source, kg code, authority file and settings
are unchanged (`fingerprint`) is not processed again; its files are hard-linked and its
chunks copied from the previous build, so the result is byte-identical to a full build.
A loader can replace just the graphs whose digest changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from rdflib import Graph

import kg
from kg import export
from kg.authority import Authority, load_authority
from kg.describe import GraphStats, StatsCollector, describe_stats, description_turtle
from kg.errors import InputError, KgError
from kg.mapping import Minter, describe_entities, entity_order, map_document_parts, map_entities, map_links
from kg.model import Entity, Source
from kg.parse import parse_document
from kg.resources import read_text
from kg.settings import Settings
from kg.sources import read_sources
from kg.store import KEPT_BY_BUILD
from kg.validate import Report, Violation, shapes_graph, validate_graph

MANIFEST = "manifest.jsonl"
MANIFEST_VERSION = 3  # 3: graph/entities, each document's entities as rows of its table, void
SPOOL = ".spool"
BATCH = 8  # documents per task sent to a worker: amortises the round trip, keeps order cheap
AHEAD = 3  # batches in flight per worker: enough to keep workers busy, little memory


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """What the build keeps of one document once its files are written (and the manifest holds)."""

    key: str
    graph: str
    source: str  # the source's path
    row: int | None
    url: str | None
    checksum: str  # sha256 of the source text
    report: Report
    entities: tuple[Entity, ...]  # the entities it names, for graph/entities and graph/links
    unknown: tuple[tuple[str, str, str], ...]  # (name as written, kind guess, entity key)
    complete: bool
    title: str
    date: str | None
    triples: int
    digest: str  # sha256 of the graph's N-Quads chunk: a loader replaces graphs whose digest changed
    void: str  # its counts for void.ttl (describe.GraphStats as JSON)


@dataclass(frozen=True)
class DocumentResult:
    """One document processed in memory: what the build keeps, and its outputs in every format."""

    record: DocumentRecord
    output: export.Serialised

    @property
    def key(self) -> str:
        return self.record.key

    @property
    def report(self) -> Report:
        return self.record.report


@dataclass
class BuildReport:
    out: Path
    documents: list[DocumentRecord] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    withheld: list[DocumentRecord] = field(default_factory=list)  # graphs that do not conform
    reused: int = 0  # documents an incremental build took from the previous build unchanged

    @property
    def conforms(self) -> bool:
        return not self.withheld

    triples: int = 0  # in the dataset: every document's graph, graph/entities, graph/links


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


def process(key: str, source: Source, settings: Settings,
            lap: Callable[[str], None] = lambda stage: None) -> DocumentResult:
    """Parse, map, validate and serialise one document (runs in a worker process).

    `lap(stage)` is called as each stage ends (benchmarks/stages.py times them)."""
    authority = _authority_for(settings)
    minter = Minter(settings.base)
    doc, unknown = parse_document(source, authority, key)
    lap("parse")
    graph, entities = map_document_parts(doc, minter)
    statements = list(graph)  # the document's own graph, as in dataset.nq
    lap("map")
    described = describe_entities(entities, minter)
    for triple in described:  # `graph` becomes what documents/KEY.ttl holds (no copy made)
        graph.add(triple)
    lap("describe")
    report = validate_graph(graph, name=f"{source.path}" + (f" row {source.row}"
                                                            if source.row else ""))
    lap("validate")
    output = export.serialise(graph, described, statements)
    counts = GraphStats.of(statements, (str(minter.document(key)), str(graph.identifier)),
                           settings.base)
    lap("serialise")
    mentions = list(doc.message.all_mentions())
    unknown_keys = {e.key for e in unknown}
    written = tuple(sorted({(m.span.text, m.entity.kind, m.entity.key)
                            for m in mentions if m.entity.key in unknown_keys}))
    record = DocumentRecord(
        key=key, graph=str(graph.identifier), source=source.path, row=source.row, url=source.url,
        checksum=source.checksum, report=report, entities=entities, unknown=written,
        complete=doc.complete, title=doc.title, date=doc.date.iso if doc.date else None,
        triples=output.triples, digest=hashlib.sha256(output.nquads).hexdigest(),
        void=counts.json())
    return DocumentResult(record, output)


def _process_safely(key: str, source: Source, settings: Settings) -> DocumentResult | InputError:
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


# -- where a graph's chunks stand ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Chunks:
    """A graph's bytes in an N-Quads file and in a TriG file: (file, offset, length) each."""

    nquads: tuple[str, int, int]
    trig: tuple[str, int, int]


class _Spool:
    """One process's append-only files of N-Quads and TriG chunks inside the staging folder."""

    def __init__(self, stage: Path) -> None:
        name = f"{os.getpid()}"
        self.nq_path = str(stage / SPOOL / f"{name}.nq")
        self.trig_path = str(stage / SPOOL / f"{name}.trig")
        self._nq = open(self.nq_path, "ab")  # noqa: SIM115 - closed by close()
        self._trig = open(self.trig_path, "ab")  # noqa: SIM115

    def add(self, nquads: bytes, trig: bytes) -> Chunks:
        nq_at, trig_at = self._nq.tell(), self._trig.tell()
        self._nq.write(nquads)
        self._trig.write(trig)
        return Chunks((self.nq_path, nq_at, len(nquads)), (self.trig_path, trig_at, len(trig)))

    def flush(self) -> None:
        self._nq.flush()
        self._trig.flush()

    def close(self) -> None:
        self._nq.close()
        self._trig.close()


_SPOOLS: dict[Path, _Spool] = {}  # this process's spool per staging folder


def _spool_for(stage: Path) -> _Spool:
    spool = _SPOOLS.get(stage)
    if spool is None or not spool.nq_path.endswith(f"/{os.getpid()}.nq"):  # a forked worker starts afresh
        spool = _SPOOLS[stage] = _Spool(stage)
    return spool


Outcome = tuple[int, DocumentRecord | InputError, Chunks | None]


def _process_batch(batch: list[tuple[int, str, Source]], settings: Settings,
                   stage: Path) -> list[Outcome]:
    """Process documents and write their outputs into `stage` (runs in a worker process)."""
    spool = _spool_for(stage)
    out: list[Outcome] = []
    for n, key, source in batch:
        result = _process_safely(key, source, settings)
        if isinstance(result, DocumentResult) and not result.record.report.conforms:
            out.append((n, result.record, None))  # withheld: never published, only reported
            continue
        if isinstance(result, InputError):
            out.append((n, result, None))
            continue
        docs = stage / "documents"
        # a new file, never written through a name that may be a hard link to the live output
        export.write_bytes(docs / f"{key}.ttl", result.output.turtle)
        export.write_bytes(docs / f"{key}.jsonld", result.output.jsonld)
        out.append((n, result.record, spool.add(result.output.nquads, result.output.trig)))
    spool.flush()
    return out


class _Runner:
    """Run batches in worker processes (or here, with one job), results back in order.

    Tasks are submitted as the sources are read, at most `AHEAD` batches per worker ahead of
    the results, so neither source texts nor results pile up in memory.
    """

    def __init__(self, settings: Settings, stage: Path) -> None:
        self.settings = settings
        self.stage = stage
        self.batch: list[tuple[int, str, Source]] = []
        self.pending: deque[tuple[Future[list[Outcome]], list[tuple[int, str, Source]],
                                  ProcessPoolExecutor]] = deque()
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, n: int, key: str, source: Source) -> Iterator[Outcome]:
        self.batch.append((n, key, source))
        if len(self.batch) >= BATCH:
            yield from self._dispatch()

    def _dispatch(self, last: bool = False) -> Iterator[Outcome]:
        batch, self.batch = self.batch, []
        if not batch:
            return
        if self.settings.jobs <= 1 or (self.pool is None and last):
            yield from _process_batch(batch, self.settings, self.stage)  # few documents: no pool
            return
        for _attempt in range(2):
            if self.pool is None:
                self.pool = ProcessPoolExecutor(max_workers=self.settings.jobs)
            try:
                future = self.pool.submit(_process_batch, batch, self.settings, self.stage)
                break
            except BrokenProcessPool:  # a worker died since the last batch: start afresh
                self._drop(self.pool)
        else:
            yield from _process_batch(batch, self.settings, self.stage)
            return
        self.pending.append((future, batch, self.pool))
        while len(self.pending) > self.settings.jobs * AHEAD:
            yield from self._result()

    def finish(self) -> Iterator[Outcome]:
        yield from self._dispatch(last=True)
        while self.pending:
            yield from self._result()
        self.close()

    def _result(self) -> list[Outcome]:
        """The oldest batch's outcomes; if its worker died (the OOM killer, a signal), the
        batch is done again here, and the pool is started afresh for the batches after it."""
        future, batch, pool = self.pending.popleft()
        try:
            return future.result()
        except BrokenProcessPool:
            self._drop(pool)
            return _process_batch(batch, self.settings, self.stage)

    def _drop(self, pool: ProcessPoolExecutor) -> None:
        pool.shutdown(wait=False, cancel_futures=True)
        if self.pool is pool:
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
        spool = _SPOOLS.pop(self.stage, None)
        if spool is not None:
            spool.close()


# -- the build ---------------------------------------------------------------------------------
def build(sources: list[Path], out: Path, settings: Settings,
          progress: Callable[[int, int], None] | None = None, *,
          incremental: bool = False) -> BuildReport:
    """Build the dataset for `sources` into `out` (replaced whole, never half-written).

    With `incremental`, documents unchanged since the build already in `out` (same source,
    same kg, authority file and settings) are taken from it instead of processed again.
    """
    _authority_for(settings)  # fail early, once, on a broken authority file
    shapes_graph()  # parsed once here, inherited by the workers
    fingerprint = build_fingerprint(settings)
    previous = _Previous.read(out, fingerprint) if incremental else None
    total = sum(1 for _ in read_sources(sources)) if progress else 0
    report = BuildReport(out)
    records: list[tuple[int, DocumentRecord]] = []
    errors: list[tuple[int, InputError]] = []
    withheld: list[tuple[int, DocumentRecord]] = []
    chunks: dict[str, Chunks] = {}
    shared: dict[object, object] = {}  # one copy of what many records hold: memory stays flat
    counts = StatsCollector(settings.base)  # for void.ttl, added up as documents arrive
    done = 0

    def finished(outcome: Outcome) -> None:
        nonlocal done
        n, result, where = outcome
        if isinstance(result, InputError):
            errors.append((n, result))
        elif where is None:  # its graph does not conform: reported in validation.txt, not published
            withheld.append((n, result))
        else:
            if result.entities:  # the same authority entities arrive, unpickled, with every record
                result = replace(result, entities=tuple(
                    shared.setdefault(e, e) for e in result.entities))  # type: ignore[misc]
            records.append((n, result))
            counts.add(GraphStats(json.loads(result.void)))
            chunks[result.key] = Chunks(
                (shared.setdefault(where.nquads[0], where.nquads[0]), *where.nquads[1:]),  # type: ignore[arg-type]
                (shared.setdefault(where.trig[0], where.trig[0]), *where.trig[1:]))  # type: ignore[arg-type]
        done += 1
        if progress:
            progress(done, max(total, done))

    # The embedded store `kg load` keeps in OUT/store by default survives the rebuild, so
    # reloading after an incremental build replaces only the graphs that changed.
    with export.locked(out), export.staged_folder(out, keep=KEPT_BY_BUILD) as stage:
        (stage / "documents").mkdir()
        (stage / SPOOL).mkdir()
        runner = _Runner(settings, stage)
        try:
            for n, item in enumerate(read_sources(sources)):
                if isinstance(item, InputError):
                    finished((n, item, None))
                    continue
                key, source = item
                reused = previous.reuse(key, source, stage) if previous else None
                if reused is not None:
                    report.reused += 1
                    finished((n, *reused))
                    continue
                for outcome in runner.submit(n, key, source):
                    finished(outcome)
            for outcome in runner.finish():
                finished(outcome)
        finally:
            runner.close()
        report.documents = [r for _, r in sorted(records, key=lambda x: x[0])]
        report.errors = [e for _, e in sorted(errors, key=lambda x: x[0])]
        report.withheld = [r for _, r in sorted(withheld, key=lambda x: x[0])]
        report.triples = _assemble(stage, report.documents, chunks, settings, fingerprint, counts)
        shutil.rmtree(stage / SPOOL)
        (stage / "void.ttl").write_bytes(description_turtle(
            describe_stats(counts.result(), stage, settings.base)))
        (stage / "context.jsonld").write_text(read_text("ontology", "context.jsonld"))
        (stage / "unknown-entities.tsv").write_text(unknown_report(report.documents))
        (stage / "validation.txt").write_text(validation_text(report))
        (stage / "errors.txt").write_text("".join(f"{e}\n" for e in report.errors))
    return report


def _assemble(stage: Path, records: list[DocumentRecord], chunks: dict[str, Chunks],
              settings: Settings, fingerprint: str, counts: StatsCollector) -> int:
    """Write dataset.nq, dataset.trig and manifest.jsonl from the graphs' chunks, in graph order,
    then graph/entities (every entity named, described once) and graph/links."""
    ordered = sorted(records, key=lambda r: r.graph)
    table = sorted({e for r in ordered for e in r.entities}, key=entity_order)
    index = {e: i for i, e in enumerate(table)}
    minter = Minter(settings.base)
    entities_graph = map_entities(table, minter) if table else Graph()
    links_graph = map_links([e for e in table if e.qid], minter)  # table: sorted, distinct
    for graph in (entities_graph, links_graph):
        counts.add(GraphStats.of(graph, (), settings.base))
    entities = export.serialise(entities_graph) if table else None
    links = export.serialise(links_graph)
    extra = [x for x in (entities, links) if x is not None and x.triples]
    trig_head = export.turtle_header() if ordered or extra else b""
    total = sum(r.triples for r in ordered) + sum(x.triples for x in extra)
    head = {"manifest": MANIFEST_VERSION, "kg": kg.__version__, "fingerprint": fingerprint,
            "documents": len(ordered), "triples": total,
            "nquads_bytes": sum(chunks[r.key].nquads[2] for r in ordered)
            + sum(len(x.nquads) for x in extra),
            "trig_bytes": len(trig_head) + sum(chunks[r.key].trig[2] for r in ordered)
            + sum(len(x.trig) for x in extra)}
    # The manifest is written as the chunks are copied: nothing is held for the whole dataset.
    with export.ChunkWriter(stage / "dataset.nq") as nq, \
            export.ChunkWriter(stage / "dataset.trig") as trig, \
            open(stage / MANIFEST, "w", encoding="utf-8") as manifest:
        manifest.write(json.dumps(head, sort_keys=True) + "\n")
        if trig_head:
            trig.write(trig_head)
        for record in ordered:
            where = chunks[record.key]
            manifest.write(_manifest_line(record, nq.copy(*where.nquads), trig.copy(*where.trig),
                                          index) + "\n")
        if entities is not None:
            manifest.write(json.dumps({
                "graph": str(minter.entities_graph()), "entities": True,
                "digest": hashlib.sha256(entities.nquads).hexdigest(),
                "triples": entities.triples,
                "nquads": nq.write(entities.nquads), "trig": trig.write(entities.trig),
                "table": [[e.key, e.kind, e.label, e.known, list(e.aliases), list(e.code_names),
                           e.qid] for e in table]},
                sort_keys=True, ensure_ascii=False) + "\n")
        if links.triples:
            manifest.write(json.dumps({
                "graph": str(minter.links_graph()), "links": True,
                "digest": hashlib.sha256(links.nquads).hexdigest(), "triples": links.triples,
                "nquads": nq.write(links.nquads), "trig": trig.write(links.trig)},
                sort_keys=True, ensure_ascii=False) + "\n")
        if (nq.pos, trig.pos) != (head["nquads_bytes"], head["trig_bytes"]):
            raise AssertionError("dataset files and manifest disagree on sizes")
    return total


def _manifest_line(r: DocumentRecord, nquads: tuple[int, int], trig: tuple[int, int],
                   index: dict[Entity, int]) -> str:
    return json.dumps({
        "key": r.key, "graph": r.graph, "source": r.source, "row": r.row, "url": r.url,
        "checksum": r.checksum, "digest": r.digest, "triples": r.triples,
        "nquads": list(nquads), "trig": list(trig), "title": r.title, "date": r.date,
        "complete": r.complete,
        "report": {"graph": r.report.graph, "conforms": r.report.conforms,
                   "violations": [[v.focus, v.path, v.shape, v.message, v.severity]
                                  for v in r.report.violations]},
        "entities": [index[e] for e in r.entities],  # rows of graph/entities' "table"
        "void": json.loads(r.void),
        "unknown": [list(u) for u in r.unknown]}, sort_keys=True, ensure_ascii=False)


def _record_from(entry: dict[str, object], table: list[Entity]) -> DocumentRecord:
    rep = entry["report"]
    assert isinstance(rep, dict)
    return DocumentRecord(
        key=str(entry["key"]), graph=str(entry["graph"]), source=str(entry["source"]),
        row=entry["row"], url=entry["url"], checksum=str(entry["checksum"]),  # type: ignore[arg-type]
        report=Report(rep["graph"], rep["conforms"], tuple(Violation(*v) for v in rep["violations"])),
        entities=tuple(table[i] for i in entry["entities"]),  # type: ignore[attr-defined]
        unknown=tuple(tuple(u) for u in entry["unknown"]),  # type: ignore[attr-defined]
        complete=bool(entry["complete"]), title=str(entry["title"]),
        date=entry["date"], triples=int(entry["triples"]),  # type: ignore[arg-type,call-overload]
        digest=str(entry["digest"]),
        void=json.dumps(entry["void"], sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def build_fingerprint(settings: Settings) -> str:
    """What every document's outputs depend on besides its own source: if this changes, an
    incremental build processes everything again.

    kg's own code and data files (not just its version number, which does not change while
    kg is developed), the libraries that map, validate and serialise, the authority file and
    accepted links, and the base IRI.
    """
    h = hashlib.sha256()
    h.update(json.dumps([MANIFEST_VERSION, kg.__version__, settings.base,
                         [_version(p) for p in ("rdflib", "pyshacl", "pyoxigraph")]]).encode())
    h.update(_code_digest().encode())
    if settings.authority is not None:
        h.update(b"authority\0" + settings.authority.read_bytes())
    else:
        h.update(b"authority\0" + read_text("authority.tsv").encode())
    if settings.links is not None:
        h.update(b"links\0" + settings.links.read_bytes())
    return h.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    h = hashlib.sha256()
    package = Path(kg.__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    for parts in (("shapes", "kg.ttl"), ("ontology", "context.jsonld"), ("ontology", "kg.ttl")):
        try:
            h.update("/".join(parts).encode() + b"\0" + read_text(*parts).encode())
        except FileNotFoundError:
            continue
    return h.hexdigest()


class _Previous:
    """The build already in the output folder, as far as an incremental build may reuse it."""

    def __init__(self, out: Path, entries: dict[str, dict[str, object]],
                 table: list[Entity]) -> None:
        self.out = out
        self.entries = entries
        self.table = table
        self.documents = os.path.join(out, "documents")  # strings: pathlib costs add up here
        self.nquads = os.path.join(out, "dataset.nq")
        self.trig = os.path.join(out, "dataset.trig")

    @classmethod
    def read(cls, out: Path, fingerprint: str) -> _Previous | None:
        """The previous build's manifest, if it was made by the same kg with the same inputs."""
        try:
            with open(out / MANIFEST, encoding="utf-8") as f:
                head = json.loads(f.readline())
                if (head.get("manifest") != MANIFEST_VERSION
                        or head.get("fingerprint") != fingerprint
                        or (out / "dataset.nq").stat().st_size != head.get("nquads_bytes")
                        or (out / "dataset.trig").stat().st_size != head.get("trig_bytes")):
                    return None
                entries = {}
                table: list[Entity] = []
                for line in f:
                    entry = json.loads(line)
                    if "key" in entry:
                        entries[entry["key"]] = entry
                    elif entry.get("entities") is True:
                        table = [Entity(key=k, kind=kind, label=label, known=known,
                                        aliases=tuple(aliases), code_names=tuple(codes), qid=qid)
                                 for k, kind, label, known, aliases, codes, qid in entry["table"]]
        except (OSError, ValueError, AttributeError, TypeError):
            return None  # no previous build, or not one this kg can reuse: build everything
        return cls(out, entries, table)

    def reuse(self, key: str, source: Source,
              stage: Path) -> tuple[DocumentRecord, Chunks] | None:
        """Link the document's files into `stage` if its source is unchanged; else None."""
        entry = self.entries.get(key)
        if entry is None or (entry["source"], entry["row"], entry["url"], entry["checksum"]) != (
                source.path, source.row, source.url, source.checksum):
            return None
        try:  # read back first: a document whose record cannot be read is processed again
            record = _record_from(entry, self.table)
            nq, trig = entry["nquads"], entry["trig"]
            where = Chunks((self.nquads, int(nq[0]), int(nq[1])),  # type: ignore[index]
                           (self.trig, int(trig[0]), int(trig[1])))  # type: ignore[index]
        except (IndexError, KeyError, TypeError, ValueError):
            return None
        linked: list[str] = []
        docs = os.path.join(stage, "documents")
        try:
            for suffix in (".ttl", ".jsonld"):
                target = f"{docs}/{key}{suffix}"
                _link_or_copy(f"{self.documents}/{key}{suffix}", target)
                linked.append(target)
        except OSError:
            for target in linked:
                os.unlink(target)
            return None
        return record, where


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        if not os.path.isfile(source):
            raise
        shutil.copyfile(source, target)  # a file system without hard links


def read_manifest(out: Path) -> tuple[dict[str, object], list[dict[str, object]]]:
    """A build's manifest.jsonl: its header and one entry per graph (documents, then links).

    Each entry names the graph, the sha256 `digest` of its N-Quads chunk and where the chunk
    stands in dataset.nq (`nquads`: [offset, length]) and dataset.trig (`trig`), so a loader
    can replace exactly the graphs whose digest changed, reading only their bytes.
    """
    path = out / MANIFEST if out.is_dir() else out
    try:
        with open(path, encoding="utf-8") as f:
            head = json.loads(f.readline())
            return head, [json.loads(line) for line in f]
    except OSError as exc:
        raise InputError(f"cannot read the build manifest ({exc.strerror})", path=str(path),
                         hint="build with this kg version first") from exc
    except ValueError as exc:
        raise InputError(f"the build manifest is not JSON lines ({exc})", path=str(path),
                         hint="rebuild with `kg build`") from exc


def unknown_report(documents: Iterable[DocumentRecord]) -> str:
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
    lines = [d.report.text() for d in sorted([*report.documents, *report.withheld], key=lambda d: d.key)
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
            jsonld_text = _jsonld_without_fetching(file) if fmt == "json-ld" else None
            try:
                if fmt in ("nquads", "trig"):
                    from rdflib import Dataset
                    ds = Dataset()
                    ds.parse(file, format=fmt)
                    for g in ds.graphs():
                        if len(g):
                            reports.append(validate_graph(Graph() + g, name=f"{file} {g.identifier}"))
                    continue
                graph = (Graph().parse(data=jsonld_text, format=fmt, publicID=file.resolve().as_uri())
                         if jsonld_text is not None else Graph().parse(file, format=fmt))
            except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds on bad RDF
                raise InputError(f"not readable as {fmt} ({exc})", path=str(file),
                                 hint="give Turtle, N-Quads, TriG or JSON-LD") from exc
            reports.append(validate_graph(graph, name=str(file)))
    return reports


def _jsonld_without_fetching(file: Path) -> str:
    """The text of a JSON-LD file, refused if it names a context to fetch: kg never fetches.

    rdflib fetches a context given by URL (http:, file:, or relative to the file), an
    @import, and a scoped context, whenever it meets one; so any string where a context
    may stand is refused before rdflib sees the file.
    """
    try:
        text = file.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not readable as JSON-LD ({exc})", path=str(file),
                         hint="give UTF-8 JSON-LD with its context inlined") from exc
    stack: list[object] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    for ref in value if isinstance(value, list) else [value]:
                        if isinstance(ref, str):
                            raise InputError(
                                f"the JSON-LD names a context to fetch ({ref[:80]!r}); kg never "
                                "fetches a context", path=str(file),
                                hint="inline the context, as documents/*.jsonld from kg build do")
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return text
