"""The virtual-time event loop under market replays."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from wexcore.rest.limits import RateLimiter
from wexcore.sim.vclock import VirtualTimeLoop


def run(coro_fn, start: float = 0.0):
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(start=start)) as runner:
        return runner.run(coro_fn())


def test_idle_time_is_skipped_exactly():
    async def main():
        loop = asyncio.get_running_loop()
        t0, w0 = loop.time(), time.perf_counter()
        await asyncio.sleep(3600)
        return loop.time() - t0, time.perf_counter() - w0, loop.jumps

    virtual, wall, jumps = run(main, start=50.0)
    assert virtual == 3600 and jumps >= 1
    assert wall < 5  # an hour of virtual time, not of wall time


def test_work_takes_no_virtual_time_and_timers_keep_their_order():
    async def main():
        loop = asyncio.get_running_loop()
        order = []

        async def later(delay, name):
            await asyncio.sleep(delay)
            order.append((name, loop.time()))

        t0 = loop.time()
        time.sleep(0.02)  # busy: the clock stands still
        busy = loop.time() - t0
        await asyncio.gather(later(2, "b"), later(1, "a"), later(2.5, "c"))
        return busy, order

    busy, order = run(main)
    assert busy == 0
    assert order == [("a", 1.0), ("b", 2.0), ("c", 2.5)]


def test_loopback_io_takes_no_virtual_time():
    async def main():
        loop = asyncio.get_running_loop()

        async def echo(reader, writer):
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t0 = loop.time()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        got = b""
        for i in range(200):
            writer.write(b"x" * 1000 + str(i).encode())
            await writer.drain()
            got += await reader.readexactly(1000 + len(str(i)))
        writer.close()
        server.close()
        await server.wait_closed()
        return loop.time() - t0, len(got)

    elapsed, n = run(main)
    assert elapsed == 0 and n == 200 * 1000 + sum(len(str(i)) for i in range(200))


def test_an_executor_job_holds_the_clock():
    async def main():
        loop = asyncio.get_running_loop()
        sleeper = asyncio.ensure_future(asyncio.sleep(10))
        t0 = loop.time()
        await loop.run_in_executor(None, time.sleep, 0.05)
        during = loop.time() - t0
        assert not sleeper.done()
        await sleeper
        return during, loop.time() - t0

    during, total = run(main)
    assert during == 0 and total == 10


def test_writers_and_vetoes_hold_the_clock():
    async def main():
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop) and not loop.must_wait()
        a, b = socket.socketpair()
        try:
            loop.add_writer(a.fileno(), lambda: None)
            assert loop.must_wait()
            loop.remove_writer(a.fileno())
            assert not loop.must_wait()
        finally:
            a.close()
            b.close()
        held = [True]
        remove = loop.add_jump_veto(lambda: held[0])
        assert loop.must_wait()
        sleeper = asyncio.ensure_future(asyncio.sleep(1))
        await asyncio.sleep(0)
        t0 = loop.time()
        loop.call_later(0, lambda: None)
        await asyncio.sleep(0)
        assert loop.time() == t0  # held: no jump yet
        held[0] = False
        remove()
        await sleeper
        return loop.time() - t0

    assert run(main) == pytest.approx(1.0)


def test_following_real_time_ends_the_jumps():
    async def main():
        loop = asyncio.get_running_loop()
        await asyncio.sleep(100)
        loop.follow_real_time()
        assert not loop.jumping
        t0, w0 = loop.time(), time.perf_counter()
        await asyncio.sleep(0.05)
        real = (loop.time() - t0, time.perf_counter() - w0)
        loop.jump_again()
        t1 = loop.time()
        await asyncio.sleep(50)
        return real, loop.time() - t1

    (virtual, wall), later = run(main)
    assert virtual >= 0.05 and wall >= 0.049 and later == 50


def test_the_rest_clients_rate_limiter_counts_on_virtual_time():
    async def main():
        loop = asyncio.get_running_loop()
        limiter = RateLimiter(margin=0.0)
        assert limiter.clock() == loop.time() == 1000.0
        await asyncio.sleep(5)
        return limiter.clock()

    assert run(main, start=1000.0) == 1005.0
    assert abs(RateLimiter().clock() - time.monotonic()) < 1  # outside: the machine's
