"""Benchmark kg on a synthetic archive: build, load, floor, naive baseline, scaling, incremental, queries.

    python benchmarks/run.py [--docs N] [--json FILE] [--jobs J] [--seed S] [--small M]

Generates an archive of N documents (default 16,000, about the Wilson Center Digital Archive)
with benchmarks/synth.py (never timed), then measures, each in its own process:

- `kg build` (parse, map, link offline, validate, write every format) and `kg load` into the
  embedded store: wall and CPU time, peak memory of the whole process tree (RSS and PSS,
  polled from /proc, workers included) and of its largest process (getrusage), triples,
  documents and triples per second;
- the floor: the build's own dataset.nq bulk-loaded into a fresh embedded pyoxigraph store,
  plus the same per-document Turtle and JSON-LD written by pyoxigraph alone (J processes);
- the naive baseline on the first M documents (default 1,000): one rdflib graph for
  everything, pySHACL over it at once, one Turtle file written by rdflib;
- scaling: per-document time and peak memory of `kg build` on the first M documents and on N;
- incremental: one page copy corrected, then an incremental build and a reload of the graphs
  whose digest changed (and, with --verify-incremental, a full build to prove the incremental
  output byte-identical);
- query latency: median and p95 of 20 runs of every bundled query on the N-document store.

It prints a short table on stderr and the figures as JSON on stdout (and to --json FILE),
with the machine they came from and which targets of issue 7 they meet.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

PYTHON = sys.executable
KG = [PYTHON, "-m", "kg.cli"]
PAGE = os.sysconf("SC_PAGE_SIZE")
QUERY_VALUES = {  # realistic values for the bundled queries' parameters, by name then kind
    "name": "Mao Zedong", "person": "Joseph Stalin", "from": "1950-01-01", "to": "1950-12-31",
}
KIND_VALUES = {"string": "Mao Zedong", "date": "1951-01-01", "integer": "10",
               "iri": "https://example.org/kg/person/mao-zedong"}
TARGETS = {
    "build_plus_load_vs_floor": ("<=", 4.0, "kg build + kg load within 4x the floor"),
    "speedup_vs_naive": (">=", 20.0, "at least 20x faster per document than the naive baseline"),
    "time_per_doc_ratio": ("<=", 1.2, "per-document time at N within 1.2x of that at M"),
    "peak_memory_ratio": ("<=", 1.5, "peak memory at N within 1.5x of that at M"),
    "incremental_share": ("<=", 0.01, "one edited document rebuilt and reloaded in under 1% of "
                                      "the full build time"),
    "query_p95_ms_max": ("<", 100.0, "every bundled query's p95 under 100 ms on the N store"),
}


# -- measuring a process tree --------------------------------------------------------------------
@dataclass
class Run:
    """One measured command: times, memory, and what it printed."""

    command: list[str]
    wall_s: float
    cpu_s: float  # user + system, the whole tree
    sys_s: float  # of which system (the kernel: file writes, copies, page reclaim)
    peak_rss_mb: float  # the largest single process (getrusage of the tree's children)
    peak_tree_rss_mb: float  # the whole tree at its largest, polled (shared pages counted twice)
    peak_tree_pss_mb: float  # the same with shared pages split between processes (what it costs)
    returncode: int
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    def figures(self) -> dict[str, float]:
        return {"wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3),
                "sys_s": round(self.sys_s, 3),
                "peak_rss_mb": round(self.peak_rss_mb, 1),
                "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1),
                "peak_tree_pss_mb": round(self.peak_tree_pss_mb, 1)}


_WRAPPER = """
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    json.dump({"rc": p.returncode, "maxrss_kb": r.ru_maxrss, "user": r.ru_utime, "sys": r.ru_stime}, f)
"""


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


def measure(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            check: bool = True, interval: float = 0.1) -> Run:
    """Run `command` (its whole process tree) and measure wall time, CPU time and peak memory."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as usage:
        start = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-c", _WRAPPER, usage.name, *command], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak_rss = peak_pss = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak_rss, peak_pss
            while not done.is_set():
                rss = pss = 0
                for pid in _descendants(proc.pid):  # the wrapper itself is not counted
                    r, p = _memory(pid)
                    rss, pss = rss + r, pss + p
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
                done.wait(interval)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        out, err = proc.communicate()
        wall = time.perf_counter() - start
        done.set()
        poller.join()
        info = json.loads(Path(usage.name).read_text() or "{}")
    run = Run(command, wall, info.get("user", 0.0) + info.get("sys", 0.0), info.get("sys", 0.0),
              info.get("maxrss_kb", 0) / 1024,
              peak_rss / 2**20, peak_pss / 2**20, info.get("rc", proc.returncode), out, err)
    if check and run.returncode != 0:
        raise SystemExit(f"benchmark step failed ({run.returncode}): {' '.join(command)}\n"
                         f"{err[-3000:]}")
    return run


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the steps ---------------------------------------------------------------------------------------
def build_figures(run: Run, out: Path, documents: int) -> dict[str, object]:
    head = json.loads((out / "manifest.jsonl").open(encoding="utf-8").readline())
    triples = int(head["triples"])
    sizes = {name: (out / name).stat().st_size for name in ("dataset.nq", "dataset.trig")}
    sizes["documents"] = sum(p.stat().st_size for p in (out / "documents").iterdir())
    return {**run.figures(), "documents": documents, "triples": triples,
            "ms_per_doc": round(1000 * run.wall_s / documents, 3),
            "cpu_ms_per_doc": round(1000 * run.cpu_s / documents, 3),
            "docs_per_s": round(documents / run.wall_s, 2),
            "triples_per_s": round(triples / run.wall_s, 1),
            "output_bytes": sizes}


