"""One exception tree for the library; the CLI maps each class to a stable exit code.

Exit codes (documented in README): 0 ok, 1 data does not conform, 2 bad input or usage,
3 endpoint or network failure.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_BAD_INPUT = 2
EXIT_ENDPOINT = 3


class KgError(Exception):
    """Base of every error kg raises on purpose; the message says what, where and how to fix."""

    exit_code = EXIT_BAD_INPUT


class InputError(KgError):
    """A source file, row or option that kg cannot read; names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.path = path
        self.line = line
        self.hint = hint
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        text = where + message
        if hint:
            text += f" (fix: {hint})"
        super().__init__(text)


class NotConforming(KgError):
    """SHACL validation found violations."""

    exit_code = EXIT_NONCONFORMING


class EndpointError(KgError):
    """A SPARQL endpoint could not be reached, refused us, or answered wrongly."""

    exit_code = EXIT_ENDPOINT


class LockedError(KgError):
    """Another kg process holds the output folder or store."""

    exit_code = EXIT_BAD_INPUT
