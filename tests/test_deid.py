"""De-identification: recall on planted identifiers, 100 % preservation of clinical content, and edge cases.

tests/data/deid_cases.jsonl holds cases written for this project: `tune` (used while writing the rules, including
clinical-only cases that must come out unchanged) and `heldout` (written before the rules, never tuned on).
Each case lists identifier strings that must vanish and clinical strings that must survive verbatim.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage_demo.labels import deid_lexicons as lex
from triage_demo.labels.deid import deid_text, deidentify

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "deid_cases.jsonl").read_text().splitlines()]


def _scores(split: str) -> tuple[int, int, int, int, list[str]]:
    removed = planted = kept = clinical = 0
    failures = []
    for case in (c for c in CASES if c["split"] == split):
        out = deid_text(case["narrative"])
        for ident in case["identifiers"]:
            planted += 1
            if ident in out:
                failures.append(f"{case['id']}: identifier {ident!r} survived: {out}")
            else:
                removed += 1
        for s in case["clinical"]:
            clinical += 1
            if s in out:
                kept += 1
            else:
                failures.append(f"{case['id']}: clinical {s!r} lost: {out}")
    return removed, planted, kept, clinical, failures


def test_case_file_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert sum(c["split"] == "heldout" for c in CASES) >= 20
    assert sum(len(c["identifiers"]) > 0 for c in CASES if c["split"] == "tune") >= 60
    for c in CASES:
        for s in c["identifiers"] + c["clinical"]:
            assert s in c["narrative"], (c["id"], s)


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_recall_and_clinical_preservation(split: str) -> None:
    removed, planted, kept, clinical, failures = _scores(split)
    recall, preservation = removed / planted, kept / clinical
    print(f"\n{split}: recall {removed}/{planted} = {recall:.1%}; "
          f"clinical preserved {kept}/{clinical} = {preservation:.1%}")
    assert recall >= 0.98, failures
    assert preservation == 1.0, failures


@pytest.mark.parametrize("split", ["tune", "heldout"])
def test_no_identifier_token_leaks(split: str) -> None:
    """Stricter than string recall: no capitalised word or 4+ digit run of an identifier may remain, except
    where the same word is clinical content in that case ("Dr. Murphy" vs "Murphy's sign")."""
    leaks = []
    for case in (c for c in CASES if c["split"] == split):
        out = deid_text(case["narrative"])
        for ident in case["identifiers"]:
            for tok in re.findall(r"[A-Z][a-z]{2,}|\d{4,}", ident):
                if tok in lex.STOPWORDS:
                    continue
                pattern = rf"(?<!\w){re.escape(tok)}(?!\w)"
                allowed = sum(len(re.findall(pattern, s)) for s in case["clinical"])
                if len(re.findall(pattern, out)) > allowed:
                    leaks.append(f"{case['id']}: {tok!r} in {out}")
    assert not leaks


def test_clinical_only_narratives_are_untouched() -> None:
    for case in (c for c in CASES if not c["identifiers"]):
        assert deidentify(case["narrative"]).replacements == (), case["id"]


def test_examples_have_nothing_to_remove() -> None:
    """The project's example narratives contain no identifiers: any replacement there is a false positive."""
    examples = Path(__file__).parents[1] / "examples" / "cases.jsonl"
    if not examples.is_file():
        pytest.skip("examples/cases.jsonl not present")
    hits = []
    for line in examples.read_text().splitlines():
        case = json.loads(line)
        hits += [(case["id"], r.kind, r.original) for r in deidentify(case["narrative"]).replacements]
    assert hits == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("BP 88/60, pain 3/10, HR 118", "BP 88/60, pain 3/10, HR 118"),
        ("seen on 12/03/2024 at 14:30", "seen on [DATE] at 14:30"),
        ("A 95-year-old man", "A 90+-year-old man"),
        ("aged 89", "aged 89"),
        ("age 99.", "age 90+."),
        ("Mrs. O'Brien and Dr. van der Berg", "Mrs. [NAME] and Dr. [NAME]"),
        ("Positive Murphy's sign; Dr. Murphy informed.", "Positive Murphy's sign; Dr. [NAME] informed."),
        ("Ottawa ankle rules negative", "Ottawa ankle rules negative"),
        ("mail a.b@c.org or call (212) 555-0100", "mail [EMAIL] or call [PHONE]"),
        ("SSN 123-45-6789, MRN 00482913", "SSN [SSN], MRN [ID]"),
        ("from 10.1.2.3 via https://x.example.org/a?b=1.", "from [IP] via [URL]."),
        ("lives at 42 Oak Street, Dayton, OH 45402", "lives at [ADDRESS], [ADDRESS], OH [ZIP]"),
        ("born in 1931", "born in [DATE]"),
        ("last visit March 2024", "last visit [DATE]"),
        ("since Christmas", "since [DATE]"),
        ("Pt: Quispe, Xiomara. Reports pain.", "Pt: [NAME]. Reports pain."),
        ("Quispe is here; Quispe's son called.", "Quispe is here; Quispe's son called."),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert deid_text(text) == expected


def test_a_name_found_once_is_removed_everywhere() -> None:
    out = deid_text("Mr. Kowalski fell. Kowalski says he tripped; Kowalski's wife agrees.")
    assert "Kowalski" not in out and out.count("[NAME]") == 3


def test_replacements_report_kind_original_and_offsets() -> None:
    text = "Call Dr. Patel at 555-867-5309 on 3/4/2024."
    result = deidentify(text)
    assert [(r.kind, r.original) for r in result.replacements] == [
        ("NAME", "Patel"), ("PHONE", "555-867-5309"), ("DATE", "3/4/2024")]
    for r in result.replacements:
        assert text[r.start : r.end] == r.original


def test_idempotent() -> None:
    """Stored narratives may be de-identified again (the training job does): nothing further may change."""
    for case in CASES:
        once = deid_text(case["narrative"])
        assert deid_text(once) == once, case["id"]


@pytest.mark.parametrize("junk", ["", "   ", "x." * 50_000, "Aaa-" * 25_000, "1/" * 50_000, "\x00\u202e" * 1000])
def test_junk_is_fast_and_safe(junk: str) -> None:
    """Bounded patterns: pathological input must not make any pattern scan quadratically."""
    start = time.perf_counter()
    deid_text(junk)
    assert time.perf_counter() - start < 5.0


def test_cli_filters_stdin_to_stdout() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "triage_demo", "deid", "--report"],
        input="Mr. John Smith, 92 yo. BP 88/60.\n", capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Mr. [NAME], 90+ yo. BP 88/60.\n"
    assert "NAME\tJohn Smith" in proc.stderr and "AGE\t92" in proc.stderr
