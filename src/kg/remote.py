"""Remote triplestores: SPARQL 1.1 Protocol (query, update) and Graph Store Protocol (load).

Servers differ in ways that lose data silently (see docs and the tests against real Oxigraph
and Virtuoso servers), so this module is deliberately suspicious:

- every document graph is *replaced* (Graph Store PUT, then POSTs for the rest of a large
  graph), so reloading never duplicates; SPARQL Update is only the fallback for stores
  without the Graph Store Protocol, in batches below Virtuoso's ~1,000-triple limit;
- after a load the triple count of every graph is read back and compared with what was
  sent (`LoadReport.mismatches`);
- a SELECT cut short by the server (Virtuoso's `ResultSetMaxRows`, announced only by the
  `X-SPARQL-MaxRows` header on an HTTP 200; or its anytime-query timeout) comes back with
  `Result.truncated` set, never as a complete answer.

The network goes through one small injected class, `HttpClient`: timeouts, retries with
backoff on 429 and 5xx (honouring Retry-After), a descriptive User-Agent, HTTP basic and
digest authentication. Credentials are held in `Credentials`, whose repr hides the password;
no message kg prints contains it.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message

from kg import __version__
from kg.errors import EndpointError, InputError
from kg.query import Query, Result, bind_terms, with_values
from kg.store import AnyDataset, GraphCount, LoadReport, Progress

USER_AGENT = f"kg/{__version__} (archival knowledge-graph publisher; SPARQL 1.1 Protocol client)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
GRAPH_STORE_CHUNK_TRIPLES = 50_000
GRAPH_STORE_CHUNK_BYTES = 16 * 1024 * 1024
UPDATE_BATCH_TRIPLES = 500  # Virtuoso rejects INSERT DATA above ~1,000 triples (SP031/SP030)
COUNT_BATCH_GRAPHS = 100
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP basic or digest auth; the repr never shows the password."""

    user: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=***)"


def netrc_credentials(url: str, netrc_file: str | os.PathLike[str] | None = None) -> Credentials | None:
    """The login for the URL's host in a netrc file (default ~/.netrc), if there is one."""
    import netrc

    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        entries = netrc.netrc(os.fspath(netrc_file) if netrc_file is not None else None)
    except FileNotFoundError:
        return None
    except netrc.NetrcParseError as exc:
        # The parse error quotes the file name and line, never the password.
        raise InputError(f"cannot read the netrc file ({exc.msg})", path=exc.filename,
                         line=exc.lineno, hint="fix the file, or set KG_ENDPOINT_USER "
                         "and KG_ENDPOINT_PASSWORD") from None
    found = entries.authenticators(host)
    if not found:
        return None
    login, _account, password = found
    return Credentials(login or "", password or "")


def public_url(url: str) -> str:
    """The URL without any user:password part, fit to print."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def split_userinfo(url: str) -> tuple[str, Credentials | None]:
    """Take `http://user:pass@host/...` apart into the bare URL and its credentials."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    creds = Credentials(urllib.parse.unquote(parts.username),
                        urllib.parse.unquote(parts.password or ""))
    return public_url(url), creds


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8", errors="replace")


@dataclass
class _Challenge:
    scheme: str  # "digest" or "basic"
    params: dict[str, str]
    count: int = 0


def _challenges(headers: Message) -> dict[str, dict[str, str]]:
    """Parse WWW-Authenticate headers into {scheme: {param: value}} (basic and digest only)."""
    found: dict[str, dict[str, str]] = {}
    for value in headers.get_all("WWW-Authenticate") or []:
        for m in re.finditer(r"(?:^|,)\s*(Basic|Digest)\b((?:\s*,?\s*[\w-]+=(?:\"(?:[^\"\\]|\\.)*\"|[^,\s]*))*)",
                             value, re.I):
            params = {k.lower(): (v[1:-1].replace('\\"', '"') if v.startswith('"') else v)
                      for k, v in re.findall(r"([\w-]+)=(\"(?:[^\"\\]|\\.)*\"|[^,\s]*)", m[2])}
            found[m[1].lower()] = params
    return found


