"""Write graphs out: N-Quads, TriG, per-document Turtle and JSON-LD, byte-identical per input.

Determinism: quads are sorted before pyoxigraph serialises them; JSON-LD is compacted with
the shipped context, its nodes sorted by @id and keys sorted. Output folders are written
beside the target and swapped in whole, under a lock, so a crash never leaves half a build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import LockedError
from kg.resources import read_text
from kg.vocab import PREFIXES

FORMATS = {"nquads": ".nq", "trig": ".trig", "turtle": ".ttl", "jsonld": ".jsonld"}


def to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
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


def _key(t: tuple[Node, ...]) -> tuple[str, ...]:
    return tuple(f"{type(x).__name__}:{x}" for x in t)


def sorted_triples(graph: Graph) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
            for s, p, o in sorted(graph, key=_key)]


def turtle(graph: Graph) -> bytes:
    return ox.serialize(sorted_triples(graph), format=ox.RdfFormat.TURTLE,
                        prefixes=PREFIXES) or b""


def nquads(graphs: Iterable[Graph]) -> bytes:
    lines: list[bytes] = []
    for g in graphs:
        gname = ox.NamedNode(str(g.identifier))
        quads = [ox.Quad(t.subject, t.predicate, t.object, gname) for t in sorted_triples(g)]
        lines.extend((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").splitlines())
    return b"".join(line + b"\n" for line in sorted(set(lines)))


def trig(graphs: Iterable[Graph]) -> bytes:
    quads = []
    for g in sorted(graphs, key=lambda g: str(g.identifier)):
        gname = ox.NamedNode(str(g.identifier))
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, gname) for t in sorted_triples(g))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b""


def context() -> dict[str, object]:
    """The shipped JSON-LD context (ontology/context.jsonld), never fetched from the network."""
    return json.loads(read_text("ontology", "context.jsonld"))["@context"]  # type: ignore[no-any-return]


def jsonld(graph: Graph) -> bytes:
    """Compact JSON-LD 1.1 with the local context inlined, nodes sorted by @id."""
    plain = Graph()
    for t in graph:
        plain.add(t)
    ctx = context()
    data = json.loads(plain.serialize(format="json-ld", context=ctx, auto_compact=True))
    nodes = data.get("@graph", [data] if "@id" in data else [])
    for node in nodes:
        node.pop("@context", None)
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    nodes = sorted(nodes, key=lambda n: n.get("@id", ""))
    out = {"@context": ctx, "@graph": nodes}
    return (json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


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


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside `target`; on success swap it in whole, else remove it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = target.parent / f".{target.name}.partial-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(stage, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary name and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
