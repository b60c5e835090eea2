"""The practice library over HTTP and on the command line, and refusal to start when broken."""

import shutil
from pathlib import Path

import pytest

from practices import LibraryError, default_library
from practices.loader import LIBRARY_DIR
from service.app import create_app
from service.settings import load
from tests.conftest import settings_env


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def test_therapist_sees_all_sixteen_practices_across_pages(client, therapist):
    seen, cursor = [], None
    while True:
        url = "/api/v1/practices?limit=6" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=therapist.headers).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 16 and len(set(seen)) == 16
    assert {"self-compassion-break", "grounding", "belonging", "fierce-break-protect"} <= set(seen)


def _share(client, therapist, patient, practice_id):
    response = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": practice_id},
    )
    assert response.status_code == 201, response.json


def test_client_sees_client_practices_without_clinical_notes(client, therapist, patient):
    _share(client, therapist, patient, "self-compassion-break")
    items = client.get("/api/v1/practices?limit=50", headers=patient.headers).json["items"]
    assert items and all(p["audience"] == "client" for p in items)
    assert "equanimity-for-therapists" not in [p["id"] for p in items]
    assert all(p["therapist_notes"] is None for p in items)
    assert all("self-compassion" not in p["title"].lower() for p in items)
    _problem(
        client.get("/api/v1/practices/equanimity-for-therapists", headers=patient.headers), 404
    )


def test_client_sees_only_what_was_shared_with_them(client, therapist, patient):
    def listed():
        items = client.get("/api/v1/practices?limit=50", headers=patient.headers).json["items"]
        return sorted(p["id"] for p in items)

    # The entry practices are always there (level 1 climbs through them, and a rough session
    # offers grounding); the rest arrives with the therapist's assignments.
    entry = sorted(p.id for p in default_library() if p.entry)
    assert listed() == entry
    for hidden in ("fierce-break-protect", "giving-and-receiving"):
        url = f"/api/v1/practices/{hidden}"
        _problem(client.get(url, headers=patient.headers), 404)
        _problem(client.get(f"{url}/script?level=1", headers=patient.headers), 404)
        _problem(client.get(f"{url}/captions.vtt?level=1", headers=patient.headers), 404)
    _share(client, therapist, patient, "giving-and-receiving")
    assert listed() == sorted(["giving-and-receiving", *entry])
    url = "/api/v1/practices/giving-and-receiving/script?level=2"
    assert client.get(url, headers=patient.headers).status_code == 200


def test_filters(client, therapist):
    def ids(query):
        return {
            p["id"]
            for p in client.get(f"/api/v1/practices?{query}", headers=therapist.headers).json[
                "items"
            ]
        }

    assert ids("quality=protection") == {"fierce-break-protect"}
    assert ids("audience=therapist") == {"equanimity-for-therapists"}
    assert ids("level=5") == {"giving-and-receiving"}
    assert "watching-kindness" in ids("direction=other_to_other")
    body = _problem(client.get("/api/v1/practices?quality=angry", headers=therapist.headers), 422)
    assert body["errors"][0]["field"] == "quality"


def test_practice_metadata_lists_levels_with_lengths(client, therapist):
    body = client.get("/api/v1/practices/giving-and-receiving", headers=therapist.headers).json
    assert [lv["level"] for lv in body["levels"]] == [2, 3, 4, 5]  # level 1 is entry only
    for lv in body["levels"]:
        assert abs(lv["estimated_seconds"] - lv["target_seconds"]) <= 0.15 * lv["target_seconds"]
    assert body["therapist_notes"] and body["sources"]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "ssml", "timeline"])
def test_every_format_renders_with_its_media_type(client, therapist, fmt):
    response = client.get(
        f"/api/v1/practices/self-compassion-break/script?level=3&format={fmt}",
        headers=therapist.headers,
    )
    assert response.status_code == 200
    expected = {
        "text": "text/plain",
        "md": "text/markdown",
        "html": "text/html",
        "ssml": "application/ssml+xml",
        "timeline": "application/json",
    }[fmt]
    assert response.mimetype == expected
    assert response.headers["ETag"] and "private" in response.headers["Cache-Control"]
    assert "{" not in response.get_data(as_text=True) or fmt == "timeline"


