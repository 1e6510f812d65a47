"""Find and score Wikidata candidates for the persons, places and organisations kg left unlinked.

The online half of linking (`link.py` decides what to do with the scores). Only standard SPARQL
1.1 is sent, so any endpoint holding Wikidata-shaped data answers: the public query service, a
mirror, or the Oxigraph server the tests load with a fixture. Every point a candidate earns or
loses is written down as a reason, because a scholar must be able to see why kg proposes (or
refuses) an identity before it merges two people in everyone's queries.

The client is injected (`SparqlClient`); `EndpointClient` is the real one: SPARQLWrapper with a
descriptive User-Agent, timeouts, retries with backoff on 429 and 5xx honouring Retry-After
(capped), and an on-disk cache keyed by endpoint and query text, so reruns and offline runs give
the same answers.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import os
import platform
import re
import tempfile
import time
import urllib.error
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

import pyoxigraph as ox

from kg import __version__
from kg.errors import EndpointError, InputError
from kg.model import EntityKind

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
LANGUAGES = ("en", "ru", "zh", "ko")
# Verified in ../shared/reference/README.md: instance of, human, birth, death, inception, coordinates.
P31, HUMAN, P569, P570, P571, P625 = "P31", "Q5", "P569", "P570", "P571", "P625"

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
KIND_OF_CLASS: dict[str, EntityKind] = {
    CRM + "E21_Person": "person", CRM + "E53_Place": "place", CRM + "E74_Group": "organisation"}
QID_IRI = re.compile(re.escape(WD) + r"(Q[1-9]\d*)")

# -- scoring, in points out of 100 (integers keep the arithmetic, and so the output, exact) -----
NAME_POINTS = {  # (field of the kg name, field of the Wikidata name) -> points
    ("rdfs:label", "rdfs:label"): 60,
    ("rdfs:label", "skos:altLabel"): 45,
    ("skos:altLabel", "rdfs:label"): 45,
    ("skos:altLabel", "skos:altLabel"): 35,
}
HUMAN_POINTS = 30  # a person matched to an instance of human (Q5)
TYPED_POINTS = 20  # a place or organisation matched to an item with some other P31 class
COORDINATE_POINTS = 10  # a place matched to an item with coordinates (P625)
DATES_POINTS = 10  # dates on the item agree with the documents
DATE_PENALTY = 20  # dates that are possible but unlikely (a child; someone already dead)
AMBIGUITY_MARGIN = 15  # rivals this close to each other are a coin toss ...
AMBIGUITY_PENALTY = 30  # ... so neither can be accepted without a reviewer
LONG_DEAD_YEARS = 50  # dead this long before the earliest document naming them: not a candidate
CHILD_YEARS = 15  # younger than this at the earliest document: unlikely in diplomatic papers
ROW_LIMIT = 5000  # cap on rows per candidate query; a hit is reported as a reason

YMD = tuple[int, int, int]


# ------------------------------------------------------------------------------------------
# subjects: what kg published without a Wikidata link


@dataclass(frozen=True)
class Subject:
    """One unlinked person, place or organisation, with what the documents say about it."""

    iri: str
    key: str
    kind: EntityKind
    label: str
    aliases: tuple[str, ...] = ()
    first_date: tuple[YMD, YMD, str] | None = None  # earliest dated document: start, end, as written
    documents: int = 0

    @property
    def base(self) -> str:
        """The dataset's IRI base: the entity IRI without '<segment>/<key>'."""
        return self.iri.rsplit("/", 2)[0] + "/"


