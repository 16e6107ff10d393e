#!/usr/bin/env python3
"""Generates tests/data/realistic.har: a synthetic but realistic HAR in Chrome
DevTools' export shape, for the benchmark (benches/engine.rs) and for
end-to-end reading tests. Deterministic (seeded): re-running rewrites the same
file.

    python3 tests/data/make_realistic_har.py

A single-page app on https://shop.example talking to its API on
https://api.shop.example, fonts and images from CDNs, analytics beacons:
- same-origin documents, scripts, styles, images and API calls,
- cross-origin no-cors images and scripts,
- cross-origin CORS fetch/XHR with realistic header sets, about 20% of the
  entries preflighted (PUT/PATCH/DELETE, JSON bodies, Authorization),
- some of them blocked in the usual ways (no ACAO on a 5xx, ACAO for another
  origin, `*` with credentials, no ACAC, two ACAO lines, preflight 401/404,
  method or header missing from the preflight, a redirect to another origin,
  a refused connection),
- a few redirects and a few unpaired preflights' actual requests.

This is a synthetic sample of the format, not a recording of a browser.
"""
import json
import os
import random

R = random.Random(20261125)
PAGE = "https://shop.example"
API = "https://api.shop.example"
CDN = "https://cdn.shopstatic.example"
FONTS = "https://fonts.typeface.example"
ANALYTICS = "https://collect.metrics.example"
AUTH = "https://auth.shop.example"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
CH_UA = '"Chromium";v="156", "Not-A.Brand";v="24"'

entries = []
clock = [0.0]
req_id = [1000]


def h(n, v):
    return {"name": n, "value": v}


def ts(ms):
    s, ms = divmod(int(ms), 1000)
    m, s = divmod(s, 60)
    hh, m = divmod(m, 60)
    return f"2026-11-25T{9 + hh:02d}:{m:02d}:{s:02d}.{ms:03d}Z"


def authority(url):
    return url.split("/")[2]


def path_of(url):
    rest = url.split("/", 3)
    return "/" + (rest[3] if len(rest) > 3 else "")


def base_req_headers(url, method, dest, mode, site, origin=True, extra=()):
    hs = [h(":authority", authority(url)), h(":method", method), h(":path", path_of(url)), h(":scheme", "https"),
          h("accept", "*/*" if dest == "empty" else {"image": "image/avif,image/webp,image/apng,*/*;q=0.8",
                                                     "script": "*/*", "style": "text/css,*/*;q=0.1",
                                                     "font": "*/*", "document": "text/html,application/xhtml+xml"}[dest]),
          h("accept-encoding", "gzip, deflate, br, zstd"), h("accept-language", "en-GB,en;q=0.9")]
    hs += list(extra)
    if origin:
        hs.append(h("origin", PAGE))
    hs += [h("priority", "u=1, i"), h("referer", PAGE + "/"), h("sec-ch-ua", CH_UA), h("sec-ch-ua-mobile", "?0"),
           h("sec-ch-ua-platform", '"Linux"'), h("sec-fetch-dest", dest), h("sec-fetch-mode", mode),
           h("sec-fetch-site", site), h("user-agent", UA)]
    return hs


def resp_headers(ctype, extra=(), size=None):
    hs = [h("cache-control", R.choice(["no-store", "private, max-age=0", "public, max-age=31536000, immutable"])),
          h("content-type", ctype), h("date", "Wed, 25 Nov 2026 09:00:00 GMT"), h("server", R.choice(["nginx", "envoy", "cloudflare"]))]
    hs += list(extra)
    hs += [h("strict-transport-security", "max-age=63072000"), h("x-request-id", "%032x" % R.getrandbits(128))]
    if size is not None:
        hs.append(h("content-length", str(size)))
    return hs


