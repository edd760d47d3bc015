"""`triage-demo train run` end to end on CPU (the issue's rehearsal), the gate's two outcomes forced by config,
promotion to a (fake) Hub model repo, and the skip rule."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_train_data import synthetic_cases, write_labels

from triage_demo.evaluate import load_cases
from triage_demo.train import pipeline, reward
from triage_demo.train.config import DataConfig, GateConfig, RetrainConfig, RunConfig
from triage_demo.train.promotion import read_promotion, read_training

REHEARSAL = ["--max-steps", "2", "--num-generations", "2", "--max-completion-length", "32"]
FORCE_PASS = GateConfig(gate_min_exact_delta=-1.0, gate_max_critical_under_delta=1.0)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "triage_demo", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def rehearsal(tiny_model_dir, tmp_path_factory):
    """The issue's CPU rehearsal, with the gate forced to keep the current model (an exact-accuracy gain of more
    than 100 points is impossible)."""
    root = tmp_path_factory.mktemp("rehearsal")
    labels = write_labels(root / "labels", synthetic_cases(30))
    out = root / "out"
    start = time.monotonic()
    proc = cli("train", "run", "--model", str(tiny_model_dir), "--labels", str(labels), "--output", str(out),
               *REHEARSAL, "--gate-min-exact-delta", "1.01", cwd=root)
    return {"proc": proc, "seconds": time.monotonic() - start, "labels": labels, "out": out, "root": root,
            "model": tiny_model_dir}


@pytest.mark.slow
def test_cpu_rehearsal_trains_merges_saves_gates_and_keeps(rehearsal):
    proc, out = rehearsal["proc"], rehearsal["out"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert rehearsal["seconds"] < 120
    for component in reward.COMPONENTS:  # each reward component is logged by the trainer
        assert f"rewards/{component.__name__}/mean" in proc.stdout
    assert "parse_rate" in proc.stdout
    assert "gate: exact" in proc.stdout and "gate: critical under-triage" in proc.stdout
    assert "kept the current model" in proc.stdout and "needs >= +1.010): FAIL" in proc.stdout

    candidate = out / "candidate"
    assert not (candidate / "promotion.json").exists()
    readme = (candidate / "README.md").read_text()
    assert "NOT promoted" in readme and "Research use only" in readme and "| exact |" in readme
    training = read_training(candidate)
    assert len(training.consensus_case_ids) == 30 and training.data_revision.startswith("local:")
    assert training.configs["training"]["max_steps"] == 2
    heldout, problems = load_cases(out / "heldout.jsonl")
    assert not problems and len(heldout) == training.data_stats["heldout_cases"] > 0
    report = json.loads((out / "report.json").read_text())
    assert report["gate"]["promote"] is False and report["gate"]["n_cases"] == len(heldout)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(candidate)  # the candidate loads and answers
    tok = AutoTokenizer.from_pretrained(candidate)
    ids = tok.apply_chat_template([{"role": "user", "content": "chest pain"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    assert model.generate(**ids, max_new_tokens=3, do_sample=False).shape[-1] > ids["input_ids"].shape[-1]


@pytest.mark.slow
def test_gate_command_promotes_when_the_thresholds_allow(rehearsal, tmp_path):
    candidate = shutil.copytree(rehearsal["out"] / "candidate", tmp_path / "candidate")
    proc = cli("train", "gate", "--candidate", str(candidate), "--model", str(rehearsal["model"]), "--cases",
               str(rehearsal["out"] / "heldout.jsonl"), "--gate-max-new-tokens", "16", "--gate-min-exact-delta", "-1",
               "--gate-max-critical-under-delta", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"promoted: in {candidate} as retrain-" in proc.stdout
    record = read_promotion(str(candidate))
    assert record is not None and record.tag.startswith("retrain-") and record.gate["promote"] is True
    assert "promoted as `retrain-" in (candidate / "README.md").read_text()


@pytest.fixture
def pushed(rehearsal, tmp_path):
    """The rehearsal's candidate promoted to the fake Hub model repo org/esi-model."""
    from triage_demo.testing.fake_hub import FakeHfApi

    api = FakeHfApi(tmp_path / "hub")
    candidate = shutil.copytree(rehearsal["out"] / "candidate", tmp_path / "candidate")
    heldout, _ = load_cases(rehearsal["out"] / "heldout.jsonl")
    outcome = pipeline.conclude(candidate, str(rehearsal["model"]), heldout,
                                GateConfig(**{**FORCE_PASS.__dict__, "push_to": "org/esi-model"}), 16, api,
                                say=lambda _: None)
    return api, outcome


