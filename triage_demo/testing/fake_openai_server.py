"""FakeSGLangServer: a real HTTP server on loopback that speaks SGLang's OpenAI-compatible API, and misbehaves
on purpose.

SGLang needs a GPU, so tests and benchmarks use this stand-in. It is a FAKE: it does not run a model. What it
reproduces faithfully is the wire protocol the client depends on:

- `GET /health` (200, empty body), `GET /v1/models` (the served model name);
- `POST /v1/chat/completions`, plain JSON or SSE (`stream: true`, chunked transfer, `data: [DONE]`), with
  `stream_options.include_usage` giving a last chunk with empty `choices` and the `usage`;
- SGLang's extras: `regex` (the answer it emits must fully match the requested regex, else it answers 400 —
  a real SGLang can never break its own constraint), `logprobs`/`top_logprobs` in OpenAI's shape, `n` choices;
- errors in SGLang's/vLLM's JSON shape (`{"object": "error", "message", "type", "code"}`): 401 for a wrong
  `--api-key`, 404 for a model name it does not serve.

The answer it writes is the model card's format with a configurable level (`--esi`, or `--sample-esis` per
choice for `n > 1`), and at the answer digit it reports `--answer-probs` as the top log-probabilities.

Fault modes (`--mode`), for tests of a client's error handling and for load tests:
  ok             behave (after `--latency` seconds, if given)
  sleep          same as ok; `--latency` is the fixed time before the first byte of every response
  hang           read the request, never answer (a read timeout for the client)
  status         answer `--status` (default 500) to the first `--fail-first` requests (default: all), then ok
  non-json       answer 200 with an HTML body where JSON or SSE data is expected (a misconfigured proxy)
  cut            stop the stream half-way by closing the connection without ending the chunked body
  garbage        a valid protocol whose text has no answer (a broken or untrained model); `--garbage-tokens N`
                 makes it N tokens long (a model rambling until its token budget)
  ignore-extras  like `transformers serve`: ignores regex, logprobs and n; writes a chatty preamble
  no-accept      never accept connections, with a full listen backlog (a connect timeout for the client)

Run: `python -m triage_demo.testing.fake_openai_server --port 0 --mode sleep --latency 1.0`. It prints one
line `FakeSGLangServer listening on http://127.0.0.1:PORT/v1` when ready (port 0 picks a free port).
Standard library only, so it starts in well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from triage_demo.testing.processes import stop

MODES = ("ok", "sleep", "hang", "status", "non-json", "cut", "garbage", "ignore-extras", "no-accept")

#: The model card's output format, spelled out as the model writes it (independent of the package's code).
CARD_ANSWER = (
    "EXTRACTION:\n"
    "- Chief complaint: chest pain radiating to the left arm\n"
    "- Vital signs: BP 88/60, HR 118, RR 24, SpO2 91%\n"
    "- Red flags: hypotension, tachycardia, hypoxia\n"
    "ESI ALGORITHM:\n"
    "- Step A (lifesaving): no immediate lifesaving intervention\n"
    "- Step B (high-risk): yes, possible acute coronary syndrome\n"
    "- Step C (resources): many (ECG, labs, imaging)\n"
    "- Step D (vitals): danger-zone vitals\n"
    "ANSWER: ESI {esi}"
)
PREAMBLE = "Sure! Here is my assessment of this patient.\n\n"
GARBAGE = "qzx ### lorem ipsum 7/7 ::: ~~ the the the {{ }} ¿? 0xdeadbeef ... ... no answer here"
HTML_ERROR = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
_TOKEN = re.compile(r"\w+|\s|[^\w\s]")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}


@dataclass
class FakeConfig:
    mode: str = "ok"
    latency: float = 0.0
    status: int = 500
    fail_first: int | None = None  # None: every request fails in mode "status"
    retry_after: float | None = None
    served_model_name: str = "fake-model"
    api_key: str | None = None
    esi: int = 2
    sample_esis: tuple[int, ...] = ()
    answer_probs: tuple[float, ...] = (0.05, 0.80, 0.10, 0.04, 0.01)
    token_delay: float = 0.0
    garbage_tokens: int = 0  # mode garbage: 0 = the short GARBAGE text, else this many of its tokens
    requests: int = field(default=0)  # chat requests seen, for --fail-first


class HttpError(Exception):
    def __init__(self, status: int, message: str, err_type: str):
        super().__init__(message)
        self.status, self.message, self.err_type = status, message, err_type


class FakeSGLangServer:
    """The asyncio server. One instance per process; see the module docstring for the behaviour."""

    def __init__(self, config: FakeConfig):
        self.cfg = config

    # ---- HTTP plumbing ----------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # HTTP/1.1 keep-alive: several requests per connection
                request = await self._read_request(reader)
                if request is None:
                    break
                method, path, headers, body = request
                keep_open = await self._dispatch(method, path, headers, body, writer)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
        line = await reader.readline()
        if not line:
            return None
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
            k, _, v = h.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return method, path, headers, body

    @staticmethod
    def _head(status: int, content_type: str, extra: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", f"content-type: {content_type}"]
        lines += [f"{k}: {v}" for k, v in extra.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def _send(self, writer: asyncio.StreamWriter, status: int, payload: Any, *,
                    content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        writer.write(self._head(status, content_type, {"content-length": str(len(data)), **(headers or {})}) + data)
        await writer.drain()

    async def _send_error(self, writer: asyncio.StreamWriter, err: HttpError,
                          headers: dict[str, str] | None = None) -> None:
        body = {"object": "error", "message": err.message, "type": err.err_type, "param": None, "code": err.status}
        await self._send(writer, err.status, body, headers=headers)

    # ---- routes -----------------------------------------------------------------------------------

    async def _dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes,
                        writer: asyncio.StreamWriter) -> bool:
        """Answer one request; return False when the connection must be closed afterwards."""
        cfg = self.cfg
        if cfg.mode == "hang":
            await asyncio.Event().wait()  # until the client gives up and the connection is torn down
        if cfg.latency:
            await asyncio.sleep(cfg.latency)
        route = path.split("?", 1)[0]
        if method == "GET" and route == "/health":
            await self._send(writer, 200, b"", content_type="text/plain")
            return True
        try:
            self._check_key(headers)
            if method == "GET" and route == "/v1/models":
                await self._send(writer, 200, {"object": "list", "data": [
                    {"id": cfg.served_model_name, "object": "model", "created": 0, "owned_by": "sglang",
                     "root": cfg.served_model_name, "max_model_len": 8192}]})
                return True
            if method == "POST" and route == "/v1/chat/completions":
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    raise HttpError(400, "request body is not JSON", "BadRequestError") from None
                return await self._chat(req, writer)
            raise HttpError(404, f"Not Found: {method} {route}", "NotFoundError")
        except HttpError as err:
            retry = {"retry-after": f"{cfg.retry_after:g}"} if cfg.retry_after is not None else None
            await self._send_error(writer, err, retry)
            return True

    def _check_key(self, headers: dict[str, str]) -> None:
        if self.cfg.api_key is not None and headers.get("authorization") != f"Bearer {self.cfg.api_key}":
            raise HttpError(401, "Unauthorized", "AuthenticationError")

    async def _chat(self, req: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        cfg = self.cfg
        cfg.requests += 1
        if cfg.mode == "status" and (cfg.fail_first is None or cfg.requests <= cfg.fail_first):
            raise HttpError(cfg.status, f"fake failure {cfg.requests} (HTTP {cfg.status})", "InternalServerError")
        if req.get("model") != cfg.served_model_name:
            raise HttpError(404, f"The model `{req.get('model')}` does not exist.", "NotFoundError")
        if not isinstance(req.get("messages"), list) or not req["messages"]:
            raise HttpError(400, "messages must be a non-empty list", "BadRequestError")
        stream = bool(req.get("stream"))
        if cfg.mode == "non-json":
            ctype = "text/event-stream" if stream else "application/json"
            payload = f"data: {HTML_ERROR}\n\n" if stream else HTML_ERROR
            await self._send(writer, 200, payload.encode(), content_type=ctype)
            return True
        choices = self._choices(req)
        if stream:
            return await self._stream(req, choices, writer)
        if cfg.mode == "cut":  # promise a body, send half of it, hang up
            data = json.dumps(self._completion(req, choices)).encode()
            writer.write(self._head(200, "application/json", {"content-length": str(len(data))}) + data[:len(data) // 2])
            await writer.drain()
            return False
        await self._send(writer, 200, self._completion(req, choices))
        return True

    # ---- what the "model" says --------------------------------------------------------------------

    def _choices(self, req: dict[str, Any]) -> list[tuple[str, int | None]]:
        """(text, answer level) per choice, honouring regex and n as SGLang would (unless ignoring extras)."""
        cfg = self.cfg
        honour = cfg.mode != "ignore-extras"
        n = int(req.get("n") or 1) if honour else 1
        out: list[tuple[str, int | None]] = []
        for i in range(n):
            esi = cfg.sample_esis[i % len(cfg.sample_esis)] if cfg.sample_esis else cfg.esi
            if cfg.mode == "garbage":
                out.append((garbage_text(cfg.garbage_tokens), None))
                continue
            text = CARD_ANSWER.format(esi=esi)
            if not honour:
                text = PREAMBLE + text
            regex = req.get("regex")
            if honour and regex is not None and re.fullmatch(regex, text) is None:
                raise HttpError(400, "FakeSGLangServer: its canned answer does not satisfy the requested regex "
                                     "(a real SGLang would have generated a conforming one)", "BadRequestError")
            out.append((text, esi))
        return out

    def _logprob_entries(self, req: dict[str, Any], text: str, esi: int | None) -> list[dict[str, Any]] | None:
        """OpenAI-shaped `logprobs.content` for the tokens of `text`, or None when not asked / ignored."""
        if not req.get("logprobs") or self.cfg.mode == "ignore-extras":
            return None
        k = int(req.get("top_logprobs") or 0)
        tokens = _TOKEN.findall(text)
        digit_at = text.rfind("ANSWER: ESI ") + len("ANSWER: ESI ") if esi is not None else -1
        entries, pos = [], 0
        for tok in tokens:
            if pos == digit_at:
                probs = sorted(((str(lvl), p) for lvl, p in enumerate(self.cfg.answer_probs, 1) if p > 0),
                               key=lambda kv: -kv[1])
                chosen_p = self.cfg.answer_probs[int(tok) - 1] or 1e-9
                top = [(t, math.log(p)) for t, p in probs]
                chosen_lp = math.log(chosen_p)
            else:
                chosen_lp = -0.01
                top = [(tok, -0.01), (" the", -5.2), ("\n", -6.1), (",", -6.9), (" and", -7.4)]
            entries.append({
                "token": tok, "logprob": chosen_lp, "bytes": list(tok.encode()),
                "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in top[:k]],
            })
            pos += len(tok)
        return entries

    def _usage(self, req: dict[str, Any], choices: list[tuple[str, int | None]]) -> dict[str, int]:
        prompt = sum(len(_TOKEN.findall(str(m.get("content", "")))) for m in req["messages"])
        completion = sum(len(_TOKEN.findall(text)) for text, _ in choices)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _completion(self, req: dict[str, Any], choices: list[tuple[str, int | None]]) -> dict[str, Any]:
        return {
            "id": uuid.uuid4().hex, "object": "chat.completion", "created": int(time.time()),
            "model": self.cfg.served_model_name,
            "choices": [
                {"index": i, "message": {"role": "assistant", "content": text, "reasoning_content": None,
                                         "tool_calls": None},
                 "logprobs": ({"content": lp} if (lp := self._logprob_entries(req, text, esi)) is not None else None),
                 "finish_reason": "stop", "matched_stop": 1}
                for i, (text, esi) in enumerate(choices)
            ],
            "usage": self._usage(req, choices),
        }

    async def _stream(self, req: dict[str, Any], choices: list[tuple[str, int | None]],
                      writer: asyncio.StreamWriter) -> bool:
        cfg = self.cfg
        rid, created = uuid.uuid4().hex, int(time.time())
        writer.write(self._head(200, "text/event-stream", {"transfer-encoding": "chunked",
                                                            "cache-control": "no-cache"}))

        def chunk(choice_list: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
            event = {"id": rid, "object": "chat.completion.chunk", "created": created,
                     "model": cfg.served_model_name, "choices": choice_list, "usage": usage}
            data = f"data: {json.dumps(event)}\n\n".encode()
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        events: list[bytes] = []
        for i, (text, esi) in enumerate(choices):
            events.append(chunk([{"index": i, "delta": {"role": "assistant", "content": ""},
                                  "logprobs": None, "finish_reason": None}]))
            lps = self._logprob_entries(req, text, esi)
            for j, tok in enumerate(_TOKEN.findall(text)):  # one token per event, as SGLang streams
                lp = {"content": [lps[j]]} if lps is not None else None
                events.append(chunk([{"index": i, "delta": {"content": tok}, "logprobs": lp,
                                      "finish_reason": None}]))
            events.append(chunk([{"index": i, "delta": {}, "logprobs": None, "finish_reason": "stop",
                                  "matched_stop": 1}]))
        if (req.get("stream_options") or {}).get("include_usage"):
            events.append(chunk([], self._usage(req, choices)))
        done = b"data: [DONE]\n\n"
        events.append(f"{len(done):x}\r\n".encode() + done + b"\r\n")
        if cfg.mode == "cut":
            events = events[: len(events) // 2]
        for ev in events:
            writer.write(ev)
            if cfg.token_delay:
                await writer.drain()
                await asyncio.sleep(cfg.token_delay)
        await writer.drain()
        if cfg.mode == "cut":
            return False  # close without the terminating zero-length chunk
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


def garbage_text(tokens: int = 0) -> str:
    """GARBAGE, or exactly `tokens` of its tokens (as the fake counts them) repeated: a model that never answers."""
    if tokens <= 0:
        return GARBAGE
    parts = _TOKEN.findall(GARBAGE + " ")  # the space keeps repetitions from merging into one word
    return "".join(parts[i % len(parts)] for i in range(tokens))


def _full_backlog_socket(host: str, port: int) -> tuple[socket.socket, list[socket.socket]]:
    """A listening socket that never accepts, with its backlog filled so that new connects hang (Linux)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(0)
    fillers = []
    for _ in range(3):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(srv.getsockname())
        fillers.append(c)
    return srv, fillers


