"""Imported only by the reader pool's forkserver: loads the readers' needs once, before forking."""

from __future__ import annotations

from mailbot.pipeline.readers import warm_reader

# An import with an effect, on purpose: the readers forked afterwards share these pages.
warm_reader()
