"""One-time codes (invitations, reset links) used by two requests at the same moment: only the
first sets a password, on SQLite and PostgreSQL alike."""

import pytest
from sqlmodel import Session

from care.accounts import credentials, tokens
from care.accounts import users as accounts
from care.db import session_scope
from care.errors import NotFound


@pytest.mark.parametrize("kind", ["invite", "reset"])
def test_a_code_used_twice_at_once_sets_one_password(app, kind):
    from service import db

    with app.app_context():
        engine = db.engine()
        with session_scope(engine) as session:
            user = accounts.create_user(session, email="kai@example.org", role="therapist")
            if kind == "invite":
                secret = accounts.invite(session, user)[0]
            else:
                accounts.set_password(session, user, "the-first-password")
                secret = credentials.request_reset(session, user.email)[1]
        use = accounts.accept_invitation if kind == "invite" else credentials.reset_password
        first, second = Session(engine), Session(engine)
        try:
            # Both requests have read the code as valid before either writes.
            assert tokens.find_valid(first, secret, kind=kind) is not None
            assert tokens.find_valid(second, secret, kind=kind) is not None
            use(first, secret, "password-number-one")
            first.commit()
            with pytest.raises(NotFound):
                use(second, secret, "password-number-two")
            second.rollback()
        finally:
            first.close()
            second.close()
        with session_scope(engine) as session:
            stored = accounts.find_by_email(session, "kai@example.org")
            from care.accounts.passwords import verify_password

            assert verify_password(stored.password_hash, "password-number-one")
            assert not verify_password(stored.password_hash, "password-number-two")
