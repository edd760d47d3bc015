"""`triage-demo train run | gate | schedule` (registered by triage_demo.cli). Thin: parse, call, print.

Every flag of `run` and `gate` is generated from the config dataclasses in `triage_demo.train.config`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from triage_demo.train.config import (
    CARD_MAX_COMPLETION_LENGTH,
    DataConfig,
    GateConfig,
    RetrainConfig,
    RunConfig,
    ScheduleConfig,
    add_arguments,
    from_args,
)

_RUN_CONFIGS = (DataConfig, RetrainConfig, GateConfig, RunConfig)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this package's subcommands to the top-level parser. Each sets `func(args) -> int`."""
    train = sub.add_parser("train", help="GRPO retraining on the expert labels, gated by evaluation")
    tsub = train.add_subparsers(dest="train_command", metavar="STEP", required=True)

    run = tsub.add_parser("run", help="build data, train, merge, gate and promote (what the scheduled job runs)")
    add_run_arguments(run)
    run.set_defaults(func=_run)

    gate = tsub.add_parser("gate", help="re-run the gate on a saved candidate and promote it if it passes")
    gate.add_argument("--candidate", required=True, help="candidate folder written by `train run`")
    gate.add_argument("--model", required=True, help="current model (folder or Hub repo)")
    gate.add_argument("--cases", required=True, help="held-out cases, JSONL {id, narrative, esi}")
    add_arguments(gate, GateConfig)
    gate.set_defaults(func=_gate)

    sched = tsub.add_parser(
        "schedule",
        help="register a scheduled Hugging Face Job that runs `train run`",
        description="Arguments after `--` are passed to `triage-demo train run` in the job, e.g. "
        'triage-demo train schedule --cron "0 3 * * 1" --project "triage-demo[ml] @ git+https://..." -- '
        "--model OWNER/MODEL --labels OWNER/LABELS --push-to OWNER/MODEL --output /tmp/retrain --min-new-cases 50",
    )
    add_arguments(sched, ScheduleConfig)
    sched.add_argument("run_args", nargs=argparse.REMAINDER, help="-- then the `train run` arguments")
    sched.set_defaults(func=_schedule)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    for cls in _RUN_CONFIGS:
        add_arguments(parser, cls)


def _settings():  # type: ignore[no-untyped-def]
    from triage_demo.settings import Settings

    return Settings.from_env()


def _gate_config(args: argparse.Namespace) -> GateConfig:
    cfg = from_args(GateConfig, args)
    if cfg.sglang_url and cfg.sglang_api_key is None:
        cfg.sglang_api_key = _settings().api_key
    return cfg


def _run(args: argparse.Namespace) -> int:
    from triage_demo.train import pipeline

    outcome = pipeline.run(from_args(DataConfig, args), from_args(RetrainConfig, args), _gate_config(args),
                           from_args(RunConfig, args), api=_hub())
    return outcome.exit_code


def _gate(args: argparse.Namespace) -> int:
    from triage_demo.evaluate import load_cases
    from triage_demo.train import pipeline

    cases, problems = load_cases(args.cases)
    for p in problems:
        print(f"{args.cases}: skipped {p}")
    cfg = _gate_config(args)
    outcome = pipeline.conclude(Path(args.candidate), args.model, cases, cfg,
                                cfg.gate_max_new_tokens or CARD_MAX_COMPLETION_LENGTH, api=_hub())
    return outcome.exit_code


def _hub():  # type: ignore[no-untyped-def]
    """A real HfApi only when this command talks to the Hub, authenticated with the project's token setting."""
    from huggingface_hub import HfApi

    return HfApi(token=_settings().hf_token)


def _schedule(args: argparse.Namespace) -> int:
    from triage_demo.train import jobs

    run_args: Sequence[str] = args.run_args[1:] if args.run_args[:1] == ["--"] else args.run_args
    check_parser = argparse.ArgumentParser(prog="triage-demo train run (scheduled)")
    add_run_arguments(check_parser)
    jobs.check_run_args(run_args, check_parser.parse_args)
    settings = _settings()
    token = settings.hf_token
    if token is None:
        from huggingface_hub import get_token

        token = get_token()
    info = jobs.schedule(from_args(ScheduleConfig, args), run_args, token, settings.space_id)
    print(f"scheduled job {info.id} ({args.cron}, {args.flavor}, timeout {args.timeout}); "
          f"next run: {info.status.next_job_run_at or 'as scheduled'}")
    return 0