_SUBJECTS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX la: <https://linked.art/ns/terms/>
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX kg: <https://w3id.org/kg-archive/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?g ?e ?class ?label ?alias ?date WHERE {
  VALUES ?class { crm:E21_Person crm:E53_Place crm:E74_Group }
  GRAPH ?eg { ?e a ?class ; rdfs:label ?label . }
  FILTER NOT EXISTS { GRAPH ?any { ?e la:equivalent|owl:sameAs ?linked } }
  OPTIONAL { GRAPH ?eg { ?e skos:altLabel ?alias } }
  # the documents that name it (in any role), with their dates
  OPTIONAL { GRAPH ?g { ?s ?p ?e . ?doc a kg:ArchiveRecord .
                        OPTIONAL { ?doc dcterms:date ?date } } }
}
"""


def read_subjects(dataset: Path) -> list[Subject]:
    """Every person, place and organisation in a built dataset.nq that has no Wikidata link."""
    if not dataset.is_file():
        raise InputError("no dataset.nq here", path=str(dataset),
                         hint="run `kg build` first and pass its output folder to kg link")
    store = ox.Store()
    try:
        store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, OSError) as exc:
        raise InputError(f"not readable as N-Quads ({exc})", path=str(dataset),
                         hint="rebuild it with `kg build`") from exc
    found: dict[str, dict[str, Any]] = {}
    solutions = store.query(_SUBJECTS)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        iri = row["e"].value
        item = found.setdefault(iri, {"kind": KIND_OF_CLASS[row["class"].value], "labels": set(),
                                      "aliases": set(), "dates": set(), "graphs": set()})
        item["labels"].add(row["label"].value)
        if row["g"] is not None:
            item["graphs"].add(row["g"].value)
        if row["alias"] is not None:
            item["aliases"].add(row["alias"].value)
        if row["date"] is not None and (span := date_span(row["date"].value)) is not None:
            item["dates"].add((*span, row["date"].value))
    subjects = []
    for iri, item in sorted(found.items()):
        label = sorted(item["labels"])[0]
        subjects.append(Subject(
            iri=iri, key=unquote(iri.rsplit("/", 1)[1]), kind=item["kind"], label=label,
            aliases=tuple(sorted(item["aliases"] | item["labels"] - {label})),
            first_date=min(item["dates"]) if item["dates"] else None,
            documents=len(item["graphs"])))
    return subjects


_DATE = re.compile(r"^\s*(-?\d{1,6})(?:-(\d\d)(?:-(\d\d))?)?")


def date_span(text: str) -> tuple[YMD, YMD] | None:
    """The first and last day a written date can mean: '1951' -> 1951-01-01 .. 1951-12-31.

    Dates are (year, month, day) tuples, not datetime.date, so Wikidata's years before 1 AD and
    its 00 month/day placeholders compare without special cases.
    """
    m = _DATE.match(text)
    if m is None:
        return None
    year = int(m[1])
    month = int(m[2]) if m[2] and m[2] != "00" else 0
    day = int(m[3]) if m[3] and m[3] != "00" else 0
    start = (year, month or 1, day or 1)
    end = (year, month or 12, day or 31)
    return start, end


def _iso(d: YMD) -> str:
    return f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}" if d[0] >= 0 else f"{d[0]}-{d[1]:02d}-{d[2]:02d}"


# ------------------------------------------------------------------------------------------
# the SPARQL client


@dataclass(frozen=True)
class Answer:
    """SPARQL JSON result bindings, and the day the endpoint gave them (kept in the cache)."""

    rows: list[dict[str, dict[str, str]]]
    retrieved: str


class SparqlClient(Protocol):
    """What reconciliation needs from an endpoint; inject another for tests or other stores."""

    endpoint: str

    def select(self, query: str) -> Answer: ...


def user_agent(contact: str | None = None) -> str:
    """A User-Agent that says who is asking and why, as the Wikimedia policy asks."""
    from SPARQLWrapper import __version__ as sw_version

    about = "kg archival knowledge graph, Wikidata reconciliation; https://w3id.org/kg-archive"
    if contact:
        about += f"; {contact}"
    return (f"kg/{__version__} ({about}) SPARQLWrapper/{sw_version} "
            f"Python/{platform.python_version()}")


class _Retryable(Exception):
    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.retry_after = retry_after


@dataclass
class EndpointClient:
    """SPARQLWrapper behind a cache, with timeouts and polite retries (see the module doc)."""

    endpoint: str = DEFAULT_ENDPOINT
    cache: Path | None = None
    offline: bool = False
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_wait: float = 60.0  # cap on any single wait, also on a server's Retry-After
    agent: str = field(default_factory=user_agent)
    on_retry: Callable[[int, str, float], None] | None = None  # (attempt, why, seconds)
    sleep: Callable[[float], None] = time.sleep
    today: Callable[[], str] = field(default=lambda: date.today().isoformat())
    requests: int = 0  # queries actually sent (cache misses), for reports

    def select(self, query: str) -> Answer:
        path = self._cache_path(query)
        if path is not None and path.is_file():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                return Answer(cached["results"]["results"]["bindings"], cached["retrieved"])
            except (ValueError, KeyError, TypeError, OSError):
                pass  # a damaged entry is fetched again and rewritten
        if self.offline:
            raise EndpointError(
                f"offline, and the cache {self.cache} has no answer from {self.endpoint} for "
                f"this query (cache key {path.stem if path else '-'}); run once without "
                "--offline, or point --cache at the cache of the run you want to repeat")
        data = self._fetch(query)
        answer = Answer(data["results"]["bindings"], self.today())
        if path is not None:
            _write_atomic(path, json.dumps(
                {"endpoint": self.endpoint, "query": query, "retrieved": answer.retrieved,
                 "results": data}, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
        return answer

    def _cache_path(self, query: str) -> Path | None:
        if self.cache is None:
            return None
        digest = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return self.cache / digest[:2] / f"{digest}.json"

    def _fetch(self, query: str) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            try:
                return self._once(query)
            except _Retryable as exc:
                if attempt == self.retries:
                    raise EndpointError(
                        f"{self.endpoint} failed {attempt + 1} times in a row (last: {exc.why}); "
                        "the answers received so far are cached: wait, then rerun the same "
                        "command, or use --endpoint for a mirror") from None
                wait = exc.retry_after if exc.retry_after is not None else (
                    self.backoff * 2 ** attempt)
                wait = max(0.0, min(wait, self.max_wait))
                if self.on_retry is not None:
                    self.on_retry(attempt + 1, exc.why, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _once(self, query: str) -> dict[str, Any]:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            SPARQLWrapperException,
            Unauthorized,
        )

        sparql = SPARQLWrapper(self.endpoint, agent=self.agent)
        sparql.setQuery(query)
        sparql.setReturnFormat(JSON)
        sparql.setTimeout(int(max(1, round(self.timeout))))
        if len(query) > 1500:  # long GET URLs are refused by some servers and proxies
            sparql.setMethod(POST)
        self.requests += 1
        try:
            data = sparql.query().convert()
        except EndPointInternalError:
            raise _Retryable("HTTP 500 Internal Server Error") from None
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise _Retryable(f"HTTP {exc.code} {exc.reason}",
                                 retry_after_seconds(exc.headers.get("Retry-After"))) from None
            raise EndpointError(f"{self.endpoint} refused the query: HTTP {exc.code} {exc.reason}"
                                "; check --endpoint") from None
        except QueryBadFormed as exc:
            raise EndpointError(f"{self.endpoint} rejected kg's query as malformed (HTTP 400): "
                                f"{_short(exc)}; is this a SPARQL 1.1 endpoint?") from None
        except EndPointNotFound:
            raise EndpointError(f"no SPARQL endpoint at {self.endpoint} (HTTP 404); "
                                "check the --endpoint URL") from None
        except Unauthorized:
            raise EndpointError(f"{self.endpoint} wants credentials (HTTP 401); "
                                "kg link reads public endpoints only") from None
        except SPARQLWrapperException as exc:
            raise EndpointError(f"{self.endpoint} refused the query: {_short(exc)}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _Retryable(f"no answer within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionResetError | ConnectionAbortedError):
                raise _Retryable(f"connection dropped ({reason})") from None
            raise EndpointError(f"cannot reach the SPARQL endpoint {self.endpoint} ({reason}); "
                                "check the URL and the network, or rerun with --offline to "
                                "answer from the cache") from None
        except TimeoutError:
            raise _Retryable(f"no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Retryable(f"connection dropped ({type(exc).__name__})") from None
        except ValueError as exc:  # json
            raise EndpointError(f"{self.endpoint} did not answer with SPARQL JSON results "
                                f"({exc}); is it a SPARQL endpoint?") from None
        if not (isinstance(data, dict) and isinstance(data.get("results"), dict)
                and isinstance(data["results"].get("bindings"), list)):
            raise EndpointError(f"{self.endpoint} did not answer with SPARQL JSON results; "
                                "is it a SPARQL endpoint?")
        return data


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------
# candidates and their scores


def candidate_query(subject: Subject) -> str:
    """Items whose label or alias, in en/ru/zh/ko, is exactly one of the subject's names.

    Standard SPARQL 1.1 only (no wikibase:label service, no mwapi), so any endpoint holding
    Wikidata-shaped data answers. Names are escaped as RDF literals by pyoxigraph, and sorted,
    so the same subject always yields the same text (the cache key).
    """
    names = sorted({subject.label, *subject.aliases})
    values = " ".join(str(ox.Literal(n, language=lang)) for n in names for lang in LANGUAGES)
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wdt: <{WDT}>
SELECT DISTINCT ?item ?name ?field ?class ?born ?died ?inception ?coordinates ?label WHERE {{
  VALUES ?name {{ {values} }}
  {{ ?item rdfs:label ?name . BIND("rdfs:label" AS ?field) }}
  UNION
  {{ ?item skos:altLabel ?name . BIND("skos:altLabel" AS ?field) }}
  OPTIONAL {{ ?item wdt:{P31} ?class }}
  OPTIONAL {{ ?item wdt:{P569} ?born }}
  OPTIONAL {{ ?item wdt:{P570} ?died }}
  OPTIONAL {{ ?item wdt:{P571} ?inception }}
  BIND(EXISTS {{ ?item wdt:{P625} ?where }} AS ?coordinates)
  OPTIONAL {{ ?item rdfs:label ?label FILTER(lang(?label) = "en") }}
}}
LIMIT {ROW_LIMIT}
"""


