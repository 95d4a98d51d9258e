"""Throughput of the payments extraction and of CO ingestion against a bare COPY.

    .venv/bin/python bench/extract.py city        # after bench/generate.py city (or reuses it)

Each step runs in a process of its own under /usr/bin/time (wall time, peak RSS):
- florwork: the real extraction of sis.erogazioni (first load: every row), with GX;
- bare COPY: COPY (select ...) TO STDOUT piped into COPY ... FROM STDIN, same databases;
- pandas: read_sql + to_sql, what many would write;
- CO: florwork's load_co_files against csv.reader + COPY of the same files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import FLORWORK, ROOT, python, save, state_env, timed

STEP = r'''
import sys, time, json
sys.path.insert(0, "{plugins}")
from datetime import datetime, timezone
from florwork import warehouse, config
step = "{step}"
cutoff = datetime(2026, 1, 1, tzinfo=timezone.utc)
if step == "florwork":
    from florwork.extract import databases
    r = databases.extract_table("sis", "erogazioni", cutoff)
    print(json.dumps({{"rows": r.received}}))
elif step == "bare":
    with warehouse.connect("sis_source") as src, warehouse.connect("warehouse") as wh:
        wh.execute("drop table if exists public.bench_copy; create table public.bench_copy as select id_erogazione, id_assistito, tipo_prestazione, mese_competenza, importo, stato, aggiornato_il from raw.sis_erogazioni where false")
        n = 0
        with src.cursor().copy("copy (select * from sis.erogazioni where aggiornato_il < '2026-01-01') to stdout") as out, \
             wh.cursor().copy("copy public.bench_copy (id_erogazione, id_assistito, tipo_prestazione, mese_competenza, importo, stato, aggiornato_il) from stdin") as into:
            for chunk in out:
                into.write(chunk)
        wh.commit()
        print(json.dumps({{"rows": wh.execute("select count(*) from public.bench_copy").fetchone()[0]}}))
elif step == "pandas":
    import pandas as pd
    from sqlalchemy import create_engine
    src = create_engine(config.sqlalchemy_url(config.connection_uri("sis_source")))
    wh = create_engine(config.sqlalchemy_url(config.connection_uri("warehouse")))
    frame = pd.read_sql("select * from sis.erogazioni where aggiornato_il < '2026-01-01'", src)
    frame.to_sql("bench_pandas", wh, schema="public", if_exists="replace", index=False, chunksize=10000)
    print(json.dumps({{"rows": len(frame)}}))
elif step == "co_florwork":
    from florwork.extract import co_files
    s = co_files.load_co_files()
    print(json.dumps({{"rows": s["loaded"] + s["duplicate"] + s["quarantined"]}}))
elif step == "co_bare":
    import csv
    from florwork.extract.co_files import co_folder
    rows = 0
    with warehouse.connect("warehouse") as wh:
        wh.execute("drop table if exists public.bench_co; create table public.bench_co (line text[])")
        with wh.cursor().copy("copy public.bench_co (line) from stdin") as cp:
            for path in sorted(co_folder().glob("CO_*.csv")):
                with path.open(encoding="latin-1", newline="") as handle:
                    reader = csv.reader(handle, delimiter=";")
                    next(reader)
                    for fields in reader:
                        cp.write_row([fields])
                        rows += 1
        wh.commit()
    print(json.dumps({{"rows": rows}}))
'''


def step(name: str, env: dict) -> dict:
    code = STEP.format(plugins=ROOT / "plugins", step=name)
    result = timed([python(), "-c", code], env)
    import json

    result["rows"] = json.loads(result.pop("stdout").strip().splitlines()[-1])["rows"]
    return result


def reset(env: dict) -> None:
    code = (f"import sys; sys.path.insert(0, '{ROOT / 'plugins'}');"
            "from florwork import warehouse;"
            "c = warehouse.connect('warehouse', autocommit=True);"
            "c.execute(\"truncate raw.sis_erogazioni, raw.co_notices, quarantine.co_rows, ops.co_files cascade\");"
            "c.execute(\"delete from ops.extract_state\");"
            "c.execute('drop table if exists public.bench_copy, public.bench_pandas, public.bench_co')")
    subprocess.run([python(), "-c", code], env=env, check=True)


def main(scale: str) -> None:
    env = state_env(scale)
    if not (Path(env["FLORWORK_STATE_DIR"]) / "generator.json").exists():
        subprocess.run([FLORWORK, "up"], env=env, check=True, capture_output=True)
        subprocess.run([FLORWORK, "generate", "--scale", scale, "--through", "2025-12"], env=env, check=True)
    subprocess.run([FLORWORK, "up"], env=env, check=True, capture_output=True)
    size = subprocess.run([python(), "-c", (
        f"import sys; sys.path.insert(0, '{ROOT / 'plugins'}'); from florwork import warehouse;"
        "print(warehouse.connect('sis_source').execute(\"select pg_total_relation_size('sis.erogazioni')\").fetchone()[0])")],
        env=env, capture_output=True, text=True, check=True).stdout.strip()
    megabytes = int(size) / 1e6
    results = {}
    for name in ("bare", "florwork", "pandas", "co_bare", "co_florwork"):
        reset(env)
        results[name] = step(name, env)
        print(name, results[name], flush=True)
    for name in ("bare", "florwork", "pandas"):
        results[name]["rows_per_s"] = round(results[name]["rows"] / results[name]["seconds"])
        results[name]["mb_per_s"] = round(megabytes / results[name]["seconds"], 1)
    for name in ("co_bare", "co_florwork"):
        results[name]["rows_per_s"] = round(results[name]["rows"] / results[name]["seconds"])
    ratio = results["florwork"]["rows_per_s"] / results["bare"]["rows_per_s"]
    co_ratio = results["co_florwork"]["rows_per_s"] / results["co_bare"]["rows_per_s"]
    rows = [f"| {n} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,} | {r.get('mb_per_s', '-')} | {r['peak_rss_mb']:.0f} |"
            for n, r in results.items()]
    table = (f"Scale: {scale}; sis.erogazioni is {megabytes:.0f} MB in the source.\n\n"
             "| step | rows | seconds | rows/s | MB/s | peak RSS (MB) |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
             + f"\n\nPayments extraction / bare COPY: **{ratio:.2f}x**; pandas / bare COPY: "
             f"{results['pandas']['rows_per_s'] / results['bare']['rows_per_s']:.2f}x; "
             f"CO ingestion / bare csv + COPY: **{co_ratio:.2f}x**.")
    save(f"extract_{scale}", {"scale": scale, "source_mb": megabytes, "steps": results,
                              "ratio_extract_vs_bare": round(ratio, 3), "ratio_co_vs_bare": round(co_ratio, 3)}, table)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "city")