def kg_build(source: Path, out: Path, jobs: int, *, incremental: bool = False) -> Run:
    return measure([*KG, "build", str(source), "-o", str(out), "--quiet", "--jobs", str(jobs),
                    "--incremental" if incremental else "--full"])


_HELP: dict[str, str] = {}


def _help(command: str) -> str:
    if command not in _HELP:
        p = subprocess.run([*KG, command, "--help"], capture_output=True, text=True)
        _HELP[command] = p.stdout if p.returncode == 0 else ""
    return _HELP[command]


def kg_load(out: Path, store: Path, loader: str) -> tuple[Run, str]:
    """Load a build into the embedded store: with `kg load`, or pyoxigraph's bulk loader."""
    if loader == "kg":
        return measure([*KG, "load", str(out), "--store", str(store), "--quiet"]
                       if "--quiet" in _help("load") else
                       [*KG, "load", str(out), "--store", str(store)]), "kg load"
    return (measure([PYTHON, str(HERE / "run.py"), "--internal", "bulk-load", str(out), str(store)]),
            "pyoxigraph Store.bulk_load (kg load not used: see notes)")


def _number_in(text: str, pattern: str) -> int | None:
    found = re.search(pattern, text)
    return int(found[1]) if found else None


def triples_loaded(run: Run) -> int | None:
    for word in run.stdout.split("\n"):
        parts = word.split()
        if len(parts) > 4 and parts[0] == "loaded" and parts[3].isdigit():
            return int(parts[3])
    return None


def queries(store: Path, runs: int, timeout: float, memory_mb: int) -> dict[str, dict[str, object]]:
    """Median and p95 latency of every bundled query on the store, each in its own process.

    Each query process gets an address-space limit and a timeout, so a query that explodes
    (Oxigraph's union default graph is a bag: a triple in many graphs matches once per graph)
    is reported as failed instead of taking the machine down.
    """
    from kg.query import bundled

    out: dict[str, dict[str, object]] = {}
    for name, q in bundled().items():
        if "SERVICE" in q.text.upper():
            out[name] = {"skipped": "calls a remote SERVICE (the network); not measured offline"}
            continue
        params = {p.name: QUERY_VALUES.get(p.name, KIND_VALUES[p.kind])
                  for p in q.params if p.default is None}
        try:
            p = subprocess.run([PYTHON, str(HERE / "run.py"), "--internal", "query", str(store),
                                name, json.dumps(params), str(runs), str(timeout / 2)],
                               capture_output=True, text=True, timeout=timeout,
                               preexec_fn=lambda: resource.setrlimit(  # noqa: PLW1509
                                   resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20)))
        except subprocess.TimeoutExpired:
            out[name] = {"failed": f"no answer within {timeout:.0f} s", "params": params}
            continue
        if p.returncode != 0:
            out[name] = {"failed": f"exit {p.returncode} under a {memory_mb} MB address-space "
                                   f"limit: {p.stderr.strip().splitlines()[-1:] or ''}",
                         "params": params}
            continue
        out[name] = {**json.loads(p.stdout.strip().splitlines()[-1]), "params": params}
    return out


