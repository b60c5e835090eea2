"""The content-addressed store: keys, atomic writes, locks, LRU eviction, bad directories."""

import errno
import os
import subprocess
import sys
import time

import pytest

from media.errors import StoreUnavailable
from media.store import MediaStore


def entry(store: MediaStore, name: str, size: int, age: float) -> str:
    """Put a `size`-byte entry (file plus sidecar) last used `age` seconds ago; its key."""
    key = store.key(name=name)
    path = store.put_bytes(key, "wav", b"x" * size)
    side = store.put_bytes(key, "json", b"{}")
    then = time.time() - age
    for p in (path, side):
        os.utime(p, (then, then))
    return key


def leftovers(root) -> list[str]:
    """Every file under root except lock files."""
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix != ".lock"
    )


def test_keys_are_canonical_and_cover_every_part():
    a = MediaStore.key(level=1, voice="gmw/en", person={"name": "Sam", "touch": None})
    b = MediaStore.key(person={"touch": None, "name": "Sam"}, voice="gmw/en", level=1)
    assert a == b and len(a) == 64
    assert a != MediaStore.key(level=1, voice="gmw/en", person={"name": "Sam", "touch": "mug"})


def test_paths_refuse_anything_but_keys(store):
    with pytest.raises(ValueError):
        store.path("../../etc/passwd", "wav")
    with pytest.raises(ValueError):
        store.path(store.key(a=1), "wav/../x")


def test_put_and_get_touch_the_file(store):
    key = entry(store, "a", 10, age=1000)
    before = store.path(key, "wav").stat().st_mtime
    assert store.get(key, "wav") == store.path(key, "wav")
    assert store.path(key, "wav").stat().st_mtime > before
    assert store.get(key, "mp3") is None
    assert store.path(key, "wav").stat().st_mode & 0o777 == 0o644  # readable by a proxy


def test_eviction_keeps_the_bound_and_the_most_recently_used(store):
    store.max_bytes = 2500
    old = entry(store, "old", 1000, age=300)
    middle = entry(store, "middle", 1000, age=200)
    store.get(old, "wav")  # used just now: no longer the least recently used
    newest = entry(store, "newest", 1000, age=0)
    removed = store.evict()
    assert store.total_bytes() <= 2500
    assert {p.name.split(".")[0] for p in removed} == {middle}
    assert store.get(old, "wav") and store.get(newest, "wav")
    assert store.get(middle, "json") is None  # the entry goes as a whole


def test_eviction_skips_an_entry_being_written(store):
    store.max_bytes = 1500
    busy = entry(store, "busy", 1000, age=500)
    idle = entry(store, "idle", 1000, age=100)
    with store.lock(busy):
        store.evict()
    assert store.get(busy, "wav") is not None
    assert store.get(idle, "wav") is None


def test_eviction_removes_stale_temporary_files_only(store):
    entry(store, "a", 10, age=0)
    stale = store.root / f".tmp-{store.key(a=2)}.abc.wav"
    fresh = store.root / f".tmp-{store.key(a=3)}.def.wav"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    store.evict()
    assert not stale.exists() and fresh.exists()


def test_lock_holds_across_processes(store):
    key = store.key(a=1)
    with store.lock(key):
        pass  # creates the lock file
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('held', flush=True); time.sleep(30)",
            str(store.root / ".locks" / f"{key}.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with store.lock(key, blocking=False) as held:
            assert held is False
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with store.lock(key, blocking=False) as held:
        assert held is True


def test_root_under_a_regular_file_is_unavailable_even_as_root(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    store = MediaStore(blocker / "media", 10**6)
    with pytest.raises(StoreUnavailable, match="not a directory") as caught:
        store.put_bytes(store.key(a=1), "wav", b"data")
    assert str(blocker / "media") in str(caught.value)
    assert blocker.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod 0o500")
def test_read_only_directory_is_unavailable(store):
    store.root.mkdir(parents=True)
    store.root.chmod(0o500)
    try:
        with pytest.raises(StoreUnavailable, match="permission denied"):
            store.put_bytes(store.key(a=1), "wav", b"data")
    finally:
        store.root.chmod(0o700)


def test_full_disk_is_unavailable_and_leaves_nothing(store):
    def fill_up(path):
        path.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StoreUnavailable, match="the disk is full"):
        store.put_atomic(store.key(a=1), "wav", fill_up)
    assert leftovers(store.root) == []


def test_a_failing_writer_leaves_nothing_and_keeps_its_error(store):
    def broken(path):
        path.write_bytes(b"partial")
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError, match="encoder crashed"):
        store.put_atomic(store.key(a=1), "wav", broken)
    assert leftovers(store.root) == []
