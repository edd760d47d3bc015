"""Labels under attack and under failure, through the served app: invalid levels, missing rationales, forged
identities, double submissions, a full disk and an hour-long Hub outage. Nothing half-written, nothing lost,
and the person at the other end always gets a sentence, never a traceback.

(A level of 7, a whitespace rationale, a signed-in non-expert and a token-only anonymous caller of
/label_queue are in test_app_label.py.)
"""

from __future__ import annotations

import base64
import concurrent.futures
import errno
import json
import os
import subprocess
import types
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app_harness import Served, mocked_oauth_info, serve
from triage_demo.labels import store as store_module
from triage_demo.labels.service import LabelService
from triage_demo.labels.store import LabelStore
from triage_demo.settings import Settings
from triage_demo.testing.fake_hub import FakeHfApi

CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"
EXPERTS = ("drada", "nurse-kim")


def _settings(labels_dir: Path, **changes: Any) -> Settings:
    return Settings(labels_dir=labels_dir, examples_path=CASES, rate_limit_per_minute=0, experts=EXPERTS,
                    adjudicators=("chief",)).with_(**changes)


def _stored(labels_dir: Path) -> list:
    result = LabelStore(labels_dir).read_all()
    assert result.corrupt_lines == 0 and result.truncated_lines == 0, result.problems
    return result.records


class LoggedIn:
    """One app with OAuth logins for the validation and identity tests (each test labels its own cases)."""

    def __init__(self, served: Served, labels_dir: Path) -> None:
        self.served, self.labels_dir = served, labels_dir
        self._cookies: dict[str, str] = {}
        self._clients: dict[str, Client] = {}

    def cookie(self, user: str) -> str:
        """The session cookie of `user`, logged in once (the profile is read from the signed cookie)."""
        if user not in self._cookies:
            self._cookies[user] = self.served.login(user)
        return self._cookies[user]

    def client(self, user: str) -> Client:
        if user not in self._clients:
            self._clients[user] = self.served.client(self.cookie(user))
        return self._clients[user]

    def case_id(self, index: int) -> str:
        """The `index`-th case of the first expert's queue as it was when first asked (stable per test)."""
        return self.client("drada").predict(api_name="/label_queue")["cases"][index]["case_id"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggedIn]:
    labels_dir = tmp_path_factory.mktemp("labels")
    with pytest.MonkeyPatch.context() as mp:
        with serve(_settings(labels_dir), login=True, monkeypatch=mp) as served:
            yield LoggedIn(served, labels_dir)


# ---- invalid input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", [0, 6, "two", None, 2.5, True], ids=["0", "6", "two", "null", "2.5", "true"])
def test_invalid_levels_are_refused_by_every_label_endpoint(app: LoggedIn, level: object) -> None:
    before = len(_stored(app.labels_dir))
    case_id = app.case_id(0)
    with pytest.raises(AppError, match=r"ESI level must be an integer 1-5, got "):
        app.client("drada").predict(case_id, level, "because", [], api_name="/label_submit")
    with pytest.raises(AppError, match=r"ESI level must be an integer 1-5, got "):
        app.client("chief").predict(case_id, level, "final", api_name="/label_adjudicate")
    assert len(_stored(app.labels_dir)) == before


@pytest.mark.parametrize("rationale", ["", None, " \n\t "], ids=["empty", "null", "blank"])
def test_a_rationale_is_required_for_labels_and_rulings(app: LoggedIn, rationale: object) -> None:
    before = len(_stored(app.labels_dir))
    case_id = app.case_id(1)
    with pytest.raises(AppError, match="rationale is required"):
        app.client("drada").predict(case_id, 2, rationale, [], api_name="/label_submit")
    with pytest.raises(AppError, match="rationale is required"):
        app.client("chief").predict(case_id, 2, rationale, api_name="/label_adjudicate")
    # the page's own commit button says the same, on the page
    page = app.served.page_event("commit", case_id, 2, rationale, [], cookie=app.cookie("drada"))
    assert page.error is None and "rationale is required" in page.final[0]
    assert len(_stored(app.labels_dir)) == before


# ---- forged identities ---------------------------------------------------------------------------------------

FORGED_TOKEN = "hf_forged_token_claiming_drada"
#: Headers a proxy might set and a caller can always set: none of them is an identity here.
FORGED_HEADERS = {"Authorization": f"Bearer {FORGED_TOKEN}", "X-Forwarded-User": "drada",
                  "X-Remote-User": "drada", "X-Hf-User": "drada", "X-Forwarded-For": "10.0.0.1"}


