"""Client-side rate limiter: sliding windows over a fake clock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wexcore.rest.endpoints import Limit, futures, spot
from wexcore.rest.limits import Bucket, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _send_times(limiter, buckets, clock, arrivals):
    """Each request arrives at its time, waits what reserve() says, and is sent."""
    sent = []
    for a in arrivals:
        clock.t = max(clock.t, a)
        d = limiter.reserve(buckets)
        sent.append(clock.t + d)
    return sent


def test_burst_waits_instead_of_exceeding():
    clock = FakeClock()
    lim = RateLimiter(margin=0.0, clock=clock)
    b = lim.bucket("h", "k", "g", Limit("apikey", 10, 1.0))
    sent = _send_times(lim, (b,), clock, [1000.0] * 25)
    assert sent[:10] == [1000.0] * 10
    assert sent[10:20] == [1001.0] * 10
    assert sent[20:] == [1002.0] * 5


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 12),
    per=st.sampled_from([0.5, 1.0, 10.0]),
    gaps=st.lists(st.floats(0, 0.3), min_size=1, max_size=60),
)
def test_never_more_than_count_in_any_window(count, per, gaps):
    clock = FakeClock()
    lim = RateLimiter(margin=0.0, clock=clock)
    b = lim.bucket("h", "k", "g", Limit("ip", count, per))
    arrivals, t = [], 1000.0
    for g in gaps:
        t += g
        arrivals.append(t)
    sent = _send_times(lim, (b,), clock, arrivals)
    assert sent == sorted(sent)
    for i in range(count, len(sent)):
        assert sent[i] - sent[i - count] >= per - 1e-9


def test_two_buckets_respect_both_and_keep_order():
    clock = FakeClock()
    lim = RateLimiter(margin=0.0, clock=clock)
    fast = lim.bucket("h", "k", "a", Limit("apikey", 5, 1.0))
    slow = lim.bucket("h", "ip", "b", Limit("ip", 2, 1.0))
    sent = _send_times(lim, (fast, slow), clock, [1000.0] * 4)
    assert sent == [1000.0, 1000.0, 1001.0, 1001.0]
    # A request on `fast` alone queues behind the bookings pushed into the future.
    assert _send_times(lim, (fast,), clock, [1000.0]) == [1001.0]


def test_disabled_is_free():
    lim = RateLimiter(enabled=False)
    b = lim.bucket("h", "k", "g", Limit("apikey", 1, 60.0))
    assert [lim.reserve((b,)) for _ in range(5)] == [0.0] * 5


def test_buckets_are_per_key_and_shared_groups():
    lim = RateLimiter()
    a = lim.buckets_for(spot["place_order"], "h", "key-a")
    b = lim.buckets_for(spot["place_order"], "h", "key-b")
    assert a[0] is not b[0]
    assert lim.buckets_for(spot["place_order"], "h", "key-a")[0] is a[0]
    # Futures endpoints share the 1000/min IP bucket whatever the key.
    f1 = lim.buckets_for(futures["place_order"], "f", "key-a")
    f2 = lim.buckets_for(futures["get_order"], "f", "key-b")
    shared = {x for x in f1 if x.count == 1000} & {x for x in f2 if x.count == 1000}
    assert len(shared) == 1
    # Different hosts do not share.
    assert (
        lim.buckets_for(spot["depth"], "h1", None)[0]
        is not lim.buckets_for(spot["depth"], "h2", None)[0]
    )


def test_margin_widens_the_window():
    clock = FakeClock()
    lim = RateLimiter(margin=0.05, clock=clock)
    b = lim.bucket("h", "k", "g", Limit("apikey", 1, 1.0))
    assert _send_times(lim, (b,), clock, [1000.0, 1000.0]) == [1000.0, 1001.05]


def test_bad_limits():
    with pytest.raises(ValueError, match="rate limit"):
        Bucket(0, 1.0)