def add(url, method, rtype, req_headers, status, headers, *, error=None, redirect="", initiator=None, dt=None, rid=None):
    clock[0] += dt if dt is not None else R.uniform(1, 25)
    req_id[0] += 1
    e = {
        "_initiator": initiator or {"type": "script", "stack": {"callFrames": [{"functionName": "request", "scriptId": "42",
                                                                               "url": PAGE + "/static/app.3f9c.js", "lineNumber": 1, "columnNumber": 18021}]}},
        "_priority": "High",
        "_resourceType": rtype,
        "_requestId": rid or f"{req_id[0]}.{R.randint(1, 9)}",
        "cache": {},
        "connection": str(R.randint(100000, 999999)),
        "pageref": "page_1",
        "request": {"method": method, "url": url, "httpVersion": "h2", "headers": req_headers, "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "h2" if status else "", "headers": headers, "cookies": [],
                     "content": {"size": R.randint(0, 40000) if status else 0, "mimeType": "application/json" if status else "x-unknown"},
                     "redirectURL": redirect, "headersSize": -1, "bodySize": -1, "_transferSize": R.randint(0, 5000) if status else 0,
                     "_error": error, "_fetchedViaServiceWorker": False},
        "serverIPAddress": "" if status == 0 else R.choice(["203.0.113.10", "203.0.113.11", "198.51.100.7", "2001:db8::12"]),
        "startedDateTime": ts(clock[0]),
        "time": R.uniform(5, 300),
        "timings": {"blocked": R.uniform(0, 3), "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": R.uniform(5, 200),
                    "receive": R.uniform(0, 20), "_blocked_queueing": R.uniform(0, 2)},
    }
    entries.append(e)
    return e


def cors_headers(acao=PAGE, creds=False, expose=None, vary=True):
    hs = []
    if acao is not None:
        hs.append(h("access-control-allow-origin", acao))
    if creds:
        hs.append(h("access-control-allow-credentials", "true"))
    if expose:
        hs.append(h("access-control-expose-headers", expose))
    if vary:
        hs.append(h("vary", "Origin, Accept-Encoding"))
    return hs


def preflight(url, method, acrh, status, headers, error=None, rid=None):
    reqh = [h(":authority", authority(url)), h(":method", "OPTIONS"), h(":path", path_of(url)), h(":scheme", "https"),
            h("accept", "*/*"), h("accept-encoding", "gzip, deflate, br, zstd"), h("accept-language", "en-GB,en;q=0.9"),
            h("access-control-request-method", method)]
    if acrh:
        reqh.append(h("access-control-request-headers", acrh))
    reqh += [h("origin", PAGE), h("priority", "u=1, i"), h("referer", PAGE + "/"), h("sec-fetch-dest", "empty"),
             h("sec-fetch-mode", "cors"), h("sec-fetch-site", "same-site"), h("user-agent", UA)]
    return add(url, "OPTIONS", "preflight", reqh, status, headers, error=error,
               initiator={"type": "preflight", "url": url, "requestId": rid}, dt=R.uniform(0.5, 2))


