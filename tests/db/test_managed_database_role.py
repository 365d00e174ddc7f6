"""The managed database's init script, run for real: the application's role owns its database and
is not a superuser (the image's entrypoint sources it at initdb; here psql reaches a real server)."""

from __future__ import annotations

import os
import subprocess

import psycopg

from wabiz.local.postgres import SUPERUSER, EmbeddedPostgres, bin_dir
from wabiz_operator.resources.database import ROLE_SCRIPT


def test_the_init_script_makes_an_owner_that_is_not_a_superuser(postgres: EmbeddedPostgres) -> None:
    database, role, password = f"role_{os.getpid()}", f"app_{os.getpid()}", "it's a pass"
    postgres.ensure_database(database)
    env = {
        **os.environ,
        "PATH": f"{bin_dir()}{os.pathsep}{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres.port),
        "PGPASSWORD": postgres.password_file.read_text().strip(),
        "POSTGRES_USER": SUPERUSER,
        "POSTGRES_DB": database,
        "WABIZ_APP_USER": role,
        "WABIZ_APP_PASSWORD": password,
    }
    subprocess.run(["sh", "-c", ROLE_SCRIPT], env=env, check=True, capture_output=True)
    dsn = f"host=127.0.0.1 port={postgres.port} dbname={database} user={role}"
    with psycopg.connect(dsn, password=password) as conn:
        conn.execute("CREATE TABLE migrated (id int)")  # what the migrations need: CREATE in public
        found = conn.execute(
            "SELECT r.rolsuper, pg_get_userbyid(d.datdba) FROM pg_roles r, pg_database d"
            " WHERE r.rolname = current_user AND d.datname = current_database()"
        ).fetchone()
    assert found == (False, role)
