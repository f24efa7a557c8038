"""The web console for operators, analysts and auditors (`exchange serve`).

A thin layer over the query and command functions the CLI calls: it renders what they return as HTML
(Starlette and Jinja2, charts drawn from Vega-Lite specs into SVG on the server) and holds no business
logic of its own. Every page works without JavaScript; the one script (static/console.js) only
refreshes the overview in place. Nothing is loaded from outside: scripts, styles and charts are served
by the product, and the Content-Security-Policy forbids anything else.
"""

from exchange.console.app import create_app

__all__ = ["create_app"]
