"""The practice catalogue (what each practice trains, its gate, the script at each level and
its audio) and the therapist's own practice area."""

import uuid

from flask import abort, g, redirect, render_template, request, url_for

from care.clients import queries
from practices import render as render_practice
from service import db
from service.library import library
from service.web.shared.blueprint import THERAPIST, signed_in, web
from service.web.therapist.common import own_client

DIRECTION_WORDS = {
    "other_to_other": "other → other (watching kindness between others)",
    "self_to_other": "self → other",
    "self_to_self": "self → self",
    "other_to_self": "other → self (hardest; comes last)",
    "self_to_self_and_other": "self → self and other",
}

GATE_WORDS = {
    "none": "No gate",
    "stability": "Stability gate (R1): not for clients flagged for dissociation, self-harm, "
    "suicidality or low mentalizing",
    "yang_ready": "Yang readiness (R8): only after you mark the client ready",
}


def _level(practice) -> int:
    try:
        wanted = int(request.args.get("level", practice.levels[0]))
    except ValueError:
        wanted = practice.levels[0]
    return wanted if wanted in practice.levels else practice.levels[0]


def _player(practice, level: int) -> dict:
    return {
        "practice": practice,
        "level": level,
        "minutes": practice.variant(level).minutes,
        "script": render_practice(practice, level, "html"),
        "audio": None
        if practice.text_only
        else url_for("api.get_audio", practice_id=practice.id, level=level, format="mp3"),
        "captions": None
        if practice.text_only
        else url_for("api.get_captions", practice_id=practice.id, level=level),
    }


@web.get("/catalogue")
@signed_in(THERAPIST)
def therapist_catalogue():
    """Every client practice with what it trains, its gate and its levels."""
    practices = sorted(
        (p for p in library().all() if p.audience == "client"), key=lambda p: p.title.lower()
    )
    return render_template(
        "therapist/catalogue.html",
        practices=practices,
        directions=DIRECTION_WORDS,
        gates=GATE_WORDS,
    )


@web.get("/catalogue/<practice_id>")
@signed_in(THERAPIST)
def therapist_practice(practice_id: str):
    """One practice: notes for the therapist, the script at a chosen level, and its audio."""
    practice = library().get(practice_id)  # UnknownPractice is a calm 404 page
    client_list = queries.clients_of(db.session(), g.page_user)
    return render_template(
        "therapist/practice.html",
        **_player(practice, _level(practice)),
        clients=client_list,
        directions=DIRECTION_WORDS,
        gates=GATE_WORDS,
    )


@web.get("/catalogue/assign")
@signed_in(THERAPIST)
def therapist_assign_redirect():
    """From a catalogue page to the assignment form for the chosen client."""
    try:
        client = own_client(uuid.UUID(request.args.get("client", "")))
    except ValueError:
        abort(404)
    practice = request.args.get("practice", "")
    return redirect(url_for("web.therapist_new_assignment", client_id=client.id, practice=practice))


@web.get("/own-practice")
@signed_in(THERAPIST)
def therapist_own_practice():
    """The therapist's own practices (for the therapist, not for clients), with the player."""
    own = [p for p in library().all() if p.audience == "therapist"]
    chosen = next((p for p in own if p.id == request.args.get("practice")), own[0] if own else None)
    player = _player(chosen, _level(chosen)) if chosen else {}
    return render_template("therapist/own_practice.html", own=own, **player)
