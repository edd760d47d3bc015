"""ESI Triage Studio: research demo, expert labelling and GRPO retraining around a MedGemma ESI triage model.

Research use only. Never use these outputs for clinical decisions.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "Research use only. Not a medical device, not validated for clinical use, "
    "and never a substitute for a triage nurse's or physician's judgement."
)
