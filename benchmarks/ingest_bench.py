"""How fast llmtop stores a big log, beside the plainest honest ingest of it.

    python benchmarks/ingest_bench.py [--records N] [--seed S] [--keep DIR]

A seeded generator writes N native JSONL records to a temporary file. Then, each
in a fresh process so that peak memory is its own:

- baseline: orjson decodes each line and `executemany` inserts it into an events
  table with llmtop's columns and indexes, 20,000 rows a transaction; no
  validation, no dedupe check, no pricing, no rollups;
- llmtop: `llmtop.ingest.once.ingest`, the real path: the byte-offset reader,
  RecordDecoder (format detection, validation, pricing), the writer thread and
  `write_batch` (dedupe, rollups, source offsets in the same transaction).

Both read the same file into a new database on the same disk. The script prints
records per second for each, their ratio, and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

WORKFLOWS = (
    "chatbot_reply",
    "rag_answer",
    "agent_planning",
    "json_extraction",
    "automation_task",
    "multilingual_reply",
    "coding_assist",
    "long_document_analysis",
)
MODELS = (
    ("gpt-4o-mini", "openai"),
    ("gpt-4.1", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("claude-haiku-4-5", "anthropic"),
    ("gemini-2.5-flash", "google"),
    ("deepseek-chat", "deepseek"),
    ("qwen-max", "alibaba"),
)
TIERS = ("free", "pro", "enterprise")
BATCH_ROWS = 20_000


def generate(path: Path, records: int, seed: int) -> None:
    """Write `records` native records, a day of traffic, reproducibly."""
    rng = random.Random(seed)
    start = 1_795_996_800_000
    step = 86_400_000 / max(records, 1)
    with path.open("w", encoding="utf-8") as out:
        for index in range(records):
            model, provider = rng.choice(MODELS)
            failed = rng.random() < 0.04
            record = {
                "request_id": f"req-{seed}-{index:08d}",
                "timestamp": int(start + index * step),
                "app": rng.choice(("web", "api", "worker")),
                "task_id": f"task-{rng.randrange(records // 3 + 1)}",
                "workflow": rng.choice(WORKFLOWS),
                "user_tier": rng.choice(TIERS),
                "model": model,
                "provider": provider,
                "route": rng.choice(("primary", "fallback", "/v1/chat")),
                "status": "error" if failed else "success",
                "latency_ms": round(rng.lognormvariate(6.5, 0.6), 1),
                "input_tokens": rng.randrange(50, 8000),
                "output_tokens": rng.randrange(10, 1500),
                "cache_read_tokens": rng.choice((0, 0, 256, 1024)),
                "retry_count": rng.choice((0, 0, 0, 1)),
                "fallback_used": rng.random() < 0.03,
                "validation": rng.choice(("pass", "pass", "fail", None)),
                "error_type": "rate_limit" if failed else None,
            }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def run_baseline(log: Path, db: Path) -> int:
    """orjson + executemany into llmtop's events table: nothing else."""
    import orjson

    from llmtop.store import open_database
    from llmtop.store.schema import EVENT_COLUMNS

    conn = open_database(db)  # the same columns, indexes and pragmas
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    insert = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})"
    renamed = {"ts": "timestamp"}
    # The NOT NULL columns a record may lack get a constant; nothing is checked.
    defaults = {
        "ts_inferred": 0,
        "status": "success",
        "cost_source": "unpriced",
        "fallback_used": 0,
        "retry_count": 0,
        "batch": 0,
        "replaceable": 0,
        "ingested_at": 0,
    }
    columns = [(renamed.get(name, name), defaults.get(name)) for name in EVENT_COLUMNS]
    stored = 0
    with log.open("rb") as handle:
        rows: list[tuple[object, ...]] = []
        for line in handle:
            value = orjson.loads(line)
            rows.append(tuple(value.get(key, default) for key, default in columns))
            if len(rows) >= BATCH_ROWS:
                stored += _insert(conn, insert, rows)
        stored += _insert(conn, insert, rows)
    conn.close()
    return stored


def _insert(conn: object, sql: str, rows: list[tuple[object, ...]]) -> int:
    if not rows:
        return 0
    conn.execute("BEGIN")  # type: ignore[attr-defined]
    conn.executemany(sql, rows)  # type: ignore[attr-defined]
    conn.execute("COMMIT")  # type: ignore[attr-defined]
    count = len(rows)
    rows.clear()
    return count


def run_llmtop(log: Path, db: Path) -> int:
    """The real path: reader, decoder with pricing, writer thread, rollups."""
    from llmtop.ingest.once import ingest

    report = ingest(db, [str(log)])
    if report.rejected or report.errors:
        raise SystemExit(f"llmtop rejected {report.rejected}: {report.errors}")
    return report.stored


def phase(name: str, log: Path, db: Path) -> None:
    """One measurement, in this process; prints JSON for the parent."""
    runner = {"baseline": run_baseline, "llmtop": run_llmtop}[name]
    began = time.perf_counter()
    stored = runner(log, db)
    seconds = time.perf_counter() - began
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"stored": stored, "seconds": seconds, "peak_kib": peak_kib}))


def measure(name: str, log: Path, db: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--log", str(log), "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this folder, keep files")
    parser.add_argument(
        "--phase", choices=("baseline", "llmtop"), help=argparse.SUPPRESS
    )
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.log, args.db)
        return

    with tempfile.TemporaryDirectory(prefix="llmtop-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "usage.jsonl"
        began = time.perf_counter()
        generate(log, args.records, args.seed)
        size = log.stat().st_size
        print(
            f"generated {args.records:,} records ({size / 1e6:,.0f} MB) in "
            f"{time.perf_counter() - began:.1f} s"
        )
        results = {}
        for name in ("baseline", "llmtop"):
            db = folder / f"{name}.db"
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            results[name] = result = measure(name, log, db)
            if result["stored"] != args.records:
                raise SystemExit(f"{name} stored {result['stored']:,}")
            rate = result["stored"] / result["seconds"]
            result["rate"] = rate
            print(
                f"{name:<9} {rate:>10,.0f} records/s  {result['seconds']:7.1f} s  "
                f"peak RSS {result['peak_kib'] / 1024:,.0f} MiB  "
                f"db {os.path.getsize(db) / 1e6:,.0f} MB"
            )
        ratio = results["llmtop"]["rate"] / results["baseline"]["rate"]
        print(f"ratio     {ratio:.2f} of the baseline (target 0.80)")


if __name__ == "__main__":
    main()
