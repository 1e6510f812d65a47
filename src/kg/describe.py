"""Describe a built dataset in VoID and DCAT: what it holds, under which terms, where to get it.

Harvesters (data catalogues, the LOD cloud, a library's discovery layer) read this
description instead of the data: its size, its classes and properties, the vocabularies it
uses, the rights the archive states on its documents, the dumps to download and the SPARQL
endpoint to query. Everything is counted from the data: `kg build` counts each graph where
it is made (`GraphStats`, kept in manifest.jsonl for incremental builds) and adds the counts
up (`StatsCollector`), so the description never needs the whole dataset in memory;
`describe` counts a dataset.nq in one pass, and a test holds the two equal. IRIs are minted
under the dataset's own IRI and nothing depends on the clock, so the same dataset always gets
the same description. void:distinctObjects is not given: counting it would need every
object of the dataset (every text) in memory at once.

Counts follow `kg load`: `void:triples` is the number of quads in the dataset (the document
graphs, graph/entities and graph/links), as a store holds them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID
from rdflib.term import Node

from kg.store import dataset_file
from kg.vocab import PREFIXES

LA_EQUIVALENT = "https://linked.art/ns/terms/equivalent"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
WIKIDATA = URIRef("https://www.wikidata.org/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
KG = Namespace(PREFIXES["kg"])
DUMPS = {  # file in the build output -> IANA media type
    "dataset.nq": "application/n-quads",
    "dataset.trig": "application/trig",
}
NOT_VOCABULARIES = {PREFIXES["xsd"], PREFIXES["wd"]}  # datatypes and data, not vocabularies
DEFAULT_TITLE = "Archival documents as a CIDOC CRM knowledge graph"
LINK_PROPERTIES = (LA_EQUIVALENT, str(OWL.sameAs))
RDF_TYPE, RIGHTS, DATE = str(RDF.type), str(DCTERMS.rights), str(DCTERMS.date)


@dataclass
class Stats:
    """What the description says of the data: counts over the whole dataset."""

    triples: int = 0
    subjects: int = 0  # distinct subjects
    minted: int = 0  # distinct subjects under the base IRI
    properties: Counter[str] = field(default_factory=Counter)  # predicate -> triples
    classes: Counter[str] = field(default_factory=Counter)  # class -> distinct subjects
    documents: int = 0  # archive records
    example: str | None = None  # the first archive record's IRI
    rights: set[str] = field(default_factory=set)  # the records' rights texts
    dates: tuple[str, str] | None = None  # the records' first and last date
    links: Counter[str] = field(default_factory=Counter)  # link predicate -> (s, o) pairs


def stats_of_file(dataset: Path, base: str) -> Stats:
    """Count everything in one streaming pass over a dataset.nq (any dataset, not only kg's)."""
    nquads = dataset_file(dataset)
    rdf_type, rights_p, date_p = RDF_TYPE, RIGHTS, DATE
    stats = Stats()
    subjects: set[str] = set()
    typed: dict[str, set[str]] = {}
    stated: dict[str, list[tuple[str, str]]] = {rights_p: [], date_p: []}
    links: dict[str, set[tuple[str, str]]] = {p: set() for p in LINK_PROPERTIES}
    for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        stats.triples += 1
        subject, predicate, obj = q.subject.value, q.predicate.value, q.object
        subjects.add(subject)
        stats.properties[predicate] += 1
        if predicate == rdf_type and isinstance(obj, ox.NamedNode):
            typed.setdefault(obj.value, set()).add(subject)
        elif predicate in stated and isinstance(obj, ox.Literal):
            stated[predicate].append((subject, obj.value))
        elif predicate in links and isinstance(obj, ox.NamedNode) \
                and obj.value.startswith(WIKIDATA_ENTITY):
            links[predicate].add((subject, obj.value))
    records = typed.get(str(KG.ArchiveRecord), set())
    stats.subjects = len(subjects)
    stats.minted = sum(1 for s in subjects if s.startswith(base))
    stats.classes = Counter({c: len(members) for c, members in typed.items()})
    stats.documents = len(records)
    stats.example = min(records) if records else None
    stats.rights = {v for s, v in stated[rights_p] if s in records}
    dates = [v for s, v in stated[date_p] if s in records]
    stats.dates = (min(dates), max(dates)) if dates else None
    stats.links = Counter({p: len(pairs) for p, pairs in links.items() if pairs})
    return stats


class GraphStats:
    """What one graph adds to `Stats`, counted where the graph is made (in a build worker).

    Subjects in the graph's own `scope` (a document's IRI and its graph's, and the IRIs under
    them) are in no other graph, so they are counted here; every other subject (entities, their
    names) is listed, for the dataset to count once. Kept in manifest.jsonl, so an incremental
    build need not read the data again.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def of(cls, statements: Iterable[tuple[Node, Node, Node]], scope: tuple[str, ...],
           base: str) -> GraphStats:
        triples = scoped = minted = 0
        own_subjects: set[str] = set()
        properties: Counter[str] = Counter()
        classes: Counter[str] = Counter()
        shared: set[tuple[str, str]] = set()  # (subject, class or "")
        records: set[str] = set()
        stated: dict[str, list[tuple[str, str]]] = {"rights": [], "dates": []}
        links: set[tuple[str, str, str]] = set()
        inside = tuple(f"{iri}/" for iri in scope)
        for s, p, o in statements:
            triples += 1
            subject, predicate = str(s), str(p)
            properties[predicate] += 1
            local = subject in scope or subject.startswith(inside)
            if local:
                own_subjects.add(subject)
            else:
                shared.add((subject, ""))
            if predicate == RDF_TYPE and isinstance(o, URIRef):
                if local:
                    classes[str(o)] += 1  # one rdf:type triple per (subject, class)
                else:
                    shared.add((subject, str(o)))
                if o == KG.ArchiveRecord:
                    records.add(subject)
            elif isinstance(o, Literal) and predicate in (RIGHTS, DATE):
                stated["rights" if predicate == RIGHTS else "dates"].append((subject, str(o)))
            elif predicate in LINK_PROPERTIES and isinstance(o, URIRef) \
                    and str(o).startswith(WIKIDATA_ENTITY):
                links.add((predicate, subject, str(o)))
        scoped = len(own_subjects)
        minted = sum(1 for x in own_subjects if x.startswith(base))
        return cls({
            "triples": triples, "subjects": scoped, "minted": minted,
            "properties": _compact_keys(properties), "classes": _compact_keys(classes),
            "shared": sorted([_compact(s), _compact(c) if c else ""] for s, c in shared),
            "records": sorted(records),
            "rights": sorted({v for s, v in stated["rights"] if s in records}),
            "dates": sorted({v for s, v in stated["dates"] if s in records}),
            "links": sorted([_compact(p), s, o] for p, s, o in links)})

    def json(self) -> str:
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class StatsCollector:
    """Adds up the `GraphStats` of every graph of a dataset into its `Stats`, in any order."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stats = Stats()
        self._shared: set[tuple[str, str]] = set()
        self._links: set[tuple[str, str, str]] = set()
        self._dates: list[str] = []

    def add(self, graph: GraphStats) -> None:
        d, st = graph.data, self.stats
        st.triples += d["triples"]
        st.subjects += d["subjects"]
        st.minted += d["minted"]
        for key, n in d["properties"].items():
            st.properties[_expand(key)] += n
        for key, n in d["classes"].items():
            st.classes[_expand(key)] += n
        self._shared.update((_expand(s), _expand(c) if c else "") for s, c in d["shared"])
        if d["records"]:
            st.documents += len(d["records"])
            first = min(d["records"])
            st.example = first if st.example is None else min(st.example, first)
        st.rights.update(d["rights"])
        self._dates.extend(d["dates"][:1] + d["dates"][-1:])
        self._links.update((_expand(p), s, o) for p, s, o in d["links"])

    def result(self) -> Stats:
        st = self.stats
        subjects = {s for s, _ in self._shared}
        st.subjects += len(subjects)
        st.minted += sum(1 for s in subjects if s.startswith(self.base))
        for _, cls in self._shared:
            if cls:
                st.classes[cls] += 1
        st.dates = (min(self._dates), max(self._dates)) if self._dates else None
        st.links = Counter(p for p, _, _ in self._links)
        return st


def _compact_keys(counts: Counter[str]) -> dict[str, int]:
    return {_compact(k): n for k, n in counts.items()}


_NAMESPACES = sorted(((p, ns) for p, ns in PREFIXES.items()), key=lambda kv: -len(kv[1]))


def _compact(iri: str) -> str:
    """A CURIE for an IRI in a known namespace (manifest.jsonl stays small), else the IRI in <>."""
    for prefix, ns in _NAMESPACES:
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _expand(term: str) -> str:
    if term.startswith("<"):
        return term[1:-1]
    prefix, _, local = term.partition(":")
    return PREFIXES[prefix] + local


def describe(dataset: Path, base: str, **options: str | None) -> Graph:
    """The VoID + DCAT description of the dataset in `dataset` (a build output or dataset.nq),
    counted from the file itself (what `kg build` counts as it goes must agree: tested)."""
    return describe_stats(stats_of_file(dataset, base), dataset_file(dataset).parent, base,
                          **options)  # type: ignore[arg-type]


def describe_stats(stats: Stats, folder: Path, base: str, *, title: str = DEFAULT_TITLE,
                   description: str | None = None, download_url: str | None = None,
                   sparql_endpoint: str | None = None, dataset_iri: str | None = None) -> Graph:
    """The VoID + DCAT description of a dataset with these counts, its dumps in `folder`.

    `download_url` is where the dumps will be published (default: `base`); the dumps listed
    are the files that exist in `folder`. `sparql_endpoint` adds a void:sparqlEndpoint
    and a dcat:DataService.
    """
    rights = _distinct_texts(stats.rights)
    ds = URIRef(dataset_iri or base + "dataset")
    g = Graph()
    for prefix in ("void", "dcat", "dcterms", "rdfs", "xsd", "owl"):
        g.bind(prefix, {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "rdfs": RDFS,
                        "xsd": XSD, "owl": OWL}[prefix])
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        description or f"{stats.documents} archival documents (their senders, addressees, "
                       "copy recipients, relayed and referred-to messages, places, "
                       "organisations, code names and every mention, each anchored in the "
                       "source text) mapped to CIDOC CRM, one named graph per document.",
        lang="en")))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.triples, _int(stats.triples)))
    g.add((ds, VOID.entities, _int(stats.minted)))
    g.add((ds, VOID.distinctSubjects, _int(stats.subjects)))
    g.add((ds, VOID.properties, _int(len(stats.properties))))
    g.add((ds, VOID.classes, _int(len(stats.classes))))
    g.add((ds, VOID.documents, _int(stats.documents)))
    if stats.example:
        g.add((ds, VOID.exampleResource, URIRef(stats.example)))
    g.add((ds, DCTERMS.conformsTo, URIRef(PREFIXES["crm"])))

    for ns in sorted(_vocabularies(set(stats.properties) | set(stats.classes))):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for cls, members in sorted(stats.classes.items()):
        part = URIRef(f"{ds}/class/{_slug(cls)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _int(members)))
    for prop, n in sorted(stats.properties.items()):
        part = URIRef(f"{ds}/property/{_slug(prop)}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, _int(n)))

    for i, text in enumerate(rights, start=1):
        # The archive's own words are the terms of reuse: kept verbatim, as both the
        # rights statement and the licence document DCAT harvesters look for.
        node = URIRef(f"{ds}/rights/{i}")
        g.add((ds, DCTERMS.rights, node))
        g.add((ds, DCTERMS.license, node))
        g.add((node, RDF.type, DCTERMS.RightsStatement))
        g.add((node, RDF.type, DCTERMS.LicenseDocument))
        g.add((node, RDFS.label, Literal(text)))

    if stats.dates:
        period = URIRef(f"{ds}/period")
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, _date(stats.dates[0])))
        g.add((period, DCAT.endDate, _date(stats.dates[1])))

    for name, media in DUMPS.items():
        path = folder / name
        if not path.is_file():
            continue
        url = URIRef((download_url or base).rstrip("/") + "/" + name)
        dist = URIRef(f"{ds}/distribution/{name}")
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((dist, DCTERMS["format"], Literal(media)))
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        if rights:
            g.add((dist, DCTERMS.license, URIRef(f"{ds}/rights/1")))

    if sparql_endpoint:
        service = URIRef(f"{ds}/sparql")
        g.add((ds, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
        g.add((service, RDF.type, DCAT.DataService))
        g.add((service, DCAT.endpointURL, URIRef(sparql_endpoint)))
        g.add((service, DCAT.servesDataset, ds))
        g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
        dist = URIRef(f"{ds}/distribution/sparql")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, URIRef(sparql_endpoint)))
        g.add((dist, DCAT.accessService, service))

    for prop in sorted(LINK_PROPERTIES):
        if not stats.links[prop]:
            continue
        linkset = URIRef(f"{ds}/links/{_slug(prop)}")
        g.add((ds, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.linkPredicate, URIRef(prop)))
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, WIKIDATA))
        g.add((linkset, VOID.triples, _int(stats.links[prop])))
    if any(o.startswith(f"{ds}/links/") for o in map(str, g.objects(ds, VOID.subset))):
        g.add((WIKIDATA, RDF.type, VOID.Dataset))
        g.add((WIKIDATA, DCTERMS.title, Literal("Wikidata", lang="en")))
        g.add((WIKIDATA, VOID.uriSpace, Literal(WIKIDATA_ENTITY)))
    return g


