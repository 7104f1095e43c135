"""The Alembic migrations build exactly the schema the models describe.

Several changes touch both the models and the migrations; this catches a column, index or
constraint that one of them forgot.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from sync_server.db.models import Base

#: Columns the models declare as text so that SQLAlchemy never writes them, but that the
#: migrations make ``xid8``: a type difference is expected there and nothing else.
_XID_COLUMNS = {("sync_op", "xid"), ("sync_bucket_floor", "xid"), ("sync_mutation_results", "xid")}


def _is_expected(diff: object) -> bool:
    if isinstance(diff, list):
        return all(_is_expected(item) for item in diff)
    assert isinstance(diff, tuple)
    if diff[0] in {"modify_type", "modify_default"}:
        return (diff[2], diff[3]) in _XID_COLUMNS
    return False


@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8':sqlalchemy.exc.SAWarning")
def test_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata) if not _is_expected(d)]
    assert differences == []
