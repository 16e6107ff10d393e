"""FastAPI 0.92 / Starlette 0.26 CORSMiddleware (Debian), served by uvicorn
0.17: every FastAPI configuration of the real-server suite (tests/servers/).

    /usr/bin/python3 fastapi_app.py --variant NAME --port N --origin ORIGIN [--snippet FILE]

`--variant fixed:CASE --snippet FILE` runs the app of CASE with whycors'
FastAPI snippet executed after the routes (`app` in scope) in place of the
app's own CORSMiddleware; the `app` the snippet leaves is served (its
error-path form wraps the whole application: `app = CORSMiddleware(app, ...)`).
"""
import argparse
import sys

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

p = argparse.ArgumentParser()
p.add_argument("--variant", required=True)
p.add_argument("--port", type=int, required=True)
p.add_argument("--origin", required=True)
p.add_argument("--snippet")
a = p.parse_args()
O = a.origin
fixed = a.variant.startswith("fixed:")
case = a.variant[len("fixed:"):] if fixed else a.variant

app = FastAPI()


@app.get("/api/items")
@app.put("/api/items")
@app.post("/api/items")
def items():
    return {"items": []}


# The same route under a path of its own: the suite's cookie for it (Path=/cookie-only)
# reaches this URL only.
@app.get("/cookie-only/api/items")
def items_with_cookie():
    return {"items": []}


@app.get("/api/fail")
def fail():
    raise RuntimeError("boom")


VARIANTS = {
    # The FastAPI tutorial's set-up, with the page's origin listed.
    "happy": dict(allow_origins=[O], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]),
    # `*` with credentials: Starlette echoes the origin only when the request carries a cookie.
    "star-credentials-no-cookie": dict(allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]),
    # The same set-up, a visitor with a cookie: Starlette echoes the origin (any origin).
    "star-credentials-with-cookie": dict(allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]),
    # allow_methods defaults to ("GET",): a PUT preflight gets 400.
    "default-methods": dict(allow_origins=[O]),
    # An unhandled exception: ServerErrorMiddleware (outside CORSMiddleware) answers 500.
    "unhandled-exception": dict(allow_origins=[O], allow_methods=["*"], allow_headers=["*"]),
    # The allow-list entry has a trailing slash: no origin ever matches it.
    "trailing-slash-origin": dict(allow_origins=[O + "/"], allow_methods=["*"], allow_headers=["*"]),
}
if case not in VARIANTS:
    sys.exit(f"unknown variant {a.variant}")
if fixed:
    scope = {"app": app}
    exec(open(a.snippet).read(), scope)
    app = scope["app"]
else:
    app.add_middleware(CORSMiddleware, **VARIANTS[case])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=a.port, log_level="warning")
