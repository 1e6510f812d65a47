"""Map a parsed document to RDF: CIDOC CRM 7.1.3, Dublin Core terms, Web Annotation, PROV-O.

One named graph per document, deterministic IRIs under the configured base (no blank
nodes), shortcut properties (kg:sender, kg:addressee ...) beside the full CRM paths.
The pattern follows ../shared/reference/modelling.md; docs/architecture.md has a diagram.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV

from kg import __version__
from kg.authority import slug
from kg.model import Document, Entity, Identifier, Mention, Message, Party, WrittenDate
from kg.vocab import CRM, KG, LA, OA, PREFIXES, WD

TIMESPAN = CRM["E52_Time-Span"]
HAS_TIMESPAN = CRM["P4_has_time-span"]
IN_ROLE = CRM["P14.1_in_the_role_of"]
ENTITY_CLASS = {"person": CRM.E21_Person, "place": CRM.E53_Place, "organisation": CRM.E74_Group}
ENTITY_PATH = {"person": "person", "place": "place", "organisation": "group"}
ID_TYPE = {"telegram-number": KG.TelegramNumber, "outgoing-number": KG.OutgoingNumber,
           "record-id": KG.RecordID, "reference-number": KG.ReferenceNumber}
CORRESPONDENCE = {"ciphered telegram", "telegram", "cable", "letter", "note", "telephone message",
                  "message"}
SOFTWARE = URIRef(f"https://w3id.org/kg-archive/software/kg/{__version__}")


def iri_part(text: str) -> str:
    """Percent-encode a key so any name yields a valid, distinct IRI segment."""
    return quote(text, safe="-._~")


class Minter:
    """Mint the IRIs of one dataset from stable keys."""

    def __init__(self, base: str) -> None:
        self.base = base

    def document(self, key: str) -> URIRef:
        return URIRef(f"{self.base}document/{iri_part(key)}")

    def graph(self, key: str) -> URIRef:
        return URIRef(f"{self.base}graph/{iri_part(key)}")

    def entity(self, entity: Entity) -> URIRef:
        return URIRef(f"{self.base}{ENTITY_PATH[entity.kind]}/{iri_part(entity.key)}")

    def links_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/links")

    def entities_graph(self) -> URIRef:
        return URIRef(f"{self.base}graph/entities")


def bind_prefixes(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)


def map_document(doc: Document, minter: Minter) -> Graph:
    """The document's graph with the descriptions of the entities it names: self-contained,
    as in documents/KEY.ttl (identifier = minter.graph(doc.key))."""
    own, entities = map_document_parts(doc, minter)
    for triple in describe_entities(entities, minter):
        own.add(triple)
    return own


def map_document_parts(doc: Document, minter: Minter) -> tuple[Graph, tuple[Entity, ...]]:
    """The document's own named graph (as in dataset.nq) and the entities it names.

    What the document says is in its graph; what is known of a person, place or group whatever
    the document (label, names, code names, Wikidata link) is described once per dataset, in
    graph/entities (`describe_entities`), so a query joining labels across documents reads
    each label once, however many documents name the entity.
    """
    g = Graph(identifier=minter.graph(doc.key))
    bind_prefixes(g)
    mapper = DocumentMapper(doc, minter, g)
    mapper.run()
    return g, tuple(sorted(mapper.entities.values(), key=entity_order))


def describe_entities(entities: Iterable[Entity], minter: Minter,
                      identifier: URIRef | None = None) -> Graph:
    """What is known of each entity whatever the document: its class, label, names, links.

    An entity met in several forms (an unknown name guessed a person in one document and a
    group in another) gets the union of its descriptions, as the union of graphs would."""
    g = Graph(identifier=identifier)
    bind_prefixes(g)
    for entity in sorted(set(entities), key=entity_order):
        EntityDescriber(minter, g).describe(entity)
    return g


def map_entities(entities: Iterable[Entity], minter: Minter) -> Graph:
    """graph/entities: every entity the dataset names, described once, with its provenance."""
    g = describe_entities(entities, minter, minter.entities_graph())
    g.add((minter.entities_graph(), RDF.type, PROV.Entity))
    g.add((minter.entities_graph(), PROV.wasAttributedTo, SOFTWARE))
    return g


def entity_order(entity: Entity) -> tuple[object, ...]:
    """A total order of entities (two forms of one key are both kept, in a fixed order)."""
    return (entity.key, entity.kind, entity.label, entity.known, entity.aliases,
            entity.code_names, entity.qid or "")


def map_links(entities: Iterable[Entity], minter: Minter) -> Graph:
    """The separate links graph: owl:sameAs copies of every la:equivalent, for opt-in use."""
    g = Graph(identifier=minter.links_graph())
    bind_prefixes(g)
    for entity in entities:
        if entity.qid:
            g.add((minter.entity(entity), OWL.sameAs, WD[entity.qid]))
    return g


class DocumentMapper:
    def __init__(self, doc: Document, minter: Minter, graph: Graph) -> None:
        self.doc = doc
        self.minter = minter
        self.g = graph
        self.iri = minter.document(doc.key)
        self.entities: dict[Entity, Entity] = {}  # in the order first named
        self.identifications = 0

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.g.add((s, p, o))

    def run(self) -> None:
        doc, d = self.doc, self.iri
        self.add(d, RDF.type, CRM.E31_Document)
        self.add(d, RDF.type, CRM.E33_Linguistic_Object)
        self.add(d, RDF.type, KG.ArchiveRecord)
        self.add(d, DCTERMS.title, Literal(doc.title))
        if doc.date is not None:
            self.add(d, DCTERMS.date, date_literal(doc.date))
        self.add(d, CRM.P190_has_symbolic_content, Literal(doc.source.text))
        self.add(d, KG.complete, Literal(doc.complete))
        if not doc.complete:
            self.add(d, CRM.P2_has_type, KG.IncompleteCopy)
        if doc.summary:
            self.add(d, DCTERMS.abstract, Literal(doc.summary))
        for label, pred in (("Rights", DCTERMS.rights), ("Source", DCTERMS.source),
                            ("Original Archive", DCTERMS.isPartOf), ("Type", DCTERMS.type)):
            if (value := doc.meta(label)) is not None:
                self.add(d, pred, Literal(value))
        for lang in _split_meta(doc.meta("Language")):
            self.add(d, DCTERMS.language, Literal(lang))
        for topic in _split_meta(doc.meta("Associated Topics")):
            self.add(d, DCTERMS.subject, Literal(topic))
        if (record := doc.meta("Record ID")) is not None:
            self.identifier(d, Identifier("record-id", record.strip()))
        if doc.source.url:
            self.add(d, DCTERMS.source, URIRef(doc.source.url))
        self.message(d, doc.message, top=True)
        self.provenance()

    # -- messages and their events ------------------------------------------------------
    def message(self, m_iri: URIRef, msg: Message, *, top: bool) -> None:
        if not top:
            self.add(m_iri, RDF.type, CRM.E31_Document)
            self.add(m_iri, RDF.type, CRM.E33_Linguistic_Object)
            self.add(m_iri, RDF.type, KG.RelayedMessage)
            self.add(m_iri, RDFS.label, Literal(_relayed_label(msg)))
            if msg.date is not None:
                self.add(m_iri, DCTERMS.date, date_literal(msg.date))
            self.add(m_iri, CRM.P190_has_symbolic_content, Literal(msg.span.text))
        if top and msg.genre in CORRESPONDENCE:
            self.add(m_iri, RDF.type, KG.Correspondence)
        self.add(m_iri, KG.genre, Literal(msg.genre))
        creation = URIRef(f"{m_iri}/creation")
        self.add(m_iri, CRM.P94i_was_created_by, creation)
        self.add(creation, RDF.type, CRM.E65_Creation)
        when = msg.date or (self.doc.date if top else None)
        if when is not None:
            self.timespan(creation, when)
        for i, party in enumerate(msg.senders):
            e = self.entity(party.mention)
            self.add(creation, CRM.P14_carried_out_by, e)
            self.add(m_iri, KG.sender, e)
            self.add(m_iri, DCTERMS.creator, e)
            self.role(creation, i, e, KG.RoleSender)
        if msg.sent is not None or msg.sent_from is not None:
            dispatch = URIRef(f"{m_iri}/dispatch")
            self.add(dispatch, RDF.type, CRM.E7_Activity)
            self.add(dispatch, CRM.P2_has_type, KG.Dispatch)
            self.add(dispatch, CRM.P16_used_specific_object, m_iri)
            for party in msg.senders:
                self.add(dispatch, CRM.P14_carried_out_by, self.entity(party.mention))
            if msg.sent is not None:
                self.timespan(dispatch, msg.sent)
            if msg.sent_from is not None:
                place = self.entity(msg.sent_from)
                self.add(dispatch, CRM.P7_took_place_at, place)
                self.add(m_iri, KG.sentFrom, place)
                self.add(m_iri, DCTERMS.spatial, place)
        if msg.addressees or msg.copies or msg.intermediaries or msg.received is not None:
            receipt = URIRef(f"{m_iri}/receipt")
            self.add(receipt, RDF.type, CRM.E7_Activity)
            self.add(receipt, CRM.P2_has_type, KG.Receipt)
            self.add(receipt, CRM.P16_used_specific_object, m_iri)
            if msg.received is not None:
                self.timespan(receipt, msg.received)
            n = 0
            for pred, role, parties in (
                (KG.addressee, KG.RoleAddressee, msg.addressees),
                (KG.copyRecipient, KG.RoleCopyRecipient, msg.copies),
                (KG.intermediary, KG.RoleIntermediary, msg.intermediaries),
            ):
                for party in parties:
                    e = self.entity(party.mention)
                    self.add(m_iri, pred, e)
                    if role is KG.RoleAddressee:
                        self.add(receipt, CRM.P14_carried_out_by, e)
                    self.role(receipt, n, e, role, party)
                    n += 1
        for ident in msg.identifiers:
            self.identifier(m_iri, ident)
        for i, inner in enumerate(msg.relayed, start=1):
            r_iri = URIRef(f"{m_iri}/relayed/{i}")
            self.add(m_iri, CRM.P165_incorporates, r_iri)
            self.add(m_iri, KG.relays, r_iri)
            self.message(r_iri, inner, top=False)
        for i, ref in enumerate(msg.references, start=1):
            ref_iri = URIRef(f"{m_iri}/reference/{i}")
            self.add(m_iri, CRM.P67_refers_to, ref_iri)
            self.add(m_iri, KG.refersToMessage, ref_iri)
            self.add(ref_iri, RDF.type, CRM.E31_Document)
            self.add(ref_iri, RDF.type, CRM.E33_Linguistic_Object)
            self.add(ref_iri, RDFS.label, Literal(ref.span.text))
            ref_creation = URIRef(f"{ref_iri}/creation")
            self.add(ref_iri, CRM.P94i_was_created_by, ref_creation)
            self.add(ref_creation, RDF.type, CRM.E65_Creation)
            if ref.date is not None:
                self.timespan(ref_creation, ref.date)
                self.add(ref_iri, DCTERMS.date, date_literal(ref.date))
            whose = {"your": msg.addressees, "my": msg.senders, "our": msg.senders}.get(
                ref.possessive or "", ())
            for party in whose:
                e = self.entity(party.mention)
                self.add(ref_creation, CRM.P14_carried_out_by, e)
                self.add(ref_iri, KG.sender, e)
            if ref.possessive == "your":
                for party in msg.senders:
                    self.add(ref_iri, KG.addressee, self.entity(party.mention))
        for mention in msg.mentions:
            e = self.entity(mention)
            self.add(m_iri, CRM.P67_refers_to, e)
            self.add(self.iri, KG.mentions, e)
        self.annotations(msg)

    def role(self, activity: URIRef, n: int, actor: URIRef, role: URIRef,
             party: Party | None = None) -> URIRef:
        node = URIRef(f"{activity}/role/{n + 1}")
        self.add(node, RDF.type, CRM.PC14_carried_out_by)
        self.add(node, CRM.P01_has_domain, activity)
        self.add(node, CRM.P02_has_range, actor)
        self.add(node, IN_ROLE, role)
        if party is not None and party.copies is not None:
            self.add(node, KG.copyCount, Literal(party.copies))
        return node

    def timespan(self, node: URIRef, when: WrittenDate) -> None:
        ts = URIRef(f"{node}/time")
        self.add(node, HAS_TIMESPAN, ts)
        self.add(ts, RDF.type, TIMESPAN)
        self.add(ts, CRM.P82a_begin_of_the_begin,
                 Literal(when.begin.isoformat(), datatype=XSD.dateTime))
        self.add(ts, CRM.P82b_end_of_the_end, Literal(when.end.isoformat(), datatype=XSD.dateTime))
        self.add(ts, KG.asWritten, Literal(when.as_written))

    def identifier(self, m_iri: URIRef, ident: Identifier) -> None:
        node = URIRef(f"{m_iri}/identifier/{ident.kind}/{iri_part(slug(ident.value) or 'x')}")
        self.add(m_iri, CRM.P1_is_identified_by, node)
        self.add(m_iri, DCTERMS.identifier, Literal(ident.value))
        self.add(node, RDF.type, CRM.E42_Identifier)
        self.add(node, CRM.P190_has_symbolic_content, Literal(ident.value))
        self.add(node, CRM.P2_has_type, ID_TYPE[ident.kind])
        if ident.span is not None:
            self.add(node, KG.asWritten, Literal(ident.span.text))

    # -- entities, names and mentions ------------------------------------------------------
    def entity(self, mention: Mention) -> URIRef:
        entity = mention.entity
        self.entities.setdefault(entity, entity)
        iri = self.minter.entity(entity)
        if mention.code_name:
            if mention.code_name in entity.code_names:  # described with the entity
                appellation = appellation_iri(iri, mention.code_name)
            else:  # a cover name only this document gives: said here
                appellation = add_appellation(self.g, iri, mention.code_name, KG.CodeName)
            if mention.editorial is not None:
                self.identification(appellation, iri, mention)
        return iri

    def identification(self, appellation: URIRef, person: URIRef, mention: Mention) -> None:
        """The editors' bracket "[Stalin]" after a code name, as an attribute assignment."""
        assert mention.editorial is not None
        node = URIRef(f"{self.iri}/identification/{mention.span.start}")
        self.add(node, RDF.type, CRM.E13_Attribute_Assignment)
        self.add(node, CRM.P2_has_type, KG.EditorialIdentification)
        self.add(node, CRM.P140_assigned_attribute_to, appellation)
        self.add(node, CRM.P141_assigned, person)
        self.add(node, CRM.P3_has_note, Literal(mention.editorial.text))
        self.add(node, DCTERMS.source, self.iri)

    def annotations(self, msg: Message) -> None:
        text = self.doc.source.text
        seen = set()
        parties = [p.mention for p in (*msg.senders, *msg.addressees, *msg.intermediaries,
                                       *msg.copies)]
        if msg.sent_from is not None:
            parties.append(msg.sent_from)
        for mention in (*msg.mentions, *parties):
            key = (mention.span.start, mention.span.end)
            if key in seen or text[mention.span.start:mention.span.end] != mention.span.text:
                continue
            seen.add(key)
            s, e = key
            ann = URIRef(f"{self.iri}/annotation/{s}-{e}")
            target = URIRef(f"{ann}/target")
            quote_sel = URIRef(f"{ann}/quote")
            position = URIRef(f"{ann}/position")
            self.add(ann, RDF.type, OA.Annotation)
            self.add(ann, OA.motivatedBy, OA.identifying)
            self.add(ann, OA.hasBody, self.entity(mention))
            self.add(ann, OA.hasTarget, target)
            self.add(target, RDF.type, OA.SpecificResource)
            self.add(target, OA.hasSource, self.iri)
            self.add(target, OA.hasSelector, quote_sel)
            self.add(target, OA.hasSelector, position)
            self.add(quote_sel, RDF.type, OA.TextQuoteSelector)
            self.add(quote_sel, OA.exact, Literal(mention.span.text))
            self.add(quote_sel, OA.prefix, Literal(text[max(0, s - 32):s]))
            self.add(quote_sel, OA.suffix, Literal(text[e:e + 32]))
            self.add(position, RDF.type, OA.TextPositionSelector)
            self.add(position, OA.start, Literal(s, datatype=XSD.nonNegativeInteger))
            self.add(position, OA.end, Literal(e, datatype=XSD.nonNegativeInteger))

    def provenance(self) -> None:
        src = self.doc.source
        g = self.g.identifier
        assert isinstance(g, URIRef)
        self.add(g, RDF.type, PROV.Entity)
        self.add(g, PROV.wasAttributedTo, SOFTWARE)
        self.add(g, DCTERMS.subject, self.iri)
        self.add(g, KG.sourceFile, Literal(src.path.rsplit("/", 1)[-1]))
        if src.row is not None:
            self.add(g, KG.sourceRow, Literal(src.row))
        self.add(g, KG.sha256, Literal(src.checksum))
        if src.url:
            self.add(g, PROV.wasDerivedFrom, URIRef(src.url))