def _forged_session_cookie(username: str) -> str:
    """A well-formed session cookie whose profile claims `username`, signed as Starlette signs it but with a key
    that is not the app's: what someone who guessed the format, but not the secret, can send."""
    from itsdangerous import TimestampSigner

    payload = base64.b64encode(json.dumps({"oauth_info": mocked_oauth_info(username)}).encode())
    return "session=" + TimestampSigner("not-the-apps-secret").sign(payload).decode()


@pytest.mark.parametrize("who", ["anonymous", "mallory", "forged-cookie"])
def test_a_forged_identity_cannot_label(app: LoggedIn, who: str) -> None:
    served = app.served
    before = len(_stored(app.labels_dir))
    case_id = app.case_id(2)
    session = {"anonymous": None, "mallory": app.cookie("mallory"),
               "forged-cookie": _forged_session_cookie("drada")}[who]
    headers = {**FORGED_HEADERS, **({"Cookie": session} if session else {})}
    client = Client(served.url, headers=headers, oauth_token=FORGED_TOKEN, verbose=False, download_files=False)
    refusal = "mallory, who is not on the expert list" if who == "mallory" else "TRIAGE_LOCAL_ANNOTATOR"
    for args, api in (((case_id, 1, "I am drada", []), "/label_submit"), ((case_id, 1, "final"), "/label_adjudicate"),
                      ((), "/label_queue")):
        with pytest.raises(AppError, match=refusal):
            client.predict(*args, api_name=api)
    # The page's own events, called directly with a token in the request body: refused the same way.
    page = served.page_event("commit", case_id, 1, "I am drada", [], cookie=session,
                             body={"oauth_token": FORGED_TOKEN})
    assert page.error is None and refusal in page.final[0]
    page = served.page_event("adjudicate", case_id, 1, "final", cookie=session, body={"oauth_token": FORGED_TOKEN})
    assert page.error is None and refusal in page.final[0]
    assert len(_stored(app.labels_dir)) == before


# ---- the same expert twice -----------------------------------------------------------------------------------

def test_a_second_submission_supersedes_and_counts_once(app: LoggedIn) -> None:
    case_id = app.case_id(3)
    expert = app.client("nurse-kim")
    first = expert.predict(case_id, 3, "looked stable", [], api_name="/label_submit")
    # A second commit through the API is refused; the page's revision (after seeing the models) supersedes.
    with pytest.raises(AppError, match="already labelled"):
        expert.predict(case_id, 2, "again", [], api_name="/label_submit")
    page = app.served.page_event("revise", case_id, 2, "hypotensive on recheck", cookie=app.cookie("nurse-kim"))
    assert page.error is None and "Revised: your ESI is now 2" in page.final[0]
    mine = [r for r in _stored(app.labels_dir) if r.case_id == case_id and r.annotator == "nurse-kim"]
    assert [r.expert_esi for r in mine] == [3, 2]  # both kept, in order
    assert mine[1].supersedes == first["record_id"]
    data = expert.predict(api_name="/dashboard_data")
    row = next(a for a in data["annotators"] if a["annotator"] == "nurse-kim")
    assert row["labels"] == 1 and row["levels"] == {"2": 1}  # one vote, the revised level


def test_a_double_click_stores_at_most_what_it_acknowledges_and_votes_once(app: LoggedIn) -> None:
    """Eight simultaneous commits of one expert on one case (a double-click, two tabs, a retrying script)."""
    case_id = app.case_id(5)
    client = app.client("drada")

    def commit(i: int) -> dict | str:
        try:
            return client.predict(case_id, 1 + i % 2, f"attempt {i}", [], api_name="/label_submit")
        except AppError as exc:
            return str(exc)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(commit, range(8)))
    accepted = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, str)]
    assert accepted and all("already labelled" in r for r in refused), refused
    mine = [r for r in _stored(app.labels_dir) if r.case_id == case_id and r.annotator == "drada"]
    assert sorted(r.record_id for r in mine) == sorted(a["record_id"] for a in accepted)  # nothing unacknowledged
    from triage_demo.labels.aggregate import consensus

    (case,) = [c for c in consensus(_stored(app.labels_dir)) if c.case_id == case_id]
    assert case.annotators.count("drada") == 1 and sum(case.votes.values()) == 1
    latest = max(mine, key=lambda r: (r.timestamp, r.record_id))
    assert case.esi == latest.expert_esi  # the newest submission is the vote


