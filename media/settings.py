"""The media floor's configuration, built by the service from its settings and passed down."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MediaSettings:
    """Where the media store lives, how large it may grow, how many speech workers run, and
    which folders hold extra natural voices."""

    media_dir: Path
    max_bytes: int = 2048 * 1024 * 1024
    speech_workers: int = 1
    voices_dirs: tuple[Path, ...] = ()  # folders of Piper voices an operator added

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be above 0")
        if self.speech_workers < 1:
            raise ValueError("a speech pool needs at least one worker")
