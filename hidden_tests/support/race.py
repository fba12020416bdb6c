"""Fire N requests at (almost) the same instant from N threads with their own connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from support.client import Api

T = TypeVar("T")


def race(api: Api, n: int, action: Callable[[Api, int], T]) -> list[T]:
    """Run ``action(client_i, i)`` for i in 0..n-1 concurrently; returns results in index order."""
    clients = [api.clone() for _ in range(n)]
    for client in clients:
        client.warm()
    barrier = threading.Barrier(n)
    results: list[T | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=15)
            results[i] = action(clients[i], i)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("expected concurrent requests to be answered within 60 seconds")
    return results  # type: ignore[return-value]


def run_pool(api: Api, workers: int, jobs: list[Callable[[Api], T]]) -> list[T]:
    """Run ``jobs`` on ``workers`` threads (each with its own connection); results in job order."""
    clients = [api.clone() for _ in range(workers)]
    for client in clients:
        client.warm()
    results: list[T | None] = [None] * len(jobs)
    errors: list[BaseException] = []
    lock = threading.Lock()
    next_job = iter(range(len(jobs)))
    barrier = threading.Barrier(workers)

    def worker(client: Api) -> None:
        try:
            barrier.wait(timeout=15)
            while True:
                with lock:
                    index = next(next_job, None)
                if index is None:
                    return
                results[index] = jobs[index](client)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("expected the concurrent requests to be answered within 120 seconds")
    return results  # type: ignore[return-value]