def _floats(v: str) -> tuple[float, ...]:
    return tuple(float(x) for x in v.split(",") if x.strip())


def _ints(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(",") if x.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed when ready)")
    p.add_argument("--mode", choices=MODES, default="ok")
    p.add_argument("--latency", type=float, default=0.0, help="seconds before the first byte of each response")
    p.add_argument("--status", type=int, default=500, help="HTTP status for --mode status")
    p.add_argument("--fail-first", type=int, default=None, help="--mode status: fail only the first K requests")
    p.add_argument("--retry-after", type=float, default=None, help="send Retry-After with errors")
    p.add_argument("--served-model-name", default="fake-model")
    p.add_argument("--api-key", default=None, help="require this bearer token (401 otherwise)")
    p.add_argument("--esi", type=int, default=2, choices=range(1, 6))
    p.add_argument("--sample-esis", type=_ints, default=(), help="level per choice for n > 1, e.g. 2,2,3")
    p.add_argument("--answer-probs", type=_floats, default=FakeConfig.answer_probs,
                   help="probabilities of levels 1..5 reported at the answer token")
    p.add_argument("--token-delay", type=float, default=0.0, help="seconds between streamed tokens")
    p.add_argument("--garbage-tokens", type=int, default=0, help="--mode garbage: answer with this many tokens")
    args = p.parse_args(argv)
    if len(args.answer_probs) != 5:
        p.error("--answer-probs needs five comma-separated numbers (levels 1..5)")
    return args


