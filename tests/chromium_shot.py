"""Headless Chromium screenshots of rendered HTML (digest, attendance list) for the tests."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian package chromium is not installed (/usr/bin/chromium)"
)


def screenshot(html_path: Path, png_path: Path, profile: Path,
               size: tuple[int, int] = (1000, 1400)) -> None:
    """Render a local HTML file and save a PNG; offline (no network features, no GPU)."""
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png_path}",
        f"--window-size={size[0]},{size[1]}", html_path.resolve().as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def png_dimensions(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