def api_call(kind):
    """One CORS call to the API; `kind` picks how it ends."""
    resource = R.choice(["cart", "products", "orders", "users/me", "recommendations", "inventory", "search", "reviews"])
    url = f"{API}/v2/{resource}/{R.randint(1, 9999)}?locale=en-GB"
    rtype = R.choice(["fetch", "fetch", "fetch", "xhr"])
    needs_pf = kind.startswith("pf-")
    method = R.choice(["PUT", "PATCH", "DELETE", "POST"]) if needs_pf else R.choice(["GET", "GET", "GET", "POST"])
    extra = []
    acrh_names = []
    creds = R.random() < 0.5
    if needs_pf:
        if method in ("PUT", "PATCH", "POST") or R.random() < 0.5:
            extra.append(h("content-type", "application/json"))
            acrh_names.append("content-type")
        if R.random() < 0.6:
            extra.append(h("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9." + "%040x" % R.getrandbits(160)))
            acrh_names.append("authorization")
        if R.random() < 0.4:
            extra.append(h("x-client-version", "5.12.3"))
            acrh_names.append("x-client-version")
        if method == "POST" and not acrh_names:
            extra.append(h("content-type", "application/json"))
            acrh_names.append("content-type")
    elif method == "POST":
        extra.append(h("content-type", "text/plain;charset=UTF-8"))
    if creds:
        extra.append(h("cookie", "sid=%024x; consent=1" % R.getrandbits(96)))
    rid = f"{req_id[0] + 1}.1"
    reqh = base_req_headers(url, method, "empty", "cors", "same-site", extra=extra)
    acrh = ",".join(sorted(set(acrh_names)))
    allow_methods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    allow_headers = "Authorization, Content-Type, X-Client-Version"
    ok_cors = cors_headers(PAGE, creds=creds, expose="X-Request-Id, X-Total-Count")
    json_ok = resp_headers("application/json; charset=utf-8", ok_cors)

    if kind == "ok":
        add(url, method, rtype, reqh, 200, json_ok, rid=rid)
    elif kind == "no-acao-500":
        add(url, method, rtype, reqh, R.choice([500, 502, 503]), resp_headers("text/html"), error="net::ERR_FAILED", rid=rid)
    elif kind == "acao-other":
        add(url, method, rtype, reqh, 200, resp_headers("application/json", cors_headers("https://admin.shop.example", creds)),
            error="net::ERR_FAILED", rid=rid)
    elif kind == "star-creds":
        reqh = base_req_headers(url, method, "empty", "cors", "same-site", extra=extra + ([] if creds else [h("cookie", "sid=1")]))
        add(url, method, rtype, reqh, 200, resp_headers("application/json", cors_headers("*", False, vary=False)),
            error="net::ERR_FAILED", rid=rid)
    elif kind == "no-acac":
        reqh = base_req_headers(url, method, "empty", "cors", "same-site", extra=extra + ([] if creds else [h("cookie", "sid=1")]))
        add(url, method, rtype, reqh, 200, resp_headers("application/json", cors_headers(PAGE, False)), error="net::ERR_FAILED", rid=rid)
    elif kind == "two-acao":
        add(url, method, rtype, reqh, 200, resp_headers("application/json", cors_headers(PAGE, creds) + [h("access-control-allow-origin", PAGE)]),
            error="net::ERR_FAILED", rid=rid)
    elif kind == "redirect-other":
        target = f"{AUTH}/login?next=%2Fv2%2F{resource}"
        add(url, method, rtype, reqh, 302, resp_headers("text/html", cors_headers(PAGE, creds) + [h("location", target)]), redirect=target, rid=rid)
        reqh2 = base_req_headers(target, "GET", "empty", "cors", "same-site")
        reqh2 = [x if x["name"] != "origin" else h("origin", "null") for x in reqh2]
        add(target, "GET", rtype, reqh2, 200, resp_headers("text/html", cors_headers(PAGE, creds)), error="net::ERR_FAILED", dt=R.uniform(5, 30))
    elif kind == "refused":
        add(url, method, rtype, [x for x in reqh if not x["name"].startswith(":")][:6], 0, [], error="net::ERR_CONNECTION_REFUSED", rid=rid)
    elif kind.startswith("pf-"):
        pf_ok = cors_headers(PAGE, creds, vary=True) + [h("access-control-allow-methods", allow_methods),
                                                        h("access-control-allow-headers", allow_headers),
                                                        h("access-control-max-age", "600")]
        provisional = [x for x in reqh if not x["name"].startswith(":") and x["name"] not in ("origin", "cookie", "accept-encoding")]
        if kind == "pf-ok":
            add(url, method, rtype, reqh, R.choice([200, 201, 204]), json_ok, rid=rid)
            preflight(url, method, acrh, 204, resp_headers("text/plain", pf_ok), rid=rid)
        elif kind == "pf-401":
            add(url, method, rtype, provisional, 0, [], error="net::ERR_FAILED", rid=rid)
            preflight(url, method, acrh, 401, resp_headers("application/json", [h("www-authenticate", 'Bearer realm="api"')]), rid=rid)
        elif kind == "pf-404":
            add(url, method, rtype, provisional, 0, [], error="net::ERR_FAILED", rid=rid)
            preflight(url, method, acrh, 404, resp_headers("text/html", cors_headers(PAGE, creds)), rid=rid)
        elif kind == "pf-method":
            add(url, method, rtype, provisional, 0, [], error="net::ERR_FAILED", rid=rid)
            bad = [x for x in pf_ok if x["name"] != "access-control-allow-methods"] + [h("access-control-allow-methods", "GET, POST")]
            preflight(url, method, acrh, 204, resp_headers("text/plain", bad), rid=rid)
        elif kind == "pf-header":
            add(url, method, rtype, provisional, 0, [], error="net::ERR_FAILED", rid=rid)
            bad = [x for x in pf_ok if x["name"] != "access-control-allow-headers"] + [h("access-control-allow-headers", "Content-Type")]
            preflight(url, method, acrh + (",x-client-version" if "x-client-version" not in acrh else ""), 204, resp_headers("text/plain", bad), rid=rid)
        elif kind == "pf-no-acao":
            add(url, method, rtype, provisional, 0, [], error="net::ERR_FAILED", rid=rid)
            preflight(url, method, acrh, 204, resp_headers("text/plain", [h("access-control-allow-methods", allow_methods)]), rid=rid)


