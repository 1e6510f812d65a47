"""Smoke tests for tests/servers.py: real Oxigraph and Virtuoso servers on loopback.

Needs the oxigraph binary in the venv and Virtuoso 7 from
scripts/install-system-deps.sh. Run: python -m pytest tests/test_servers_smoke.py -q
"""

from __future__ import annotations

import os
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import (  # noqa: E402
    OxigraphServer,
    ServerError,
    VirtuosoServer,
    free_port,
    http_request,
)

pytestmark = pytest.mark.servers

TURTLE = """\
@prefix ex: <http://example.org/> .
ex:alice ex:knows ex:bob , ex:carol .
ex:bob ex:name "Bob" .
"""
TURTLE_TRIPLES = 3


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def _select(endpoint: str, query: str, **auth: str) -> tuple[list[dict[str, Any]], Any]:
    sparql = SPARQLWrapper(endpoint)
    if auth:
        sparql.setHTTPAuth(DIGEST)
        sparql.setCredentials(auth["user"], auth["password"])
    sparql.setQuery(query)
    sparql.setReturnFormat(JSON)
    result = sparql.query()
    data: Any = result.convert()
    return data["results"]["bindings"], result.response


def _count(endpoint: str, graph: str, **auth: str) -> int:
    rows, _ = _select(
        endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", **auth
    )
    return int(rows[0]["n"]["value"])


@pytest.fixture(scope="module")
def virtuoso():
    with VirtuosoServer() as server:
        yield server


# ---------------------------------------------------------------- Oxigraph


def test_oxigraph_gsp_put_then_sparql_count(tmp_path):
    location = tmp_path / "ox"
    with OxigraphServer(location) as ox:
        assert ox.location == location
        assert ox.store_url == f"http://127.0.0.1:{ox.port}/store"
        graph = "http://example.org/g/oxigraph"
        resp = http_request(
            "PUT", ox.graph_url(graph), data=TURTLE, headers={"Content-Type": "text/turtle"}
        )
        assert resp.status in (201, 204), resp
        assert _count(ox.query_url, graph) == TURTLE_TRIPLES
    assert location.is_dir(), "a location the caller passed in must not be removed"


def test_oxigraph_survives_kill_and_restarts_on_same_location():
    with OxigraphServer() as ox:
        graph = "http://example.org/g/durable"
        resp = http_request(
            "PUT", ox.graph_url(graph), data=TURTLE, headers={"Content-Type": "text/turtle"}
        )
        assert resp.status in (201, 204)
        old_pid = ox.pid
        ox.kill()
        assert not ox.is_running and not _process_alive(old_pid)
        ox.start()
        assert ox.pid != old_pid
        assert _count(ox.query_url, graph) == TURTLE_TRIPLES
        # SPARQL UPDATE endpoint works too
        sparql = SPARQLWrapper(ox.query_url, updateEndpoint=ox.update_url)
        sparql.setMethod(POST)
        sparql.setQuery(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x> <urn:y> <urn:z> }} }}")
        sparql.query()
        assert _count(ox.query_url, graph) == TURTLE_TRIPLES + 1
        own_tmp = ox.location.parent
    assert not own_tmp.exists(), "its own temp dir is removed on exit"


def test_several_oxigraph_servers_at_once_and_cleanup_on_error():
    pids = []
    with pytest.raises(RuntimeError, match="boom"):
        with OxigraphServer() as a, OxigraphServer() as b, OxigraphServer() as c:
            assert len({a.port, b.port, c.port}) == 3
            for server in (a, b, c):
                assert http_request("GET", server.query_url + "?query=ASK%7B%7D").status == 200
            pids = [a.pid, b.pid, c.pid]
            raise RuntimeError("boom")
    assert pids and not any(_process_alive(pid) for pid in pids)


def test_oxigraph_start_failure_is_reported_with_server_output():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ServerError, match="(?s)exited with code.*Address already in use"):
            with OxigraphServer(port=busy.getsockname()[1]):
                pass


def test_free_port_hands_out_distinct_ports():
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20


