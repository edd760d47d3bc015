"""The app under load: 200 users at once (the shortened CI form of bench/bench_load.py, one code path), and the
per-session memory that sessionless API calls would otherwise pile up.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from app_harness import serve
from triage_demo.settings import Settings

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_load.py"


def _bench_load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_200_users_get_answers_or_explicit_refusals_and_memory_stays_flat() -> None:
    bench = _bench_load()
    result = bench.run_load(users=200, duration_s=8.0, latency_s=1.0, warmup_s=4.0)
    print("\n" + bench.report(result))  # shown with `pytest -s`: the numbers behind the assertions
    tally = result.tally
    assert tally.errors == 0, tally.examples
    assert tally.ok + tally.busy >= 200  # every user made at least one call in the measured phase
    assert tally.ok > 0 and max(tally.latencies) < 60
    assert result.second_half_growth <= 0.10, [(round(t), v >> 20) for t, v in result.rss_samples]


def test_sessionless_api_calls_do_not_pile_up_session_state() -> None:
    """Every `POST /gradio_api/call/<api>` is a new Gradio session, and Gradio keeps a copy of the page config
    per session (~0.2 MB for this app). The app caps how many it keeps (Settings.session_capacity)."""
    with serve(Settings(rate_limit_per_minute=0, session_capacity=20)) as app:
        with httpx.Client(base_url=app.url, timeout=30) as http:
            for i in range(45):
                event = http.post("gradio_api/call/triage_json",
                                  json={"data": [f"Sore throat for {i + 1} days, HR 80."]}).json()["event_id"]
                lines = http.get(f"gradio_api/call/triage_json/{event}").text.splitlines()
                assert "event: complete" in lines, lines[:4]
                data = json.loads([line for line in lines if line.startswith("data:")][-1][len("data:"):])
                assert data[0]["primary"]["ok"]
        assert 0 < len(app.demo.state_holder.session_data) <= 20
