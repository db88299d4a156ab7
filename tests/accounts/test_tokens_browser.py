"""The tokens page in a real browser: choose scopes in the matrix, create, see the key once and the token listed."""

import pytest

from tillit.accounts.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_a_scoped_token_in_the_browser(browser_login, actors, tmp_path):
    page = browser_login(actors["rep_north"])
    page.goto("/accounts/tokens/")
    page.fill("input[name=name]", "Phone system")
    page.check("input[value='people:read']")
    page.check("input[value='interactions:write']")
    page.fill("textarea[name=allowed_addresses]", "10.0.0.0/8")
    page.click("button:has-text('Create token')")
    key = page.inner_text("[data-testid=new-token]").strip()
    assert key.startswith("tlt_")
    row = page.locator("[data-testid=tokens] tbody tr").first
    assert "people:read" in row.inner_text() and "interactions:write" in row.inner_text()
    assert "10.0.0.0/8" in row.inner_text()
    page.screenshot(path=str(tmp_path / "tokens.png"), full_page=True)
    token = ApiToken.objects.get(user=actors["rep_north"])
    assert token.scopes == ["people:read", "interactions:write"]


def test_a_manager_sets_up_two_factor_in_the_browser(browser_login, actors, settings, tmp_path):
    import base64

    from django_otp.oath import totp

    settings.TILLIT_2FA_REQUIRED_ROLES = ["admin", "manager"]
    page = browser_login(actors["manager_north"])
    page.goto("/deals/")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    assert page.locator("[data-testid=totp-qr]").is_visible()
    page.screenshot(path=str(tmp_path / "setup.png"), full_page=True)
    # What an authenticator app does with the typed key.
    secret = page.inner_text("[data-testid=totp-secret]").replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", f"{totp(key):06d}")
    page.click("button[type=submit].primary")
    page.locator("[data-testid=recovery-codes]").wait_for()
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.screenshot(path=str(tmp_path / "codes.png"), full_page=True)
    page.click("text=I have saved them")
    page.wait_for_url("**/deals/")
