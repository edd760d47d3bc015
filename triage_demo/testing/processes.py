"""Starting and stopping the server processes that tests and benchmarks run (app, model servers, fakes)."""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    """A loopback port nothing listens on right now, for a server process about to be started."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM, wait up to `grace_s` for a clean exit (servers flush on SIGTERM), then SIGKILL and reap."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
