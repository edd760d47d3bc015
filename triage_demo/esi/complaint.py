"""The chief complaint line of the rendered output: the note's own words, shortened."""

from __future__ import annotations

import re

from triage_demo.esi.text import Context

_CUE = re.compile(r"\b(?:c/o|complains? of|complaining of|presents? with|presenting with|here for|cc:|"
                  r"chief complaint:?)\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_CHARS = 100


def chief_complaint(ctx: Context) -> str:
    """Text after 'c/o' / 'presents with' if the note has such a cue, else its first sentence, cut to 100 chars."""
    m = _CUE.search(ctx.low)
    start = m.end() if m else 0
    while start < len(ctx.text) and ctx.text[start].isspace():
        start += 1
    end = ctx.sentence_end(start)
    raw = ctx.text[start:end].strip().rstrip(".;!?")
    raw = _CONTROL.sub(" ", raw)
    raw = " ".join(raw.split())
    if len(raw) > MAX_CHARS:
        cut = raw[:MAX_CHARS].rsplit(" ", 1)[0]
        raw = (cut or raw[:MAX_CHARS]) + "..."
    return raw or "not stated"
