"""Start zi on its embedded defaults: SQLite, local evidence folder, demo data on first start."""

import os

from zi import demo, migrations
from zi.db import database
from zi.web import create_app

app = create_app()


def main() -> None:
    host = os.environ.get("ZI_HOST", "127.0.0.1")
    port = int(os.environ.get("ZI_PORT", "5000"))
    with database.connection_context():
        migrations.upgrade(database.obj)
        if demo.is_empty() and os.environ.get("ZI_DEMO", "1") != "0":
            criteria = max(app.extensions["zi_criteria"].values(), key=lambda c: c.year)
            with database.atomic():
                logins = demo.load(criteria)
            print("Demo data loaded. Logins (password for all: %s):" % demo.DEMO_PASSWORD)
            for email, _, role in logins:
                print(f"  {role:<9} {email}")
        else:
            print("Demo logins (if demo data was loaded): password %s, e.g. anggota@contoh.go.id"
                  % demo.DEMO_PASSWORD)
    print(f"zi is running at http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True)


if __name__ == "__main__":
    main()
