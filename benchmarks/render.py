"""Audio rendering benchmark: our cold WAV render against the espeak-ng CLI, encodes, memory.

Run: .venv/bin/python benchmarks/render.py [--repeat 3]

For giving-and-receiving level 4 (10 minutes) and level 5 (20 minutes) it prints
- the espeak-ng CLI synthesising the same speech segments in this run, two ways: one process
  per segment (as we do: one utterance per call) and one process for all the text;
- our cold WAV render (empty store, speech pool already started) with 1 and 2 workers, and
  its ratio to each CLI reference (the issue's target: at most 1.5x);
- MP3 and Ogg/Opus encode times from the cached WAV;
- peak resident memory of a fresh process rendering each variant as WAV, MP3 and OGG, with
  its workers and ffmpeg, sampled together and per process (target: under 150 MB for the
  20-minute variant).
Timings are the median of --repeat runs. Results go in docs/benchmarks.md by hand.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Spawned speech workers import this script again as their __main__ module, so the heavy
# imports (practices, pydantic, media) live inside the functions: workers stay as lean as
# they would be under gunicorn.
PRACTICE = "giving-and-receiving"
VARIANTS = ((4, "10 min"), (5, "20 min"))
RATE, PITCH, VOICE = 140, 40, "gmw/en"  # media.speech.voices's calm defaults


def speech_texts(level: int) -> list[str]:
    """The speech segments of the variant, in order."""
    from practices import build_timeline, default_library

    practice = default_library().get(PRACTICE)
    timeline = build_timeline(practice, level, None, wpm=RATE)
    return [item.text for item in timeline.items if item.kind == "speech"]


def cli(args: list[str], text: str, out: Path) -> None:
    """One espeak-ng CLI run with our voice, rate and pitch, writing a WAV."""
    subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(RATE), "-p", str(PITCH), *args, "-w", str(out), text],
        check=True, capture_output=True,
    )  # fmt: skip


def time_cli_per_segment(texts: list[str], scratch: Path) -> float:
    """Seconds for the CLI to synthesise each segment in its own process."""
    start = time.perf_counter()
    for i, text in enumerate(texts):
        cli([], text, scratch / f"seg{i}.wav")
    return time.perf_counter() - start


def time_cli_batch(texts: list[str], scratch: Path) -> float:
    """Seconds for one CLI process to synthesise all segments into one WAV."""
    start = time.perf_counter()
    cli([], "\n\n".join(texts), scratch / "all.wav")
    return time.perf_counter() - start


def time_render(level: int, fmt: str, store, pool) -> tuple[float, object]:
    """Seconds for render_audio into `store` with `pool`, and its result."""
    from media.render import render_audio
    from media.speech.voices import VoiceSettings
    from practices import default_library

    library = default_library()
    practice = library.get(PRACTICE)
    settings = VoiceSettings(VOICE, RATE, PITCH)
    digest = library.digest(PRACTICE)
    start = time.perf_counter()
    result = render_audio(
        practice, level, None, settings, fmt, store=store, digest=digest, pool=pool
    )
    return time.perf_counter() - start, result


def cached_fetch_through_app(level: int) -> float | None:
    """Median seconds to GET an already rendered MP3 through the whole app (auth, lookup,
    cache key, send_file), in process with Flask's test client, over 30 requests."""
    import statistics
    import tempfile

    from care import migrate
    from care.db import session_scope
    from service import db
    from service.app import create_app
    from service.cli.demo import ensure_demo
    from service.settings import load

    folder = tempfile.mkdtemp(prefix="hearth-bench-")
    app = create_app(
        load(
            {
                "HEARTH_INSTANCE_DIR": folder,
                "HEARTH_SECRET_KEY": "b" * 40,
                "HEARTH_LOG_LEVEL": "WARNING",
            }
        )
    )
    migrate.upgrade(app.extensions["hearth.engine"])
    with app.app_context(), session_scope(db.engine()) as session:
        ensure_demo(session)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "therapist@example.org", "password": "quiet-lantern-demo"},
    ).json
    headers = {"Authorization": f"Bearer {token['token']}"}
    url = f"/api/v1/practices/giving-and-receiving/audio?level={level}&format=mp3"
    client.get(url, headers=headers).close()  # the cold render, not timed here
    times = []
    for _ in range(30):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        response.get_data()
        response.close()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _status_mb(pid: int, field: str) -> float:
    """A memory field (VmRSS, VmHWM) of a live process from /proc, in MB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    """Process ids of all descendants of `pid` (workers, ffmpeg), from /proc."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += children
            queue += children
    return found


