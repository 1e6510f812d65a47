"""kg site and kg serve: page layout, highlighting, escaping, determinism, links, content negotiation.

The browser walks are in test_site_browser.py; the helpers here (building a site, running
`kg serve`, a link checker) are shared with it.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import CORPUS, CSV_EXPORT, ROOT, run_cli, select
from kg.site import negotiate

SEED_KEY = "000-ciphered-telegram-22834-mao-zedong-filippov-1951-08-13"
BASE = "https://example.org/kg/"

# A page copy whose text carries HTML and script, as the brief for escaping asks.
HOSTILE_PAGE = """August 13, 1951
Telegram, Mao Zedong to Filippov [Stalin]
TO FILIPPOV [Stalin]
Comrade Filippov! <script>window.pwned=1</script> and <b>bold</b> and <img src=x onerror="window.pwned=2">.
MAO ZEDONG
###
A summary with <script>window.pwned=3</script> in it.
"""
# A document by an authority entry whose label and code name are markup (a crafted name).
CRAFTED_PAGE = """August 14, 1951
Telegram, Agent Crafty to Mao Zedong
To Comrade Mao Zedong.
I am Agent Crafty, a crafted name.
AGENT CRAFTY
"""
CRAFTED_LABEL = '<img src=x onerror=window.pwned=6>"Agent'
CRAFTED_ROW = ("crafted-agent\tperson\t" + CRAFTED_LABEL
               + "\tAgent Crafty\t<script>pwn7()</script>\t\t\t\ttest row\n")
# A second telegram from Li Kenong (test data, not an archive document), so his page links
# to a document other than the seed.
LI_KENONG_PAGE = """August 20, 1951
Telegram, Li Kenong to Mao Zedong
To Comrade Mao Zedong.
1. The talks at Kaesong resumed today; Deng Hua and Xie Fang were present.
LI KENONG
"""


# --- helpers shared with test_site_browser.py -----------------------------------------------

def make_site(out: Path, site: Path, *extra: str) -> Path:
    code, output = run_cli("site", str(out), "-o", str(site), *extra)
    assert code == 0, output
    return site


def build(sources: list[Path], out: Path, *extra: str) -> Path:
    code, output = run_cli("build", *map(str, sources), "-o", str(out), "--quiet", *extra)
    assert code in (0, 1), output  # 1: a test page may not conform to every shape; it is still built
    return out


def hostile_sources(folder: Path) -> tuple[list[Path], Path]:
    """The escaping test's page copies and an authority file with a crafted entry."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "900_hostile.txt").write_text(HOSTILE_PAGE, encoding="utf-8")
    (folder / "901_crafted.txt").write_text(CRAFTED_PAGE, encoding="utf-8")
    authority = folder / "authority.tsv"
    authority.write_text((ROOT / "data" / "authority.tsv").read_text(encoding="utf-8") + CRAFTED_ROW,
                         encoding="utf-8")
    return [folder / "900_hostile.txt", folder / "901_crafted.txt"], authority


@contextmanager
def kg_serve(site: Path, timeout: float = 20.0) -> Iterator[str]:
    """Run `kg serve SITE --port 0` as a real process; yield its home URL; stop it."""
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", str(site), "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line:
            line = proc.stdout.readline()
            if proc.poll() is not None:
                break
        m = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line)
        assert m, f"kg serve did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        yield m[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def request(url: str, accept: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request, redirects not followed (so a 303 can be checked)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"Accept": accept} if accept else {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class _Links(HTMLParser):
    """Collect every link target and every id of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for name in ("href", "src", "action"):
            value = a.get(name)
            if value is not None and (tag != "form" or name == "action"):
                self.links.append(value)


def broken_links(site: Path) -> tuple[int, list[str]]:
    """Check every internal href/src/action of every page: file exists, #fragment exists."""
    pages: dict[Path, _Links] = {}
    for page in sorted(site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page] = parser
    checked, broken = 0, []
    for page, parser in pages.items():
        here = "/" + page.relative_to(site).as_posix()
        for link in parser.links:
            if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # https:, data:, mailto: ...: not ours
                continue
            checked += 1
            target = urlsplit(urljoin(here, link))
            path = unquote(target.path)
            file = site / path.lstrip("/")
            if path.endswith("/"):
                file = file / "index.html"
            if ".." in Path(path).parts or not file.is_file():
                broken.append(f"{page.relative_to(site)}: {link} -> missing {file.relative_to(site)}")
            elif target.fragment and file.suffix == ".html":
                ids = pages[file].ids if file in pages else set()
                if target.fragment not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} -> no id {target.fragment}")
    return checked, broken


