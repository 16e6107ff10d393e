"""Flask 2.2 + flask-cors 3.0.10 (Debian), served by Werkzeug's server
(`app.run`): every Flask configuration of the real-server suite (tests/servers/).

    /usr/bin/python3 flask_app.py --variant NAME --port N --origin ORIGIN [--snippet FILE]

`--variant fixed:CASE --snippet FILE` runs the app of CASE with whycors'
Flask snippet in place of the app's own CORS set-up; `--layer-fix` also
applies the layer change the diagnosis asked for (authentication lets
preflights through).
"""
import argparse
import sys

from flask import Flask, abort, jsonify, request
from flask_cors import CORS, cross_origin

p = argparse.ArgumentParser()
p.add_argument("--variant", required=True)
p.add_argument("--port", type=int, required=True)
p.add_argument("--origin", required=True)
p.add_argument("--snippet")
p.add_argument("--layer-fix", action="append", default=[])
a = p.parse_args()
O = a.origin
fixed = a.variant.startswith("fixed:")
case = a.variant[len("fixed:"):] if fixed else a.variant

app = Flask(__name__)

if case == "auth-before-request":
    # The app's authentication: every request without Authorization gets 401
    # (before_request runs before flask-cors answers a preflight).
    @app.before_request
    def auth():
        if "preflight-passes-auth" in a.layer_fix and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return None
        if "Authorization" not in request.headers:
            abort(401)


def items():
    return jsonify(items=[])


def fail():
    abort(500)


if case == "decorator-order" and not fixed:
    # @cross_origin above @app.route: the route registers the undecorated view.
    @cross_origin(origins=[O])
    @app.route("/api/items", methods=["GET", "PUT", "POST"])
    def items_view():
        return items()
else:
    app.add_url_rule("/api/items", "items", items, methods=["GET", "PUT", "POST"])
app.add_url_rule("/api/fail", "fail", fail)

if fixed:
    ns = {"app": app}
    exec(open(a.snippet).read(), ns)
elif case == "happy":
    CORS(app, origins=[O], supports_credentials=True)
elif case == "default-origins-credentials":
    # No origins: flask-cors' default `*`, with credentials it echoes any origin.
    CORS(app, supports_credentials=True)
elif case == "auth-before-request":
    CORS(app, origins=[O])
elif case == "max-age-day":
    CORS(app, origins=[O], max_age=86400)
elif case == "decorator-order":
    pass
else:
    sys.exit(f"unknown variant {a.variant}")

if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host="127.0.0.1", port=a.port)
