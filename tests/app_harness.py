"""Serve the real app on 127.0.0.1 for tests: launch, log in through Gradio's mocked OAuth flow, tear down.

Shared by tests/test_app_*.py and tests/test_browser.py. Nothing here is faked except the Hub login:
Gradio's own mocked OAuth routes run, with the profile they hand out set by the test instead of by a network
`whoami` (the Hub cannot be reached from CI).
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import gradio as gr
import gradio.oauth
import httpx
from gradio_client import Client
from gradio_client.utils import apply_diff

from triage_demo.settings import Settings
from triage_demo.ui.page import build_app, build_context, launch_options


def mocked_oauth_info(username: str, orgs: list[str] | None = None) -> dict[str, Any]:
    """What gradio.oauth._get_mocked_oauth_info returns, for a user of our choosing (same keys as Gradio's)."""
    userinfo: dict[str, Any] = {
        "sub": "11111111111111111111111", "name": username.title(), "preferred_username": username,
        "profile": f"https://huggingface.co/{username}", "picture": "", "website": "",
        "aud": "00000000-0000-0000-0000-000000000000", "auth_time": 1691672844, "nonce": "n",
        "iat": 1691672844, "exp": 1691676444, "iss": "https://huggingface.co",
    }
    if orgs is not None:
        userinfo["orgs"] = [{"sub": o, "name": o, "preferred_username": o, "picture": "", "isEnterprise": False}
                            for o in orgs]
    return {
        "access_token": "mock-oauth-token-for-local-dev", "token_type": "bearer", "expires_in": 3600,
        "id_token": "AAAA", "scope": "openid profile", "expires_at": int(time.time()) + 3600,
        "userinfo": userinfo,
    }


@dataclass
class PageEvent:
    """One run of a page event as the browser saw it: every frame of outputs (diffs applied), or the error."""

    frames: list[list[Any]]
    error: str | None
    seconds: float

    @property
    def final(self) -> list[Any]:
        assert self.frames, f"no output frame (error: {self.error!r})"
        return self.frames[-1]


@dataclass
class Served:
    """A running app: its URL, and the mutable profile its mocked login hands out next."""

    url: str
    demo: gr.Blocks
    _login_info: dict[str, Any] = field(default_factory=dict)

    def client(self, cookie: str | None = None) -> Client:
        headers = {"Cookie": cookie} if cookie else None
        return Client(self.url, headers=headers, verbose=False, download_files=False)

    def login(self, username: str, orgs: list[str] | None = None) -> str:
        """Log in as `username` through the app's /login/callback; return the Cookie header value."""
        self._login_info.clear()
        self._login_info.update(mocked_oauth_info(username, orgs))
        resp = httpx.get(f"{self.url.rstrip('/')}/login/callback", follow_redirects=False, timeout=10)
        assert resp.status_code in (302, 307), resp.text
        # The session cookie is `Secure`, so a cookie jar would not send it over http; pass it by hand.
        set_cookie = resp.headers["set-cookie"]
        return set_cookie.split(";", 1)[0]

    def page_event(self, api_name: str, *data: Any, cookie: str | None = None, timeout: float = 60.0,
                   body: dict[str, Any] | None = None) -> PageEvent:
        """Run one of the page's own events (e.g. "triage_page") exactly as the browser does: POST
        /gradio_api/queue/join with its fn_index, then read the SSE stream. gradio_client refuses these events
        (they are private), but the page calls them and so can anyone. `body` adds fields to the join request."""
        fn_index = next(i for i, fn in self.demo.fns.items() if fn.api_name == api_name)
        session = uuid.uuid4().hex
        base = self.url.rstrip("/") + "/gradio_api"
        headers = {"Cookie": cookie} if cookie else {}
        frames: list[list[Any]] = []
        error: str | None = None
        start = time.perf_counter()
        with httpx.Client(timeout=timeout, headers=headers) as http:
            join = http.post(f"{base}/queue/join", json={"data": list(data), "fn_index": fn_index,
                                                        "session_hash": session, "event_data": None,
                                                        "trigger_id": None, **(body or {})})
            join.raise_for_status()
            with http.stream("GET", f"{base}/queue/data", params={"session_hash": session}) as stream:
                for line in stream.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    msg = json.loads(line[len("data:"):])
                    kind = msg.get("msg")
                    if kind == "process_generating":
                        out = msg["output"]["data"]
                        frames.append(out if not frames else
                                      [apply_diff(prev, diff) for prev, diff in zip(frames[-1], out, strict=True)])
                    elif kind == "process_completed":
                        if msg.get("success"):
                            frames.append(msg["output"]["data"])
                        else:
                            error = str(msg.get("output", {}).get("error"))
                        break
        return PageEvent(frames=frames, error=error, seconds=time.perf_counter() - start)


@contextmanager
def serve(settings: Settings, *, login: bool = False, monkeypatch: Any = None) -> Iterator[Served]:
    """Build the app from `settings` (real backends), launch it on loopback, yield it, close everything."""
    info: dict[str, Any] = {}
    if login:
        assert monkeypatch is not None, "login needs pytest's monkeypatch to replace the Hub whoami"
        info.update(mocked_oauth_info("nobody"))
        monkeypatch.setattr(gradio.oauth, "_get_mocked_oauth_info", lambda: info)
    with tempfile.TemporaryDirectory(prefix="labels-") as scratch:
        if settings.labels_dir == Settings().labels_dir:  # never write labels into the checkout
            settings = settings.with_(labels_dir=Path(scratch))
        ctx = build_context(settings)
        demo = build_app(ctx, login=login)
        _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True,
                                **launch_options(settings))
        try:
            yield Served(url=url, demo=demo, _login_info=info)
        finally:
            demo.close()
            ctx.close()
