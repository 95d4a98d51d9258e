"""The platform's exceptions, in one place: each says what failed and, in its message,
what to do about it. The CLI prints a FlorworkError's message without a traceback."""

from __future__ import annotations


class FlorworkError(RuntimeError):
    """Any failure the platform explains itself."""


class ConfigError(FlorworkError):
    """A setting is missing or malformed; the message says what to set."""


class DatabaseUnreachable(FlorworkError):
    """A connection's database does not answer."""


class KeyChanged(FlorworkError):
    """The pseudonymisation key differs from the one the warehouse was built with."""


class BadMonth(FlorworkError, ValueError):
    """A month given as text is not YYYY-MM."""


class ConcurrentRun(FlorworkError):
    """Another run is loading the same source object."""


class BatchFailed(FlorworkError):
    """A batch-level failure: nothing of the batch is loaded; the message says why."""


class RowError(ValueError):
    """A CO file's line (or the file itself) cannot be parsed; the message is the
    quarantine reason."""


class LandingFailed(FlorworkError):
    """The process that lands the CO files failed; the message holds its last words."""


class SourcesNotLoaded(FlorworkError):
    """The warehouse cannot be built for a month its sources are not loaded through."""


class DbtFailed(FlorworkError):
    """dbt returned an error (its log names the model or test)."""


class WarehouseNotReady(FlorworkError):
    """The budget run found no warehouse build that covers its month."""


class NoTargets(FlorworkError):
    """budget_targets.csv has no month to run."""


class ReportFailed(FlorworkError):
    """A report could not be rendered."""


class RunFailed(FlorworkError):
    """A step of `florwork run` failed; the message names it."""


class GenerateError(FlorworkError):
    """The synthetic data cannot be generated as asked."""
