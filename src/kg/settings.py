"""Settings resolved once at the edge (flags > KG_* environment > defaults) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
