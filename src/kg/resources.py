"""Access the data files shipped in the wheel (ontology, shapes, queries, context, authority)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def data_root() -> Traversable:
    return files("kg") / "_data"


def resource(*parts: str) -> Traversable:
    node = data_root()
    for part in parts:
        node = node / part
    if not node.is_file() and not node.is_dir():
        raise FileNotFoundError(
            f"kg data file {'/'.join(parts)} is missing from the installed package; "
            "reinstall kg with `pip install .`")
    return node


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")
