"""Generation time and peak memory at each scale (issue: synthetic sources).

    .venv/bin/python bench/generate.py demo city region

Each scale is generated into empty sources of its own (an embedded PostgreSQL in
/tmp/florwork-bench/<scale>), through 2025-12, then appended one more month.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from common import FLORWORK, save, state_env, timed

LIMITS = {"city": 300, "region": 1800}


def main(scales: list[str]) -> None:
    rows, results = [], {}
    for scale in scales:
        env = state_env(scale)
        state = Path(env["FLORWORK_STATE_DIR"])
        if state.exists():
            subprocess.run([FLORWORK, "down"], env=env, capture_output=True)
            shutil.rmtree(state)
        subprocess.run([FLORWORK, "up"], env=env, check=True, capture_output=True)
        full = timed([FLORWORK, "generate", "--scale", scale, "--through", "2025-12"], env)
        append = timed([FLORWORK, "generate", "--scale", scale, "--through", "2026-01"], env)
        written = {
            line.split(":")[0].strip(): line.split(":")[1].split()[0]
            for line in full["stdout"].splitlines()
            if "rows written" in line or "new files" in line
        }
        results[scale] = {
            "full_seconds": full["seconds"],
            "full_peak_rss_mb": full["peak_rss_mb"],
            "append_month_seconds": append["seconds"],
            "append_peak_rss_mb": append["peak_rss_mb"],
            "written": written,
            "limit_seconds": LIMITS.get(scale),
        }
        rows.append(
            f"| {scale} | {full['seconds']:.1f} | {full['peak_rss_mb']:.0f} | {append['seconds']:.1f} | "
            f"{written.get('sis.assistiti')} | {written.get('sis.segnalazioni')} | {written.get('sis.erogazioni')} | "
            f"{written.get('co files')} | {LIMITS.get(scale, '-')} |"
        )
        subprocess.run([FLORWORK, "down"], env=env, capture_output=True)
    table = (
        "| scale | generate through 2025-12 (s) | peak RSS (MB) | append 2026-01 (s) | people | referrals | "
        "payments | CO files | limit (s) |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    save("generate", {"scales": results}, table)


if __name__ == "__main__":
    main(sys.argv[1:] or ["demo", "city"])
