"""Settings resolved once at the edge (flags > KG_* environment > defaults) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE = "https://example.org/kg/"


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE
    authority: Path | None = None  # None: the authority file shipped with kg
    links: Path | None = None  # accepted Wikidata links (SSSOM) from `kg link`
    jobs: int = 1

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")
        check_base(self.base)


def check_base(base: str) -> None:
    """Refuse, once and up front, a base no valid IRI can be minted under."""
    import pyoxigraph as ox

    from kg.errors import InputError

    hint = "give an http(s) IRI ending in / or #, e.g. https://example.org/kg/"
    try:
        ox.NamedNode(base)
    except ValueError as exc:
        raise InputError(f"--base {base!r} is not an absolute IRI ({exc})", hint=hint) from None
    if urlsplit(base).scheme.lower() not in ("http", "https"):
        raise InputError(f"--base {base!r} is not an http(s) IRI", hint=hint)
