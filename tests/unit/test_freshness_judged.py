"""A source's freshness judged against the build's data cutoff and the city's thresholds
(plugins/florwork/freshness.py, config.freshness_thresholds)."""

from datetime import datetime, timedelta, timezone

import pytest
from florwork import config, freshness
from florwork.errors import ConfigError

CUTOFF = datetime(2025, 3, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "hours_before, limits, status",
    [
        (10, {"warn_after_hours": 48, "error_after_hours": 240}, "fresh"),
        (49, {"warn_after_hours": 48, "error_after_hours": 240}, "warn"),
        (241, {"warn_after_hours": 48, "error_after_hours": 240}, "error"),
        (241, {"error_after_hours": 240}, "error"),
        (241, {}, "not judged"),
        (-5, {"warn_after_hours": 1}, "fresh"),  # a change after the cutoff is not late
    ],
)
def test_judged_against_the_cutoff(hours_before, limits, status):
    found = freshness.judge("sis", CUTOFF - timedelta(hours=hours_before), CUTOFF, limits)
    assert found.status == status
    assert found.lag_hours == max(hours_before, 0)


def test_a_source_that_delivered_nothing_is_said_so():
    found = freshness.judge("co", None, CUTOFF, {"error_after_hours": 1})
    assert (found.status, found.describe()) == ("nothing yet", "co: nothing delivered yet")


def test_the_message_names_the_source_and_how_late_it_is():
    found = freshness.judge(
        "co", CUTOFF - timedelta(days=12), CUTOFF, {"warn_after_hours": 72, "error_after_hours": 240}
    )
    assert found.describe() == (
        "co: latest change 2025-02-17 01:00, 12.0 days before the data cutoff (warn after 3 days, stop after 10 days)"
    )


def test_thresholds_are_checked(monkeypatch):
    monkeypatch.setenv(config.FRESHNESS_SETTING, '{"co": {"warn_after_hours": 72}, "sis": {"error_after_hours": 840}}')
    assert config.freshness_thresholds() == {"co": {"warn_after_hours": 72}, "sis": {"error_after_hours": 840}}
    for wrong, said in [
        ("{", "is not JSON"),
        ('{"sap": {}}', "names sources outside"),
        ('{"co": {"warn_after_days": 3}}', "co takes only"),
        ('{"co": {"warn_after_hours": -1}}', "positive number of hours"),
    ]:
        monkeypatch.setenv(config.FRESHNESS_SETTING, wrong)
        with pytest.raises(ConfigError, match=said):
            config.freshness_thresholds()
    monkeypatch.delenv(config.FRESHNESS_SETTING)
    assert config.freshness_thresholds() == {}
