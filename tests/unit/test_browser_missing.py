"""Without Chromium a browser test is skipped and says why; where CI=true it fails, so CI
never passes without having opened the reports in a browser."""

import shutil

import pytest
from _pytest.outcomes import Failed, Skipped
from conftest import open_in_chromium


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)


def test_skipped_with_its_reason_without_chromium(no_chromium, monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match=r"Chromium is not installed \(`make system-deps`"):
        open_in_chromium(tmp_path / "page.html", tmp_path, "shot")


def test_failed_on_ci_without_chromium(no_chromium, monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI must run the browser tests"):
        open_in_chromium(tmp_path / "page.html", tmp_path, "shot")
