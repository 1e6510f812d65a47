"""Write graphs out: N-Quads, TriG, per-document Turtle and JSON-LD, byte-identical per input.

Determinism: a graph's quads are put in one canonical order (sorted by their N-Quads line)
and every format is written from that one list; JSON-LD is compact, with the shipped context
inlined, nodes sorted by @id, keys and values sorted. Output folders are written beside the
target and swapped in whole, under a lock, so a crash never leaves half a build.

Speed: each rdflib term is converted to pyoxigraph once per graph, and the JSON-LD is written
directly from the sorted triples (`jsonld_from_triples`) instead of by rdflib's serialiser,
which took 40% of a document's build time and grows with the graph. The dataset files are
concatenations of per-graph chunks (`ChunkWriter`), so a build never holds the whole dataset
in memory and an incremental build copies unchanged chunks without re-serialising them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import LockedError
from kg.resources import read_text
from kg.vocab import PREFIXES

FORMATS = {"nquads": ".nq", "trig": ".trig", "turtle": ".ttl", "jsonld": ".jsonld"}
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_ox(term: Node) -> OxTerm:
    """Convert an rdflib term to pyoxigraph, failing loudly on anything unexpected."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot serialise RDF term {term!r}")


def _graph_name(graph: Graph) -> str | None:
    ident = graph.identifier
    return str(ident) if isinstance(ident, URIRef) else None


# N-Triples escapes exactly as pyoxigraph writes them, so either path gives the same bytes.
_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)} | {
    0x7F: "\\u007F", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
    0x22: '\\"', 0x5C: "\\\\"}


def nt_term(term: Node) -> str:
    """One rdflib term as N-Triples/N-Quads text (pyoxigraph's canonical form)."""
    kind = type(term)
    if kind is URIRef:
        return f"<{term}>"
    if kind is Literal or isinstance(term, Literal):
        text = f'"{str(term).translate(_ESCAPES)}"'
        if term.language:  # type: ignore[attr-defined]
            return f"{text}@{term.language.lower()}"  # type: ignore[attr-defined]
        datatype = term.datatype  # type: ignore[attr-defined]
        return text if datatype is None or datatype == XSD_STRING else f"{text}^^<{datatype}>"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"cannot serialise RDF term {term!r}")


def statement_lines(statements: Iterable[tuple[Node, Node, Node]]) -> list[str]:
    """Each triple as N-Triples text without the final " .", sorted, each once.

    This order is the canonical order of every format: appending " <graph> ." to each line
    keeps it sorted, since a space sorts before any character that can continue a term.
    """
    lines = set()
    for s, p, o in statements:
        subject = f"<{s}>" if type(s) is URIRef else nt_term(s)
        predicate = f"<{p}>" if type(p) is URIRef else nt_term(p)
        lines.add(f"{subject} {predicate} {f'<{o}>' if type(o) is URIRef else nt_term(o)}")
    return sorted(lines)


def canonical_quads(graph: Graph) -> tuple[list[ox.Quad], list[bytes]]:
    """The graph's quads in canonical order (by N-Quads line), and those lines (no newline)."""
    nq = _nquads_text(statement_lines(graph), _graph_name(graph))
    lines = nq.split(b"\n")
    lines.pop()
    return list(ox.parse(input=nq, format=ox.RdfFormat.N_QUADS)), lines


def _nquads_text(lines: list[str], graph: str | None) -> bytes:
    end = f" <{graph}> .\n" if graph is not None else " .\n"
    return "".join([line + end for line in lines]).encode()


def sorted_triples(graph: Graph) -> list[ox.Triple]:
    return [q.triple for q in canonical_quads(graph)[0]]


@dataclass(frozen=True)
class Serialised:
    """One graph in every format a build writes."""

    nquads: bytes  # sorted N-Quads lines: this graph's chunk of dataset.nq
    trig: bytes  # its TriG block without the @prefix header: its chunk of dataset.trig
    turtle: bytes  # a standalone Turtle file (with prefixes)
    jsonld: bytes  # a standalone compact JSON-LD file (context inlined)
    triples: int