def same_origin(n):
    for _ in range(n):
        kind = R.random()
        if kind < 0.3:
            u = f"{PAGE}/static/{R.choice(['app', 'vendor', 'runtime', 'chunk-%d' % R.randint(1, 40)])}.{R.getrandbits(16):04x}.js"
            add(u, "GET", "script", base_req_headers(u, "GET", "script", "no-cors", "same-origin", origin=False), 200,
                resp_headers("application/javascript"), initiator={"type": "parser", "url": PAGE + "/"})
        elif kind < 0.45:
            u = f"{PAGE}/static/{R.choice(['main', 'theme', 'print'])}.{R.getrandbits(16):04x}.css"
            add(u, "GET", "stylesheet", base_req_headers(u, "GET", "style", "no-cors", "same-origin", origin=False), 200,
                resp_headers("text/css"), initiator={"type": "parser", "url": PAGE + "/"})
        elif kind < 0.75:
            u = f"{PAGE}/img/{R.getrandbits(32):08x}.webp"
            add(u, "GET", "image", base_req_headers(u, "GET", "image", "no-cors", "same-origin", origin=False), 200, resp_headers("image/webp"))
        else:
            u = f"{PAGE}/bff/session?ts={R.getrandbits(20)}"
            add(u, "GET", "fetch", base_req_headers(u, "GET", "empty", "cors", "same-origin", origin=False), 200, resp_headers("application/json"))


def no_cors(n):
    for _ in range(n):
        if R.random() < 0.7:
            u = f"{CDN}/p/{R.getrandbits(40):010x}/{R.choice(['400', '800', '1200'])}.avif"
            add(u, "GET", "image", base_req_headers(u, "GET", "image", "no-cors", "cross-site", origin=False), 200,
                resp_headers("image/avif", [h("access-control-allow-origin", "*"), h("age", str(R.randint(0, 99999)))]))
        else:
            u = f"{ANALYTICS}/collect?v=2&tid=G-{R.getrandbits(24):06X}&en=page_view"
            add(u, "POST", "ping", base_req_headers(u, "POST", "empty", "no-cors", "cross-site", origin=False,
                                                    extra=[h("content-type", "text/plain;charset=UTF-8")]), 204, resp_headers("text/plain"))


def fonts(n):
    for _ in range(n):
        u = f"{FONTS}/s/inter/v{R.randint(10, 20)}/{R.getrandbits(48):012x}.woff2"
        if R.random() < 0.8:
            hs = resp_headers("font/woff2", [h("access-control-allow-origin", "*"), h("timing-allow-origin", "*")])
            add(u, "GET", "font", base_req_headers(u, "GET", "font", "cors", "cross-site"), 200, hs, initiator={"type": "parser", "url": PAGE + "/static/main.css"})
        else:
            add(u, "GET", "font", base_req_headers(u, "GET", "font", "cors", "cross-site"), 200, resp_headers("font/woff2"),
                error="net::ERR_FAILED", initiator={"type": "parser", "url": PAGE + "/static/main.css"})


# The page load, then a session of activity.
add(PAGE + "/", "GET", "document", base_req_headers(PAGE + "/", "GET", "document", "navigate", "none", origin=False), 200,
    resp_headers("text/html; charset=utf-8"), initiator={"type": "other"}, dt=0)
same_origin(40)
fonts(6)
no_cors(20)
KINDS = (["ok"] * 110 + ["pf-ok"] * 62 + ["no-acao-500"] * 5 + ["acao-other"] * 3 + ["star-creds"] * 3 + ["no-acac"] * 3
         + ["two-acao"] * 2 + ["redirect-other"] * 3 + ["refused"] * 2 + ["pf-401"] * 4 + ["pf-404"] * 2
         + ["pf-method"] * 3 + ["pf-header"] * 3 + ["pf-no-acao"] * 2)
R.shuffle(KINDS)
for i, k in enumerate(KINDS):
    api_call(k)
    if i % 4 == 0:
        same_origin(R.randint(0, 2))
    if i % 9 == 0:
        no_cors(1)
fonts(4)

har = {"log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "comment": "Synthetic sample in Chrome DevTools' HAR export shape, generated by tests/data/make_realistic_har.py; not a recording.",
    "pages": [{"startedDateTime": ts(0), "id": "page_1", "title": PAGE + "/", "pageTimings": {"onContentLoad": 812.4, "onLoad": 1540.9}}],
    "entries": entries,
}}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "realistic.har")
with open(out, "w", encoding="utf-8") as f:
    json.dump(har, f, indent=1)
    f.write("\n")
pf = sum(1 for e in entries if e["_resourceType"] == "preflight")
print(f"{out}: {len(entries)} entries, {pf} preflights ({100 * pf / len(entries):.0f}%)")
