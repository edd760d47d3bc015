"""`triage-demo train schedule` against a FAKE Hugging Face Jobs API on loopback.

The Hub cannot be reached here, so `FakeJobsApi` stands in for it at the HTTP level: the real
`huggingface_hub.HfApi` builds and sends the request (so the job spec checked below is byte-for-byte what the
real client would POST to https://huggingface.co/api/scheduled-jobs/<namespace>), and the fake answers in the
Hub's response shape (`ScheduledJobInfo`). It implements only the two routes the client calls: whoami-v2 and
scheduled-jobs creation; anything else is a 404, so an unexpected call fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loopback import JSONHandler, LoopbackServer
from triage_demo.train import jobs
from triage_demo.train.config import ScheduleConfig

TOKEN = "hf_fake_token_for_tests"
PROJECT = "triage-demo[ml] @ git+https://huggingface.co/spaces/alice/esi-triage"
RUN_ARGS = ["--model", "alice/medgemma-esi", "--labels", "alice/esi-labels", "--push-to", "alice/medgemma-esi",
            "--output", "/tmp/retrain", "--min-new-cases", "50"]


class FakeJobsApi(LoopbackServer):
    """FAKE of the Hub's Jobs endpoints (see module docstring). `requests` records (method, path, headers, body)."""

    def __init__(self, user: str = "alice") -> None:
        self.user = user
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        fake = self

        class Handler(JSONHandler):
            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._reply(401, {"error": "Invalid credentials in Authorization header"})
                    return False
                return True

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, dict(self.headers), None))
                if not self._authorised():
                    return
                if self.path == "/api/whoami-v2":
                    self._reply(200, {"type": "user", "id": "u1", "name": fake.user, "orgs": []})
                else:
                    self._reply(404, {"error": f"no route {self.path}"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
                fake.requests.append(("POST", self.path, dict(self.headers), body))
                if not self._authorised():
                    return
                prefix = "/api/scheduled-jobs/"
                if not self.path.startswith(prefix):
                    self._reply(404, {"error": f"no route {self.path}"})
                    return
                namespace = self.path[len(prefix):]
                spec = dict(body["jobSpec"])
                spec["secrets"] = {k: "" for k in spec.get("secrets", {})}  # the Hub never echoes secret values
                self._reply(200, {
                    "id": "6790abcdef0123456789abcd",
                    "createdAt": "2026-11-16T10:00:00.000Z",
                    "jobSpec": spec,
                    "schedule": body["schedule"],
                    "suspend": body.get("suspend", False),
                    "concurrency": body.get("concurrency", False),
                    "status": {"lastJob": None, "nextJobRunAt": "2026-11-23T03:00:00.000Z"},
                    "owner": {"id": "u1", "name": namespace, "type": "user"},
                })

        super().__init__(Handler)


@pytest.fixture
def fake_jobs():
    with FakeJobsApi() as fake:
        yield fake


def _cli(args: list[str], fake: FakeJobsApi, tmp_path: Path, token: str | None = TOKEN, **extra_env: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRIAGE_", "HUGGING", "SPACE_"))}
    env.update(extra_env)
    env.update(HF_ENDPOINT=fake.url, HF_HOME=str(tmp_path / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1",
               HF_HUB_OFFLINE="0")
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "triage_demo", "train", "schedule", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_schedule_posts_the_exact_job_spec(fake_jobs, tmp_path):
    proc = _cli(["--cron", "0 3 * * 1", "--flavor", "a100-large", "--timeout", "6h", "--project", PROJECT,
                 "--", *RUN_ARGS], fake_jobs, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "scheduled job 6790abcdef0123456789abcd" in proc.stdout
    *lookups, (method, path, _, body) = fake_jobs.requests
    assert lookups and {(m, p) for m, p, _, _ in lookups} == {("GET", "/api/whoami-v2")}  # namespace = token's user
    assert (method, path) == ("POST", "/api/scheduled-jobs/alice")
    assert body == {
        "jobSpec": {
            "command": ["uv", "run", "--with", PROJECT, "--python", "3.11", "triage-demo", "train", "run",
                        *RUN_ARGS],
            "arguments": [],
            "environment": {},
            "flavor": "a100-large",
            "secrets": {"HF_TOKEN": TOKEN},
            "timeoutSeconds": 6 * 3600,
            "labels": {"name": "triage-demo-retrain"},
            "dockerImage": "ghcr.io/astral-sh/uv:python3.12-bookworm",
        },
        "schedule": "0 3 * * 1",
    }


def test_schedule_defaults_and_explicit_namespace(fake_jobs, tmp_path):
    proc = _cli(["--cron", "@weekly", "--project", PROJECT, "--namespace", "esi-lab", "--", *RUN_ARGS],
                fake_jobs, tmp_path)
    assert proc.returncode == 0, proc.stderr
    [(method, path, _, body)] = fake_jobs.requests  # no whoami call when the namespace is given
    assert (method, path) == ("POST", "/api/scheduled-jobs/esi-lab")
    assert body["jobSpec"]["flavor"] == "a100-large"
    assert body["jobSpec"]["timeoutSeconds"] == 8 * 3600  # never the Jobs default of 30 minutes
    assert body["schedule"] == "@weekly"


def test_on_a_space_the_project_defaults_to_the_space_repo(fake_jobs, tmp_path):
    proc = _cli(["--cron", "@weekly", "--", *RUN_ARGS], fake_jobs, tmp_path, SPACE_ID="alice/esi-triage")
    assert proc.returncode == 0, proc.stderr
    command = fake_jobs.requests[-1][3]["jobSpec"]["command"]
    assert command[:4] == ["uv", "run", "--with", PROJECT]


def test_without_a_project_outside_a_space_is_a_clear_error(fake_jobs, tmp_path):
    proc = _cli(["--cron", "@weekly", "--", *RUN_ARGS], fake_jobs, tmp_path)
    assert proc.returncode == 2 and "give --project" in proc.stderr
    assert fake_jobs.requests == []


@pytest.mark.parametrize(
    "run_args,message",
    [
        ([], "train run"),
        (["--model", "a/b", "--labels", "a/c", "--output", "/tmp/o"], "--push-to"),
        (["--model", "a/b", "--labels", ".", "--output", "/tmp/o", "--push-to", "a/b"], "local path"),
    ],
)
def test_schedule_refuses_run_args_that_cannot_work_in_a_job(fake_jobs, tmp_path, run_args, message):
    proc = _cli(["--cron", "@daily", "--project", PROJECT, "--", *run_args], fake_jobs, tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert fake_jobs.requests == []  # nothing was scheduled


def test_schedule_checks_run_flags_with_the_real_run_parser(fake_jobs, tmp_path):
    proc = _cli(["--cron", "@daily", "--project", PROJECT, "--", *RUN_ARGS, "--max-stepz", "3"], fake_jobs, tmp_path)
    assert proc.returncode == 2
    assert "--max-stepz" in proc.stderr
    assert fake_jobs.requests == []


def test_schedule_without_a_token_is_a_clear_error(fake_jobs, tmp_path):
    proc = _cli(["--cron", "@daily", "--project", PROJECT, "--", *RUN_ARGS], fake_jobs, tmp_path, token=None)
    assert proc.returncode == 2
    assert "no Hugging Face token" in proc.stderr
    assert fake_jobs.requests == []


def test_job_kwargs_bind_to_the_installed_create_scheduled_uv_job():
    """The kwargs match the real method's signature (a renamed parameter fails here, not on the Hub)."""
    import inspect

    from huggingface_hub import HfApi

    kwargs = jobs.job_kwargs(ScheduleConfig(cron="0 3 * * 1"), PROJECT, RUN_ARGS, TOKEN)
    inspect.signature(HfApi.create_scheduled_uv_job).bind(HfApi(), **kwargs)
    assert kwargs["secrets"] == {"HF_TOKEN": TOKEN}
    assert kwargs["script_args"][:2] == ["train", "run"]
