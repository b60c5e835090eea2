"""WAV from PCM in pure Python; MP3 and Ogg/Opus through the ffmpeg program."""

import errno
import shutil
import subprocess
import wave
from collections.abc import Iterable
from pathlib import Path

from media.errors import EncoderMissing, EncodingFailed

MEDIA_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg; codecs=opus",
    "vtt": "text/vtt; charset=utf-8",
}
AUDIO_FORMATS = ("wav", "mp3", "ogg")

# Mono speech: 64 kbps MP3 (MPEG-2 layer III at 22.05 kHz) and 32 kbps Opus both sound clean
# for a single voice; a 20-minute practice is about 9 MB and 1.5 MB. Opus runs at complexity
# 5 rather than 10: measured on a 20-minute practice, 2.6 s instead of 16 s to encode.
_CODECS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
    "ogg": ["-c:a", "libopus", "-b:a", "32k", "-compression_level", "5", "-f", "ogg"],
}


def write_wav(target, chunks: Iterable[bytes], sample_rate: int, total_samples: int) -> None:
    """Write 16-bit mono PCM chunks as a WAV to a path or binary file, without joining them."""
    with wave.open(str(target) if isinstance(target, Path) else target, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        # Declaring the length first writes a final header at once: no seek-back needed.
        wav.setnframes(total_samples)
        for chunk in chunks:
            wav.writeframesraw(chunk)


def require_encoder(fmt: str) -> None:
    """EncoderMissing now, before any work, if `fmt` needs ffmpeg and it is absent."""
    if fmt in _CODECS and shutil.which("ffmpeg") is None:
        raise EncoderMissing("ffmpeg", fmt)


def encode(wav_path: Path, fmt: str, out_path: Path, *, timeout: float = 600.0) -> None:
    """Encode a WAV file to 'mp3' or 'ogg' (Opus) at out_path with ffmpeg."""
    if fmt not in _CODECS:
        raise ValueError(f"cannot encode to {fmt!r}; choose one of {', '.join(_CODECS)}")
    require_encoder(fmt)
    command = [
        shutil.which("ffmpeg") or "ffmpeg",
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-i", str(wav_path), "-map_metadata", "-1", "-ac", "1"),
        *_CODECS[fmt],
        str(out_path),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise EncodingFailed(fmt, f"ffmpeg did not finish within {timeout:g} s") from error
    except FileNotFoundError as error:  # removed between which() and run()
        raise EncoderMissing("ffmpeg", fmt) from error
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        if "No space left on device" in detail:
            # Surface as the OSError it is, so the store reports a full disk.
            raise OSError(errno.ENOSPC, "No space left on device", str(out_path))
        raise EncodingFailed(fmt, detail or f"ffmpeg exited with code {done.returncode}")
