"""Expert labels: de-identification, the record schema, a durable local store, Hub sync and aggregation.

Names are loaded lazily so that importing the package (the CLI does, to register its commands) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LabelRecord": "record",
    "ModelOutput": "record",
    "make_record": "record",
    "SCHEMA_VERSION": "record",
    "LabelStore": "store",
    "ReadResult": "store",
    "latest_labels": "store",
    "LabelSync": "sync",
    "SyncStatus": "sync",
    "LabelService": "service",
    "deidentify": "deid",
    "deid_text": "deid",
    "consensus": "aggregate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
