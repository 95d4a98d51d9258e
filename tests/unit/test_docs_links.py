"""The repository explains itself: every link and every path the README and docs/ name
resolves inside the repository (a rule's reference never leads outside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "results" / "history.md"]
# Backticked paths under the repository's top folders, backticked file paths of any
# folder (a folder that does not exist, such as an old `contracts/x.sql`, is caught),
# and markdown links to files. The DAG files' docstrings are their documentation in
# Airflow's UI.
_PATH = re.compile(r"`((?:dags|plugins|dbt_project|expectations|tests|docs|bench|docker|requirements)/[^`\s*<>]*)`")
_FILE = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|sql|md|ya?ml|json|csv|toml|sh|j2|txt))`")
DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_PREFIXES = ("", "dbt_project/", "plugins/florwork/", "dbt_project/models/")


GENERATED = ("bench/.venv-dlt", ".florwork/")  # made by `make bench` and by running the platform


def _resolves(path: str, document: Path) -> bool:
    path = path.rstrip("/").rstrip(".,;:")
    if path in GENERATED or path.startswith(GENERATED):
        return True
    candidates = [document.parent / path, *(ROOT / prefix / path for prefix in _PREFIXES)]
    return any(c.exists() for c in candidates)


@pytest.mark.parametrize("document", DOCUMENTS + DAG_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_and_link_resolves(document):
    text = document.read_text()
    named = set(_PATH.findall(text)) | set(_FILE.findall(text))
    named |= {link for link in _LINK.findall(text) if "://" not in link}
    assert named or document in DAG_FILES, f"{document.name} names no path: is the pattern still right?"
    missing = sorted(p for p in named if not _resolves(p, document))
    assert not missing, f"{document.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_no_reference_leads_outside_the_repository():
    outside = re.compile(r"\.\./shared|SPEC\.md|contracts/co_files\.md")
    offenders = []
    for path in [
        *DOCUMENTS,
        *ROOT.glob("plugins/**/*.py"),
        *ROOT.glob("dags/*.py"),
        *ROOT.glob("dbt_project/**/*.sql"),
        *ROOT.glob("dbt_project/**/*.yml"),
    ]:
        if "target" in path.parts or "seeds_in_use" in path.parts:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if outside.search(line) and "contract_files/co_files.md" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "references outside the repository:\n" + "\n".join(offenders)
