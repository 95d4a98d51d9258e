"""`make bench SCALE=demo|city|region`: every comparison of the benchmark, in one run.

1. Generates the scale's sources through 2025-12 in an embedded PostgreSQL of its own
   (/tmp/florwork-bench/<scale>, or $FLORWORK_BENCH_STATE/<scale>), or reuses them.
2. Extraction of the payments (sis.erogazioni, a first load) by florwork against a bare
   COPY pipe (psycopg's copy-to-copy loop, and the same pipe through the platform's own
   relay), pandas and dlt; CO ingestion against csv.reader + COPY (bench/steps.py).
3. The pipeline as users run it, from an empty warehouse: `florwork run` (Airflow
   dag.test of the five DAGs per month). At demo scale a 12-month catch-up
   (2025-01..12); at city and region scale the first run (FLORWORK_START_MONTH=2025-11,
   everything loaded at once) and then one new month (2025-12). The dbt time of each
   build is the one the warehouse build recorded in ops.warehouse_builds.
4. dbt alone: a full refresh through 2025-12, and a build with nothing new.

Every step is a process of its own under /usr/bin/time: wall seconds and peak RSS.
Results: bench/results/<scale>.json and .md, and bench/results/summary.md across the
scales measured so far (growth, ratios, targets).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import FLORWORK, RESULTS, ROOT, machine, python, save, state_env, timed

DLT_PYTHON = ROOT / "bench" / ".venv-dlt" / "bin" / "python"
EXTRACTION_STEPS = ("bare", "bare_relay", "florwork", "pandas", "dlt", "dlt_pyarrow")
CO_STEPS = ("co_bare", "co_florwork")
# Bologna's case platform: every ipl table, the bare COPY pipe against the platform's extraction.
IPL_STEPS = ("ipl_bare", "ipl_florwork")
# CO at ten times the scale's volume: the same steps on a folder where every day's file
# holds its notices ten times over, with the ids re-keyed (bench/steps.py co_volume).
CO_VOLUME = 10
CO_VOLUME_STEPS = {f"co_bare_x{CO_VOLUME}": "co_bare", f"co_florwork_x{CO_VOLUME}": "co_florwork"}
# The CO steps are short (seconds) and this machine's timings vary by tens of percent
# from one run to the next: each is run REPEATS times, and the median run is kept.
REPEATS = 3
BASELINES = {
    "florwork": "bare",
    "co_florwork": "co_bare",
    f"co_florwork_x{CO_VOLUME}": f"co_bare_x{CO_VOLUME}",
    "ipl_florwork": "ipl_bare",
}
# Steps also run on a small input (about a thousand payments, three days of CO files):
# its time is the step's fixed cost, and the rows beyond it over the time beyond it are
# the step's throughput once started (what a larger delivery would see).
SMALL_STEPS = ("bare", "bare_relay", "florwork", "co_bare", "co_florwork", *CO_VOLUME_STEPS, *IPL_STEPS)
TARGETS = {
    "extraction_vs_bare": 0.5,
    "incremental_vs_full_at_region": 0.2,
    "nothing_new_vs_full_at_region": 0.1,
    "run_one_month_vs_first_run_at_region": 0.3,
    "python_peak_rss_mb_at_region": 1024,
}


def helper(name: str, env: dict, *args: str) -> dict:
    """Run one of bench/steps.py's helpers (untimed) and return what it printed."""
    out = subprocess.run(
        [python(), str(ROOT / "bench" / "steps.py"), name, *args], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def sql(env: dict, query: str) -> list:
    return helper("query", env, query)["rows"]


def median_step(name: str, env: dict, repeats: int) -> dict:
    """The run of median time among ``repeats`` runs of a step (each after reset_loads),
    with every run's seconds."""
    runs = []
    for _ in range(repeats):
        reset_loads(env)
        runs.append(step(name, env))
    chosen = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    if repeats > 1:
        chosen["runs_seconds"] = [r["seconds"] for r in runs]
    return chosen


def step(name: str, env: dict, *args: str) -> dict:
    interpreter = str(DLT_PYTHON) if name.startswith("dlt") else python()
    result = timed([interpreter, str(ROOT / "bench" / "steps.py"), name, *args], env)
    result.update(json.loads(result.pop("stdout").strip().splitlines()[-1]))
    print(f"  {name}: {result}", flush=True)
    return result


def reset_warehouse(env: dict) -> None:
    helper("reset_warehouse", env)


def reset_loads(env: dict) -> None:
    helper("reset_loads", env)
    dlt_dir = Path(env["FLORWORK_STATE_DIR"]) / "dlt"
    if dlt_dir.exists():  # dlt keeps its pipeline state there: start each run afresh
        import shutil

        shutil.rmtree(dlt_dir)


def ensure_sources(scale: str, env: dict) -> dict:
    state = Path(env["FLORWORK_STATE_DIR"])
    subprocess.run([FLORWORK, "up"], env=env, check=True, capture_output=True)
    if (state / "generator.json").exists():
        return {"reused": True}
    print(f"generating the {scale} scale ...", flush=True)
    result = timed([FLORWORK, "generate", "--scale", scale, "--through", "2025-12"], env)
    return {"reused": False, "seconds": result["seconds"], "peak_rss_mb": result["peak_rss_mb"]}


def extraction(
    env: dict, data: dict, only_steps: list[str] | None = None, previous: dict | None = None, previous_at: str = ""
) -> dict:
    """Measure the extraction and CO steps (``only_steps``: these, the others' figures are
    kept from ``previous``, measured at ``previous_at`` unless they say otherwise)."""
    print("extraction ...", flush=True)
    env = {**env, "BENCH_DLT_DIR": str(Path(env["FLORWORK_STATE_DIR"]) / "dlt")}
    urls = helper("urls", env)
    env.update(BENCH_SOURCE_URL=urls["source"], BENCH_WAREHOUSE_URL=urls["warehouse"])
    small = helper("small_inputs", env)
    small.pop("in_process_seconds", None)
    volume = helper("co_volume", env, str(CO_VOLUME))
    steps = {}
    for name in (*EXTRACTION_STEPS, *CO_STEPS, *CO_VOLUME_STEPS, *IPL_STEPS):
        if only_steps and name not in only_steps:
            if previous and name in previous.get("steps", {}):
                steps[name] = {"measured_at": previous_at, **previous["steps"][name]}
            continue
        if name.startswith("dlt") and not DLT_PYTHON.exists():
            print(f"  {name}: skipped ({DLT_PYTHON} missing: `make bench` installs it)")
            continue
        function, step_env = name, env
        if name in CO_VOLUME_STEPS:
            function, step_env = CO_VOLUME_STEPS[name], {**env, "AIRFLOW_VAR_CO_LANDING_DIR": volume["landing"]}
        repeats = REPEATS if name.startswith(("co_", "ipl_")) else 1
        steps[name] = median_step(function, step_env, repeats)
        steps[name]["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if name in SMALL_STEPS:
            steps[name]["small"] = {
                k: v
                for k, v in median_step(function, {**step_env, **small}, repeats).items()
                if k in ("rows", "seconds", "in_process_seconds", "runs_seconds")
            }
    for name, result in steps.items():
        result["rows_per_s"] = round(result["rows"] / result["seconds"])
        if name in EXTRACTION_STEPS:
            result["mb_per_s"] = round(data["payments_mb"] / result["seconds"], 1)
        if "small" in result:
            extra_rows = result["rows"] - result["small"]["rows"]
            extra_seconds = max(result["seconds"] - result["small"]["seconds"], 0.01)
            result["fixed_seconds"] = result["small"]["seconds"]
            result["rows_per_s_beyond_fixed"] = round(extra_rows / extra_seconds)
    ratios = {
        f"{name}_vs_bare": round(steps[name]["rows_per_s"] / steps["bare"]["rows_per_s"], 3)
        for name in EXTRACTION_STEPS
        if name in steps and name != "bare"
    }
    for name, base in BASELINES.items():
        if name != "florwork" and name in steps and base in steps:
            ratios[f"{name}_vs_{base}"] = round(steps[name]["rows_per_s"] / steps[base]["rows_per_s"], 3)
    if "bare_relay" in steps:  # against the bare pipe through the platform's own relay
        ratios["florwork_vs_bare_relay"] = round(steps["florwork"]["rows_per_s"] / steps["bare_relay"]["rows_per_s"], 3)
    for name, base in (*BASELINES.items(), ("florwork", "bare_relay")):
        if base not in steps:
            continue
        if "rows_per_s_beyond_fixed" in steps[name] and "rows_per_s_beyond_fixed" in steps[base]:
            ratios[f"{name}_vs_{base}_beyond_fixed"] = round(
                steps[name]["rows_per_s_beyond_fixed"] / steps[base]["rows_per_s_beyond_fixed"], 3
            )
    return {"steps": steps, "ratios": ratios, "small_inputs": small}


def _dag_seconds(stdout: str, month: str) -> dict:
    """The seconds of each DAG of one month of a `florwork run`, from its progress lines
    ("  2025-12  extract_social_services ok (12.8 s)")."""
    found = re.findall(rf"^\s+{month}\s+(\S+) ok \(([0-9.]+) s\)", stdout, re.M)
    return {dag: float(seconds) for dag, seconds in found}


def _months(env: dict) -> list[dict]:
    rows = sql(
        env,
        "select to_char(p.month, 'YYYY-MM'), extract(epoch from p.finished_at - p.started_at), "
        "(select b.dbt_seconds from ops.warehouse_builds b where b.through_month = p.month "
        " order by b.build_id desc limit 1) from ops.pipeline_months p order by p.month",
    )
    return [
        {"month": m, "seconds": round(float(s), 1), "dbt_seconds": float(d) if d is not None else None}
        for m, s, d in rows
    ]


# The tables a build extends rather than rewrites: the rows the last build wrote
# (_built_at after its start) against the rows held (docs/scaling.md's growth table).
INCREMENTAL_TABLES = (
    "intermediate.int_payments_paid",
    "intermediate.int_participant_months_classified",
    "intermediate.int_participant_months_capped",
    "intermediate.int_journeys_assembled",
    "intermediate.int_journey_events_unioned",
    "marts.ipl_journeys",
)


# The dbt builds a pipeline measurement runs, by their key in the results, as the reports name them.
BUILDS = (
    ("one_new_month", "the one-month build"),
    ("dbt_full_refresh", "the full refresh"),
    ("dbt_nothing_new_forced", "the forced build with nothing new"),
    ("dbt_nothing_new", "the build with nothing new"),
)


def _written(env: dict) -> dict:
    counts = {}
    for table in INCREMENTAL_TABLES:
        written, held = sql(
            env,
            f"select count(*) filter (where _built_at >= (select max(started_at) from ops.warehouse_builds)), "
            f"count(*) from {table}",
        )[0]
        counts[table.split(".")[1]] = {"written": int(written), "held": int(held)}
    return counts


def _node_name(unique_id: str) -> str:
    return " ".join(unique_id.split(".")[0:3:2])


def _slowest(run_results: dict, top: int = 12) -> list[dict]:
    slowest = sorted(run_results["results"], key=lambda r: -r["execution_time"])[:top]
    return [{"node": _node_name(r["unique_id"]), "seconds": round(r["execution_time"], 1)} for r in slowest]


def _thread_seconds(run_results: dict) -> dict:
    """The seconds the build's nodes ran, summed by kind (models, tests, seeds), with the
    median node: what the threads were busy with, whatever the order."""
    by_kind = {}
    for r in run_results["results"]:
        by_kind.setdefault(r["unique_id"].split(".")[0], []).append(r["execution_time"])
    return {
        kind: {"nodes": len(times), "seconds": round(sum(times), 1), "median": round(sorted(times)[len(times) // 2], 2)}
        for kind, times in sorted(by_kind.items())
    }


def critical_path(run_results: dict, manifest: dict) -> dict:
    """What the build's elapsed time is made of: from the node that finished last, back
    through the predecessor that finished last (its parents, and in a `dbt build` the
    tests of its parents, which it waits for), each node's span from its predecessor's
    end to its own. The rest of dbt's seconds is start-up, parsing and the catalogue."""
    spans = {}
    for r in run_results["results"]:
        times = [t for t in r.get("timing", []) if t.get("started_at")]
        if times:
            spans[r["unique_id"]] = (
                datetime.fromisoformat(times[0]["started_at"].replace("Z", "+00:00")),
                datetime.fromisoformat(times[-1]["completed_at"].replace("Z", "+00:00")),
            )
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    tests_of = {}
    for uid, node in nodes.items():
        if uid.startswith("test."):
            for parent in node.get("depends_on", {}).get("nodes", []):
                tests_of.setdefault(parent, []).append(uid)
    start = min(s for s, _ in spans.values())
    current = max(spans, key=lambda u: spans[u][1])
    end = spans[current][1]
    chain, seen = [], set()
    while current and current not in seen:
        seen.add(current)
        parents = nodes.get(current, {}).get("depends_on", {}).get("nodes", [])
        if current.split(".")[0] in ("model", "seed", "snapshot"):  # dbt build runs them after their parents' tests
            parents = parents + [t for p in parents for t in tests_of.get(p, [])]
        # a predecessor ended before this node started (tests of one model run side by side)
        before = [p for p in parents if p in spans and spans[p][1] <= spans[current][0] + timedelta(seconds=0.05)]
        previous = max(before, key=lambda u: spans[u][1], default=None)
        begins = spans[previous][1] if previous else start
        chain.append({"node": _node_name(current), "seconds": round((spans[current][1] - begins).total_seconds(), 1)})
        current = previous
    return {"elapsed": round((end - start).total_seconds(), 1), "path": list(reversed(chain))}


def _dbt_profile(env: dict) -> dict:
    """What the last dbt build was made of, from its run_results.json and manifest.json
    (each read once): its slowest nodes, its critical path and its nodes' seconds by kind."""
    target = Path(env["FLORWORK_STATE_DIR"]) / "dbt" / "target"
    run_results = json.loads((target / "run_results.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        "profile": _slowest(run_results),
        "critical_path": critical_path(run_results, manifest),
        "thread_seconds": _thread_seconds(run_results),
    }


def pipeline(scale: str, env: dict) -> dict:
    print("pipeline (florwork run) ...", flush=True)
    reset_warehouse(env)
    out = {}
    if scale == "demo":
        env = {k: v for k, v in env.items() if k != "FLORWORK_START_MONTH"}
        run = timed([FLORWORK, "run", "--through", "2025-12"], env)
        written, profile = _written(env), _dbt_profile(env)
        out["catch_up_12_months"] = {
            "seconds": run["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "months": _months(env),
        }
        december = out["catch_up_12_months"]["months"][-1]
        out["one_new_month"] = {
            "seconds": december["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "dbt_seconds": december["dbt_seconds"],
            "note": "December of the catch-up",
            "written": written,
            **profile,
        }
    else:
        env = {**env, "FLORWORK_START_MONTH": "2025-11"}
        first = timed([FLORWORK, "run", "--through", "2025-11"], env)
        out["first_run"] = {
            "seconds": first["seconds"],
            "peak_rss_mb": first["peak_rss_mb"],
            "dbt_seconds": _months(env)[-1]["dbt_seconds"],
            "months": len(_months(env)),
        }
        one = timed([FLORWORK, "run", "--through", "2025-12"], env)
        out["first_run"]["dag_seconds"] = _dag_seconds(first["stdout"], "2025-11")
        out["one_new_month"] = {
            "seconds": one["seconds"],
            "dag_seconds": _dag_seconds(one["stdout"], "2025-12"),
            "peak_rss_mb": one["peak_rss_mb"],
            "dbt_seconds": _months(env)[-1]["dbt_seconds"],
            "written": _written(env),
            **_dbt_profile(env),
        }
    print(f"  {out}", flush=True)
    out["dbt_full_refresh"] = step("dbt_build", env, "2025-12", "--full-refresh")
    out["dbt_full_refresh"].update(_dbt_profile(env))
    # Nothing new: the build as the platform runs it (the up-to-date check finds the full
    # refresh's inputs unchanged and does not run dbt), then dbt run anyway (--force).
    out["dbt_nothing_new"] = step("dbt_build", env, "2025-12")
    out["dbt_nothing_new_forced"] = step("dbt_build", env, "2025-12", "--force")
    out["dbt_nothing_new_forced"].update(_dbt_profile(env))
    out["dbt_nothing_new_forced"]["written"] = _written(env)
    full = out["dbt_full_refresh"]["dbt_seconds"]
    out["incremental_vs_full"] = round(out["one_new_month"]["dbt_seconds"] / full, 3)
    out["nothing_new_vs_full"] = round(out["dbt_nothing_new"]["dbt_seconds"] / full, 3)
    out["nothing_new_forced_vs_full"] = round(out["dbt_nothing_new_forced"]["dbt_seconds"] / full, 3)
    if "first_run" in out:
        # the first run computes its months (one: 2025-11) over everything loaded at once
        per_month = out["first_run"]["seconds"] / out["first_run"]["months"]
        out["run_one_month_vs_first_run_per_month"] = round(out["one_new_month"]["seconds"] / per_month, 3)
    return out


def markdown(scale: str, r: dict) -> str:
    d = r["data"]
    lines = [
        f"Scale **{scale}**: {d['people']:,} people, {d['payments']:,} payments ({d['payments_mb']} MB in the "
        f"source), {d['co_files']:,} CO files with {d['co_lines']:,} lines"
        + (f"; {d['ipl_rows']:,} rows in Bologna's case platform (ipl)." if "ipl_rows" in d else "."),
        "",
    ]
    g = r["generation"]
    lines += [
        "Sources reused from an earlier run."
        if g["reused"]
        else f"Generated in {g['seconds']:.1f} s, peak RSS {g['peak_rss_mb']:.0f} MB.",
        "",
    ]
    lines += [
        "## Extraction and CO ingestion",
        "",
        "| step | rows | seconds (process) | rows/s | MB/s | peak RSS (MB) | ratio to its bare baseline "
        "| fixed cost (s) | rows/s beyond it | ratio beyond the fixed cost | measured |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = r["extraction"]["ratios"]
    for name, s in r["extraction"]["steps"].items():
        base = BASELINES.get(name, "bare")
        is_base = name in BASELINES.values()
        ratio = ratios.get(f"{name}_vs_{base}") or (1.0 if is_base else None)
        beyond = ratios.get(f"{name}_vs_{base}_beyond_fixed") or (1.0 if is_base and "small" in s else "-")
        lines.append(
            f"| {name} | {s['rows']:,} | {s['seconds']:.1f} | {s['rows_per_s']:,} | {s.get('mb_per_s', '-')} "
            f"| {s['peak_rss_mb']:.0f} | {ratio if ratio is not None else '-'} "
            f"| {s.get('fixed_seconds', '-')} | {s['rows_per_s_beyond_fixed']:,} | {beyond} "
            f"| {s.get('measured_at', '-')[:16]} |"
            if "small" in s
            else f"| {name} | {s['rows']:,} | {s['seconds']:.1f} | {s['rows_per_s']:,} | {s.get('mb_per_s', '-')} "
            f"| {s['peak_rss_mb']:.0f} | {ratio if ratio is not None else '-'} | - | - | - "
            f"| {s.get('measured_at', '-')[:16]} |"
        )
    if "florwork_vs_bare_relay" in ratios:
        lines += [
            "",
            "Against `bare_relay` (the same bare pipe, read through the platform's libpq-level relay in "
            f"1 MB blocks instead of psycopg's copy loop): florwork **{ratios['florwork_vs_bare_relay']}** "
            f"for the whole process, **{ratios.get('florwork_vs_bare_relay_beyond_fixed', '-')}** beyond the "
            "fixed cost.",
        ]
    if "small_inputs" in r["extraction"]:
        si = r["extraction"]["small_inputs"]
        lines += [
            "",
            f"Fixed cost: the same step on payments changed before {si['BENCH_CUTOFF']} (about a thousand) "
            f"and on the CO files of the days before {si['BENCH_CO_BEFORE']}. Rows/s beyond it: the rows "
            "beyond the small run's over the seconds beyond its time. The CO steps (short) are the "
            f"median of {REPEATS} runs.",
            "",
            f"`_x{CO_VOLUME}` steps: the CO files at {CO_VOLUME} times the scale's volume (every day's file "
            f"holds its notices {CO_VOLUME} times over, ids re-keyed): the same files, days and dirt, "
            "more notices per file.",
            "",
            "`ipl_` steps: every table of Bologna's case platform (seven tables, each with its GX suite in "
            "`ipl_florwork`), the small run on the rows changed before the same instant; median of "
            f"{REPEATS} runs.",
        ]
    p = r["pipeline"]
    lines += ["", "## Pipeline and dbt", "", "| what | seconds | dbt build (s) | peak RSS (MB) |", "|---|---|---|---|"]
    if "catch_up_12_months" in p:
        c = p["catch_up_12_months"]
        lines.append(f"| `florwork run`, 12-month catch-up | {c['seconds']:.1f} | - | {c['peak_rss_mb']:.0f} |")
    if "first_run" in p:
        f = p["first_run"]
        lines.append(
            f"| `florwork run`, first run (all data through 2025-11) | {f['seconds']:.1f} | {f['dbt_seconds']} "
            f"| {f['peak_rss_mb']:.0f} |"
        )
    o = p["one_new_month"]
    lines.append(
        f"| `florwork run`, one new month (2025-12) | {o['seconds']:.1f} | {o['dbt_seconds']} | "
        f"{o['peak_rss_mb']:.0f} |"
    )
    lines.append(
        f"| dbt build --full-refresh through 2025-12 | {p['dbt_full_refresh']['seconds']:.1f} | "
        f"{p['dbt_full_refresh']['dbt_seconds']} | {p['dbt_full_refresh']['peak_rss_mb']:.0f} |"
    )
    lines.append(
        f"| build with nothing new ({p['dbt_nothing_new'].get('outcome', 'built')}) | "
        f"{p['dbt_nothing_new']['seconds']:.1f} | {p['dbt_nothing_new']['dbt_seconds']} "
        f"| {p['dbt_nothing_new']['peak_rss_mb']:.0f} |"
    )
    if "dbt_nothing_new_forced" in p:
        forced = p["dbt_nothing_new_forced"]
        lines.append(
            f"| dbt build, nothing new, forced | {forced['seconds']:.1f} | {forced['dbt_seconds']} "
            f"| {forced['peak_rss_mb']:.0f} |"
        )
    lines += ["", f"Incremental build after one new month / full build: **{p['incremental_vs_full']}**."]
    if "nothing_new_vs_full" in p:
        lines.append(f"Build with nothing new / full build: **{p['nothing_new_vs_full']}**.")
    if "nothing_new_forced_vs_full" in p:
        lines.append(f"dbt build with nothing new, forced / full build: **{p['nothing_new_forced_vs_full']}**.")
    if "run_one_month_vs_first_run_per_month" in p:
        lines.append(
            f"`florwork run` for one new month / the first run's cost per month it computed: "
            f"**{p['run_one_month_vs_first_run_per_month']}**."
        )
    for key, title in BUILDS:
        written = p.get(key, {}).get("written")
        if written:
            lines += ["", f"Rows written by {title} (`_built_at` after its start) / rows held:", ""]
            lines += ["| table | written | held |", "|---|---|---|"]
            lines += [f"| {t} | {c['written']:,} | {c['held']:,} |" for t, c in written.items()]
    for key, title in (("first_run", "the first run"), ("one_new_month", "the run for one new month")):
        dags = p.get(key, {}).get("dag_seconds")
        if dags:
            lines += [
                "",
                f"`florwork run`, {title}: {p[key]['seconds']} s in all, each DAG's seconds "
                f"(the rest is the process's start, Airflow's set-up and the DAG files' import):",
                "",
                ", ".join(f"`{dag}` {seconds}" for dag, seconds in dags.items()),
            ]
    for key, title in BUILDS:
        profile = p.get(key, {}).get("profile")
        if profile:
            lines += ["", f"Slowest nodes of {title} (dbt's run_results.json, seconds):", ""]
            lines.append(", ".join(f"`{n['node']}` {n['seconds']}" for n in profile))
        path = p.get(key, {}).get("critical_path")
        if path:
            dbt_seconds = p[key].get("dbt_seconds")
            lines += [
                "",
                f"Critical path of {title} ({path['elapsed']} s of dbt's nodes"
                + (f" in {dbt_seconds} s of dbt" if dbt_seconds else "")
                + "; each node's seconds from the end of the one it waited for):",
                "",
                " → ".join(f"`{n['node']}` {n['seconds']}" for n in path["path"]),
            ]
        busy = p.get(key, {}).get("thread_seconds")
        if busy:
            lines += [
                "",
                f"Node seconds of {title} by kind (summed over the threads; median node): "
                + ", ".join(f"{k} {v['nodes']} nodes {v['seconds']} s (median {v['median']})" for k, v in busy.items()),
            ]
    if "catch_up_12_months" in p:
        lines += [
            "",
            "Catch-up, per month (seconds of the five DAGs; dbt build):",
            "",
            "| month | seconds | dbt (s) |",
            "|---|---|---|",
        ]
        lines += [f"| {m['month']} | {m['seconds']} | {m['dbt_seconds']} |" for m in p["catch_up_12_months"]["months"]]
    return "\n".join(lines)


def summary() -> None:
    """bench/results/summary.md: every scale measured so far, side by side, and the targets."""
    scales = [s for s in ("demo", "city", "region") if (RESULTS / f"{s}.json").exists()]
    data = {s: json.loads((RESULTS / f"{s}.json").read_text()) for s in scales}
    rows = []
    for s in scales:
        r = data[s]
        steps = r["extraction"]["steps"]
        python_rss = max(v["peak_rss_mb"] for k, v in steps.items() if k in ("florwork", *BASELINES))
        python_rss = max(
            python_rss, r["pipeline"]["one_new_month"]["peak_rss_mb"], r["pipeline"]["dbt_full_refresh"]["peak_rss_mb"]
        )
        ratios = r["extraction"]["ratios"]
        rows.append(
            f"| {s} | {r['data']['payments']:,} | {ratios['florwork_vs_bare']} / "
            f"{ratios.get('florwork_vs_bare_beyond_fixed', '-')} | {ratios.get('florwork_vs_bare_relay', '-')} / "
            f"{ratios.get('florwork_vs_bare_relay_beyond_fixed', '-')} | {ratios.get('pandas_vs_bare', '-')} | "
            f"{ratios.get('dlt_vs_bare', '-')} / {ratios.get('dlt_pyarrow_vs_bare', '-')} | "
            f"{ratios['co_florwork_vs_co_bare']} / {ratios.get('co_florwork_vs_co_bare_beyond_fixed', '-')} | "
            f"{ratios.get(f'co_florwork_x{CO_VOLUME}_vs_co_bare_x{CO_VOLUME}', '-')} / "
            f"{ratios.get(f'co_florwork_x{CO_VOLUME}_vs_co_bare_x{CO_VOLUME}_beyond_fixed', '-')} | "
            f"{ratios.get('ipl_florwork_vs_ipl_bare', '-')} / "
            f"{ratios.get('ipl_florwork_vs_ipl_bare_beyond_fixed', '-')} | "
            f"{r['pipeline']['dbt_full_refresh']['dbt_seconds']} | "
            f"{r['pipeline']['one_new_month']['dbt_seconds']} | {r['pipeline']['incremental_vs_full']} | "
            f"{r['pipeline']['one_new_month']['seconds']:.0f} | {steps['florwork']['peak_rss_mb']:.0f} | "
            f"{python_rss:.0f} |"
        )
    growth = []
    for a, b in zip(scales, scales[1:]):
        data_growth = data[b]["data"]["payments"] / data[a]["data"]["payments"]
        full_growth = (
            data[b]["pipeline"]["dbt_full_refresh"]["dbt_seconds"]
            / data[a]["pipeline"]["dbt_full_refresh"]["dbt_seconds"]
        )
        extract_growth = (
            data[b]["extraction"]["steps"]["florwork"]["seconds"]
            / data[a]["extraction"]["steps"]["florwork"]["seconds"]
        )
        growth.append(f"| {a} → {b} | {data_growth:.1f}x | {extract_growth:.1f}x | {full_growth:.1f}x |")
    incremental = []
    for s in scales:
        one = data[s]["pipeline"]["one_new_month"]
        months_table = (one.get("written") or {}).get("int_participant_months_classified")
        if months_table is None:
            continue
        incremental.append(
            f"| {s} | {data[s]['data']['payments']:,} | {months_table['held']:,} | {months_table['written']:,} | "
            f"{one['dbt_seconds']} | {data[s]['pipeline']['dbt_full_refresh']['dbt_seconds']} | "
            f"{data[s]['pipeline']['incremental_vs_full']} | {data[s]['pipeline'].get('nothing_new_vs_full', '-')} | "
            f"{data[s]['pipeline'].get('nothing_new_forced_vs_full', '-')} |"
        )
    text = (
        "| scale | payments | extraction / bare (whole process / beyond the fixed cost) | "
        "extraction / bare through the platform's relay (same) | pandas / bare | "
        "dlt / bare (default / pyarrow) | CO / bare (whole process / beyond the fixed cost) | "
        f"CO at {CO_VOLUME}x the volume / bare (same) | Bologna's ipl tables / bare (same) | "
        "dbt full (s) | dbt incremental (s) | incremental / full | `florwork run` one month (s) | "
        "extraction peak RSS (MB) | largest Python step RSS (MB) |\n|"
        + "---|" * 15
        + "\n"
        + "\n".join(rows)
        + "\n\nGrowth from one scale to the next:\n\n| scales | payments | extraction time | dbt full build time |\n"
        "|---|---|---|---|\n"
        + "\n".join(growth)
        + (
            "\n\nThe incremental build as the data grows (participant months held after the new month, and "
            "written by its build):\n\n| scale | payments | participant months held | written by the one-month "
            "build | one-month build (s) | full build (s) | one month / full | nothing new / full | "
            "nothing new, dbt forced / full |\n"
            "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(incremental)
            if incremental
            else ""
        )
        + f"\n\nTargets: extraction ≥ {TARGETS['extraction_vs_bare']}x bare and ahead of pandas and dlt; at region "
        f"scale a build after one new month ≤ {TARGETS['incremental_vs_full_at_region']}x the full build, with "
        f"nothing new ≤ {TARGETS['nothing_new_vs_full_at_region']}x, `florwork run` for one new month ≤ "
        f"{TARGETS['run_one_month_vs_first_run_at_region']}x the first run's cost per month; every Python step < "
        f"{TARGETS['python_peak_rss_mb_at_region']} MB at region scale. Where they stand and why: docs/scaling.md."
    )
    save("summary", {"scales": scales}, text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["demo", "city", "region"], default="demo")
    parser.add_argument("--only", choices=["extraction", "pipeline"], help="measure one part only")
    parser.add_argument(
        "--steps",
        help="with --only extraction: these steps (comma-separated); the others' "
        "figures are kept from the previous results",
    )
    args = parser.parse_args()
    scale, only = args.scale, args.only
    only_steps = args.steps.split(",") if args.steps else None
    env = state_env(scale)
    print(f"bench {scale} on {machine()}; state {env['FLORWORK_STATE_DIR']}", flush=True)
    result = {"scale": scale, "generation": ensure_sources(scale, env), "data": helper("sizes", env)}
    previous = json.loads((RESULTS / f"{scale}.json").read_text()) if (RESULTS / f"{scale}.json").exists() else {}
    result["extraction"] = (
        extraction(env, result["data"], only_steps, previous.get("extraction"), previous.get("measured_at", ""))
        if only != "pipeline"
        else previous["extraction"]
    )
    result["pipeline"] = pipeline(scale, env) if only != "extraction" else previous["pipeline"]
    save(scale, result, markdown(scale, result))
    summary()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
