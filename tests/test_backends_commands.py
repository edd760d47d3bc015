"""`triage-demo serve-model` and `triage-demo health`."""

from __future__ import annotations

import importlib.util
import shlex

import pytest

from triage_demo.cli import main


def _argv_of(out: str) -> list[str]:
    line = next(ln for ln in out.splitlines() if "sglang.launch_server" in ln)
    return shlex.split(line.replace('"$', "'$").replace('_KEY"', "_KEY'"))


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_model_prints_the_recommended_sglang_command(capsys, monkeypatch):
    monkeypatch.setenv("TRIAGE_API_KEY", "s3cret-value")
    monkeypatch.delenv("TRIAGE_MODEL_PATH", raising=False)
    monkeypatch.delenv("TRIAGE_MODEL", raising=False)
    assert main(["serve-model"]) == 0
    captured = capsys.readouterr()
    argv = _argv_of(captured.out)
    assert argv[:3] == ["python", "-m", "sglang.launch_server"]
    assert _flag(argv, "--model-path") == _flag(argv, "--served-model-name") == \
        "vadimbelsky/medgemma-4b-esi-triage-grpo-v1"
    assert _flag(argv, "--dtype") == "bfloat16"  # Gemma3 is broken in fp16
    assert _flag(argv, "--port") == "8080" and _flag(argv, "--host") == "0.0.0.0"
    assert _flag(argv, "--api-key") == "$TRIAGE_API_KEY" and "--enable-metrics" in argv
    assert "s3cret-value" not in captured.out + captured.err
    assert "--dp" not in argv and captured.err == ""


def test_serve_model_scaling_ports_and_baseline(capsys, monkeypatch):
    monkeypatch.delenv("TRIAGE_BASELINE_API_KEY", raising=False)
    monkeypatch.setenv("TRIAGE_BASELINE_MODEL", "qwen-esi")
    assert main(["serve-model", "--baseline", "--model-path", "/models/qwen", "--gpus", "4", "--port", "30000"]) == 0
    captured = capsys.readouterr()
    argv = _argv_of(captured.out)
    assert _flag(argv, "--dp") == "4" and _flag(argv, "--served-model-name") == "qwen-esi"
    assert _flag(argv, "--api-key") == "$TRIAGE_BASELINE_API_KEY"
    assert "sglang_router" in captured.out and "TRIAGE_BASELINE_URL" in captured.out
    assert "port 30000" in captured.err and "TRIAGE_BASELINE_API_KEY is not set" in captured.err


def test_serve_model_bad_input_is_a_message(capsys):
    assert main(["serve-model", "--gpus", "0"]) == 2
    assert "--gpus must be at least 1" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("sglang") is not None, reason="sglang is installed")
def test_serve_model_run_without_sglang_exits_2(capsys):
    assert main(["serve-model", "--run"]) == 2
    assert "sglang is not installed" in capsys.readouterr().err


def test_health_command(fake_sglang, capsys, monkeypatch):
    monkeypatch.setenv("TRIAGE_BACKEND_URL", fake_sglang())
    monkeypatch.setenv("TRIAGE_MODEL", "fake-model")
    monkeypatch.setenv("TRIAGE_BASELINE_URL", fake_sglang("--served-model-name", "other"))
    monkeypatch.setenv("TRIAGE_BASELINE_MODEL", "qwen-esi")
    assert main(["health"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("primary   UP") and "server · fake-model" in out[0]
    assert out[1].startswith("baseline  DOWN") and "serves other, not 'qwen-esi'" in out[1]
    monkeypatch.setenv("TRIAGE_MODEL", "typo")
    assert main(["health", "--json"]) == 1
