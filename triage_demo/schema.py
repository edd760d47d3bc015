"""The one typed result that flows from every backend to the UI, the evaluator, the label record and the reward.

Defined once here so that nothing downstream has to know which backend produced it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ESI_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
STEP_KEYS: tuple[str, ...] = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Extraction:
    """The EXTRACTION block of the model card's output format (free text, as the model wrote it)."""

    chief_complaint: str | None = None
    vital_signs: str | None = None
    red_flags: str | None = None


@dataclass(frozen=True)
class ParsedOutput:
    """What `parse.parse_output` recovers from a model's raw text; `esi is None` means no parseable answer."""

    esi: int | None
    extraction: Extraction = field(default_factory=Extraction)
    steps: dict[str, str] = field(default_factory=dict)  # keys "A".."D", only those present
    has_extraction: bool = False
    has_algorithm: bool = False
    has_answer: bool = False

    @property
    def well_formed(self) -> bool:
        """All three sections of the card's format are present (the reward's format bonus)."""
        return self.has_extraction and self.has_algorithm and self.has_answer


@dataclass
class TriageResult:
    """One backend's answer for one narrative.

    `error` is set (and `esi` is None) when the backend failed; the message is meant for a person.
    `notes` records graceful degradations, e.g. a server that ignored a constrained-decoding request.
    """

    esi: int | None
    backend: str
    model: str | None = None
    raw_text: str = ""
    extraction: Extraction = field(default_factory=Extraction)
    steps: dict[str, str] = field(default_factory=dict)
    probabilities: dict[int, float] | None = None
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_parsed(cls, parsed: ParsedOutput, raw_text: str, backend: str, **kwargs: Any) -> "TriageResult":
        return cls(
            esi=parsed.esi,
            backend=backend,
            raw_text=raw_text,
            extraction=parsed.extraction,
            steps=dict(parsed.steps),
            **kwargs,
        )

    @classmethod
    def failure(cls, backend: str, error: str, **kwargs: Any) -> "TriageResult":
        return cls(esi=None, backend=backend, error=error, **kwargs)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (probability keys become strings "1".."5", as JSON requires)."""
        d = asdict(self)
        if self.probabilities is not None:
            d["probabilities"] = {str(k): float(v) for k, v in sorted(self.probabilities.items())}
        return d


def validate_esi(value: Any) -> int:
    """Return `value` as an ESI level 1-5 or raise ValueError with a message fit for a person.

    Accepts ints and digit strings; rejects bools, floats with a fraction, words, None and anything out of range.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"ESI level must be an integer 1-5, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"ESI level must be an integer 1-5, got {value!r}")
        value = int(value)
    if isinstance(value, str):
        s = value.strip()
        if not s.isdigit():
            raise ValueError(f"ESI level must be an integer 1-5, got {value!r}")
        value = int(s)
    if not isinstance(value, int) or value not in ESI_LEVELS:
        raise ValueError(f"ESI level must be an integer 1-5, got {value!r}")
    return value