def _internal_query(store: str, name: str, params: str, runs: str, budget: str) -> None:
    import pyoxigraph as ox

    from kg.query import bundled, run_store

    st = ox.Store.read_only(store)
    q, values = bundled()[name], json.loads(params)
    t = time.perf_counter()
    rows = len(run_store(st, q, values).rows)  # the first run: cold caches
    first = 1000 * (time.perf_counter() - t)
    times: list[float] = []
    stop = time.perf_counter() + float(budget)  # a slow query gets fewer runs, never hours
    while len(times) < int(runs) and (time.perf_counter() < stop or len(times) < 3):
        t = time.perf_counter()
        run_store(st, q, values)
        times.append(1000 * (time.perf_counter() - t))
        if first > 1000 * float(budget):
            break
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    print(json.dumps({"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2),
                      "first_ms": round(first, 2), "runs": len(times), "rows": rows}))


def machine() -> dict[str, object]:
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    except (OSError, StopIteration):
        mem = 0
    versions = {}
    for package in ("kg", "rdflib", "pyshacl", "pyoxigraph", "owlrl", "click"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or None
    dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                                capture_output=True, text=True).stdout.strip())
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "packages": versions, "code": code_digest(), "kg_commit": commit, "kg_src_modified": dirty,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def targets(result: dict[str, object]) -> list[dict[str, object]]:
    r = result
    b, s, f, n = r["build"], r["scaling"], r["floor"], r.get("naive")  # type: ignore[index]
    inc, q = r["incremental"], r["queries"]
    p95s = [v["p95_ms"] for v in q.values() if "p95_ms" in v]  # type: ignore[union-attr]
    failed = any("failed" in v for v in q.values())  # type: ignore[union-attr]
    values = {
        "build_plus_load_vs_floor": _ratio(r["build_plus_load_s"], f["wall_s"]),  # type: ignore[index,arg-type]
        "speedup_vs_naive": _ratio(n["ms_per_doc"], s["small"]["ms_per_doc"]) if n else None,  # type: ignore[index]
        "time_per_doc_ratio": s["time_per_doc_ratio"],  # type: ignore[index]
        "peak_memory_ratio": s["peak_memory_ratio"],  # type: ignore[index]
        "incremental_share": inc["share_of_full_build"],  # type: ignore[index]
        "query_p95_ms_max": max(p95s) if p95s else None,
    }
    del b
    out = []
    for key, (op, limit, text) in TARGETS.items():
        value = values[key]
        met = None if value is None else (value <= limit if op == "<=" else value >= limit
                                          if op == ">=" else value < limit)
        if key == "query_p95_ms_max" and failed:
            met = False  # a query that failed has no p95 to compare, and certainly misses
        out.append({"target": key, "goal": f"{op} {limit}", "what": text, "value": value,
                    "met": met})
    return out


