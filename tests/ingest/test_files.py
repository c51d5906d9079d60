"""Files that move: every case on real files, with the exact count afterwards."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

from llmtop.ingest.once import ingest
from tests.ingest.helpers import (
    append,
    count,
    lines,
    query,
    record,
    request_ids,
    wait_committed,
    wait_for,
    wait_for_count,
)


def ids(indexes: range, prefix: str = "r") -> list[str]:
    return sorted(f"{prefix}{index}" for index in indexes)


def test_appended_lines_are_followed(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(5)))
    start_agent([str(log)])
    wait_committed(db_path, log)

    append(log, lines(range(5, 8)))
    append(log, lines(range(8, 10)))
    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(10))


def test_rename_and_recreate_reads_the_old_file_to_its_end_first(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(10)))
    start_agent([str(log)])
    wait_committed(db_path, log)

    append(log, lines(range(10, 15)))
    rotated = tmp_path / "app.jsonl.1"
    log.rename(rotated)  # logrotate `create`
    log.write_bytes(lines(range(15, 20)))
    # The application still holds the old file open until it reopens its log.
    append(rotated, lines(range(20, 22)))

    wait_committed(db_path, log, rotated)
    assert request_ids(db_path) == ids(range(22))
    old_last = query(
        db_path,
        "SELECT max(id) FROM events WHERE request_id IN "
        "('r10', 'r11', 'r12', 'r13', 'r14')",
    )[0][0]
    new_first = query(
        db_path,
        "SELECT min(id) FROM events WHERE request_id IN "
        "('r15', 'r16', 'r17', 'r18', 'r19')",
    )[0][0]
    assert old_last < new_first


def test_copytruncate_reads_again_from_the_start(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(10)))
    agent = start_agent([str(log)])
    wait_committed(db_path, log)

    shutil.copyfile(log, tmp_path / "app.jsonl.1")
    with log.open("r+b") as handle:
        handle.truncate(0)
    append(log, lines(range(10, 13)))  # shorter than the committed offset

    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(13))
    assert agent.status().stats.duplicates == 0


def test_copytruncate_while_stopped_and_regrown_past_the_offset(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(10)))
    agent = start_agent([str(log)])
    wait_committed(db_path, log)
    agent.stop()

    with log.open("r+b") as handle:
        handle.truncate(0)
    append(log, lines(range(100, 130)))  # now longer than the old offset

    start_agent([str(log)])
    wait_committed(db_path, log)
    # The first bytes changed, so the file is read from zero: 10 + 30 records.
    assert count(db_path) == 40
    assert request_ids(db_path) == sorted(ids(range(10)) + ids(range(100, 130)))


def test_deleted_and_created_again(tmp_path: Path, db_path: Path, start_agent) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(5)))
    start_agent([str(log)])
    wait_committed(db_path, log)

    log.unlink()
    log.write_bytes(lines(range(5, 9)))
    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(9))


def test_new_file_matching_a_glob_is_followed(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.jsonl").write_bytes(lines(range(3), "a"))
    start_agent([str(logs / "*.jsonl")])
    wait_committed(db_path, logs / "a.jsonl")

    (logs / "b.jsonl").write_bytes(lines(range(4), "b"))
    (logs / "c.txt").write_bytes(lines(range(2), "c"))  # not matched by the glob
    wait_committed(db_path, logs / "b.jsonl")
    assert request_ids(db_path) == sorted(ids(range(3), "a") + ids(range(4), "b"))


def test_new_file_in_a_followed_directory_is_followed(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    start_agent([str(logs)])
    nested = logs / "team" / "svc"
    nested.mkdir(parents=True)
    (nested / "usage.ndjson").write_bytes(lines(range(4), "n"))
    (logs / "notes.md").write_text("not a log\n")
    wait_for_count(db_path, 4)
    wait_committed(db_path, nested / "usage.ndjson")
    assert request_ids(db_path) == ids(range(4), "n")


def test_identical_first_lines_are_two_files(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    header = lines([0], "same")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(header + lines(range(1, 6), "a"))
    start_agent([str(tmp_path)])
    wait_committed(db_path, a)
    b.write_bytes(header + lines(range(1, 6), "b"))

    wait_committed(db_path, a, b)
    # The shared first record once, then five of each file: 1 + 5 + 5.
    assert count(db_path) == 11
    assert query(db_path, "SELECT count(*) FROM sources WHERE kind = 'file'") == [(2,)]


def test_rotated_copies_are_skipped_in_directories(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    (tmp_path / "app.jsonl").write_bytes(lines(range(10)))
    (tmp_path / "app.jsonl.1").write_bytes(lines(range(100, 105)))
    (tmp_path / "app.jsonl.2026-12-04").write_bytes(lines(range(200, 205)))
    with gzip.open(tmp_path / "app.jsonl.2.gz", "wb") as handle:
        handle.write(lines(range(300, 305)))
    start_agent([str(tmp_path)])
    wait_committed(db_path, tmp_path / "app.jsonl")
    assert request_ids(db_path) == ids(range(10))


def test_rotated_copies_named_by_a_glob_add_nothing_already_stored(
    tmp_path: Path, db_path: Path
) -> None:
    live = tmp_path / "app.jsonl"
    live.write_bytes(lines(range(10)))
    assert ingest(db_path, [str(live)]).stored == 10
    (tmp_path / "app.jsonl.1").write_bytes(lines(range(5)))
    (tmp_path / "app.jsonl.2026-12-04").write_bytes(lines(range(5, 10)))
    with gzip.open(tmp_path / "app.jsonl.2.gz", "wb") as handle:
        handle.write(lines(range(10)))

    # A glob matching the live file too passes over its rotated copies.
    shadowed = ingest(db_path, [str(tmp_path / "app.jsonl*")])
    assert (shadowed.stored, shadowed.duplicates) == (0, 10)

    # Named on their own they are read: 5 + 5 + 10 records, all already stored.
    report = ingest(db_path, [str(tmp_path / "app.jsonl.*")])
    assert (report.stored, report.duplicates) == (0, 20)
    assert count(db_path) == 10


def test_atomic_replace_is_still_followed(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "state.jsonl"
    log.write_bytes(lines(range(5)))
    start_agent([str(log)])
    wait_committed(db_path, log)

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    staged = scratch / "state.jsonl.tmp"
    staged.write_bytes(lines(range(10)))  # the old records and five new ones
    os.replace(staged, log)
    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(10))

    append(log, lines(range(10, 12)))
    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(12))


def test_whole_document_files_in_a_followed_directory(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    start_agent([str(tmp_path)])
    pretty = tmp_path / "response.json"
    pretty.write_text(json.dumps(record(1, "doc"), indent=2))
    listed = tmp_path / "responses.json"
    listed.write_text(json.dumps([record(i, "arr") for i in range(3)], indent=2))

    wait_committed(db_path, pretty, listed)
    assert request_ids(db_path) == sorted(["doc1", "arr0", "arr1", "arr2"])


def test_poll_follows_and_says_so(tmp_path: Path, db_path: Path, start_agent) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(3)))
    agent = start_agent([str(log)], poll=True)
    wait_committed(db_path, log)
    append(log, lines(range(3, 6)))
    wait_committed(db_path, log)

    status = agent.status()
    assert request_ids(db_path) == ids(range(6))
    assert (status.polling, status.polling_reason) == (True, "asked for with --poll")
    assert [str(item) for item in status.following] == [str(log)]


def test_a_file_named_before_it_exists_is_followed_once_created(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "later" / "app.jsonl"
    start_agent([str(log)])
    log.parent.mkdir()
    log.write_bytes(lines(range(4)))
    wait_for(log.exists)
    wait_for_count(db_path, 4)
    wait_committed(db_path, log)
    assert request_ids(db_path) == ids(range(4))
