"""Describe a built dataset in VoID and DCAT: what it holds, under which terms, where to get it.

Harvesters (data catalogues, the LOD cloud, a library's discovery layer) read this
description instead of the data: its size, its classes and properties, the vocabularies it
uses, the rights the archive states on its documents, the dumps to download and the SPARQL
endpoint to query. Everything is computed from `dataset.nq` itself, so the description can
never disagree with the data it describes; IRIs are minted under the dataset's own IRI and
nothing depends on the clock, so the same dataset always gets the same description.

Counts follow `kg load`: `void:triples` is the number of quads in the dataset (the document
graphs, graph/entities and graph/links), as a store holds them.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

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


def describe(dataset: Path, base: str, *, title: str = DEFAULT_TITLE,
             description: str | None = None, download_url: str | None = None,
             sparql_endpoint: str | None = None, dataset_iri: str | None = None) -> Graph:
    """The VoID + DCAT description of the dataset in `dataset` (a build output or dataset.nq).

    `download_url` is where the dumps will be published (default: `base`); the dumps listed
    are the files that exist beside dataset.nq. `sparql_endpoint` adds a void:sparqlEndpoint
    and a dcat:DataService.
    """
    nquads = dataset_file(dataset)
    # One streaming pass over the quads; the per-document facts are resolved afterwards.
    rdf_type, rights_p, date_p = str(RDF.type), str(DCTERMS.rights), str(DCTERMS.date)
    link_props = {str(OWL.sameAs), LA_EQUIVALENT}
    total = 0
    subjects: set[str] = set()
    objects: set[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = set()
    properties: Counter[str] = Counter()
    typed: dict[str, set[str]] = {}
    stated: dict[str, list[tuple[str, str]]] = {rights_p: [], date_p: []}
    links: dict[str, set[tuple[str, str]]] = {p: set() for p in link_props}
    for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        total += 1
        subject, predicate, obj = str(q.subject), q.predicate.value, q.object
        subjects.add(subject)
        objects.add(obj)
        properties[predicate] += 1
        if predicate == rdf_type and isinstance(obj, ox.NamedNode):
            typed.setdefault(obj.value, set()).add(subject)
        elif predicate in stated and isinstance(obj, ox.Literal):
            stated[predicate].append((subject, obj.value))
        elif predicate in link_props and isinstance(obj, ox.NamedNode) \
                and obj.value.startswith(WIKIDATA_ENTITY):
            links[predicate].add((subject, obj.value))
    records = typed.get(str(KG.ArchiveRecord), set())
    documents = sorted(s[1:-1] for s in records if s.startswith("<"))
    rights = _distinct_texts(v for s, v in stated[rights_p] if s in records)
    dates = sorted(v for s, v in stated[date_p] if s in records)
    minted = sum(1 for s in subjects if s.startswith("<" + base))

    ds = URIRef(dataset_iri or base + "dataset")
    g = Graph()
    for prefix in ("void", "dcat", "dcterms", "rdfs", "xsd", "owl"):
        g.bind(prefix, {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "rdfs": RDFS,
                        "xsd": XSD, "owl": OWL}[prefix])
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        description or f"{len(documents)} archival documents (their senders, addressees, "
                       "copy recipients, relayed and referred-to messages, places, "
                       "organisations, code names and every mention, each anchored in the "
                       "source text) mapped to CIDOC CRM, one named graph per document.",
        lang="en")))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.triples, _int(total)))
    g.add((ds, VOID.entities, _int(minted)))
    g.add((ds, VOID.distinctSubjects, _int(len(subjects))))
    g.add((ds, VOID.distinctObjects, _int(len(objects))))
    g.add((ds, VOID.properties, _int(len(properties))))
    g.add((ds, VOID.classes, _int(len(typed))))
    g.add((ds, VOID.documents, _int(len(documents))))
    if documents:
        g.add((ds, VOID.exampleResource, URIRef(documents[0])))
    g.add((ds, DCTERMS.conformsTo, URIRef(PREFIXES["crm"])))

    for ns in sorted(_vocabularies(set(properties) | set(typed))):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for cls, members in sorted(typed.items()):
        part = URIRef(f"{ds}/class/{_slug(cls)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _int(len(members))))
    for prop, n in sorted(properties.items()):
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

    if dates:
        period = URIRef(f"{ds}/period")
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, _date(dates[0])))
        g.add((period, DCAT.endDate, _date(dates[-1])))

    folder = nquads.parent
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

    for prop in sorted(link_props):
        if not links[prop]:
            continue
        linkset = URIRef(f"{ds}/links/{_slug(prop)}")
        g.add((ds, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.linkPredicate, URIRef(prop)))
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, WIKIDATA))
        g.add((linkset, VOID.triples, _int(len(links[prop]))))
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
    """The description as deterministic Turtle (what `kg build` writes to OUT/void.ttl)."""
    from kg.export import sorted_triples

    graph = describe(dataset, base, **options)  # type: ignore[arg-type]
    prefixes = {**PREFIXES, "void": str(VOID), "dcat": str(DCAT)}
    return ox.serialize(sorted_triples(graph), format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


__all__: Sequence[str] = ("describe", "describe_turtle")