# ---------------------------------------------------------------- Virtuoso


def test_virtuoso_gsp_put_with_digest_then_sparql_count(virtuoso):
    graph = "http://example.org/g/virtuoso"
    url = virtuoso.graph_url(graph)
    assert url.startswith(virtuoso.gsp_url + "?graph-uri=")

    # anonymous write to the *-auth endpoint is refused
    resp = http_request("PUT", url, data=TURTLE, headers={"Content-Type": "text/turtle"})
    assert resp.status == 401

    resp = http_request(
        "PUT",
        url,
        data=TURTLE,
        headers={"Content-Type": "text/turtle"},
        user=virtuoso.user,
        password=virtuoso.password,
    )
    assert resp.status in (200, 201, 204), resp.text
    assert _count(virtuoso.sparql_url, graph) == TURTLE_TRIPLES


def test_virtuoso_sparqlwrapper_digest_on_sparql_auth(virtuoso):
    graph = "http://example.org/g/virtuoso-auth"
    resp = http_request(
        "PUT",
        virtuoso.graph_url(graph),
        data=TURTLE,
        headers={"Content-Type": "text/turtle"},
        user=virtuoso.user,
        password=virtuoso.password,
    )
    assert resp.status in (200, 201, 204)
    try:
        # SPARQLWrapper's DIGEST mode installs a process-wide urllib opener
        n = _count(virtuoso.auth_url, graph, user=virtuoso.user, password=virtuoso.password)
    finally:
        urllib.request.install_opener(None)
    assert n == TURTLE_TRIPLES


def test_virtuoso_anonymous_update_is_granted(virtuoso):
    graph = "http://example.org/g/anon-update"
    sparql = SPARQLWrapper(virtuoso.sparql_url)
    sparql.setMethod(POST)
    sparql.setQuery(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> , <urn:d> }} }}")
    sparql.query()
    assert _count(virtuoso.sparql_url, graph) == 2
    assert "2" in virtuoso.isql(
        f"SPARQL SELECT COUNT(*) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }};"
    )


def test_virtuoso_result_set_max_rows_truncates_silently():
    """ResultSetMaxRows cuts SELECT results with HTTP 200; only a header tells."""
    graph = "http://example.org/g/capped"
    ten = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(10))
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with VirtuosoServer(max_rows=5) as capped, VirtuosoServer() as normal:
        assert len({capped.sql_port, capped.http_port, normal.sql_port, normal.http_port}) == 4
        for server in (capped, normal):
            resp = http_request(
                "PUT",
                server.graph_url(graph),
                data=ten,
                headers={"Content-Type": "text/turtle"},
                user=server.user,
                password=server.password,
            )
            assert resp.status in (200, 201, 204), resp.text

        rows, response = _select(capped.sparql_url, query)
        assert len(rows) == 5
        assert response.headers.get("X-SPARQL-MaxRows") == "5"
        assert re.search(r"(?m)^ResultSetMaxRows\s*=\s*5$", capped.ini_path.read_text())

        rows, response = _select(normal.sparql_url, query)
        assert len(rows) == 10
        assert response.headers.get("X-SPARQL-MaxRows") is None
        # COUNT is not capped: the data really is there
        assert _count(capped.sparql_url, graph) == 10


def test_virtuoso_kill_restart_and_cleanup(tmp_path):
    directory = tmp_path / "vdb"
    graph = "http://example.org/g/restart"
    with VirtuosoServer(directory=directory) as vt:
        assert vt.directory == directory
        resp = http_request(
            "PUT",
            vt.graph_url(graph),
            data=TURTLE,
            headers={"Content-Type": "text/turtle"},
            user=vt.user,
            password=vt.password,
        )
        assert resp.status in (200, 201, 204)
        old_pid = vt.pid
        vt.kill()
        assert not _process_alive(old_pid)
        vt.start()
        assert _count(vt.sparql_url, graph) == TURTLE_TRIPLES
        pid = vt.pid
    assert not _process_alive(pid)
    assert (directory / "virtuoso.db").is_file(), "a directory the caller passed in is kept"
