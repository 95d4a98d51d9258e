"""The dbt project's digest (plugins/florwork/build_state.py): what a build reads of the
project changes it; what dbt writes there does not."""

from florwork import build_state, config, transform


def test_the_project_digest_follows_the_project_files_not_dbts_output(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: florwork\n")
    model = project / "models" / "m.sql"
    model.write_text("select 1\n")
    monkeypatch.setattr(config, "dbt_project_dir", lambda: project)
    before = transform.project_digest()

    for written in ("target/run_results.json", "logs/dbt.log", "seeds_in_use/abc/rules.csv"):
        (project / written).parent.mkdir(parents=True, exist_ok=True)
        (project / written).write_text("{}")
    assert transform.project_digest() == before

    model.write_text("select 2\n")
    assert transform.project_digest() != before
    model.write_text("select 1\n")
    assert transform.project_digest() == before
    (project / "models" / "n.sql").write_text("select 1\n")
    assert transform.project_digest() != before


def test_the_inputs_digest_is_the_same_for_the_same_inputs_in_any_order():
    a = {"through_month": "2025-01-01", "seeds": {"a.csv": "1", "b.csv": "2"}}
    b = {"seeds": {"b.csv": "2", "a.csv": "1"}, "through_month": "2025-01-01"}
    assert build_state.digest(a) == build_state.digest(b)
    assert build_state.digest(a) != build_state.digest({**a, "through_month": "2025-02-01"})


INPUTS = {
    "through_month": "2025-01-01",
    "dbt_project": "p",
    "seeds": {"reinvestment_rules.csv": "r"},
    "ledger": {"sis_erogazioni": [3, 30, 120], "ipl_candidature": [2, 31, 40]},
    "raw": {"sis_erogazioni": [101, 102], "ipl_candidature": [201]},
}


def test_a_build_knows_which_raw_tables_and_whether_the_month_changed():
    assert build_state.changes(INPUTS, INPUTS) == build_state.Changes((), False)
    loaded = {**INPUTS, "ledger": {**INPUTS["ledger"], "ipl_candidature": [3, 35, 41]}}
    assert build_state.changes(INPUTS, loaded) == build_state.Changes(("ipl_candidature",), False)
    rewritten = {**INPUTS, "raw": {**INPUTS["raw"], "sis_erogazioni": [101, 109]}, "through_month": "2025-02-01"}
    assert build_state.changes(INPUTS, rewritten) == build_state.Changes(("sis_erogazioni",), True)
    first_rows = {**INPUTS, "ledger": {**INPUTS["ledger"], "co_notices": [1, 40, 3]}}
    assert build_state.changes(INPUTS, first_rows) == build_state.Changes(("co_notices",), False)


def test_any_other_change_builds_the_whole_graph():
    assert build_state.changes(None, INPUTS) is None
    assert build_state.changes(INPUTS, {**INPUTS, "seeds": {"reinvestment_rules.csv": "s"}}) is None
    assert build_state.changes(INPUTS, {**INPUTS, "dbt_project": "q"}) is None
    assert build_state.changes(INPUTS, {**INPUTS, "key": "k"}) is None
    assert build_state.changes({**INPUTS, "raw": "a digest of all tables"}, INPUTS) is None


def _node(kind, name, parents=(), macros=()):
    return {
        "resource_type": kind,
        "package_name": "florwork",
        "name": name,
        "depends_on": {"nodes": list(parents), "macros": list(macros)},
    }


MANIFEST = {
    "metadata": {"project_name": "florwork"},
    "sources": {
        f"source.florwork.{s}.{t}": {
            "package_name": "florwork",
            "source_name": s,
            "name": t,
            "identifier": t,
            "schema": "raw",
        }
        for s, t in (("social_services", "sis_erogazioni"), ("ipl", "ipl_candidature"))
    },
    "macros": {
        "macro.florwork.through_month": {"depends_on": {"macros": []}},
        "macro.florwork.months_everyone": {"depends_on": {"macros": ["macro.florwork.through_month"]}},
        "macro.florwork.eur": {"depends_on": {"macros": []}},
    },
    "nodes": {
        "model.florwork.watermark": _node("model", "watermark"),
        "model.florwork.payments": _node("model", "payments", ["source.florwork.social_services.sis_erogazioni"]),
        "model.florwork.months": _node(
            "model", "months", ["model.florwork.payments"], ["macro.florwork.months_everyone"]
        ),
        "model.florwork.applications": _node("model", "applications", ["source.florwork.ipl.ipl_candidature"]),
        "test.florwork.a_month_each": _node(
            "test", "a_month_each", ["model.florwork.payments"], ["macro.florwork.through_month"]
        ),
        "seed.florwork.rules": _node("seed", "rules"),
    },
}


def test_a_build_selects_what_lies_downstream_of_what_changed():
    from florwork import transform

    assert transform.selection(MANIFEST, ["ipl_candidature"], False) == ["source:ipl.ipl_candidature+", "watermark"]
    assert transform.selection(MANIFEST, [], True) == ["a_month_each", "months+", "watermark"]
    assert transform.selection(MANIFEST, ["sis_erogazioni", "co_notices"], False) == [
        "source:social_services.sis_erogazioni+",
        "watermark",
    ]