@pytest.mark.slow
def test_promotion_pushes_weights_card_and_records_and_tags_the_commit(pushed):
    api, outcome = pushed
    assert outcome.status == "promoted" and outcome.exit_code == 0
    files = api.list_repo_files("org/esi-model")
    assert {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "README.md", "training.json", "promotion.json"} <= set(files)
    [tag] = api.list_repo_refs("org/esi-model").tags
    assert tag.name == outcome.report["promotion"]["tag"] and tag.target_commit == outcome.report["promotion"]["commit"]
    record = read_promotion("org/esi-model", api)
    assert record is not None and record.tag == tag.name and len(record.training.consensus_case_ids) == 30


def _run(rehearsal, labels: Path, model: str, api, min_new: int, output: Path) -> pipeline.RunOutcome:
    messages: list[str] = []
    outcome = pipeline.run(DataConfig(labels=str(labels)), RetrainConfig(model=model, output=str(output)),
                           GateConfig(), RunConfig(min_new_cases=min_new), api, say=messages.append)
    assert messages == [outcome.message]
    return outcome


@pytest.mark.slow
def test_skip_rule_counts_consensus_labels_since_the_last_promotion(rehearsal, pushed, tmp_path):
    api, _ = pushed
    labels = shutil.copytree(rehearsal["labels"], tmp_path / "labels")
    out = tmp_path / "out"
    first = _run(rehearsal, labels, "org/esi-model", api, 1, out)
    assert first.status == "skipped" and first.exit_code == 0
    assert first.message.startswith("skipping: 0 new consensus label(s) since the promotion of")

    write_labels(labels, synthetic_cases(2, start=500))  # two new cases
    write_labels(labels, [(synthetic_cases(1)[0][0], [("dr-cy", 3, "expert")])])  # a new vote on an old case
    second = _run(rehearsal, labels, "org/esi-model", api, 3, out)
    assert second.status == "skipped" and "2 new consensus label(s)" in second.message
    assert "fewer than --min-new-cases 3" in second.message
    assert not out.exists()  # nothing was trained or written


@pytest.mark.slow
def test_skip_from_the_command_line_exits_0_with_a_message(rehearsal, tmp_path):
    promoted = shutil.copytree(rehearsal["out"] / "candidate", tmp_path / "promoted")
    from triage_demo.train.promotion import PromotionRecord, write_promotion

    write_promotion(PromotionRecord(read_training(promoted), "2026-11-16T03:00:00+00:00", "retrain-x", {}),
                    promoted)
    proc = cli("train", "run", "--model", str(promoted), "--labels", str(rehearsal["labels"]), "--output",
               str(tmp_path / "out"), "--min-new-cases", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "skipping: 0 new consensus label(s) since the promotion of 2026-11-16T03:00:00+00:00" in proc.stdout


def test_bad_input_is_a_message_not_a_traceback(tmp_path):
    proc = cli("train", "run", "--model", str(tmp_path / "no-model"), "--labels", str(tmp_path / "no-labels"),
               "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "label folder" in proc.stderr and "not found" in proc.stderr and "Traceback" not in proc.stderr


def test_an_output_folder_with_an_old_candidate_is_refused(tmp_path, tiny_model_dir):
    labels = write_labels(tmp_path / "labels", synthetic_cases(6))
    old = tmp_path / "out" / "candidate"
    old.mkdir(parents=True)
    (old / "promotion.json").write_text("{}")
    with pytest.raises(ValueError, match="already holds a candidate"):
        pipeline.run(DataConfig(labels=str(labels)), RetrainConfig(model=str(tiny_model_dir), output=str(old.parent)),
                     GateConfig(), RunConfig(), say=lambda _: None)
