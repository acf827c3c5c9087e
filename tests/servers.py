"""Real IMAP servers on loopback for tests: a private Dovecot, or pymap (dict) where Dovecot is absent."""

from __future__ import annotations

import contextlib
import grp
import importlib.metadata
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from imapclient import IMAPClient

HOST = "127.0.0.1"
START_TIMEOUT = 20.0
# Dovecot's master sleeps about 1 s during shutdown; leave room for a loaded machine.
STOP_TIMEOUT = 15.0
# Set to "dovecot" or "pymap" to force one server (e.g. to run the suite against pymap too).
SERVER_ENV = "MAILBOT_TEST_IMAP"


class ImapAccount(NamedTuple):
    """One mailbox user on the test server; unpacks as (host, port, user, password)."""

    host: str
    port: int
    user: str
    password: str


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def dovecot_binary() -> str | None:
    # Non-root PATHs often lack /usr/sbin, where Debian installs dovecot.
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def chosen_server() -> str:
    """Which IMAP server the tests use: 'dovecot' if installed (or forced), else 'pymap'."""
    forced = os.environ.get(SERVER_ENV, "").strip().lower()
    if forced in ("dovecot", "pymap"):
        return forced
    return "dovecot" if dovecot_binary() else "pymap"


def describe_server() -> str:
    """One line for the pytest report header."""
    kind = chosen_server()
    if kind == "dovecot":
        binary = dovecot_binary()
        if binary is None:
            return f"imap server: dovecot forced by {SERVER_ENV}, but no dovecot binary found"
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 check=False).stdout.strip()
        return f"imap server: Dovecot {version} ({binary}), private instance on {HOST}"
    why = f"forced by {SERVER_ENV}" if os.environ.get(SERVER_ENV) else "dovecot not installed"
    return (f"imap server: pymap {importlib.metadata.version('pymap')} dict backend "
            f"({why}), on {HOST}")


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"IMAP server exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"IMAP server did not listen on {HOST}:{port} in {START_TIMEOUT} s:\n"
                       f"{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin is not None:
        # EOF tells the guard to stop the server (SIGTERM, then wait).
        proc.stdin.close()
    try:
        proc.wait(STOP_TIMEOUT + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class ImapServer:
    """A running IMAP server we started; users are added without restarting it."""

    kind = "imap"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host = HOST
        self.port = free_port()
        self.log = root / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._users: list[tuple[str, str]] = []

    def start(self) -> ImapServer:
        raise NotImplementedError

    def new_account(self, prefix: str = "user") -> ImapAccount:
        """Add a fresh user (its own empty mailbox) and return its account."""
        with self._lock:
            user = f"{prefix}{len(self._users) + 1}x{secrets.token_hex(3)}"
            password = secrets.token_urlsafe(12)
            self._users.append((user, password))
            self._add_user(user, password)
        return ImapAccount(self.host, self.port, user, password)

    def _add_user(self, user: str, password: str) -> None:
        raise NotImplementedError

    def _launch(self, argv: Sequence[str]) -> None:
        guard = Path(__file__).with_name("server_guard.py")
        with self.log.open("ab") as out:
            # The guard stops the server when our end of its stdin closes, even if we are killed.
            self._proc = subprocess.Popen([sys.executable, str(guard), *argv],
                                          stdin=subprocess.PIPE, stdout=out,
                                          stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self._proc, self.log)

    def stop(self) -> None:
        if self._proc is not None:
            _stop_process(self._proc)
            self._proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


DOVECOT_CONF = """\
# Private test instance: includes nothing from /etc/dovecot, never the system service.
instance_name = mailbot-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/server.log
info_log_path = {root}/server.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
mail_max_userip_connections = 100
# Tests log in with wrong passwords on purpose: no 2 s failure delay, and no per-IP auth
# penalty (mode 0 on its anvil socket is Dovecot's documented switch), else every later login
# from 127.0.0.1, right or wrong, waits 2-15 s (measured 4.5 s after three failures).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{anvil_chroot}}}
mail_fsync = always
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{chroot}}}
{rootless}
"""

# Without root, no service may chroot and auth workers run as ourselves.
ROOTLESS = """\
service ipc {
  chroot =
}
service auth-worker {
  user = $default_internal_user
}
"""


class DovecotServer(ImapServer):
    """Dovecot 2.3 in the foreground (`dovecot -F`) with a private config, passwd-file users."""

    kind = "dovecot"

    def start(self) -> DovecotServer:
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        as_root = os.geteuid() == 0
        if as_root:
            # Pitfalls 1-2 (performance.md): mail may not run as uid 0, auth reads as `dovecot`.
            mail = pwd.getpwnam("nobody")
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
        else:
            mail = pwd.getpwuid(os.geteuid())
            internal_user, login_user = mail.pw_name, mail.pw_name
            internal_group = grp.getgrgid(mail.pw_gid).gr_name
        for sub in ("run", "state", "mail", "passwd.d"):
            (self.root / sub).mkdir(mode=0o755)
        if as_root:
            os.chown(self.root / "mail", mail.pw_uid, mail.pw_gid)
        conf = self.root / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(
            root=self.root, host=self.host, port=self.port, mail_uid=mail.pw_uid,
            mail_gid=mail.pw_gid, internal_user=internal_user, internal_group=internal_group,
            login_user=login_user, chroot="" if as_root else "  chroot =\n",
            anvil_chroot="" if as_root else "  chroot =\n",
            rootless="" if as_root else ROOTLESS))
        self._launch([binary, "-F", "-c", str(conf)])
        return self

    def _add_user(self, user: str, password: str) -> None:
        # One passwd-file per user (path has %u). Dovecot re-reads a changed passwd-file, but
        # stats it at most once per second, so a user appended to one shared file right after
        # another login is refused for up to a second (measured); a new file is read at once.
        target = self.root / "passwd.d" / user
        tmp = target.with_suffix(".tmp")
        tmp.write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        if os.geteuid() == 0:
            # Pitfall 1: auth reads it as `dovecot`, not root.
            os.chown(tmp, 0, grp.getgrnam("dovecot").gr_gid)
        tmp.chmod(0o640)
        tmp.replace(target)