def table(result: dict[str, object]) -> str:
    r = result
    b, ld, f, s, inc = (r["build"], r["load"], r["floor"], r["scaling"], r["incremental"])  # type: ignore[index]
    n = r.get("naive") or {}
    lines = [
        f"kg benchmark: {r['archive']['documents']} documents, {b['triples']} triples, "  # type: ignore[index]
        f"{r['machine']['cores']} cores ({r['machine']['cpu']})",  # type: ignore[index]
        f"  kg build      {b['wall_s']:9.1f} s  {b['docs_per_s']:8.1f} docs/s  {b['triples_per_s']:10.0f} "
        f"triples/s  peak {b['peak_tree_pss_mb']:.0f} MB (tree PSS)",
        f"  load ({ld['tool'].split()[0]})  {ld['wall_s']:9.1f} s  peak {ld['peak_tree_pss_mb']:.0f} MB",
        f"  floor         {f['wall_s']:9.1f} s  (bulk load {f['load_s']:.1f} s + write ttl/jsonld "
        f"{f['serialise_s']:.1f} s)",
        f"  naive ({n.get('documents', '-')} docs) {n.get('wall_s', float('nan')):9.1f} s  "
        f"{n.get('ms_per_doc', float('nan')):.1f} ms/doc",
        f"  scaling       {s['small']['ms_per_doc']:.1f} ms/doc at {s['small']['documents']}, "
        f"{s['large']['ms_per_doc']:.1f} at {s['large']['documents']}; peak "
        f"{s['small']['peak_tree_pss_mb']:.0f} -> {s['large']['peak_tree_pss_mb']:.0f} MB",
        f"  incremental   rebuild {inc['rebuild_s']:.2f} s + reload {inc['reload_s']:.2f} s "
        f"= {100 * inc['share_of_full_build']:.2f}% of the full build",
        "  queries (p95 ms): " + ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in r["queries"].items()  # type: ignore[union-attr]
                                           if "p95_ms" in v),
        "  targets:"]
    for t in r["targets"]:  # type: ignore[union-attr]
        mark = {True: "met", False: "NOT met", None: "n/a"}[t["met"]]
        lines.append(f"    {mark:8} {t['target']:26} {t['value']} (goal {t['goal']})")
    return "\n".join(lines)


