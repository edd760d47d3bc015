"""Collects the findings of one assessment and keeps each finding's span tied to the original narrative."""

from __future__ import annotations

from triage_demo.esi.model import Finding, Step
from triage_demo.esi.text import Context, Span


class Collector:
    """Append-only list of findings; a rule with a `floor` also records a 'floor' finding on the same span."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.findings: list[Finding] = []

    def add(self, rule: str, step: Step, message: str, span: Span, esi: int | None = None,
            floor: int | None = None) -> Finding:
        text = self.ctx.text[span.start : span.end]
        finding = Finding(rule, step, message, span.start, span.end, text, esi)
        self.findings.append(finding)
        if floor is not None:
            self.findings.append(Finding(f"floor.{rule}", "floor", message, span.start, span.end, text, floor))
        return finding

    def fired(self, prefix: str) -> bool:
        """Has a rule whose id starts with `prefix` fired (e.g. 'A.' for any Step A rule)?"""
        return any(f.rule.startswith(prefix) for f in self.findings)

    def levels(self, step: Step) -> list[int]:
        return [f.esi for f in self.findings if f.step == step and f.esi is not None]
