"""Migrations: once per image and database, before any workload runs that image.

The outcome is recorded in `status.migration` ({image, database, job, state, message}), and that
record — not the Job's existence — decides whether a migration must run: a finished Job removed by
its TTL changes nothing, and the client keeps running the previous image until the new one's
migration succeeded. A failed migration stays failed (the old version keeps serving, `Migrated`
says why) until its Job is deleted, which retries it, or the spec changes the image again.
"""

from __future__ import annotations

from wabiz_operator.client import Client
from wabiz_operator.reconcile.applying import apply, read
from wabiz_operator.reconcile.context import Context, Obj, Pass
from wabiz_operator.resources.migration import build_migration_job, database_target
from wabiz_operator.status import Check


def _job_state(job: Obj) -> tuple[str, str]:
    status = job.get("status") or {}
    if status.get("succeeded"):
        return "Succeeded", "the migration Job succeeded"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            return "Failed", f"{condition.get('reason', 'Failed')}: {condition.get('message', '')}".strip()
    return "Running", "the migration Job is running"


def _record(client: Client, image: str, job: str | None, state: str, message: str) -> Obj:
    return {
        "image": image,
        "database": database_target(client),
        "job": job,
        "state": state,
        "message": message,
    }


def already_done(client: Client, image: str) -> bool:
    record = client.status.get("migration") or {}
    return (
        record.get("state") == "Succeeded"
        and record.get("image") == image
        and record.get("database") == database_target(client)
    )


async def migrate(ctx: Context, p: Pass, image: str, adopted: bool) -> bool:
    """True when `image` may run: migrated now or before. `adopted`: workloads already run it under
    an operator that kept no record, so it was migrated then."""
    client = p.client
    if already_done(client, image) or adopted:
        record = client.status.get("migration") if already_done(client, image) else None
        p.status["migration"] = record or _record(
            client, image, None, "Succeeded", "running before this operator kept records"
        )
        p.checks["Migrated"] = Check(True, "Succeeded", f"migrated for {image}")
        return True
    job = build_migration_job(client, image)
    name = job["metadata"]["name"]
    live = await read(ctx, job)
    state, message = _job_state(live) if live is not None else ("Running", "the migration Job was created")
    if live is None:
        await apply(ctx, client, job)
    p.status["migration"] = _record(client, image, name, state, message)
    if state == "Failed":
        p.checks["Migrated"] = Check(
            False,
            "MigrationFailed",
            f"Job {name} failed ({message}); the previous version keeps serving; "
            "see `kubectl logs job/" + name + "`, then delete the Job to retry",
        )
        return False
    if state == "Running":
        p.checks["Migrated"] = Check(
            False, "MigrationRunning", f"Job {name} migrates the database for {image}"
        )
        p.wait(f"migration Job {name}")
        return False
    p.checks["Migrated"] = Check(True, "Succeeded", f"Job {name} migrated the database for {image}")
    return True
