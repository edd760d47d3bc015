"""The promotion gate: a candidate replaces the current model only if it is not worse where it matters.

Both models answer the held-out expert cases through the in-process transformers backend (the same prompt,
chat template and parser as serving), and the core evaluator scores them. The candidate is promoted when

    candidate exact - current exact                   >= gate_min_exact_delta          (default 0: no drop)
    candidate critical under-triage - current's       <= gate_max_critical_under_delta  (default 0: no rise)

Promotion = push the folder to the model repo, tag that revision, and optionally ask a running SGLang server to
`update_weights_from_disk`. Otherwise the current model stays and the report says why.
"""

from __future__ import annotations

import asyncio
import gc
import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from triage_demo.evaluate import Case, EvalRun, evaluate_backend
from triage_demo.settings import Settings
from triage_demo.train.config import GateConfig

#: Wall-clock limit of one held-out answer (1024 tokens on a slow GPU take minutes, not the UI's 120 s).
GENERATION_TIME_LIMIT_S = 900.0


@dataclass
class GateDecision:
    """The verdict, with the numbers and the reasons a person reads in the log and the model card."""

    reasons: list[str]  # one line per check, passed or not
    blocking: list[str]  # the lines that stop the promotion; empty = promote
    n_cases: int
    candidate: dict[str, Any] = field(default_factory=dict)  # evaluator metrics
    current: dict[str, Any] = field(default_factory=dict)
    per_case: list[dict[str, Any]] = field(default_factory=list)  # {id, gold, candidate, current} for analysis

    @property
    def promote(self) -> bool:
        return not self.blocking

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "promote": self.promote}


def _value(metrics: dict[str, Any], key: str) -> float:
    return float(metrics[key]["value"])


def decide(candidate: dict[str, Any], current: dict[str, Any], cfg: GateConfig) -> GateDecision:
    """Compare two evaluator reports (same cases) against the thresholds. Pure: no models, no I/O."""
    n = int(candidate["n"])
    if n == 0 or int(current["n"]) != n:
        why = f"no comparable held-out cases (candidate n={n}, current n={current['n']})"
        return GateDecision([why], [why], n, candidate, current)
    reasons, blocking = [], []
    for key, label, sign, limit in (
        ("exact", "exact", +1, cfg.gate_min_exact_delta),
        ("critical_under_triage", "critical under-triage", -1, cfg.gate_max_critical_under_delta),
    ):
        before, after = _value(current, key), _value(candidate, key)
        delta = after - before
        ok = delta >= limit - 1e-12 if sign > 0 else delta <= limit + 1e-12
        line = (f"{label} {before:.3f} -> {after:.3f} (delta {delta:+.3f}, needs {'>=' if sign > 0 else '<='} "
                f"{limit:+.3f}): {'ok' if ok else 'FAIL'}")
        reasons.append(line)
        if not ok:
            blocking.append(line)
    return GateDecision(reasons, blocking, n, candidate, current)


def evaluate_model(model: str, cases: Sequence[Case], max_new_tokens: int) -> EvalRun:
    """Greedy answers of `model` (folder or repo) on `cases` through the in-process transformers backend, scored
    by the core evaluator. Loading errors raise (a model that cannot load must not score as "all unparsed").
    The model is released afterwards so that the next one fits in the same memory."""
    from triage_demo.backends.transformers_local import TransformersBackend

    settings = Settings().with_(model_path=model, max_tokens=max_new_tokens, temperature=0.0,
                                timeout_s=GENERATION_TIME_LIMIT_S)
    backend = TransformersBackend(settings)

    async def run() -> EvalRun:
        try:
            await backend.load()
            return await evaluate_backend(cases, backend)
        finally:
            await backend.aclose()

    result = asyncio.run(run())
    del backend
    _release_memory()
    return result


def _release_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def run_gate(candidate: str, current: str, cases: Sequence[Case], cfg: GateConfig, max_new_tokens: int) -> GateDecision:
    """Evaluate both models on the same held-out cases and decide."""
    if not cases:
        why = "no held-out expert cases to evaluate on"
        return GateDecision([why], [why], 0)
    cand = evaluate_model(candidate, cases, max_new_tokens)
    cur = evaluate_model(current, cases, max_new_tokens)
    decision = decide(cand.metrics, cur.metrics, cfg)
    decision.per_case = [{"id": c.id, "gold": c.esi, "candidate": a.esi, "current": b.esi}
                         for c, a, b in zip(cases, cand.results, cur.results)]
    return decision


# --------------------------------------------------------------------------------------------------------------
# Promotion
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Promotion:
    """Where a promoted model went."""

    repo_id: str | None = None
    commit: str | None = None
    tag: str | None = None
    sglang: str | None = None  # the server's answer to update_weights_from_disk
    sglang_error: str | None = None  # why the server did not reload (it keeps serving the old weights)


def push(folder: Path, repo_id: str, tag: str, message: str, api: Any) -> tuple[str, str]:
    """Upload `folder` to model repo `repo_id` in one commit and tag that commit; returns (commit sha, tag)."""
    api.create_repo(repo_id=repo_id, repo_type="model", exist_ok=True, private=True)
    info = api.upload_folder(repo_id=repo_id, repo_type="model", folder_path=str(folder), commit_message=message)
    api.create_tag(repo_id=repo_id, repo_type="model", tag=tag, revision=info.oid, tag_message=message)
    return info.oid, tag


def reload_sglang(url: str, model_path: str, weight_version: str, api_key: str | None, timeout_s: float = 600.0) -> str:
    """Ask a running SGLang server to load new weights in place (POST /update_weights_from_disk).

    Raises RuntimeError with the server's message when it refuses (it keeps serving the old weights then)."""
    body = json.dumps({"model_path": model_path, "weight_version": weight_version}).encode()
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    req = urllib.request.Request(url.rstrip("/") + "/update_weights_from_disk", data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            answer = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise RuntimeError(f"SGLang at {url} refused update_weights_from_disk (HTTP {exc.code}): {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RuntimeError(f"SGLang at {url} unreachable for update_weights_from_disk: {exc}") from None
    if not answer.get("success", False):
        raise RuntimeError(f"SGLang at {url} failed to load {model_path}: {answer.get('message', answer)}")
    return str(answer.get("message", "ok"))


def promote(folder: Path, cfg: GateConfig, tag: str, message: str, api: Any) -> Promotion:
    """Push (when `push_to` is set), then reload SGLang (when `sglang_url` is set). A server that refuses is
    reported in `sglang_error`, not raised: the promotion itself has happened by then."""
    result = Promotion()
    if cfg.push_to:
        result.repo_id = cfg.push_to
        result.commit, result.tag = push(folder, cfg.push_to, tag, message, api)
    if cfg.sglang_url:
        model_path = cfg.sglang_model_path or cfg.push_to
        if not model_path:
            raise ValueError("--sglang-url needs --push-to or --sglang-model-path (where the server loads from)")
        try:
            result.sglang = reload_sglang(cfg.sglang_url, model_path, tag, cfg.sglang_api_key)
        except RuntimeError as exc:  # the push stands; the server is reloaded by hand or on its next restart
            result.sglang_error = str(exc)
    return result