@dataclass(frozen=True)
class Candidate:
    """One Wikidata item that may be the subject, with its score and every reason for it."""

    qid: str
    label: str
    points: int  # 0..100; the confidence written to SSSOM is points / 100
    reasons: tuple[str, ...]
    match_string: str
    subject_field: str  # rdfs:label or skos:altLabel, on the kg side
    object_field: str  # rdfs:label or skos:altLabel, on the Wikidata side
    excluded: str | None = None  # why it cannot be the subject; None if it can
    ambiguous: bool = False

    @property
    def confidence(self) -> float:
        return self.points / 100


@dataclass(frozen=True)
class Reconciliation:
    """The candidates for one subject, best first, and the day the evidence was retrieved."""

    subject: Subject
    candidates: tuple[Candidate, ...]
    retrieved: str
    skipped: tuple[str, ...] = ()  # QIDs left out because a reviewer rejected them before
    truncated: bool = False

    @property
    def plausible(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.excluded is None)

    @property
    def excluded(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.excluded is not None)


def reconcile(subject: Subject, client: SparqlClient,
              rejected: Iterable[str] = ()) -> Reconciliation:
    """Ask the endpoint for the subject's candidates and score them (rejected QIDs dropped)."""
    answer = client.select(candidate_query(subject))
    return score(subject, answer.rows, rejected, answer.retrieved)


