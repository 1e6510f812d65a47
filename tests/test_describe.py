"""The VoID + DCAT description of a built dataset: counted from the data, deterministic, complete."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import graph_diff, to_isomorphic
from test_queries_corpus import corpus_out

from kg.describe import describe, describe_turtle

BASE = "https://example.org/kg/"
DS = URIRef(BASE + "dataset")
CRM = "http://www.cidoc-crm.org/cidoc-crm/"


def quads(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(path / "dataset.nq"), format=ox.RdfFormat.N_QUADS))


def value(g: Graph, s: URIRef, p: URIRef) -> object:
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0].toPython() if isinstance(values[0], Literal) else values[0]


def assert_isomorphic(a: Graph, b: Graph) -> None:
    iso_a, iso_b = to_isomorphic(a), to_isomorphic(b)
    if iso_a != iso_b:
        _, only_a, only_b = graph_diff(iso_a, iso_b)
        pytest.fail("graphs differ:\nonly in the first:\n" + only_a.serialize(format="nt")
                    + "only in the second:\n" + only_b.serialize(format="nt"))


def test_counts_come_from_the_data(seed_out: Path) -> None:
    g = describe(seed_out, BASE)
    data = quads(seed_out)
    assert (DS, ns.RDF.type, ns.VOID.Dataset) in g and (DS, ns.RDF.type, ns.DCAT.Dataset) in g
    assert value(g, DS, ns.VOID.triples) == len(data)
    assert value(g, DS, ns.VOID.documents) == 1
    assert value(g, DS, ns.VOID.distinctSubjects) == len({str(q.subject) for q in data})
    assert value(g, DS, ns.VOID.properties) == len({q.predicate for q in data})
    assert value(g, DS, ns.VOID.exampleResource) == URIRef(
        BASE + "document/000-ciphered-telegram-22834-mao-zedong-filippov-1951-08-13")
    persons = {q.subject for q in data if q.predicate.value == str(ns.RDF.type)
               and q.object.value == CRM + "E21_Person"}
    part = URIRef(f"{DS}/class/crm-E21_Person")
    assert (DS, ns.VOID.classPartition, part) in g and value(g, part, ns.VOID["class"]) == URIRef(CRM + "E21_Person")
    assert value(g, part, ns.VOID.entities) == len(persons) >= 7
    label_part = URIRef(f"{DS}/property/rdfs-label")
    assert value(g, label_part, ns.VOID.triples) == sum(1 for q in data if q.predicate.value == str(ns.RDFS.label))


def test_vocabularies_rights_period_and_dumps(seed_out: Path) -> None:
    g = describe(seed_out, BASE, download_url="https://data.example.org/kg/")
    vocabularies = {str(v) for v in g.objects(DS, ns.VOID.vocabulary)}
    assert {CRM, "https://w3id.org/kg-archive/ns#", "http://www.w3.org/ns/oa#",
            "http://purl.org/dc/terms/"} <= vocabularies
    assert "http://www.w3.org/2001/XMLSchema#" not in vocabularies
    # The seed's rights text, verbatim (whitespace normalised), as rights statement and licence.
    rights = {q.object.value for q in quads(seed_out) if q.predicate.value == str(ns.DCTERMS.rights)}
    [node] = g.objects(DS, ns.DCTERMS.rights)
    assert (DS, ns.DCTERMS.license, node) in g and (node, ns.RDF.type, ns.DCTERMS.LicenseDocument) in g
    assert str(value(g, node, ns.RDFS.label)) == " ".join(rights.pop().split())
    period = value(g, DS, ns.DCTERMS.temporal)
    assert str(value(g, period, ns.DCAT.startDate)) == str(value(g, period, ns.DCAT.endDate)) == "1951-08-13"
    dumps = {str(d) for d in g.objects(DS, ns.VOID.dataDump)}
    assert dumps == {"https://data.example.org/kg/dataset.nq", "https://data.example.org/kg/dataset.trig"}
    dist = URIRef(f"{DS}/distribution/dataset.nq")
    assert value(g, dist, ns.DCAT.byteSize) == (seed_out / "dataset.nq").stat().st_size
    assert value(g, dist, ns.DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/n-quads")
    assert not list(g.objects(DS, ns.VOID.sparqlEndpoint))


def test_sparql_endpoint_when_known(seed_out: Path) -> None:
    endpoint = "https://sparql.example.org/kg/query"
    g = describe(seed_out, BASE, sparql_endpoint=endpoint)
    assert value(g, DS, ns.VOID.sparqlEndpoint) == URIRef(endpoint)
    [service] = g.subjects(ns.RDF.type, ns.DCAT.DataService)
    assert value(g, service, ns.DCAT.endpointURL) == URIRef(endpoint)
    assert value(g, service, ns.DCAT.servesDataset) == DS


def test_wikidata_links_are_a_linkset(seed_out: Path) -> None:
    g = describe(seed_out, BASE)
    linksets = {value(g, ls, ns.VOID.linkPredicate): value(g, ls, ns.VOID.triples)
                for ls in g.subjects(ns.RDF.type, ns.VOID.Linkset)}
    links = {(str(q.subject), str(q.object)) for q in quads(seed_out)
             if q.predicate.value == str(ns.OWL.sameAs)}
    assert linksets[ns.OWL.sameAs] == len(links) >= 5  # Mao, Stalin, Molotov, Beria, Bulganin


def test_deterministic_and_valid_turtle(seed_out: Path) -> None:
    first = describe_turtle(seed_out, BASE)
    assert first == describe_turtle(seed_out, BASE)
    parsed = Graph().parse(data=first.decode(), format="turtle")
    assert_isomorphic(parsed, describe(seed_out, BASE))
    assert not any(isinstance(t, BNode) for triple in parsed for t in triple), "no blank nodes"


def test_corpus_rights_are_distinct_full_texts() -> None:
    """The CSV export cuts rights text short; only whole, distinct statements are kept."""
    g = describe(corpus_out(), BASE)
    texts = [str(value(g, node, ns.RDFS.label)) for node in g.objects(DS, ns.DCTERMS.rights)]
    assert texts and all("History and Public Policy Program" in t for t in texts)
    assert not any(a != b and b.startswith(a) for a in texts for b in texts), "no truncated copies"
    period = value(g, DS, ns.DCTERMS.temporal)
    start, end = value(g, period, ns.DCAT.startDate), value(g, period, ns.DCAT.endDate)
    assert str(start) <= "1951-08-13" <= str(end)
    records = {q.subject for q in quads(corpus_out()) if q.object.value.endswith("#ArchiveRecord")}
    assert value(g, DS, ns.VOID.documents) == len(records)
    assert Literal(value(g, DS, ns.VOID.triples), datatype=ns.XSD.integer) in g.objects(DS, ns.VOID.triples)


@pytest.mark.parametrize("which", ["seed", "corpus"])
def test_counts_kept_while_building_agree_with_counting_the_file(which: str, seed_out: Path) -> None:
    """kg build adds up each graph's counts as it writes it (never the whole dataset in memory);
    counting dataset.nq afterwards in one pass must give the same description."""
    out = seed_out if which == "seed" else corpus_out()
    built = Graph().parse(out / "void.ttl", format="turtle")
    assert_isomorphic(built, describe(out, BASE))
    assert value(built, DS, ns.VOID.triples) == len(quads(out))
