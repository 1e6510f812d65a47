"""The shapes accept the built seed and reject each kind of broken graph with a useful message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from conftest import run_cli
from kg.validate import validate_graph
from kg.vocab import CRM, KG, OA


@pytest.fixture(scope="module")
def seed_graph(seed_out: Path) -> Graph:
    (ttl,) = (seed_out / "documents").glob("*.ttl")
    return Graph().parse(ttl)


def test_built_seed_conforms(seed_graph: Graph) -> None:
    report = validate_graph(seed_graph)
    assert report.conforms, report.text()


def test_kg_validate_passes_built_output(seed_out: Path) -> None:
    code, out = run_cli("validate", str(seed_out))
    assert code == 0, out
    assert "1 of 1 graphs conform" in out


def _doc(g: Graph) -> URIRef:
    return next(s for s in g.subjects(RDF.type, KG.ArchiveRecord) if isinstance(s, URIRef))


def _drop(pred: URIRef) -> Callable[[Graph], None]:
    def change(g: Graph) -> None:
        g.remove((_doc(g), pred, None))
    return change


def _first(cls: URIRef) -> Callable[[Graph], URIRef]:
    return lambda g: sorted(s for s in g.subjects(RDF.type, cls))[0]


def _swap_timespan(g: Graph) -> None:
    ts = _first(CRM["E52_Time-Span"])(g)
    g.set((ts, CRM.P82a_begin_of_the_begin, Literal("1951-08-14T00:00:00", datatype=XSD.dateTime)))


def _unlabel(g: Graph) -> None:
    g.remove((_first(CRM.E21_Person)(g), RDFS.label, None))


def _empty_identifier(g: Graph) -> None:
    g.set((_first(CRM.E42_Identifier)(g), CRM.P190_has_symbolic_content, Literal("")))


def _untyped_identifier(g: Graph) -> None:
    g.remove((_first(CRM.E42_Identifier)(g), CRM.P2_has_type, None))


def _bodiless(g: Graph) -> None:
    g.remove((_first(OA.Annotation)(g), OA.hasBody, None))


def _selectorless(g: Graph) -> None:
    target = g.value(_first(OA.Annotation)(g), OA.hasTarget)
    g.remove((target, OA.hasSelector, None))


def _sourceless(g: Graph) -> None:
    target = g.value(_first(OA.Annotation)(g), OA.hasTarget)
    g.remove((target, OA.hasSource, None))


@pytest.mark.parametrize(("change", "focus_hint", "message_hint"), [
    (_drop(DCTERMS.title), "document", "dcterms:title"),
    (_drop(DCTERMS.date), "document", "date line"),
    (_drop(CRM.P94i_was_created_by), "document", "creation"),
    (_drop(KG.sender), "document", "sender"),
    (_drop(KG.addressee), "document", "addressee"),
    (_swap_timespan, "/time", "not after its end"),
    (_unlabel, "/person/", "rdfs:label"),
    (_empty_identifier, "/identifier/", "non-empty content"),
    (_untyped_identifier, "/identifier/", "type"),
    (_bodiless, "/annotation/", "body"),
    (_selectorless, "/annotation/", "selector"),
    (_sourceless, "/annotation/", "source"),
])
def test_each_shape_rejects_a_broken_graph(seed_graph: Graph, change: Callable[[Graph], None],
                                           focus_hint: str, message_hint: str) -> None:
    broken = Graph() + seed_graph
    change(broken)
    report = validate_graph(broken)
    assert not report.conforms
    text = report.text()
    assert focus_hint in text and message_hint in text, text


def test_kg_validate_exits_1_on_broken_file(seed_graph: Graph, tmp_path: Path) -> None:
    broken = Graph() + seed_graph
    _drop(DCTERMS.title)(broken)
    path = tmp_path / "broken.ttl"
    broken.serialize(path, format="turtle")
    code, out = run_cli("validate", str(path))
    assert code == 1
    assert "DOES NOT CONFORM" in out and "dcterms:title" in out