# ---- a full disk ---------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (needs root and mount permission, else skipped; the simulated case always runs)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to free the space)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _disk_full_round(served: Served, labels_dir: Path, fill: Callable[[], Callable[[], None]]) -> None:
    """Label one case on a full disk (refused with a message, nothing written), free the space, label again."""
    client = served.client()
    case_id = client.predict(api_name="/label_queue")["cases"][0]["case_id"]
    free = fill()
    with pytest.raises(AppError) as err:
        client.predict(case_id, 2, "high risk chest pain", [], api_name="/label_submit")
    message = str(err.value)
    assert "could not be saved" in message and "disk" in message, message
    assert "Traceback" not in message
    assert _stored(labels_dir) == []  # nothing half-written (the reader would count a partial line)
    page = served.page_event("commit", case_id, 2, "high risk chest pain", [])
    assert page.error is None and "could not be saved" in page.final[0]
    free()
    row = client.predict(case_id, 2, "high risk chest pain", [], api_name="/label_submit")
    second = client.predict(client.predict(api_name="/label_queue")["cases"][0]["case_id"], 4, "minor", [],
                            api_name="/label_submit")
    assert [r.record_id for r in _stored(labels_dir)] == [row["record_id"], second["record_id"]]


def test_a_full_disk_refuses_cleanly_and_recovers(tiny_disk: Path) -> None:
    labels_dir = tiny_disk / "labels"
    with serve(_settings(labels_dir, local_annotator="drada")) as served:
        def fill() -> Callable[[], None]:
            filler = _fill(tiny_disk)
            return filler.unlink

        _disk_full_round(served, labels_dir, fill)


class _FullDisk(types.ModuleType):
    """The `os` module as the label store sees it while the disk is full: a write stores part of the line, then
    nothing (ENOSPC), as a real file system does when it runs out mid-write. Everything else is the real `os`."""

    def __init__(self) -> None:
        super().__init__("os")
        self.full = False
        self.short_writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def write(self, fd: int, data: bytes) -> int:
        if not self.full:
            return os.write(fd, data)
        if self.short_writes == 0:
            self.short_writes += 1
            return os.write(fd, data[: len(data) // 3])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels_dir = tmp_path / "labels"
    disk = _FullDisk()
    monkeypatch.setattr(store_module, "os", disk)  # only the label store's writes see the full disk
    with serve(_settings(labels_dir, local_annotator="drada")) as served:
        def fill() -> Callable[[], None]:
            disk.full = True
            return lambda: setattr(disk, "full", False)

        _disk_full_round(served, labels_dir, fill)
    assert disk.short_writes == 1


# ---- the Hub down for an hour --------------------------------------------------------------------------------

REPO = "er-team/esi-labels"
TICK_MINUTES = 5.0  # the sync interval; an hour is 12 ticks


def test_an_hour_without_the_hub_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync's ticks are driven by hand (`flush()`: one push, which is all a scheduled tick does), so an hour
    passes in seconds. Labels keep coming through the app meanwhile; the dashboard counts what is waiting."""
    api = FakeHfApi(tmp_path / "hub")
    services: list[LabelService] = []
    original = LabelService.from_settings.__func__

    def with_fake_hub(cls: type, settings: Settings, hf_api: Any = None) -> LabelService:
        services.append(original(cls, settings, hf_api=api))
        return services[-1]

    monkeypatch.setattr(LabelService, "from_settings", classmethod(with_fake_hub))
    labels_dir = tmp_path / "labels"
    settings = _settings(labels_dir, local_annotator="drada", labels_repo=REPO, hf_token="hf_fake",
                         sync_every_minutes=TICK_MINUTES)
    with serve(settings) as served:
        (service,) = services
        sync = service.sync
        assert sync is not None
        assert sync.flush(timeout=30)  # up and synced before the outage
        client = served.client()
        api.down = True
        for minute in range(0, 60, int(TICK_MINUTES)):
            case_id = client.predict(api_name="/label_queue")["cases"][0]["case_id"]
            client.predict(case_id, 1 + minute % 5, f"label at minute {minute}", [], api_name="/label_submit")
            assert not sync.flush(timeout=30)  # this tick's push fails
        waiting = client.predict(api_name="/dashboard_data")["sync"]
        assert waiting.startswith(f"12 records not yet synced to {REPO} (last attempt failed: HfHubHTTPError")
        status = sync.status()
        assert status.pending_records == 12 and status.consecutive_failures == 12
        assert len(_stored(labels_dir)) == 12  # all on local disk all along
        api.down = False
        assert sync.flush(timeout=30)  # the first tick after the outage pushes everything
        assert client.predict(api_name="/dashboard_data")["sync"] == f"All labels are synced to {REPO}."
    local = {p.name: p.read_bytes() for p in (labels_dir / "data").glob("*.jsonl")}
    remote = {p.name: p.read_bytes() for p in (api.root / "datasets" / REPO / "data").glob("*.jsonl")}
    assert remote == local and sum(v.count(b"\n") for v in remote.values()) == 12
