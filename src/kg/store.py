"""Load a built dataset into a triplestore: the embedded Oxigraph store here, remote servers in remote.py.

The unit of loading is the named graph. `kg build` writes one graph per document
(`<base>graph/<key>`: what the document says), `<base>graph/entities` (every entity named,
described once) and `<base>graph/links`; loading *replaces* each graph whole, so loading the same dataset
twice, or a dataset in which one document changed, never duplicates or merges anything.
Graphs of documents that are no longer in the dataset stay until `prune=True` removes them.

After loading, the triple count of every graph is read back from the store and compared
with what was sent (`LoadReport.mismatches`): a store that silently drops triples is caught
here rather than in a user's query months later.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError, LockedError
from kg.export import locked

DEFAULT_STORE = "store"
"""The embedded store's folder inside a build output (OUT/store)."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class GraphCount:
    """Triples sent for one named graph and triples the store holds for it afterwards."""

    graph: str
    sent: int
    found: int

    @property
    def ok(self) -> bool:
        return self.sent == self.found


@dataclass
class LoadReport:
    """What a load did, and whether the store now holds exactly what was sent."""

    target: str
    graphs: list[GraphCount] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    """Graphs under the dataset's graph prefix that the dataset no longer has (kept: no prune)."""
    requests: int = 0
    action: str = "loaded"
    unchanged: int = 0  # graphs the store held already, by digest: not sent again

    @property
    def triples(self) -> int:
        return sum(g.sent for g in self.graphs)

    @property
    def mismatches(self) -> list[GraphCount]:
        return [g for g in self.graphs if not g.ok]

    def text(self) -> str:
        """A summary for people: what was loaded where, what was removed, what differs."""
        where = "into" if self.action == "loaded" else "in"
        lines = [f"{self.action} {len(self.graphs)} graphs, {self.triples} triples {where} {self.target}"
                 + (f" ({self.requests} requests)" if self.requests else "")]
        if self.unchanged:
            lines.append(f"{self.unchanged} more graphs unchanged since the last verified load "
                         "(same digest): not sent or counted again (--verify-only counts every "
                         "graph, --full sends every graph)")
        if self.removed:
            lines.append(f"removed {len(self.removed)} graphs of documents no longer in the dataset")
        if self.stale:
            lines.append(f"{len(self.stale)} graphs in the store are not in this dataset "
                         "(kept; pass --prune to remove them), e.g. " + self.stale[0])
        bad = self.mismatches
        if bad:
            lines.append(f"VERIFY FAILED: {len(bad)} of {len(self.graphs)} graphs in the store "
                         "hold a different number of triples than the dataset:")
            lines.extend(f"  {g.graph}: dataset {g.sent}, store {g.found}" for g in bad)
        else:
            lines.append(f"verified: all {len(self.graphs)} graphs hold exactly the dataset's triples")
        return "\n".join(lines)


class Dataset:
    """A dataset.nq held in memory and read one named graph at a time (any N-Quads file)."""

    def __init__(self, path: Path) -> None:
        nquads = dataset_file(path)
        self.path = nquads
        self._store = ox.Store()
        try:
            self._store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError) as exc:
            raise InputError(f"not valid N-Quads ({exc})", path=str(nquads),
                             hint="rebuild it with `kg build`") from exc
        self.graphs: list[str] = sorted(g.value for g in self._store.named_graphs()
                                        if isinstance(g, ox.NamedNode))
        _require_graphs(self.graphs, nquads)

    def __len__(self) -> int:
        return len(self._store)

    def triples(self, graph: str) -> list[ox.Triple]:
        return [q.triple for q in self._store.quads_for_pattern(None, None, None,
                                                                ox.NamedNode(graph))]

    def ntriples(self, graph: str) -> list[bytes]:
        """The graph's triples as sorted N-Triples lines (no newline), one triple each."""
        return _ntriples(self.triples(graph))

    def size(self, graph: str) -> int:
        return len(self.triples(graph))

    def digest(self, graph: str) -> str | None:
        return None  # unknown: a load replaces the graph

    def has_blank_nodes(self, graph: str) -> bool:
        return _has_blank_nodes(self.triples(graph))

    @property
    def prefix(self) -> str:
        """The IRI prefix of this dataset's graphs (`<base>graph/`): what prune may remove."""
        return _graph_prefix(self.graphs)


