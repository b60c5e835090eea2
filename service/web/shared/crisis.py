"""Crisis resources settings: a therapist's own, and the deployment's (set by an admin) for
therapists without their own. One form, two owners."""

from flask import flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from care.safety import crisis
from service import db
from service.web.shared.blueprint import ADMIN, THERAPIST, signed_in, web
from service.web.shared.forms import plain


def crisis_values(resources) -> dict:
    """Form values from stored resources, with room for two more entries."""
    items = [
        {
            "label": i.label,
            "text": i.text,
            "phone": i.phone or "",
            "url": str(i.url) if i.url else "",
        }
        for i in resources.items
    ]
    rows = min(20, max(len(items) + 2, 3))
    items += [{"label": "", "text": "", "phone": "", "url": ""}] * (rows - len(items))
    return {
        "intro": resources.intro,
        "items": items,
        "source": resources.source,
        "confirmed": resources.confirmed,
    }


def read_crisis_form() -> tuple[dict, list | None, dict]:
    """(values to show again, validated items or None, errors) from the posted form."""
    form = request.form
    intro = form.get("intro", "").strip()
    rows = []
    for n in range(20):
        if f"label-{n}" not in form:
            break
        rows.append(
            {k: form.get(f"{k}-{n}", "").strip() for k in ("label", "text", "phone", "url")}
        )
    values = {"intro": intro, "items": rows}
    errors: dict[str, str] = {}
    if not intro:
        errors["intro"] = "Write a short introduction: what a client in crisis should read first."
    elif len(intro) > 1000:
        errors["intro"] = "Keep the introduction under 1,000 characters."
    items = []
    for n, row in enumerate(rows):
        if not any(row.values()):
            continue
        try:
            items.append(
                crisis.ResourceItem(
                    label=row["label"],
                    text=row["text"],
                    phone=row["phone"] or None,
                    url=row["url"] or None,
                )
            )
        except ValidationError as problem:
            for item in problem.errors():
                field = str(item["loc"][0])
                errors[f"{field}-{n}"] = {
                    "label": "Give this entry a name, e.g. Crisis line (at most 120 characters).",
                    "text": "Keep the description under 500 characters.",
                    "phone": "Use digits, spaces and + ( ) . / - only, e.g. +44 116 123.",
                    "url": "Write a full web address starting with https://.",
                }.get(field, plain(item["msg"]))
    if not items and "intro" not in errors:
        errors["label-0"] = "Add at least one place to turn to."
    return values, (items if not errors else None), errors


@web.route("/crisis-resources", methods=["GET", "POST"])
@signed_in(THERAPIST)
def therapist_crisis():
    """The crisis resources this therapist's clients see during a hold."""
    session = db.session()
    therapist = g.page_user
    if request.method == "POST":
        values, items, errors = read_crisis_form()
        if errors:
            confirmed = crisis.for_therapist(session, therapist.id).confirmed
            values.update(source="therapist", confirmed=confirmed)
            return render_template("therapist/crisis.html", values=values, errors=errors), 422
        crisis.save(session, therapist, values["intro"], items)
        session.commit()
        flash("Crisis resources saved. Your clients see them whenever they are on hold.")
        return redirect(url_for("web.therapist_crisis"))
    values = crisis_values(crisis.for_therapist(session, therapist.id))
    return render_template("therapist/crisis.html", values=values, errors={})


@web.route("/admin/crisis-resources", methods=["GET", "POST"])
@signed_in(ADMIN)
def admin_crisis():
    """The deployment's crisis resources, for therapists who have not set their own."""
    session = db.session()
    if request.method == "POST":
        values, items, errors = read_crisis_form()
        if errors:
            confirmed = crisis.for_therapist(session, None).confirmed
            values.update(source="deployment", confirmed=confirmed)
            return render_template("admin/crisis.html", values=values, errors=errors), 422
        crisis.save(session, g.page_user, values["intro"], items)
        session.commit()
        flash("Saved. Clients of therapists without their own resources see these.")
        return redirect(url_for("web.admin_crisis"))
    values = crisis_values(crisis.for_therapist(session, None))
    return render_template("admin/crisis.html", values=values, errors={})
