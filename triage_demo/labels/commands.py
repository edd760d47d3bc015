"""`triage-demo` subcommands of triage_demo.labels (registered by triage_demo.cli).

deid                      de-identify stdin to stdout
labels export             consensus eval cases (JSONL) or tables (CSV / Parquet)
labels stats              counts, consensus and agreement of a label folder
labels sync               push a label folder to its Hub dataset repo now
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from triage_demo.settings import Settings


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this package's subcommands to the top-level parser. Each sets `func(args) -> int`."""
    p = sub.add_parser("deid", help="de-identify text from stdin (HIPAA Safe Harbor placeholders) to stdout")
    p.add_argument("--report", action="store_true", help="list each replacement (kind, original) on stderr")
    p.set_defaults(func=_deid)

    labels = sub.add_parser("labels", help="the expert label store: export, statistics, Hub sync")
    lsub = labels.add_subparsers(dest="labels_command", metavar="ACTION", required=True)

    p = lsub.add_parser("export", help="write consensus eval cases (jsonl) or a table (csv, parquet)")
    _dir_arg(p)
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl",
                   help="jsonl: consensus labels as eval cases {id, narrative, esi, rationale}")
    p.add_argument("--table", choices=("records", "consensus", "annotators"), default="records",
                   help="what csv / parquet contain (default: every record)")
    p.add_argument("--out", required=True, type=Path, help="output file")
    p.set_defaults(func=_export)

    p = lsub.add_parser("stats", help="records, cases, consensus levels and inter-rater agreement")
    _dir_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_stats)

    p = lsub.add_parser("sync", help="push the label folder to TRIAGE_LABELS_REPO now (needs HF_TOKEN)")
    _dir_arg(p)
    p.add_argument("--repo", help="dataset repo id (default: TRIAGE_LABELS_REPO)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the push")
    p.set_defaults(func=_sync)


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", type=Path, default=None, help="label folder (default: TRIAGE_LABELS_DIR or data/labels)")


def _folder(args: argparse.Namespace, settings: Settings) -> Path:
    folder = args.dir or settings.labels_dir
    if not folder.is_dir():
        raise FileNotFoundError(f"label folder {folder} does not exist")
    return folder


def _deid(args: argparse.Namespace) -> int:
    from triage_demo.labels.deid import deidentify

    result = deidentify(sys.stdin.read())
    sys.stdout.write(result.text)
    if args.report:
        for r in result.replacements:
            print(f"{r.kind}\t{r.original}", file=sys.stderr)
    return 0


def _read(args: argparse.Namespace) -> Any:
    from triage_demo.labels.store import LabelStore

    contents = LabelStore(_folder(args, Settings.from_env())).read_all()
    if contents.corrupt_lines or contents.truncated_lines:
        print(f"warning: skipped {contents.corrupt_lines} corrupt and {contents.truncated_lines} truncated "
              f"line(s): " + "; ".join(contents.problems[:3]), file=sys.stderr)
    return contents


def _export(args: argparse.Namespace) -> int:
    from triage_demo.labels.aggregate import export

    n = export(_read(args), args.format, args.out, args.table)
    what = "eval cases" if args.format == "jsonl" else f"{args.table} rows"
    print(f"wrote {n} {what} to {args.out}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from triage_demo.labels.aggregate import METHODS, agreement_summary, annotator_stats, consensus, level_counts

    contents = _read(args)
    cases = consensus(contents)
    report = {
        "records": len(contents),
        "shards": contents.shards,
        "corrupt_lines": contents.corrupt_lines,
        "truncated_lines": contents.truncated_lines,
        "cases": len(cases),
        "consensus_levels": level_counts(cases),
        "consensus_methods": {m: sum(c.method == m for c in cases) for m in METHODS},
        "agreement": agreement_summary(contents),
        "annotators": [vars(s) for s in annotator_stats(contents)],
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(f"{report['records']} records in {report['shards']} shards; {report['cases']} cases")
    print("consensus by level: " + ", ".join(f"ESI {k}: {v}" for k, v in report["consensus_levels"].items()))
    print("consensus method:   " + ", ".join(f"{k}: {v}" for k, v in report["consensus_methods"].items()))
    agreement = report["agreement"]
    print(f"cases with 2+ labels: {agreement['cases_with_2plus_labels']}; Krippendorff alpha "
          f"(ordinal): {_num(agreement['krippendorff_alpha_ordinal'])}, "
          f"(interval): {_num(agreement['krippendorff_alpha_interval'])}")
    for pair in agreement["pairs"]:
        print(f"  {pair['annotator_a']} vs {pair['annotator_b']}: n={pair['n']} exact={pair['exact']:.2f} "
              f"qwk={_num(pair['qwk'])}")
    for s in report["annotators"]:
        print(f"  {s['annotator']}: {s['n_labels']} labels, mean ESI {s['mean_esi']:.2f}, agreement with consensus "
              f"{_num(s['agreement_with_consensus'])} over {s['n_compared']} shared cases")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from triage_demo.labels.sync import LabelSync

    settings = Settings.from_env()
    folder = _folder(args, settings)
    repo = args.repo or settings.labels_repo
    if not repo:
        raise ValueError("no dataset repo: pass --repo or set TRIAGE_LABELS_REPO")
    if not settings.hf_token:
        raise ValueError("no write token: set HF_TOKEN")
    sync = LabelSync(folder, repo, token=settings.hf_token, every_minutes=settings.sync_every_minutes,
                     private=settings.labels_private)
    ok = sync.close(timeout=args.timeout)
    print(sync.status().message)
    return 0 if ok else 1


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"
