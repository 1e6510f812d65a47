"""No injection: hostile names and text stay data, in every output format and every query.

A custom authority file (`kg build --authority FILE`) and a page copy carry names with spaces,
slashes, quotes, `#`, `<`, `>`, braces, backslashes, Unicode and 1,500 characters, and text
shaped like N-Quads, SPARQL and HTML. The build must mint valid, distinct IRIs, keep every
literal exactly, and write N-Quads, TriG, Turtle and JSON-LD that two parsers each (rdflib and
pyoxigraph; rdflib and pyld for JSON-LD) read as the same graph. Query parameters are bound
as RDF terms, never spliced. Reading RDF never fetches a remote or local context and never
expands an external XML entity.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld
from rdflib import RDFS, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import CSV_EXPORT, ROOT, run_cli
from graphs import self_contained
from kg.authority import slug
from kg.mapping import iri_part

BASE = "https://example.org/kg/"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"
LONG = "Very" + " Long" * 300 + " Name"
AUTHORITY = [  # id, type, label, aliases
    ("o-brien", "person", "O'Brien \"the Quote\" <b>#1</b>", "O'Brien"),
    ("slash-name", "person", "Ivan / Petrov \\ Jr.", ""),
    ("hash-place", "place", "Place #5 <Main> & Co", ""),
    ("unicode-person", "person", "Zhōu Ēnlái 周恩来", "Чжоу Эньлай"),
    ("long-name", "person", LONG, ""),
    ("braces-org", "organisation", 'Org } ; DROP GRAPH <x> { "', ""),
    ("backslash-n", "person", "Back\\nSlash \\u0041 Name", ""),
]
PAGE = "\n".join([
    "August 13, 1951",
    "Ciphered Telegram No. 1, O'Brien \"the Quote\" <b>#1</b> to Ivan / Petrov \\ Jr.",
    "Copies: X<Y>Z, A#B, \"Q\" Quoted",
    "To Ivan / Petrov \\ Jr.",
    "The text carries \"double quotes\", 'single', \\\"escaped\\\", a backslash \\ and \\n (not a newline),",
    "a line with \"\"\" triple quotes \"\"\" and ''' triples ''', braces } { and ; DROP GRAPH <x> .",
    "<script>alert(\"x\")</script> & &amp; #hash <angle> \u2028 after a line separator, \x0c a form feed",
    f"We met Place #5 <Main> & Co with Zhōu Ēnlái 周恩来 (Чжоу Эньлай), {LONG}, "
    "Org } ; DROP GRAPH <x> { \" and Back\\nSlash \\u0041 Name.",
    "\"> . <http://evil.example/s> <http://evil.example/p> \"o\" .",
    "\" } } INSERT DATA { <http://evil.example/s> <http://evil.example/p> \"o\" } #",
    "Comrade O'Hara and Comrade Mc\"Quote\"y were there.",
    "O'BRIEN",
    "No. 7",
    "13.8.51",
    "###",
    "Summary with \"quotes\"\\ and a tab\there.",
]) + "\n"


def write_authority(path: Path) -> Path:
    head = "id\ttype\tlabel\taliases\tcode_names\tqid\tborn\tdied\tnote\n"
    path.write_text(head + "".join(f"{i}\t{t}\t{label}\t{a}\t\t\t\t\t\n" for i, t, label, a in AUTHORITY),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile page copy built with the hostile authority file, by the CLI."""
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "in").mkdir()
    (tmp / "in" / "hostile.txt").write_text(PAGE, encoding="utf-8")
    code, output = run_cli("build", str(tmp / "in"), "--authority", str(write_authority(tmp / "auth.tsv")),
                           "-o", str(tmp / "out"), "-j", "1", "--quiet")
    assert code == 0, output
    assert "Traceback" not in output and "does not look like a valid URI" not in output
    return tmp / "out"


# -- every format, two parsers each, one graph ---------------------------------------------------
def _ox_graphs(path: Path, fmt: ox.RdfFormat) -> dict[str, Graph]:
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in ox.parse(path=str(path), format=fmt):
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph.setdefault(name, []).append(q.triple)
    return {name: Graph().parse(data=(ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES) or b"").decode(),
                                format="nt") for name, ts in by_graph.items()}


