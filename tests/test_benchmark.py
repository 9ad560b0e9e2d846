"""The benchmark of issue 5 runs end to end at smoke size: both bots served, every measure in
its JSON, no answer lost. It asserts no time: the figures are for reading."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "benchmarks" / "bench.py"
HEADER = "| Measure | Partnership Planner | Starter bot (`rasa init`) | Planner ÷ starter |"


def test_the_smoke_benchmark_measures_both_bots_and_loses_no_answer(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert HEADER in run.stdout
    report = json.loads(out.read_text())
    assert report["mode"] == "smoke"
    committees = [str(n) for n in report["sizes"]["committees"]]
    for name in ("planner", "starter"):
        bot = report["bots"][name]
        for n in committees:
            latency = bot["latency"][n]
            assert latency["turns"] > 0 and latency["p50_ms"] is not None and latency["p95_ms"] is not None, (name, n)
        assert bot["growth"]["ratio"] is not None, name
        assert bot["memory"]["rasa_peak_rss_mb"] and bot["memory"]["action_server_peak_rss_mb"], name
        assert bot["startup"]["first_answer_s"] > 0, name
    # The planner's action server has its export and reading processes, each measured.
    helpers = report["bots"]["planner"]["memory"]["action_helpers_peak_rss_mb"]
    assert len(helpers) == 2 and all(helpers), helpers
    assert all(value is not None for value in report["ratios"].values()), report["ratios"]
    compiled = report["compile"]
    assert compiled["export_s"] is not None and compiled["tracemalloc_peak_mb"] is not None
    contention = report["export_contention"]
    assert contention["resumed"] and all(e["exported"] and not e["error"] for e in contention["exports"])
    assert contention["during_export"]["turns"] > 0 and contention["during_export"]["p50_ms"] is not None
    answers = report["bots"]["planner"]["answers"]
    assert answers["sent"] > 0
    assert report["lost_answers"] == answers["lost"] == 0, answers
    assert answers["duplicated"] == 0 and answers["committees_without_plan"] == 0, answers
