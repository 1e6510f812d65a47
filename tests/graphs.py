"""What the tests need to compare a document's named graph in dataset.nq with its own files."""

from __future__ import annotations

from rdflib import Graph, URIRef


def self_contained(document: Graph, entities: Graph) -> Graph:
    """A document's graph as documents/KEY.ttl holds it: its own statements, and what
    graph/entities says of the entities it names (and of their appellations)."""
    out = Graph()
    for triple in document:
        out.add(triple)
    todo = {o for o in document.objects() if isinstance(o, URIRef)}
    seen: set[URIRef] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in entities.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, URIRef):
                todo.add(o)
    return out
