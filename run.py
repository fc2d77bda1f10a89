"""Start zi on its embedded defaults: SQLite, local evidence folder, demo data on first start."""

import os

from zi import demo, migrations
from zi.db import database
from zi.jobs import huey
from zi.web import create_app

app = create_app()


def start_worker():
    """Background jobs (dossier rendering) in threads of this process; for several web
    processes, run `huey_consumer zi.jobs.huey` on its own and set ZI_REDIS_URL instead."""
    if huey.immediate:
        return None
    consumer = huey.create_consumer(workers=2, worker_type="thread")
    consumer.start()
    return consumer


def main() -> None:
    host = os.environ.get("ZI_HOST", "127.0.0.1")
    port = int(os.environ.get("ZI_PORT", "5000"))
    with database.connection_context():
        migrations.upgrade(database.obj)
        if demo.is_empty() and os.environ.get("ZI_DEMO", "1") != "0":
            criteria = max(app.extensions["zi_criteria"].values(), key=lambda c: c.year)
            with database.atomic():
                logins = demo.load(criteria)
            print(f"Demo data loaded. Logins (password for all: {demo.DEMO_PASSWORD}):")
            for email, _, role in logins:
                print(f"  {role:<9} {email}")
        else:
            print(f"Demo logins (if demo data was loaded): password {demo.DEMO_PASSWORD}, "
                  "e.g. anggota@contoh.go.id")
    worker = start_worker()
    print(f"zi is running at http://{host}:{port}/")
    try:
        app.run(host=host, port=port, threaded=True)
    finally:
        if worker is not None:
            worker.stop(graceful=True)


if __name__ == "__main__":
    main()