def serialise(graph: Graph, described: Graph | None = None,
              statements: list[tuple[Node, Node, Node]] | None = None) -> Serialised:
    """Write one graph in all formats from one listing and one sort of its statements.

    `described` (the descriptions of the entities the graph names, kept once per dataset in
    graph/entities) is added to the standalone Turtle and JSON-LD files, so each document
    file is self-contained, but not to the graph's chunks of dataset.nq and dataset.trig.
    `statements` are what the graph itself says (default: all of `graph`), when the caller has
    listed them already or has since added `described` to `graph`.

    The sorted statements are written as N-Triples/N-Quads text here; pyoxigraph parses that
    text (checking every IRI and literal) and writes the Turtle, in Rust; the TriG block is
    that Turtle inside the graph's braces (Turtle statements are TriG's graph contents).
    """
    if statements is None:
        statements = list(graph)  # iterating an rdflib graph is slow: do it once
    lines = statement_lines(statements)
    name = _graph_name(graph)
    nt = _nquads_text(lines, None)
    own = _turtle_of(nt)
    whole: Iterable[tuple[Node, Node, Node]] = statements
    ttl = own
    if described is not None and len(described):
        whole = set(statements).union(described)
        ttl = _turtle_of(_nquads_text(statement_lines(whole), None))
    return Serialised(
        nquads=_nquads_text(lines, name) if name is not None else nt,
        trig=trig_block(name, own) if name is not None else b"",
        turtle=ttl,
        jsonld=jsonld_from_triples(whole),
        triples=len(lines))


