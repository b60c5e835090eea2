"""What is said: the practice library, its model, loader and validator, and text renderers. Pure."""

from practices.errors import LevelNotOffered, LibraryError, UnknownFormat, UnknownPractice
from practices.loader import Library, default_library, load_library
from practices.model import Personalisation, Practice, Segment, Variant
from practices.render import FORMATS, MEDIA_TYPES, Timeline, build_timeline, render
from practices.timing import DEFAULT_WPM, estimate_seconds

__all__ = [
    "DEFAULT_WPM",
    "FORMATS",
    "MEDIA_TYPES",
    "LevelNotOffered",
    "Library",
    "LibraryError",
    "Personalisation",
    "Practice",
    "Segment",
    "Timeline",
    "UnknownFormat",
    "UnknownPractice",
    "Variant",
    "build_timeline",
    "default_library",
    "estimate_seconds",
    "load_library",
    "render",
]
