"""The client's practice: the rating before (from a prompt link in one click), the player with
the script beside the audio and its captions, the rating after and the reply; and the help
page with crisis resources and a check-in, where a crisis rating or a hold leads.

Plain forms throughout, so practising needs no script (client-rating.js only shows the chosen
number). Views call the care layer and commit after writes."""

import uuid

from flask import abort, redirect, render_template, request, url_for
from markupsafe import Markup

import practices
from care.assignments import gates
from care.clients import own_queries
from care.delivery import prompts
from care.errors import CareError, Conflict
from care.reports import commands as reports
from care.reports import replies
from care.reports.replies import CRISIS, GROUNDING_INTRO, GROUNDING_PRACTICE
from care.safety import crisis
from care.schemas.practice import CheckInCreate, SessionFinish, SessionStart
from care.tables import Assignment, Client, PracticeSession
from care.vocab import BACKDRAFT_CLIENT_WORDS, BACKDRAFT_FORMS, SessionStatus
from practices.personalise import touch_phrase
from service import db
from service.library import library, personalisation
from service.web.client.common import own_client, practice_minutes
from service.web.shared.blueprint import CLIENT, signed_in, web
from service.web.shared.forms import NOTE_MAX, read_note, read_rating, uuid_or_404

# The backdraft forms in the client's words, in the order the checklist shows them.
BACKDRAFT_CHOICES = [(key, BACKDRAFT_CLIENT_WORDS[key]) for key in BACKDRAFT_FORMS]


def _notice(title: str, message: str, status: int):
    """A calm page that explains why nothing happened and where to go next."""
    return render_template("client/notice.html", title=title, message=message), status


def _paused_notice():
    return _notice(
        "This practice is resting for now",
        "Your therapist has paused this practice for the moment. Any others on your home "
        "page are there whenever you like.",
        409,
    )


def _help_page(client: Client, *, reply: str | None = None, errors=None, values=None, status=200):
    """The hold page: crisis resources first, what to do if the therapist cannot be reached
    quickly, then a check-in."""
    resources = crisis.for_therapist(db.session(), client.therapist_id)
    return render_template(
        "client/hold.html",
        client=client,
        resources=resources,
        unreachable=crisis.IF_THERAPIST_UNREACHABLE,
        reply=reply,
        errors=errors or {},
        values=values or {"distress": None, "note": "", "safety_concern": False},
    ), status


def _own_assignment(session, client: Client, assignment_id: uuid.UUID) -> Assignment:
    return own_queries.own_assignment(session, client, assignment_id, library())


def _rate_page(
    client, assignment, *, prompt_id=None, value=None, error=None, status=200, entry=None
):
    """The rating before: what will play now (at level 1 a lukewarm entry practice stands in),
    and before a client's very first practice the warmth note, on every path here."""
    session = db.session()
    if assignment is None:
        practice, level = entry, entry.level_near(client.dose_level)
        warmth = replies.first_practice_note(own_queries.has_practised(session, client))
    else:
        now, warmth = reports.preview(session, library(), client, [assignment])
        practice, level, _ = now[assignment.id]
    return render_template(
        "client/rate.html",
        practice=practice,
        assigned=library().get(assignment.practice_id) if assignment else practice,
        assignment=assignment,
        prompt_id=prompt_id,
        minutes=practice_minutes(practice, level),
        warmth_note=warmth,
        value=value,
        error=error,
    ), status


def _open_entry(practice_id: str):
    """An entry practice the client may always begin (the grounding landing among them)."""
    lib = library()
    if practice_id not in lib or gates.entry_problem(lib.get(practice_id)) is not None:
        abort(404)
    return lib.get(practice_id)


@web.get("/practice/open/<practice_id>")
@signed_in(CLIENT)
def client_entry_practice(practice_id: str):
    """Before an entry practice offered on its own (after a rough session: grounding)."""
    client = own_client()
    if client.on_hold:
        return _help_page(client)
    return _rate_page(client, None, entry=_open_entry(practice_id))


@web.get("/practice/<uuid:assignment_id>")
@signed_in(CLIENT)
def client_practice(assignment_id: uuid.UUID):
    """Before a practice: the rating of how the client feels now."""
    session = db.session()
    client = own_client()
    if client.on_hold:
        return _help_page(client)
    assignment = _own_assignment(session, client, assignment_id)
    if not assignment.active:
        return _paused_notice()
    return _rate_page(client, assignment)


