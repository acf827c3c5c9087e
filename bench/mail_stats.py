"""Prints how generated mail compares with the devset in size and header block (no asserts)."""

from __future__ import annotations

import argparse
import email
import statistics
from collections.abc import Iterable
from pathlib import Path

from gen_mail import MIXES, generate

DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"


def header_bytes(raw: bytes) -> int:
    """Bytes above the blank line that ends the header block (line ends included but the last)."""
    for blank in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(blank)
        if end >= 0:
            return end
    return len(raw)


def row(name: str, raws: Iterable[bytes]) -> str:
    sizes, heads, fields, received = [], [], [], []
    for raw in raws:
        message = email.message_from_bytes(raw)
        sizes.append(len(raw))
        heads.append(header_bytes(raw))
        fields.append(len(message.keys()))
        received.append(len(message.get_all("Received", [])))
    return (f"| {name} | {statistics.mean(sizes):,.0f} / {statistics.median(sizes):,.0f} | "
            f"{statistics.mean(heads):,.0f} / {statistics.median(heads):,.0f} | "
            f"{statistics.mean(fields):.1f} | {statistics.mean(received):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--devset", type=Path, default=DEVSET)
    args = parser.parse_args()
    print("| | size mean / median | header bytes mean / median | header fields mean | Received mean |")
    print("|---|---|---|---|---|")
    paths = sorted(args.devset.glob("*.eml"))
    if paths:
        print(row(f"devset ({len(paths)})", (p.read_bytes() for p in paths)))
    for mix in MIXES:
        mails = generate(args.count, args.seed, mix)
        print(row(f'generate({args.count}, {args.seed}, "{mix}")', (m.raw for m in mails)))


if __name__ == "__main__":
    main()
