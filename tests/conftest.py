"""Shared pytest fixtures: real IMAP (Dovecot, or pymap without it), an SMTP sink, a TCP proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from servers import ImapAccount, ImapServer, describe_server, start_imap_server
from smtp_sink import SmtpSink
from tcp_proxy import TcpProxy


def pytest_report_header(config: pytest.Config) -> str:
    return describe_server()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[ImapServer]:
    """One private IMAP server per session (Dovecot; pymap dict where Dovecot is absent)."""
    server = start_imap_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_account(dovecot: ImapServer) -> ImapAccount:
    """A new user with an empty mailbox: tests are isolated without restarting the server."""
    return dovecot.new_account()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on 127.0.0.1 recording accepted mail; faults via .fail/.stall/.drop_after_data."""
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    """Factory: tcp_proxy(host, port) -> a started proxy; all are closed after the test."""
    proxies: list[TcpProxy] = []

    def make(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def imap_proxy(imap_account: ImapAccount,
               tcp_proxy: Callable[[str, int], TcpProxy]) -> TcpProxy:
    """A proxy in front of the test IMAP server (connect the code under test to its port)."""
    return tcp_proxy(imap_account.host, imap_account.port)