class EntityDescriber:
    def __init__(self, minter: Minter, graph: Graph) -> None:
        self.minter = minter
        self.g = graph

    def describe(self, entity: Entity) -> None:
        iri = self.minter.entity(entity)
        g = self.g
        g.add((iri, RDF.type, ENTITY_CLASS[entity.kind]))
        g.add((iri, RDFS.label, Literal(entity.label)))
        add_appellation(g, iri, entity.label, KG.Name)
        for alias in entity.aliases:
            g.add((iri, SKOS.altLabel, Literal(alias)))
        for code in entity.code_names:
            add_appellation(g, iri, code, KG.CodeName)
        if entity.qid:
            g.add((iri, LA.equivalent, WD[entity.qid]))
        if not entity.known:
            g.add((iri, RDFS.comment, Literal("not in the authority file; " + (
                "linked by a kg link decision" if entity.qid else "unlinked"))))


def appellation_iri(entity_iri: URIRef, name: str) -> URIRef:
    return URIRef(f"{entity_iri}/appellation/{iri_part(slug(name))}")


def add_appellation(g: Graph, entity_iri: URIRef, name: str, kind: URIRef) -> URIRef:
    node = appellation_iri(entity_iri, name)
    g.add((entity_iri, CRM.P1_is_identified_by, node))
    g.add((node, RDF.type, CRM.E41_Appellation))
    g.add((node, CRM.P190_has_symbolic_content, Literal(name)))
    g.add((node, CRM.P2_has_type, kind))
    return node


def date_literal(when: WrittenDate) -> Literal:
    if when.precision == "year":
        return Literal(when.iso, datatype=XSD.gYear)
    if when.precision == "month":
        return Literal(when.iso, datatype=XSD.gYearMonth)
    return Literal(when.begin.date().isoformat(), datatype=XSD.date)


def _relayed_label(msg: Message) -> str:
    who = ", ".join(p.mention.entity.label for p in msg.senders) or "unknown sender"
    to = ", ".join(p.mention.entity.label for p in msg.addressees) or "unknown addressee"
    when = f", {msg.date.iso}" if msg.date else ""
    return f"Message from {who} to {to}{when} (relayed)"


def _split_meta(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.replace("\n", ";").split(";") if v.strip()]


def dataset_of(graphs: Iterable[Graph]) -> Dataset:
    ds = Dataset()
    bind_prefixes(ds)
    for g in graphs:
        target = ds.graph(g.identifier)
        for t in g:
            target.add(t)
    return ds
