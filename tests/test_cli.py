"""The command line: help for every command, exit codes, clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from conftest import SEED, run_cli
from kg.cli import main


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help(name: str) -> None:
    command = main.commands[name]
    assert command.help and command.help.strip()
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"kg {name} {param.opts[0]} lacks help text"
    code, out = run_cli(name, "--help")
    assert code == 0 and "Usage:" in out


def test_build_defaults_to_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run_cli("build", "--quiet", cwd=tmp_path)
    assert code == 0, out
    assert (tmp_path / "dist" / "dataset.nq").is_file()


def test_bad_file_named_with_line_and_others_still_built(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "notes.txt").write_text("shopping list\nmilk\n", encoding="utf-8")
    (src / "latin1.txt").write_bytes("August 1, 1950\nCable, A to B\nCaf\xe9\n".encode("latin-1"))
    code, out = run_cli("build", str(src), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 2
    assert f"{src / 'notes.txt'}:1: line 1 should be the archive's date line" in out
    assert f"{src / 'latin1.txt'}:3: byte" in out and "UTF-8" in out
    assert "Traceback" not in out
    built = list((tmp_path / "out" / "documents").glob("*.ttl"))
    assert [p.stem for p in built] == [SEED.stem.replace("_", "-").lower()]


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run_cli("build", str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "--quiet")
    assert code == 2 and "no such file or folder" in out


def test_validate_without_build_output(tmp_path: Path) -> None:
    code, out = run_cli("validate", str(tmp_path))
    assert code == 2 and "kg build" in out


def test_bad_authority_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "authority.tsv"
    bad.write_text("id\ttype\tlabel\taliases\tcode_names\tqid\tborn\tdied\tnote\n"
                   "mao-zedong\tperson\tMao Zedong\t\t\tQ5816\t\t\t\n"
                   "x\tdeity\tX\t\t\t\t\t\t\n", encoding="utf-8")
    code, out = run_cli("build", str(SEED), "-o", str(tmp_path / "out"), "--authority", str(bad))
    assert code == 2 and f"{bad}:3: type 'deity'" in out
