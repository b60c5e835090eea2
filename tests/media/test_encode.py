"""WAV writing in pure Python (MP3 and Ogg are covered through rendering in test_render)."""

from media.assemble import SAMPLE_RATE
from media.encode import write_wav
from tests.media.helpers import read_wav, tone


def test_wav_round_trip(tmp_path):
    pcm = tone(0.3)
    path = tmp_path / "x.wav"
    write_wav(path, [pcm[:100], pcm[100:]], SAMPLE_RATE, len(pcm) // 2)
    assert read_wav(path) == pcm
