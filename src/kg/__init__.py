"""kg: publish archival documents as a validated CIDOC CRM knowledge graph."""

from __future__ import annotations

__version__ = "0.1.0"
