"""The promotion gate: the decision rule, both outcomes on real tiny models, push + tag, and the SGLang reload
against a FAKE SGLang admin endpoint (SGLang needs a GPU)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loopback import JSONHandler, LoopbackServer
from triage_demo.evaluate import Case, evaluate
from triage_demo.train import gate
from triage_demo.train.config import GateConfig

GOLDS = [1, 1, 2, 2, 3, 4, 5, 5]


def metrics(preds: list[int | None]) -> dict[str, Any]:
    return evaluate(GOLDS, preds)


# --- the decision rule (pure) --------------------------------------------------------------------------------

CURRENT = metrics([1, 2, 2, 3, 3, 4, 5, 4])  # exact 5/8, one critical under-triage (gold 2 -> 3)


def test_equal_models_are_promoted_by_default():
    decision = gate.decide(CURRENT, CURRENT, GateConfig())
    assert decision.promote and decision.blocking == []
    assert len(decision.reasons) == 2


def test_better_exact_and_fewer_critical_misses_promote():
    assert gate.decide(metrics([1, 1, 2, 2, 3, 4, 5, 4]), CURRENT, GateConfig()).promote


def test_a_drop_in_exact_accuracy_blocks():
    decision = gate.decide(metrics([1, 2, 2, 3, 3, 4, 4, 4]), CURRENT, GateConfig())
    assert not decision.promote
    assert len(decision.blocking) == 1 and decision.blocking[0].startswith("exact 0.625 -> 0.500")


def test_a_rise_in_critical_under_triage_blocks_even_with_better_exact():
    # exact 6/8 (> 5/8) but two ESI-2 cases now answered 3: critical under-triage 1/8 -> 2/8
    candidate = metrics([1, 1, 3, 3, 3, 4, 5, 5])
    decision = gate.decide(candidate, CURRENT, GateConfig())
    assert not decision.promote
    assert [b.split(" 0")[0] for b in decision.blocking] == ["critical under-triage"]


def test_thresholds_are_configurable():
    worse = metrics([1, 2, 2, 3, 3, 4, 4, 4])  # exact -0.125
    assert gate.decide(worse, CURRENT, GateConfig(gate_min_exact_delta=-0.2)).promote
    assert not gate.decide(CURRENT, CURRENT, GateConfig(gate_min_exact_delta=0.01)).promote
    assert not gate.decide(CURRENT, CURRENT, GateConfig(gate_max_critical_under_delta=-0.01)).promote


def test_no_cases_never_promotes():
    empty = evaluate([], [])
    decision = gate.decide(empty, empty, GateConfig(gate_min_exact_delta=-1.0, gate_max_critical_under_delta=1.0))
    assert not decision.promote and "no comparable held-out cases" in decision.blocking[0]
    assert not gate.run_gate("unused", "unused", [], GateConfig(), 8).promote


# --- both outcomes on real models -----------------------------------------------------------------------------


CASES = [Case("a", "Unresponsive, intubated by EMS.", 1), Case("b", "Chest pain 9/10, HR 118.", 2),
         Case("c", "Sore throat, vitals normal.", 5)]


def test_gate_runs_both_models_and_promotes_an_equal_candidate(tiny_model_dir):
    decision = gate.run_gate(str(tiny_model_dir), str(tiny_model_dir), CASES, GateConfig(), max_new_tokens=8)
    assert decision.n_cases == 3
    assert decision.candidate == decision.current  # same weights, greedy decoding: identical answers
    assert decision.promote


def test_gate_keeps_the_current_model_when_the_threshold_asks_for_more(tiny_model_dir):
    decision = gate.run_gate(str(tiny_model_dir), str(tiny_model_dir), CASES, GateConfig(gate_min_exact_delta=0.5),
                             max_new_tokens=8)
    assert not decision.promote
    assert "FAIL" in decision.blocking[0] and "needs >= +0.500" in decision.blocking[0]


def test_a_candidate_that_cannot_load_is_an_error_not_a_score(tiny_model_dir, tmp_path):
    with pytest.raises(OSError):
        gate.run_gate(str(tmp_path / "missing"), str(tiny_model_dir), CASES, GateConfig(), max_new_tokens=8)


# --- promotion -------------------------------------------------------------------------------------------------


class FakeSGLangAdmin(LoopbackServer):
    """FAKE of SGLang's `POST /update_weights_from_disk` (sglang.srt.entrypoints.http_server): JSON body
    {model_path, load_format?, weight_version?, ...}; 200 {"success": true, "message", "num_paused_requests"} or
    400 with success false when the weights cannot be loaded; 401 without the server's --api-key."""

    def __init__(self, api_key: str | None = None, loadable: tuple[str, ...] = ("org/model",)) -> None:
        self.calls: list[dict[str, Any]] = []
        fake = self

        class Handler(JSONHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                    self._reply(401, {"error": "Unauthorized"})
                elif self.path != "/update_weights_from_disk":
                    self._reply(404, {"detail": "Not Found"})
                elif body["model_path"] in loadable:
                    self._reply(200, {"success": True, "message": "Succeeded to update model weights.",
                                      "num_paused_requests": 0})
                else:
                    self._reply(400, {"success": False, "num_paused_requests": 0,
                                      "message": f"Failed to get weights iterator: {body['model_path']}"})

        super().__init__(Handler)


@pytest.fixture
def hub(tmp_path):
    """The shared FAKE HfApi (the Hub cannot be reached here)."""
    from triage_demo.testing.fake_hub import FakeHfApi

    return FakeHfApi(tmp_path / "hub")


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "candidate"
    out.mkdir()
    (out / "config.json").write_text("{}")
    (out / "model.safetensors").write_bytes(b"weights")
    return out


def test_promote_pushes_one_commit_and_tags_it(folder, hub):
    result = gate.promote(folder, GateConfig(push_to="org/model"), "retrain-20261116T030000Z", "msg", hub)
    assert result.repo_id == "org/model" and result.tag == "retrain-20261116T030000Z"
    assert hub.list_repo_files("org/model") == ["config.json", "model.safetensors"]
    assert Path(hub.hf_hub_download("org/model", "model.safetensors")).read_bytes() == b"weights"
    refs = hub.list_repo_refs("org/model")
    assert [(t.name, t.target_commit) for t in refs.tags] == [("retrain-20261116T030000Z", result.commit)]
    assert refs.branches[0].target_commit == result.commit
    assert result.sglang is None and result.sglang_error is None
    # a second promotion is a second commit on the same repo, with its own tag
    second = gate.promote(folder, GateConfig(push_to="org/model"), "retrain-2", "msg", hub)
    assert second.commit != result.commit and len(hub.list_repo_refs("org/model").tags) == 2


def test_promote_reloads_a_running_sglang_server_with_its_api_key(folder, hub):
    with FakeSGLangAdmin(api_key="k") as server:
        cfg = GateConfig(push_to="org/model", sglang_url=server.url + "/", sglang_api_key="k")
        result = gate.promote(folder, cfg, "retrain-1", "msg", hub)
    assert result.sglang == "Succeeded to update model weights." and result.sglang_error is None
    assert server.calls == [{"path": "/update_weights_from_disk", "auth": "Bearer k",
                             "body": {"model_path": "org/model", "weight_version": "retrain-1"}}]


@pytest.mark.parametrize("api_key,path,expected", [
    ("wrong", "org/model", "HTTP 401"),
    ("k", "/models/missing", "HTTP 400"),
])
def test_a_refusing_sglang_server_is_reported_not_raised(folder, hub, api_key, path, expected):
    with FakeSGLangAdmin(api_key="k") as server:
        cfg = GateConfig(push_to="org/model", sglang_url=server.url, sglang_api_key=api_key, sglang_model_path=path)
        result = gate.promote(folder, cfg, "retrain-1", "msg", hub)
    assert result.commit is not None  # the push stands
    assert result.sglang is None and expected in result.sglang_error


def test_an_unreachable_sglang_server_is_reported(folder, hub):
    with FakeSGLangAdmin() as server:
        url = server.url
    result = gate.promote(folder, GateConfig(sglang_url=url, sglang_model_path="org/model"), "t", "m", hub)
    assert "unreachable" in result.sglang_error


def test_sglang_reload_needs_to_know_where_the_weights_are(folder, hub):
    with pytest.raises(ValueError, match="--sglang-model-path"):
        gate.promote(folder, GateConfig(sglang_url="http://127.0.0.1:9"), "t", "m", hub)
