"""`mailbot serve`: Datasette on 127.0.0.1 shows the database read-only with our metadata."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from e2e_support import ROOT

from mailbot.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_read_only_with_canned_queries(tmp_path: Path) -> None:
    db = tmp_path / "mailbot.db"
    Store(db).close()
    port = free_port()
    env = {**os.environ, "MAILBOT_DATABASE": str(db), "MAILBOT_CONFIG": str(ROOT / "config.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, body = get(f"{base}/-/metadata.json")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise AssertionError(proc.stdout.read() if proc.stdout else "no output")
        meta = json.loads(body)
        assert meta["title"].startswith("mailbot")
        assert "do_przejrzenia" in meta["databases"]["mailbot"]["queries"]
        status, body = get(f"{base}/mailbot/registrations.json")
        assert status == 200
        status, body = get(f"{base}/mailbot.json?sql=delete+from+messages")
        assert status == 400
        status, body = get(f"{base}/mailbot/lista_uczestnikow.json")
        assert status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Stopping `mailbot serve` stops the server too: nothing listens on the port any more.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
