"""A machine without Pango (no root to install it): WeasyPrint's import fails there with
an OSError, as it does here through a stand-in package first on the path. The month is
still published, with its HTML and CSV; the missing PDF is recorded and reported."""

import os
import subprocess
import sys

from conftest import ROOT, query
from florwork import report

NO_PANGO = (
    "raise OSError(\"cannot load library 'libgobject-2.0-0': libgobject-2.0-0: "
    'cannot open shared object file: No such file or directory")\n'
)


def florwork(*args, path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    return subprocess.run(
        [sys.executable, "-m", "florwork.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def test_without_pango_the_month_is_published_with_html_and_csv(platform, tmp_path):
    stand_in = tmp_path / "no_pango"
    (stand_in / "weasyprint").mkdir(parents=True)
    (stand_in / "weasyprint" / "__init__.py").write_text(NO_PANGO)
    without = [str(stand_in), str(ROOT / "plugins")]

    assert florwork("load-demo", path=without).returncode == 0
    ran = florwork("run", "--through", "2025-01", path=without)
    assert ran.returncode == 0, ran.stderr[-3000:]

    folder = platform.reports_dir() / "2025-01"
    assert (folder / "budget_2025-01.html").stat().st_size > 10_000
    assert (folder / "budget_2025-01.csv").read_text().count("\n") >= 2  # a header and the programme's row
    assert not (folder / "budget_2025-01.pdf").exists()
    recorded = query("warehouse", "select programme, report_pdf_missing from marts.budget_runs order by programme")
    assert recorded and all("WeasyPrint cannot load Pango" in why and "libgobject" in why for _, why in recorded)

    status = florwork("status", path=without)
    assert status.returncode == 0, status.stderr
    assert "PDF: this machine cannot write it (WeasyPrint cannot load Pango" in status.stdout
    assert "Published without PDF: 2025-01" in status.stdout and "make system-deps" in status.stdout

    # Without the stand-in: the month recorded without PDF is still named until it is run
    # again, and the machine is said to lack Pango only if it does.
    status = florwork("status", path=[str(ROOT / "plugins")])
    assert "Published without PDF: 2025-01" in status.stdout
    assert ("cannot write it" in status.stdout) == (report.pdf_unavailable() is not None)