class PymapServer(ImapServer):
    """pymap's in-memory dict backend, with users read from a file by tests/pymap_server.py."""

    kind = "pymap"

    def start(self) -> PymapServer:
        (self.root / "users").write_text("")
        launcher = Path(__file__).with_name("pymap_server.py")
        self._launch([sys.executable, str(launcher), str(self.root / "users"),
                      "--host", self.host, "--port", str(self.port), "dict"])
        return self

    def _add_user(self, user: str, password: str) -> None:
        tmp = self.root / "users.tmp"
        tmp.write_text("".join(f"{name}:{secret}\n" for name, secret in self._users))
        tmp.replace(self.root / "users")


def start_imap_server() -> ImapServer:
    """Start the chosen server in a fresh world-searchable directory under /tmp."""
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700 and Dovecot's users must search it;
    # a short path also keeps base_dir's sockets under the 107-byte limit.
    root = Path(tempfile.mkdtemp(prefix="mbimap-", dir="/tmp"))
    root.chmod(0o755)
    server: ImapServer = DovecotServer(root) if chosen_server() == "dovecot" else PymapServer(root)
    try:
        return server.start()
    except BaseException:
        server.stop()
        raise


def imap_connect(account: ImapAccount, timeout: float = 10.0) -> IMAPClient:
    """A logged-in imapclient connection (TCP_NODELAY: pymap stalls 40 ms per command without)."""
    client = IMAPClient(account.host, account.port, ssl=False, timeout=timeout)
    client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.normalise_times = False
    client.login(account.user, account.password)
    return client


@contextlib.contextmanager
def imap_session(account: ImapAccount) -> Iterator[IMAPClient]:
    client = imap_connect(account)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def imap_append(account: ImapAccount, raw: bytes, internaldate: datetime | None,
                folder: str = "INBOX", flags: Sequence[str] = ()) -> None:
    """APPEND one message with its received time (INTERNALDATE), as an MTA's delivery would."""
    with imap_session(account) as client:
        client.append(folder, raw, flags=tuple(flags), msg_time=internaldate)


def imap_list_folder(account: ImapAccount, folder: str) -> list[tuple[int, bytes]]:
    """(uid, exact bytes) of every message in a folder, by uid; [] if the folder is missing."""
    with imap_session(account) as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        if not uids:
            return []
        data = client.fetch(uids, ["BODY.PEEK[]"])
        return sorted((int(uid), bytes(item[b"BODY[]"])) for uid, item in data.items())


def imap_flags(account: ImapAccount, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
    """uid -> flags of every message in a folder (read-only select: changes nothing)."""
    with imap_session(account) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        return {int(uid): tuple(flags) for uid, flags in client.get_flags(uids).items()} if uids else {}
