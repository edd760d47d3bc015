"""Register the weekly retraining as a scheduled Hugging Face Job.

The job runs in the Jobs uv image: `uv run --with "<this project>" --python 3.11 triage-demo train run ARGS`,
i.e. uv installs this project (with its `ml` extra: torch, transformers, trl, peft) into a fresh environment and
runs the same command a person runs by hand; nothing is uploaded but the job spec. The token travels as the
`HF_TOKEN` secret (labels repo read, model repo write). The run arguments are checked here, at scheduling time,
with the real `train run` parser, so a typo fails now and not at 03:00 on a Monday.

The Jobs default time limit is 30 minutes; a 300-step run needs hours (see docs/retraining.md), hence `timeout`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Sequence

from triage_demo.train.config import ScheduleConfig

#: What the job executes: this package's console script, installed by `uv run --with <project>`.
ENTRY_POINT = "triage-demo"


def check_run_args(run_args: Sequence[str], parse: Callable[[Sequence[str]], argparse.Namespace]) -> None:
    """Fail early on run arguments that cannot work inside a job (which sees neither this disk nor its logins)."""
    if not run_args:
        raise ValueError("give the `train run` arguments after `--`, e.g. -- --model REPO --labels REPO ...")
    args = parse(run_args)
    if not args.push_to:
        raise ValueError("a scheduled run needs --push-to MODEL_REPO: the job's disk is discarded when it ends")
    for flag, value in (("--model", args.model), ("--labels", args.labels), ("--base-data", args.base_data)):
        if value and Path(value).exists():
            raise ValueError(f"{flag} {value} is a local path; a job cannot read it (use a Hub repo)")


def project_requirement(cfg: ScheduleConfig, space_id: str | None) -> str:
    """`--project`, or on a Space the Space's own repo (this code, with the `ml` extra)."""
    if cfg.project:
        return cfg.project
    if space_id:
        return f"triage-demo[ml] @ git+https://huggingface.co/spaces/{space_id}"
    raise ValueError('give --project, a pip requirement that installs this project in the job, e.g. '
                     '"triage-demo[ml] @ git+https://huggingface.co/spaces/OWNER/SPACE"')


def job_kwargs(cfg: ScheduleConfig, project: str, run_args: Sequence[str], token: str) -> dict[str, Any]:
    """The exact arguments of `HfApi.create_scheduled_uv_job` for this schedule."""
    return {
        "script": ENTRY_POINT,
        "script_args": ["train", "run", *run_args],
        "schedule": cfg.cron,
        "dependencies": [project],
        "python": cfg.python,
        "flavor": cfg.flavor,
        "timeout": cfg.timeout,
        "secrets": {"HF_TOKEN": token},
        "name": cfg.job_name,
        "namespace": cfg.namespace,
        "token": token,
    }


def schedule(cfg: ScheduleConfig, run_args: Sequence[str], token: str | None, space_id: str | None = None,
             api: Any = None) -> Any:
    """Create the scheduled job; returns huggingface_hub's ScheduledJobInfo."""
    project = project_requirement(cfg, space_id)
    if not token:
        raise ValueError("no Hugging Face token: set HF_TOKEN (or TRIAGE_HF_TOKEN) or run `hf auth login`")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    return api.create_scheduled_uv_job(**job_kwargs(cfg, project, run_args, token))