class BuiltDataset:
    """A `kg build` output read through its manifest.jsonl: each graph's chunk of dataset.nq is
    read when it is needed, so loading never holds the whole dataset in memory, and each
    graph's digest says whether a store already holds it."""

    def __init__(self, nquads: Path, entries: dict[str, dict[str, object]]) -> None:
        self.path = nquads
        self._entries = entries
        self.graphs = sorted(entries)
        _require_graphs(self.graphs, nquads)

    @classmethod
    def read(cls, path: Path) -> BuiltDataset | None:
        """The build in `path` (a folder or its dataset.nq), if its manifest matches its dataset.nq."""
        nquads = dataset_file(path)
        try:
            with open(nquads.parent / "manifest.jsonl", encoding="utf-8") as f:
                head = json.loads(f.readline())
                if head.get("nquads_bytes") != nquads.stat().st_size:
                    return None
                entries = {}
                for line in f:
                    entry = json.loads(line)
                    entries[entry["graph"]] = {k: entry[k] for k in ("digest", "triples", "nquads")}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return cls(nquads, entries)

    def __len__(self) -> int:
        return sum(int(e["triples"]) for e in self._entries.values())  # type: ignore[call-overload]

    def triples(self, graph: str) -> list[ox.Triple]:
        where = self._entries[graph]["nquads"]
        assert isinstance(where, list)
        with open(self.path, "rb") as f:
            f.seek(int(where[0]))
            chunk = f.read(int(where[1]))
        return [q.triple for q in ox.parse(input=chunk, format=ox.RdfFormat.N_QUADS)]

    def ntriples(self, graph: str) -> list[bytes]:
        return _ntriples(self.triples(graph))

    def size(self, graph: str) -> int:
        return int(self._entries[graph]["triples"])  # type: ignore[call-overload]

    def digest(self, graph: str) -> str | None:
        return str(self._entries[graph]["digest"])

    def has_blank_nodes(self, graph: str) -> bool:
        return _has_blank_nodes(self.triples(graph))

    @property
    def prefix(self) -> str:
        return _graph_prefix(self.graphs)


AnyDataset = Dataset | BuiltDataset


def read_dataset(path: Path) -> AnyDataset:
    """A build output through its manifest when it has one that matches, else dataset.nq in memory."""
    return BuiltDataset.read(path) or Dataset(path)


def _require_graphs(graphs: list[str], nquads: Path) -> None:
    if not graphs:
        raise InputError("the dataset has no named graphs, so there is nothing to load",
                         path=str(nquads), hint="check `kg build` built some documents")


def _ntriples(triples: list[ox.Triple]) -> list[bytes]:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return sorted(data.splitlines())


def _has_blank_nodes(triples: list[ox.Triple]) -> bool:
    return any(isinstance(t, ox.BlankNode) for tr in triples for t in (tr.subject, tr.object))


def _graph_prefix(graphs: list[str]) -> str:
    for g in graphs:
        if g.endswith("/graph/links") or g.endswith("/graph/entities"):
            return g[: g.rindex("/") + 1]
    common = os.path.commonprefix(graphs)
    return common[: common.rfind("/") + 1]


def dataset_file(path: Path) -> Path:
    """OUT/dataset.nq for a build output folder, or the file itself."""
    nquads = path / "dataset.nq" if path.is_dir() else path
    if not nquads.is_file():
        raise InputError("no dataset.nq here", path=str(nquads),
                         hint="run `kg build` first, or give the build output folder")
    return nquads


def open_store(path: Path, *, read_only: bool = False) -> ox.Store:
    """Open (or create) the persistent store; a store another process writes fails clearly."""
    if read_only and not path.is_dir():
        raise InputError("no store here", path=str(path), hint="run `kg load` first")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise LockedError(f"{path}: another process has this store open for writing "
                              "(a `kg load` or a server); wait for it to finish, or use "
                              "another --store") from exc
        raise InputError(f"cannot open the store ({exc})", path=str(path),
                         hint="remove the folder and run `kg load` again") from exc


def store_graphs(store: ox.Store, prefix: str) -> list[str]:
    return sorted(g.value for g in store.named_graphs()
                  if isinstance(g, ox.NamedNode) and g.value.startswith(prefix))