def _rdflib_graphs(path: Path, fmt: str) -> dict[str, Graph]:
    ds = Dataset()
    ds.parse(path, format=fmt)
    return {str(g.identifier): Graph() + g for g in ds.graphs() if len(g)}


def _refuse(url: str, options: object = None) -> object:
    raise AssertionError(f"pyld was asked to fetch {url}")


def readings(out: Path, key: str) -> dict[str, Graph]:
    """The document graph `key` as each parser reads it from each file kg wrote."""
    name = f"{BASE}graph/{iri_part(key)}"
    ttl, jl = out / "documents" / f"{key}.ttl", out / "documents" / f"{key}.jsonld"
    data = json.loads(jl.read_text(encoding="utf-8"))
    nq = pyld.to_rdf(data, {"format": "application/n-quads", "documentLoader": _refuse})
    entities = f"{BASE}graph/entities"

    def document(graphs: dict[str, Graph]) -> Graph:  # with what graph/entities says of its names
        return self_contained(graphs[name], graphs[entities])

    return {
        "dataset.nq rdflib": document(_rdflib_graphs(out / "dataset.nq", "nquads")),
        "dataset.nq pyoxigraph": document(_ox_graphs(out / "dataset.nq", ox.RdfFormat.N_QUADS)),
        "dataset.trig rdflib": document(_rdflib_graphs(out / "dataset.trig", "trig")),
        "dataset.trig pyoxigraph": document(_ox_graphs(out / "dataset.trig", ox.RdfFormat.TRIG)),
        "turtle rdflib": Graph().parse(ttl, format="turtle"),
        "turtle pyoxigraph": _ox_graphs(ttl, ox.RdfFormat.TURTLE)[""],
        "json-ld rdflib": Graph().parse(data=jl.read_text(encoding="utf-8"), format="json-ld"),
        "json-ld pyld": Graph().parse(data=nq, format="nt"),
    }


def assert_same(graphs: dict[str, Graph]) -> Graph:
    (first, reference), *rest = graphs.items()
    for name, g in rest:
        if not isomorphic(reference, g):
            _, only_ref, only_g = graph_diff(to_isomorphic(reference), to_isomorphic(g))
            pytest.fail(f"{name} differs from {first}:\nonly in {first}:\n"
                        f"{only_ref.serialize(format='nt')[:3000]}\nonly in {name}:\n"
                        f"{only_g.serialize(format='nt')[:3000]}")
    return reference


@pytest.fixture(scope="module")
def hostile_readings(hostile: Path) -> dict[str, Graph]:
    return readings(hostile, "hostile")


def test_every_format_reads_back_as_the_same_graph(hostile_readings: dict[str, Graph]) -> None:
    graph = assert_same(hostile_readings)
    assert len(graph) > 100


def test_text_with_quotes_newlines_and_backslashes_is_kept_exactly(hostile_readings: dict[str, Graph]) -> None:
    for name, g in hostile_readings.items():
        content = set(g.objects(URIRef(f"{BASE}document/hostile"), URIRef(CRM + "P190_has_symbolic_content")))
        assert content == {Literal(PAGE)}, name
        abstract = set(g.objects(URIRef(f"{BASE}document/hostile"), URIRef("http://purl.org/dc/terms/abstract")))
        assert abstract == {Literal("Summary with \"quotes\"\\ and a tab\there.")}, name


def test_hostile_names_become_valid_distinct_iris_and_exact_labels(hostile_readings: dict[str, Graph]) -> None:
    g = hostile_readings["dataset.nq pyoxigraph"]
    labels: dict[str, set[str]] = {}
    for s, o in g.subject_objects(RDFS.label):
        labels.setdefault(str(s), set()).add(str(o))
    path = {"person": "person", "place": "place", "organisation": "group"}
    for key, kind, label, _ in AUTHORITY:
        iri = f"{BASE}{path[kind]}/{key}"
        assert labels.get(iri) == {label}, (iri, labels.get(iri))
    iris = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
    for iri in iris:
        ox.NamedNode(iri)  # a valid IRI, or this raises
        assert not iri.startswith("http://evil.example"), iri  # text never became a statement
    entity_labels = [next(iter(v)) for k, v in labels.items() if k.startswith(BASE) and "/document/" not in k]
    assert len(entity_labels) == len(set(entity_labels)), "two entities share a label, or one has two IRIs"
    assert not any(str(t).startswith("http://evil.example") for triple in g for t in triple)