def benchmark(args: argparse.Namespace) -> dict[str, object]:
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    docs, small_docs, jobs = args.docs, min(args.small, args.docs), args.jobs
    result: dict[str, object] = {"kg_benchmark": 1, "command": " ".join([
        "python benchmarks/run.py", f"--docs {docs}", f"--small {small_docs}", f"--jobs {jobs}",
        f"--seed {args.seed}"]), "machine": machine()}
    notes: list[str] = []
    try:
        log(f"generating {docs} documents (seed {args.seed}) in {work} (not timed)")
        t = time.perf_counter()
        names = synth.load_names()
        big = synth.generate(work / "archive", docs, args.seed, names)
        small = synth.generate(work / "archive-small", small_docs, args.seed, names)
        archive = asdict(big)
        archive.update(root=str(big.root), generation_s=round(time.perf_counter() - t, 2),
                       mean_bytes=round(big.bytes / docs, 1))
        result["archive"] = archive

        log(f"kg build, {small_docs} documents")
        small_out = work / "small-out"
        small_build = kg_build(small.root, small_out, jobs)
        sb = build_figures(small_build, small_out, small_docs)
        small_load = None
        if _help("load") and args.loader in ("auto", "kg"):
            log(f"kg load, {small_docs} documents")
            small_load = kg_load(small_out, work / "small-store", "kg")[0]
            shutil.rmtree(work / "small-store", ignore_errors=True)

        if not args.skip_naive:
            log(f"naive baseline, {small_docs} documents (one rdflib graph, pySHACL, rdflib Turtle)")
            naive = measure([PYTHON, str(HERE / "run.py"), "--internal", "naive", str(small.root),
                             str(work / "naive.ttl")])
            stages = json.loads(naive.stdout.strip().splitlines()[-1])
            result["naive"] = {**naive.figures(), "documents": small_docs, **stages,
                               "ms_per_doc": round(1000 * naive.wall_s / small_docs, 3)}
            (work / "naive.ttl").unlink(missing_ok=True)

        log(f"kg build, {docs} documents")
        out = work / "out"
        full = kg_build(big.root, out, jobs)
        result["build"] = build_figures(full, out, docs)

        loader = "kg" if args.loader == "auto" else args.loader  # kg load streams: it fits
        if loader != "kg":
            notes.append("the load was measured with pyoxigraph's bulk loader, not `kg load`, "
                         "as asked (--loader pyoxigraph); the incremental reload then has no "
                         "digests of a verified load to compare with, and sends every graph")
        log(f"load ({loader}), {docs} documents")
        store = work / "store"
        load_run, tool = kg_load(out, store, loader)
        loaded = triples_loaded(load_run) or result["build"]["triples"]  # type: ignore[index]
        result["load"] = {**load_run.figures(), "tool": tool, "triples": loaded,
                          "triples_per_s": round(loaded / load_run.wall_s, 1)}
        if small_load is not None:
            result["load"]["small"] = {**small_load.figures(), "documents": small_docs}  # type: ignore[index]
        result["build_plus_load_s"] = round(full.wall_s + load_run.wall_s, 3)

        log("floor: bulk load into a fresh store + per-document Turtle and JSON-LD by pyoxigraph")
        floor = measure([PYTHON, str(HERE / "run.py"), "--internal", "floor", str(out),
                         str(work / "floor-store"), str(work / "floor-docs"), str(jobs)])
        result["floor"] = {**floor.figures(), **json.loads(floor.stdout.strip().splitlines()[-1])}
        shutil.rmtree(work / "floor-store", ignore_errors=True)
        shutil.rmtree(work / "floor-docs", ignore_errors=True)

        result["scaling"] = {
            "small": {k: sb[k] for k in ("documents", "ms_per_doc", "cpu_ms_per_doc",
                                         "peak_tree_pss_mb", "peak_tree_rss_mb", "peak_rss_mb")},
            "large": {k: result["build"][k] for k in ("documents", "ms_per_doc",  # type: ignore[index]
                                                      "cpu_ms_per_doc", "peak_tree_pss_mb",
                                                      "peak_tree_rss_mb", "peak_rss_mb")},
        }
        sc = result["scaling"]
        sc["time_per_doc_ratio"] = _ratio(sc["large"]["ms_per_doc"], sc["small"]["ms_per_doc"])  # type: ignore[index]
        sc["peak_memory_ratio"] = _ratio(sc["large"]["peak_tree_pss_mb"],  # type: ignore[index]
                                         sc["small"]["peak_tree_pss_mb"])  # type: ignore[index]

        log(f"queries, {args.query_runs} runs each")
        result["queries"] = queries(store, args.query_runs, args.query_timeout,
                                    args.query_memory_mb)

        log("incremental: one page copy corrected, rebuilt and reloaded")
        edited = synth.edit_one(big)
        rebuild = kg_build(big.root, out, jobs, incremental=True)
        reload, reload_tool = kg_load(out, store, "kg")
        inc = {"edited": str(edited.relative_to(work)), "rebuild_s": round(rebuild.wall_s, 3),
               "rebuild_peak_tree_pss_mb": round(rebuild.peak_tree_pss_mb, 1),
               "reused": _number_in(rebuild.stdout, r"\((\d+) unchanged"),
               "reload_s": round(reload.wall_s, 3),
               "graphs_not_sent_again": _number_in(reload.stdout, r"(\d+) more graphs unchanged"),
               "reload_tool": reload_tool, "reload_output": reload.stdout.strip(),
               "total_s": round(rebuild.wall_s + reload.wall_s, 3)}
        inc["share_of_full_build"] = round(inc["total_s"] / full.wall_s, 5)
        verify = args.verify_incremental if args.verify_incremental is not None else docs <= 2000
        if verify:
            log("full build of the edited archive, to compare with the incremental one")
            fresh = work / "out-full-after-edit"
            kg_build(big.root, fresh, jobs)
            inc["identical_to_full_build"] = _same_tree(out, fresh)
            shutil.rmtree(fresh, ignore_errors=True)
        else:
            inc["identical_to_full_build"] = None
        result["incremental"] = inc
        result["targets"] = targets(result)
        result["notes"] = notes
        result["workdir"] = str(work)
    finally:
        if not args.keep:
            _clean(work)
    return result


