"""The budget office's report of a monthly run: an HTML page and a CSV export.

Charts are inline SVG drawn here, so the page needs nothing from the internet (no
CDN) and opens from a file. One folder per budget month under the reports folder
(``.florwork/reports`` by default, ``FLORWORK_REPORTS_DIR`` to change it).
"""

from __future__ import annotations

import csv
import html
from datetime import date
from pathlib import Path

from florwork import config, warehouse
from florwork.budget import FIGURES
from florwork.months import TZ as ROME
from florwork.months import previous_month


def _eur(value) -> str:
    if value is None:
        return "–"
    return f"€ {value:,.2f}".replace(",", "\u202f")


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.4f}"


def _line_chart(points: list[tuple[str, float | None]], lower: float, upper: float) -> str:
    width, height, pad = 640, 260, 40
    values = [v for _, v in points if v is not None] + [upper * 1.2, lower]
    top = max(values) or 1.0
    n = max(len(points) - 1, 1)
    x = lambda i: pad + i * (width - 2 * pad) / n  # noqa: E731
    y = lambda v: height - pad - v / top * (height - 2 * pad)  # noqa: E731
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points) if v is not None)
    parts = [f'<svg id="chart-r" role="img" aria-label="R year to date" viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    for value, label, colour in ((lower, "lower threshold", "#c0392b"), (upper, "upper threshold", "#27ae60")):
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{width - pad}" y="{y(value) - 4:.1f}" text-anchor="end" font-size="11" fill="{colour}">{label} {value:g}</text>')
    parts.append(f'<polyline fill="none" stroke="#2c3e50" stroke-width="2" points="{path}"/>')
    for i, (label, value) in enumerate(points):
        if value is not None:
            parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="#2c3e50"><title>{label}: R {value:.4f}</title></circle>')
        parts.append(f'<text x="{x(i):.1f}" y="{height - pad + 16}" text-anchor="middle" font-size="10">{label[5:7]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bar_chart(rows: list[tuple[str, float, float]]) -> str:
    width, height, pad = 640, 260, 40
    top = max([max(r, e) for _, r, e in rows] + [1.0])
    slot = (width - 2 * pad) / max(len(rows), 1)
    bar = slot * 0.38
    parts = [f'<svg id="chart-savings" role="img" aria-label="Realised and expected savings by month" viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    for i, (label, realised, expected) in enumerate(rows):
        x0 = pad + i * slot + slot * 0.1
        for j, (value, colour, name) in enumerate(((realised, "#2980b9", "realised"), (expected, "#bdc3c7", "expected"))):
            h = value / top * (height - 2 * pad)
            parts.append(f'<rect class="bar" x="{x0 + j * bar:.1f}" y="{height - pad - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{label} {name}: {value:,.2f}</title></rect>')
        parts.append(f'<text x="{x0 + bar:.1f}" y="{height - pad + 16}" text-anchor="middle" font-size="10">{label[5:7]}</text>')
    parts.append(f'<text x="{pad}" y="16" font-size="11" fill="#2980b9">■ realised</text><text x="{pad + 80}" y="16" font-size="11" fill="#7f8c8d">■ expected</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(month: date) -> Path:
    """Write the month's report (HTML and CSV); return the HTML path."""
    folder = config.reports_dir() / month.strftime("%Y-%m")
    folder.mkdir(parents=True, exist_ok=True)
    with warehouse.connect("warehouse", autocommit=True) as wh:
        year_rows = wh.execute(
            f"select {', '.join(FIGURES)} from marts.budget_monthly "
            "where budget_year = %s and month <= %s order by programme, month",
            (month.year, month),
        ).fetchall()
        rules = {r[0]: r[1:] for r in wh.execute(
            "select rule_version, lower_threshold, upper_threshold from reference.reinvestment_rules").fetchall()}
        funnel = wh.execute("select * from marts.programme_funnel order by programme, edition")
        funnel_cols = [d.name for d in funnel.description]
        funnel_rows = funnel.fetchall()
        previous = {r[0]: r[1:] for r in wh.execute(
            "select programme, month, r_ytd, tier, realised_savings_ytd_eur, reinvest_efficiency_eur + reinvest_innovation_eur "
            "from marts.budget_runs_latest where month = %s", (previous_month(month),)
        ).fetchall()} if month.month > 1 else {}
        history = wh.execute(
            "select run_id, published_at, programme, r_ytd, tier, realised_savings_ytd_eur, supersedes_run_id, "
            "data_cutoff, code_version from marts.budget_runs where month = %s order by run_id", (month,)
        ).fetchall()
        cutoff = wh.execute("select data_cutoff from ops.warehouse_builds order by build_id desc limit 1").fetchone()[0]
    rows = [dict(zip(FIGURES, r)) for r in year_rows]
    csv_path = folder / f"budget_{month:%Y-%m}.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIGURES)
        writer.writeheader()
        writer.writerows(rows)

    sections = []
    for programme in sorted({r["programme"] for r in rows}):
        prog = [r for r in rows if r["programme"] == programme]
        current = prog[-1]
        lower, upper = rules.get(current["rule_version"], (0.5, 1.0))
        chart_r = _line_chart([(r["month"].isoformat(), float(r["r_ytd"]) if r["r_ytd"] is not None else None) for r in prog],
                              float(lower), float(upper))
        chart_s = _bar_chart([(r["month"].isoformat(), float(r["realised_savings_eur"]), float(r["expected_savings_eur"])) for r in prog])
        table = "".join(
            f"<tr><td>{r['month']:%Y-%m}</td><td>{_eur(r['realised_savings_eur'])}</td><td>{_eur(r['expected_savings_eur'])}</td>"
            f"<td>{_eur(r['realised_savings_ytd_eur'])}</td><td>{_eur(r['expected_savings_ytd_eur'])}</td>"
            f"<td>{_ratio(r['r_ytd'])}</td><td>{r['tier'] or '–'}</td>"
            f"<td>{_eur(r['reinvest_efficiency_eur'])}</td><td>{_eur(r['reinvest_innovation_eur'])}</td>"
            f"<td>{_eur(r['not_reinvested_eur'])}</td><td>{r['participants_with_savings']}</td></tr>"
            for r in prog
        )
        changes = [h for h in history if h[2] == programme]
        change_text = "First publication of this month." if len(changes) <= 1 else (
            f"Republished: run {changes[-1][0]} supersedes run {changes[-1][6]} "
            f"(R {changes[-2][3]} → {changes[-1][3]}, S {_eur(changes[-2][5])} → {_eur(changes[-1][5])}).")
        before = previous.get(programme)
        if before:
            change_text += (f" Since the previous month's run ({before[0]:%B}): R {_ratio(before[1])} → {_ratio(current['r_ytd'])}, "
                            f"tier {before[2] or '–'} → {current['tier'] or '–'}, S {_eur(before[3])} → "
                            f"{_eur(current['realised_savings_ytd_eur'])}, reinvested {_eur(before[4])} → "
                            f"{_eur(current['reinvest_efficiency_eur'] + current['reinvest_innovation_eur'])}.")
        r_text = "not defined (expected savings are 0)" if current["r_ytd"] is None else f"{current['r_ytd']:.4f}"
        sections.append(f"""
<section class="programme">
<h2>{html.escape(programme)} — {month:%B %Y}</h2>
<p class="headline">R year to date <strong>{r_text}</strong>, tier <strong>{current['tier'] or '–'}</strong>.
Reinvestment: efficiency {_eur(current['reinvest_efficiency_eur'])}, innovation {_eur(current['reinvest_innovation_eur'])},
not reinvested {_eur(current['not_reinvested_eur'])}. Participants with savings this month: {current['participants_with_savings']}.</p>
<p>Rule version {html.escape(current['rule_version'])}; data as known on {cutoff.astimezone(ROME):%d %B %Y %H:%M} (Europe/Rome). {html.escape(change_text)}</p>
<h3>R year to date against the thresholds</h3>{chart_r}
<h3>Realised and expected savings by month</h3>{chart_s}
<table><thead><tr><th>Month</th><th>Realised</th><th>Expected</th><th>Realised YTD (S)</th><th>Expected YTD (E)</th>
<th>R</th><th>Tier</th><th>Efficiency</th><th>Innovation</th><th>Not reinvested</th><th>Participants with savings</th></tr></thead>
<tbody>{table}</tbody></table>
</section>""")
    funnel_html = "<tr>" + "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in funnel_cols) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in funnel_rows)
    runs_html = "".join(
        f"<tr><td>{h[0]}</td><td>{h[1]:%Y-%m-%d %H:%M}</td><td>{html.escape(h[2])}</td><td>{h[3]}</td><td>{h[4] or '–'}</td>"
        f"<td>{h[6] or ''}</td><td>{h[7].astimezone(ROME):%Y-%m-%d %H:%M}</td><td>{html.escape(h[8])}</td></tr>" for h in history)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Budget run {month:%Y-%m}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #2c3e50; max-width: 1100px; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }}
td {{ white-space: nowrap; }}
th {{ background: #f4f6f7; }} .headline {{ font-size: 1.1rem; }}
</style></head><body>
<h1>Monthly budget run — {month:%B %Y}</h1>
<p>Theoretical savings of the job-placement programmes and their reinvestment (SPEC §5). Generated from
<code>marts.budget_monthly</code> and <code>marts.budget_runs</code>; CSV export: <a href="{csv_path.name}">{csv_path.name}</a>.</p>
{''.join(sections) or '<p>No budget target for this month.</p>'}
<h2>Programme funnel</h2><table>{funnel_html}</table>
<h2>Publications of this month</h2>
<table><tr><th>Run</th><th>Published</th><th>Programme</th><th>R</th><th>Tier</th><th>Supersedes</th><th>Data cutoff</th><th>Code version</th></tr>{runs_html}</table>
</body></html>
"""
    path = folder / f"budget_{month:%Y-%m}.html"
    path.write_text(page)
    return path
