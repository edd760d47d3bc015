"""The model card's prompt contract: the system prompt and how a narrative becomes chat messages.

Inference, evaluation and GRPO training all build prompts here, so the model sees at serving time exactly
what it was trained on.
"""

from __future__ import annotations

#: Verbatim from the model card's "Usage" section (the prompt the model was fine-tuned with).
SYSTEM_PROMPT = (
    "You are an expert emergency triage nurse. "
    "First extract clinical fields from the triage note, "
    "then apply the ESI algorithm step by step, then state the ESI level."
)

#: Section headers of the card's output format, in order.
SECTIONS: tuple[str, ...] = ("EXTRACTION:", "ESI ALGORITHM:", "ANSWER:")

#: Field labels inside EXTRACTION and step labels inside ESI ALGORITHM, as the card writes them.
EXTRACTION_FIELDS: tuple[str, ...] = ("Chief complaint", "Vital signs", "Red flags")
STEP_LABELS: dict[str, str] = {
    "A": "Step A (lifesaving)",
    "B": "Step B (high-risk)",
    "C": "Step C (resources)",
    "D": "Step D (vitals)",
}


def build_messages(narrative: str) -> list[dict[str, str]]:
    """System + user messages for one triage narrative (OpenAI / chat-template shape)."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": narrative.strip()},
    ]


def render_output(
    *,
    chief_complaint: str,
    vital_signs: str,
    red_flags: str,
    steps: dict[str, str],
    esi: int,
) -> str:
    """Write an answer in the card's exact output format (used by the rule engine and in tests)."""
    lines = [
        SECTIONS[0],
        f"- {EXTRACTION_FIELDS[0]}: {chief_complaint}",
        f"- {EXTRACTION_FIELDS[1]}: {vital_signs}",
        f"- {EXTRACTION_FIELDS[2]}: {red_flags}",
        SECTIONS[1],
    ]
    lines += [f"- {label}: {steps.get(key, 'not reached')}" for key, label in STEP_LABELS.items()]
    lines.append(f"{SECTIONS[2]} ESI {esi}")
    return "\n".join(lines)
