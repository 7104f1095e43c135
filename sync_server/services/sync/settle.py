"""When a client's own mutations count as delivered: one rule, written once in SQL.

A pull answers ``last_mutation_id``, the client's newest mutation whose effects the client now
holds, so it can stop replaying that mutation and drop its own copy of the rows. Answered below
the xid horizon is not enough: a later change to the same row moves the row's op to that
change's transaction, and while that one is still above the horizon the pull does not bring the
row at all (a ticket the client created would vanish from its cache until the next pull). Which
rows a mutation touched is not recorded, so while any op of the client's buckets waits above
the horizon nothing is settled (``0``); the client looks again shortly.

Both the full pull (:mod:`.pull`) and the one-statement quiet pull (:mod:`.quiet_pull`) embed
:data:`SETTLED_MUTATION`, so the two can never disagree.
"""

from __future__ import annotations

#: The rule as one SQL expression over the bind parameters ``:buckets`` (text[]) and ``:client``,
#: reading the horizon from a CTE ``horizon(xmin xid8)`` that the embedding statement defines.
SETTLED_MUTATION = """
    CASE
        WHEN EXISTS (
            SELECT 1 FROM sync_op o
            WHERE o.bucket = ANY(CAST(:buckets AS text[])) AND o.xid >= (SELECT xmin FROM horizon)
        ) THEN 0
        ELSE (
            SELECT coalesce(max(r.mutation_id), 0) FROM sync_mutation_results r
            WHERE r.client_id = :client AND r.xid < (SELECT xmin FROM horizon)
        )
    END
"""
