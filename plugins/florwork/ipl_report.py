"""Bologna's monthly page for Insieme per il lavoro's technical table (docs/method.md §8).

The ipl_* marts as charts and tables, in the report's language (``labels.<lang>.json``,
key ``ipl``; Italian by default), rendered from ``report_templates/ipl_report.html.j2``
beside Florence's budget report: ``<reports>/<YYYY-MM>/insieme_per_il_lavoro.html`` and
a CSV of every figure shown. The charts are inline SVG, so the page opens from a file.
"""

from __future__ import annotations

import csv
import logging
from datetime import date, datetime
from pathlib import Path

from florwork import __version__, config, warehouse
from florwork.report import Chart, Formats, _environment, _scale, labels, language

log = logging.getLogger(__name__)

NAME = "insieme_per_il_lavoro"
# Each section of the page: its mart and the columns that identify a row.
TABLES = {
    "applications": ("ipl_applications_monthly", ("month", "channel", "referring_body")),
    "profile": ("ipl_applicants_by_group", ("dimension", "group_value")),
    "interviews": ("ipl_interview_outcomes", ("month",)),
    "match": ("ipl_social_services_match", ("interview_outcome",)),
    "board": ("ipl_company_board", ("joining_channel",)),
    "projects": ("ipl_projects_funnel", ("project_type",)),
    "fund": ("ipl_fund_status", ("funder", "budget_line")),
    "results": ("ipl_results", ("year",)),
}
CHANNEL_COLOURS = {"FORM_ONLINE": "#2980b9", "SPORTELLO": "#e67e22"}
BODY_COLOURS = {
    "AUTOCANDIDATURA": "#2980b9",
    "SERVIZI_SOCIALI": "#8e44ad",
    "CENTRO_IMPIEGO": "#16a085",
    "CARITAS_PARROCCHIE": "#e67e22",
    "TERZO_SETTORE": "#f1c40f",
    "SINDACATO": "#c0392b",
    "ALTRO": "#95a5a6",
}
OUTCOME_COLOURS = {"IN_TARGET": "#27ae60", "OVERT_FRAGILITY": "#c0392b", "OUT_OF_TARGET": "#95a5a6"}


def gather(month: date) -> dict:
    """The marts the page shows, read in one connection."""
    with warehouse.connect("warehouse", autocommit=True) as wh:
        data = {}
        for name, (mart, keys) in TABLES.items():
            cursor = wh.execute(f"select * from marts.{mart} order by {', '.join(keys)}")
            columns = [d.name for d in cursor.description]
            data[name] = [dict(zip(columns, row)) for row in cursor.fetchall()]
        data["journeys"] = dict(
            zip(
                ("applicants", "in_target", "hired", "self_employed"),
                wh.execute(
                    "select count(*), count(*) filter (where interview_outcome = 'IN_TARGET'), "
                    "count(first_job_start), count(*) filter (where current_stage = 'SELF_EMPLOYED') "
                    "from marts.ipl_journeys"
                ).fetchone(),
            )
        )
        row = wh.execute("select data_cutoff from ops.warehouse_builds order by build_id desc limit 1").fetchone()
        data["cutoff"] = row[0] if row else None
    return data


def stacked_bars(categories: list, series: list[tuple[str, str, list]], fmt: Formats, label_of, title_of=None) -> Chart:
    """Vertical bars, one stack a category: ``series`` is (name, colour, values) with one
    value a category; each segment has a tooltip (``title_of`` the category, by default its
    axis label) and the stack its total above it."""
    title_of = title_of or label_of
    chart = Chart(y_label="")
    totals = [sum(values[i] or 0 for _, _, values in series) for i in range(len(categories))]
    y = _scale(chart, max(totals + [1]), fmt.integer)
    slot = (chart.right - chart.left) / max(len(categories), 1)
    width = round(min(slot * 0.6, 48), 1)
    for i, category in enumerate(categories):
        x = round(chart.left + slot * (i + 0.5) - width / 2, 1)
        base = 0
        for name, colour, values in series:
            value = values[i] or 0
            if not value:
                continue
            top, bottom = y(base + value), y(base)
            chart.bars.append(
                {
                    "x": x,
                    "y": top,
                    "width": width,
                    "height": round(bottom - top, 1),
                    "colour": colour,
                    "title": f"{title_of(category)}, {name}: {fmt.integer(value)}",
                    "label": "",
                }
            )
            base += value
        chart.points.append({"x": round(x + width / 2, 1), "y": y(totals[i]) - 4, "label": fmt.integer(totals[i])})
        chart.x_ticks.append({"x": round(x + width / 2, 1), "label": label_of(category)})
    return chart


