"""Errors of the media floor, each carrying one sentence a person can act on."""


class MediaError(Exception):
    """Base of every media error; str() is a sentence fit for an operator or an API problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SpeechUnavailable(MediaError):
    """The espeak-ng library is missing or cannot start, so no speech can be synthesised."""

    DEFAULT = (
        "speech synthesis is not available on this server: the espeak-ng library "
        "(Debian package libespeak-ng1) is not installed; text versions still work"
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.DEFAULT)


class UnknownVoice(MediaError):
    """A voice id that the installed espeak-ng does not offer."""

    def __init__(self, voice: str, available: list[str]) -> None:
        self.voice = voice
        self.available = list(available)
        super().__init__(
            f"unknown voice '{voice}'; available voices: {', '.join(self.available) or 'none'}"
        )


class InvalidRate(MediaError):
    """A speaking rate outside what sounds calm and intelligible."""

    LOW, HIGH = 80, 260

    def __init__(self, rate: object) -> None:
        self.rate = rate
        super().__init__(
            f"rate must be between {self.LOW} and {self.HIGH} words per minute, got {rate!r}"
        )


class InvalidPitch(MediaError):
    """A pitch outside espeak-ng's 0-99 scale."""

    def __init__(self, pitch: object) -> None:
        self.pitch = pitch
        super().__init__(f"pitch must be a whole number from 0 to 99, got {pitch!r}")


class EncoderMissing(MediaError):
    """A compressed format was asked for but the encoder program is not installed."""

    def __init__(self, program: str = "ffmpeg", fmt: str = "mp3") -> None:
        self.program = program
        self.fmt = fmt
        super().__init__(
            f"{fmt.upper()} needs the {program} program, which is not installed; WAV still works"
        )


class StoreUnavailable(MediaError):
    """The media directory cannot take a file (not writable, not a directory, or full)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"the media directory {self.path} cannot store files: {reason}")


class TextOnlyPractice(MediaError):
    """The practice is meant to be written, not listened to, so audio is refused."""

    def __init__(self, practice_id: str) -> None:
        self.practice_id = practice_id
        super().__init__(
            f"'{practice_id}' is a written practice and has no audio version; "
            "use its text version instead"
        )


class SynthesisFailed(MediaError):
    """The speech engine failed twice in a row on the same request (after a restart)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"speech synthesis failed: {reason}")


class EncodingFailed(MediaError):
    """ffmpeg ran but did not produce the compressed file."""

    def __init__(self, fmt: str, detail: str) -> None:
        self.fmt = fmt
        self.detail = detail
        super().__init__(f"encoding {fmt.upper()} failed: {detail}")
