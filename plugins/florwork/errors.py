"""The platform's exceptions, in one place: each says what failed and, in its message,
what to do about it. The CLI prints a FlorworkError's message without a traceback."""

from __future__ import annotations


class FlorworkError(RuntimeError):
    """Any failure the platform explains itself.

    ``retryable`` is False for a failure that would happen again on the same data and
    settings (a contract drift, a missing setting, a changed key): Airflow fails the
    task at once with the message instead of retrying it (florwork/pipeline.py)."""

    retryable = True


class ConfigError(FlorworkError):
    """A setting is missing or malformed; the message says what to set."""

    retryable = False


class DatabaseUnreachable(FlorworkError):
    """A connection's database does not answer."""


class KeyChanged(FlorworkError):
    """The pseudonymisation key differs from the one the warehouse was built with."""

    retryable = False


class BadMonth(FlorworkError, ValueError):
    """A month given as text is not YYYY-MM."""

    retryable = False


class ConcurrentRun(FlorworkError):
    """Another run is loading the same source object."""


class PlatformBusy(FlorworkError):
    """Another run holds the platform; the message says who (process, host, start, month)."""


class BatchFailed(FlorworkError):
    """A batch-level failure: nothing of the batch is loaded; the message says why. The
    same batch would fail the same way again: not retried."""

    retryable = False


class ContractDrift(BatchFailed):
    """A source table no longer matches its contract: nothing is loaded until the
    contract and the raw layer are changed deliberately."""


class RowError(ValueError):
    """A CO file's line (or the file itself) cannot be parsed; the message is the
    quarantine reason."""


class LandingFailed(FlorworkError):
    """The process that lands the CO files failed; the message holds its last words."""


class SourcesNotLoaded(FlorworkError):
    """The warehouse cannot be built for a month its sources are not loaded through."""


class SourceStale(FlorworkError):
    """A source's latest change is older than its error threshold at the build's cutoff:
    the build stops rather than publish a month on stale data."""

    retryable = False


class DbtFailed(FlorworkError):
    """dbt returned an error (its log names the model or test)."""


class WarehouseNotReady(FlorworkError):
    """The budget run found no warehouse build that covers its month."""


class NoTargets(FlorworkError):
    """budget_targets.csv has no month to run."""

    retryable = False


class ReportFailed(FlorworkError):
    """A report could not be rendered."""


class RunFailed(FlorworkError):
    """A step of `florwork run` failed; the message names it."""


class GenerateError(FlorworkError):
    """The synthetic data cannot be generated as asked."""