def test_client_gets_their_own_name_and_touch(client, therapist, patient):
    _share(client, therapist, patient, "soothing-touch")
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"script_name": "Robin", "touch_alternative": "the cat on your lap"},
    )
    text = client.get(
        "/api/v1/practices/soothing-touch/script?level=1", headers=patient.headers
    ).get_data(as_text=True)
    assert "Robin" in text and "the cat on your lap" in text
    assert "{name}" not in text and "{touch}" not in text


def test_without_a_name_the_script_reads_cleanly(client, therapist):
    text = client.get(
        "/api/v1/practices/self-compassion-break/script?level=2", headers=therapist.headers
    ).get_data(as_text=True)
    assert "{" not in text and ", ." not in text and "Welcome." in text


def test_etag_answers_304_and_changes_with_personalisation(client, therapist, patient):
    _share(client, therapist, patient, "kind-body-scan")
    url = "/api/v1/practices/kind-body-scan/script?level=2&format=html"
    first = client.get(url, headers=patient.headers)
    again = client.get(url, headers={**patient.headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"script_name": "Ash"},
    )
    changed = client.get(url, headers={**patient.headers, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Ash" in changed.get_data(as_text=True)


def test_bad_inputs_are_explained(client, therapist):
    body = _problem(client.get("/api/v1/practices/no-such-thing", headers=therapist.headers), 404)
    assert "no practice called 'no-such-thing'" in body["detail"]
    body = _problem(
        client.get("/api/v1/practices/watching-kindness/script?level=4", headers=therapist.headers),
        422,
    )
    assert body["errors"][0]["field"] == "level" and "offered levels: 1, 2" in body["detail"]
    body = _problem(
        client.get(
            "/api/v1/practices/watching-kindness/script?format=pdf", headers=therapist.headers
        ),
        422,
    )
    assert body["errors"][0]["field"] == "format"
    for fmt in ("text", "md", "html", "ssml", "timeline"):
        assert fmt in body["detail"]


def test_broken_library_file_stops_the_start_with_the_validators_message(tmp_path):
    broken = tmp_path / "library"
    shutil.copytree(LIBRARY_DIR, broken)
    path = broken / "soothing-touch.toml"
    path.write_text(
        path.read_text().replace('direction = "self_to_self"', 'direction = "sideways"')
    )
    env = settings_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", HEARTH_PRACTICES_DIR=str(broken))
    with pytest.raises(LibraryError) as caught:
        create_app(load(env))
    assert "soothing-touch.toml: direction:" in str(caught.value)


def test_cli_lists_shows_and_renders(runner):
    listed = runner.invoke(args=["practices", "list"])
    assert listed.exit_code == 0 and "16 practices" in listed.output
    shown = runner.invoke(args=["practices", "show", "fierce-break-protect"])
    assert shown.exit_code == 0 and "yang_ready" in shown.output
    rendered = runner.invoke(
        args=[
            "practices",
            "render",
            "self-compassion-break",
            "--level",
            "3",
            "--format",
            "text",
            "--name",
            "Sam",
        ]
    )
    assert rendered.exit_code == 0 and "Sam" in rendered.output
    assert len(rendered.output.split()) > 300  # a complete script, not a stub
    as_json = runner.invoke(args=["practices", "list", "--json"])
    assert '"giving-and-receiving"' in as_json.output


def test_cli_explains_bad_arguments(runner, tmp_path):
    unknown = runner.invoke(args=["practices", "show", "nope"])
    assert unknown.exit_code != 0 and "practices list" in unknown.output
    level = runner.invoke(args=["practices", "render", "watching-kindness", "--level", "3"])
    assert level.exit_code != 0 and "offered levels: 1, 2" in level.output
    out = Path(tmp_path / "x.md")
    made = runner.invoke(
        args=["practices", "render", "watching-kindness", "--format", "md", "-o", str(out)]
    )
    assert made.exit_code == 0 and out.read_text().startswith("# ")
