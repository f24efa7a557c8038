"""Who is asking: a console session (signed, expiring, HttpOnly, SameSite=Strict cookie), or a user a
trusted single-sign-on proxy names in its header; and the CSRF token every state-changing form carries.

- The session cookie holds a random token signed with the installation's secret (itsdangerous); the
  database holds the token's SHA-256 and its expiry, so logging out, removing a user or changing a
  password ends a session at once.
- The proxy's header is believed only when the request comes straight from one of
  `console_trusted_proxies`; the user it names must exist (`exchange users add --no-password`), since
  the role is the console's own.
- CSRF: a form's token is an HMAC of the session (or, for proxy users, of the user name), and the
  request's Origin, when the browser sends one, must be the console's own. Before login, the login form's
  token is bound to a random nonce in a short-lived cookie (login CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from exchange.users import Role, find_user, session_of

SESSION_COOKIE = "exchange_session"
LOGIN_COOKIE = "exchange_login"
LOGIN_COOKIE_SECONDS = 3600
CSRF_FIELD = "csrf_token"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Viewer:
    name: str
    role: Role
    token: str | None  # the session's token; None for a user the proxy vouches for


class Gate:
    """Turns requests into viewers and back into cookies."""

    def __init__(
        self,
        engine: Engine,
        secret: bytes,
        lifetime: timedelta,
        proxy_header: str | None,
        proxies: list[str],
    ) -> None:
        self.engine = engine
        self.lifetime = lifetime
        self.proxy_header = proxy_header
        self.proxies: tuple[Network, ...] = tuple(ipaddress.ip_network(p, strict=False) for p in proxies)
        self._secret = secret
        self._signer = TimestampSigner(secret, salt="exchange-console-session")
        self._login_signer = TimestampSigner(secret, salt="exchange-console-login")

    # Where the request comes from.
    def peer(self, request: Request) -> str:
        return request.client.host if request.client else ""

    def from_trusted_proxy(self, request: Request) -> bool:
        try:
            address = ipaddress.ip_address(self.peer(request))
        except ValueError:
            return False
        return any(address in network for network in self.proxies)

    def client_address(self, request: Request) -> str:
        """The person's address for the login limits: the proxy's X-Forwarded-For when it is trusted."""
        if self.from_trusted_proxy(request):
            forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
            if forwarded:
                return forwarded
        return self.peer(request)

    def is_https(self, request: Request) -> bool:
        if self.from_trusted_proxy(request):
            proto = request.headers.get("x-forwarded-proto")
            if proto:
                return proto.split(",")[0].strip().lower() == "https"
        return request.url.scheme == "https"

    # Who is asking.
    def viewer(self, request: Request) -> Viewer | None:
        if self.proxy_header and self.from_trusted_proxy(request):
            name = request.headers.get(self.proxy_header)
            if name:
                user = find_user(self.engine, name.strip())
                return None if user is None else Viewer(user.name, user.role, None)
        signed = request.cookies.get(SESSION_COOKIE)
        if not signed:
            return None
        try:
            token = self._signer.unsign(signed, max_age=int(self.lifetime.total_seconds())).decode()
        except BadSignature:
            return None
        session = session_of(self.engine, token)
        return None if session is None else Viewer(session.user, session.role, token)

    def csrf_token(self, viewer: Viewer) -> str:
        bound = f"session:{viewer.token}" if viewer.token else f"proxy:{viewer.name}"
        return self._mac("csrf:" + bound)

    def csrf_ok(self, request: Request, viewer: Viewer, given: str | None) -> bool:
        return self.same_origin(request) and hmac.compare_digest(self.csrf_token(viewer), given or "")

    def same_origin(self, request: Request) -> bool:
        """An Origin header, when the browser sends one, must name this console."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        host = request.headers.get("host", "")
        return origin in {f"http://{host}", f"https://{host}"}

    # Cookies.
    def set_session(self, request: Request, response: Response, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self._signer.sign(token).decode(),
            max_age=int(self.lifetime.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=self.is_https(request),
            path="/",
        )

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")

    def login_nonce(self, request: Request) -> str | None:
        signed = request.cookies.get(LOGIN_COOKIE)
        if not signed:
            return None
        try:
            return self._login_signer.unsign(signed, max_age=LOGIN_COOKIE_SECONDS).decode()
        except BadSignature:
            return None

    def set_login_cookie(self, request: Request, response: Response, nonce: str) -> None:
        response.set_cookie(
            LOGIN_COOKIE,
            self._login_signer.sign(nonce).decode(),
            max_age=LOGIN_COOKIE_SECONDS,
            httponly=True,
            samesite="strict",
            secure=self.is_https(request),
            path="/login",
        )

    def login_token(self, nonce: str) -> str:
        return self._mac("login:" + nonce)

    def login_csrf_ok(self, request: Request, given: str | None) -> bool:
        nonce = self.login_nonce(request)
        if nonce is None or not self.same_origin(request):
            return False
        return hmac.compare_digest(self.login_token(nonce), given or "")

    def _mac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()
