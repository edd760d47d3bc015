"""Models and labels live in a local folder or in a Hub repo; this module tells which and words Hub failures.

`--model` and `--labels` take either. A path-looking value that does not exist is a typo, not a repo id, and
gets "not found" instead of a confusing Hub lookup; Hub and network failures become one-line ValueErrors the
CLI prints, naming what was being fetched.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def local_folder(spec: str, what: str) -> Path | None:
    """The folder `spec` names, or None when `spec` is a Hub repo id. Raises FileNotFoundError for a path that
    does not exist (it starts with /, ., ~ or is not of the form owner/name)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise FileNotFoundError(f"{what} {spec} is a file; expected a folder or a Hub repo id")
    if spec.startswith(("/", ".", "~")) or spec.count("/") != 1:
        raise FileNotFoundError(f"{what} {spec} not found (neither a local folder nor a Hub repo id owner/name)")
    return None


def _network_errors() -> tuple[type[BaseException], ...]:
    """OSError (HfHubHTTPError, OfflineModeIsEnabled) and the HTTP client's transport errors: huggingface_hub 2.x
    talks through `httpx2`, 1.x through `httpx`."""
    errors: list[type[BaseException]] = [OSError]
    for name in ("httpx2", "httpx"):
        try:
            errors.append(importlib.import_module(name).HTTPError)
        except ImportError:
            continue
    return tuple(errors)


def call(what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, with Hub/network errors turned into a ValueError that says what failed."""
    try:
        return fn(*args, **kwargs)
    except _network_errors() as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{what}: {first_line}") from exc
