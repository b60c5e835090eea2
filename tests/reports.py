"""A client's practice through the API, as tests need it again and again: start with a rating,
finish with a rating and any backdraft, each step checked."""


def practise(client, patient, pre, post, backdraft=(), *, assignment_id=None, practice_id=None):
    """Start and finish one practice; returns (started, finished) JSON. Without an assignment
    or practice id, the client's entry practice."""
    target = {"assignment_id": assignment_id} if assignment_id else {}
    if not target:
        target = {"practice_id": practice_id or "watching-kindness"}
    started = client.post(
        "/api/v1/me/sessions", headers=patient.headers, json={**target, "pre_distress": pre}
    )
    assert started.status_code == 201, started.json
    finished = client.post(
        f"/api/v1/me/sessions/{started.json['id']}/finish",
        headers=patient.headers,
        json={"post_distress": post, "backdraft": list(backdraft)},
    )
    assert finished.status_code == 200, finished.json
    return started.json, finished.json