def _distinct_texts(texts: Iterable[str]) -> list[str]:
    """Distinct texts, whitespace normalised, without copies cut short (a CSV export's cells)."""
    kept: list[str] = []
    for text in sorted({" ".join(t.split()) for t in texts}, key=lambda t: (-len(t), t)):
        if text and not any(k.startswith(text) for k in kept):
            kept.append(text)
    return sorted(kept)


def _vocabularies(terms: set[str]) -> set[str]:
    known = sorted(set(PREFIXES.values()), key=len, reverse=True)
    found = set()
    for term in terms:
        ns = next((k for k in known if term.startswith(k)), None)
        if ns is None:
            cut = max(term.rfind("#"), term.rfind("/"))
            ns = term[: cut + 1]
        if ns not in NOT_VOCABULARIES:
            found.add(ns)
    return found


def _slug(iri: str) -> str:
    """A readable, collision-free path segment for a class or property IRI."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: len(kv[1]), reverse=True):
        local = iri[len(ns):]
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            return f"{prefix}-{local}"
    return hashlib.sha1(iri.encode("utf-8")).hexdigest()[:16]


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _date(value: str) -> Literal:
    """A written date as the XSD type its precision gives (1951, 1951-08, 1951-08-13)."""
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return Literal(value, datatype=datatype)


def describe_turtle(dataset: Path, base: str, **options: str | None) -> bytes:
    """The description of a dataset.nq as deterministic Turtle."""
    return description_turtle(describe(dataset, base, **options))


def description_turtle(graph: Graph) -> bytes:
    """A description as deterministic Turtle (what `kg build` writes to OUT/void.ttl)."""
    from kg.export import sorted_triples

    prefixes = {**PREFIXES, "void": str(VOID), "dcat": str(DCAT)}
    return ox.serialize(sorted_triples(graph), format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


__all__: Sequence[str] = ("GraphStats", "Stats", "StatsCollector", "describe", "describe_stats",
                          "describe_turtle", "description_turtle", "stats_of_file")