@given(st.lists(st.text(max_size=40), min_size=2, max_size=20, unique=True))
@settings(max_examples=200, deadline=None, database=None)
def test_distinct_keys_mint_distinct_valid_iris(keys: list[str]) -> None:
    iris = [f"{BASE}person/{iri_part(k)}" for k in keys]
    assert len(set(iris)) == len(keys)
    for iri in iris:
        assert ox.NamedNode(iri).value == iri


def test_distinct_unknown_names_get_distinct_entities(tmp_path: Path) -> None:
    long = "Alexandrovich " * 7  # 98 characters: keys are cut at 80
    names = ["Пётр II", "Иван II", "周恩来", "周恩来 II", long + "One", long + "Two"]
    assert len({slug(n) for n in names}) == len(names), {n: slug(n) for n in names}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "copies.txt").write_text(
        "August 13, 1951\nCiphered Telegram, Mao Zedong to Stalin\nCopies: " + ", ".join(names)
        + "\nText.\n###\n", encoding="utf-8")
    code, output = run_cli("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 0, output
    g = Graph().parse(tmp_path / "out" / "documents" / "copies.ttl", format="turtle")
    labels = {str(o) for o in g.objects(None, RDFS.label)}
    assert set(names) <= labels, labels


def test_a_hostile_document_url_in_a_csv_row_stays_one_valid_iri(tmp_path: Path) -> None:
    with open(next(CSV_EXPORT.glob("*.csv")), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = min(rows, key=lambda r: len(r["text_body"]))
    row["document_url"] = 'https://example.org/doc/x"> <http://evil.example/s> <http://evil.example/p> "o" .'
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerow(row)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.csv").write_text(buf.getvalue(), encoding="utf-8")
    code, output = run_cli("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 0, output
    quads = list(ox.parse(path=str(tmp_path / "out" / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    assert not [q for q in quads if "evil.example" in q.subject.value or "evil.example" in q.predicate.value]
    sources = {q.object.value for q in quads if q.predicate.value == "http://purl.org/dc/terms/source"
               and isinstance(q.object, ox.NamedNode)}
    assert sources == {"https://example.org/doc/x%22%3E%20%3Chttp://evil.example/s%3E%20%3Chttp://"
                       "evil.example/p%3E%20%22o%22%20."}


@pytest.mark.parametrize("base", ["https://example.org/a b/", "https://example.org/x>y/", "not-an-iri/", "kg:"])
def test_a_base_that_is_no_iri_is_refused_once_at_the_edge(tmp_path: Path, base: str) -> None:
    code, output = run_cli("build", str(ROOT / "data"), "-o", str(tmp_path / "out"), "--base", base, "--quiet")
    assert code == 2 and "--base" in output and "could not parse" not in output, output


# -- queries ---------------------------------------------------------------------------------------
INJECTIONS = [
    'x" } } SELECT * WHERE { ?s ?p ?o } #',
    'x" . ?document ?p ?o . FILTER("1" = "1',
    "x' } UNION { ?entity ?p ?name } #",
    'x"^^<http://www.w3.org/2001/XMLSchema#string> } #',
    'x\\" } #',
    'x"\n} INSERT DATA { <http://evil.example/s> <http://evil.example/p> "o" } #',
    '" || true || "',
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_query_parameters_cannot_alter_the_query(hostile: Path, value: str) -> None:
    code, output = run_cli("query", "documents-mentioning", "--data", str(hostile), "--param", f"name={value}",
                           "--format", "json")
    assert code == 0, output
    assert json.loads(output)["results"]["bindings"] == []  # no label is this string: no rows


@pytest.mark.parametrize("key", ["o-brien", "braces-org", "backslash-n", "unicode-person"])
def test_a_label_full_of_syntax_is_matched_exactly(hostile: Path, key: str) -> None:
    label = next(a[2] for a in AUTHORITY if a[0] == key)
    code, output = run_cli("query", "documents-mentioning", "--data", str(hostile), "--param", f"name={label}",
                           "--format", "json")
    assert code == 0, output
    rows = json.loads(output)["results"]["bindings"]
    assert [r["document"] for r in rows] == [f"{BASE}document/hostile"], output


@pytest.mark.parametrize(("query", "param"), [
    ("documents-in-range", 'from=1950-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ) } #'),
    ("documents-in-range", "to=1950-12-31 } UNION { ?s ?p ?o"),
    ("wikidata-federated", "endpoint=http://127.0.0.1:9/> { ?s ?p ?o } } #"),
    ("wikidata-federated", "endpoint=http://127.0.0.1:9/ x"),
])
def test_typed_parameters_refuse_what_is_not_of_their_kind(hostile: Path, query: str, param: str) -> None:
    code, output = run_cli("query", query, "--data", str(hostile), "--param", param)
    assert code == 2, output
    assert "--param" in output and "Traceback" not in output


# -- reading RDF never fetches -------------------------------------------------------------------
class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        body = json.dumps({"@context": {"name": "http://fetched.example/name"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that answers with a context and records every request it gets."""
    handler = type("Recorder", (_Recorder,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def _contexts(url: str, local: Path) -> dict[str, object]:
    return {
        "remote": url + "/ctx",
        "file-url": local.as_uri(),
        "relative": local.name,
        "import": {"@import": url + "/import", "name": "http://schema.org/name"},
        "scoped": {"name": {"@id": "http://schema.org/name", "@context": url + "/scoped"}},
        "list": [{"name": "http://schema.org/name"}, url + "/in-a-list"],
    }


@pytest.mark.parametrize("kind", ["remote", "file-url", "relative", "import", "scoped", "list"])
def test_validate_refuses_jsonld_that_names_a_context_to_fetch(
        tmp_path: Path, recorder: tuple[str, list[str]], kind: str) -> None:
    url, requests = recorder
    local = tmp_path / "ctx.jsonld"
    local.write_text(json.dumps({"@context": {"name": "http://secret.example/read-from-disk"}}))
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps({"@context": _contexts(url, local)[kind], "@id": "http://example.org/a",
                               "name": "x"}))
    code, output = run_cli("validate", str(doc))
    assert requests == [], f"kg fetched {requests}"
    assert code == 2, output
    assert "context" in output and str(doc) in output and "Traceback" not in output, output


def test_validate_reads_jsonld_with_an_inline_context(hostile: Path, recorder: tuple[str, list[str]]) -> None:
    """The JSON-LD kg writes (context inlined) validates without any request."""
    _, requests = recorder
    code, output = run_cli("validate", str(hostile / "documents" / "hostile.jsonld"))
    assert code == 0, output
    assert requests == []


@pytest.mark.parametrize("suffix", [".rdf", ".xml", ".owl", ".ttl"])
def test_an_external_xml_entity_is_never_expanded(
        tmp_path: Path, recorder: tuple[str, list[str]], suffix: str) -> None:
    url, requests = recorder
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    rdf = tmp_path / f"xxe{suffix}"
    rdf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY file SYSTEM "{secret.as_uri()}">
  <!ENTITY remote SYSTEM "{url}/xxe">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/a">
    <rdfs:label>&file;</rdfs:label>
    <rdfs:comment>&remote;</rdfs:comment>
  </rdf:Description>
</rdf:RDF>
""")
    code, output = run_cli("validate", str(rdf))
    assert "TOP-SECRET-CONTENT" not in output and requests == []
    assert code in (0, 1, 2) and "Traceback" not in output
    # Should kg ever read RDF/XML (rdflib's "xml" parser), external entities must stay unexpanded.
    try:
        g = Graph().parse(rdf, format="xml")
    except Exception:  # noqa: BLE001 - refusing the file is fine too
        g = Graph()
    assert "TOP-SECRET-CONTENT" not in g.serialize(format="nt") and requests == []
