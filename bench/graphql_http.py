"""Throughput and latency of one public GraphQL query over HTTP.

Sends `{ currencies { code name } }` with POST to /graphql of a running platform
(`make run` in another terminal), from a bounded number of concurrent clients, and
prints requests per second, p50/p95/p99 latency in milliseconds and the error count.
It measures and prints; it never asserts. Only this machine is allowed as a target.

    .venv/bin/python bench/graphql_http.py --requests 5000 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

QUERY = "{ currencies { code name } }"
DEFAULT_URL = "http://127.0.0.1:8000"
REQUESTS_DEFAULT, REQUESTS_MAX = 2000, 100_000
CONCURRENCY_DEFAULT, CONCURRENCY_MAX = 16, 256
REQUEST_TIMEOUT_S = 10.0
ERROR_EXAMPLES_MAX = 5
# urlsplit() gives the IPv6 loopback without its brackets.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class BenchError(Exception):
    """The benchmark cannot run as asked; the message says what to change."""


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_examples) < ERROR_EXAMPLES_MAX:
            self.error_examples.append(reason)


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number; got {raw!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}; got {value}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and latency of `{ currencies { code name } }` over HTTP."
    )
    parser.add_argument(
        "--url",
        default=DEFAULT_URL,
        help=f"base URL of the running platform, on this machine only (default {DEFAULT_URL})",
    )
    parser.add_argument(
        "--requests",
        type=_bounded_int(1, REQUESTS_MAX),
        default=REQUESTS_DEFAULT,
        help=f"how many requests to send in all (default {REQUESTS_DEFAULT}, "
        f"at most {REQUESTS_MAX})",
    )
    parser.add_argument(
        "--concurrency",
        type=_bounded_int(1, CONCURRENCY_MAX),
        default=CONCURRENCY_DEFAULT,
        help=f"requests in flight at once (default {CONCURRENCY_DEFAULT}, "
        f"at most {CONCURRENCY_MAX})",
    )
    return parser.parse_args(argv)


def graphql_endpoint(url: str) -> str:
    """The /graphql URL under `url`; refuses anything that is not this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BenchError(f"--url must start with http:// or https://; got {url!r}")
    if parts.hostname not in LOCAL_HOSTS:
        raise BenchError(
            f"--url must point at this machine (127.0.0.1, localhost or [::1]); got "
            f"{parts.hostname!r}. Benchmarks put load on a server: never aim one at "
            f"somebody else's."
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/graphql"):
        path += "/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _problem(response: httpx.Response) -> str | None:
    """Why a response counts as an error, or None when it answered the query."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "the response is not JSON"
    if not isinstance(body, dict):
        return "the response is not a JSON object"
    if body.get("errors"):
        return f"GraphQL errors: {str(body['errors'])[:200]}"
    if not isinstance(body.get("data"), dict):
        return "the response has no data"
    return None


async def _send(client: httpx.AsyncClient, endpoint: str, results: Results) -> None:
    started = time.perf_counter()
    try:
        response = await client.post(endpoint, json={"query": QUERY})
    except httpx.HTTPError as error:
        results.fail(f"{type(error).__name__}: {error}")
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    problem = _problem(response)
    if problem:
        results.fail(problem)
    else:
        results.latencies_ms.append(elapsed_ms)


async def _check_reachable(client: httpx.AsyncClient, endpoint: str) -> None:
    """One uncounted request first: a clear message beats thousands of identical errors."""
    try:
        response = await client.post(endpoint, json={"query": QUERY})
    except httpx.HTTPError as error:
        raise BenchError(
            f"cannot reach {endpoint} ({type(error).__name__}). Is the platform running? "
            f"Start it with `make run` in another terminal."
        ) from None
    problem = _problem(response)
    if problem:
        raise BenchError(f"{endpoint} does not answer the query: {problem}")


async def run(endpoint: str, requests: int, concurrency: int) -> tuple[Results, float]:
    results = Results()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: a proxy from the environment must not sit between us and the server.
    async with httpx.AsyncClient(
        limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False
    ) as client:
        await _check_reachable(client, endpoint)
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1  # no await between the check and this: no race
                await _send(client, endpoint, results)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, requests))))
        elapsed_s = time.perf_counter() - started
    return results, elapsed_s


def percentile(sorted_values: list[float], percent: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty list."""
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def report(
    endpoint: str, requests: int, concurrency: int, results: Results, elapsed_s: float
) -> str:
    lines = [
        f"POST {endpoint}  {QUERY}",
        f"requests      {requests} (up to {min(concurrency, requests)} in flight at once)",
        f"elapsed       {elapsed_s:.2f} s",
        f"throughput    {requests / elapsed_s:.1f} requests/s",
    ]
    latencies = sorted(results.latencies_ms)
    if latencies:
        lines.append(
            "latency ms    "
            + "  ".join(f"p{p} {percentile(latencies, p):.1f}" for p in (50, 95, 99))
            + f"  (max {latencies[-1]:.1f}, successful requests only)"
        )
    else:
        lines.append("latency ms    n/a (no request succeeded)")
    lines.append(f"errors        {results.errors}")
    lines.extend(f"  e.g. {example}" for example in results.error_examples)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        endpoint = graphql_endpoint(args.url)
        results, elapsed_s = asyncio.run(run(endpoint, args.requests, args.concurrency))
    except BenchError as error:
        print(f"graphql_http: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(report(endpoint, args.requests, args.concurrency, results, elapsed_s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
