"""Atomic output, done for real: builds killed mid-run, interrupted, and run two at once.

Each test runs `kg build` as a real process (`python -m kg.cli`, its own process group so the
worker processes go down with it), does the bad thing to it (SIGKILL, Ctrl-C, a second build
on the same folder) and then checks the output folder byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import CORPUS
from kg.authority import slug
from kg.build import build
from kg.settings import Settings

pytestmark = pytest.mark.slow

KG = [sys.executable, "-m", "kg.cli"]
PAGES = sorted(CORPUS.glob("*.txt"))


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) by relative path, with its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def diff(before: dict[str, str], after: dict[str, str]) -> str:
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    return (f"missing {sorted(before.keys() - after.keys())[:5]}, new {sorted(after.keys() - before.keys())[:5]}, "
            f"changed {changed[:5]}")


def many_pages(folder: Path, copies: int) -> Path:
    """`copies` page copies of the real corpus under distinct names (symlinks: nothing copied)."""
    folder.mkdir(parents=True)
    for i in range(copies):
        page = PAGES[i % len(PAGES)]
        (folder / f"{i:04d}-{page.name}").symlink_to(page)
    return folder


def few_pages(folder: Path, names: list[str] | None = None) -> Path:
    folder.mkdir(parents=True)
    for page in PAGES[:3]:
        (folder / (names.pop(0) if names else page.name)).symlink_to(page)
    return folder


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*KG, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def stages(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.partial-*"))


def wait_mid_build(proc: subprocess.Popen[str], out: Path, documents: int = 20, timeout: float = 120) -> Path:
    """Wait until the build is writing its staging folder and has `documents` files in it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for stage in stages(out):
            docs = stage / "documents"
            if docs.is_dir() and sum(1 for _ in docs.iterdir()) >= documents:
                return stage
        if proc.poll() is not None:
            out_, err = proc.communicate()
            pytest.fail(f"the build ended (exit {proc.returncode}) before it could be interrupted; "
                        f"give it more input\n{out_}\n{err}")
        time.sleep(0.05)
    kill_group(proc)
    pytest.fail("the build never started writing its staging folder")


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def group_gone(pgid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An output folder holding a finished build, and its snapshot."""
    out = tmp_path / "site" / "out"
    report = build([few_pages(tmp_path / "previous")], out, Settings(jobs=1))
    assert len(report.documents) == 3 and not report.errors
    return out, snapshot(out)


# -- SIGKILL mid-run ----------------------------------------------------------------------------
@dataclass
class Killed:
    out: Path
    before: dict[str, str]
    after_kill: dict[str, str]
    returncode: int
    stage_seen: Path
    group_gone: bool
    next_run: subprocess.CompletedProcess[str]
    leftovers: list[Path]


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Killed]:
    """A build SIGKILLed mid-run (workers too), then the next build on the same folder."""
    tmp = tmp_path_factory.mktemp("killed")
    out = tmp / "site" / "out"
    build([few_pages(tmp / "previous")], out, Settings(jobs=1))
    before = snapshot(out)
    proc = start("build", str(many_pages(tmp / "big", 330)), "-o", str(out), "--quiet", "-j", "2", cwd=tmp)
    try:
        stage = wait_mid_build(proc, out)
        kill_group(proc)
        proc.wait(timeout=60)
    finally:
        kill_group(proc)
        proc.communicate()
    after_kill = snapshot(out)
    gone = group_gone(proc.pid)
    nxt = subprocess.run([*KG, "build", str(few_pages(tmp / "next", ["n1.txt", "n2.txt", "n3.txt"])),
                          "-o", str(out), "--quiet", "-j", "2"],
                         cwd=tmp, capture_output=True, text=True, timeout=300)
    yield Killed(out, before, after_kill, proc.returncode, stage, gone, nxt, stages(out))


def test_sigkill_mid_build_leaves_the_previous_output_byte_identical(killed: Killed) -> None:
    assert killed.returncode == -signal.SIGKILL
    assert killed.after_kill == killed.before, diff(killed.before, killed.after_kill)
    assert killed.group_gone, "worker processes outlived the killed build"


def test_the_next_run_after_a_kill_completes(killed: Killed) -> None:
    run = killed.next_run
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    docs = sorted(p.name for p in (killed.out / "documents").glob("*.ttl"))
    assert docs == ["n1.ttl", "n2.ttl", "n3.ttl"]
    assert (killed.out / "validation.txt").read_text() == "all documents conform\n"
    store = ox.Store()
    store.bulk_load(path=str(killed.out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    own = {"https://example.org/kg/graph/links", "https://example.org/kg/graph/entities"}
    assert len({g.value for g in store.named_graphs()} - own) == 3
    check = subprocess.run([*KG, "validate", str(killed.out)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_next_run_clears_what_a_killed_run_left(killed: Killed) -> None:
    assert killed.stage_seen.name.startswith(".out.partial-")
    assert killed.leftovers == [], f"left behind: {killed.leftovers}"


def test_killed_between_the_two_renames_the_output_folder_still_exists(
        tmp_path: Path, previous: tuple[Path, dict[str, str]]) -> None:
    """SIGKILL at the worst moment of the swap: right after the old output was moved aside."""
    out, before = previous
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        real = os.replace
        def replace(src, dst, *args, **kwargs):
            real(src, dst, *args, **kwargs)
            if Path(os.fsdecode(dst)).name.startswith(".out.old-"):
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = replace
        from kg.build import build
        from kg.settings import Settings
        build([Path({str(few_pages(tmp_path / "new", ["m1.txt", "m2.txt", "m3.txt"]))!r})],
              Path({str(out)!r}), Settings(jobs=1))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    after = snapshot(out) if out.is_dir() else {}
    new_build = {k for k in after if k.startswith("documents/")} == {
        f"documents/{n}{s}" for n in ("m1", "m2", "m3") for s in (".ttl", ".jsonld")}
    assert after == before or new_build, f"exit {proc.returncode}; output: {sorted(after)[:8]}; " + \
        f"beside it: {sorted(p.name for p in out.parent.iterdir())}"


# -- a worker process dies ------------------------------------------------------------------------
def test_a_worker_killed_mid_build_is_reported_clearly(
        tmp_path: Path, previous: tuple[Path, dict[str, str]]) -> None:
    """The system kills one worker (as the OOM killer does): a clear message, nothing half-written."""
    out, before = previous
    big = many_pages(tmp_path / "big", 330)
    proc = start("build", str(big), "-o", str(out), "--quiet", "-j", "2", cwd=tmp_path)
    try:
        wait_mid_build(proc, out)
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert workers, "the build runs no worker processes"
        os.kill(int(workers[0]), signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        kill_group(proc)
    assert "Traceback" not in stderr, stderr[-2000:]
    if proc.returncode == 0:  # the build recovered: every document is there
        assert len(list((out / "documents").glob("*.ttl"))) == len(list(big.iterdir()))
    else:
        assert proc.returncode not in (1, 3) and "worker" in stderr, stderr[-2000:]
        assert snapshot(out) == before, diff(before, snapshot(out))
    assert stages(out) == []


# -- Ctrl-C ----------------------------------------------------------------------------------
def test_ctrl_c_mid_build_cleans_up_and_keeps_the_previous_output(
        tmp_path: Path, previous: tuple[Path, dict[str, str]]) -> None:
    out, before = previous
    proc = start("build", str(many_pages(tmp_path / "big", 330)), "-o", str(out), "--quiet", "-j", "2",
                 cwd=tmp_path)
    try:
        wait_mid_build(proc, out)
        kill_group(proc, signal.SIGINT)  # what a terminal sends the whole foreground group
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        kill_group(proc)
    assert proc.returncode not in (0, 2) and "Traceback" not in stdout + stderr, stderr
    assert snapshot(out) == before, diff(before, snapshot(out))
    assert stages(out) == [], "an interrupted build removes its staging folder"
    assert group_gone(proc.pid)


# -- two builds at once ----------------------------------------------------------------------------
def test_a_second_build_on_the_same_output_fails_clearly_and_corrupts_nothing(
        tmp_path: Path, previous: tuple[Path, dict[str, str]]) -> None:
    out, _ = previous
    big = many_pages(tmp_path / "big", 200)
    first = start("build", str(big), "-o", str(out), "--quiet", "-j", "2", cwd=tmp_path)
    try:
        wait_mid_build(first, out, documents=4)
        second = subprocess.run([*KG, "build", str(few_pages(tmp_path / "other", ["b1.txt", "b2.txt", "b3.txt"])),
                                 "-o", str(out), "--quiet", "-j", "1"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        still_running = first.poll() is None
        stdout, stderr = first.communicate(timeout=600)
    finally:
        kill_group(first)
    assert still_running, "the first build ended before the second one ran: the test proves nothing"
    assert second.returncode == 2, second.stdout + second.stderr
    assert "another kg process" in second.stderr and "Traceback" not in second.stderr, second.stderr
    assert first.returncode == 0, stderr
    assert f"built {len(list(big.iterdir()))} documents" in stdout
    # The final output is the first build, complete and conforming; nothing of the second.
    docs = {p.stem for p in (out / "documents").glob("*.ttl")}
    assert docs == {slug(p.stem) for p in big.iterdir()}
    assert "DOES NOT CONFORM" not in (out / "validation.txt").read_text()
    assert (out / "errors.txt").read_text() == ""
    store = ox.Store()
    store.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    graphs = {g.value for g in store.named_graphs()} - {"https://example.org/kg/graph/links",
                                                        "https://example.org/kg/graph/entities"}
    assert len(graphs) == len(docs)
    for ttl in sorted((out / "documents").glob("*.ttl"))[::20]:
        ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE)
    assert stages(out) == []


def test_a_store_moved_by_a_killed_build_comes_back(tmp_path: Path) -> None:
    """A build killed after it moved OUT/store into its new folder, before the swap: the next
    build puts the store (and what it holds) back instead of deleting it with the leftovers."""
    from kg.export import locked, staged_folder
    from kg.store import KEPT_BY_BUILD

    out = tmp_path / "out"
    (out / "documents").mkdir(parents=True)
    killed = tmp_path / ".out.partial-99999"
    (killed / "store").mkdir(parents=True)
    (killed / "store" / "data").write_text("the store's files")
    (killed / ".store.kg-loaded-graphs.json").write_text("{}\n")
    with locked(out), staged_folder(out, keep=KEPT_BY_BUILD) as stage:
        (stage / "new.txt").write_text("the new build")
    assert not killed.exists()
    assert (out / "store" / "data").read_text() == "the store's files"
    assert (out / ".store.kg-loaded-graphs.json").read_text() == "{}\n"
    assert (out / "new.txt").is_file() and not (out / "documents").exists()
