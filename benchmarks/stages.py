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

from kg.build import _authority_for, process  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.sources import read_sources  # noqa: E402
from kg.validate import shapes_graph  # noqa: E402

STAGES = ("read", "parse", "map", "describe", "validate", "serialise")


def run_documents(source: Path, clock: Callable[[str, float], None]) -> int:
    """kg's per-document work (`kg.build.process`, as a build worker runs it) on every document
    under `source`; `clock(stage, seconds)` as each stage ends."""
    settings = Settings()
    _authority_for(settings)
    shapes_graph()
    done = 0
    items = iter(read_sources([source]))
    while True:
        last = time.perf_counter()
        item = next(items, None)
        if item is None:
            return done

        def lap(stage: str) -> None:
            nonlocal last
            now = time.perf_counter()
            clock(stage, now - last)
            last = now

        lap("read")
        if isinstance(item, Exception):
            continue
        process(*item, settings, lap)
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