@web.get("/practice/prompt/<uuid:prompt_id>")
@signed_in(CLIENT)
def client_prompt(prompt_id: uuid.UUID):
    """A prompt link (from an email or the inbox): marks it opened and starts the practice."""
    session = db.session()
    client = own_client()
    prompt = prompts.own_prompt(session, client.id, prompt_id)
    try:
        prompts.mark_opened(session, prompt)
    except Conflict:
        session.rollback()
        return _notice(
            "This invitation has closed",
            "That is completely fine. You can begin any of your practices from your home page "
            "whenever it suits you.",
            410,
        )
    session.commit()
    if client.on_hold:
        return _help_page(client)
    assignment = _own_assignment(session, client, prompt.assignment_id)
    if not assignment.active:
        return _paused_notice()
    return _rate_page(client, assignment, prompt_id=prompt.id)


@web.post("/practice/start")
@signed_in(CLIENT)
def client_practice_start():
    """Save the rating before and open the player (or the hold page after a crisis rating)."""
    session = db.session()
    client = own_client()
    entry, assignment = None, None
    if request.form.get("practice_id") and not request.form.get("assignment_id"):
        entry = _open_entry(request.form["practice_id"])
    else:
        assignment = _own_assignment(
            session, client, uuid_or_404(request.form.get("assignment_id"))
        )
    prompt_id = request.form.get("prompt_id") or None
    value, error = read_rating(request.form.get("pre_distress"))
    if error:
        heard = reports.hear_crisis(session, client, request.form.to_dict())
        if heard is not None:  # 11, 9.5: a crisis is heard however it is written (R5)
            return _help_page(client, reply=heard[1].text)
        return _rate_page(
            client, assignment, prompt_id=prompt_id, error=error, status=422, entry=entry
        )
    target = {"practice_id": entry.id} if entry else {"assignment_id": assignment.id}
    try:
        started = reports.start_session(
            session, library(), client, SessionStart(pre_distress=value, **target)
        )
    except Conflict:
        session.rollback()
        if client.on_hold:
            return _help_page(client)
        return _paused_notice()
    if started.crisis:
        return _help_page(client, reply=CRISIS)
    return redirect(url_for("web.client_player", session_id=started.row.id), 303)


def _own_session(client: Client, session_id: uuid.UUID) -> PracticeSession:
    return own_queries.own_session(db.session(), client, session_id)


def _closed_notice(row: PracticeSession):
    if row.status == SessionStatus.FINISHED:
        return _notice(
            "This practice is complete",
            "Thank you, your ratings for it are saved. You can begin another practice from "
            "your home page whenever you like.",
            409,
        )
    return _notice(
        "This practice was closed",
        "It stayed open for a long while, so it was put away. Nothing is lost, and you can "
        "begin again from your home page whenever you like.",
        409,
    )


def _media(practice, level: int) -> dict | None:
    """Where the player fetches the audio and captions (text-only practices have none)."""
    if practice.text_only:
        return None
    base = f"/api/v1/practices/{practice.id}"
    return {
        "audio": f"{base}/audio?level={level}&format=mp3",
        "captions": f"{base}/captions.vtt?level={level}",
    }


def _player_page(client: Client, row: PracticeSession, *, errors=None, values=None, status=200):
    session = db.session()
    practice = library().get(row.practice_id)
    note = own_queries.assignment_note(session, row)
    level = practice.level_near(row.level)  # a row stored before the library changed
    script = practices.render(practice, level, "html", personalisation(client))
    prelude = reports.prelude_for(session, library(), row)
    return render_template(
        "client/player.html",
        row=row,
        client=client,
        practice=practice,
        prelude=prelude,
        touch=touch_phrase(client.touch_alternative) if client.touch_alternative else None,
        prelude_script=Markup(
            practices.render(prelude, prelude.levels[0], "html", personalisation(client))
        )
        if prelude
        else None,
        prelude_media=_media(prelude, prelude.levels[0]) if prelude else None,
        note=note,
        script=Markup(script),  # the renderer escapes every piece of text itself
        media=_media(practice, level),
        backdraft_choices=BACKDRAFT_CHOICES,
        errors=errors or {},
        values=values
        or {
            "post_distress": None,  # never pulled toward the rating before
            "backdraft": [],
            "note": "",
            "safety_concern": False,
        },
    ), status


