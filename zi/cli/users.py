"""`zi users`: people and their roles."""

from __future__ import annotations

import click

from .common import admin_call, unit_named


@click.group("users")
def group() -> None:
    """People and their roles."""


@group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters (asked for when not given).")
@click.option("--role", type=click.Choice(["admin", "member", "head", "tpi", "reviewer"]), default=None)
@click.option("--instansi", default=None, help="Instansi of the role.")
@click.option("--unit", default=None, help="Unit of the role (member, head, tpi; optional for reviewer).")
@click.option("--areas", default="", help="Pokja areas of a member, e.g. MP,PT (default: all).")
def users_create(email, name, password, role, instansi, unit, areas) -> None:
    """Create a user, optionally with a role (e.g. the first admin of an instansi)."""
    from .. import admin

    def action():
        user = admin.create_user(email, name, password)
        if role:
            if not instansi:
                raise admin.AdminError("--role needs --instansi")
            owner = admin.get_or_create_instansi(instansi)
            admin.assign_role(user, role, owner, unit_named(owner, unit), [a for a in areas.split(",") if a])
        return user

    user = admin_call(action)
    click.echo(f"Created user {user.email}" + (f" with role {role}." if role else "."))


@group.command("password")
@click.option("--email", required=True)
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="At least 10 characters (asked for when not given).")
def users_password(email, password) -> None:
    """Set a person's password; every session they have ends (they sign in again with the new one)."""
    from .. import admin
    from ..models import User

    def action():
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            raise admin.AdminError(f"no user with email {email!r}")
        admin.set_password(user, password)
        return user

    user = admin_call(action)
    click.echo(f"Password of {user.email} changed; their sessions have ended.")


COMMANDS = [group]
