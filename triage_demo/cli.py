"""The thin `triage-demo` command line: parse arguments, call into the package, print.

Each subcommand sets `func(args) -> int` (the exit code). Subpackages add their own commands through
`register(sub)` in their `commands.py`, so this file stays a table of contents.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from triage_demo import DISCLAIMER, __version__
from triage_demo import core_commands
from triage_demo.backends import commands as backend_commands
from triage_demo.labels import commands as label_commands
from triage_demo.train import commands as train_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-demo",
        description="ESI Triage Studio. " + DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"triage-demo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (core_commands, backend_commands, label_commands, train_commands):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError) as exc:  # bad input from the user: a message, not a traceback
        print(f"triage-demo: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
