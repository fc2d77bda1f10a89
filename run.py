"""Start zi on its embedded defaults: SQLite, local evidence folder, demo data on first start.

Ctrl+C (SIGINT) and SIGTERM stop it within seconds; a dossier being rendered at that moment
goes back to the queue and is rendered on the next start."""

import os
import signal
import time

from zi import demo, jobs, migrations
from zi.db import database
from zi.evidence import store_from_config
from zi.jobs import huey
from zi.web import create_app

app = create_app()
STOP_SECONDS = 5  # how long stopping waits for the job threads to finish their task


def start_worker():
    """Background jobs (dossier rendering) in threads of this process; for several web
    processes, run `huey_consumer zi.jobs.huey` on its own and set ZI_REDIS_URL instead."""
    if huey.immediate:
        return None
    consumer = huey.create_consumer(workers=2, worker_type="thread")
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    # start() installs huey's handlers, made for its own run() loop, which run.py does not run:
    # they would turn Ctrl+C and SIGTERM into a flag nobody reads.
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    return consumer


def _stop(signum, frame):
    """SIGTERM stops run.py as Ctrl+C does; the stop takes a few seconds and is not interrupted."""
    for other in (signal.SIGINT, signal.SIGTERM):
        signal.signal(other, signal.SIG_IGN)
    raise KeyboardInterrupt


def stop_worker(consumer) -> None:
    """Take no more tasks, put the running jobs back in the queue (their renderers are killed),
    give the job threads a moment, then queue those jobs again for the next start."""
    consumer.stop()
    interrupted = jobs.interrupt_running()
    deadline = time.monotonic() + STOP_SECONDS
    for thread in [t for _, t in consumer.worker_threads] + [consumer.scheduler]:
        thread.join(max(0.0, deadline - time.monotonic()))
    jobs.requeue(interrupted)
    if interrupted:
        print(f"Re-queued {len(interrupted)} dossier job(s) for the next start.")


def main() -> None:
    host = os.environ.get("ZI_HOST", "127.0.0.1")
    port = int(os.environ.get("ZI_PORT", "5000"))
    with database.connection_context():
        migrations.upgrade(database.obj)
        if demo.is_empty() and os.environ.get("ZI_DEMO", "1") != "0":
            criteria = max(app.extensions["zi_criteria"].values(), key=lambda c: c.year)
            with database.atomic():
                logins = demo.load(criteria, store=store_from_config(app.config))
            print(f"Demo data loaded. Logins (password for all: {demo.DEMO_PASSWORD}):")
            for email, _, role in logins:
                print(f"  {role:<9} {email}")
        else:
            print(f"Demo logins (if demo data was loaded): password {demo.DEMO_PASSWORD}, "
                  "e.g. anggota@contoh.go.id")
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    worker = start_worker()
    print(f"zi is running at http://{host}:{port}/")
    try:
        app.run(host=host, port=port, threaded=True)  # returns on Ctrl+C (KeyboardInterrupt)
    except KeyboardInterrupt:
        pass  # a signal before the server was up
    finally:
        if worker is not None:
            stop_worker(worker)
    print("zi stopped.")


if __name__ == "__main__":
    main()
