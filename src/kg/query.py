"""Bundled SPARQL queries: a registry read from queries/*.rq, run with parameters bound safely.

Each .rq file starts with comment lines `# title:`, `# description:` and zero or more
`# param: NAME - what it is`. Parameters are bound as RDF terms: a VALUES block
opening the WHERE group, holding the term as pyoxigraph escapes it, the same text for the
embedded store and for remote endpoints (pyoxigraph's own substitutions require the variable
in the projection), so no value can change a query's structure.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError
from kg.resources import resource


@dataclass(frozen=True)
class Param:
    name: str
    doc: str


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
            params.append(Param(pname.strip(), pdoc.strip()))
        else:
            header[m[1]] = (header.get(m[1], "") + " " + m[2]).strip()
    return Query(name, header.get("title", name), header.get("description", ""), tuple(params),
                 text)


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


def bind_terms(query: Query, values: dict[str, str]) -> dict[str, ox.Literal]:
    """Check the given parameters against the query's and make them RDF literals."""
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(f"query {query.name} has no parameter {unknown[0]!r}",
                         hint=f"its parameters: {', '.join(sorted(known)) or 'none'}")
    missing = sorted(known - set(values))
    if missing:
        raise InputError(f"query {query.name} needs --param {missing[0]}=VALUE",
                         hint=f"e.g. --param {missing[0]}=\"Mao Zedong\"")
    return {k: ox.Literal(v) for k, v in values.items()}


def with_values(text: str, terms: dict[str, ox.Literal]) -> str:
    """The query with a VALUES block of escaped terms opening its outermost WHERE group."""
    if not terms:
        return text
    m = re.search(r"\bWHERE\s*\{", text, re.I)
    if m is None:
        raise InputError("cannot bind parameters: the query has no WHERE clause")
    block = " ".join(f"VALUES ?{k} {{ {term} }}" for k, term in sorted(terms.items()))
    return text[:m.end()] + " " + block + " " + text[m.end():]


def run_store(store: ox.Store, query: Query, values: dict[str, str] | None = None) -> Result:
    """Run on an embedded pyoxigraph store (named graphs queried as their union)."""
    terms = bind_terms(query, values or {})
    try:
        solutions = store.query(with_values(query.text, terms), use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise InputError(f"query {query.name} is not valid SPARQL ({exc})",
                         hint="fix the query text") from exc
    if isinstance(solutions, ox.QueryBoolean):
        return Result(("result",), ((str(bool(solutions)).lower(),),))
    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError(f"query {query.name} is not a SELECT or ASK query",
                         hint="kg query prints tables; use SELECT")
    variables = tuple(v.value for v in solutions.variables)
    rows = tuple(tuple(_plain(sol[v]) for v in variables) for sol in solutions)
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
    for row in cells:
        widths = [max(w, min(len(c), 60)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        lines.append("  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(w)
                               for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append(f"({len(result.rows)} rows{', TRUNCATED by the server' if result.truncated else ''})")
    return "\n".join(lines) + "\n"