def _digest(algorithm: str) -> Callable[[str], str]:
    name = algorithm.upper().removesuffix("-SESS")
    fn = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(name)
    if fn is None:
        raise EndpointError(f"the server asks for digest algorithm {algorithm}, which kg "
                            "does not support (MD5 and SHA-256 only)")
    return lambda s: fn(s.encode("utf-8")).hexdigest()


class HttpClient:
    """Every HTTP request kg makes: timeouts, retries with backoff, User-Agent, basic/digest auth.

    Passed into `RemoteStore` (never created deep inside), so tests point it at loopback
    servers and callers choose timeouts and retries. `sleep` is injectable for the same reason.
    """

    def __init__(self, credentials: Credentials | None = None, *, timeout: float = 60.0,
                 retries: int = 3, backoff: float = 0.5, max_wait: float = 60.0,
                 user_agent: str = USER_AGENT, sleep: Callable[[float], None] = time.sleep) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.user_agent = user_agent
        self.sleep = sleep
        self.requests = 0
        self._challenge: dict[str, _Challenge] = {}

    def __repr__(self) -> str:
        return f"HttpClient(credentials={self.credentials!r}, timeout={self.timeout})"

    # -- public
    def request(self, method: str, url: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None,
                accept: Iterable[int] = (200, 201, 204)) -> Response:
        """Send one request (retrying as needed); any status outside `accept` is an EndpointError."""
        resp = self._with_retries(method, url, body, dict(headers or {}))
        if resp.status not in set(accept):
            raise EndpointError(f"{method} {public_url(url)} failed: HTTP {resp.status}"
                                + (f": {_excerpt(resp.text)}" if resp.body else ""))
        return resp

    # -- retries
    def _with_retries(self, method: str, url: str, body: bytes | None,
                      headers: dict[str, str]) -> Response:
        attempt = 0
        while True:
            try:
                resp = self._with_auth(method, url, body, headers)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", None) or exc
                    raise EndpointError(
                        f"cannot reach {public_url(url)} ({reason}) after {attempt + 1} "
                        "attempts; check the URL and that the server is running") from None
                self.sleep(self._wait(attempt, None))
                attempt += 1
                continue
            if resp.status in RETRY_STATUSES and attempt < self.retries:
                self.sleep(self._wait(attempt, resp.headers.get("Retry-After")))
                attempt += 1
                continue
            return resp

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                when = email.utils.parsedate_to_datetime(retry_after)
                seconds = when.timestamp() - time.time() if when else 0.0
            return max(0.0, min(seconds, self.max_wait))
        return min(self.backoff * 2 ** attempt, self.max_wait)

    # -- authentication
    def _with_auth(self, method: str, url: str, body: bytes | None,
                   headers: dict[str, str]) -> Response:
        key = _origin(url)
        cached = key in self._challenge
        resp = self._send(method, url, body, headers, self._authorization(method, url))
        if resp.status != 401:
            return resp
        if self.credentials is None:
            raise EndpointError(f"{public_url(url)} needs a user name and password (HTTP 401); "
                                "set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or add the "
                                "host to your netrc file")
        for _ in range(2 if cached else 1):
            offered = _challenges(resp.headers)
            scheme = "digest" if "digest" in offered else "basic" if "basic" in offered else None
            if scheme is None:
                raise EndpointError(f"{public_url(url)} asks for an authentication scheme kg "
                                    "does not speak (only HTTP basic and digest)")
            self._challenge[key] = _Challenge(scheme, offered[scheme])
            resp = self._send(method, url, body, headers, self._authorization(method, url))
            if resp.status != 401:
                return resp
        raise EndpointError(f"{public_url(url)} refused the password of user "
                            f"{self.credentials.user!r} (HTTP 401); check KG_ENDPOINT_USER and "
                            "KG_ENDPOINT_PASSWORD (or your netrc file)")

    def _authorization(self, method: str, url: str) -> str | None:
        challenge = self._challenge.get(_origin(url))
        if challenge is None or self.credentials is None:
            return None
        user, password = self.credentials.user, self.credentials.password
        if challenge.scheme == "basic":
            return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        p = challenge.params
        algorithm = p.get("algorithm", "MD5")
        h = _digest(algorithm)
        parts = urllib.parse.urlsplit(url)
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        challenge.count += 1
        nc = f"{challenge.count:08x}"
        cnonce = os.urandom(8).hex()
        realm, nonce = p.get("realm", ""), p.get("nonce", "")
        ha1 = h(f"{user}:{realm}:{password}")
        if algorithm.lower().endswith("-sess"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"',
                  f'response="{response}"', f"algorithm={algorithm}"]
        if "auth" in qops:
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        if "opaque" in p:
            fields.append(f'opaque="{p["opaque"]}"')
        return "Digest " + ", ".join(fields)

    # -- one request
    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
              authorization: str | None) -> Response:
        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("User-Agent", self.user_agent)
        for k, v in headers.items():
            req.add_header(k, v)
        if authorization:
            req.add_header("Authorization", authorization)
        host = urllib.parse.urlsplit(url).hostname or ""
        # Loopback never goes through a proxy, whatever the environment says.
        handlers = [urllib.request.ProxyHandler({})] if host in LOOPBACK else []
        opener = urllib.request.build_opener(*handlers)
        self.requests += 1
        try:
            with opener.open(req, timeout=self.timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as err:
            data = err.read() if err.fp is not None else b""
            return Response(err.code, err.headers, data)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _excerpt(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class ServerKind:
    """Where a kind of server keeps its endpoints, relative to its base URL."""

    query: str
    update: str
    store: str | None
    graph_param: str = "graph"
    query_params: tuple[tuple[str, str], ...] = ()
    auth_query: str | None = None  # the query path to use when credentials are given
    doc: str = ""


SERVERS: dict[str, ServerKind] = {
    # Oxigraph's default graph is empty unless asked to be the union of the named graphs.
    "oxigraph": ServerKind("/query", "/update", "/store",
                           query_params=(("union-default-graph", ""),),
                           doc="/query, /update, /store"),
    # Virtuoso: anonymous /sparql reads; writes need digest auth on the *-auth endpoints.
    "virtuoso": ServerKind("/sparql", "/sparql-auth", "/sparql-graph-crud-auth",
                           auth_query="/sparql-auth",
                           doc="/sparql (/sparql-auth with credentials), /sparql-auth, "
                               "/sparql-graph-crud-auth, digest auth"),
    # Anything else: --endpoint is the query (and update) URL; give --store-url for GSP.
    "generic": ServerKind("", "", None,
                          doc="--endpoint is the query and update URL; --store-url for GSP"),
}


@dataclass(frozen=True)
class Endpoint:
    """The URLs of one SPARQL service: query, update (optional) and Graph Store (optional)."""

    query_url: str
    update_url: str | None = None
    store_url: str | None = None
    graph_param: str = "graph"
    query_params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def for_server(cls, url: str, server: str = "generic", *, query_url: str | None = None,
                   update_url: str | None = None, store_url: str | None = None,
                   authenticated: bool = False) -> Endpoint:
        """The endpoint of a server of kind `server` at `url`, with explicit URLs winning."""
        if server not in SERVERS:
            raise InputError(f"unknown server kind {server!r}",
                             hint=f"use one of {', '.join(SERVERS)}")
        kind = SERVERS[server]
        for u in (url, query_url, update_url, store_url):
            if u is not None and urllib.parse.urlsplit(u).scheme not in ("http", "https"):
                raise InputError(f"{public_url(u)} is not an http(s) URL",
                                 hint="give the server's address, e.g. http://localhost:7878")
        base = url.rstrip("/") if server != "generic" else url
        q = kind.auth_query if authenticated and kind.auth_query else kind.query
        return cls(query_url=query_url or base + q,
                   update_url=update_url or base + kind.update,
                   store_url=store_url or (base + kind.store if kind.store is not None else None),
                   graph_param=kind.graph_param, query_params=kind.query_params)


class RemoteStore:
    """One SPARQL service seen through the protocols: select, update, and graph PUT/POST/DELETE."""

    def __init__(self, endpoint: Endpoint, client: HttpClient) -> None:
        self.endpoint = endpoint
        self.client = client

    def __str__(self) -> str:
        return public_url(self.endpoint.store_url or self.endpoint.update_url
                          or self.endpoint.query_url)

    # -- SPARQL 1.1 Protocol
    def select(self, text: str) -> Result:
        """Run a SELECT or ASK; rows as plain strings (as `kg.query.run_store` gives them)."""
        form = [("query", text), *self.endpoint.query_params]
        resp = self.client.request(
            "POST", self.endpoint.query_url, body=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/sparql-results+json"})
        try:
            data = json.loads(resp.body)
        except ValueError:
            raise EndpointError(f"{public_url(self.endpoint.query_url)} did not answer with "
                                f"SPARQL JSON results: {_excerpt(resp.text)}") from None
        if "boolean" in data:
            return Result(("result",), ((str(bool(data["boolean"])).lower(),),))
        variables = tuple(data.get("head", {}).get("vars", []))
        rows = tuple(tuple(_value(b.get(v)) for v in variables)
                     for b in data.get("results", {}).get("bindings", []))
        return Result(variables, rows, truncated=_truncated(resp.headers, len(rows)))

    def update(self, text: str) -> None:
        if not self.endpoint.update_url:
            raise InputError("this endpoint has no update URL", hint="pass --update-url")
        self.client.request(
            "POST", self.endpoint.update_url, body=urllib.parse.urlencode({"update": text}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"})

    # -- Graph Store Protocol
    def graph_url(self, graph: str) -> str:
        if not self.endpoint.store_url:
            raise InputError("this endpoint has no Graph Store URL", hint="pass --store-url")
        sep = "&" if "?" in self.endpoint.store_url else "?"
        return self.endpoint.store_url + sep + urllib.parse.urlencode({self.endpoint.graph_param: graph})

    def put(self, graph: str, ntriples: bytes) -> None:
        # N-Triples is Turtle, and every Graph Store implementation reads Turtle.
        self.client.request("PUT", self.graph_url(graph), body=ntriples,
                            headers={"Content-Type": "text/turtle; charset=utf-8"})

    def post(self, graph: str, ntriples: bytes) -> None:
        self.client.request("POST", self.graph_url(graph), body=ntriples,
                            headers={"Content-Type": "text/turtle; charset=utf-8"})

    def delete(self, graph: str) -> None:
        self.client.request("DELETE", self.graph_url(graph), accept=(200, 202, 204, 404))

    # -- reading back
    def graph_counts(self, graphs: list[str]) -> dict[str, int]:
        """Triples per named graph on the server (0 for graphs it does not have)."""
        counts = dict.fromkeys(graphs, 0)
        pending = [graphs[i:i + COUNT_BATCH_GRAPHS] for i in range(0, len(graphs), COUNT_BATCH_GRAPHS)]
        while pending:
            batch = pending.pop()
            values = " ".join(f"<{g}>" for g in batch)
            res = self.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                              "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            if res.truncated and len(batch) > 1:  # a row cap below the batch size: ask for less
                half = len(batch) // 2
                pending += [batch[:half], batch[half:]]
                continue
            for g, n in res.rows:
                if g is not None and g in counts:
                    counts[g] = int(n or 0)
        return counts

    def graphs(self, prefix: str) -> list[str]:
        """Named graphs on the server whose IRI starts with `prefix`, read page by page."""
        found: list[str] = []
        page = 1000
        prefix_literal = json.dumps(prefix)  # a JSON string is a valid SPARQL string literal
        while True:
            res = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                              f"FILTER(STRSTARTS(STR(?g), {prefix_literal})) }} "
                              f"ORDER BY ?g LIMIT {page} OFFSET {len(found)}")
            rows = [r[0] for r in res.rows if r[0] is not None]
            found.extend(rows)
            if res.truncated and len(rows) < page:
                page = max(1, len(rows))  # the server caps rows below our page: use its size
                continue
            if len(rows) < page:
                return found


def _value(binding: Mapping[str, str] | None) -> str | None:
    """A result term as the plain string the embedded store gives, Virtuoso's quirks undone."""
    if binding is None:
        return None
    value = binding.get("value", "")
    if binding.get("datatype") == XSD_BOOLEAN and value in ("0", "1"):
        return "true" if value == "1" else "false"  # Virtuoso writes booleans as 0/1
    return value


def _truncated(headers: Message, rows: int) -> bool:
    cap = headers.get("X-SPARQL-MaxRows")
    if cap is not None:
        try:
            if rows >= int(cap):
                return True
        except ValueError:
            return True
    # Virtuoso's anytime queries return partial results with this SQL state on a timeout.
    return (headers.get("X-SQL-State") or "").upper() == "S1TAT"


# --------------------------------------------------------------------------- queries


def run_remote(remote: RemoteStore, query: Query, values: dict[str, str] | None = None) -> Result:
    """Run a bundled or user query on a remote endpoint, parameters bound as in run_store."""
    terms = bind_terms(query, values or {})
    return remote.select(with_values(query.text, terms))


# --------------------------------------------------------------------------- loading


def chunks(lines: list[bytes], max_triples: int, max_bytes: int | None = None) -> list[bytes]:
    """N-Triples lines grouped into request bodies of at most max_triples lines / max_bytes."""
    out: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if current and (len(current) >= max_triples
                        or (max_bytes is not None and size + len(line) + 1 > max_bytes)):
            out.append(b"\n".join(current) + b"\n")
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        out.append(b"\n".join(current) + b"\n")
    return out


PROTOCOLS = ("auto", "graph-store", "update")


def load_remote(dataset: AnyDataset, remote: RemoteStore, *, prune: bool = False,
                protocol: str = "auto", chunk_triples: int = GRAPH_STORE_CHUNK_TRIPLES,
                chunk_bytes: int = GRAPH_STORE_CHUNK_BYTES,
                update_batch: int = UPDATE_BATCH_TRIPLES,
                progress: Progress | None = None) -> LoadReport:
    """Replace every graph of `dataset` on the server, then verify each graph's triple count."""
    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}", hint=f"use one of {', '.join(PROTOCOLS)}")
    gsp = protocol == "graph-store" or (protocol == "auto" and remote.endpoint.store_url is not None)
    if gsp and remote.endpoint.store_url is None:
        raise InputError("the Graph Store Protocol needs a store URL", hint="pass --store-url")
    if not gsp and update_batch >= 1000:
        raise InputError(f"update batches of {update_batch} triples are too large for some "
                         "servers (Virtuoso fails above ~1,000)", hint="use at most 999")
    start = remote.client.requests
    report = LoadReport(str(remote))
    sent: dict[str, int] = {}
    for n, graph in enumerate(dataset.graphs, start=1):
        lines = dataset.ntriples(graph)
        sent[graph] = len(lines)
        # Blank nodes are scoped to one request body: a graph holding them goes in one piece.
        whole = dataset.has_blank_nodes(graph)
        if gsp:
            parts = [b"\n".join(lines) + b"\n"] if whole else chunks(lines, chunk_triples, chunk_bytes)
            remote.put(graph, parts[0])
            for part in parts[1:]:
                remote.post(graph, part)
        else:
            parts = [b"\n".join(lines)] if whole else chunks(lines, update_batch)
            for i, part in enumerate(parts):
                insert = f"INSERT DATA {{ GRAPH <{graph}> {{\n{part.decode('utf-8')}\n}} }}"
                # CLEAR, not DROP: Virtuoso's DROP fails on graphs it did not CREATE.
                remote.update((f"CLEAR SILENT GRAPH <{graph}> ;\n" if i == 0 else "") + insert)
        if progress:
            progress(n, len(dataset.graphs))
    counts = remote.graph_counts(dataset.graphs)
    report.graphs = [GraphCount(g, sent[g], counts.get(g, 0)) for g in dataset.graphs]
    stale = sorted(set(remote.graphs(dataset.prefix)) - set(dataset.graphs))
    if prune:
        for graph in stale:
            if gsp:
                remote.delete(graph)
            else:
                remote.update(f"CLEAR SILENT GRAPH <{graph}> ;\nDROP SILENT GRAPH <{graph}>")
        report.removed = stale
    else:
        report.stale = stale
    report.requests = remote.client.requests - start
    return report


def verify_remote(dataset: AnyDataset, remote: RemoteStore) -> LoadReport:
    """Compare the server's triple count of every dataset graph with the dataset's, loading nothing."""
    counts = remote.graph_counts(dataset.graphs)
    report = LoadReport(str(remote), action="checked")
    report.graphs = [GraphCount(g, dataset.size(g), counts.get(g, 0)) for g in dataset.graphs]
    report.stale = sorted(set(remote.graphs(dataset.prefix)) - set(dataset.graphs))
    report.requests = remote.client.requests
    return report
