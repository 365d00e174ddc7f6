"""The one place that knows tables: a module per aggregate, typed functions taking a session.

`account` (the business number), `users` (users and their tokens), `messages` (messages and the
outgoing queue), `callbacks` (the callback queue), `leases` (CoreApp nodes and their leases, and
the lease names), `settings` (the application settings document), `media`, `contacts`, and `stats`
(bounded counts for `/v1/stats`). Callers own the transaction: they open the session (or
`sessions.begin()`) and pass it, so several calls can share one transaction.

The statements are written as SQL text rather than built from `models`: most are
PostgreSQL-specific (batches through `unnest`, `ON CONFLICT … WHERE`, `FOR UPDATE`, intervals),
and each reads as the one statement it is. `models` describes the same schema for Alembic and for
the test that compares it with the migrations.

Outside this package, SQL remains only in `local.postgres`, which creates the embedded server's
database: server administration before any table of ours exists.
"""
