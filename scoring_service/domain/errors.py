"""Domain exceptions; the edges (CLI, HTTP) map them to exit codes and statuses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the service reports to its users."""


class NotFound(DomainError):
    """A year, unit, finding or run that is not held."""


class Conflict(DomainError):
    """The request clashes with the data held (a year already loaded, a refused event)."""


class InvalidRequest(DomainError):
    """A request that cannot be served as asked (for instance an as-of date before the year)."""
