"""Link entities to Wikidata: offline from the authority file, online by reconciliation.

(Being built for the Wikidata issue.) `accepted_links(path)` is the interface the build uses:
entity key -> QID for every link accepted in a review file.
"""

from __future__ import annotations

from pathlib import Path


def accepted_links(path: Path) -> dict[str, str]:
    """Entity key -> QID of every accepted link in an SSSOM review file."""
    raise NotImplementedError("kg link is not built yet")
