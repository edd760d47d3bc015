"""Cold start: `python app.py` to the first HTTP 200, against a bare Gradio hello-world on the same machine.

Both are started the same way (fresh interpreter, free port on 127.0.0.1, no analytics); the figure that
matters is the ratio app / hello-world, i.e. what this project adds on top of importing and starting Gradio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from triage_demo.testing.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent

HELLO = """
import gradio as gr
with gr.Blocks() as demo:
    gr.Textbox("hello")
demo.launch(server_name="127.0.0.1")
"""



def time_to_200(script: Path, env_extra: dict[str, str], timeout_s: float = 120.0) -> float:
    port = free_port()
    env = {**os.environ, **env_extra, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t0 < timeout_s:
            if proc.poll() is not None:
                raise RuntimeError(f"{script.name} exited with {proc.returncode} before serving")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"{script.name} did not answer 200 within {timeout_s} s")
    finally:
        stop(proc)


def main() -> None:
    runs = 1 if "--quick" in sys.argv else 3
    with tempfile.TemporaryDirectory() as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        labels = Path(tmp) / "labels"
        app_env = {"TRIAGE_LABELS_DIR": str(labels)}
        time_to_200(hello, {})  # warm the OS file cache for both
        hello_s = [time_to_200(hello, {}) for _ in range(runs)]
        app_s = [time_to_200(ROOT / "app.py", app_env) for _ in range(runs)]
    h, a = statistics.median(hello_s), statistics.median(app_s)
    print("| start | median time to first HTTP 200 | ratio |")
    print("|---|---|---|")
    print(f"| bare Gradio hello-world | {h:.2f} s | 1.00 |")
    print(f"| `python app.py` (rule engine) | {a:.2f} s | {a / h:.2f} |")
    print(f"\n{runs} run(s) each, after one warm-up start.")


if __name__ == "__main__":
    main()
