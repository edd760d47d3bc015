"""The label dataset's card (README.md at the folder root): what the data is, how it was collected and cleaned.

The YAML header's `configs` entry is what lets `datasets.load_dataset(repo_or_dir)` find the JSONL shards
under `data/`; the schema table is generated from `record.COLUMNS`, so the card cannot drift from the code.
"""

from __future__ import annotations

import os
from pathlib import Path

from triage_demo import DISCLAIMER
from triage_demo.labels.record import COLUMNS, SCHEMA_VERSION
from triage_demo.labels.store import SHARD_DIR, SHARD_GLOB

CARD_NAME = "README.md"

_HEADER = f"""---
license: other
license_name: research-only
pretty_name: ESI Triage Studio expert labels
language:
- en
task_categories:
- text-classification
tags:
- medical
- emergency-department
- triage
- emergency-severity-index
configs:
- config_name: default
  data_files:
  - split: train
    path: {SHARD_DIR}/{SHARD_GLOB}
---
"""

_BODY = """
# ESI Triage Studio — expert triage labels

Emergency Severity Index (ESI) levels 1-5 assigned by invited clinicians to de-identified emergency-department
triage narratives, next to what the models (`vadimbelsky/medgemma-4b-esi-triage-grpo-v1` and an optional
baseline) answered for the same narrative. Written by the ESI Triage Studio app.

**Research use only.** {disclaimer} The labels are opinions of individual annotators, not ground truth,
and must not be used to make or check decisions about real patients.

## How the labels were collected

- An expert (a Hugging Face account on the Space's expert list) reads a narrative from the queue: examples
  written for the project, uploaded case sets, and narratives triaged in the app with the user's consent.
- The expert commits their own ESI level, a short rationale and optional reason tags **before** any model answer
  is shown (to avoid anchoring); then sees each model's answer and the verdict it earns
  (`correct`, `under-triage` = model less acute than the expert, `over-triage` = more acute).
- Several experts may label the same case. An adjudicator's label (`role = adjudicator`) is the case's final
  label. Records are never edited: a correction is a new record whose `supersedes` names the old one.
- Every record is appended to a local shard (one JSONL file per app process under `data/`) and pushed here
  every few minutes by `huggingface_hub.CommitScheduler`.

## De-identification

Narratives, rationales and model outputs pass through the project's offline de-identifier before they are stored
(`triage_demo/labels/deid.py`, rules and word lists, no model). It removes the HIPAA Safe Harbor identifiers:
names (titles, "patient X", relatives, signatures), dates finer than a year, phone and fax numbers, e-mail
addresses, street addresses, towns and named facilities, ZIP codes, record / account / insurance / licence /
plate numbers, SSNs, IP addresses and URLs, and turns ages over 89 into `90+`. They are replaced by typed
placeholders: `[NAME]`, `[DATE]`, `[PHONE]`, `[EMAIL]`, `[ADDRESS]`, `[ID]`, `[SSN]`, `[IP]`, `[URL]`,
`[ZIP]`. Vital signs, doses, durations, times of day, ages up to 89 and clinical eponyms are kept. Rule-based
de-identification is not perfect: report any identifier you find so it can be removed.

## Loading

```python
from datasets import load_dataset
ds = load_dataset("OWNER/REPO", split="train")            # or a local copy of this folder
ds = load_dataset("json", data_dir="data", split="train")  # the shards alone
```

Every row has every column with a value of one type, because `datasets` refuses shards whose column types
differ: absent text is `""`, an absent ESI level is `0`, `reason_tags` and `*_probabilities` are JSON strings.
To get each annotator's current label, drop records that another record of the same annotator and case
supersedes, then keep the latest `timestamp` per (`annotator`, `case_id`); the app's consensus is the majority
of the experts' current labels (ties go to the more acute level and are flagged), overridden by an adjudicator.

## Licence

Research use only: you may use these labels to study, evaluate and train triage models for research. You may
not use them for clinical decisions, in a medical device, or to try to re-identify anyone. Redistribution must
keep this card.

## Schema (version {version})

| column | meaning |
|---|---|
{rows}
"""


def render_card() -> str:
    rows = "\n".join(f"| `{name}` | {meaning.replace('|', '/')} |" for name, meaning in COLUMNS.items())
    return _HEADER + _BODY.format(disclaimer=DISCLAIMER, version=SCHEMA_VERSION, rows=rows)


def write_card(folder: str | Path) -> Path:
    """Write the card into `folder` if it is missing or out of date (atomically, so a sync never sees half)."""
    path = Path(folder) / CARD_NAME
    text = render_card()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{CARD_NAME}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
