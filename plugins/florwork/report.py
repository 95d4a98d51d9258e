"""The budget office's report of a monthly run: HTML, PDF and a CSV export.

The page is rendered from ``report_templates/budget_report.html.j2`` with the labels of
one catalogue per language (``labels.<lang>.json``; ``FLORWORK_REPORT_LANGUAGE`` = ``it``,
the default, or ``en``) and numbers and dates formatted for it by Babel. Charts are inline
SVG (axes, values, thresholds, the projection to year end), so the page needs nothing
from the internet and opens from a file; the PDF of the same page (WeasyPrint) can be
attached to a council act. One folder per budget month under the reports folder
(``.florwork/reports``, ``FLORWORK_REPORTS_DIR`` to change it).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from florwork import config, warehouse
from florwork.budget import FIGURES
from florwork.errors import ReportFailed
from florwork.months import TZ as ROME

log = logging.getLogger(__name__)

LANGUAGES = ("it", "en")
FUNNEL_COLUMNS = (
    "people_referred",
    "people_taken_in_charge",
    "people_assessed",
    "people_in_soft_skills_lab",
    "people_in_on_the_job_lab",
    "people_in_internship",
    "people_hired",
    "people_into_companies",
    "people_withdrawn",
    "people_waiting",
)


def language() -> str:
    value = os.environ.get("FLORWORK_REPORT_LANGUAGE", "it").strip().lower()
    if value not in LANGUAGES:
        raise ReportFailed(f"FLORWORK_REPORT_LANGUAGE={value!r}: use one of {', '.join(LANGUAGES)}")
    return value


@cache
def labels(lang: str) -> dict:
    return json.loads(resources.files("florwork.report_templates").joinpath(f"labels.{lang}.json").read_text())


class Formats:
    """Numbers and dates in the report's language (Babel's CLDR data)."""

    def __init__(self, lang: str):
        from babel import dates, numbers

        self._dates, self._numbers = dates, numbers
        self.locale = labels(lang)["locale"]
        self.none = labels(lang)["none"]

    def eur(self, value) -> str:
        return self.none if value is None else self._numbers.format_currency(value, "EUR", locale=self.locale)

    def ratio(self, value) -> str:
        return self.none if value is None else self._numbers.format_decimal(value, format="0.0000", locale=self.locale)

    def percent(self, value) -> str:
        return self.none if value is None else self._numbers.format_percent(value, format="0.00%", locale=self.locale)

    def integer(self, value) -> str:
        return self.none if value is None else self._numbers.format_decimal(value, format="#,##0", locale=self.locale)

    def month_name(self, value: date) -> str:
        return self._dates.format_date(value, "LLLL y", locale=self.locale)

    def month_short(self, value: date) -> str:
        return self._dates.format_date(value, "LLL", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        return (
            self.none
            if value is None
            else self._dates.format_datetime(value, "d MMMM y, HH:mm", tzinfo=ROME, locale=self.locale)
        )

    def indicator(self, name: str, value) -> str:
        if value is None:
            return self.none
        if name == "employed_6m_rate":
            return self.percent(value)
        if name == "r_year_end":
            return self.ratio(value)
        return self.integer(value)

    def axis_eur(self, value: float) -> str:
        return self._numbers.format_decimal(round(value), format="#,##0", locale=self.locale) + " €"


# -- charts: geometry here, markup in the template ------------------------------------


@dataclass
class Chart:
    width: int = 680
    height: int = 280
    left: int = 64
    right: int = 660
    top: int = 28
    bottom: int = 244
    y_label: str = ""
    y_ticks: list = field(default_factory=list)
    x_ticks: list = field(default_factory=list)
    points: list = field(default_factory=list)  # R: one a month
    path: str = ""
    thresholds: list = field(default_factory=list)
    projection: dict | None = None  # R: latest month to December
    bars: list = field(default_factory=list)  # savings: two a month


def _nice_step(top: float, ticks: int = 5) -> float:
    raw = max(top, 1e-9) / ticks
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 10 ** -len(str(int(1 / raw)))
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _scale(chart: Chart, top: float, fmt) -> tuple:
    step = _nice_step(top)
    top = step * max(1, -(-top // step))
    y = lambda v: round(chart.bottom - float(v) / top * (chart.bottom - chart.top), 1)  # noqa: E731
    chart.y_ticks = [{"y": y(step * i), "label": fmt(step * i)} for i in range(int(round(top / step)) + 1)]
    return y


def _x_positions(chart: Chart, months: list[date], fmt: Formats) -> list[float]:
    slot = (chart.right - chart.left) / 12
    xs = [round(chart.left + slot * (m.month - 0.5), 1) for m in months]
    chart.x_ticks = (
        [
            {"x": round(chart.left + slot * (i - 0.5), 1), "label": fmt.month_short(date(months[0].year, i, 1))}
            for i in range(1, 13)
        ]
        if months
        else []
    )
    return xs


def r_chart(rows: list[dict], lower, upper, piao, fmt: Formats, text: dict) -> Chart:
    chart = Chart(y_label=text["chart_r_label"])
    values = [float(r["r_ytd"]) for r in rows if r["r_ytd"] is not None]
    projected = float(piao["r_projected_year_end"]) if piao and piao.get("r_projected_year_end") is not None else None
    y = _scale(chart, max(values + [float(upper) * 1.2] + ([projected] if projected is not None else [])), fmt.ratio)
    xs = _x_positions(chart, [r["month"] for r in rows], fmt)
    points = [
        {
            "x": x,
            "y": y(r["r_ytd"]),
            "label": fmt.ratio(r["r_ytd"]),
            "title": f"{fmt.month_name(r['month'])}: R {fmt.ratio(r['r_ytd'])}",
        }
        for x, r in zip(xs, rows)
        if r["r_ytd"] is not None
    ]
    chart.points, chart.path = points, " ".join(f"{p['x']},{p['y']}" for p in points)
    chart.thresholds = [
        {"y": y(lower), "colour": "#c0392b", "label": f"{text['lower_threshold']} {fmt.ratio(lower)}"},
        {"y": y(upper), "colour": "#27ae60", "label": f"{text['upper_threshold']} {fmt.ratio(upper)}"},
    ]
    if points and projected is not None and rows[-1]["month"].month < 12 and not piao.get("as_of"):
        december = chart.left + (chart.right - chart.left) / 12 * 11.5
        chart.projection = {
            "x1": points[-1]["x"],
            "y1": points[-1]["y"],
            "x2": round(december, 1),
            "y2": y(projected),
            "label": f"{text['projection']} {fmt.ratio(projected)}",
        }
    return chart


def savings_chart(rows: list[dict], fmt: Formats, text: dict) -> Chart:
    chart = Chart(y_label="€")
    top = max([float(max(r["realised_savings_eur"], r["expected_savings_eur"])) for r in rows] + [1.0])
    y = _scale(chart, top, fmt.axis_eur)
    xs = _x_positions(chart, [r["month"] for r in rows], fmt)
    slot = (chart.right - chart.left) / 12
    width = round(slot * 0.36, 1)
    for x, r in zip(xs, rows):
        for offset, kind, colour in ((-width, "realised", "#2980b9"), (0, "expected", "#bdc3c7")):
            value = r[f"{kind}_savings_eur"]
            top_y = y(value)
            chart.bars.append(
                {
                    "kind": kind,
                    "x": round(x + offset, 1),
                    "y": top_y,
                    "width": width,
                    "height": round(chart.bottom - top_y, 1),
                    "colour": colour,
                    "title": f"{fmt.month_name(r['month'])}, {text[kind]}: {fmt.eur(value)}",
                    "label": fmt.axis_eur(float(value)) if kind == "realised" else "",
                }
            )
    return chart


# -- what changed, and why ------------------------------------------------------------


def _changes(
    programme: str,
    current: dict,
    rows: list[dict],
    rules: dict,
    runs: list[dict],
    previous: dict | None,
    restated: list[dict],
    fmt: Formats,
    text: dict,
) -> list[str]:
    def t(key, **values):
        return text[key].format(**values)

    changes = []
    this_month = [r for r in runs if r["programme"] == programme]
    latest = this_month[-1] if this_month else None
    if latest and latest["supersedes_run_id"]:
        changes.append(t("change_republished", supersedes=latest["supersedes_run_id"]))
    if previous is None:
        changes.append(t("change_first"))
    else:
        changes.append(
            t(
                "change_new_data",
                previous=fmt.month_name(previous["month"]),
                previous_cutoff=fmt.datetime(previous["data_cutoff"]),
                r_before=fmt.ratio(previous["r_ytd"]),
                r_after=fmt.ratio(current["r_ytd"]),
                s_before=fmt.eur(previous["realised_savings_ytd_eur"]),
                s_after=fmt.eur(current["realised_savings_ytd_eur"]),
            )
        )
        if previous["rule_version"] != current["rule_version"]:
            first = next(r["month"] for r in rows if r["rule_version"] == current["rule_version"])
            method = rules[current["month"]]["baseline_method"]
            changes.append(
                t(
                    "change_rule",
                    month=fmt.month_name(first),
                    rule=current["rule_version"],
                    method=text["method_names"].get(method, method),
                    previous_rule=previous["rule_version"],
                )
            )
        before, after = previous.get("seed_fingerprints") or {}, (latest or {}).get("seed_fingerprints") or {}
        changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
        if before and after and changed:
            changes.append(t("change_seeds", files=", ".join(changed)))
    for row in restated:
        changes.append(
            t(
                "change_restated",
                month=fmt.month_name(row["month"]),
                now=fmt.eur(row["now"]),
                published=fmt.eur(row["published"]),
            )
        )
    return changes


def _dicts(cursor) -> list[dict]:
    names = [d.name for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def gather(month: date) -> dict:
    """Everything the report shows, read from the marts in one connection."""
    with warehouse.connect("warehouse", autocommit=True) as wh:
        rows = _dicts(
            wh.execute(
                f"select {', '.join(FIGURES)} from marts.budget_monthly where budget_year = %s and month <= %s "
                "order by programme, month",
                (month.year, month),
            )
        )
        rules = {
            r["month"]: r
            for r in _dicts(
                wh.execute(
                    "select month, baseline_method, lower_threshold, upper_threshold "
                    "from intermediate.int_rules_in_force"
                )
            )
        }
        piao = {
            r["programme"]: r
            for r in _dicts(wh.execute("select * from marts.piao_indicator where budget_year = %s", (month.year,)))
        }
        funnel = _dicts(wh.execute("select * from marts.programme_funnel order by programme, edition nulls last"))
        runs = _dicts(wh.execute("select * from marts.budget_runs where month = %s order by run_id", (month,)))
        previous = {
            r["programme"]: r
            for r in _dicts(
                wh.execute(
                    "select distinct on (programme) * from marts.budget_runs where month < %s "
                    "order by programme, month desc, run_id desc",
                    (month,),
                )
            )
        }
        published = _dicts(
            wh.execute(
                "select programme, month, realised_savings_eur from marts.budget_runs_latest "
                "where budget_year = %s and month < %s",
                (month.year, month),
            )
        )
        loans = _dicts(
            wh.execute(
                "select y.*, t.programme_list from marts.impact_loan_years y join ("
                " select loan_id, array_agg(distinct programme) as programme_list from reference.impact_loan_targets "
                " group by loan_id) t using (loan_id) where y.year = %s order by y.loan_id",
                (month.year,),
            )
        )
        indicators = _dicts(
            wh.execute(
                "select * from marts.impact_loan_indicators where year = %s order by loan_id, indicator", (month.year,)
            )
        )
        cutoff = wh.execute("select data_cutoff from ops.warehouse_builds order by build_id desc limit 1").fetchone()[0]
        not_loaded = _dicts(
            wh.execute(
                "select source, what, count(distinct source_object) as objects, sum(items) as items, "
                "string_agg(distinct source_object, ', ' order by source_object) filter (where what in "
                "('file rejected', 'batch failed')) as names from ops.not_loaded group by source, what "
                "order by source, what"
            )
        )
    return {
        "not_loaded": not_loaded,
        "rows": rows,
        "rules": rules,
        "piao": piao,
        "funnel": funnel,
        "runs": runs,
        "previous": previous,
        "published": published,
        "loans": loans,
        "indicators": indicators,
        "cutoff": cutoff,
    }


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("florwork", "report_templates"),
        autoescape=select_autoescape(["j2", "html"]),
        undefined=StrictUndefined,
        trim_blocks=False,
    )


def render_html(month: date, data: dict, lang: str) -> str:
    from markupsafe import Markup

    text, fmt = labels(lang), Formats(lang)
    programmes = []
    for code in sorted({r["programme"] for r in data["rows"]}):
        rows = [r for r in data["rows"] if r["programme"] == code]
        current = rows[-1]
        rule = data["rules"][current["month"]]
        piao = data["piao"].get(code)
        if piao and piao["latest_month"] != month:  # a month re-rendered later: the indicator is today's
            piao = {**piao, "as_of": piao["latest_month"]}
        published = {(p["month"]): p["realised_savings_eur"] for p in data["published"] if p["programme"] == code}
        restated = [
            {"month": r["month"], "now": r["realised_savings_eur"], "published": published[r["month"]]}
            for r in rows[:-1]
            if r["month"] in published and published[r["month"]] != r["realised_savings_eur"]
        ]
        loans = [
            dict(loan, indicators=[i for i in data["indicators"] if i["loan_id"] == loan["loan_id"]])
            for loan in data["loans"]
            if code in loan["programme_list"]
        ]
        programmes.append(
            {
                "code": code,
                "current": current,
                "months": rows,
                "piao": piao,
                "loans": loans,
                "changes": _changes(
                    code, current, rows, data["rules"], data["runs"], data["previous"].get(code), restated, fmt, text
                ),
                "chart_r": r_chart(rows, rule["lower_threshold"], rule["upper_threshold"], piao, fmt, text),
                "chart_savings": savings_chart(rows, fmt, text),
            }
        )
    latest_runs = {r["programme"]: r for r in data["runs"]}
    seeds = {}
    for run in latest_runs.values():
        seeds.update(run.get("seed_fingerprints") or {})
    template = _environment().get_template("budget_report.html.j2")
    return template.render(
        labels=text,
        month=month,
        cutoff=data["cutoff"],
        programmes=programmes,
        funnel=data["funnel"],
        funnel_columns=FUNNEL_COLUMNS,
        runs=data["runs"],
        provenance=list(latest_runs.values()),
        not_loaded=data["not_loaded"],
        seeds=seeds,
        csv_name=f"budget_{month:%Y-%m}.csv",
        t=lambda key, **values: Markup(text[key]).format(**values),
        eur=fmt.eur,
        ratio=fmt.ratio,
        percent=fmt.percent,
        integer=fmt.integer,
        month_name=fmt.month_name,
        datetime=fmt.datetime,
        indicator=fmt.indicator,
    )


PDF_HOW_TO = (
    "install Pango and a font: `make system-deps` (Debian/Ubuntu), or see the README's "
    '"System packages" for macOS and Fedora; the next run of the month writes the PDF'
)


@cache
def pdf_unavailable() -> str | None:
    """Why the PDF cannot be written on this machine (WeasyPrint cannot load the system's
    Pango), or None when it can. The HTML and the CSV never depend on it."""
    try:
        import weasyprint  # noqa: F401
    except (OSError, ImportError) as exc:  # OSError: the shared library is missing
        return f"WeasyPrint cannot load Pango ({str(exc).splitlines()[0][:200]})"
    return None


def write_pdf(html_path: Path, pdf_path: Path) -> float | None:
    """The PDF of the page (WeasyPrint); return the seconds it took, or None when this
    machine cannot write PDFs (a warning says why and how to get them)."""
    missing = pdf_unavailable()
    if missing:
        log.warning("no PDF for %s: %s; %s", html_path.name, missing, PDF_HOW_TO)
        pdf_path.unlink(missing_ok=True)  # never leave a PDF of an earlier run beside the new page
        return None
    started = time.monotonic()
    from weasyprint import HTML

    HTML(filename=str(html_path)).write_pdf(str(pdf_path))
    return time.monotonic() - started


def render(month: date, lang: str | None = None) -> Path:
    """Write the month's report (HTML, CSV and, where Pango is installed, PDF); return the HTML path."""
    lang = lang or language()
    folder = config.reports_dir() / month.strftime("%Y-%m")
    folder.mkdir(parents=True, exist_ok=True)
    data = gather(month)
    csv_path = folder / f"budget_{month:%Y-%m}.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIGURES)
        writer.writeheader()
        writer.writerows(data["rows"])
    path = folder / f"budget_{month:%Y-%m}.html"
    path.write_text(render_html(month, data, lang))
    seconds = write_pdf(path, path.with_suffix(".pdf"))
    log.info(
        "report of %s written (%s): %s%s",
        f"{month:%Y-%m}",
        lang,
        path,
        f" and its PDF ({seconds:.2f} s)" if seconds is not None else ", without PDF",
    )
    return path
