"""`hearth users create`: accounts that sign in, and refusals in one clear line."""


def test_users_create_therapist_then_client(app, runner, client):
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "therapist",
            "--email",
            "T@Example.org",
            "--password",
            "therapist-pass-1",
        ]
    )
    assert made.exit_code == 0, made.output
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "client",
            "--email",
            "c@example.org",
            "--therapist",
            "t@example.org",
            "--timezone",
            "Asia/Kolkata",
            "--password",
            "client-pass-12",
        ]
    )
    assert made.exit_code == 0, made.output
    token = client.post(
        "/api/v1/auth/token", json={"email": "c@example.org", "password": "client-pass-12"}
    ).json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).json
    assert me["client"]["timezone"] == "Asia/Kolkata"


def test_users_create_refuses_bad_input_clearly(runner):
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "therapist",
            "--email",
            "x@example.org",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    orphan = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "client",
            "--email",
            "y@example.org",
            "--password",
            "long-enough-1",
        ]
    )
    assert orphan.exit_code != 0 and "--therapist" in orphan.output
