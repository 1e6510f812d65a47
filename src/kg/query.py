"""Bundled SPARQL queries: a registry read from queries/*.rq, run with parameters bound safely.

Each .rq file starts with comment lines `# title:`, `# description:` and zero or more
`# param: NAME[:KIND][=DEFAULT] - what it is`, KIND one of `PARAM_KINDS` (default string).
Parameters are bound as RDF terms: a VALUES block opening the WHERE group, holding the term
as pyoxigraph escapes it, the same text for the embedded store and for remote endpoints
(pyoxigraph's own substitutions require the variable in the projection), so no value can
change a query's structure. The one exception is `SERVICE ?name` with an `iri` parameter:
Oxigraph cannot take a SERVICE IRI from VALUES, so the IRI is written in place, after
pyoxigraph has checked it is an IRI (which cannot contain `>`, spaces, quotes or braces).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import EndpointError, InputError
from kg.resources import resource

XSD = "http://www.w3.org/2001/XMLSchema#"


def _string(value: str) -> ox.Literal:
    return ox.Literal(value)


def _iri(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"not an absolute IRI ({exc})") from None


def _date(value: str) -> ox.Literal:
    import datetime

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a date written YYYY-MM-DD")
    datetime.date.fromisoformat(value)  # rejects 1951-02-30
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def _integer(value: str) -> ox.Literal:
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise ValueError("not a whole number")
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


PARAM_KINDS: dict[str, Callable[[str], ox.Literal | ox.NamedNode]] = {
    "string": _string, "iri": _iri, "date": _date, "integer": _integer}
"""How each kind of parameter becomes an RDF term (a bad value raises ValueError)."""


@dataclass(frozen=True)
class Param:
    name: str
    doc: str
    kind: str = "string"
    default: str | None = None


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str


@dataclass(frozen=True)
class Result:
    variables: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    truncated: bool = False


def parse_query_file(name: str, text: str) -> Query:
    header: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        m = re.match(r"^#\s*(title|description|param):\s*(.*)$", line)
        if not m:
            if line.strip() and not line.startswith("#"):
                break
            continue
        if m[1] == "param":
            pname, _, pdoc = m[2].partition(" - ")
            params.append(_param(name, pname.strip(), pdoc.strip()))
        else:
            header[m[1]] = (header.get(m[1], "") + " " + m[2]).strip()
    return Query(name, header.get("title", name), header.get("description", ""), tuple(params),
                 text)


def _param(query: str, spec: str, doc: str) -> Param:
    m = re.fullmatch(r"([A-Za-z_]\w*)(?::(\w+))?(?:=(\S+))?", spec)
    if m is None or (m[2] or "string") not in PARAM_KINDS:
        raise InputError(f"query {query}: cannot read the parameter line {spec!r}",
                         hint="write `# param: NAME[:KIND][=DEFAULT] - what it is`, KIND one of "
                              + ", ".join(PARAM_KINDS))
    return Param(m[1], doc, m[2] or "string", m[3])


def bundled() -> dict[str, Query]:
    """Every shipped query by name (file name without .rq)."""
    folder = resource("queries")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse_query_file(name, entry.read_text(encoding="utf-8"))
    return out


def load_query(name_or_file: str) -> Query:
    queries = bundled()
    if name_or_file in queries:
        return queries[name_or_file]
    path = Path(name_or_file)
    if path.suffix == ".rq" and path.is_file():
        return parse_query_file(path.stem, path.read_text(encoding="utf-8"))
    raise InputError(f"no bundled query named {name_or_file!r} and no such .rq file",
                     hint="see `kg queries` for the names, or give a path to a .rq file")


def bind_terms(query: Query, values: dict[str, str]) -> dict[str, ox.Literal | ox.NamedNode]:
    """Check the given parameters against the query's and make them RDF terms of their kind."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InputError(f"query {query.name} has no parameter {unknown[0]!r}",
                         hint=f"its parameters: {', '.join(sorted(known)) or 'none'}")
    missing = sorted(n for n, p in known.items() if n not in values and p.default is None)
    if missing:
        raise InputError(f"query {query.name} needs --param {missing[0]}=VALUE",
                         hint=f"e.g. --param {missing[0]}=\"Mao Zedong\"")
    terms: dict[str, ox.Literal | ox.NamedNode] = {}
    for name, p in known.items():
        value = values.get(name, p.default)
        assert value is not None
        try:
            terms[name] = PARAM_KINDS[p.kind](value)
        except ValueError as exc:
            raise InputError(f"query {query.name}: --param {name}={value!r} is {exc}",
                             hint=f"{name} is a {p.kind}: {p.doc}") from None
    return terms