def rdf_graph(data: bytes, fmt: str) -> Graph:
    g = Graph()
    g.parse(data=data.decode("utf-8"), format=fmt)
    return g


def assert_isomorphic(a: Graph, b: Graph, what: str) -> None:
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        lines = [f"- {t}" for t in sorted(only_a)][:20] + [f"+ {t}" for t in sorted(only_b)][:20]
        pytest.fail(f"{what} differ:\n" + "\n".join(lines))


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_site(seed_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(seed_out, tmp_path_factory.mktemp("seed-site") / "site")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    sources, authority = hostile_sources(tmp / "src")
    out = build(sources, tmp / "out", "--authority", str(authority))
    return make_site(out, tmp / "site")


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([CORPUS, CSV_EXPORT], tmp_path_factory.mktemp("corpus") / "out")


# --- negotiation ----------------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", "html"),
    ("*/*", "html"),
    ("text/turtle", "turtle"),
    ("application/ld+json", "jsonld"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ("text/html;q=0.1, text/turtle", "turtle"),
    ("application/ld+json;q=0.9, */*;q=0.1", "jsonld"),
    ("text/*", "html"),
    ("image/png", None),
    ("text/turtle;q=0", None),
])
def test_negotiate_weighs_q_values_and_specificity(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


# --- the seed site --------------------------------------------------------------------------

def test_pages_sit_at_their_iri_paths_beside_turtle_and_jsonld(seed_site: Path, seed_out: Path) -> None:
    doc = seed_site / "document" / SEED_KEY
    assert (doc / "index.html").is_file()
    # the document's data files are the build's own, byte for byte
    assert (seed_site / "document" / f"{SEED_KEY}.ttl").read_bytes() == \
        (seed_out / "documents" / f"{SEED_KEY}.ttl").read_bytes()
    assert (seed_site / "document" / f"{SEED_KEY}.jsonld").read_bytes() == \
        (seed_out / "documents" / f"{SEED_KEY}.jsonld").read_bytes()
    for rel in ("person/li-kenong", "person/joseph-stalin", "place/beijing",
                f"document/{SEED_KEY}/relayed/1"):
        assert (seed_site / rel / "index.html").is_file(), rel
        assert (seed_site / f"{rel}.ttl").is_file() and (seed_site / f"{rel}.jsonld").is_file(), rel
        html = (seed_site / rel / "index.html").read_text(encoding="utf-8")
        leaf = rel.rsplit("/", 1)[-1]
        assert f'<link rel="alternate" type="text/turtle" href="../{leaf}.ttl">' in html
        assert f'<link rel="alternate" type="application/ld+json" href="../{leaf}.jsonld">' in html
    for name in ("index.html", "network.svg", "timeline.svg", "search.json", "search.js", "style.css",
                 "dataset.nq", "dataset.trig", "void.ttl", "server/nginx.conf",
                 "server/apache.htaccess", "kg-site.json"):
        assert (seed_site / name).is_file(), name
    assert (seed_site / "dataset.nq").read_bytes() == (seed_out / "dataset.nq").read_bytes()


def test_every_annotation_is_highlighted_and_linked_to_its_entity(seed_site: Path, seed_store: ox.Store) -> None:
    rows = select(seed_store, """SELECT ?start ?end ?exact ?body WHERE {
        ?a oa:hasBody ?body ; oa:hasTarget ?t . ?t oa:hasSelector ?p, ?q .
        ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }""")
    expected = sorted((r["exact"], r["body"].removeprefix(BASE) + "/") for r in rows)

    class Mentions(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[list[str]] = []
            self.open: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "a" and "mention" in (a.get("class") or "").split():
                self.open = ["", (a.get("href") or "").removeprefix("../../")]

        def handle_data(self, data: str) -> None:
            if self.open is not None:
                self.open[0] += data

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.open is not None:
                self.found.append(self.open)
                self.open = None

    parser = Mentions()
    parser.feed((seed_site / "document" / SEED_KEY / "index.html").read_text(encoding="utf-8"))
    assert sorted((text, href) for text, href in parser.found) == expected
    assert ["Li Kenong", "person/li-kenong/"] in parser.found


def test_document_page_shows_relayed_message_events_identifiers_and_source(seed_site: Path) -> None:
    html = (seed_site / "document" / SEED_KEY / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    # the relayed telegram is nested inside the text, with its own header and page
    assert '<div class="relayed" id="relayed-1">' in html
    assert "Relayed message from Li Kenong to Mao Zedong, 12 August 1951" in text
    # events with dates, places, and the copies distribution
    assert re.search(r"Received</th>\s*<td>13 August 1951, 17:20", html)
    assert "as written: “17:20 13.8.1951”" in text
    assert re.search(r"Sent</th>.*?place/beijing/", html, re.S)
    assert "copy: 2 copies" in text
    assert "22834" in text and "4061" in text
    assert "“Filippov” is Joseph Stalin" in text
    assert "HAPP@wilsoncenter.org" in text  # the rights statement
    assert "kg:" not in text and "{{" not in html


def test_entity_page_lists_names_code_names_wikidata_and_documents(seed_site: Path, seed_store: ox.Store) -> None:
    html = (seed_site / "person" / "joseph-stalin" / "index.html").read_text(encoding="utf-8")
    qid = select(seed_store, f"SELECT ?q WHERE {{ <{BASE}person/joseph-stalin> la:equivalent ?q }}")[0]["q"]
    qid = qid.rsplit("/", 1)[-1]
    assert f'href="https://www.wikidata.org/wiki/{qid}"' in html
    assert re.search(r"Code names</dt><dd>[^<]*Filippov", html)
    assert f'href="../../document/{SEED_KEY}/"' in html
    for role in ("received", "copied"):
        assert f'role-{role}"' in html
    li = (seed_site / "person" / "li-kenong" / "index.html").read_text(encoding="utf-8")
    assert f'href="../../document/{SEED_KEY}/relayed/1/"' in li  # his own (relayed) telegram
    assert "wrote to" in li


def test_entity_turtle_and_jsonld_are_the_same_graph(seed_site: Path, seed_store: ox.Store) -> None:
    for rel in ("person/joseph-stalin", "place/beijing", f"document/{SEED_KEY}/relayed/1"):
        ttl = rdf_graph((seed_site / f"{rel}.ttl").read_bytes(), "turtle")
        jsonld = rdf_graph((seed_site / f"{rel}.jsonld").read_bytes(), "json-ld")
        assert_isomorphic(ttl, jsonld, f"{rel}.ttl and {rel}.jsonld")
    stalin = rdf_graph((seed_site / "person/joseph-stalin.ttl").read_bytes(), "turtle")
    # the entity's own description, as the dataset has it, is all there
    expected = Graph()
    for quad in seed_store.quads_for_pattern(ox.NamedNode(BASE + "person/joseph-stalin"), None, None):
        expected.parse(data=ox.serialize([ox.Triple(quad.subject, quad.predicate, quad.object)],
                                         format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    missing = set(expected) - set(stalin)
    assert not missing, f"triples missing from person/joseph-stalin.ttl: {sorted(missing)[:5]}"


def test_search_index_and_void_description(seed_site: Path, seed_store: ox.Store) -> None:
    items = json.loads((seed_site / "search.json").read_text(encoding="utf-8"))["items"]
    by_path = {i[0]: i for i in items}
    assert by_path[f"document/{SEED_KEY}/"][2] == "document"
    assert "Filippov" in by_path["person/joseph-stalin/"][4]  # found by code name
    void = rdf_graph((seed_site / "void.ttl").read_bytes(), "turtle")
    rows = {(str(p), str(o)) for _, p, o in void}
    assert ("http://rdfs.org/ns/void#dataDump", BASE + "dataset.nq") in rows
    assert ("http://rdfs.org/ns/void#triples", str(len(seed_store))) in rows


def test_server_snippets_negotiate_for_the_base_path(seed_site: Path) -> None:
    nginx = (seed_site / "server" / "nginx.conf").read_text(encoding="utf-8")
    apache = (seed_site / "server" / "apache.htaccess").read_text(encoding="utf-8")
    assert "location /kg/ {" in nginx and "return 303 /kg/$kg_resource$kg_rdf_suffix;" in nginx
    assert '"~*application/ld\\+json" ".jsonld";' in nginx
    assert "RewriteBase /kg/" in apache and "$1.ttl [R=303,L]" in apache
    assert "AddType text/turtle .ttl" in apache and "AddType application/ld+json .jsonld" in apache


@pytest.mark.slow
def test_site_is_byte_identical_when_built_twice(corpus_out: Path, tmp_path: Path) -> None:
    a = make_site(corpus_out, tmp_path / "a")
    # a second process with another hash seed, so no set or dict order can leak into the output
    b = tmp_path / "b"
    done = subprocess.run([sys.executable, "-m", "kg.cli", "site", str(corpus_out), "-o", str(b)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert done.returncode == 0, done.stderr
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    different = [str(f) for f in files_a if (a / f).read_bytes() != (b / f).read_bytes()]
    assert not different, different


def test_site_replaces_only_its_own_folder_and_checks_the_base(seed_out: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    code, output = run_cli("site", str(seed_out), "-o", str(precious))
    assert code == 2 and "not a kg site" in output
    assert (precious / "notes.txt").read_text() == "keep me"
    code, output = run_cli("site", str(seed_out), "-o", str(tmp_path / "s"), "--base", "https://other.example/")
    assert code == 2 and "does not match the dataset's base https://example.org/kg/" in output
    code, output = run_cli("site", str(tmp_path / "nowhere"), "-o", str(tmp_path / "s"))
    assert code == 2 and "kg build" in output
    # an earlier site is replaced whole
    site = make_site(seed_out, tmp_path / "s")
    (site / "stale.html").write_text("old")
    make_site(seed_out, site)
    assert not (site / "stale.html").exists()


def test_markup_in_documents_and_names_is_escaped(hostile_site: Path) -> None:
    pages = {p: p.read_text(encoding="utf-8") for p in hostile_site.rglob("*.html")}
    svgs = {p: p.read_text(encoding="utf-8") for p in hostile_site.rglob("*.svg")}
    def shown(page: str) -> str:  # the text a reader sees: tags dropped, entities decoded
        return html.unescape(re.sub(r"<[^>]+>", "", page))

    doc = shown(pages[hostile_site / "document" / "900-hostile" / "index.html"])
    assert '<script>window.pwned=1</script> and <b>bold</b> and <img src=x onerror="window.pwned=2">' in doc
    assert "A summary with <script>window.pwned=3</script> in it." in doc
    crafted = shown(pages[hostile_site / "person" / "crafted-agent" / "index.html"])
    assert CRAFTED_LABEL in crafted and "<script>pwn7()</script>" in crafted  # label, code name
    for path, text in {**pages, **svgs}.items():
        tags = re.findall(r"<(?:script|img|b)\b[^>]*>", text)
        allowed = {'<script src="search.js" defer>',
                   '<img src="network.svg" alt="Correspondence network: who wrote to whom">',
                   '<img src="timeline.svg" alt="Timeline of the documents">'}
        assert set(tags) <= allowed, f"{path}: {set(tags) - allowed}"
        assert "onerror=window" not in text.replace("&lt;img src=x onerror=window", ""), path


# --- serving --------------------------------------------------------------------------------

def assert_negotiates(origin: str, site: Path, seed_out: Path) -> None:
    """The same IRI answers Turtle, JSON-LD and HTML by Accept (303 to each), with Vary: Accept."""
    expected_doc = rdf_graph((seed_out / "documents" / f"{SEED_KEY}.ttl").read_bytes(), "turtle")
    for rel in (f"document/{SEED_KEY}", "person/li-kenong", f"document/{SEED_KEY}/relayed/1"):
        iri_path = "/kg/" + rel
        graphs = {}
        for accept, suffix, media, fmt in (("text/turtle", ".ttl", "text/turtle", "turtle"),
                                           ("application/ld+json", ".jsonld", "application/ld+json", "json-ld")):
            status, headers, _ = request(origin + iri_path, accept)
            assert status == 303, (rel, accept, status)
            assert urlsplit(headers["location"]).path == iri_path + suffix, headers["location"]
            assert "Accept" in headers.get("vary", "")
            status, headers, body = request(origin + iri_path + suffix)
            assert status == 200 and headers["content-type"].startswith(media), (rel, headers)
            assert body == (site / f"{rel}{suffix}").read_bytes()
            graphs[fmt] = rdf_graph(body, fmt)
        assert_isomorphic(graphs["turtle"], graphs["json-ld"], f"{rel} as Turtle and as JSON-LD")
        if rel == f"document/{SEED_KEY}":
            assert_isomorphic(graphs["turtle"], expected_doc, "served Turtle and the build's")
        status, headers, _ = request(origin + iri_path, "text/html,application/xhtml+xml,*/*;q=0.8")
        assert status == 303 and urlsplit(headers["location"]).path == iri_path + "/"
        status, headers, body = request(origin + iri_path + "/", "text/html")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert body == (site / rel / "index.html").read_bytes()
        assert headers.get("x-content-type-options") == "nosniff"
    status, headers, _ = request(origin + "/kg/dataset.nq")
    assert status == 200 and headers["content-type"].startswith("application/n-quads")
    assert request(origin + "/kg/no/such/page.html")[0] == 404


@pytest.mark.servers
def test_kg_serve_answers_each_iri_by_accept(seed_site: Path, seed_out: Path) -> None:
    with kg_serve(seed_site) as home:
        origin = home[: home.index("/kg/")]
        assert_negotiates(origin, seed_site, seed_out)
        # beyond the snippets: q-values, 406, CSP header, no listings, no escape from the folder
        iri_path = f"/kg/document/{SEED_KEY}"
        assert request(origin + iri_path, "text/html;q=0.2, text/turtle")[1]["location"] == iri_path + ".ttl"
        assert request(origin + iri_path, "image/png")[0] == 406
        assert request(origin + iri_path + "/")[1]["content-security-policy"].startswith("default-src 'self'")
        assert request(origin + "/")[0] == 302
        assert request(origin + "/kg/person/")[0] == 404
        assert request(origin + "/kg/../../etc/passwd")[0] in (400, 404)


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 15.0) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}: {log.read_text() if log.exists() else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"server did not listen on {port}: {log.read_text() if log.exists() else ''}")


@contextmanager
def _running(cmd: list[str], port: int, log: Path) -> Iterator[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _executable(name: str) -> str:
    exe = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if exe is None:
        pytest.skip(f"{name} is not installed (Debian package {name}; scripts/install-system-deps.sh)")
    return exe


@pytest.mark.servers
def test_shipped_nginx_snippet_negotiates_in_a_real_nginx(seed_site: Path, seed_out: Path, tmp_path: Path) -> None:
    from servers import free_port

    exe = _executable("nginx")
    snippet = (seed_site / "server" / "nginx.conf").read_text(encoding="utf-8")
    http_part, server_part = snippet.split("# --- inside server { ... } ---")
    docroot = tmp_path / "www"
    docroot.mkdir()
    (docroot / "kg").symlink_to(seed_site)  # the site deployed at the base's path, /kg/
    assert "root /var/www/html;" in server_part
    server_part = server_part.replace("root /var/www/html;", f"root {docroot};")
    port = free_port()
    temp = "\n".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
access_log off;
{temp}
{http_part}
server {{
listen 127.0.0.1:{port};
{server_part}
}}
}}
""")
    check = subprocess.run([exe, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    with _running([exe, "-c", str(conf), "-p", str(tmp_path)], port, tmp_path / "error.log") as origin:
        assert_negotiates(origin, seed_site, seed_out)


@pytest.mark.servers
def test_shipped_apache_snippet_negotiates_in_a_real_apache(seed_site: Path, seed_out: Path) -> None:
    import tempfile

    from servers import free_port

    exe = _executable("apache2")
    modules = Path("/usr/lib/apache2/modules")
    # Apache drops root for www-data, which must read the site: a world-readable copy in /tmp.
    with tempfile.TemporaryDirectory(prefix="kg-apache-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        docroot = root / "www"
        shutil.copytree(seed_site, docroot / "kg")
        for folder in [docroot, *[p for p in docroot.rglob("*") if p.is_dir()]]:
            folder.chmod(0o755)
        shutil.copy(seed_site / "server" / "apache.htaccess", docroot / "kg" / ".htaccess")
        port = free_port()
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        load = "\n".join(f"LoadModule {m}_module {modules}/mod_{m}.so"
                         for m in ("mpm_event", "authz_core", "dir", "mime", "rewrite", "headers"))
        (root / "mime.types").write_text("")  # the shipped .htaccess declares every type the site uses
        conf = root / "httpd.conf"
        conf.write_text(f"""ServerRoot {root}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
DefaultRuntimeDir {root}
ErrorLog {root}/error.log
LogLevel warn
{load}
{user}
DocumentRoot {docroot}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {docroot}>
    AllowOverride All
    Require all granted
</Directory>
""")
        check = subprocess.run([exe, "-t", "-f", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        with _running([exe, "-DFOREGROUND", "-f", str(conf)], port, root / "error.log") as origin:
            assert_negotiates(origin, docroot / "kg", seed_out)


# --- the whole corpus -----------------------------------------------------------------------

@pytest.mark.slow
def test_whole_corpus_site_builds_and_every_internal_link_resolves(corpus_out: Path, tmp_path: Path) -> None:
    store = ox.Store()
    store.bulk_load(path=str(corpus_out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    started = time.monotonic()
    site = make_site(corpus_out, tmp_path / "site")
    seconds = time.monotonic() - started
    checked, broken = broken_links(site)
    print(f"corpus site: {seconds:.1f} s, {len(list(site.rglob('*.html')))} pages, {checked} links checked")
    assert not broken, "\n".join(broken[:30])
    docs = select(store, "SELECT ?d WHERE { ?d a kg:ArchiveRecord }")
    assert len(docs) >= 40
    for row in docs:
        rel = row["d"].removeprefix(BASE)
        assert (site / unquote(rel) / "index.html").is_file(), rel
    entities = select(store, "SELECT DISTINCT ?e WHERE { "
                             "VALUES ?c { crm:E21_Person crm:E53_Place crm:E74_Group } ?e a ?c }")
    for row in entities:
        assert (site / unquote(row["e"].removeprefix(BASE)) / "index.html").is_file(), row["e"]
    # each sender -> addressee pair is one edge whose weight counts the messages whose text the
    # archive holds (documents and the messages they relay; not those only referred to)
    svg = (site / "network.svg").read_text(encoding="utf-8")
    weights = {(m[1], m[2]): int(m[3]) for m in re.finditer(
        r'data-source="([^"]+)" data-target="([^"]+)" data-weight="(\d+)"', svg)}
    pairs = select(store, """SELECT ?s ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {
        VALUES ?kind { kg:ArchiveRecord kg:RelayedMessage } ?m a ?kind ; kg:sender ?x ; kg:addressee ?y .
        ?x rdfs:label ?s . ?y rdfs:label ?a FILTER(?x != ?y) } GROUP BY ?s ?a""")
    assert weights == {(r["s"], r["a"]): int(r["n"]) for r in pairs}


def test_timeline_draws_bars_per_year_when_dots_would_pile_up() -> None:
    from kg.site import TIMELINE_DOTS, Message, timeline_picture

    def message(i: int, date: str) -> Message:
        return Message(iri=f"{BASE}document/d{i}", path=f"document/d{i}", title=f"d{i}", date=date, genre=None,
                       senders=[], addressees=[], copies=[], intermediaries=[], sent_from=[], events=[],
                       identifiers=[], references=[])

    few = timeline_picture([message(i, f"1951-0{1 + i % 9}-1{i % 10}") for i in range(30)])
    assert len(few["dots"]) == 30 and few["bars"] == []  # type: ignore[arg-type]
    many = [message(i, f"19{50 + i % 3}-0{1 + i % 9}-1{i % 10}") for i in range(TIMELINE_DOTS * 40)]
    bars = timeline_picture(many)
    assert bars["dots"] == []
    assert {b["year"]: b["count"] for b in bars["bars"]} == {1950: 534, 1951: 533, 1952: 533}  # type: ignore[union-attr,index]
