"""`triage-demo` subcommands of triage_demo.backends: `tiny-model`, `serve-model`, `health`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from triage_demo.settings import DEFAULT_MODEL, Settings


def _cmd_tiny_model(args: argparse.Namespace) -> int:
    from triage_demo.tiny import build_tiny_model

    out = build_tiny_model(args.out_dir, family=args.family, seed=args.seed)
    print(f"wrote a tiny random {args.family} model to {out} (random weights: its answers are not triage)")
    print(f"  in-process:  TRIAGE_MODEL_PATH={out} triage-demo triage 'chest pain, BP 88/60'")
    print(f"  as a server: transformers serve {out} --device cpu --port 8000   "
          f"then TRIAGE_BACKEND_URL=http://127.0.0.1:8000/v1 TRIAGE_MODEL={out}")
    return 0


def _cmd_serve_model(args: argparse.Namespace) -> int:
    from triage_demo.backends.sglang_launch import LaunchSpec, launch_argv, sglang_available, shell_line, warnings_for

    settings = Settings.from_env()
    if args.baseline:
        path = args.model_path or settings.baseline_model
        name = args.served_model_name or settings.baseline_model
        if not path or not name:
            raise ValueError("--baseline needs --model-path (or TRIAGE_BASELINE_MODEL, the served name)")
        spec = LaunchSpec(path, name, args.port, args.gpus, args.context_length, args.mem_fraction_static,
                          key_var="TRIAGE_BASELINE_API_KEY")
    else:
        spec = LaunchSpec(args.model_path or settings.model_path or DEFAULT_MODEL,
                          args.served_model_name or settings.model, args.port, args.gpus, args.context_length,
                          args.mem_fraction_static)
    for warning in warnings_for(spec):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.run:
        role = "baseline" if args.baseline else "primary"
        print(f"# {role} model: run on a GPU host with bf16 support (Ampere or newer)")
        print(shell_line(launch_argv(spec)))
        print(f"# then, for the Space: TRIAGE_{'BASELINE_' if args.baseline else 'BACKEND_'}URL="
              f"http://<gpu-host>:{spec.port}/v1  TRIAGE_{'BASELINE_' if args.baseline else ''}MODEL="
              f"{spec.served_model_name}  and {spec.key_var} as a Space secret")
        if spec.gpus > 1:
            print("# across several hosts: one server per host, and "
                  "`python -m sglang_router.launch_router --worker-urls http://host1:8080 http://host2:8080` "
                  "in front of them")
        return 0
    if not sglang_available():
        print("triage-demo: error: sglang is not installed here (pip install 'triage-demo[sglang]' on a GPU "
              "host); without --run this command prints the launch line to use there", file=sys.stderr)
        return 2
    argv = launch_argv(spec, python=sys.executable, api_key=os.environ.get(spec.key_var) or None)
    if "--api-key" in argv and argv[argv.index("--api-key") + 1].startswith("$"):  # no key set: run open
        i = argv.index("--api-key")
        del argv[i:i + 2]
    os.execv(sys.executable, argv)
    return 0  # not reached: execv replaces this process


def _cmd_health(args: argparse.Namespace) -> int:
    from triage_demo.backends import build_backends, check_health

    backends = build_backends(Settings.from_env())

    async def run():
        try:
            return await check_health(backends)
        finally:
            await backends.aclose()

    results = asyncio.run(run())
    roles = ["primary", "baseline"]
    if args.json:
        print(json.dumps([{"role": r, "backend": h.backend, "ok": h.ok, "detail": h.detail}
                          for r, h in zip(roles, results)], indent=2))
    else:
        for role, h in zip(roles, results):
            print(f"{role:<9} {'UP  ' if h.ok else 'DOWN'}  {h.backend}  ({h.detail})")
    return 0 if results[0].ok else 1


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this package's subcommands to the top-level parser. Each sets `func(args) -> int`."""
    p = sub.add_parser("tiny-model", help="write a tiny random Gemma3-family model + tokenizer (no download)")
    p.add_argument("out_dir", help="directory to write (created)")
    p.add_argument("--family", choices=("gemma3", "gemma3-mm"), default="gemma3",
                   help="gemma3: Gemma3ForCausalLM; gemma3-mm: Gemma3ForConditionalGeneration (MedGemma's class)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_tiny_model)

    p = sub.add_parser("serve-model", help="print (or --run) the recommended SGLang launch command")
    p.add_argument("--baseline", action="store_true", help="the baseline model instead of the primary")
    p.add_argument("--model-path", help=f"Hub repo or directory (primary default: TRIAGE_MODEL_PATH or {DEFAULT_MODEL})")
    p.add_argument("--served-model-name", help="name clients send (default: TRIAGE_MODEL / TRIAGE_BASELINE_MODEL)")
    p.add_argument("--port", type=int, default=8080, help="8080: a Space can only call out on 80, 443, 8080")
    p.add_argument("--gpus", type=int, default=1, help="GPUs on this host: N > 1 adds --dp N replicas")
    p.add_argument("--context-length", type=int, default=8192)
    p.add_argument("--mem-fraction-static", type=float, default=0.85)
    p.add_argument("--run", action="store_true", help="exec the command (needs sglang and a GPU)")
    p.set_defaults(func=_cmd_serve_model)

    p = sub.add_parser("health", help="check which configured backends are up (exit 1 if the primary is down)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_health)
