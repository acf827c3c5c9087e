"""MaildirInbox: a local Maildir with stable UIDs kept in a uid list file, and seed_maildir."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.errors import MailboxError
from mailbot.inbox.base import FetchedMessage, MailboxState

log = logging.getLogger("mailbot.inbox")

UIDLIST = "mailbot-uidlist"
LOCKFILE = "mailbot-uidlist.lock"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SUBDIRS = ("tmp", "new", "cur")


def _ns(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("a received time must be timezone-aware")
    return (when - _EPOCH) // timedelta(microseconds=1) * 1000


def _mtime(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _make_maildir(root: Path) -> None:
    for sub in _SUBDIRS:
        (root / sub).mkdir(parents=True, exist_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _key(name: str) -> str:
    # The unique part of a Maildir name; the ":2,FLAGS" info changes when flags change.
    return name.split(":", 1)[0]


@dataclass
class _UidList:
    """The parsed uid list: `uidvalidity next_uid`, then one `uid key` line per message."""

    uidvalidity: int
    next_uid: int
    uids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> _UidList:
        lines = text.splitlines()
        validity, next_uid = (int(part) for part in lines[0].split())
        uids: dict[str, int] = {}
        for line in lines[1:]:
            uid, key = line.split(" ", 1)
            uids[key] = int(uid)
        if validity <= 0 or any(uid >= next_uid or uid <= 0 for uid in uids.values()):
            raise ValueError("uid out of range")
        return cls(validity, next_uid, uids)

    def render(self) -> str:
        body = "".join(f"{uid} {key}\n" for key, uid in sorted(self.uids.items(),
                                                              key=lambda kv: kv[1]))
        return f"{self.uidvalidity} {self.next_uid}\n{body}"


class MaildirInbox:
    """A Maildir (new/, cur/, tmp/; created if missing) read as one folder with UIDs."""

    # How often wait_for_mail looks at new/ and cur/ (two listdirs).
    poll_seconds = 0.2

    def __init__(self, path: Path, processed_folder: str) -> None:
        self._root = Path(path)
        name = processed_folder.strip().replace("/", ".")
        if (not name or name.startswith(".") or ".." in name
                or any(ord(char) < 0x20 or ord(char) == 0x7F for char in name)):
            raise MailboxError(f"the processed folder name {processed_folder!r} cannot be a "
                               "Maildir++ folder")
        # Maildir++: the subfolder "Processed" lives in ".Processed/".
        self._processed = self._root / f".{name}"
        self._list = _UidList(0, 1)
        self._paths: dict[str, Path] = {}
        self._by_uid: dict[int, str] = {}
        # Names wait_for_mail does not report as new: all scanned, and those already announced.
        self._announced: set[str] = set()

    @property
    def where(self) -> str:
        return f"maildir:{self._root}"

    def __enter__(self) -> MaildirInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise MailboxError(f"Maildir {self._root}: {action} failed: "
                               f"{exc.strerror or exc}") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # The daemon and a staff command may scan at once; UIDs must be handed out once.
        with open(self._root / LOCKFILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def open(self) -> MailboxState:
        with self._guard("opening"):
            _make_maildir(self._root)
            self._scan()
        return MailboxState(uidvalidity=self._list.uidvalidity, uidnext=self._list.next_uid,
                            exists=len(self._paths))

    def close(self) -> None:
        self._paths = {}
        self._by_uid = {}

    def _listing(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        # new/ before cur/: a message moving new -> cur meanwhile is then seen in cur/.
        for sub in ("new", "cur"):
            for name in os.listdir(self._root / sub):
                if not name.startswith(".") and "\n" not in name:
                    found[_key(name)] = self._root / sub / name
        return found

    def _scan(self) -> None:
        with self._locked():
            self._paths = self._listing()
            uidlist, changed = self._load()
            for key in [key for key in uidlist.uids if key not in self._paths]:
                del uidlist.uids[key]
                changed = True
            fresh = [key for key in self._paths if key not in uidlist.uids]
            if fresh:
                stamps = {key: self._paths[key].stat().st_mtime_ns for key in fresh}
                for key in sorted(fresh, key=lambda k: (stamps[k], k)):
                    uidlist.uids[key] = uidlist.next_uid
                    uidlist.next_uid += 1
                changed = True
            if changed:
                self._save(uidlist)
            self._list = uidlist
            self._by_uid = {uid: key for key, uid in uidlist.uids.items()}
            self._announced = set(self._paths)

    def _load(self) -> tuple[_UidList, bool]:
        """The uid list on disk, and whether it must be written (new or replaced)."""
        path = self._root / UIDLIST
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            # Saved even while the folder is empty: its UIDVALIDITY must survive to the next open.
            return _UidList(int(time.time()), 1), True
        try:
            return _UidList.parse(text), False
        except (ValueError, IndexError):
            # Like an IMAP server losing its UIDs: a new, larger UIDVALIDITY tells the
            # pipeline to rescan and match what it has by hash.
            old = self._list.uidvalidity
            with contextlib.suppress(ValueError, IndexError):
                old = max(old, int(text.split()[0]))
            fresh = _UidList(max(int(time.time()), old + 1), 1)
            log.warning("maildir_uidlist_corrupt path=%s new_uidvalidity=%d", path,
                        fresh.uidvalidity)
            return fresh, True

    def _save(self, uidlist: _UidList) -> None:
        tmp = self._root / f"{UIDLIST}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(uidlist.render())
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self._root / UIDLIST)
        _fsync_dir(self._root)

    def _path(self, uid: int) -> Path | None:
        key = self._by_uid.get(uid)
        if key is None:
            return None
        path = self._paths.get(key)
        if path is not None and path.exists():
            return path
        # Renamed since the scan (new -> cur, or a flag change by a mail client): look again.
        self._paths = self._listing()
        return self._paths.get(key)

    def uids_after(self, last_uid: int) -> list[int]:
        with self._guard("scanning"):
            self._scan()
        return sorted(uid for uid in self._by_uid if uid > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        with self._guard("reading sizes"):
            for uid in uids:
                path = self._path(uid)
                with contextlib.suppress(FileNotFoundError):
                    if path is not None:
                        sizes[uid] = path.stat().st_size
        return sizes

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMessage]:
        for uid in sorted(set(uids)):
            with self._guard("reading a message"):
                path = self._path(uid)
                if path is None:
                    continue
                try:
                    with open(path, "rb") as handle:
                        raw = handle.read()
                        stamp = os.fstat(handle.fileno()).st_mtime_ns
                except FileNotFoundError:
                    continue
            yield FetchedMessage(uid=uid, raw=raw, internaldate=_mtime(stamp))

    def mark_processed(self, uids: Sequence[int]) -> None:
        if not uids:
            return
        with self._guard("moving messages to the processed folder"), self._locked():
            _make_maildir(self._processed)
            (self._processed / "maildirfolder").touch()
            target = self._processed / "cur"
            uidlist, _ = self._load()
            for uid in sorted(set(uids)):
                path = self._path(uid)
                if path is None or not path.exists():
                    continue
                self._move(path, target)
                uidlist.uids.pop(_key(path.name), None)
                self._paths.pop(_key(path.name), None)
                self._by_uid.pop(uid, None)
            _fsync_dir(target)
            for sub in ("new", "cur"):
                _fsync_dir(self._root / sub)
            self._save(uidlist)
            self._list = uidlist

    @staticmethod
    def _move(path: Path, target: Path) -> None:
        name = path.name if ":" in path.name else f"{path.name}:2,"
        candidate = target / name
        # link + unlink never replaces an existing file (rename would): a clash keeps both.
        for attempt in range(100):
            try:
                os.link(path, candidate)
                break
            except FileExistsError:
                candidate = target / f"{_key(name)}.{attempt + 1}:{name.split(':', 1)[1]}"
        else:
            raise OSError(f"no free name for {name} in {target}")
        os.unlink(path)

    def wait_for_mail(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            with self._guard("watching for mail"):
                fresh = set(self._listing()) - self._announced
            if fresh:
                self._announced |= fresh
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll_seconds, left))


def seed_maildir(path: Path, messages: Iterable[tuple[bytes, datetime | None]]) -> int:
    """Deliver messages as an MDA would (tmp/ then new/, unique names, fsync); mtime = received.

    Returns how many were delivered. A received time must be timezone-aware.
    """
    root = Path(path)
    _make_maildir(root)
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    count = 0
    for raw, received in messages:
        now = time.time()
        name = (f"{int(now)}.M{int(now % 1 * 1_000_000)}P{os.getpid()}Q{count}"
                f"R{secrets.token_hex(4)}.{host}")
        tmp = root / "tmp" / name
        with open(tmp, "xb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        if received is not None:
            stamp = _ns(received)
            os.utime(tmp, ns=(stamp, stamp))
        tmp.rename(root / "new" / name)
        count += 1
    _fsync_dir(root / "new")
    return count
