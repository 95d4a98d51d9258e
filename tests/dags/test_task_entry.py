"""A failure that would recur on the same data and settings fails its task at once
(AirflowFailException: Airflow does not retry it); any other is raised as it is, for
Airflow's retries (plugins/florwork/pipeline.py, task_entry)."""

import pytest
from florwork import errors

# Airflow reads its settings when first imported: after the suite configured them.
pytestmark = pytest.mark.usefixtures("configured_airflow")


@pytest.mark.parametrize(
    "error", [errors.ContractDrift, errors.ConfigError, errors.KeyChanged, errors.BatchFailed, errors.NoTargets]
)
def test_deterministic_failures_are_not_retried(error):
    from airflow.sdk.exceptions import AirflowFailException
    from florwork import pipeline

    @pipeline.task_entry
    def task():
        raise error("source table sis.x no longer matches its contract")

    with pytest.raises(
        AirflowFailException, match=r"no longer matches its contract \(not retried: it would fail again\)"
    ):
        task()


@pytest.mark.parametrize("error", [errors.DbtFailed, errors.DatabaseUnreachable, errors.ConcurrentRun, OSError])
def test_other_failures_are_retried(error):
    from florwork import pipeline

    @pipeline.task_entry
    def task():
        raise error("the server went away")

    with pytest.raises(error):
        task()
