"""A pool of spawned speech workers, one pyttsx3 engine each, safe to call from many threads.

pyttsx3 allows one engine per process and hangs when shared between threads or inherited
through fork, so every engine lives in its own process started with the "spawn" method. A
worker that hangs (no answer within `timeout`) or dies is killed and replaced, and the request
is tried once more on the new worker.
"""

import atexit
import logging
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass

from media.errors import MediaError, SpeechUnavailable, SynthesisFailed, UnknownVoice
from media.speech import catalogue
from media.speech import worker as worker_process
from media.speech.voices import Voice, VoiceSettings, availability, availability_for

log = logging.getLogger(__name__)


class _WorkerLost(Exception):
    """The worker hung, died, or produced output that failed its checks."""


class _Worker:
    """The parent's handle on one worker process and its pipe."""

    def __init__(self, context, engine: tuple = ("espeak", (), 0)) -> None:
        # The parent owns the scratch directory, so it is removed even after a SIGKILL.
        self.tmpdir = tempfile.mkdtemp(prefix="hearth-tts-")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_process.main,
            args=(child, self.tmpdir, *engine),
            name="hearth-tts",
            daemon=True,
        )
        self.process.start()
        child.close()  # so the parent sees EOF when the worker dies
        self.voices: list[tuple] = []

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self.process.pid

    def wait_ready(self, timeout: float) -> None:
        """Block until the engine is warmed up; SpeechUnavailable or _WorkerLost otherwise."""
        message = self._receive(timeout, "start")
        if message[0] == "unavailable":
            self.kill()
            raise SpeechUnavailable(
                f"{SpeechUnavailable.DEFAULT} (the speech engine could not start: {message[1]})"
            )
        self.voices = message[1]["voices"]

    def call(self, request: tuple, timeout: float, after_send: Callable | None) -> tuple:
        """Send one request and wait for its reply; _WorkerLost on hang or death."""
        try:
            self.conn.send(request)
        except (OSError, ValueError) as error:
            raise _WorkerLost(f"the speech worker could not be reached ({error})") from error
        if after_send is not None:
            after_send(self.pid)
        return self._receive(timeout, "answer")

    def _receive(self, timeout: float, what: str) -> tuple:
        try:
            if not self.conn.poll(timeout):
                raise _WorkerLost(f"the speech worker did not {what} within {timeout:g} s")
            return self.conn.recv()
        except (EOFError, OSError) as error:
            self.process.join(1)
            raise _WorkerLost(f"the speech worker exited (code {self.process.exitcode})") from error

    def kill(self) -> None:
        """Kill the process at once and clean up after it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def stop(self) -> None:
        """Ask the worker to exit, killing it if it does not within two seconds."""
        try:
            self.conn.send(("stop",))
            self.process.join(2)
        except (OSError, ValueError):
            pass
        self.kill()


class SpeechPool:
    """Spawned speech workers of one engine ("espeak", or "natural" for the Piper voices
    found by media.speech.catalogue); `synthesize` returns 16-bit mono PCM at
    engines.SAMPLE_RATE."""

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 30.0,
        start_timeout: float = 60.0,
        engine: str = "espeak",
    ):
        if engine == "natural":
            found = tuple(catalogue.find())
            problem = catalogue.engine_available() or (
                None if found else "no natural voice is installed"
            )
            # Cores shared out between the workers: onnxruntime would take them all in each.
            self._engine: tuple = ("natural", found, max(1, (os.cpu_count() or 1) // workers))
        else:
            problem = availability()
            self._engine = ("espeak", (), 0)
        if problem:
            raise SpeechUnavailable(problem)
        if workers < 1:
            raise ValueError("a speech pool needs at least one worker")
        self.engine = engine
        self.workers = workers
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.restarts = 0  # workers replaced after a hang, crash or bad output
        # Test hook: called with the worker's pid right after a request is sent to it.
        self.after_send: Callable[[int], None] | None = None
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._live = 0
        self._closed = False
        self._voices: list[Voice] | None = None
        # Start every worker before waiting for any, so their start-up overlaps.
        started = [_Worker(self._context, self._engine) for _ in range(workers)]
        try:
            for worker in started:
                self._ready(worker)
        except BaseException:
            for worker in started:
                worker.kill()
            raise
        for worker in started:
            self._idle.put(worker)
        self._live = workers

    def __enter__(self) -> "SpeechPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _ready(self, worker: _Worker) -> _Worker:
        try:
            worker.wait_ready(self.start_timeout)
        except _WorkerLost as lost:
            worker.kill()
            raise SynthesisFailed(str(lost)) from lost
        if self._voices is None:
            natural = self.engine == "natural"
            self._voices = sorted(
                (
                    Voice(id=i, name=n, languages=tuple(langs), natural=natural)
                    for i, n, langs in worker.voices
                ),
                key=lambda v: v.id,
            )
        return worker

    def _start_reserved(self) -> _Worker:
        """Start a worker in a place already counted in _live; give the place back on failure."""
        try:
            return self._ready(_Worker(self._context, self._engine))
        except BaseException:
            with self._lock:
                self._live -= 1
            raise

    def _checkout(self) -> _Worker:
        while True:
            with self._lock:
                if self._closed:
                    raise MediaError("the speech pool is closed")
                if self._idle.empty() and self._live < self.workers:
                    # A replacement that failed to start left a free place: fill it now.
                    self._live += 1
                    break
            try:
                # Wake up now and then, so a place freed by a failed start is noticed.
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                continue
        return self._start_reserved()

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
        if closed:
            worker.stop()
            with self._lock:
                self._live -= 1
        else:
            self._idle.put(worker)

    def _replace(self, worker: _Worker, reason: str) -> _Worker:
        log.warning("replacing speech worker %s: %s", worker.pid, reason)
        worker.kill()
        with self._lock:
            self.restarts += 1  # the dead worker's place passes straight to its replacement
        return self._start_reserved()

    def voices(self) -> list[Voice]:
        """The usable voices of this pool's engine, sorted by id."""
        return list(self._voices or [])

    def check_voice(self, voice: str) -> None:
        """UnknownVoice, listing the available ids, unless `voice` is installed."""
        ids = [v.id for v in self.voices()]
        if voice not in ids:
            raise UnknownVoice(voice, ids)

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """Speak `text` with `settings` into raw 16-bit mono PCM at engines.SAMPLE_RATE."""
        if not text or not text.strip():
            raise ValueError("nothing to say: the text is empty")
        self.check_voice(settings.voice)
        request = ("synth", text, settings.voice, settings.rate, settings.pitch)
        worker: _Worker | None = self._checkout()
        try:
            reason = ""
            for _attempt in range(2):
                try:
                    reply = worker.call(request, self.timeout, self.after_send)
                    if reply[0] == "ok":
                        return reply[1]
                    if reply[0] == "unknown_voice":
                        raise UnknownVoice(settings.voice, reply[1])
                    raise _WorkerLost(reply[1])  # bad output: start from a fresh engine
                except _WorkerLost as lost:
                    reason = str(lost)
                    old, worker = worker, None
                    worker = self._replace(old, reason)
            raise SynthesisFailed(f"{reason} (tried twice, replacing the worker each time)")
        finally:
            if worker is not None:
                self._checkin(worker)

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and diagnostics)."""
        with self._idle.mutex:
            return [w.pid for w in self._idle.queue]

    def close(self) -> None:
        """Stop every worker; workers busy now stop when their request returns."""
        with self._lock:
            self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.stop()
            with self._lock:
                self._live -= 1


_shared: dict[str, SpeechPool] = {}
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def engine_of(voice: str) -> str:
    """The engine that speaks a voice id: "natural" for Piper voices, else "espeak"."""
    return "natural" if catalogue.is_natural(voice) else "espeak"


def shared_pool(workers: int = 1, engine: str = "espeak") -> SpeechPool:
    """This process's pool for `engine`, started on first use with `workers` workers, closed
    at exit."""
    global _shared_pid
    with _shared_lock:
        # After a fork the parent's pipes are not ours to use: start pools of our own. The
        # first caller's size holds for the process (one service process has one setting).
        if _shared_pid != os.getpid():
            _shared.clear()
            _shared_pid = os.getpid()
        if engine not in _shared:
            pool = SpeechPool(workers=workers, engine=engine)
            _shared[engine] = pool
            atexit.register(pool.close)
        return _shared[engine]


def running_shared_pool(engine: str = "espeak") -> SpeechPool | None:
    """The shared pool of `engine` if this process already started it (never starts one)."""
    with _shared_lock:
        return _shared.get(engine) if _shared_pid == os.getpid() else None


@dataclass(frozen=True)
class SharedPool:
    """A handle on this process's shared pools that starts one only when speech is needed,
    and sends each voice to its engine's pool.

    Rendering asks the pool for a voice check only on a cache miss, so a cache hit never
    spawns a worker; the service passes one of these with its configured worker count.
    """

    workers: int = 1

    def pool(self, voice: str = "") -> SpeechPool:
        """The shared pool for this voice's engine, started now if it is not running yet. A
        natural engine that cannot start is remembered, so the default falls back to
        espeak-ng instead of every request trying (and failing) again."""
        engine = engine_of(voice)
        problem = availability_for(voice) if engine == "natural" else None
        if problem:
            raise SpeechUnavailable(problem)
        try:
            return shared_pool(self.workers, engine)
        except MediaError as error:
            if engine == "natural":
                catalogue.mark_broken(str(error))
            raise

    def check_voice(self, voice: str) -> None:
        """SpeechPool.check_voice on the voice's shared pool."""
        if catalogue.is_natural(voice) and catalogue.lookup(voice) is None:
            raise UnknownVoice(voice, [v.id for v in list_voices()])
        self.pool(voice).check_voice(voice)

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """SpeechPool.synthesize on the voice's shared pool."""
        return self.pool(settings.voice).synthesize(text, settings)


_voices_lock = threading.Lock()
_voices: list[Voice] | None = None


def _espeak_voices() -> list[Voice]:
    pool = running_shared_pool("espeak")
    if pool is not None:
        return pool.voices()
    # A one-off worker, so a CLI listing leaves no process behind.
    with SpeechPool(workers=1) as one_off:
        return one_off.voices()


def list_voices() -> list[Voice]:
    """Every installed usable voice: natural ones found on disk (no worker needed) and
    espeak-ng's, asked of a spawned speech worker once per process."""
    global _voices
    with _voices_lock:
        if _voices is None:
            natural = (
                []
                if catalogue.engine_available()
                else [
                    Voice(id=v.id, name=v.name, languages=(v.language,), natural=True)
                    for v in catalogue.find()
                ]
            )
            _voices = sorted([*natural, *_espeak_voices()], key=lambda v: v.id)
        return list(_voices)