async def serve(args: argparse.Namespace) -> None:
    cfg = FakeConfig(mode=args.mode, latency=args.latency, status=args.status, fail_first=args.fail_first,
                     retry_after=args.retry_after, served_model_name=args.served_model_name,
                     api_key=args.api_key, esi=args.esi, sample_esis=args.sample_esis,
                     answer_probs=args.answer_probs, token_delay=args.token_delay,
                     garbage_tokens=args.garbage_tokens)
    if cfg.mode == "no-accept":
        srv, _fillers = _full_backlog_socket(args.host, args.port)
        port = srv.getsockname()[1]
        print(f"FakeSGLangServer listening on http://{args.host}:{port}/v1", flush=True)
        await asyncio.Event().wait()
        return
    server = await asyncio.start_server(FakeSGLangServer(cfg).handle, args.host, args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"FakeSGLangServer listening on http://{args.host}:{port}/v1", flush=True)
    async with server:
        await server.serve_forever()


@contextmanager
def running(*args: str) -> Iterator[str]:
    """Run the fake in a child process with these CLI arguments; yield its base URL (ending in /v1); stop it.

    A separate process, not a thread, so that the client under test and the server never share an event loop
    or the GIL, as with a real server.
    """
    proc = subprocess.Popen([sys.executable, "-m", "triage_demo.testing.fake_openai_server", "--port", "0", *args],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""  # the ready line, or "" if it died (stderr shows why)
        if "listening on " not in line:
            raise RuntimeError(f"FakeSGLangServer did not start with arguments {args}")
        yield line.rsplit("listening on ", 1)[1].strip()
    finally:
        stop(proc, grace_s=5)


def main(argv: list[str] | None = None) -> int:
    try:
        asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
