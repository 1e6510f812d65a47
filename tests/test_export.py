"""Output formats agree with each other, are deterministic, and are written whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import rdflib
from pyld import jsonld
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import ROOT


def _assert_iso(a: rdflib.Graph, b: rdflib.Graph) -> None:
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        raise AssertionError("graphs differ:\nonly in first:\n"
                             + only_a.serialize(format="nt") + "\nonly in second:\n"
                             + only_b.serialize(format="nt"))


def test_jsonld_equals_turtle_in_rdflib(seed_out: Path) -> None:
    for ttl in (seed_out / "documents").glob("*.ttl"):
        _assert_iso(rdflib.Graph().parse(ttl, format="turtle"),
                    rdflib.Graph().parse(ttl.with_suffix(".jsonld"), format="json-ld"))


def test_jsonld_equals_turtle_in_pyld(seed_out: Path) -> None:
    def no_network(url: str, options: dict) -> None:
        raise AssertionError(f"JSON-LD processing tried to fetch {url}")

    for ttl in (seed_out / "documents").glob("*.ttl"):
        doc = json.loads(ttl.with_suffix(".jsonld").read_text(encoding="utf-8"))
        assert isinstance(doc["@context"], dict), "context must be inlined, never fetched"
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_network})
        _assert_iso(rdflib.Graph().parse(ttl, format="turtle"),
                    rdflib.Graph().parse(data=nquads, format="nt"))


def test_dataset_nq_trig_and_documents_agree(seed_out: Path) -> None:
    nq = rdflib.Dataset()
    nq.parse(seed_out / "dataset.nq", format="nquads")
    trig = rdflib.Dataset()
    trig.parse(seed_out / "dataset.trig", format="trig")
    for g in nq.graphs():
        if len(g):
            _assert_iso(rdflib.Graph() + g, rdflib.Graph() + trig.graph(g.identifier))
    (ttl,) = (seed_out / "documents").glob("*.ttl")
    doc_graphs = [g for g in nq.graphs() if str(g.identifier).endswith(ttl.stem)]
    assert len(doc_graphs) == 1
    # documents/KEY.ttl is self-contained: the document's graph and the descriptions of the
    # entities it names, which dataset.nq holds once, in graph/entities (here: one document, so
    # all of graph/entities but the graph's own provenance).
    (entities,) = [g for g in nq.graphs() if str(g.identifier).endswith("/graph/entities")]
    described = rdflib.Graph() + entities
    described.remove((entities.identifier, None, None))
    assert len(described) > 50 and not set(described) & set(doc_graphs[0])
    _assert_iso(rdflib.Graph() + doc_graphs[0] + described, rdflib.Graph().parse(ttl))


def _build(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-m", "kg.cli", "build", str(ROOT / "data"), "-o", str(out),
                    "--quiet"], check=True, env=env, cwd=out.parent, capture_output=True)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    _build(tmp_path / "a", "1")
    _build(tmp_path / "b", "2")
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []


def test_output_folder_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("from an older build")
    _build(out, "0")
    assert not (out / "stale.txt").exists()
    assert (out / "dataset.nq").stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] in ([], [".out.lock"])
