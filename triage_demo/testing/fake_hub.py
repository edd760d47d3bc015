"""FakeHfApi: a local stand-in for the Hugging Face Hub API, for tests and benchmarks (the Hub is unreachable here).

It implements the `HfApi` methods that `huggingface_hub.CommitScheduler` calls (checked against
huggingface_hub 2.4's `_commit_scheduler.py`: `create_repo`, `create_commit`, `run_as_future`), plus
`list_repo_files` and `snapshot_download` so a test can read back what was pushed, and what the retraining
pipeline calls: `upload_folder`, `create_tag`, `list_repo_refs`, `hf_hub_download`, `dataset_info`. It keeps the
protocol's behaviour that matters to a caller: repos must exist before a commit (404 otherwise), `create_repo` answers
409 unless `exist_ok`, a commit applies all its operations or none, background calls run one at a time in order
(like `HfApi.run_as_future`), and failures are raised as the real `HfHubHTTPError` with an HTTP response.

Faults are injected with `fail_next_commits(n)`, `fail_next_create_repo(n)` or `down = True` (every call fails,
as during an outage); `latency_s` adds a network round-trip to each call.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import httpx2
from huggingface_hub import CommitInfo, CommitOperationAdd, CommitOperationDelete
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError
from huggingface_hub.hf_api import RepoUrl

ENDPOINT = "https://huggingface.co"
R = TypeVar("R")


@dataclass
class FakeCommit:
    oid: str
    message: str
    paths: list[str]


@dataclass
class FakeRepo:
    repo_id: str
    repo_type: str
    private: bool
    commits: list[FakeCommit] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # tag name -> commit oid (create_tag)


class FakeHfApi:
    """Stores repos under `root/<repo_type>s/<owner>/<name>/` (the current tree) and keeps their commit history."""

    def __init__(self, root: str | Path, *, user: str = "fake-user", latency_s: float = 0.0) -> None:
        self.root = Path(root)
        self.user = user
        self.latency_s = latency_s
        self.down = False
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.calls: list[str] = []  # method names, in call order (tests assert on the protocol)
        self._commit_failures = 0
        self._create_repo_failures = 0
        self._lock = threading.Lock()
        self._thread_pool: ThreadPoolExecutor | None = None

    # --- fault injection -----------------------------------------------------------------------------------
    def fail_next_commits(self, n: int = 1) -> None:
        self._commit_failures = n

    def fail_next_create_repo(self, n: int = 1) -> None:
        self._create_repo_failures = n

    # --- the HfApi surface -----------------------------------------------------------------------------------
    def run_as_future(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> "Future[R]":
        """Like HfApi.run_as_future: one background worker, so queued jobs run one at a time, in order."""
        if self._thread_pool is None:
            self._thread_pool = ThreadPoolExecutor(max_workers=1)
        return self._thread_pool.submit(fn, *args, **kwargs)

    def create_repo(
        self,
        repo_id: str,
        *,
        token: str | bool | None = None,
        private: bool | None = None,
        repo_type: str | None = None,
        exist_ok: bool = False,
        **_: Any,
    ) -> RepoUrl:
        self._call("create_repo", "POST", "/api/repos/create")
        with self._lock:
            if self._create_repo_failures > 0:
                self._create_repo_failures -= 1
                raise _http_error(503, "POST", "/api/repos/create", "Service Unavailable (injected)")
        full_id = repo_id if "/" in repo_id else f"{self.user}/{repo_id}"
        kind = repo_type or "model"
        with self._lock:
            if (kind, full_id) in self.repos:
                if not exist_ok:
                    raise _http_error(409, "POST", "/api/repos/create", f"You already created this {kind} repo")
            else:
                self.repos[(kind, full_id)] = FakeRepo(full_id, kind, bool(private))
                self._tree(kind, full_id).mkdir(parents=True, exist_ok=True)
        prefix = "" if kind == "model" else f"{kind}s/"
        return RepoUrl(f"{ENDPOINT}/{prefix}{full_id}", endpoint=ENDPOINT)

    def create_commit(
        self,
        repo_id: str,
        operations: Iterable[CommitOperationAdd | CommitOperationDelete],
        *,
        commit_message: str,
        commit_description: str | None = None,
        token: str | bool | None = None,
        repo_type: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = None,
        num_threads: int = 5,
        parent_commit: str | None = None,
    ) -> CommitInfo:
        kind = repo_type or "model"
        path = f"/api/{kind}s/{repo_id}/commit/{revision or 'main'}"
        self._call("create_commit", "POST", path)
        repo = self._repo(kind, repo_id, "POST", path)
        if revision not in (None, "main"):
            raise _http_error(404, "POST", path, f"Invalid rev id: {revision}", RevisionNotFoundError)
        if not commit_message:
            raise ValueError("`commit_message` can't be empty, please pass a value.")
        # Read every operation before touching the tree: a commit lands whole or not at all.
        staged: list[tuple[str, bytes | None]] = []
        for op in operations:
            if isinstance(op, CommitOperationAdd):
                with op.as_file() as f:
                    staged.append((op.path_in_repo, f.read()))
            elif isinstance(op, CommitOperationDelete):
                staged.append((op.path_in_repo, None))
            else:
                raise TypeError(f"FakeHfApi does not support {type(op).__name__}")
        with self._lock:
            if self._commit_failures > 0:
                self._commit_failures -= 1
                raise _http_error(503, "POST", path, "Service Unavailable (injected)")
            tree = self._tree(kind, repo.repo_id)
            digest = hashlib.sha1()
            for rel, content in staged:
                target = tree / rel
                if content is None:
                    target.unlink(missing_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    tmp = target.with_name(target.name + ".tmp")
                    tmp.write_bytes(content)
                    tmp.replace(target)
                    digest.update(rel.encode() + content)
            oid = hashlib.sha1(f"{len(repo.commits)}:{digest.hexdigest()}".encode()).hexdigest()
            repo.commits.append(FakeCommit(oid, commit_message, [rel for rel, _ in staged]))
        prefix = "" if kind == "model" else f"{kind}s/"
        return CommitInfo(
            commit_url=f"{ENDPOINT}/{prefix}{repo.repo_id}/commit/{oid}",
            commit_message=commit_message,
            commit_description=commit_description or "",
            oid=oid,
        )

    def list_repo_files(
        self, repo_id: str, *, revision: str | None = None, repo_type: str | None = None, token: Any = None
    ) -> list[str]:
        kind = repo_type or "model"
        path = f"/api/{kind}s/{repo_id}/tree/{revision or 'main'}"
        self._call("list_repo_files", "GET", path)
        repo = self._repo(kind, repo_id, "GET", path)
        tree = self._tree(kind, repo.repo_id)
        return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())

    def snapshot_download(
        self, repo_id: str, *, repo_type: str | None = None, revision: str | None = None,
        local_dir: str | Path | None = None, **_: Any,
    ) -> str:
        """A copy of the repo's current tree (only the latest revision is kept)."""
        kind = repo_type or "model"
        path = f"/api/{kind}s/{repo_id}/revision/{revision or 'main'}"
        self._call("snapshot_download", "GET", path)
        repo = self._repo(kind, repo_id, "GET", path)
        if revision not in (None, "main") and (not repo.commits or revision != repo.commits[-1].oid):
            raise _http_error(404, "GET", path, f"Invalid rev id: {revision}", RevisionNotFoundError)
        target = Path(local_dir) if local_dir else Path(tempfile.mkdtemp(prefix="fake-hub-snapshot-"))
        shutil.copytree(self._tree(kind, repo.repo_id), target, dirs_exist_ok=True)
        return str(target)

    # --- used by the retraining pipeline (triage_demo/train): push + tag a model, read files and revisions ------
    def upload_folder(
        self,
        *,
        repo_id: str,
        folder_path: str | Path,
        path_in_repo: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        token: str | bool | None = None,
        repo_type: str | None = None,
        revision: str | None = None,
        allow_patterns: list[str] | str | None = None,
        ignore_patterns: list[str] | str | None = None,
        **_: Any,
    ) -> CommitInfo:
        """Like HfApi.upload_folder: every file under `folder_path` (minus the .git/.cache defaults) in one commit,
        message "Upload folder using huggingface_hub" unless given."""
        from huggingface_hub.utils import DEFAULT_IGNORE_PATTERNS, filter_repo_objects

        folder = Path(folder_path)
        if not folder.is_dir():
            raise ValueError(f"Provided path: '{folder}' is not a directory")
        ignore = [ignore_patterns] if isinstance(ignore_patterns, str) else list(ignore_patterns or [])
        rel_paths = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        chosen = filter_repo_objects(rel_paths, allow_patterns=allow_patterns,
                                     ignore_patterns=ignore + DEFAULT_IGNORE_PATTERNS)
        prefix = (path_in_repo or "").strip("/")
        operations = [CommitOperationAdd(path_in_repo=f"{prefix}/{rel}" if prefix else rel,
                                         path_or_fileobj=str(folder / rel)) for rel in chosen]
        return self.create_commit(  # type: ignore[return-value]
            repo_id, operations, commit_message=commit_message or "Upload folder using huggingface_hub",
            commit_description=commit_description, repo_type=repo_type, revision=revision,
        )

    def create_tag(
        self,
        repo_id: str,
        *,
        tag: str,
        tag_message: str | None = None,
        revision: str | None = None,
        token: bool | str | None = None,
        repo_type: str | None = None,
        exist_ok: bool = False,
    ) -> None:
        """Tag a commit (default: the head of main); 409 for an existing tag unless `exist_ok`, 404 for an unknown
        revision."""
        kind = repo_type or "model"
        path = f"/api/{kind}s/{repo_id}/tag/{revision or 'main'}"
        self._call("create_tag", "POST", path)
        repo = self._repo(kind, repo_id, "POST", path)
        with self._lock:
            oids = [c.oid for c in repo.commits]
            target = oids[-1] if revision in (None, "main") and oids else revision
            if target not in oids:
                raise _http_error(404, "POST", path, f"Invalid rev id: {revision}", RevisionNotFoundError)
            if tag in repo.tags:
                if exist_ok:
                    return
                raise _http_error(409, "POST", path, f"Tag {tag} already exists")
            repo.tags[tag] = target

    def list_repo_refs(self, repo_id: str, *, repo_type: str | None = None, **_: Any) -> Any:
        """GitRefs with the main branch and the tags."""
        from huggingface_hub.hf_api import GitRefInfo, GitRefs

        kind = repo_type or "model"
        path = f"/api/{kind}s/{repo_id}/refs"
        self._call("list_repo_refs", "GET", path)
        repo = self._repo(kind, repo_id, "GET", path)
        head = repo.commits[-1].oid if repo.commits else ""
        return GitRefs(branches=[GitRefInfo("main", "refs/heads/main", head)], converts=[],
                       tags=[GitRefInfo(t, f"refs/tags/{t}", oid) for t, oid in repo.tags.items()])

    def hf_hub_download(
        self, repo_id: str, filename: str, *, subfolder: str | None = None, repo_type: str | None = None,
        revision: str | None = None, local_dir: str | Path | None = None, **_: Any,
    ) -> str:
        """Path to a copy of one file of the current tree; the real RemoteEntryNotFoundError (404) when absent."""
        from huggingface_hub.errors import RemoteEntryNotFoundError

        kind = repo_type or "model"
        rel = f"{subfolder}/{filename}" if subfolder else filename
        path = f"/{'' if kind == 'model' else kind + 's/'}{repo_id}/resolve/{revision or 'main'}/{rel}"
        self._call("hf_hub_download", "GET", path)
        repo = self._repo(kind, repo_id, "GET", path)
        source = self._tree(kind, repo.repo_id) / rel
        if not source.is_file():
            raise _http_error(404, "GET", path, "Entry Not Found", RemoteEntryNotFoundError)
        target_dir = Path(local_dir) if local_dir else Path(tempfile.mkdtemp(prefix="fake-hub-download-"))
        target = target_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return str(target)

    def dataset_info(self, repo_id: str, *, revision: str | None = None, **_: Any) -> Any:
        """DatasetInfo whose `sha` is the head commit (or `revision`, if it is a known commit)."""
        from huggingface_hub.hf_api import DatasetInfo

        path = f"/api/datasets/{repo_id}/revision/{revision or 'main'}"
        self._call("dataset_info", "GET", path)
        repo = self._repo("dataset", repo_id, "GET", path)
        oids = [c.oid for c in repo.commits]
        if revision not in (None, "main") and revision not in oids:
            raise _http_error(404, "GET", path, f"Invalid rev id: {revision}", RevisionNotFoundError)
        sha = revision if revision not in (None, "main") else (oids[-1] if oids else None)
        return DatasetInfo(id=repo.repo_id, sha=sha, private=repo.private)

    # --- helpers ---------------------------------------------------------------------------------------------
    def _call(self, name: str, method: str, path: str) -> None:
        self.calls.append(name)
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.down:
            raise _http_error(503, method, path, "Service Unavailable (the fake Hub is down)")

    def _repo(self, kind: str, repo_id: str, method: str, path: str) -> FakeRepo:
        repo = self.repos.get((kind, repo_id))
        if repo is None:
            raise _http_error(404, method, path, "Repository Not Found", RepositoryNotFoundError)
        return repo

    def _tree(self, kind: str, repo_id: str) -> Path:
        return self.root / f"{kind}s" / repo_id


def _http_error(
    status: int, method: str, path: str, message: str, cls: type[HfHubHTTPError] = HfHubHTTPError
) -> HfHubHTTPError:
    request = httpx2.Request(method, ENDPOINT + path)
    return cls(f"{status} {message} for url: {ENDPOINT}{path}", response=httpx2.Response(status, request=request))