@web.get("/practice/session/<uuid:session_id>")
@signed_in(CLIENT)
def client_player(session_id: uuid.UUID):
    """The player: the script beside the audio with captions, touch offers, the rating after."""
    client = own_client()
    row = _own_session(client, session_id)
    if row.status != SessionStatus.STARTED:
        return _closed_notice(row)
    return _player_page(client, row)


@web.post("/practice/session/<uuid:session_id>/finish")
@signed_in(CLIENT)
def client_finish(session_id: uuid.UUID):
    """Save the rating after and anything hard that came up; show the reply."""
    session = db.session()
    client = own_client()
    row = _own_session(client, session_id)
    form = request.form
    errors = {}
    post, problem = read_rating(form.get("post_distress"))
    if problem:
        errors["post_distress"] = problem
    chosen = form.getlist("backdraft")
    backdraft = [key for key, _ in BACKDRAFT_CHOICES if key in chosen]
    if len(backdraft) != len(set(chosen)):
        errors["backdraft"] = "Please tick only the choices shown here."
    note, problem = read_note(form.get("note"))
    if problem:
        errors["note"] = problem
    concern = form.get("safety_concern") == "yes"
    # A crisis rating or a safety concern is heard before anything else is refused (R5): a
    # session closed meanwhile, or a form problem elsewhere, must not drop it.
    crisis = concern or reports.is_crisis(client, post)
    if row.status != SessionStatus.STARTED and not crisis:
        return _closed_notice(row)
    values = {
        "post_distress": post,
        "backdraft": backdraft,
        "note": note,
        "safety_concern": concern,
    }
    if errors and crisis:
        # Save what is usable at once.
        if post is None:
            data = CheckInCreate(
                distress=row.pre_distress, note=note[:NOTE_MAX], safety_concern=True
            )
            reports.check_in(session, client, data)
            return _help_page(client, reply=CRISIS)
        errors = {}
    if errors:
        heard = reports.hear_crisis(session, client, form.to_dict())
        if heard is not None:  # a crisis written as 11 or 9.5 is heard all the same (R5)
            return _help_page(client, reply=heard[1].text)
        return _player_page(client, row, errors=errors, values=values, status=422)
    data = SessionFinish(
        post_distress=post, backdraft=backdraft, note=note[:NOTE_MAX], safety_concern=concern
    )
    try:
        finished = reports.finish_session(session, client, row.id, data)
    except CareError:
        session.rollback()
        return _closed_notice(_own_session(client, session_id))
    if finished.crisis:
        return _help_page(client, reply=finished.reply.text)
    return _reply_page("Thank you", finished.reply)


def _reply_page(title: str, reply):
    """The reply; after a rough session with the safe landing: the grounding step, a short
    grounding practice to play now, and the way to the help page."""
    grounding = library().get(GROUNDING_PRACTICE) if GROUNDING_PRACTICE in library() else None
    return render_template(
        "client/reply.html",
        title=title,
        reply=reply,
        grounding_intro=GROUNDING_INTRO,
        grounding=grounding,
    )


@web.get("/help")
@signed_in(CLIENT)
def client_help():
    """Crisis resources, prominently, and a check-in; the page a hold leads to."""
    return _help_page(own_client())


@web.post("/help/checkin")
@signed_in(CLIENT)
def client_checkin():
    """A rating outside a practice (still possible while practices rest)."""
    session = db.session()
    client = own_client()
    form = request.form
    errors = {}
    distress, problem = read_rating(form.get("distress"))
    if problem:
        errors["distress"] = problem
    note, problem = read_note(form.get("note"))
    if problem:
        errors["note"] = problem
    concern = form.get("safety_concern") == "yes"
    if errors and not (concern and distress is not None):  # a concern never waits (R5)
        heard = reports.hear_crisis(session, client, form.to_dict())
        if heard is not None:  # nor a crisis rating written as 11, or a concern without one
            return _help_page(client, reply=heard[1].text)
        values = {"distress": distress, "note": note}
        values["safety_concern"] = concern
        return _help_page(client, errors=errors, values=values, status=422)
    data = CheckInCreate(distress=distress, note=note[:NOTE_MAX], safety_concern=concern)
    _, reply, _, is_crisis = reports.check_in(session, client, data)
    if is_crisis:
        return _help_page(client, reply=reply.text)
    return _reply_page("Thank you for checking in", reply)
