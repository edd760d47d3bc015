"""ESI Triage Studio, the Hugging Face Space: `python app.py` (Spaces run exactly this from the repo root).

Configuration is the `TRIAGE_*` environment (see README). Without any, the app answers with the built-in
rule engine; with `TRIAGE_BACKEND_URL` it calls the model server. Research use only.
"""

from __future__ import annotations

import signal

from triage_demo.settings import Settings
from triage_demo.ui.page import build_app, build_context, launch_options


def _stop(signum: int, frame: object) -> None:
    # A Space stops its container with SIGTERM; turn it into the interrupt that ends `launch()` cleanly.
    raise KeyboardInterrupt


def main() -> None:
    settings = Settings.from_env()
    ctx = build_context(settings)
    demo = build_app(ctx)
    signal.signal(signal.SIGTERM, _stop)
    try:
        # Host and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (a Space sets them).
        demo.launch(**launch_options(settings))
    finally:
        ctx.close()  # push labels not yet on the Hub


if __name__ == "__main__":
    main()
