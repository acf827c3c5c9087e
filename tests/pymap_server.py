"""Launch pymap's dict backend with logins read from a users file (`name:password` lines)."""

# Usage: python pymap_server.py USERS_FILE [pymap arguments...]
# The file is re-read on every login, so tests add users without a restart, as with
# Dovecot's passwd-file.

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pymap import main as pymap_main
from pymap.backend.dict import Identity, Login
from pymap.user import Passwords, UserMetadata

USERS = Path(sys.argv.pop(1))
_authenticate = Login.authenticate


async def _authenticate_with_file(self: Login, credentials: Any) -> Identity:
    try:
        lines = USERS.read_text().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        name, _, password = line.partition(":")
        if name and name not in self.users_dict:
            hashed = await Passwords(self.config).hash_password(password)
            await Identity(name, self, None, frozenset()).set(
                UserMetadata(self.config, name, password=hashed))
    return await _authenticate(self, credentials)


Login.authenticate = _authenticate_with_file  # type: ignore[method-assign]

if __name__ == "__main__":
    pymap_main.main()
