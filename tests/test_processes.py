import socket
import subprocess
import sys

from triage_demo.testing.processes import free_port, stop


def test_stop_ends_a_cooperative_process_with_sigterm():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stop(proc)
    assert proc.returncode == -15


def test_stop_kills_a_process_that_ignores_sigterm():
    code = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    stop(proc, grace_s=0.5)
    assert proc.returncode == -9


def test_free_port_can_be_bound_on_loopback():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if something already holds it
        assert s.getsockname()[1] == port