def score(subject: Subject, rows: list[dict[str, dict[str, str]]], rejected: Iterable[str] = (),
          retrieved: str = "") -> Reconciliation:
    """Score the items in SPARQL result rows (see `candidate_query`) as candidates for subject."""
    items: dict[str, _Facts] = {}
    for row in rows:
        m = QID_IRI.fullmatch(row.get("item", {}).get("value", ""))
        if m is None:
            continue
        facts = items.setdefault(m[1], _Facts())
        name, fld = row.get("name", {}), row.get("field", {}).get("value", "rdfs:label")
        if name:
            facts.matches.add((name.get("value", ""), name.get("xml:lang", ""), fld))
        if (cls := QID_IRI.fullmatch(row.get("class", {}).get("value", ""))) is not None:
            facts.classes.add(cls[1])
        for var, bucket in (("born", facts.born), ("died", facts.died),
                            ("inception", facts.inception)):
            if var in row and (span := date_span(row[var]["value"])) is not None:
                bucket.add(span[0])
        if row.get("coordinates", {}).get("value") in ("true", "1"):
            facts.coordinates = True
        if row.get("label", {}).get("value"):
            facts.labels.add(row["label"]["value"])
    rejected = set(rejected)
    skipped = tuple(sorted((q for q in items if q in rejected), key=_qid_order))
    candidates = [_judge(subject, qid, facts) for qid, facts in items.items() if qid not in rejected]
    candidates = _mark_ambiguity(candidates)
    candidates.sort(key=lambda c: (c.excluded is not None, -c.points, _qid_order(c.qid)))
    return Reconciliation(subject, tuple(candidates), retrieved, skipped,
                          truncated=len(rows) >= ROW_LIMIT)