def _replace_graph(store: ox.Store, graph: str, lines: list[bytes]) -> None:
    # One SPARQL Update is one transaction in Oxigraph: a reader sees the old graph or the
    # new one, never an empty or half-written one, even if this process dies mid-load.
    body = b"\n".join(lines).decode("utf-8")
    store.update(f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Triples per named graph, counted by the store itself."""
    counts: dict[str, int] = {}
    solutions = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        graph, n = row["g"], row["n"]
        if isinstance(graph, ox.NamedNode) and isinstance(n, ox.Literal):
            counts[graph.value] = int(n.value)
    return counts


def load_embedded(dataset: AnyDataset, path: Path, *, prune: bool = False, full: bool = False,
                  progress: Progress | None = None) -> LoadReport:
    """Load `dataset` into the persistent store at `path`, replacing each graph whole.

    A graph the store holds from its last verified load with the same digest (manifest.jsonl)
    is neither sent nor counted again, so reloading after an incremental build costs what
    changed; `full` sends and counts every graph. Every graph sent is counted in the store
    afterwards (a mismatch: exit 3, and nothing vouches for the store until a load verifies).
    """
    with locked(dataset.path.parent):  # no `kg build` may replace the dataset meanwhile
        return _load_embedded(dataset, path, prune=prune, full=full, progress=progress)


def _load_embedded(dataset: AnyDataset, path: Path, *, prune: bool, full: bool,
                   progress: Progress | None) -> LoadReport:
    store = open_store(path)
    report = LoadReport(str(path))
    held = {} if full else _held_digests(path)
    source = _dataset_stamp(dataset.path)
    # Until this load is verified, nothing beside the store may vouch for it: a load killed
    # half-way leaves neither the stamp `kg query` trusts nor the digests the next load trusts.
    _stamp(path).unlink(missing_ok=True)
    _digests_file(path).unlink(missing_ok=True)
    if len(store) == 0:
        # A new store: the bulk loader is ~10x faster than graph-by-graph transactions, and
        # with nothing to replace, an interrupted bulk load is simply loaded again.
        store.bulk_load(path=str(dataset.path), format=ox.RdfFormat.N_QUADS)
        send = list(dataset.graphs)
        if progress:
            progress(len(send), len(send))
    else:
        send = [g for g in dataset.graphs
                if dataset.digest(g) is None or held.get(g) != dataset.digest(g)]
        for n, graph in enumerate(send, start=1):
            _replace_graph(store, graph, dataset.ntriples(graph))
            if progress:
                progress(n, len(send))
        report.unchanged = len(dataset.graphs) - len(send)
    if len(send) > len(dataset.graphs) // 10:  # one pass over the store costs less
        sizes = graph_sizes(store)
    else:
        sizes = {g: _graph_size(store, g) for g in send}
    report.graphs = [GraphCount(g, dataset.size(g), sizes.get(g, 0)) for g in send]
    stale = sorted(set(store_graphs(store, dataset.prefix)) - set(dataset.graphs))
    if prune:
        for graph in stale:
            store.remove_graph(ox.NamedNode(graph))
        report.removed = stale
    else:
        report.stale = stale
    store.flush()
    # only a verified load of the dataset as it still is vouches for the store
    if not report.mismatches and _dataset_stamp(dataset.path) == source:
        _stamp(path).write_text(source)
        digests = {g: d for g in dataset.graphs if (d := dataset.digest(g)) is not None}
        _digests_file(path).write_text(json.dumps(digests, sort_keys=True, indent=0) + "\n")
    return report


def _graph_size(store: ox.Store, graph: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


LOADED_STAMP = "kg-loaded-from.txt"
LOADED_DIGESTS = "kg-loaded-graphs.json"
KEPT_BY_BUILD = (DEFAULT_STORE, f".{DEFAULT_STORE}.{LOADED_DIGESTS}")
"""What `kg build` carries over when it replaces OUT: the store and what it holds (not the
stamp of the dataset it was loaded from: after a build, that is stale until `kg load`)."""


def _stamp(store: Path) -> Path:
    return store.parent / f".{store.name}.{LOADED_STAMP}"


def _digests_file(store: Path) -> Path:
    """Beside the store: the digest of every graph the last verified load put in it."""
    return store.parent / f".{store.name}.{LOADED_DIGESTS}"


def _held_digests(store: Path) -> dict[str, str]:
    try:
        held = json.loads(_digests_file(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return held if isinstance(held, dict) else {}


def _dataset_stamp(nquads: Path) -> str:
    """Which dataset.nq a store was loaded from: its size and modification time."""
    st = nquads.stat()
    return f"{st.st_size} {st.st_mtime_ns}\n"


def verify_embedded(dataset: AnyDataset, path: Path) -> LoadReport:
    """Compare the store's triple count of every dataset graph with the dataset's, loading nothing."""
    store = open_store(path, read_only=True)
    report = LoadReport(str(path), action="checked")
    sizes = graph_sizes(store)
    report.graphs = [GraphCount(g, dataset.size(g), sizes.get(g, 0)) for g in dataset.graphs]
    report.stale = sorted(set(store_graphs(store, dataset.prefix)) - set(dataset.graphs))
    if report.mismatches:  # the store is not what the last load put there: trust none of it
        _digests_file(path).unlink(missing_ok=True)
        _stamp(path).unlink(missing_ok=True)
    return report


def query_store(out: Path, store: Path | None = None) -> ox.Store:
    """The store `kg query` reads: `store`, else OUT/store once loaded, else OUT/dataset.nq.

    The persistent store is opened read-only, so a query never waits for (or blocks) a load.
    """
    if store is not None:
        return open_store(store, read_only=True)
    default = out / DEFAULT_STORE if out.is_dir() else None
    if default is not None and default.is_dir():
        stamp = _stamp(default)
        nquads = out / "dataset.nq"
        if not nquads.is_file() or (stamp.is_file() and stamp.read_text() == _dataset_stamp(nquads)):
            return open_store(default, read_only=True)
        import sys

        # A store kept from before the latest build would answer with stale data: say so and
        # read the build itself. (The CLI is the only caller; this is its warning channel.)
        print(f"warning: {default} was not loaded from the current {nquads}; reading "
              f"{nquads} instead. Run `kg load {out}` to update the store.", file=sys.stderr)
    from kg.query import open_dataset

    return open_dataset(dataset_file(out))
