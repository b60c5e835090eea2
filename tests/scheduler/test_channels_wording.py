"""The words of prompt, reminder and alert emails: language rules, escaping, links."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from practices.language import language_problems
from scheduler.channels import wording
from scheduler.channels.base import Channel, DeliveryResult, Message
from scheduler.channels.email import EmailChannel
from scheduler.channels.webhook import WebhookChannel

OPEN_URL = "https://hearth.test/practice/p-123"
SETTINGS_URL = "https://hearth.test/settings"


def make_message(**overrides) -> Message:
    """A realistic client prompt; override any field."""
    fields = {
        "kind": "prompt",
        "prompt_id": "p-123",
        "idempotency_key": "prompt-p-123-v1",
        "recipient_name": "Sam",
        "recipient_email": "sam@example.org",
        "practice_title": "A kind pause for a hard moment",
        "practice_id": "self-compassion-break",
        "level": 3,
        "minutes": 5,
        "local_time_text": "Tuesday 08:30",
        "expires_at": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        "open_url": OPEN_URL,
        "expires_local_text": "10:30",
        "settings_url": SETTINGS_URL,
    }
    return Message(**{**fields, **overrides})


def make_alert(**overrides) -> Message:
    """An urgent therapist alert as care.reports words it."""
    fields = {
        "kind": "alert",
        "recipient_name": "Dr Lee",
        "recipient_email": "lee@example.org",
        "client_name": "Sam",
        "severity": "urgent",
        "alert_text": "Sam reported a crisis. Practice prompts are on hold until you release them.",
        "open_url": "https://hearth.test/dashboard/clients/c-1",
        "idempotency_key": "alert-a-1",
        **overrides,
    }
    return make_message(**fields)


def client_texts(message: Message) -> list[str]:
    """[subject, plain, html] for `message`."""
    return list(wording.render(message))


VARIANTS = [
    {},
    {"minutes": 1},
    {"minutes": 0},
    {"minutes": 20, "expires_local_text": "", "settings_url": "", "recipient_name": ""},
    {"practice_title": "Watching kindness", "local_time_text": ""},
]


@pytest.mark.parametrize("kind", ["prompt", "reminder"])
@pytest.mark.parametrize("overrides", VARIANTS)
def test_client_texts_follow_the_language_rules(kind, overrides):
    message = make_message(kind=kind, **overrides)
    for part in client_texts(message):
        assert language_problems(part) == [], part
        # Words the checker cannot see in a phrase but the rules still forbid.
        assert not re.search(r"self[- ]?compassion|\bmissed\b|streak|forget", part, re.I)
        assert "you should" not in part.lower() and "hurry" not in part.lower()


def test_prompt_invites_with_length_and_title():
    subject, plain, html = client_texts(make_message())
    assert subject == "Your 5-minute practice is ready: A kind pause for a hard moment"
    assert "Tuesday 08:30" in plain and "until 10:30" in plain
    assert "fine to skip" in plain and "fine to skip" in html
    assert OPEN_URL in plain and f'href="{OPEN_URL}"' in html


def test_reminder_is_gentle_and_says_it_is_the_only_one():
    subject, plain, html = client_texts(make_message(kind="reminder"))
    assert "If now is a good moment, your practice is still here until 10:30" in plain
    assert "only reminder" in plain and "completely fine" in plain
    assert "Still here" in subject and "!" not in subject + plain
    assert "only reminder" in html


def test_reminder_without_expiry_text_still_reads_well():
    plain = wording.reminder_plain(make_message(kind="reminder", expires_local_text=""))
    assert "still here for a little while" in plain and "until ." not in plain


@pytest.mark.parametrize("kind", ["prompt", "reminder"])
def test_client_texts_say_how_to_turn_emails_off(kind):
    _, plain, html = client_texts(make_message(kind=kind))
    assert "turn these emails off" in plain and SETTINGS_URL in plain
    assert f'href="{SETTINGS_URL}"' in html
    _, plain, _ = client_texts(make_message(kind=kind, settings_url=""))
    assert "turn these emails off" in plain and "settings" in plain


def test_html_is_escaped_accessible_and_loads_nothing():
    message = make_message(recipient_name="<b>Sam</b> & co", practice_title='Rest "here" <now>')
    html = wording.prompt_html(message)
    assert "<b>Sam" not in html and "&lt;b&gt;Sam&lt;/b&gt; &amp; co" in html
    assert "&lt;now&gt;" in html and "&quot;here&quot;" in html
    assert '<html lang="en">' in html and "<title>" in html and '<meta charset="utf-8">' in html
    assert not re.search(r"<img|<script|<link|<iframe|url\(|@import|src=", html, re.I)
    assert "click here" not in html.lower()
    # Every link is one the message carries; nothing else is fetched or pinged.
    assert set(re.findall(r'href="([^"]+)"', html)) == {OPEN_URL, SETTINGS_URL}


def test_only_web_links_become_links():
    html = wording.prompt_html(make_message(open_url="javascript:alert(1)", settings_url="data:x"))
    assert "href" not in html and "javascript" not in html
    assert wording.web_link(" https://a.test/x ") == "https://a.test/x"
    assert wording.web_link("https:///nohost") == ""


def test_subjects_are_one_line():
    message = make_message(practice_title="Rest\r\nBcc: x@y.test", recipient_name="Sam\nX")
    for subject in (wording.prompt_subject(message), wording.reminder_subject(message)):
        assert "\n" not in subject and "\r" not in subject


def test_urgent_alert_says_so_and_links_the_dashboard():
    alert = make_alert()
    subject, plain, html = client_texts(alert)
    assert subject == "Urgent: a crisis alert in hearth"
    assert alert.alert_text in plain and alert.open_url in plain
    assert f'href="{alert.open_url}"' in html and "urgent" in plain.lower()
    assert language_problems(plain, audience="therapist") == []


def test_alert_carries_nothing_beyond_its_summary():
    alert = make_alert(alert_text="Sam needs a call back.", practice_title="Secret title")
    _, plain, html = client_texts(alert)
    for part in (plain, html):
        assert "Secret title" not in part and "/10" not in part
        assert not re.search(r"\b(rating|distress|note)s?\b.*\d", part, re.I)


def test_routine_alert_is_not_marked_urgent():
    subject, plain, _ = client_texts(make_alert(severity="routine", alert_text="Sam: level 2."))
    assert not subject.lower().startswith("urgent") and "Sam" not in subject
    assert "urgent" not in plain.lower()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "nudge"),
        ("severity", "high"),
        ("expires_at", datetime(2025, 3, 4, 9, 30)),
        ("idempotency_key", ""),
    ],
)
def test_message_refuses_bad_fields(field, value):
    with pytest.raises(ValueError):
        make_message(**{field: value})


def test_message_keeps_expiry_in_utc():
    paris = datetime(2025, 3, 4, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    expires = make_message(expires_at=paris).expires_at
    assert expires == paris and expires.tzinfo is UTC and expires.hour == 9


def test_every_channel_follows_the_one_protocol():
    # The in-app inbox is the prompts table itself (scheduler.dispatch), not a channel.
    assert isinstance(EmailChannel("smtp.test", 25, "h <h@x.test>"), Channel)
    assert isinstance(WebhookChannel(), Channel)
    assert (EmailChannel.name, WebhookChannel.name) == ("email", "webhook")
    assert DeliveryResult("ok", "accepted").ok and not DeliveryResult("retry", "later").ok


@pytest.mark.parametrize("severity", ["urgent", "routine"])
def test_an_alert_email_never_names_the_client(severity):
    alert = make_alert(severity=severity, client_name="Sam Rivers", alert_text="Please sign in.")
    subject, plain, html = client_texts(alert)
    for part in (subject, plain, html):
        assert "Sam" not in part and "Rivers" not in part
