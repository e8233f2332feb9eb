"""The database a benchmark seeds: a SQLite file in a work folder, or a fresh schema on the
PostgreSQL server given by ``--database-url``, or (``--seeded URL``) one kept by ``--keep``."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--seeded", metavar="URL",
                        help="time an already seeded database (from --keep) without seeding")


@contextmanager
def bench_database(args: argparse.Namespace, prefix: str) -> Iterator[tuple[str, Path]]:
    """(database URL, work folder); the schema and the folder are removed afterwards unless
    ``--keep`` (the folder is kept only when it holds the kept SQLite database)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    schema = None
    admin = None
    if args.seeded:
        url = args.seeded
    elif args.database_url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{sep}options={quote(f'-csearch_path={schema}')}"
    else:
        url = f"sqlite:///{workdir}/bench.db"
    try:
        yield url, workdir
    finally:
        if admin is not None and not args.keep:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        if not (args.keep and not args.database_url and not args.seeded):
            shutil.rmtree(workdir)
