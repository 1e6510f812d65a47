"""A small Wikidata-shaped graph for reconciliation tests: the verified table plus decoys.

Real items come only from ../shared/reference/wikidata-qids.tsv (never a QID from memory):
`<http://www.wikidata.org/entity/Q..> rdfs:label "name"@en`, `wdt:P31 wd:Q5` for persons with
birth (P569) and death (P570) from the table. Places and organisations get a class item of the
fixture's own (Wikidata's real class QIDs are not in the verified table), Kaesong its
coordinates from the table's evidence.

Decoys carry obviously fake QIDs in the reserved range Q999000001.. (classes Q9990001xx), so
none can ever be mistaken for a real item. Each says which kg entity it tries to fool, what kg
must do with it (`excluded`, `review` or `outranked`) and a phrase the reason must contain.

    with wikidata_endpoint() as server:  # a real Oxigraph server on 127.0.0.1
        server.query_url
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import SHARED  # noqa: E402
from servers import OxigraphServer, http_request  # noqa: E402

VERIFIED_TABLE = SHARED / "reference" / "wikidata-qids.tsv"
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
FAKE_RANGE = range(999000001, 999000200)  # every QID the fixture invents lies here
PLACE_CLASS, ORGANISATION_CLASS, EVENT_CLASS = "Q999000100", "Q999000101", "Q999000102"
CLASS_OF_KIND = {"place": PLACE_CLASS, "organisation": ORGANISATION_CLASS, "event": EVENT_CLASS}
# Evidence column of the table: 'Who's On First gazetteer (locality Kaesong, ... 37.97N 126.55E)'.
COORDINATES = {"Q109079": "Point(126.55 37.97)"}


@dataclass(frozen=True)
class Verified:
    name: str
    qid: str
    kind: str
    born: str
    died: str


@dataclass(frozen=True)
class Decoy:
    qid: str
    labels: tuple[tuple[str, str, str], ...]  # (text, language, 'label' or 'alias')
    kind: str  # person, place, organisation
    fools: str  # the kg entity key it tries to be taken for
    expected: str  # excluded | review | outranked
    reason: str  # a phrase kg's reason must contain
    born: str = ""
    died: str = ""
    inception: str = ""


DECOYS = (
    Decoy("Q999000001", (("Mao Zedong", "en", "label"),), "person", "mao-zedong", "excluded",
          "born 1990-05-01, after the earliest document", born="1990-05-01"),
    Decoy("Q999000002", (("Joseph Stalin", "en", "label"),), "person", "joseph-stalin",
          "excluded", "years before the earliest document", born="1750-01-01",
          died="1801-03-01"),
    Decoy("Q999000003", (("Beijing", "en", "label"),), "person", "beijing", "excluded",
          "instance of human (Q5): kg names a place"),
    Decoy("Q999000004", (("Molotov", "en", "label"),), "place", "vyacheslav-molotov",
          "excluded", "not human (Q5)"),
    Decoy("Q999000005", (("Ким Ир Сен", "ru", "label"),), "person", "kim-il-sung", "excluded",
          "born 1985-01-01, after the earliest document", born="1985-01-01"),
    Decoy("Q999000006", (("Vyacheslav Molotov", "en", "label"),), "person",
          "vyacheslav-molotov", "review", "ambiguous"),
    Decoy("Q999000007", (("Lavrentiy Beria", "en", "label"),), "person", "lavrentiy-beria",
          "outranked", "before the earliest document naming it", born="1880-01-01",
          died="1930-06-01"),
    Decoy("Q999000008", (("Communist Party of China", "en", "label"),), "organisation", "cpc",
          "excluded", "inception 2005-01-01, after the earliest document",
          inception="2005-01-01"),
)


def read_verified(path: Path = VERIFIED_TABLE) -> list[Verified]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Verified(r["name"], r["qid"], r["kind"], r["born"], r["died"]) for r in rows]


def _when(day: str) -> Literal:
    return Literal(f"{day}T00:00:00Z", datatype=XSD.dateTime)


def fixture_graph(table: list[Verified] | None = None) -> Graph:
    """The Wikidata-shaped fixture: verified items, fixture classes and the decoys."""
    g = Graph()
    g.bind("wd", WD)
    g.bind("wdt", WDT)
    g.add((WD.Q5, RDFS.label, Literal("human", lang="en")))
    for kind, qid in CLASS_OF_KIND.items():
        g.add((WD[qid], RDFS.label, Literal(f"fixture class: {kind} (not a real item)", lang="en")))
    for row in table if table is not None else read_verified():
        item = WD[row.qid]
        g.add((item, RDFS.label, Literal(row.name, lang="en")))
        g.add((item, WDT.P31, WD.Q5 if row.kind == "person" else WD[CLASS_OF_KIND[row.kind]]))
        if row.born:
            g.add((item, WDT.P569, _when(row.born)))
        if row.died:
            g.add((item, WDT.P570, _when(row.died)))
        if row.qid in COORDINATES:
            g.add((item, WDT.P625, Literal(COORDINATES[row.qid], datatype=GEO.wktLiteral)))
    for decoy in DECOYS:
        assert int(decoy.qid[1:]) in FAKE_RANGE, decoy
        item = WD[decoy.qid]
        for text, lang, where in decoy.labels:
            g.add((item, RDFS.label if where == "label" else SKOS.altLabel, Literal(text, lang=lang)))
        g.add((item, WDT.P31, WD.Q5 if decoy.kind == "person" else WD[CLASS_OF_KIND[decoy.kind]]))
        for prop, day in ((WDT.P569, decoy.born), (WDT.P570, decoy.died),
                          (WDT.P571, decoy.inception)):
            if day:
                g.add((item, prop, _when(day)))
    return g


def fixture_qids(graph: Graph) -> set[str]:
    return {str(s).rsplit("/", 1)[1] for s in graph.subjects(RDF.type | RDFS.label, None)
            if str(s).startswith(str(WD))}


def load(server: OxigraphServer, graph: Graph) -> None:
    """Put the graph in the server's default graph (Graph Store Protocol)."""
    resp = http_request("PUT", server.graph_url(None), data=graph.serialize(format="nt"),
                        headers={"Content-Type": "application/n-triples"})
    assert resp.status in (200, 201, 204), (resp.status, resp.text)


@contextmanager
def wikidata_endpoint(location: Path | None = None) -> Iterator[OxigraphServer]:
    """A real Oxigraph server on loopback holding the fixture; stopped on exit."""
    with OxigraphServer(location) as server:
        load(server, fixture_graph())
        yield server
