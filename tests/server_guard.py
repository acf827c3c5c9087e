"""Run a test server as our child and stop it when stdin closes (the session ended or died)."""

# Usage: python server_guard.py COMMAND [ARGS...]; the caller holds our stdin pipe.
# Dovecot resets the parent-death signal (PR_SET_PDEATHSIG) when it changes credentials,
# so a killed pytest would leave it running; this guard notices EOF instead.

from __future__ import annotations

import subprocess
import sys
import threading

STOP_SECONDS = 15.0


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()


def main() -> int:
    child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)

    def watch() -> None:
        sys.stdin.buffer.read()
        _stop(child)

    threading.Thread(target=watch, daemon=True).start()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
