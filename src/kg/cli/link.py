"""kg link commands (see the module of the same name in kg/)."""

from __future__ import annotations
