"""Practice audio over HTTP: rendered once, served by path with Range, ETag and captions; bad
voices and rates explained; a missing speech library or a broken media folder said plainly."""

import os
import re

import pytest

from media.speech import voices as voice_module

pytestmark = pytest.mark.skipif(
    voice_module.availability() is not None,
    reason="espeak-ng is not installed (make test installs it)",
)

URL = "/api/v1/practices/watching-kindness"


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return response.json


def test_first_request_renders_then_serves_with_range_and_etag(client, patient):
    first = client.get(f"{URL}/audio?level=1&format=wav", headers=patient.headers)
    assert first.status_code == 200 and first.mimetype == "audio/wav"
    body = first.get_data()
    assert body[:4] == b"RIFF" and int(first.headers["Content-Length"]) == len(body)
    etag = first.headers["ETag"]
    part = client.get(
        f"{URL}/audio?level=1&format=wav", headers={**patient.headers, "Range": "bytes=100-199"}
    )
    assert part.status_code == 206 and part.get_data() == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    same = client.get(
        f"{URL}/audio?level=1&format=wav", headers={**patient.headers, "If-None-Match": etag}
    )
    assert same.status_code == 304
    for response in (first, part, same):
        response.close()


def test_mp3_and_captions_match_the_same_rendering(client, patient):
    mp3 = client.get(f"{URL}/audio?level=1&format=mp3", headers=patient.headers)
    assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg" and len(mp3.get_data()) > 1000
    vtt = client.get(f"{URL}/captions.vtt?level=1", headers=patient.headers)
    text = vtt.get_data(as_text=True)
    assert vtt.status_code == 200 and text.startswith("WEBVTT")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})", text)
    assert len(cues) >= 3 and cues == sorted(cues)
    mp3.close()
    vtt.close()


def test_client_voice_settings_and_name_change_the_rendering(client, therapist, patient):
    plain = client.get(f"{URL}/audio?level=1&format=wav", headers=patient.headers)
    client.patch(
        f"/api/v1/clients/{patient.client_id}",
        headers=therapist.headers,
        json={"speech_rate": 120, "script_name": "Jo"},
    )
    slower = client.get(f"{URL}/audio?level=1&format=wav", headers=patient.headers)
    assert slower.headers["ETag"] != plain.headers["ETag"]
    assert len(slower.get_data()) > len(plain.get_data())  # slower speech is longer
    captions = client.get(f"{URL}/captions.vtt?level=1", headers=patient.headers)
    assert "Jo" in captions.get_data(as_text=True)
    for response in (plain, slower, captions):
        response.close()


def test_unknown_voice_lists_the_voices_and_rate_is_bounded(client, patient):
    body = _problem(client.get(f"{URL}/audio?level=1&voice=xx/none", headers=patient.headers), 422)
    assert body["errors"][0]["field"] == "voice" and "gmw/en" in body["detail"]
    body = _problem(client.get(f"{URL}/audio?level=1&rate=300", headers=patient.headers), 422)
    assert body["errors"][0]["field"] == "rate"
    voices = client.get("/api/v1/voices", headers=patient.headers).json
    assert voices["default"] in [v["id"] for v in voices["items"]]


def test_written_practice_has_no_audio(client, therapist):
    body = _problem(
        client.get("/api/v1/practices/kind-letter/audio?level=2", headers=therapist.headers), 422
    )
    assert "written" in body["detail"] or "text" in body["detail"]


def test_unwritable_media_folder_is_503_and_leaves_nothing(app, client, patient, tmp_path):
    from media.store import MediaStore

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    app.extensions["hearth.media_store"] = MediaStore(blocker / "media", max_bytes=10**9)
    body = _problem(client.get(f"{URL}/audio?level=1&format=wav", headers=patient.headers), 503)
    assert "media directory" in body["detail"]
    assert os.listdir(tmp_path) == ["not-a-folder"] or "media" not in os.listdir(tmp_path)


def test_without_espeak_health_and_audio_say_so_and_text_still_works(client, patient, monkeypatch):
    monkeypatch.setattr(voice_module, "_find_library", lambda: None)
    voice_module.availability.cache_clear()
    try:
        health = client.get("/api/v1/health").json
        assert health["speech"] == "unavailable" and "espeak-ng" in health["detail"]
        body = _problem(
            client.get(
                f"{URL}/audio?level=1&format=wav&rate=130&voice=gmw/en", headers=patient.headers
            ),
            503,
        )
        assert "libespeak-ng1" in body["detail"]
        assert client.get(f"{URL}/script?level=1", headers=patient.headers).status_code == 200
    finally:
        monkeypatch.undo()
        voice_module.availability.cache_clear()


def test_cached_fetch_does_not_render_again(client, patient, monkeypatch):
    first = client.get(f"{URL}/audio?level=2&format=wav", headers=patient.headers)
    first.close()
    from media import render as render_module

    def no_synthesis(*args, **kwargs):
        raise AssertionError("a cached fetch must not synthesise")

    monkeypatch.setattr(render_module, "synthesize_items", no_synthesis)
    again = client.get(f"{URL}/audio?level=2&format=wav", headers=patient.headers)
    assert again.status_code == 200
    again.close()


def test_file_names_come_from_the_client_facing_title(client, therapist, patient):
    # The practice id names the goal ("self-compassion"); client-facing words never do.
    assigned = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=therapist.headers,
        json={"practice_id": "self-compassion-break"},
    )
    assert assigned.status_code == 201
    url = "/api/v1/practices/self-compassion-break/captions.vtt?level=2"
    with client.get(url, headers=patient.headers) as response:
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
    assert "filename=" in disposition and "compassion" not in disposition.lower()