class RssSampler(threading.Thread):
    """Samples the summed RSS of this process and its descendants every 2 ms; keeps the max."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.peak_anon = 0.0  # private memory only: shared-library pages are not counted
        self.done = threading.Event()

    def run(self) -> None:
        """Sample until told to stop."""
        me = os.getpid()
        while not self.done.wait(0.002):
            family = [me, *_descendants(me)]
            self.peak = max(self.peak, sum(_status_mb(p, "VmRSS") for p in family))
            self.peak_anon = max(self.peak_anon, sum(_status_mb(p, "RssAnon") for p in family))


def memory_probe(level: int, workers: int) -> dict:
    """In this (fresh) process: render WAV, MP3, OGG; peak RSS of us, workers and ffmpeg."""
    from media.speech.pool import SpeechPool
    from media.store import MediaStore

    sampler = RssSampler()
    sampler.start()
    with tempfile.TemporaryDirectory() as root, SpeechPool(workers=workers) as pool:
        store = MediaStore(Path(root), 10**10)
        for fmt in ("wav", "mp3", "ogg"):
            time_render(level, fmt, store, pool)
        worker_peaks = [_status_mb(pid, "VmHWM") for pid in pool.worker_pids()]
        main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # Only ffmpeg has exited and been waited for, so this is ffmpeg's peak.
        ffmpeg = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    sampler.done.set()
    sampler.join()
    return {
        "main": main,
        "workers": worker_peaks,
        "ffmpeg": ffmpeg,
        "sampled": sampler.peak,
        "sampled_anon": sampler.peak_anon,
    }


def run_probe(level: int, workers: int) -> dict:
    """memory_probe in a fresh interpreter, so earlier runs do not raise the peak."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-probe", str(level), str(workers)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """nproc and the CPU model from /proc/cpuinfo."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs (nproc), {model}"


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-probe", nargs=2, type=int, metavar=("LEVEL", "WORKERS"))
    args = parser.parse_args()
    if args.memory_probe:
        print(json.dumps(memory_probe(*args.memory_probe)))
        return
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; voice {VOICE}, "
          f"{RATE} wpm, pitch {PITCH}; median of {args.repeat}")  # fmt: skip
    from media.speech.pool import SpeechPool
    from media.store import MediaStore

    median = statistics.median
    for workers in (1, 2):
        start = time.perf_counter()
        pool = SpeechPool(workers=workers)
        started = time.perf_counter() - start
        print(f"\nspeech pool with {workers} worker(s) started in {started:.2f} s "
              "(once per process, not in the timings)")  # fmt: skip
        print(f"{'variant':<8} {'audio':>7} {'words':>5} {'cli/seg':>8} {'cli/all':>8} "
              f"{'ours wav':>8} {'x seg':>6} {'x all':>6} {'mp3':>6} {'ogg':>6}")  # fmt: skip
        try:
            for level, label in VARIANTS:
                texts = speech_texts(level)
                runs = {"seg": [], "all": [], "wav": [], "mp3": [], "ogg": []}
                for _ in range(args.repeat):
                    with tempfile.TemporaryDirectory() as scratch:
                        runs["seg"].append(time_cli_per_segment(texts, Path(scratch)))
                        runs["all"].append(time_cli_batch(texts, Path(scratch)))
                        store = MediaStore(Path(scratch) / "media", 10**10)
                        for fmt in ("wav", "mp3", "ogg"):
                            seconds, result = time_render(level, fmt, store, pool)
                            runs[fmt].append(seconds)
                m = {k: median(v) for k, v in runs.items()}
                words = sum(len(t.split()) for t in texts)
                ratio_seg, ratio_all = m["wav"] / m["seg"], m["wav"] / m["all"]
                print(f"{label:<8} {result.total_seconds:>6.0f}s {words:>5} {m['seg']:>7.2f}s "
                      f"{m['all']:>7.2f}s {m['wav']:>7.2f}s {ratio_seg:>5.2f}x "
                      f"{ratio_all:>5.2f}x {m['mp3']:>5.2f}s {m['ogg']:>5.2f}s")  # fmt: skip
        finally:
            pool.close()
    print("\npeak resident memory, fresh process rendering WAV, MP3 and OGG (MB):")
    for level, label in VARIANTS:
        for workers in (1, 2):
            probe = run_probe(level, workers)
            bound = probe["main"] + sum(probe["workers"]) + probe["ffmpeg"]
            workers_text = " + ".join(f"{w:.0f}" for w in probe["workers"])
            print(f"  {label}, {workers} worker(s): all processes together, sampled: RSS "
                  f"{probe['sampled']:.0f}, private {probe['sampled_anon']:.0f}; per-process "
                  f"peak RSS: main {probe['main']:.0f}, workers {workers_text}, ffmpeg "
                  f"{probe['ffmpeg']:.0f} (sum {bound:.0f})")  # fmt: skip
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (other work on the machine "
          "slows both us and the CLI reference)")  # fmt: skip
    fetch = cached_fetch_through_app(5)
    print("\ncached fetch through the app:", "not measured yet (hook: cached_fetch_through_app)"
          if fetch is None else f"{fetch * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
