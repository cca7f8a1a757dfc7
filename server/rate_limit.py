"""Requests per caller: a token bucket per principal (a person, an API key, or an address
for anonymous callers), held by the app process. (Shared between processes with the
scaling work.)"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

BUCKETS_MAX = 100_000  # beyond this, the longest-idle buckets are forgotten


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    per_minute: int
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, caller: str, now: float | None = None) -> float:
        """Takes one request from the caller's bucket: 0 when allowed, else the seconds
        to wait before the next one would be."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= BUCKETS_MAX:
                self._forget_idle()
            bucket = self._buckets[caller] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def _forget_idle(self) -> None:
        oldest = sorted(self._buckets.items(), key=lambda item: item[1].at)
        for caller, _ in oldest[: len(oldest) // 2]:
            del self._buckets[caller]
