"""Care-level account rules that no HTTP test reaches directly."""

from datetime import timedelta

import pytest

from care.accounts import tokens
from care.accounts import users as accounts
from care.accounts.passwords import hash_password, verify_password
from care.db import session_scope
from care.errors import Conflict, Invalid


def test_argon2id_hashes_and_verifies():
    from care.accounts import passwords

    passwords.configure()  # the production cost
    digest = hash_password("correct horse battery")
    assert digest.startswith("$argon2id$v=19$m=65536,t=3,")
    assert verify_password(digest, "correct horse battery")
    assert not verify_password(digest, "wrong horse battery")
    assert not verify_password(None, "anything at all")


def test_duplicate_email_in_another_case_conflicts(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        accounts.create_user(session, email="Mia@Example.org", role="therapist")
        with pytest.raises(Conflict):
            accounts.create_user(session, email="mia@example.ORG", role="therapist")


def test_unknown_role_and_short_password_are_invalid(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        with pytest.raises(Invalid, match="role"):
            accounts.create_user(session, email="a@example.org", role="wizard")
        with pytest.raises(Invalid, match="12 characters"):
            accounts.create_user(session, email="b@example.org", role="admin", password="short")


def test_invitation_token_is_not_a_bearer_token(app):
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        user = accounts.create_user(session, email="c@example.org", role="client")
        secret, _ = accounts.invite(session, user)
        assert tokens.authenticate(session, secret) is None
        api_secret, _ = tokens.issue(session, user, ttl=timedelta(hours=1))
        assert tokens.authenticate(session, api_secret)[0].id == user.id
