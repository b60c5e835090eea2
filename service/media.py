"""Audio for the service: the app's media store, the speech pool, and each user's voice."""

from flask import current_app

from care.tables import Client
from media.store import MediaStore
from media.voice import VoiceSettings


def init_app(app) -> None:
    """Create the media store under HEARTH_MEDIA_DIR (the speech pool starts on first use)."""
    settings = app.config["HEARTH_SETTINGS"]
    app.extensions["hearth.media_store"] = MediaStore(
        settings.media_dir, max_bytes=settings.media_max_mb * 1024 * 1024
    )


def store() -> MediaStore:
    """The app's content-addressed media store."""
    return current_app.extensions["hearth.media_store"]


def pool():
    """None: media starts this process's shared speech pool (HEARTH_TTS_WORKERS workers) only
    when something must really be synthesised, so cache hits never spawn workers."""
    return None


def voice_settings(client: Client | None, *, voice=None, rate=None, pitch=None) -> VoiceSettings:
    """Explicit choices first, then the client's own settings, then the calm defaults."""
    defaults = VoiceSettings()
    return VoiceSettings(
        voice=voice or (client.voice if client else None) or defaults.voice,
        rate=rate or (client.speech_rate if client else None) or defaults.rate,
        pitch=pitch
        if pitch is not None
        else (
            client.speech_pitch if client and client.speech_pitch is not None else defaults.pitch
        ),
    )
