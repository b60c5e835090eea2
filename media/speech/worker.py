"""The body of one spawned speech worker: one engine, one utterance per request.

Runs only inside a process started by media.speech.pool with the "spawn" method. The parent
sends tuples over a multiprocessing Pipe and gets tuples back:

    ("synth", text, voice, rate, pitch) -> ("ok", pcm) | ("unknown_voice", ids) | ("bad", why)
    ("stop",)                            -> the worker exits

On start the worker sends ("ready", {"voices": [...]}) or ("unavailable", why). The engine is
pyttsx3 on espeak-ng ("espeak") or Piper with the natural voices it is given ("natural").
"""

import os
import sys

from media.speech.engines import Engine


def _engine(kind: str, natural_voices: tuple, threads: int):
    if kind == "natural":
        from media.speech.neural import NeuralEngine

        return NeuralEngine(list(natural_voices), threads=threads)
    return Engine()


def main(conn, tmpdir: str, kind: str = "espeak", natural_voices=(), threads: int = 0) -> None:
    """Serve synthesis requests on `conn` until told to stop or the parent goes away."""
    # pyttsx3 prints "Audio saved to ..." for every file; keep the parent's stdout clean.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        engine = _engine(kind, natural_voices, threads)
    except Exception as error:  # the library is missing or cannot initialise
        conn.send(("unavailable", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", {"voices": engine.voices, "pid": os.getpid()}))
    path = os.path.join(tmpdir, "utterance.wav")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or died
        if request[0] == "stop":
            return
        if request[0] == "synth":
            _, text, voice, rate, pitch = request
            try:
                reply = engine.synth(text, voice, rate, pitch, path)
            except Exception as error:  # reported, and the parent replaces this worker
                reply = ("bad", f"{type(error).__name__}: {error}")
            conn.send(reply)
        else:
            conn.send(("bad", f"unknown request {request[0]!r}"))
