"""Typed failures. Each carries the one-line message the CLI prints and, for documents,
the `errors` table's kind; nothing below the CLI prints a traceback for expected faults."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: `kind` goes to errors.error, str(self) to errors.message."""

    kind = "error"
    exit_code = 1

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class UsageError(PipelineError):
    """Bad command line or missing input: exit 2, nothing processed."""

    kind = "usage"
    exit_code = 2


class MissingDependencyError(PipelineError):
    """A system tool the run needs is absent: say how to install it."""

    kind = "missing_dependency"
    exit_code = 3


class DocumentError(PipelineError):
    """A document that cannot be read at all (not a PDF, encrypted, truncated...)."""


class PageError(PipelineError):
    """One page that failed; the rest of its document goes on."""
