"""Config dataclasses <-> CLI flags: every field is a flag, defaults survive the round trip, secrets never leak."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from triage_demo.cli import build_parser
from triage_demo.train.config import (
    DataConfig,
    GateConfig,
    RetrainConfig,
    RunConfig,
    ScheduleConfig,
    add_arguments,
    as_dict,
    from_args,
)

REQUIRED = ["--model", "m", "--labels", "l", "--output", "o"]


def _train_run(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["train", "run", *argv])


@pytest.mark.parametrize("cls", [DataConfig, RetrainConfig, GateConfig, RunConfig])
def test_every_field_is_a_flag_of_train_run_with_the_same_default(cls):
    args = _train_run(REQUIRED)
    built = from_args(cls, args)
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            assert getattr(built, f.name) == default, f.name


def test_flags_override_fields_with_their_types():
    args = _train_run([*REQUIRED, "--max-steps", "2", "--num-generations", "2", "--learning-rate", "1e-5",
                       "--lora-target-modules", "q_proj", "v_proj", "--bf16", "--no-activation-checkpointing",
                       "--gate-min-exact-delta", "-0.05", "--push-to", "org/model", "--min-new-cases", "20"])
    cfg = from_args(RetrainConfig, args)
    assert (cfg.max_steps, cfg.num_generations, cfg.learning_rate) == (2, 2, 1e-5)
    assert cfg.lora_target_modules == ("q_proj", "v_proj")
    assert cfg.bf16 is True and cfg.activation_checkpointing is False
    assert from_args(GateConfig, args).gate_min_exact_delta == -0.05
    assert from_args(GateConfig, args).push_to == "org/model"
    assert from_args(RunConfig, args).min_new_cases == 20
    assert from_args(DataConfig, args).labels == "l"


def test_bf16_defaults_to_automatic():
    assert from_args(RetrainConfig, _train_run(REQUIRED)).bf16 is None
    assert from_args(RetrainConfig, _train_run([*REQUIRED, "--no-bf16"])).bf16 is False


def test_fields_without_defaults_are_required_flags(capsys):
    with pytest.raises(SystemExit) as exc:
        _train_run(["--model", "m", "--output", "o"])
    assert exc.value.code == 2
    assert "--labels" in capsys.readouterr().err


def test_schedule_flags_come_from_schedule_config():
    parser = argparse.ArgumentParser()
    add_arguments(parser, ScheduleConfig)
    cfg = from_args(ScheduleConfig, parser.parse_args(["--cron", "0 3 * * 1", "--project", "p", "--timeout", "6h"]))
    assert cfg == ScheduleConfig(cron="0 3 * * 1", project="p", timeout="6h")


def test_as_dict_redacts_secrets_and_is_json_ready():
    d = as_dict(GateConfig(sglang_url="http://h:30000", sglang_api_key="s3cret"))
    assert d["sglang_api_key"] == "<redacted>" and "s3cret" not in str(d)
    assert as_dict(RetrainConfig(model="m", output="o"))["lora_target_modules"] == [
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
