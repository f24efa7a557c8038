"""The console's page machinery: who may open which page, reading a query string, rendering a template.

A page is a plain function `(request, viewer) -> Response` declared with the roles that may open it:
`@page(Role.OPERATOR)`. Without a login it redirects to /login; for another role it answers 403 with
the forbidden page. An action (a form that changes something) is declared with `@action(...)`: it
also reads the form and refuses it without the right CSRF token; `confirmed(...)` makes the GET
confirmation page and the POST action of one path from the two functions. Both run the database work in a
worker thread, off the event loop.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import click
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from exchange.cli.results import AMOUNT
from exchange.console.auth import CSRF_FIELD, Gate, Viewer
from exchange.console.evidence import label, readable
from exchange.console.limiter import LoginLimiter
from exchange.errors import ExchangeError, ServiceUnavailableError
from exchange.logs import get_logger
from exchange.settings import Settings
from exchange.timewindow import TimeSpecError, parse_moment
from exchange.users import Role

log = get_logger(__name__)
OPERATORS = (Role.OPERATOR, Role.ADMIN)


@dataclass(frozen=True)
class Place:
    path: str
    label: str
    roles: tuple[Role, ...]


# The navigation, and so which role sees which part of the console.
NAVIGATION = (
    Place("/", "Overview", OPERATORS),
    Place("/files", "Files", OPERATORS),
    Place("/codes", "Errors by code", OPERATORS),
    Place("/dead-letters", "Dead letters", OPERATORS),
    Place("/partners", "Partners and keys", OPERATORS),
    Place("/flags", "Flags", (Role.ANALYST,)),
    Place("/study", "Study tables", (Role.ANALYST,)),
    Place("/audit", "Audit trail", (Role.AUDITOR,)),
    Place("/users", "Users", (Role.ADMIN,)),
)


def home_of(role: Role) -> str:
    """Where a role lands after login: its first page."""
    return next(place.path for place in NAVIGATION if role in place.roles)


@dataclass
class Console:
    """What every page needs: the settings, the store, the login gate and the templates."""

    settings: Settings
    engine: Engine
    gate: Gate
    limiter: LoginLimiter
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = _environment()


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


class BadRequestError(Exception):
    """A query string or form the page cannot read: shown as 400 with the reason."""


class NotFoundError(Exception):
    """What the URL names does not exist: shown as 404."""


Handler = Callable[[Request, Viewer], Response]
FormHandler = Callable[[Request, Viewer, FormData], Response]


def _refused(request: Request, viewer: Viewer | None) -> Response | None:
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    return None


def _guarded(
    request: Request, viewer: Viewer, roles: Sequence[Role], run: Callable[[], Response]
) -> Response:
    if viewer.role not in roles:
        return render(request, viewer, "forbidden.html", status=403)
    try:
        return run()
    except BadRequestError as exc:
        return render(
            request, viewer, "error.html", status=400, title="Cannot read the request", error=str(exc)
        )
    except NotFoundError as exc:
        return render(request, viewer, "error.html", status=404, title="Not found", error=str(exc))
    except ServiceUnavailableError as exc:
        return render(request, viewer, "error.html", status=503, title="A service is down", error=str(exc))
    except ExchangeError as exc:  # what the CLI says in one line: the same words here
        return render(request, viewer, "error.html", status=409, title="Cannot do that", error=str(exc))
    except Exception as exc:  # a bug: said as such, with the security headers, never a traceback
        log.exception("console error", path=request.url.path)
        return render(
            request, viewer, "error.html", status=500, title="Internal error",
            error=f"The console failed ({type(exc).__name__}); the log says more.",
        )  # fmt: skip


def page(*roles: Role) -> Callable[[Handler], Callable[[Request], Response]]:
    def decorate(handler: Handler) -> Callable[[Request], Response]:
        @functools.wraps(handler)
        def endpoint(request: Request) -> Response:  # sync: Starlette runs it in a worker thread
            viewer = console_of(request).gate.viewer(request)
            refused = _refused(request, viewer)
            if refused is not None or viewer is None:
                return refused or Response(status_code=500)
            return _guarded(request, viewer, roles, lambda: handler(request, viewer))

        return endpoint

    return decorate


def action(*roles: Role) -> Callable[[FormHandler], Callable[[Request], Awaitable[Response]]]:
    def decorate(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            gate = console_of(request).gate
            viewer = await run_in_threadpool(gate.viewer, request)
            refused = _refused(request, viewer)
            if refused is not None or viewer is None:
                return refused or Response(status_code=500)
            form = await request.form()
            token = form.get(CSRF_FIELD)
            if viewer.role in roles and not gate.csrf_ok(
                request, viewer, token if isinstance(token, str) else None
            ):
                return render(
                    request, viewer, "error.html", status=403, title="Form refused",
                    error="The form is out of date or was not sent from the console: open the page again.",
                )  # fmt: skip
            return await run_in_threadpool(
                _guarded, request, viewer, roles, lambda: handler(request, viewer, form)
            )

        return endpoint

    return decorate


def confirmed(path: str, roles: Sequence[Role], confirm: Handler, act: FormHandler) -> tuple[Route, Route]:
    """A confirmed action as its two routes on one path: GET shows what `confirm` renders (what will
    be done, and the form), POST does `act` with the form; both for `roles` only, the POST behind the
    CSRF check of `action`."""
    return (
        Route(path, page(*roles)(confirm), methods=["GET"]),
        Route(path, action(*roles)(act), methods=["POST"]),
    )


def render(
    request: Request, viewer: Viewer | None, template: str, status: int = 200, **context: Any
) -> Response:
    console = console_of(request)
    places = [place for place in NAVIGATION if viewer is not None and viewer.role in place.roles]
    html = console.templates.get_template(template).render(
        request=request,
        viewer=viewer,
        places=places,
        csrf=console.gate.csrf_token(viewer) if viewer is not None else None,
        csrf_field=CSRF_FIELD,
        here=Link(request.query_params),
        now=datetime.now(UTC),
        **context,
    )
    return HTMLResponse(html, status_code=status)


class Link:
    """Links to the same view with one filter changed, as query strings: facets, sorting, paging."""

    def __init__(self, params: QueryParams) -> None:
        self.items = [(k, v) for k, v in params.multi_items() if v != ""]

    def _query(self, items: Iterable[tuple[str, str]]) -> str:
        kept = [(k, v) for k, v in items if k != "page"]  # a new filter starts at the first page
        return "?" + urlencode(kept) if kept else "?"

    def toggle(self, name: str, value: Any) -> str:
        text = str(value)
        if (name, text) in self.items:
            return self._query(item for item in self.items if item != (name, text))
        return self._query([*self.items, (name, text)])

    def has(self, name: str, value: Any) -> bool:
        return (name, str(value)) in self.items

    def set(self, **values: Any) -> str:
        items = [(k, v) for k, v in self.items if k not in values]
        items += [(k, str(v)) for k, v in values.items() if v is not None and v != ""]
        return self._query(items)

    def page(self, number: int) -> str:
        items = [(k, v) for k, v in self.items if k != "page"]
        return "?" + urlencode([*items, ("page", str(number))])

    def query(self) -> str:
        return urlencode(self.items)


class Query:
    """A page's query string read the way the CLI reads the same options; a value that cannot be read is
    a BadRequestError naming the parameter."""

    def __init__(self, params: QueryParams) -> None:
        self.params = params

    def text(self, name: str) -> str | None:
        value = self.params.get(name, "").strip()
        return value or None

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.params.getlist(name) if v.strip())

    def integer(self, name: str, minimum: int | None = None, default: int | None = None) -> int | None:
        text = self.text(name)
        if text is None:
            return default
        value = _integer(name, text)
        if minimum is not None and value < minimum:
            raise BadRequestError(f"{name}: {text!r} is below {minimum}")
        return value

    def integers(self, name: str) -> tuple[int, ...]:
        return tuple(_integer(name, text) for text in self.texts(name))

    def number(self, name: str, low: float, high: float) -> float | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            raise BadRequestError(f"{name}: {text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise BadRequestError(f"{name}: {text!r} is not between {low:g} and {high:g}")
        return value

    def amount(self, name: str) -> Decimal | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return AMOUNT.convert(text, None, None)
        except click.BadParameter as exc:
            raise BadRequestError(f"{name}: {exc.message}") from None

    def moment(self, name: str) -> datetime | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return parse_moment(text)
        except TimeSpecError as exc:
            raise BadRequestError(f"{name}: {exc}") from None

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
        text = self.text(name)
        if text is None:
            return default
        allowed = list(choices)
        if text not in allowed:
            raise BadRequestError(f"{name}: {text!r} is not one of {', '.join(allowed)}")
        return text

    def choices(self, name: str, choices: Iterable[str]) -> tuple[str, ...]:
        allowed = list(choices)
        values = self.texts(name)
        for value in values:
            if value not in allowed:
                raise BadRequestError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return values


def _integer(name: str, text: str) -> int:
    if not (text.lstrip("-").isdigit() and len(text) <= 18):
        raise BadRequestError(f"{name}: {text!r} is not a whole number")
    return int(text)


@dataclass(frozen=True)
class Paging:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def pages(self, total: int) -> int:
        return max(1, math.ceil(total / self.size))


def paging(query: Query, size: int = 50) -> Paging:
    number = query.integer("page", minimum=1, default=1) or 1
    chosen = query.integer("per_page", minimum=1, default=size) or size
    return Paging(number, min(chosen, 500))


def _money(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return f"{Decimal(str(value)):,.2f}"


def _when(value: Any) -> str:
    if value is None or value == "":
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _seconds(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("exchange.console", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        money=_money, when=_when, num=_number, seconds=_seconds, evidence=readable, evidence_label=label
    )
    return environment
