"""Which files a source argument means: a path, a glob or a directory.

A directory is read recursively and keeps to the file types logs come in. A
rotated copy (`app.log.1`, `app.log.gz`, `app.log.2026-12-04`) holds records the
live file already gave, so it is passed over unless the user's argument names
rotated copies and nothing else.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: What a directory is searched for.
LOG_SUFFIXES = (".jsonl", ".json", ".ndjson", ".log", ".txt")
_GLOB_CHARS = re.compile(r"[*?\[]")
_ROTATED = re.compile(
    r"""(
        \.\d{1,4}                                   # app.log.1
      | \.(gz|bz2|xz|zst|lz4|zip|z)                 # compressed copies
      | [.\-_]\d{4}-?\d{2}-?\d{2}([T_\-]?\d{2,6})?  # app.log.2026-12-04, -20261204
      | \.(old|bak|save|orig)
    )+$""",
    re.VERBOSE | re.IGNORECASE,
)
_HIDDEN_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules"})

SpecKind = Literal["file", "dir", "glob", "stdin"]


@dataclass(frozen=True)
class Spec:
    """One source argument, resolved enough to be watched and re-expanded."""

    text: str
    kind: SpecKind
    path: Path
    pattern: str | None = None

    @property
    def watch_root(self) -> Path:
        """The directory whose change events concern this source."""
        if self.kind == "dir":
            return self.path
        return self.path.parent if self.kind == "file" else self.path

    @property
    def recursive(self) -> bool:
        """Whether changes below `watch_root`'s own entries matter."""
        if self.kind == "dir":
            return True
        return self.kind == "glob" and "/" in (self.pattern or "")


def parse_spec(text: str) -> Spec:
    """Tell a path, a directory, a glob and stdin (`-`) apart."""
    if text == "-":
        return Spec(text, "stdin", Path("-"))
    path = Path(text).expanduser()
    if _GLOB_CHARS.search(text) and not path.exists():
        root, pattern = _split_glob(path)
        return Spec(text, "glob", root, pattern)
    absolute = Path(os.path.abspath(path))
    if absolute.is_dir():
        return Spec(text, "dir", absolute)
    return Spec(text, "file", absolute)


def expand(spec: Spec) -> list[Path]:
    """The files a spec means right now, in a stable order."""
    if spec.kind == "file":
        return [spec.path] if spec.path.is_file() else []
    if spec.kind == "dir":
        return sorted(_walk(spec.path))
    if spec.kind == "glob":
        matched = [
            Path(os.path.abspath(name))
            for name in glob.glob(
                str(spec.path / (spec.pattern or "*")), recursive=True
            )
        ]
        return _without_shadowed_copies(path for path in matched if path.is_file())
    return []


def is_rotated(name: str) -> bool:
    """Whether a file name looks like a rotated or compressed copy of a log.

    A name that ends in a log type is a live file, dated or not
    (`usage-2026-12-04.jsonl`); a date or number after the type is rotation.
    """
    if name.lower().endswith(LOG_SUFFIXES):
        return False
    return live_name(name) != name


def is_log_name(name: str) -> bool:
    """Whether a directory scan takes this file (log types, no hidden files)."""
    return not name.startswith(".") and name.lower().endswith(LOG_SUFFIXES)


def live_name(name: str) -> str:
    """The live file's name that a rotated copy came from (`a.log.1` → `a.log`)."""
    lowered = name.lower()
    for suffix in LOG_SUFFIXES:
        index = lowered.rfind(suffix)
        if index > 0 and _ROTATED.fullmatch(name[index + len(suffix) :]):
            return name[: index + len(suffix)]
    match = _ROTATED.search(name)
    if match and match.start() > 0:
        return name[: match.start()]
    return name


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name not in _HIDDEN_DIRS]
        for name in files:
            if is_log_name(name):
                yield Path(folder) / name


def _without_shadowed_copies(paths: Iterable[Path]) -> list[Path]:
    """Drop rotated copies whose live file the same glob also matched."""
    found = sorted(set(paths))
    names = {(path.parent, path.name) for path in found}
    return [
        path
        for path in found
        if not (
            is_rotated(path.name)
            and (path.parent, live_name(path.name)) in names
            and live_name(path.name) != path.name
        )
    ]


def _split_glob(path: Path) -> tuple[Path, str]:
    """The fixed directory before the first wildcard, and the pattern after it."""
    parts = path.parts
    for index, part in enumerate(parts):
        if _GLOB_CHARS.search(part):
            root = Path(*parts[:index]) if index else Path(".")
            return Path(os.path.abspath(root)), "/".join(parts[index:])
    return Path(os.path.abspath(path.parent)), path.name
