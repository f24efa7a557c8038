"""Who may open what: no page without login, each role its own pages, sessions that end, CSRF on every
form that changes something, limited login attempts, the proxy header only from trusted proxies, and the
security headers on every response."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from exchange.console import create_app
from exchange.console.auth import SESSION_COOKIE
from exchange.users import Role
from tests.console.conftest import PASSWORD, USERS, Store, csrf_of, log_in

PAGES = {
    Role.OPERATOR: ["/", "/files", "/files/1", "/codes", "/partners"],
    Role.ANALYST: ["/flags", "/flags/1", "/study", "/flags.csv"],
    Role.AUDITOR: ["/audit"],
    Role.ADMIN: ["/users", "/", "/files"],
}
# What each role must be refused (the issue: an analyst cannot re-drive, an operator cannot open a
# taxpayer).
FORBIDDEN = {
    Role.OPERATOR: ["/flags", "/flags/1", "/taxpayers/1", "/flags.csv", "/study", "/audit", "/users"],
    Role.ANALYST: ["/", "/files", "/files/1", "/dead-letters", "/partners", "/audit", "/users"],
    Role.AUDITOR: ["/flags", "/taxpayers/1", "/files", "/dead-letters"],
    Role.ADMIN: ["/flags", "/taxpayers/1", "/audit"],
}


def test_no_page_without_login(client: TestClient) -> None:
    for path in ["/", "/files", "/flags", "/flags/1", "/taxpayers/1", "/audit", "/flags.csv", "/users"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_pages_and_is_refused_the_others(client: TestClient, role: Role) -> None:
    log_in(client, role)
    for path in PAGES[role]:
        assert client.get(path).status_code == 200, path
    for path in FORBIDDEN[role]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Not for your role" in response.text


def test_an_analyst_cannot_redrive_even_with_a_valid_token(client: TestClient) -> None:
    log_in(client, Role.ANALYST)
    token = csrf_of(client.get("/flags").text)
    response = client.post("/dead-letters/0/0/redrive", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Not for your role" in response.text


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    log_in(client, Role.OPERATOR)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post("/dead-letters/0/0/discard", data={"reason": "x", **data})
        assert response.status_code == 403
        assert "Form refused" in response.text
    token = csrf_of(client.get("/files").text)
    cross = client.post(
        "/dead-letters/0/0/discard",
        data={"reason": "x", "csrf_token": token},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_login_needs_its_form_token(client: TestClient) -> None:
    response = client.post("/login", data={"name": USERS[Role.ANALYST], "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_wrong_password_then_too_many_attempts(store: Store) -> None:
    settings = store.settings.model_copy(update={"console_login_max_failures": 2})
    with TestClient(create_app(settings, store.engine), base_url="http://console.test") as client:
        for _ in range(2):
            token = csrf_of(client.get("/login").text)
            wrong = client.post(
                "/login", data={"name": USERS[Role.AUDITOR], "password": "nope", "csrf_token": token}
            )
            assert wrong.status_code == 401
            assert "Wrong user name or password" in wrong.text
        token = csrf_of(client.get("/login").text)
        right = client.post(
            "/login", data={"name": USERS[Role.AUDITOR], "password": PASSWORD, "csrf_token": token}
        )
        assert right.status_code == 429, "the right password too is refused once the limit is reached"
        assert SESSION_COOKIE not in client.cookies


def test_the_session_cookie_is_httponly_strict_and_ends_at_logout(client: TestClient) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"name": USERS[Role.AUDITOR], "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie
    signed = client.cookies[SESSION_COOKIE]
    page = client.get("/audit")
    assert page.status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    client.cookies.set(SESSION_COOKIE, signed)  # the old cookie, replayed
    assert client.get("/audit", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(client: TestClient) -> None:
    log_in(client, Role.AUDITOR)
    signed = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1])
    assert client.get("/audit", follow_redirects=False).status_code == 303


def test_the_proxy_header_is_believed_from_trusted_proxies_only(store: Store) -> None:
    header = {"x-forwarded-user": USERS[Role.AUDITOR]}
    trusted = store.settings.model_copy(
        update={"console_trusted_proxy_header": "X-Forwarded-User", "console_trusted_proxies": ["10.0.0.0/8"]}
    )
    app = create_app(trusted, store.engine)
    with TestClient(app, base_url="http://console.test", client=("10.1.2.3", 5555)) as client:
        assert client.get("/audit", headers=header).status_code == 200
        unknown = {"x-forwarded-user": "nobody-known"}
        assert client.get("/audit", headers=unknown, follow_redirects=False).status_code == 303
    with TestClient(app, base_url="http://console.test", client=("192.168.1.9", 5555)) as client:
        assert client.get("/audit", headers=header, follow_redirects=False).status_code == 303


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ["/login", "/static/console.css", "/nowhere"]:
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_no_page_loads_anything_from_outside(client: TestClient) -> None:
    log_in(client, Role.ANALYST)
    for path in ["/flags", "/flags/1", "/study"]:
        html = client.get(path).text
        assert "<script>" not in html and " style=" not in html, path
        for reference in ('src="http', 'href="http', "src='http", "href='http", "//cdn"):
            assert reference not in html, (path, reference)
