"""Settings: embedded defaults work; a bad value stops the start with one line naming it."""

import subprocess
import sys

import pytest

from service import settings


def test_embedded_defaults_live_in_the_instance_folder(tmp_path):
    loaded = settings.load({"HEARTH_INSTANCE_DIR": str(tmp_path)})
    assert loaded.database_url == f"sqlite:///{tmp_path / 'hearth.db'}"
    assert loaded.media_dir == tmp_path / "media"
    assert len(loaded.secret_key) >= 32
    # The generated key is kept, so sessions survive a restart.
    assert settings.load({"HEARTH_INSTANCE_DIR": str(tmp_path)}).secret_key == loaded.secret_key


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HEARTH_SECRET_KEY", "short"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("HEARTH_BASE_URL", "ftp://example.org"),
        ("HEARTH_MAX_BODY_BYTES", "lots"),
        ("HEARTH_TOKEN_TTL_HOURS", "0"),
        ("HEARTH_LOG_FORMAT", "xml"),
    ],
)
def test_invalid_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(settings.SettingsError) as caught:
        settings.load({"HEARTH_INSTANCE_DIR": str(tmp_path), name: value})
    assert name in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_prints_one_clear_line_for_bad_settings(tmp_path):
    env = {
        "HEARTH_INSTANCE_DIR": str(tmp_path),
        "HEARTH_BASE_URL": "not a url",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "service.app.console", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[-1]] and "HEARTH_BASE_URL" in lines[0]


def test_an_smtp_login_without_tls_stops_the_start(tmp_path):
    env = {
        "HEARTH_INSTANCE_DIR": str(tmp_path),
        "HEARTH_SMTP_HOST": "mail.test",
        "HEARTH_SMTP_USER": "care",
        "HEARTH_SMTP_PASSWORD": "secret",
        "HEARTH_SMTP_TLS": "none",
    }
    with pytest.raises(settings.SettingsError, match="HEARTH_SMTP_USER needs TLS"):
        settings.load(env)
    with pytest.raises(settings.SettingsError, match="HEARTH_SMTP_TLS"):
        settings.load({**env, "HEARTH_SMTP_TLS": "maybe"})
    assert (
        settings.load({**env, "HEARTH_SMTP_TLS": "implicit"}).smtp["HEARTH_SMTP_TLS"] == "implicit"
    )
