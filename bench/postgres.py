"""Benchmark: the same load and lineage questions on PostgreSQL and SQLite, same run.

Starts a throwaway PostgreSQL server from the machine's binaries (default settings,
fsync on, loopback TCP), then:

- loads bench/corpora/synthetic-100000.bib into a fresh PostgreSQL database and into a
  fresh SQLite file;
- writes the citation DAG of bench/lineage.py into both and asks the same two lineage
  questions (descendants of the most cited paper, ancestors of the newest).

Usage: python bench/postgres.py [ENTRIES] [DAG_PAPERS]   (default 100000 20000)
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgserver import Server

from bench.lineage import build
from bench.run import corpus
from survey.db import open_database, session_scope
from survey.graph import lineage as walk
from survey.ingest.load import load_bib_files


def timed_load(url: str, bib: Path) -> float:
    engine = open_database(url)
    start = time.perf_counter()
    with session_scope(engine, write=True) as session:
        load_bib_files(session, [bib])
    return time.perf_counter() - start


@contextmanager
def server_databases(*names: str) -> Iterator[tuple[str, dict[str, object]]]:
    """A throwaway durable PostgreSQL server with these empty databases: (base URL, facts)."""
    server = Server()
    admin = server.start(durable=True)
    facts: dict[str, object] = {}
    try:
        engine = create_engine(admin, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            facts["server"] = connection.execute(text("SHOW server_version")).scalar()
            settings = {}
            for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit"):
                settings[name] = connection.execute(text(f"SHOW {name}")).scalar()
            facts["settings"] = settings
            for database in names:
                connection.execute(text(f"CREATE DATABASE {database}"))
        engine.dispose()
        yield admin.rsplit("/", 1)[0], facts
    finally:
        server.stop()


def compare_loads(bib: Path, base: str, database: str = "loadbench") -> dict[str, float]:
    """Seconds to load `bib` into a fresh PostgreSQL database and a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        return {
            "postgresql_s": timed_load(f"{base}/{database}", bib),
            "sqlite_s": timed_load(f"sqlite:///{tmp}/load.db", bib),
        }


def copy_dag(sqlite_path: Path, url: str) -> None:
    """Copy the DAG's papers and citations into PostgreSQL with COPY."""
    open_database(url)
    source = sqlite3.connect(sqlite_path)
    engine = create_engine(url, poolclass=NullPool)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(  # type: ignore[attr-defined]
            "COPY papers (id, citekey, citekey_lower, entry_type, title, year, more_authors,"
            " fields, raw, search_text, content_hash) FROM STDIN"
        ) as copy:
            for row in source.execute("SELECT id, citekey, citekey_lower, title, year FROM papers"):
                copy.write_row(
                    (row[0], row[1], row[2], "article", row[3], row[4], False, "{}", "", "", "")
                )
        with cursor.copy(  # type: ignore[attr-defined]
            "COPY citations (citing_id, cited_id, origin, relation, evidence, suspect) FROM STDIN"
        ) as copy:
            for citing, cited in source.execute("SELECT citing_id, cited_id FROM citations"):
                copy.write_row((citing, cited, "file", "related", "", False))
        cursor.execute("SELECT setval('papers_id_seq', (SELECT max(id) FROM papers))")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        source.close()


def timed_lineage(url: str, key: str, descendants: bool) -> tuple[float, int]:
    engine = open_database(url)
    with session_scope(engine) as session:
        start = time.perf_counter()
        result = walk.lineage(session, key, descendants=descendants)
        return time.perf_counter() - start, len(result["papers"])


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    dag_papers = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    with server_databases("loadbench", "dagbench") as (base, facts):
        results: dict[str, object] = dict(facts)
        bib = corpus(entries)
        loads = compare_loads(bib, base)
        results["load"] = {"entries": entries, **{k: round(v, 2) for k, v in loads.items()}}
        print(json.dumps({"load": results["load"]}), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            dag = Path(tmp) / "dag.db"
            edges, top, newest = build(dag, dag_papers, 10)
            copy_dag(dag, f"{base}/dagbench")
            lineage = {"papers": dag_papers, "edges": edges}
            for name, key, descendants in (
                ("ancestors of the newest", f"p{newest}", False),
                ("descendants of the most cited", f"p{top}", True),
            ):
                pg_s, pg_n = timed_lineage(f"{base}/dagbench", key, descendants)
                lite_s, lite_n = timed_lineage(f"sqlite:///{dag}", key, descendants)
                assert pg_n == lite_n
                lineage[name] = {
                    "reached": pg_n,
                    "postgresql_s": round(pg_s, 3),
                    "sqlite_s": round(lite_s, 3),
                }
            results["lineage"] = lineage
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
