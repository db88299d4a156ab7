"""The company's details page: administrators edit name, address, numbers, bank and logo; nobody else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tillit.accounts.models import CompanyProfile
from tillit.accounts.selectors import company_profile


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


FIELDS = {"name": "Nordlys Varme AS", "org_number": "912 345 678", "street_address": "Storgata 1",
          "postal_code": "0155", "city": "Oslo", "country": "Norge", "bank_account": "1234.56.78901",
          "iban": "NO9386011117947", "bic": "DNBANOKK", "email": "post@nordlys.example"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_without_a_profile_the_name_comes_from_settings(db, settings):
    settings.TILLIT_COMPANY_NAME = "Fjordvarme"
    assert company_profile().display_name == "Fjordvarme" and not CompanyProfile.objects.exists()


def test_an_admin_saves_the_details_and_a_logo_kept_in_the_data_directory(actors, login, media,
                                                                          django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    assert client.get("/accounts/company/").status_code == 200
    response = client.post("/accounts/company/", {**FIELDS, "logo": SimpleUploadedFile("l.png", png(), "image/png")})
    assert response.status_code == 302
    profile = CompanyProfile.objects.get()
    assert (profile.name, profile.org_number, profile.bank_account, profile.city) == (
        "Nordlys Varme AS", "912 345 678", "1234.56.78901", "Oslo")
    assert profile.logo.name.startswith("company/") and (media / profile.logo.name).is_file()
    assert 'data-testid="logo"' in client.get("/accounts/company/").content.decode()
    assert client.get("/accounts/company/logo").getvalue() == png()

    old = media / profile.logo.name
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes after the commit
        client.post("/accounts/company/", {**FIELDS, "remove_logo": "on"})
    profile.refresh_from_db()
    assert not profile.logo and not old.exists()
    assert client.get("/accounts/company/logo").status_code == 404


def test_a_logo_that_is_no_image_is_refused_at_the_field(actors, login):
    client = login(actors["admin"])
    response = client.post("/accounts/company/", {
        **FIELDS, "logo": SimpleUploadedFile("logo.png", b"<svg>not a png</svg>", "image/png")})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-field="logo"' in html and "PNG or JPEG" in html
    assert not CompanyProfile.objects.exists()  # nothing half-saved


@pytest.mark.parametrize("who", ["manager_north", "rep_north"])
def test_only_admins_edit_the_company(actors, login, who):
    client = login(actors[who])
    assert client.get("/accounts/company/").status_code == 403
    assert client.post("/accounts/company/", FIELDS).status_code == 403
    assert not CompanyProfile.objects.exists()
