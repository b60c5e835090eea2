"""Handing an invitation over: by email when this deployment sends email, otherwise (or when
the email fails) as a one-time link shown once to whoever invited, with words on passing it
on. The link is never stored or put in the session cookie. An offer for an address that
another account has (care/clients/logins.py) is handed over the same way, word for word; its
email is a notice to that account instead of an invitation."""

from dataclasses import dataclass

from care.accounts.users import INVITATION_TTL, Offer
from service import mail


@dataclass(frozen=True)
class Handover:
    """How an invitation reached its person: emailed to `emailed`, or `link` to pass on."""

    name: str
    emailed: str | None = None
    link: str | None = None
    problem: str | None = None  # why the email could not be sent, if it was tried


def hand_over(offer: Offer, *, inviter: str, staff: bool = False) -> Handover:
    """Email the invitation if email is set up; otherwise, or if it fails, the link to show."""
    url = mail.link(f"/welcome?code={offer.secret}")
    if offer.taken:
        result = mail.address_taken(offer.to, inviter)
    else:
        text = (mail.INVITE_STAFF if staff else mail.INVITE_CLIENT).format(
            therapist=inviter, admin=inviter, days=INVITATION_TTL.days
        )
        result = mail.send(
            offer.to,
            kind="invitation",
            subject="Your hearth account is ready" if staff else f"{inviter} invited you to hearth",
            text=text,
            button="Choose your password",
            url=url,
        )
    name = offer.name or offer.email
    if result is None:
        return Handover(name=name, link=url)
    if result.ok:
        return Handover(name=name, emailed=offer.email)
    return Handover(
        name=name,
        link=url,
        problem=f"The invitation email could not be sent ({result.detail or result.outcome}).",
    )
