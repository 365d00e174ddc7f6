"""Fast failover: a node's presence key, and the database server a lease was last renewed on.

`nodes.presence_key` names the advisory lock a CoreApp holds on its own connection for as long as
its process lives; `leases.server_started` is `pg_postmaster_start_time()` at the last renewal.
A lease whose holder's lock is gone from the server it was renewed on may be taken at once
(`db/leases.py`, with the function `wabiz_node_gone`). Both columns are nullable: nodes of the
previous release leave them empty and are taken over only after their leases expire, as before.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# wabiz_node_gone(id): the node announced a presence key and its lock is not held on this server.
# 2002942513 is `db.leases.PRESENCE_NS` ("wbz1"); a two-key advisory lock shows in `pg_locks` as
# classid = first key, objid = second key, objsubid = 2.
NODE_GONE = """
CREATE FUNCTION wabiz_node_gone(node_id text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM nodes n
    WHERE n.id = node_id AND n.presence_key IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM pg_locks p
        WHERE p.locktype = 'advisory' AND p.granted AND p.objsubid = 2
          AND p.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND p.classid = CAST(2002942513 AS oid) AND p.objid = CAST(n.presence_key AS oid)))
$$
"""


def upgrade() -> None:
    op.add_column("nodes", sa.Column("presence_key", sa.Integer, nullable=True))
    op.add_column("leases", sa.Column("server_started", sa.DateTime(timezone=True), nullable=True))
    op.execute(NODE_GONE)


def downgrade() -> None:
    op.execute("DROP FUNCTION wabiz_node_gone(text)")
    op.drop_column("leases", "server_started")
    op.drop_column("nodes", "presence_key")
