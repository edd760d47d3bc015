"""Deterministic ESI v4 rule engine: `assess(narrative)` -> `Assessment` with the evidence for every step.

Research use only; never a clinical decision aid. It exists as a transparent baseline for the model, as the
"rules" backend, and as a safety net that flags model answers less acute than what the note makes certain.

Documented choices where ESI v4 leaves room for judgement:
- Severe pain: pain >= 7/10 is ESI 2 only with visible distress (writhing, pacing, unable to sit still,
  moaning, diaphoretic; crying counts for adults only) or pain described as excruciating/writhing in itself;
  sickle cell pain crises are always ESI 2. Pain >= 7 in a calm patient goes on to resource counting.
- Chest pain: ESI 2 with a cardiac feature, or at age >= 30 unless clearly chest-wall/pleuritic.
- Resources: ECG and X-ray are two types; a complex procedure (procedural sedation) counts as two.
- Danger zone: a breach on the >= 2 resources branch is applied as ESI 2 (the handbook says "consider").
- Paediatric fever: 1-28 days -> ESI 2 and a floor; 1-3 months -> ESI 2; 3 months-3 years with T > 39.0 C and
  no obvious source or incomplete immunisations -> at least ESI 3.
- A reversal drug that already worked (naloxone, dextrose, adenosine, epinephrine, "now alert") is ESI 2.
- The safety floor (`min_esi`) is narrower than the algorithm: floor 1 for arrest, apnoea, intubation/BVM,
  GCS <= 8, P/U on AVPU, SpO2 < 85 % or < 90 % with respiratory distress; floor 2 for the certain ESI 2
  findings listed in `highrisk`, severe danger-zone vitals and SpO2 < 92 %.
Version differences: v5 counts IM epinephrine for anaphylaxis as life-saving; this engine does the same when
the reaction has not yet responded.
"""

from triage_demo.esi.engine import assess
from triage_demo.esi.model import Assessment, Finding, Vitals

__all__ = ["assess", "Assessment", "Finding", "Vitals"]
