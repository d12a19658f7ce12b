"""Issue 13: the app installs on a tablet's home screen — every page links a web app manifest, served as
such, whose icons exist at the sizes it declares (a maskable pair for Android's shapes)."""
import io
import json

from PIL import Image

from ..factories import login


def test_pages_link_a_manifest_whose_icons_exist_at_their_sizes(client, make):
    login(client, make.user())
    page = client.get("/meetings/").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in page
    answer = client.get("/static/manifest.webmanifest")
    assert answer.status_code == 200 and answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["lang"] == "vi" and manifest["start_url"] == "/"
    assert manifest["name"] == "Cabinet — Họp không giấy"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        width, height = Image.open(io.BytesIO(image.data)).size
        assert f"{width}x{height}" == icon["sizes"]
    assert client.get("/static/img/apple-touch-icon.png").status_code == 200
