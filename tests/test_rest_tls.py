"""The default REST transport (wexcore.rest._http) over TLS.

The real exchange is HTTPS; the loopback tests elsewhere are plain HTTP. Here
a throwaway self-signed certificate (made with the openssl command line) serves
127.0.0.1, and both pools must verify it, keep the connection alive, and read
Content-Length and chunked bodies through TLS.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading

import pytest

from wexcore.rest._http import AsyncPool, SyncPool

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not found")

BODY = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"serverTime":1662435658062}}'


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(crt), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return str(crt), str(key)


class TLSServer:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 over TLS, on its own loop thread."""

    def __init__(self, cert: tuple[str, str]) -> None:
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(*cert)
        self.connections = 0
        self.requests: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader, writer):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                if b"/chunked" in head.split(b"\r\n", 1)[0]:
                    half = len(BODY) // 2
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                 b"Content-Type: application/json\r\n\r\n"
                                 + f"{half:x}\r\n".encode() + BODY[:half] + b"\r\n"
                                 + f"{len(BODY) - half:x}\r\n".encode() + BODY[half:]
                                 + b"\r\n0\r\n\r\n")
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def _run(self):
        asyncio.set_event_loop(self.loop)

        async def start():
            self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ctx)
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc):
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def client_context(cert):
    ctx = ssl.create_default_context(cafile=cert[0])
    return ctx


def test_sync_pool_over_tls_keeps_alive_and_reads_both_framings(cert):
    with TLSServer(cert) as srv:
        pool = SyncPool(f"https://127.0.0.1:{srv.port}", ssl_context=client_context(cert))
        try:
            for path in ("/v4/public/time", "/chunked", "/v4/public/time"):
                status, _headers, body = pool.request("GET", path, {}, None)
                assert status == 200 and body == BODY
        finally:
            pool.close()
        assert srv.connections == 1  # one TLS handshake, reused
        assert srv.requests[0].startswith(b"GET /v4/public/time HTTP/1.1\r\n")


def test_sync_pool_rejects_untrusted_certificate(cert):
    from wexcore.rest._http import ConnectFailed

    with TLSServer(cert) as srv:
        pool = SyncPool(f"https://127.0.0.1:{srv.port}")  # system trust store only
        with pytest.raises(ConnectFailed, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            pool.request("GET", "/v4/public/time", {}, None)
        pool.close()


async def test_async_pool_over_tls(cert):
    with TLSServer(cert) as srv:
        pool = AsyncPool(f"https://127.0.0.1:{srv.port}", ssl_context=client_context(cert))
        try:
            for path in ("/chunked", "/v4/public/time"):
                status, _headers, body = await pool.request("GET", path, {}, None)
                assert status == 200 and body == BODY
        finally:
            await pool.aclose()
        assert srv.connections == 1
