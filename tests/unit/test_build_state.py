"""The dbt project's digest (plugins/florwork/build_state.py): what a build reads of the
project changes it; what dbt writes there does not."""

from florwork import build_state, config


def test_the_project_digest_follows_the_project_files_not_dbts_output(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: florwork\n")
    model = project / "models" / "m.sql"
    model.write_text("select 1\n")
    monkeypatch.setattr(config, "dbt_project_dir", lambda: project)
    before = build_state.project_digest()

    for written in ("target/run_results.json", "logs/dbt.log", "seeds_in_use/abc/rules.csv"):
        (project / written).parent.mkdir(parents=True, exist_ok=True)
        (project / written).write_text("{}")
    assert build_state.project_digest() == before

    model.write_text("select 2\n")
    assert build_state.project_digest() != before
    model.write_text("select 1\n")
    assert build_state.project_digest() == before
    (project / "models" / "n.sql").write_text("select 1\n")
    assert build_state.project_digest() != before


def test_the_inputs_digest_is_the_same_for_the_same_inputs_in_any_order():
    a = {"through_month": "2025-01-01", "seeds": {"a.csv": "1", "b.csv": "2"}}
    b = {"seeds": {"b.csv": "2", "a.csv": "1"}, "through_month": "2025-01-01"}
    assert build_state.digest(a) == build_state.digest(b)
    assert build_state.digest(a) != build_state.digest({**a, "through_month": "2025-02-01"})
