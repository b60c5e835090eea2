"""Audio for the service: the app's media store, the speech pool, and each user's voice."""

from flask import current_app

from care.tables import Client
from media.speech import catalogue
from media.speech.pool import SharedPool
from media.speech.voices import VoiceSettings
from media.store import MediaStore


def init_app(app) -> None:
    """The media store and the speech pool handle, from the media part of the app's settings."""
    settings = app.config["HEARTH_SETTINGS"].media()
    catalogue.configure(settings.voices_dirs)
    app.extensions["hearth.media_store"] = MediaStore(settings.media_dir, settings.max_bytes)
    # A handle only: the process's speech workers start when something must really be
    # synthesised, so cache hits never spawn them.
    app.extensions["hearth.speech_pool"] = SharedPool(settings.speech_workers)


def store() -> MediaStore:
    """The app's content-addressed media store."""
    return current_app.extensions["hearth.media_store"]


def pool() -> SharedPool:
    """The app's speech pool handle (HEARTH_TTS_WORKERS workers, started on first synthesis)."""
    return current_app.extensions["hearth.speech_pool"]


def voice_settings(client: Client | None, *, voice=None, rate=None, pitch=None) -> VoiceSettings:
    """Explicit choices first, then the client's own settings, then the calm defaults."""
    defaults = VoiceSettings.from_client()
    return VoiceSettings(
        voice=voice or (client.voice if client else None) or defaults.voice,
        rate=rate or (client.speech_rate if client else None) or defaults.rate,
        pitch=pitch
        if pitch is not None
        else (
            client.speech_pitch if client and client.speech_pitch is not None else defaults.pitch
        ),
    )


def name_warning(script_name: str | None, spoken_name: str | None, voice: str | None) -> str | None:
    """The warning to show when the voice would stumble over the name it is to say (the
    spoken name where one is written down, else the script name), else None."""
    from media.errors import MediaError
    from media.speech import readable
    from media.speech.pool import list_voices
    from media.speech.voices import default_voice

    voice = voice or default_voice()
    try:
        languages = next((v.languages for v in list_voices() if v.id == voice), ())
    except MediaError:
        languages = ()
    return readable.warning(spoken_name or script_name, languages[0] if languages else "en")