def _turtle_of(ntriples: bytes) -> bytes:
    return ox.serialize(ox.parse(input=ntriples, format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""


def turtle(graph: Graph) -> bytes:
    return ox.serialize(sorted_triples(graph), format=ox.RdfFormat.TURTLE,
                        prefixes=PREFIXES) or b""


def nquads(graphs: Iterable[Graph]) -> bytes:
    lines: set[bytes] = set()
    for g in graphs:
        lines.update(_nquads_text(statement_lines(g), _graph_name(g)).splitlines(keepends=True))
    return b"".join(sorted(lines))


def trig(graphs: Iterable[Graph]) -> bytes:
    quads = []
    for g in sorted(graphs, key=lambda g: str(g.identifier)):
        quads.extend(canonical_quads(g)[0])
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""


@lru_cache(maxsize=1)
def turtle_header() -> bytes:
    """The @prefix lines pyoxigraph opens every Turtle and TriG document with (same for any data)."""
    probe = ox.NamedNode("urn:kg:probe")
    data = ox.serialize([ox.Triple(probe, probe, probe)], format=ox.RdfFormat.TURTLE,
                        prefixes=PREFIXES) or b""
    return data[:data.index(b"<urn:kg:probe>")]


def trig_block(graph: str, turtle: bytes) -> bytes:
    """The TriG block `<graph> { ... }` of one graph, from its Turtle; chunks concatenate
    after one `turtle_header()` into a valid TriG file."""
    if not turtle:
        return b""
    header = turtle_header()
    if not turtle.startswith(header):
        raise ValueError("pyoxigraph's Turtle header is not the same for every graph")
    return b"<" + graph.encode() + b"> {\n" + turtle[len(header):] + b"}\n"


def context() -> dict[str, object]:
    """The shipped JSON-LD context (ontology/context.jsonld), never fetched from the network."""
    return json.loads(read_text("ontology", "context.jsonld"))["@context"]  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _jsonld_setup() -> tuple[str, re.Pattern[str], dict[str, str], frozenset[str]]:
    """The context as printed (once), a pattern matching its longest namespace at the start of
    an IRI, each namespace's prefix, and the context's terms."""
    ctx = context()
    text = json.dumps(ctx, ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n ")
    namespaces = {ns: p for p, ns in sorted(ctx.items())
                  if not p.startswith("@") and isinstance(ns, str) and ns.endswith(("/", "#"))}
    pattern = re.compile("|".join(re.escape(ns) for ns in sorted(namespaces, key=len, reverse=True)))
    return text, pattern, namespaces, frozenset(ctx)


def jsonld(graph: Graph) -> bytes:
    """Compact JSON-LD 1.1 with the local context inlined, nodes sorted by @id."""
    return jsonld_from_triples(graph)


def jsonld_from_triples(triples: Iterable[tuple[Node, Node, Node]]) -> bytes:
    """Compact JSON-LD 1.1 of rdflib `triples` (any order), written directly.

    The shape is fixed and simple, so it is written by hand rather than compacted by a
    JSON-LD processor: one node object per subject; IRIs as CURIEs where a context prefix
    covers them; rdf:type as @type; plain strings as JSON strings; every other literal as
    {"@value", "@type"} or {"@value", "@language"}, so its lexical form survives exactly.
    The text is what json.dumps(..., indent=1, sort_keys=True, ensure_ascii=False) prints,
    with nodes sorted by @id and each property's values sorted.
    """
    ctx_text, prefixes, namespaces, terms = _jsonld_setup()
    compacted: dict[str, str] = {}  # IRI -> its compact form
    printed: dict[str, str] = {}  # IRI -> its compact form as a JSON string
    id_objects: dict[str, str] = {}  # IRI -> {"@id": ...} as printed

    def iri(value: str) -> str:
        found = compacted.get(value)
        if found is None:
            found = value
            match = prefixes.match(value)  # the longest namespace that starts the IRI
            if match:
                local = value[match.end():]
                if local and not local.startswith("//"):
                    found = f"{namespaces[match[0]]}:{local}"
            if found is value and value.split(":", 1)[0] in terms:
                raise ValueError(f"the IRI {value} would be read as a compact IRI in JSON-LD")
            compacted[value] = found
            printed[value] = encode_basestring(found)
        return found

    def node_id(term: Node) -> str:
        if isinstance(term, URIRef):
            return iri(str(term))
        if isinstance(term, BNode):
            return f"_:{term}"
        raise TypeError(f"cannot write {term!r} as a JSON-LD node")

    def id_object(term: Node) -> str:
        value = str(term)
        found = id_objects.get(value)
        if found is None:
            found = id_objects[value] = f'{{\n    "@id": {encode_basestring(node_id(term))}\n   }}'
        return found

    nodes: dict[str, dict[str, list[str]]] = {}
    for s, p, o in triples:
        sid = node_id(s)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {}
        if p == RDF_TYPE and isinstance(o, URIRef):
            key = "@type"
            iri(value := str(o))
            rendered = printed[value]
        else:
            key = iri(str(p))
            if isinstance(o, Literal):
                text = encode_basestring(str(o))
                if o.language:
                    rendered = (f'{{\n    "@language": {encode_basestring(o.language)},\n'
                                f'    "@value": {text}\n   }}')
                elif o.datatype is None or o.datatype == XSD_STRING:
                    rendered = text
                else:
                    iri(datatype := str(o.datatype))
                    rendered = f'{{\n    "@type": {printed[datatype]},\n    "@value": {text}\n   }}'
            else:
                rendered = id_object(o)
        values = node.get(key)
        if values is None:
            node[key] = [rendered]
        else:
            values.append(rendered)
    parts = []
    for sid in sorted(nodes):
        node = nodes[sid]
        entries = [f'   "@id": {encode_basestring(sid)}']
        for key in sorted(node):
            values = node[key]
            if len(values) == 1:
                text = values[0]
            else:
                # Each value one level deeper than a lone value, as json.dumps lays it out;
                # a set of statements has no duplicates, but two rdflib terms may print alike.
                text = "[\n    " + ",\n    ".join(sorted({v.replace("\n", "\n ") for v in values})) + "\n   ]"
            entries.append(f"   {encode_basestring(key)}: {text}")
        parts.append("  {\n" + ",\n".join(entries) + "\n  }")
    graph = "[\n" + ",\n".join(parts) + "\n ]" if parts else "[]"
    return f'{{\n "@context": {ctx_text},\n "@graph": {graph}\n}}\n'.encode()


class ChunkWriter:
    """Concatenate byte ranges of other files (and bytes) into one file, tracking offsets.

    Ranges are copied in the kernel (os.copy_file_range) where it can, and ranges that follow
    each other in the same source are copied in one call, so assembling a multi-gigabyte
    dataset.nq from per-document chunks costs little more than the disk write.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.pos = 0  # where the next byte goes (counting ranges not yet copied)
        self._written = 0  # bytes actually in the file
        self._pending: tuple[str, int, int] | None = None  # (source, offset, length) to copy
        self._sources: dict[str, int] = {}
        self._kernel_copy = hasattr(os, "copy_file_range")

    def write(self, data: bytes) -> tuple[int, int]:
        """Append `data`; return (offset, length) where it now stands."""
        self._flush()
        start = self.pos
        view = memoryview(data)
        while view:
            n = os.pwrite(self._fd, view, self._written)
            view = view[n:]
            self._written += n
        self.pos = self._written
        return start, len(data)

    def copy(self, source: Path | str, offset: int, length: int) -> tuple[int, int]:
        """Append `length` bytes of `source` from `offset`; return where they now stand."""
        start = self.pos
        source = os.fspath(source)
        pending = self._pending
        if pending is not None and pending[0] == source and pending[1] + pending[2] == offset:
            self._pending = (source, pending[1], pending[2] + length)
        else:
            self._flush()
            self._pending = (source, offset, length)
        self.pos += length
        return start, length

    def _flush(self) -> None:
        if self._pending is None:
            return
        source, offset, length = self._pending
        self._pending = None
        fd = self._sources.get(source)
        if fd is None:
            fd = self._sources[source] = os.open(source, os.O_RDONLY)
        done = 0
        while done < length:
            n = 0
            if self._kernel_copy:
                try:
                    n = os.copy_file_range(fd, self._fd, length - done, offset + done,
                                           self._written)
                except OSError:
                    self._kernel_copy = False  # e.g. across file systems on an old kernel
            if not n:
                data = os.pread(fd, min(length - done, 1 << 20), offset + done)
                if not data:
                    raise ValueError(f"{source} ends before byte {offset + length}")
                n = os.pwrite(self._fd, data, self._written)
            done += n
            self._written += n

    def close(self) -> None:
        try:
            self._flush()
        finally:
            for fd in self._sources.values():
                os.close(fd)
            self._sources.clear()
            os.close(self._fd)

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def locked(target: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock beside `target`; a second kg process waits or fails clearly."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise LockedError(f"{target}: another kg process is writing here (lock "
                              f"{lock_path}); wait for it to finish, or use another -o folder"
                              ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _recover(target: Path, keep: tuple[str, ...] = ()) -> None:
    """Undo what a killed run left beside `target` (the caller holds the lock); kept entries
    a killed run had already moved into its new folder go back into `target` first."""
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:  # killed between the two renames of the fallback swap
        os.replace(olds.pop(), target)
    for left in (*olds, *target.parent.glob(f".{target.name}.partial-*")):
        for name in keep:
            if (left / name).exists() and target.is_dir() and not (target / name).exists():
                os.replace(left / name, target / name)
        shutil.rmtree(left, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(target: Path, keep: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield a fresh folder beside `target`; on success swap it in whole, else remove it.

    The entries of `target` named in `keep` (that the new folder lacks) are moved into the new
    folder just before the swap: what other commands keep there, like `kg load`'s store.
    Call it with `locked(target)` held: it also clears what killed runs left behind. The swap
    is one atomic exchange where the system offers it, else two renames that `_recover` can
    finish after a crash.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target, keep)
    stage = target.parent / f".{target.name}.partial-{os.getpid()}"
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    for name in keep:
        if (target / name).exists() and not (stage / name).exists():
            os.replace(target / name, stage / name)
    if target.exists() and _exchange(stage, target):
        shutil.rmtree(stage, ignore_errors=True)  # it now holds the previous output
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(stage, target)
    shutil.rmtree(old, ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary name and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