@dataclass
class _Facts:
    matches: set[tuple[str, str, str]] = field(default_factory=set)  # (name, lang, field)
    classes: set[str] = field(default_factory=set)
    born: set[YMD] = field(default_factory=set)
    died: set[YMD] = field(default_factory=set)
    inception: set[YMD] = field(default_factory=set)
    coordinates: bool = False
    labels: set[str] = field(default_factory=set)


def _qid_order(qid: str) -> int:
    return int(qid[1:])


def _judge(subject: Subject, qid: str, facts: _Facts) -> Candidate:
    reasons: list[str] = []
    excluded: str | None = None

    # names: the strongest of the exact matches found
    def strength(match: tuple[str, str, str]) -> tuple[int, str, str]:
        name, lang, obj_field = match
        subj_field = "rdfs:label" if name == subject.label else "skos:altLabel"
        return NAME_POINTS[(subj_field, obj_field)], subj_field, f"{name}@{lang}"

    best = max((strength(m) + (m,) for m in facts.matches), key=lambda s: (s[0], s[3]))
    points, subj_field, _tag, (name, lang, obj_field) = best
    kg_side = "kg label" if subj_field == "rdfs:label" else "kg alias"
    wd_side = "Wikidata label" if obj_field == "rdfs:label" else "Wikidata alias"
    reasons.append(f"+{points} {kg_side} = {wd_side} ({lang or 'no language'}): {name}")

    # type
    classes = sorted(facts.classes, key=_qid_order)
    if subject.kind == "person":
        if HUMAN in facts.classes:
            points += HUMAN_POINTS
            reasons.append(f"+{HUMAN_POINTS} instance of human ({HUMAN})")
        elif classes:
            excluded = f"instance of {', '.join(classes)}, not human ({HUMAN}): kg names a person"
        else:
            reasons.append("+0 no instance-of (P31) to check the type")
    else:
        if HUMAN in facts.classes:
            excluded = f"instance of human ({HUMAN}): kg names {_a(subject.kind)}"
        elif classes:
            points += TYPED_POINTS
            reasons.append(f"+{TYPED_POINTS} instance of {', '.join(classes)}, not a human")
        else:
            reasons.append("+0 no instance-of (P31) to check the type")
        if subject.kind == "place" and facts.coordinates:
            points += COORDINATE_POINTS
            reasons.append(f"+{COORDINATE_POINTS} has coordinates ({P625})")

    # dates against the earliest document that names the subject
    if excluded is None:
        delta, why, excluded = _dates(subject, facts)
        points += delta
        reasons.extend(why)

    label = sorted(facts.labels)[0] if facts.labels else name
    points = max(0, min(100, points))
    if excluded is not None:
        reasons.append(f"excluded: {excluded}")
        points = 0
    return Candidate(qid=qid, label=label, points=points, reasons=tuple(reasons),
                     match_string=name, subject_field=subj_field, object_field=obj_field,
                     excluded=excluded)


