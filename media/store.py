"""A content-addressed media cache: atomic writes, one render per key, LRU size bound.

Layout under the root: `<key>.<ext>` for finished files (an entry is every file sharing a
key, e.g. `.wav`, `.json`, `.vtt`), `.tmp-*` for writes in progress, `.locks/<key>.lock` for
the per-key locks. Locks are fcntl.flock locks, so they hold across threads (each lock opens
its own file description) and across processes on the same machine.
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from media.errors import StoreUnavailable

_KEY = re.compile(r"[0-9a-f]{64}")
_EXT = re.compile(r"[a-z0-9]{1,8}")
FILE_MODE = 0o644
STALE_TEMP_SECONDS = 24 * 3600  # a temp file this old belongs to a writer that crashed

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than the file system allows",
    errno.EACCES: "permission denied (the service's user cannot write there)",
    errno.EPERM: "permission denied (the service's user cannot write there)",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "part of the path is a file, not a directory",
    errno.EEXIST: "the path is a file, not a directory",
}


def _unavailable(path: Path, error: OSError) -> StoreUnavailable:
    return StoreUnavailable(path, _REASONS.get(error.errno, error.strerror or str(error)))


class MediaStore:
    """Rendered media under `root`, kept below `max_bytes` by evicting least recently used."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be above 0")
        self.root = Path(root)
        self.max_bytes = max_bytes

    @staticmethod
    def key(**parts) -> str:
        """sha256 hex of the parts as canonical JSON (sorted keys, no spaces)."""
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def path(self, key: str, ext: str) -> Path:
        """Where the finished file for `key` and `ext` lives (it may not exist)."""
        if not _KEY.fullmatch(key) or not _EXT.fullmatch(ext):
            raise ValueError(f"not a store key and extension: {key!r}, {ext!r}")
        return self.root / f"{key}.{ext}"

    def get(self, key: str, ext: str) -> Path | None:
        """The finished file, touched as recently used, or None."""
        path = self.path(key, ext)
        try:
            os.utime(path)  # the LRU clock: eviction goes by modification time
        except FileNotFoundError:
            return None
        except OSError:
            # A read-only store can still serve what it has; it just cannot track recency.
            if not path.is_file():
                return None
        return path

    def _ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / ".locks").mkdir(exist_ok=True)
        except OSError as error:
            raise _unavailable(self.root, error) from error

    def put_atomic(self, key: str, ext: str, writer: Callable[[Path], None]) -> Path:
        """Have `writer(temp_path)` write the file, then fsync and rename it into place."""
        final = self.path(key, ext)
        self._ensure_root()
        try:
            fd, name = tempfile.mkstemp(prefix=f".tmp-{key}.", suffix=f".{ext}", dir=self.root)
            os.close(fd)
        except OSError as error:
            raise _unavailable(self.root, error) from error
        temp = Path(name)
        try:
            writer(temp)
            # mkstemp makes files 0600; media is not secret (the key is the only way to name
            # it) and a proxy or the scheduler under another user may need to read it.
            os.chmod(temp, FILE_MODE)
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)  # the data is on disk before the name says it is finished
            finally:
                os.close(fd)
            os.replace(temp, final)
            self._fsync_root()
        except OSError as error:
            temp.unlink(missing_ok=True)
            if error.errno in _REASONS:
                raise _unavailable(self.root, error) from error
            raise
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return final

    def put_bytes(self, key: str, ext: str, data: bytes) -> Path:
        """Store `data` atomically as the file for `key` and `ext`."""
        return self.put_atomic(key, ext, lambda path: path.write_bytes(data))

    def _fsync_root(self) -> None:
        # Makes the rename itself durable; some file systems refuse fsync on directories.
        with contextlib.suppress(OSError):
            fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _lock_path(self, key: str) -> Path:
        self.path(key, "lock")  # validates the key
        return self.root / ".locks" / f"{key}.lock"

    @contextlib.contextmanager
    def lock(self, key: str, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the key's lock (threads and processes); yields False if not blocking and busy."""
        self._ensure_root()
        path = self._lock_path(key)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise _unavailable(self.root, error) from error
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                yield False
                return
            except BaseException:
                os.close(fd)
                raise
            # Eviction unlinks lock files it holds; a lock on an unlinked file guards nothing,
            # so make sure the file we locked is still the one at the path.
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        try:
            yield True
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _entries(self) -> dict[str, list[tuple[Path, os.stat_result]]]:
        """Finished files grouped by key: key -> [(path, stat), ...]; removes stale temps."""
        entries: dict[str, list] = {}
        now = time.time()
        try:
            scan = list(os.scandir(self.root))
        except FileNotFoundError:
            return entries
        for entry in scan:
            with contextlib.suppress(FileNotFoundError):
                if entry.name.startswith(".tmp-"):
                    if now - entry.stat().st_mtime > STALE_TEMP_SECONDS:
                        os.unlink(entry.path)
                    continue
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                key = entry.name.split(".", 1)[0]
                entries.setdefault(key, []).append((Path(entry.path), entry.stat()))
        return entries

    def total_bytes(self) -> int:
        """Bytes used by finished files."""
        return sum(st.st_size for files in self._entries().values() for _, st in files)

    def remove_mentioning(self, words: list[str]) -> int:
        """Remove every entry whose captions or timeline mention one of `words` (a client's
        names and touch phrase, at erasure); returns how many entries went. Entries being
        written right now are skipped; a later erasure pass or eviction takes them."""
        wanted = [w for w in (w.strip() for w in words) if len(w) >= 2]
        if not wanted:
            return 0
        removed = 0
        for key, files in self._entries().items():
            if not _KEY.fullmatch(key):
                continue
            texts = [p for p, _ in files if p.suffix in (".json", ".vtt")]
            if not any(_mentions(p, wanted) for p in texts):
                continue
            with self.lock(key, blocking=False) as held:
                if not held:
                    continue
                for path, _ in files:
                    path.unlink(missing_ok=True)
                self._lock_path(key).unlink(missing_ok=True)
                removed += 1
        return removed

    def evict(self) -> list[Path]:
        """Remove least recently used entries until the total is within max_bytes."""
        entries = self._entries()
        total = sum(st.st_size for files in entries.values() for _, st in files)
        removed: list[Path] = []
        by_age = sorted(entries.items(), key=lambda kv: max(st.st_mtime for _, st in kv[1]))
        for key, files in by_age:
            if total <= self.max_bytes:
                break
            if not _KEY.fullmatch(key):
                continue  # not ours; leave it alone
            with self.lock(key, blocking=False) as held:
                if not held:
                    continue  # being rendered or encoded right now
                newest = max(st.st_mtime for _, st in files)
                current = [p for p, _ in files if p.exists()]
                if any(p.stat().st_mtime > newest for p in current):
                    continue  # used or rewritten since the scan: no longer the oldest
                for path in current:
                    path.unlink(missing_ok=True)
                    removed.append(path)
                self._lock_path(key).unlink(missing_ok=True)
                total -= sum(st.st_size for _, st in files)
        return removed


def _mentions(path: Path, words: list[str]) -> bool:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return False
    return any(word in text for word in words)
