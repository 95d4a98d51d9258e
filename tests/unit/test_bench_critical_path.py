"""The bench's critical path of a dbt build (bench/run.py): the chain of nodes its elapsed
time is made of, through the tests a `dbt build` waits for."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import run  # noqa: E402


def result(uid: str, start: float, end: float) -> dict:
    at = lambda s: f"2026-12-07T01:00:{s:06.3f}Z"  # noqa: E731
    return {
        "unique_id": uid,
        "timing": [
            {"name": "compile", "started_at": at(start), "completed_at": at(start)},
            {"name": "execute", "started_at": at(start), "completed_at": at(end)},
        ],
    }


def test_the_path_follows_the_predecessor_that_finished_last_and_the_tests_a_model_waits_for():
    manifest = {
        "nodes": {
            "model.p.a": {"depends_on": {"nodes": []}},
            "model.p.side": {"depends_on": {"nodes": []}},
            "test.p.unique_a": {"depends_on": {"nodes": ["model.p.a"]}},
            "test.p.not_null_a": {"depends_on": {"nodes": ["model.p.a"]}},
            "test.p.relationships_a_c": {"depends_on": {"nodes": ["model.p.a", "model.p.c"]}},
            "model.p.b": {"depends_on": {"nodes": ["model.p.a", "model.p.side"]}},
            "model.p.c": {"depends_on": {"nodes": ["model.p.b"]}},
        }
    }
    results = {
        "results": [
            result("model.p.a", 0, 10),
            result("model.p.side", 0, 3),
            result("test.p.unique_a", 10.5, 12),
            result("test.p.not_null_a", 10.5, 11),
            result("test.p.relationships_a_c", 25.2, 26),
            result("model.p.b", 12.2, 20),
            result("model.p.c", 20.1, 25),
        ]
    }
    # the last node is a test of two models; sibling tests of a model run side by side
    # and are not each other's predecessors (the real manifests' shape that once looped)
    path = run.critical_path(results, manifest)
    assert path["elapsed"] == 26.0
    assert [(n["node"], n["seconds"]) for n in path["path"]] == [
        ("model a", 10.0),
        ("test unique_a", 2.0),
        ("model b", 8.0),
        ("model c", 5.0),
        ("test relationships_a_c", 1.0),
    ]
