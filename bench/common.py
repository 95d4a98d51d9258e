"""Shared helpers of the benchmarks: the machine's description, timing with peak RSS."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FLORWORK = str(ROOT / ".venv" / "bin" / "florwork")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    except OSError:
        memory = 0
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, {memory} GiB RAM, {system}, Python {platform.python_version()}"


def timed(command: list[str], env: dict) -> dict:
    """Run a command under /usr/bin/time: wall seconds and peak RSS (MB) of the process tree's largest."""
    result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *command], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    line = [x for x in result.stderr.splitlines() if x.startswith("TIME ")][-1].split()
    return {"seconds": float(line[1]), "peak_rss_mb": round(int(line[2]) / 1024, 1), "stdout": result.stdout}


def save(name: str, payload: dict, table: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine(), "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(
        f"# {name}\n\nMachine: {payload['machine']}  \nMeasured: {payload['measured_at']}\n\n{table}\n"
    )
    print(table)


def state_env(scale: str) -> dict:
    state = Path(os.environ.get("FLORWORK_BENCH_STATE", "/tmp/florwork-bench")) / scale
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "FLORWORK_"))}
    env["FLORWORK_STATE_DIR"] = str(state)
    return env


def python() -> str:
    return sys.executable
