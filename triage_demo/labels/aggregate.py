"""From many experts' labels to one label per case, and how far the experts agree.

- Consensus: each expert's current label per case (`store.latest_labels`) votes; the most frequent level wins;
  a tie goes to the more acute (lower) level and is flagged, because under-triage is the costlier error. An
  adjudicator's current label, when there is one, is the case's label whatever the votes say.
- Agreement: quadratic-weighted Cohen's kappa for each pair of experts over the cases both labelled (the
  evaluator's implementation, so that dashboard and reports agree), and Krippendorff's alpha over all experts
  and cases (it handles any number of raters and missing labels; ordinal metric by default, as ESI is ordered).
- Per-annotator statistics, and exports: tables for pandas (CSV / Parquet) and eval cases in the core issue's
  JSONL format {"id", "narrative", "esi", "rationale"}.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from triage_demo.evaluate import quadratic_weighted_kappa
from triage_demo.labels.record import COLUMNS, LabelRecord
from triage_demo.labels.store import latest_labels
from triage_demo.schema import ESI_LEVELS

if TYPE_CHECKING:
    import pandas as pd

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
TABLES: tuple[str, ...] = ("records", "consensus", "annotators")
METHODS: tuple[str, ...] = ("single", "majority", "tie", "adjudicated")


@dataclass(frozen=True)
class Consensus:
    """The label of one case. `method`: adjudicated | majority | tie | single (one expert so far)."""

    case_id: str
    narrative: str
    esi: int
    method: str
    n_labels: int  # experts' current labels
    votes: dict[int, int]  # level -> number of experts
    annotators: tuple[str, ...]
    rationale: str

    @property
    def tie(self) -> bool:
        return self.method == "tie"


def consensus(records: Iterable[LabelRecord]) -> list[Consensus]:
    """One Consensus per case that has at least one current label, ordered by case id."""
    records = list(records)
    votes = _by_case(latest_labels(records, role="expert").values())
    rulings = _by_case(latest_labels(records, role="adjudicator").values())
    out = []
    for case_id in sorted(set(votes) | set(rulings)):
        experts = votes.get(case_id, [])
        counts = Counter(r.expert_esi for r in experts)
        if case_id in rulings:
            ruling = max(rulings[case_id], key=lambda r: (r.timestamp, r.record_id))
            esi, method, basis = ruling.expert_esi, "adjudicated", [ruling]
        else:
            top = max(counts.values())
            leaders = sorted(level for level, n in counts.items() if n == top)
            esi = leaders[0]  # the more acute level wins a tie
            method = "single" if len(experts) == 1 else ("tie" if len(leaders) > 1 else "majority")
            basis = [r for r in experts if r.expert_esi == esi]
        newest = max(basis, key=lambda r: (r.timestamp, r.record_id))
        out.append(
            Consensus(
                case_id=case_id,
                narrative=newest.narrative,
                esi=esi,
                method=method,
                n_labels=len(experts),
                votes=dict(sorted(counts.items())),
                annotators=tuple(sorted(r.annotator for r in experts)),
                rationale=newest.rationale,
            )
        )
    return out


def _by_case(records: Iterable[LabelRecord]) -> dict[str, list[LabelRecord]]:
    grouped: dict[str, list[LabelRecord]] = defaultdict(list)
    for r in records:
        grouped[r.case_id].append(r)
    return grouped


# --- agreement --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairAgreement:
    annotator_a: str
    annotator_b: str
    n: int  # cases both labelled
    exact: float
    qwk: float | None  # None when undefined (e.g. both always gave the same single level)


def ratings_by_case(records: Iterable[LabelRecord]) -> dict[str, dict[str, int]]:
    """case_id -> {annotator: current expert level}."""
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for (annotator, case_id), r in latest_labels(records, role="expert").items():
        table[case_id][annotator] = r.expert_esi
    return dict(table)


def pairwise_agreement(ratings: Mapping[str, Mapping[str, int]], min_cases: int = 2) -> list[PairAgreement]:
    """Kappa and exact agreement for each pair of experts sharing at least `min_cases` cases."""
    annotators = sorted({a for case in ratings.values() for a in case})
    out = []
    for a, b in itertools.combinations(annotators, 2):
        pairs = [(case[a], case[b]) for case in ratings.values() if a in case and b in case]
        if len(pairs) < min_cases:
            continue
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        out.append(PairAgreement(a, b, len(pairs), sum(x == y for x, y in pairs) / len(pairs),
                                 quadratic_weighted_kappa(xs, ys)))
    return out


def krippendorff_alpha(units: Iterable[Sequence[float]], metric: str = "ordinal") -> float | None:
    """Krippendorff's alpha for ratings grouped by unit (case); units with fewer than 2 ratings do not count.

    metric: "nominal", "ordinal" or "interval" (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
    None when undefined: fewer than 2 pairable ratings, or no variation at all (expected disagreement 0).
    """
    if metric not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"metric must be nominal, ordinal or interval, got {metric!r}")
    pairable = [list(u) for u in units if len(u) >= 2]
    values = sorted({v for u in pairable for v in u})
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    coincidence = [[0.0] * k for _ in range(k)]
    for unit in pairable:
        m = len(unit)
        for i, x in enumerate(unit):
            for j, y in enumerate(unit):
                if i != j:
                    coincidence[index[x]][index[y]] += 1.0 / (m - 1)
    marginals = [sum(row) for row in coincidence]
    n = sum(marginals)
    if n < 2:
        return None

    def delta2(c: int, d: int) -> float:
        if metric == "nominal":
            return 0.0 if c == d else 1.0
        if metric == "interval":
            return float(values[c] - values[d]) ** 2
        lo, hi = min(c, d), max(c, d)  # ordinal: ranks weighted by how often the values in between are used
        return (sum(marginals[lo : hi + 1]) - (marginals[lo] + marginals[hi]) / 2) ** 2

    observed = sum(coincidence[c][d] * delta2(c, d) for c in range(k) for d in range(k))
    expected = sum(marginals[c] * marginals[d] * delta2(c, d) for c in range(k) for d in range(k)) / (n - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


@dataclass(frozen=True)
class AnnotatorStats:
    annotator: str
    n_labels: int  # current expert labels
    mean_esi: float
    levels: dict[int, int]
    n_compared: int  # cases where a consensus exists beyond this annotator's own label
    agreement_with_consensus: float | None  # exact agreement on those cases


def annotator_stats(records: Iterable[LabelRecord]) -> list[AnnotatorStats]:
    """Per expert: volume, level mix, and agreement with the consensus on cases where others labelled too
    (or an adjudicator ruled), so a lone labeller does not agree with themself by construction."""
    records = list(records)
    current = latest_labels(records, role="expert")
    by_case = {c.case_id: c for c in consensus(records)}
    per: dict[str, list[LabelRecord]] = defaultdict(list)
    for (annotator, _), r in current.items():
        per[annotator].append(r)
    out = []
    for annotator in sorted(per):
        mine = per[annotator]
        compared = [
            r for r in mine
            if by_case[r.case_id].method == "adjudicated" or by_case[r.case_id].n_labels >= 2
        ]
        agree = sum(r.expert_esi == by_case[r.case_id].esi for r in compared)
        out.append(
            AnnotatorStats(
                annotator=annotator,
                n_labels=len(mine),
                mean_esi=sum(r.expert_esi for r in mine) / len(mine),
                levels=dict(sorted(Counter(r.expert_esi for r in mine).items())),
                n_compared=len(compared),
                agreement_with_consensus=(agree / len(compared)) if compared else None,
            )
        )
    return out


def agreement_summary(records: Iterable[LabelRecord]) -> dict[str, Any]:
    """Everything the dashboard and `labels stats` report about agreement, JSON-ready."""
    ratings = ratings_by_case(records)
    units = [list(case.values()) for case in ratings.values()]
    return {
        "cases_with_2plus_labels": sum(len(u) >= 2 for u in units),
        "krippendorff_alpha_ordinal": krippendorff_alpha(units, "ordinal"),
        "krippendorff_alpha_interval": krippendorff_alpha(units, "interval"),
        "pairs": [asdict(p) for p in pairwise_agreement(ratings)],
    }


# --- exports ----------------------------------------------------------------------------------------------------
def eval_cases(cases: Iterable[Consensus]) -> list[dict[str, Any]]:
    """Consensus labels in the eval-case format `triage-demo eval --cases` reads."""
    return [{"id": c.case_id, "narrative": c.narrative, "esi": c.esi, "rationale": c.rationale} for c in cases]


def table(records: Iterable[LabelRecord], which: str = "records") -> "pd.DataFrame":
    """records: every stored row; consensus: one row per case; annotators: one row per expert."""
    import pandas as pd

    records = list(records)
    if which == "records":
        return pd.DataFrame([r.to_row() for r in records], columns=list(COLUMNS))
    if which == "consensus":
        rows = [{**asdict(c), "votes": json.dumps(c.votes), "annotators": ",".join(c.annotators)}
                for c in consensus(records)]
        return pd.DataFrame(rows, columns=[f for f in Consensus.__dataclass_fields__])
    if which == "annotators":
        rows = [{**asdict(s), "levels": json.dumps(s.levels)} for s in annotator_stats(records)]
        return pd.DataFrame(rows, columns=[f for f in AnnotatorStats.__dataclass_fields__])
    raise ValueError(f"table must be one of {', '.join(TABLES)}, got {which!r}")


def export(records: Iterable[LabelRecord], fmt: str, out: str | Path, which: str = "records") -> int:
    """Write `out`; jsonl = consensus eval cases, csv / parquet = `table(which)`. Returns the number of rows."""
    out = Path(out)
    if fmt == "jsonl":
        rows = eval_cases(consensus(records))
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return len(rows)
    frame = table(records, which)
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "parquet":
        frame.to_parquet(out, index=False)
    else:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    return len(frame)


def level_counts(cases: Iterable[Consensus]) -> dict[int, int]:
    counts = Counter(c.esi for c in cases)
    return {level: counts.get(level, 0) for level in ESI_LEVELS}