def _a(kind: str) -> str:
    return {"place": "a place", "organisation": "an organisation"}.get(kind, f"a {kind}")


def _dates(subject: Subject, facts: _Facts) -> tuple[int, list[str], str | None]:
    """Points, reasons and (if any) the exclusion that the item's dates imply."""
    if subject.first_date is None:
        return 0, ["+0 no dated document to check dates against"], None
    start, end, doc = subject.first_date
    if subject.kind == "person":
        if not facts.born and not facts.died:
            return 0, [f"+0 no birth or death date ({P569}/{P570}) to compare with {doc}"], None
        born = min(facts.born) if facts.born else None
        died = max(facts.died) if facts.died else None
        if born is not None and born > end:
            return 0, [], f"born {_iso(born)}, after the earliest document naming it ({doc})"
        if died is not None and died[0] < start[0] - LONG_DEAD_YEARS:
            return 0, [], (f"died {_iso(died)}, {start[0] - died[0]} years before the earliest "
                           f"document naming it ({doc})")
        if died is not None and died < start:
            return -DATE_PENALTY, [f"-{DATE_PENALTY} died {_iso(died)}, before the earliest "
                                   f"document naming it ({doc}): only a posthumous mention fits"], None
        if born is not None and born[0] > start[0] - CHILD_YEARS:
            return -DATE_PENALTY, [f"-{DATE_PENALTY} born {_iso(born)}: under {CHILD_YEARS} at the "
                                   f"earliest document naming it ({doc})"], None
        life = ", ".join(p for p in (f"born {_iso(born)}" if born else "",
                                     f"died {_iso(died)}" if died else "") if p)
        return DATES_POINTS, [f"+{DATES_POINTS} alive at the earliest document naming it "
                              f"({doc}; {life})"], None
    if not facts.inception:
        return 0, [f"+0 no inception ({P571}) to compare with {doc}"], None
    founded = min(facts.inception)
    if founded > end:
        return 0, [], f"inception {_iso(founded)}, after the earliest document naming it ({doc})"
    return DATES_POINTS, [f"+{DATES_POINTS} existed at the earliest document naming it "
                          f"({doc}; inception {_iso(founded)})"], None


def _mark_ambiguity(candidates: list[Candidate]) -> list[Candidate]:
    """Near-equal plausible candidates each lose points: a coin toss is no evidence."""
    from dataclasses import replace

    plausible = [c for c in candidates if c.excluded is None]
    out = []
    for c in candidates:
        rivals = [r for r in plausible if r.qid != c.qid and c.excluded is None
                  and abs(r.points - c.points) <= AMBIGUITY_MARGIN]
        if not rivals:
            out.append(c)
            continue
        rivals.sort(key=lambda r: (-r.points, _qid_order(r.qid)))
        names = ", ".join(f"{r.qid} ({r.points / 100:.2f})" for r in rivals[:3])
        more = f" and {len(rivals) - 3} more" if len(rivals) > 3 else ""
        points = max(0, c.points - AMBIGUITY_PENALTY)
        out.append(replace(c, points=points, ambiguous=True, reasons=c.reasons + (
            f"-{AMBIGUITY_PENALTY} ambiguous: {names}{more} fit as well",)))
    return out
