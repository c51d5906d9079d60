"""The SQLite store: schema, the one writer, and connections for readers."""

from __future__ import annotations

from llmtop.store.connection import open_database
from llmtop.store.writer import Batch, BatchResult, write_batch

__all__ = ["Batch", "BatchResult", "open_database", "write_batch"]
