"""Every `kg` command shown in README.md works as written.

Local commands run for real in a scratch copy of the project layout (with ../shared beside
it); commands that need a network service (remote endpoints, Wikidata) or run forever
(`kg serve`) are checked against the CLI's parser here and run for real against loopback
servers in their own test modules (test_remote, test_link, test_site).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest

from conftest import ROOT, SHARED, run_cli
from kg.cli import main

SERVICE_COMMANDS = {"serve", "link"}


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith(".venv/bin/kg "):
                commands.append(shlex.split(line)[1:])
    return commands


def needs_service(args: list[str]) -> bool:
    """Commands that need a server, or a file only such a command writes (kg link's links)."""
    return args[0] in SERVICE_COMMANDS or "--endpoint" in args or "--links" in args


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("readme")
    (top / "shared").symlink_to(SHARED)
    work = top / "main"
    work.mkdir()
    shutil.copytree(ROOT / "data", work / "data")
    (work / "tests").mkdir()
    shutil.copytree(ROOT / "tests" / "gold", work / "tests" / "gold")
    return work


def test_readme_shows_commands() -> None:
    subcommands = {c[0] for c in readme_commands()}
    assert {"build", "validate", "query", "queries", "eval", "site"} <= subcommands


@pytest.mark.slow
def test_local_readme_commands_run(project: Path) -> None:
    ran = 0
    for args in readme_commands():
        if needs_service(args):
            continue
        code, out = run_cli(*args, cwd=project)
        assert code == 0, f"kg {' '.join(args)} exited {code}:\n{out}"
        assert "Traceback" not in out
        ran += 1
    assert ran >= 6


def test_service_readme_commands_parse() -> None:
    """Commands needing a server still name real commands and options, in a valid form."""
    checked = 0
    for args in readme_commands():
        if not needs_service(args):
            continue
        command = main.commands[args[0]]
        with click.Context(main) as parent:
            command.make_context(args[0], args[1:], parent=parent)
        checked += 1
    assert checked >= 1
