"""Imported only by the reader pool's forkserver: loads the readers' needs once, before forking."""

from __future__ import annotations

import gc

from mailbot.pipeline.readers import warm_reader

# An import with an effect, on purpose: the readers forked afterwards share these pages.
warm_reader()
# What is loaded now lives as long as the readers: kept out of the collector's reach, its
# objects' pages stay shared with the forked readers instead of being copied by a collection.
gc.freeze()