def with_values(text: str, terms: dict[str, ox.Literal | ox.NamedNode]) -> str:
    """The query with a VALUES block of escaped terms opening its outermost WHERE group."""
    if not terms:
        return text
    terms = dict(terms)
    for name, term in list(terms.items()):
        if isinstance(term, ox.NamedNode):
            iri = str(term)
            text = re.sub(rf"\b(SERVICE(?:\s+SILENT)?\s+)\?{name}\b",
                          lambda m: m[1] + iri, text, flags=re.I)  # noqa: B023 - used at once
            if not re.search(rf"[?$]{name}\b", text):
                del terms[name]  # only the SERVICE used it (and Virtuoso rejects VALUES + SERVICE)
    if not terms:
        return text
    m = next((m for m in re.finditer(r"\bWHERE\s*\{", text, re.I)
              if "#" not in re.sub(r"<[^>]*>", "", text[text.rfind("\n", 0, m.start()) + 1:m.start()])),
             None)  # the first WHERE outside a comment
    if m is None:
        raise InputError("cannot bind parameters: the query has no WHERE clause")
    block = " ".join(f"VALUES ?{k} {{ {term} }}" for k, term in sorted(terms.items()))
    return text[:m.end()] + " " + block + " " + text[m.end():]


def run_store(store: ox.Store, query: Query, values: dict[str, str] | None = None) -> Result:
    """Run on an embedded pyoxigraph store (named graphs queried as their union)."""
    terms = bind_terms(query, values or {})
    try:
        solutions = store.query(with_values(query.text, terms), use_default_graph_as_union=True)
        if isinstance(solutions, ox.QueryBoolean):
            return Result(("result",), ((str(bool(solutions)).lower(),),))
        if not isinstance(solutions, ox.QuerySolutions):
            raise InputError(f"query {query.name} is not a SELECT or ASK query",
                             hint="kg query prints tables; use SELECT")
        variables = tuple(v.value for v in solutions.variables)
        # Solutions are computed lazily: a failing SERVICE raises while they are read.
        rows = tuple(tuple(_plain(sol[v]) for v in variables) for sol in solutions)
    except SyntaxError as exc:
        raise InputError(f"query {query.name} is not valid SPARQL ({exc})",
                         hint="fix the query text") from exc
    except OSError as exc:  # a SERVICE the query calls could not be reached or failed
        raise EndpointError(f"query {query.name}: a SERVICE it calls failed ({exc})") from exc
    return Result(variables, rows)


def _plain(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal | ox.NamedNode | ox.BlankNode):
        return term.value
    return str(term)


def open_dataset(nquads: Path) -> ox.Store:
    """An in-memory store holding a built dataset.nq."""
    if not nquads.is_file():
        raise InputError("no dataset.nq here", path=str(nquads),
                         hint="run `kg build` first, or pass --data OUT")
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


RENDERERS = ("table", "csv", "tsv", "json")


def render(result: Result, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"head": {"vars": list(result.variables)},
                           "results": {"bindings": [
                               {v: val for v, val in zip(result.variables, row, strict=True)
                                if val is not None} for row in result.rows]},
                           "truncated": result.truncated}, ensure_ascii=False, indent=1) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow(["" if v is None else v for v in row])
        return buf.getvalue()
    widths = [len(v) for v in result.variables]
    cells = [["" if v is None else v.replace("\n", " ") for v in row] for row in result.rows]
    for cell_row in cells:
        widths = [max(w, min(len(c), 60)) for w, c in zip(widths, cell_row, strict=True)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    for cell_row in cells:
        lines.append("  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(w)
                               for c, w in zip(cell_row, widths, strict=True)).rstrip())
    lines.append(f"({len(result.rows)} rows{', TRUNCATED by the server' if result.truncated else ''})")
    return "\n".join(lines) + "\n"
