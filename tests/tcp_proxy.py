"""A loopback TCP proxy for fault tests: cut, stall or refuse connections on command."""

from __future__ import annotations

import contextlib
import socket
import threading

from servers import HOST


class _Link:
    """One client connection and its upstream connection, pumped by two threads."""

    def __init__(self, proxy: TcpProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.downstream_bytes = 0
        self._closed = threading.Event()

    def start(self) -> None:
        for src, dst, down in ((self.client, self.upstream, False),
                               (self.upstream, self.client, True)):
            threading.Thread(target=self._pump, args=(src, dst, down), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, downstream: bool) -> None:
        try:
            while not self._closed.is_set():
                data = src.recv(65536)
                if not data:
                    break
                # A stalled proxy holds the bytes: the peer sees silence, not an error.
                self.proxy._flowing.wait()
                if downstream and self.proxy.cut_after_bytes is not None:
                    room = self.proxy.cut_after_bytes - self.downstream_bytes
                    if room < len(data):
                        dst.sendall(data[:max(room, 0)])
                        break
                dst.sendall(data)
                if downstream:
                    self.downstream_bytes += len(data)
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.proxy._forget(self)


class TcpProxy:
    """Listens on 127.0.0.1 (free port) and forwards each connection to target_host:port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.host = HOST
        # Close new connections at once (the server looks down).
        self.refuse = False
        # Cut each connection once this many bytes went server -> client (e.g. mid-literal).
        self.cut_after_bytes: int | None = None
        self.accepted = 0
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.refuse:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, upstream)
            with self._lock:
                self._links.add(link)
            link.start()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    @property
    def live(self) -> int:
        """Connections currently open through the proxy."""
        with self._lock:
            return len(self._links)

    def cut(self) -> int:
        """Close every live connection (both sides, like a reset); returns how many."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()
        return len(links)

    def stall(self) -> None:
        """Stop forwarding bytes (connections stay open): the peer waits on silence."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._flowing.set()
        # shutdown() wakes the thread blocked in accept(); close() alone does not on Linux.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(5)
        self.cut()
