"""One client flooding new renderings against another client's script request, on loopback.

Run: .venv/bin/python benchmarks/render_flood.py [--flooders 8] [--probes 40] [--workers 2]

It starts its own PostgreSQL server, seeds two clients (benchmarks/load.py), serves hearth with
gunicorn, and measures the second client's script request (`GET /practices/{id}/script`)
alone, then while the first client keeps `--flooders` concurrent requests for audio variants
that were never rendered (a new rate each time, so none is cached). The render budget answers
the flood with 429 after a few recordings and bounds syntheses at once, so the script request
should stay within 2x of its quiet latency. Prints the p50/p99 of both runs and their ratio,
and how the flood was answered; results go in docs/benchmarks.md by hand.
"""

import argparse
import http.client
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import PRACTICE, free_port, prepare, seed, serve  # noqa: E402


def _probe(port: int, token: str, count: int) -> list[float]:
    """`count` script requests of one client, one after another; their latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        connection.request(
            "GET",
            "/api/v1/practices/watching-kindness/script?level=1",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        times.append((time.perf_counter() - start) * 1000)
    connection.close()
    return times


def _flood(port: int, token: str, stop: threading.Event, answers: list, next_rate) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop.is_set():
        rate = next_rate()
        connection.request(
            "GET",
            f"/api/v1/practices/{PRACTICE}/audio?level=2&format=wav&rate={rate}",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        response.read()
        answers.append(response.status)
        if response.status in (429, 503):
            time.sleep(0.05)  # a real app would honour Retry-After; a flood does not wait long
    connection.close()


def _summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> int:
    """Start PostgreSQL and hearth, measure quiet and flooded, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from tests.pg import PostgresServer

    server = PostgresServer().start()
    process = None
    try:
        url, env = prepare(server, "flood")
        flooder, victim = seed(url, 2)
        port = free_port()
        process = serve("wsgi:app", port, env, args.workers)
        _probe(port, victim["token"], 5)  # warm
        quiet = _probe(port, victim["token"], args.probes)
        stop, answers = threading.Event(), []
        rates = itertools.cycle(range(80, 270, 10))
        lock = threading.Lock()

        def next_rate():
            with lock:
                return next(rates)

        threads = [
            threading.Thread(target=_flood, args=(port, flooder["token"], stop, answers, next_rate))
            for _ in range(args.flooders)
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # let the flood reach the server first
        flooded = _probe(port, victim["token"], args.probes)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        (q50, q99), (f50, f99) = _summary(quiet), _summary(flooded)
        counts = {status: answers.count(status) for status in sorted(set(answers))}
        print(
            f"{args.flooders} concurrent flooding requests, {args.probes} script probes, "
            f"gunicorn {args.workers} workers x 4 threads, {len(os.sched_getaffinity(0))} CPUs"
        )
        print("| script request | p50 | p99 |")
        print("|---|---|---|")
        print(f"| quiet | {q50:.1f} ms | {q99:.1f} ms |")
        print(f"| during the flood | {f50:.1f} ms | {f99:.1f} ms |")
        print(f"| ratio | {f50 / q50:.2f}x | {f99 / q99:.2f}x |")
        print(f"flood answers by status: {counts}")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
