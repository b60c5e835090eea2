"""The backup folder's format without an app: the manifest, the paths it may name, checksums
of the very bytes copied, and which media-store names are media."""

from datetime import UTC, datetime

import pytest

from service.cli.archive import (
    DATABASE,
    FORMAT,
    build_manifest,
    digest,
    manifest_problem,
    safe_relative,
)
from service.cli.backup import is_media_name, megabytes

GOOD = {"path": DATABASE, "size": 3, "sha256": "a" * 64}


def test_a_built_manifest_is_one_restore_accepts():
    when = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    manifest = build_manifest(when, "0007", [GOOD])
    assert manifest["format"] == FORMAT and manifest["schema_revision"] == "0007"
    assert manifest["created_at"] == "2026-03-01T08:30:15Z"
    assert manifest["files"] == [GOOD] and manifest["hearth_version"]
    assert manifest_problem(manifest) is None


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ([], "is not a hearth-backup/1 manifest"),
        ({"format": "hearth-backup/2", "files": [GOOD]}, "is not a hearth-backup/1 manifest"),
        ({"format": FORMAT, "files": "hearth.db"}, "does not list hearth.db"),
        ({"format": FORMAT, "files": [{**GOOD, "path": "media/a.mp3"}]}, "does not list"),
        ({"format": FORMAT, "files": [GOOD, {**GOOD, "path": "../etc/passwd"}]}, "damaged"),
        ({"format": FORMAT, "files": [GOOD, {**GOOD, "path": "/etc/passwd"}]}, "damaged"),
        ({"format": FORMAT, "files": [GOOD, {**GOOD, "size": "3"}]}, "damaged"),
        ({"format": FORMAT, "files": [GOOD, {**GOOD, "sha256": "A" * 64}]}, "damaged"),
        ({"format": FORMAT, "files": [GOOD, {**GOOD, "sha256": "a" * 63}]}, "damaged"),
        ({"format": FORMAT, "files": [GOOD, "hearth.db"]}, "damaged"),
    ],
)
def test_a_manifest_restore_cannot_trust_is_named(manifest, words):
    assert words in manifest_problem(manifest)


def test_only_plain_relative_paths_are_safe():
    assert safe_relative("hearth.db") and safe_relative("media/ab/cd.mp3")
    for path in ("", "/hearth.db", "../hearth.db", "media/../../x"):
        assert not safe_relative(path)


def test_digest_counts_the_bytes_it_copies(tmp_path):
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * (1024 * 1024 + 5))  # more than one read chunk
    size, sha256 = digest(source, tmp_path / "copy.bin")
    assert size == 1024 * 1024 + 5 and len(sha256) == 64
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    assert digest(tmp_path / "copy.bin") == (size, sha256)


def test_media_store_bookkeeping_is_not_media():
    assert is_media_name("ab12.mp3")
    assert not is_media_name(".tmp-ab12.mp3.123") and not is_media_name(".locks")
    assert megabytes(2_345_678) == "2.3 MB"