CREATED = ["archive", "archive-small", "small-out", "small-store", "out", "store", "floor-store",
           "floor-docs", "naive.ttl", "out-full-after-edit", "kg-snapshot"]


def _clean(work: Path) -> None:
    """Remove what the benchmark made in `work` (and `work` itself when nothing else is there)."""
    for name in CREATED:
        path = work / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for lock in work.glob(".*.lock"):
        lock.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        work.rmdir()


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    files_b = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, files_a, shallow=False)
    return not mismatch and not errors


def snapshot(target: Path) -> Path:
    """Copy kg's code and the data files it reads (as laid out in a checkout) to `target`."""
    import kg

    package = Path(kg.__file__).resolve().parent
    checkout = package.parent.parent
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target / "src" / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("shapes", "ontology", "queries", "templates"):
        if (checkout / folder).is_dir():
            shutil.copytree(checkout / folder, target / folder)
    (target / "data").mkdir()
    shutil.copyfile(checkout / "data" / "authority.tsv", target / "data" / "authority.tsv")
    return target


def code_digest() -> dict[str, object]:
    """Which kg code the figures are of: the snapshot's (or checkout's) files, hashed."""
    import hashlib

    import kg

    package = Path(kg.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return {"kg_path": str(package), "snapshot": "KG_BENCH_SNAPSHOT" in os.environ,
            "sha256": h.hexdigest()}


# -- steps run in their own process (python run.py --internal STEP ...) -------------------------
def _internal_bulk_load(out: str, store: str) -> None:
    import pyoxigraph as ox

    st = ox.Store(store)
    st.bulk_load(path=str(Path(out) / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    st.flush()
    st.optimize()
    print(f"loaded {len(list(st.named_graphs()))} graphs, {len(st)} triples into {store}")


def _internal_floor(out: str, store: str, docs: str, jobs: str) -> None:
    """What pyoxigraph alone needs: bulk-load dataset.nq, write each graph as Turtle and JSON-LD."""
    import multiprocessing

    import pyoxigraph as ox

    t0 = time.perf_counter()
    st = ox.Store(store)
    st.bulk_load(path=str(Path(out) / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    st.flush()
    t1 = time.perf_counter()
    entries = [json.loads(line) for line in
               (Path(out) / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    ranges = [(e["nquads"][0], e["nquads"][1],
               e.get("key") or ("entities" if e.get("entities") else "links")) for e in entries]
    Path(docs).mkdir(parents=True, exist_ok=True)
    n = max(1, int(jobs))
    parts = [(str(Path(out) / "dataset.nq"), ranges[i::n], docs) for i in range(n)]
    with multiprocessing.Pool(n) as pool:
        written = sum(pool.map(_floor_part, parts))
    t2 = time.perf_counter()
    print(json.dumps({"load_s": round(t1 - t0, 3), "serialise_s": round(t2 - t1, 3),
                      "graphs_written": written, "triples_loaded": len(st)}))


def _floor_part(args: tuple[str, list[tuple[int, int, str]], str]) -> int:
    import pyoxigraph as ox

    from kg.vocab import PREFIXES

    path, ranges, docs = args
    with open(path, "rb") as f:
        for offset, length, key in ranges:
            f.seek(offset)
            triples = [q.triple for q in ox.parse(input=f.read(length), format=ox.RdfFormat.N_QUADS)]
            ox.serialize(triples, str(Path(docs) / f"{key}.ttl"), format=ox.RdfFormat.TURTLE,
                         prefixes=PREFIXES)
            ox.serialize(triples, str(Path(docs) / f"{key}.jsonld"), format=ox.RdfFormat.JSON_LD,
                         prefixes=PREFIXES)
    return len(ranges)


def _internal_naive(source: str, target: str) -> None:
    """The obvious way: every document into one rdflib graph, pySHACL once, rdflib's Turtle."""
    from rdflib import Graph

    from kg.build import _authority_for
    from kg.mapping import DocumentMapper, EntityDescriber, Minter, bind_prefixes
    from kg.parse import parse_document
    from kg.settings import Settings
    from kg.sources import read_sources
    from kg.validate import validate_graph

    settings = Settings()
    authority = _authority_for(settings)
    minter = Minter(settings.base)
    t0 = time.perf_counter()
    graph = Graph(identifier=minter.graph("all"))
    bind_prefixes(graph)
    docs = 0
    entities: dict[object, object] = {}
    for item in read_sources([Path(source)]):
        if isinstance(item, Exception):
            continue
        key, src = item
        doc, _ = parse_document(src, authority, key)
        mapper = DocumentMapper(doc, minter, graph)
        mapper.run()
        entities.update(mapper.entities)
        docs += 1
    describer = EntityDescriber(minter, graph)
    for entity in entities:
        describer.describe(entity)  # type: ignore[arg-type]
    t1 = time.perf_counter()
    report = validate_graph(graph)
    t2 = time.perf_counter()
    graph.serialize(target, format="turtle")
    t3 = time.perf_counter()
    print(json.dumps({"parse_map_s": round(t1 - t0, 3), "shacl_s": round(t2 - t1, 3),
                      "turtle_s": round(t3 - t2, 3), "triples": len(graph),
                      "conforms": report.conforms, "documents_read": docs}))


INTERNAL = {"query": _internal_query, "bulk-load": _internal_bulk_load,
            "floor": _internal_floor, "naive": _internal_naive}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--internal"]:
        INTERNAL[argv[1]](*argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=16_000, help="documents in the archive (16000)")
    ap.add_argument("--small", type=int, default=1_000,
                    help="documents of the scaling point and the naive baseline (1000)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="kg build --jobs (all cores)")
    ap.add_argument("--seed", type=int, default=7, help="the synthetic archive's seed (7)")
    ap.add_argument("--json", type=Path, help="also write the JSON here")
    ap.add_argument("--workdir", help="where to generate and build (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--skip-naive", action="store_true", help="skip the naive baseline")
    ap.add_argument("--query-runs", type=int, default=20, help="runs per query (20)")
    ap.add_argument("--query-timeout", type=float, default=120,
                    help="seconds before a query's process is stopped (120)")
    ap.add_argument("--query-memory-mb", type=int,
                    default=min(4096, int(os.sysconf("SC_PHYS_PAGES") * PAGE / 2**20 * 0.2)),
                    help="address-space limit of a query's process (20%% of RAM, at most 4 GB)")
    ap.add_argument("--loader", choices=["auto", "kg", "pyoxigraph"], default="auto",
                    help="how to load the N-document store: kg load (auto, the default), or "
                         "pyoxigraph's bulk loader alone")
    ap.add_argument("--verify-incremental", action=argparse.BooleanOptionalAction, default=None,
                    help="also build the edited archive in full and compare it byte for byte "
                         "with the incremental build (default: only up to 2000 documents)")
    ap.add_argument("--snapshot", action=argparse.BooleanOptionalAction, default=True,
                    help="run every step on a copy of kg's code and data files taken at the start, "
                         "so edits to the checkout during a long run cannot change what is measured "
                         "(default: on)")
    args = ap.parse_args(argv)
    if args.docs < 1 or args.small < 1:
        ap.error("--docs and --small must be at least 1")
    if args.snapshot and "KG_BENCH_SNAPSHOT" not in os.environ:
        work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kg-bench-"))
        snap = snapshot(work / "kg-snapshot")
        env = {**os.environ, "PYTHONPATH": str(snap / "src"), "KG_BENCH_SNAPSHOT": str(snap)}
        argv = [*argv, "--workdir", str(work)]
        os.execve(PYTHON, [PYTHON, str(Path(__file__).resolve()), *argv], env)
    result = benchmark(args)
    print(table(result), file=sys.stderr)
    emit(result, args.json)
    return 0


def emit(result: dict[str, object], path: Path | None) -> None:
    """Print the figures as JSON, and write them to `path` too if given."""
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if path:
        path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
