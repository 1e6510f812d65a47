"""Validate graphs against the shipped SHACL shapes (Core constraints, no inference)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.term import Node

from kg.resources import read_text

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    shape: str
    message: str
    severity: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.focus}\n  {self.path}: {self.message}\n  (shape {self.shape})"


@dataclass(frozen=True)
class Report:
    graph: str
    conforms: bool
    violations: tuple[Violation, ...]

    def text(self) -> str:
        if self.conforms and not self.violations:
            return f"{self.graph}: conforms"
        head = f"{self.graph}: {'conforms, with warnings' if self.conforms else 'DOES NOT CONFORM'}"
        return "\n".join([head, *(str(v) for v in self.violations)])


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(data=read_text("shapes", "kg.ttl"), format="turtle")


def validate_graph(graph: Graph, name: str | None = None) -> Report:
    """Validate one graph; Warnings are reported but do not break conformance."""
    conforms, results, _ = shacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", advanced=False,
        allow_warnings=True, abort_on_first=False)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        violations.append(Violation(
            focus=_n3(results.value(result, SH.focusNode)),
            path=_n3(results.value(result, SH.resultPath)),
            shape=_n3(results.value(result, SH.sourceShape)),
            message=str(results.value(result, SH.resultMessage) or "constraint failed"),
            severity=_n3(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1].rstrip(">"),
        ))
    violations.sort(key=lambda v: (v.severity, v.focus, v.path, v.message))
    return Report(name or str(graph.identifier), bool(conforms), tuple(violations))


def _n3(node: Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        return f"<{node}>"
    return str(node)
