"""Client settings: timezone, quiet hours, channels, voice and pace (with a sample to listen
to), and the name the scripts use."""

from urllib.parse import quote

from flask import g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.clients import commands as clients
from care.errors import Invalid
from care.schemas import ClientUpdate
from care.tables import Client
from care.vocab import SPEECH_STEP
from service import db, media
from service.planning import replan
from service.web.client.common import own_client
from service.web.shared.blueprint import CLIENT, signed_in, web
from service.web.shared.choices import timezone_groups, voice_choices
from service.web.shared.forms import plain

RATE_RANGE = (100, 180)


def _settings_values(client: Client) -> dict:
    from media.speech.voices import DEFAULT_RATE, default_voice

    return {
        "script_name": client.script_name or "",
        "spoken_name": client.spoken_name or "",
        "touch_alternative": client.touch_alternative or "",
        "timezone": client.timezone,
        "quiet_start": client.quiet_start.strftime("%H:%M") if client.quiet_start else "",
        "quiet_end": client.quiet_end.strftime("%H:%M") if client.quiet_end else "",
        "email_prompts": client.email_prompts,
        "reminders": client.reminders,
        "voice": client.voice or default_voice(),
        "speech_rate": str(client.speech_rate or DEFAULT_RATE),
    }


def _sample_url(practice_id: str, voice: str, rate: str) -> str:
    # The client's entry practice: always shared with them, always offered at level 1.
    url = f"/api/v1/practices/{practice_id}/audio?level=1&format=mp3&voice={quote(voice)}"
    return url + (f"&rate={rate}" if rate.isascii() and rate.isdigit() else "")


def _settings_page(client: Client, values: dict, errors: dict, *, saved=False, status=200):
    return render_template(
        "client/settings.html",
        values=values,
        errors=errors,
        saved=saved,
        zones=timezone_groups(),
        voices=voice_choices(client.voice),
        name_warning=media.name_warning(
            values.get("script_name"), values.get("spoken_name"), values.get("voice")
        ),
        sample=_sample_url(client.entry_practice_id, values["voice"], values["speech_rate"]),
        rate_range=RATE_RANGE,
    ), status


SETTINGS_PROBLEMS = {
    "script_name": "Please use at most 40 characters, without the signs { } < >.",
    "spoken_name": "Please use at most 40 characters, without the signs { } < >.",
    "touch_alternative": "Please use at most 120 characters, without the signs { } < >.",
    "timezone": "Please choose your timezone from the list.",
    "quiet_start": "Please write the time as hours and minutes, for example 22:00.",
    "quiet_end": "Please write the time as hours and minutes, for example 07:00.",
    "voice": "Please choose one of the voices in the list.",
    "speech_rate": (
        f"Please choose a pace from {RATE_RANGE[0]} to {RATE_RANGE[1]} words a minute, in "
        f"steps of {SPEECH_STEP} (140 is the default)."
    ),
}


def _parse_settings(form, client: Client) -> tuple[dict, dict, dict]:
    """(values to show again, fields to store, errors by field); each field checked alone so
    every problem lands next to its own field. A voice or pace the therapist set outside the
    client's choices stays acceptable, so saving other settings never fails on it."""
    from media.speech.voices import DEFAULT_RATE, default_voice

    typed = [name for name in clients.OWN_SETTINGS if name not in ("email_prompts", "reminders")]
    values = {name: form.get(name, "").strip() for name in typed}
    values["email_prompts"] = form.get("email_prompts") == "yes"
    values["reminders"] = form.get("reminders") == "yes"
    fields = {"email_prompts": values["email_prompts"], "reminders": values["reminders"]}
    errors = {}
    # The typed settings checked alone; voice, pace and the channels have rules of their own.
    own_rules = ("voice", "speech_rate", "email_prompts", "reminders")
    for name in [name for name in clients.OWN_SETTINGS if name not in own_rules]:
        raw = values[name]
        if raw == "" and name != "timezone":
            fields[name] = None
            continue
        try:
            fields[name] = getattr(ClientUpdate.model_validate({name: raw}), name)
        except ValidationError:
            errors[name] = SETTINGS_PROBLEMS[name]
    if values["voice"] not in [vid for vid, _ in voice_choices(client.voice)]:
        errors["voice"] = SETTINGS_PROBLEMS["voice"]
    elif not (client.voice is None and values["voice"] == default_voice()):  # None: the default
        fields["voice"] = values["voice"]
    rate = values["speech_rate"]
    rate = int(rate) if rate.isascii() and rate.isdigit() else None
    offered = rate is not None and RATE_RANGE[0] <= rate <= RATE_RANGE[1] and not rate % SPEECH_STEP
    if rate is None or not (offered or rate == client.speech_rate):
        errors["speech_rate"] = SETTINGS_PROBLEMS["speech_rate"]
    elif not (client.speech_rate is None and rate == DEFAULT_RATE):
        fields["speech_rate"] = rate
    return values, fields, errors


@web.route("/settings", methods=["GET", "POST"])
@signed_in(CLIENT)
def client_settings():
    """Timezone, quiet hours, channels, voice and pace, and the name the scripts use."""
    session = db.session()
    client = own_client()
    if request.method == "GET":
        return _settings_page(client, _settings_values(client), {}, saved="saved" in request.args)
    values, fields, errors = _parse_settings(request.form, client)
    if errors:
        return _settings_page(client, values, errors, status=422)
    try:
        # The same command as the app's: the whole result is checked (quiet hours) and audited.
        changed = clients.change_own_settings(session, g.page_user, client, fields)
    except Invalid as problem:
        session.rollback()
        found = {field: plain(message) for field, message in problem.problems}
        return _settings_page(client, values, found, status=422)
    session.commit()
    if {"timezone", "quiet_start", "quiet_end"} & set(changed):
        replan(client)  # new local times show at once, not at the next planning pass
    return redirect(url_for("web.client_settings", saved=1), 303)
