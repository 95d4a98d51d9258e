"""dbt build at a scale: the full build, then the incremental build after one new month.

    .venv/bin/python bench/dbt_build.py city     # after bench/generate.py city

Extracts the scale's sources through 2025-11, builds the warehouse in full (through
2025-11), then extracts December and builds again, incrementally (through 2025-12),
and once more with nothing new (through 2025-12).
"""

from __future__ import annotations

import json
import subprocess
import sys

from common import FLORWORK, ROOT, python, save, state_env

STEP = r'''
import sys, time, json
sys.path.insert(0, "{plugins}")
from datetime import date
from florwork import airflow_env, months, transform, warehouse
from florwork.extract import co_files, databases
airflow_env.configure()
warehouse.bootstrap_once()
month = months.parse_month("{month}")
t = time.monotonic()
for source in ("sis", "partner"):
    databases.extract_source(source, months.month_cutoff(month))
co_files.load_co_files(months.next_month(month))
extract = time.monotonic() - t
seconds = transform.run_dbt("build", month, extra={extra})
print(json.dumps({{"extract_seconds": round(extract, 1), "dbt_seconds": round(seconds, 1)}}))
'''


def run(env: dict, month: str, extra: list[str]) -> dict:
    code = STEP.format(plugins=ROOT / "plugins", month=month, extra=extra)
    result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", python(), "-c", code], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stdout[-4000:] + result.stderr[-4000:])
    data = json.loads([x for x in result.stdout.splitlines() if x.startswith("{")][-1])
    data["peak_rss_mb"] = round(int([x for x in result.stderr.splitlines() if x.startswith("TIME ")][-1].split()[2]) / 1024)
    return data


def main(scale: str) -> None:
    env = state_env(scale)
    subprocess.run([FLORWORK, "up"], env=env, check=True, capture_output=True)
    code = (f"import sys; sys.path.insert(0, '{ROOT / 'plugins'}'); from florwork import warehouse;"
            "c = warehouse.connect('warehouse', autocommit=True);"
            "[c.execute(f'drop schema if exists {s} cascade') for s in ('raw', 'quarantine', 'ops', 'staging', 'intermediate', 'marts', 'reference')]")
    subprocess.run([python(), "-c", code], env=env, check=True)
    full = run(env, "2025-11", ["--full-refresh"])
    incremental = run(env, "2025-12", [])
    nothing_new = run(env, "2025-12", [])
    rows = [f"| full build through 2025-11 | {full['extract_seconds']} | {full['dbt_seconds']} | {full['peak_rss_mb']} |",
            f"| incremental after December's data | {incremental['extract_seconds']} | {incremental['dbt_seconds']} | {incremental['peak_rss_mb']} |",
            f"| incremental, nothing new | {nothing_new['extract_seconds']} | {nothing_new['dbt_seconds']} | {nothing_new['peak_rss_mb']} |"]
    table = (f"Scale: {scale}. `dbt build` = every seed, model and test.\n\n"
             "| build | extraction (s) | dbt build (s) | peak RSS (MB) |\n|---|---|---|---|\n" + "\n".join(rows)
             + f"\n\nIncremental / full: {incremental['dbt_seconds'] / full['dbt_seconds']:.2f}")
    save(f"dbt_build_{scale}", {"scale": scale, "full": full, "incremental": incremental, "nothing_new": nothing_new}, table)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "city")