def render_html(month: date, data: dict, lang: str) -> str:
    from markupsafe import Markup

    text, fmt = labels(lang), Formats(lang)
    t_ipl = text["ipl"]
    months = sorted({r["month"] for r in data["applications"]})

    def month_axis(shown: list[date]):
        """Month labels for an axis: over a year and a half of bars only the quarters are
        named (each bar's tooltip names its month)."""

        def label(m: date) -> str:
            if len(shown) > 18 and m.month not in (1, 4, 7, 10) and m != shown[0]:
                return ""
            return fmt.month_short(m) + (f" {m:%y}" if m.month == 1 or m == shown[0] else "")

        return label

    month_label = month_axis(months)

    def trend(key: str, colours: dict) -> tuple[Chart, list[tuple[str, str]]]:
        """Applications a month, stacked by ``key`` (channel or referring body)."""
        codes = sorted({r[key] for r in data["applications"]})
        legend = [(code, colours.get(code, "#7f8c8d")) for code in codes]
        totals = {}
        for r in data["applications"]:
            totals[(r["month"], r[key])] = totals.get((r["month"], r[key]), 0) + r["applications"]
        series = [(code, colour, [totals.get((m, code), 0) for m in months]) for code, colour in legend]
        return stacked_bars(months, series, fmt, month_label, fmt.month_name), legend

    by_channel, channels = trend("channel", CHANNEL_COLOURS)
    by_body_chart, bodies_legend = trend("referring_body", BODY_COLOURS)
    bodies = sorted({r["referring_body"] for r in data["applications"]})
    by_body = [
        {
            "referring_body": b,
            "applications": sum(r["applications"] for r in data["applications"] if r["referring_body"] == b),
            "people_first_applying": sum(
                r["people_first_applying"] for r in data["applications"] if r["referring_body"] == b
            ),
        }
        for b in bodies
    ]
    outcomes = stacked_bars(
        [r["month"] for r in data["interviews"]],
        [
            (t_ipl["outcome_names"][code], OUTCOME_COLOURS[code], [r[f"people_{column}"] for r in data["interviews"]])
            for code, column in (
                ("IN_TARGET", "in_target"),
                ("OVERT_FRAGILITY", "overt_fragility"),
                ("OUT_OF_TARGET", "out_of_target"),
            )
        ],
        fmt,
        month_axis([r["month"] for r in data["interviews"]]),
        fmt.month_name,
    )
    board = stacked_bars(
        [r["joining_channel"] for r in data["board"]],
        [(t_ipl["board_chart"], "#16a085", [r["companies_active"] for r in data["board"]])],
        fmt,
        str,
    )
    fund = stacked_bars(
        [f"{r['funder']} / {r['budget_line']}" for r in data["fund"]],
        [
            (t_ipl["spent"], "#c0392b", [float(r["spent_eur"]) for r in data["fund"]]),
            (t_ipl["columns"]["remaining_eur"], "#d5dbdb", [float(r["remaining_eur"]) for r in data["fund"]]),
        ],
        fmt,
        str,
    )
    dimensions = {}
    for row in data["profile"]:
        dimensions.setdefault(row["dimension"], []).append(row)
    template = _environment().get_template("ipl_report.html.j2")
    return template.render(
        labels=text,
        month=month,
        data=data,
        charts={"channel": by_channel, "body": by_body_chart, "outcomes": outcomes, "board": board, "fund": fund},
        channels=channels,
        bodies=bodies_legend,
        outcome_colours=OUTCOME_COLOURS,
        by_body=by_body,
        dimensions=dimensions,
        csv_name=f"{NAME}_{month:%Y-%m}.csv",
        generated=datetime.now().astimezone(),
        version=__version__,
        t=lambda key, **kw: Markup(t_ipl[key].format(**kw) if kw else t_ipl[key]),
        col=lambda key: t_ipl["columns"].get(key, key),
        eur=fmt.eur,
        index=lambda v: fmt.none if v is None else fmt._numbers.format_decimal(v, format="0.000", locale=fmt.locale),
        percent=fmt.percent,
        integer=fmt.integer,
        month_name=fmt.month_name,
        datetime=fmt.datetime,
        missing=fmt.none,  # not "none": Jinja reads that as the literal None
    )


def write_csv(path: Path, data: dict) -> None:
    """Every figure of the page, one row a figure: section, the row's keys, the measure
    and its value (a suppressed cell is empty, flagged)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["section", "keys", "measure", "value"])
        for section, (_, keys) in TABLES.items():
            for row in data[section]:
                label = ";".join(f"{k}={row[k]}" for k in keys)
                for measure, value in row.items():
                    if measure not in keys:
                        out.writerow([section, label, measure, "" if value is None else value])


def render(month: date) -> Path:
    """Write the month's page and CSV; return the page's path."""
    data = gather(month)
    folder = config.reports_dir() / f"{month:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"{NAME}.html"
    html.write_text(render_html(month, data, language()), encoding="utf-8")
    write_csv(folder / f"{NAME}_{month:%Y-%m}.csv", data)
    log.info("Bologna's page written to %s", html)
    return html
