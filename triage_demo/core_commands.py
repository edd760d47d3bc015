"""`triage-demo triage`, `triage-demo eval` and `triage-demo app`: one case, a case file, the web app."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from triage_demo.settings import Settings

BACKEND_CHOICES = ("auto", "rules", "openai", "transformers")


def _add_backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=BACKEND_CHOICES, default="auto",
                   help="auto: from TRIAGE_* variables (server, then local model, else rules); "
                        "rules: the embedded rule engine; openai: an OpenAI-compatible server (SGLang); "
                        "transformers: an in-process model")
    p.add_argument("--url", help="server base URL for --backend openai (default: TRIAGE_BACKEND_URL)")
    p.add_argument("--model", help="served model name (default: TRIAGE_MODEL)")
    p.add_argument("--model-path", help="repo id or directory for --backend transformers (default: TRIAGE_MODEL_PATH)")


def settings_for(args: argparse.Namespace, base: Settings | None = None) -> Settings:
    """Apply the --backend choice and overrides to the environment's settings (baseline is never used here)."""
    s = base or Settings.from_env()
    url = args.url or s.backend_url
    path = args.model_path or s.model_path
    model = args.model or s.model
    if args.backend == "rules":
        return s.with_(backend_url=None, model_path=None, baseline_url=None)
    if args.backend == "openai":
        if not url:
            raise ValueError("--backend openai needs --url or TRIAGE_BACKEND_URL")
        return s.with_(backend_url=url, model=model, model_path=None, baseline_url=None)
    if args.backend == "transformers":
        if not path:
            raise ValueError("--backend transformers needs --model-path or TRIAGE_MODEL_PATH")
        return s.with_(backend_url=None, model_path=path, baseline_url=None)
    return s.with_(backend_url=url, model=model, model_path=path, baseline_url=None)


def _cmd_triage(args: argparse.Namespace) -> int:
    from triage_demo.backends import build_backends
    from triage_demo.esi import assess

    narrative = sys.stdin.read() if args.narrative == "-" else args.narrative
    if not narrative.strip():
        raise ValueError("the narrative is empty")
    backends = build_backends(settings_for(args))

    async def run():
        try:
            return await backends.primary.triage(narrative)
        finally:
            await backends.primary.aclose()

    result = asyncio.run(run())
    safety = assess(narrative)
    if args.json:
        out = {"primary": result.to_dict(), "safety": {"min_esi": safety.min_esi,
                                                       "flags": safety.safety_flags(result.esi)}}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(result.raw_text or "")
        print(f"\n[{result.backend}] ESI {result.esi if result.esi is not None else '—'}"
              + (f"  ERROR: {result.error}" if result.error else ""))
        for flag in safety.safety_flags(result.esi):
            print(f"SAFETY: {flag}")
    return 0 if result.ok else 1


def _cmd_eval(args: argparse.Namespace) -> int:
    from triage_demo.backends import build_backends
    from triage_demo.evaluate import evaluate_backend, format_report, load_cases

    cases, problems = load_cases(args.cases)
    for msg in problems:
        print(f"skipped {args.cases} {msg}", file=sys.stderr)
    if not cases:
        raise ValueError(f"{args.cases}: no valid cases to evaluate")
    backends = build_backends(settings_for(args))

    async def run():
        try:
            return await evaluate_backend(cases, backends.primary, concurrency=args.concurrency)
        finally:
            await backends.primary.aclose()

    run_ = asyncio.run(run())
    print(f"backend: {backends.primary.name}")
    print(format_report(run_.metrics))
    if args.json:
        payload = {"backend": backends.primary.name, "cases_file": str(args.cases), "skipped": problems,
                   **run_.metrics, "rows": run_.rows()}
        Path(args.json).write_text(json.dumps(payload, indent=2), encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    import runpy

    app_py = Path(args.app_file)
    if not app_py.is_file():
        raise FileNotFoundError(f"{app_py} not found (run from the repository root or pass --app-file)")
    runpy.run_path(str(app_py), run_name="__main__")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("triage", help="triage one narrative and print the answer and safety flags")
    p.add_argument("narrative", help="the triage narrative, or - to read it from stdin")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_backend_args(p)
    p.set_defaults(func=_cmd_triage)

    p = sub.add_parser("eval", help="evaluate a backend on a JSONL case file")
    p.add_argument("--cases", required=True, help='JSONL with {"id","narrative","esi","rationale"} per line')
    p.add_argument("--json", metavar="OUT.json", help="also write the metrics and per-case rows as JSON")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight (servers batch them)")
    _add_backend_args(p)
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("app", help="run the Gradio app (same as `python app.py`)")
    p.add_argument("--app-file", default="app.py")
    p.set_defaults(func=_cmd_app)
