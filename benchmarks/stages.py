"""Where one document's time goes in `kg build`: each stage timed, then the hottest functions.

    python benchmarks/stages.py [--docs 500] [--seed 7] [--top 15] [--json FILE]

Generates the first N documents of the benchmark's synthetic archive (not timed), then runs
kg's per-document work in this one process, as a build worker does: read the source, parse,
map (the document's graph and its entities' descriptions), validate (pySHACL), serialise
(N-Quads, TriG, Turtle, JSON-LD). Prints JSON: milliseconds per document for each stage (timed
with perf_counter, no profiler attached), and the functions with the most time of their own
under cProfile (a second pass: the profiler slows everything, the shares are what matter).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import emit  # noqa: E402
from synth import generate  # noqa: E402

from kg import export  # noqa: E402
from kg.build import _authority_for  # noqa: E402
from kg.mapping import Minter, describe_entities, map_document_parts  # noqa: E402
from kg.parse import parse_document  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.sources import read_sources  # noqa: E402
from kg.validate import shapes_graph, validate_graph  # noqa: E402

STAGES = ("read", "parse", "map", "describe", "validate", "serialise")


def run_documents(source: Path, clock: Callable[[str, float], None]) -> int:
    """kg's per-document work on every document under `source`; `clock(stage, seconds)`."""
    settings = Settings()
    authority = _authority_for(settings)
    minter = Minter(settings.base)
    shapes_graph()
    done = 0
    items = iter(read_sources([source]))
    while True:
        t0 = time.perf_counter()
        item = next(items, None)
        t1 = time.perf_counter()
        if item is None:
            return done
        clock("read", t1 - t0)
        if isinstance(item, Exception):
            continue
        key, src = item
        doc, _ = parse_document(src, authority, key)
        t2 = time.perf_counter()
        graph, entities = map_document_parts(doc, minter)
        statements = list(graph)
        t3 = time.perf_counter()
        described = describe_entities(entities, minter)
        for triple in described:  # as build.process does
            graph.add(triple)
        t4 = time.perf_counter()
        validate_graph(graph)
        t5 = time.perf_counter()
        export.serialise(graph, described, statements)
        t6 = time.perf_counter()
        for stage, seconds in zip(STAGES[1:], (t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5),
                                  strict=True):
            clock(stage, seconds)
        done += 1


def profile(docs: int, seed: int, top: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kg-profile-") as tmp:
        archive = generate(Path(tmp) / "archive", docs, seed)
        totals = dict.fromkeys(STAGES, 0.0)

        def clock(stage: str, seconds: float) -> None:
            totals[stage] += seconds

        t0 = time.perf_counter()
        done = run_documents(archive.root, clock)
        wall = time.perf_counter() - t0
        profiler = cProfile.Profile()
        profiler.enable()
        run_documents(archive.root, lambda stage, seconds: None)
        profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    profiled = sum(tt for _, _, tt, _, _ in entries.values())
    hottest = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    return {
        "documents": done,
        "seed": seed,
        "ms_per_doc": round(wall * 1000 / max(done, 1), 2),
        "stages_ms_per_doc": {s: round(v * 1000 / max(done, 1), 2) for s, v in totals.items()},
        "stages_share": {s: round(v / wall, 3) for s, v in totals.items()},
        "hottest_own_time": [
            {"function": f"{Path(file).name}:{line}:{name}",
             "share": round(tt / profiled, 3), "calls": calls}
            for (file, line, name), (_, calls, tt, _, _) in hottest],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500, help="documents to profile (500)")
    ap.add_argument("--seed", type=int, default=7, help="the synthetic archive's seed (7)")
    ap.add_argument("--top", type=int, default=15, help="functions to list (15)")
    ap.add_argument("--json", type=Path, help="also write the JSON here")
    args = ap.parse_args()
    if args.docs < 1:
        ap.error("--docs must be at least 1")
    emit(profile(args.docs, args.seed, args.top), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
