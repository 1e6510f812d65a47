"""Access the data files shipped in the wheel (ontology, shapes, queries, context, authority)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def data_root() -> Traversable:
    """The wheel's kg/_data; in an editable install (pip install -e), the source checkout."""
    packaged = files("kg") / "_data"
    if packaged.is_dir():
        return packaged
    return files("kg") / ".." / ".."


def _source_name(part: str) -> str:
    # In a checkout the authority file lives in data/, as the user edits it.
    return {"authority.tsv": "data/authority.tsv"}.get(part, part)


def resource(*parts: str) -> Traversable:
    root = data_root()
    node = root
    packaged = (files("kg") / "_data").is_dir()
    for i, part in enumerate(parts):
        for piece in (part if packaged or i else _source_name(part)).split("/"):
            node = node / piece
    if not node.is_file() and not node.is_dir():
        raise FileNotFoundError(
            f"kg data file {'/'.join(parts)} is missing from the installed package; "
            "reinstall kg with `pip install .`")
    return node


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")
