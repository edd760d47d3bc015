"""Stopping the server processes that tests and benchmarks start (app, model servers, fakes)."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM, wait up to `grace_s` for a clean exit (servers flush on SIGTERM), then SIGKILL and reap."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
