#!/usr/bin/env python3
"""Turns Web Platform Tests CORS cases into whycors test data.

Run from the repository root:  python3 tests/data/wpt/make_wpt_data.py
It rewrites tests/data/wpt/*.json (deterministic output; commit the result).

Each WPT file's test table is transcribed below, next to the behaviour of
the WPT server script that answers it (cors-makeheader.py, preflight.py,
redirect.py), so each case becomes an *exchange* (what a browser would
observe) plus WPT's expected outcome. Where today's browsers depart from
WPT's expectation the case says so, with the source of the browser truth.

Source: https://github.com/web-platform-tests/wpt (BSD-3-Clause licence,
"Copyright 2019 web-platform-tests contributors"). The tables are facts
taken from those tests; no WPT code is copied.
"""

import json
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
LICENCE = "BSD-3-Clause"
REPO = "web-platform-tests/wpt"

# WPT's default test environment (tools/wpt config): the page runs on
# http://web-platform.test:8000; www1. is the SUBDOMAIN of cors/support.js;
# HTTP_REMOTE_ORIGIN is www1 too; HTTP_ORIGIN_WITH_DIFFERENT_PORT is :8001.
PAGE = "http://web-platform.test:8000"
CROSS = "http://www1.web-platform.test:8000"
OTHER_PORT = "http://web-platform.test:8001"


def source(path, commit, note=None):
    s = {
        "repo": REPO,
        "path": path,
        "commit": commit,
        "url": f"https://github.com/{REPO}/blob/{commit}/{path}" if commit else f"https://github.com/{REPO}/blob/master/{path}",
        "licence": LICENCE,
    }
    if note:
        s["note"] = note
    return s


def h(name, value):
    return {"name": name, "value": value}


def apply_measured_evaluate(name, doc):
    """Attaches the outcome measured by measure_evaluate.mjs (the installed
    Chromium and Firefox ESR against `whycors lab`) to each case, and takes
    it as `expect` where it differs from WPT."""
    path = os.path.join(HERE, "measured-evaluate.json")
    if doc.get("kind") != "evaluate" or not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    got = {c["name"]: c for c in m["cases"] if c["file"] == name}
    for c in doc["cases"]:
        g = got.get(c["name"])
        if not g or g.get("skipped"):
            if g and g.get("skipped"):
                c["measured"] = {"skipped": g["skipped"]}
            continue
        c["measured"] = {b: {"outcome": g[b], "version": m[b]["version"]} for b in ("chromium", "firefox")}
        if g["chromium"] == g["firefox"] and g["chromium"] != c["expect"]:
            c["expect"] = g["chromium"]
            c["stage"] = None
            c["departure"] = (f"Measured {m['measuredAt']} with tests/data/wpt/measure_evaluate.mjs: both "
                              f"{m['chromium']['version']} and {m['firefox']['version']} say {g['chromium']}, "
                              f"WPT expects {c['wpt']}.")


def write(name, doc):
    apply_measured_evaluate(name, doc)
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(f"{path}: {len(doc['cases'])} cases")


# ---------------------------------------------------------------------------
# cors/origin.htm: the Access-Control-Allow-Origin value matrix (sync XHR GET,
# no credentials). cors-makeheader.py answers 200 with
# `Access-Control-Allow-Origin: <origin>` (and a second line for `origin2`).
# ---------------------------------------------------------------------------
def origin_matrix():
    host = PAGE.split("//", 1)[1]  # web-platform.test:8000
    proto = "http:"
    origin = PAGE
    href = PAGE + "/cors/origin.htm"
    dirname = PAGE + "/cors/"
    parent = host.split(".", 1)[1]  # location.host without its first label
    passes = ["*", " *  ", "\t*", origin, " " + origin, " " + origin + "   \t ", "\t" + origin]
    fails = [
        proto + "//www1." + host,
        "//" + host,
        "://" + host,
        "ftp://" + host,
        "http:://" + host,
        "http:/" + host,
        "http:" + host,
        host,
        origin + "?",
        origin + "/",
        origin + " /",
        origin + "#",
        origin + "%23",
        origin + ":80",
        origin + ", *",
        origin + "\0",
        origin.upper(),
        proto.upper() + "//" + host,
        "-",
        "**",
        "\0*",
        "*\0",
        "'*'",
        '"*"',
        "* *",
        "* null",
        "*" + proto + "//" + "*",
        "*" + proto + "//" + host,
        "* " + proto + "//" + host,
        "*, " + proto + "//" + host,
        "\0" + proto + "//" + host,
        "null " + proto + "//" + host,
        "http://example.net",
        "null",
        "null *",
        "",
        href,
        dirname,
        CROSS,
        parent,
        "." + parent,
        "*." + parent,
        "http://" + parent,
        "http://." + parent,
        "http://*." + parent,
    ]
    doubles = [("", "*"), ("*", ""), ("*", "*"), ("", origin), ("*", origin), (origin, origin)]

    def exchange(values):
        q = "origin=" + urllib.parse.quote(values[0], safe="")
        if len(values) > 1:
            q += "&origin2=" + urllib.parse.quote(values[1], safe="")
        url = CROSS + "/cors/resources/cors-makeheader.py?" + q
        return {
            "request": {
                "url": url,
                "method": "GET",
                "origin": origin,
                "headers": [h("Origin", origin)],
                "type": "xhr",
                "mode": "cors",
                "credentials": "same-origin",
            },
            "preflightObservation": "not-sent",
            "response": {"status": 200, "headers": [h("Access-Control-Allow-Origin", v) for v in values]},
        }

    cases = []
    for v in passes:
        cases.append({"name": "Allow origin: " + v.replace("\t", "[tab]").replace(" ", "_"),
                      "credentialed": False, "wpt": "pass", "expect": "pass", "exchange": exchange([v])})
    for v in fails:
        c = {"name": "Disallow origin: " + v.replace("\0", "\\0"), "credentialed": False,
             "wpt": "fail", "expect": "fail", "stage": "actual", "exchange": exchange([v])}
        if "\0" in v:
            c["note"] = ("A NUL byte in a header value: browsers refuse it (Chromium fails the "
                         "response as invalid, Firefox drops the header); either way the request fails.")
        cases.append(c)
    for a, b in doubles:
        cases.append({"name": f"Disallow multiple headers ({a}, {b})", "credentialed": False,
                      "wpt": "fail", "expect": "fail", "stage": "actual", "exchange": exchange([a, b])})
    write("cors-origin-htm.json", {
        "title": "Access-Control-Allow-Origin value matrix",
        "source": source("cors/origin.htm", "16dccc2c48c7d0f2db6419710fd121d6dc6e4aa3"),
        "server": source("cors/resources/cors-makeheader.py", "05dd863caf60f756b1a970f3fd4e0b1d00dfa324"),
        "page": PAGE,
        "kind": "evaluate",
        "cases": cases,
    })


def apply_measured(file, cases):
    """Sets `expect` from measured-safelist.json (written by
    measure_safelist.mjs in the installed Chromium and Firefox ESR), and
    records a departure where the browsers disagree with WPT."""
    path = os.path.join(HERE, "measured-safelist.json")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    by = {b: {c["name"]: c for c in m[b]["cases"] if c["file"] == file} for b in ("chromium", "firefox")}
    for c in cases:
        got = {b: by[b].get(c["name"], {}).get("preflight") for b in by}
        if None in got.values():
            continue
        c["measured"] = {b: {"preflight": got[b], "version": m[b]["version"]} for b in got}
        if got["chromium"] == got["firefox"]:
            c["expect"] = {"preflight": got["chromium"]}
        else:
            c["expect"] = {"preflight": c["wpt"]["preflight"]}
            c["browsers"] = {b: {"preflight": got[b]} for b in got}
        if got["chromium"] != c["wpt"]["preflight"] or got["firefox"] != c["wpt"]["preflight"]:
            c["departure"] = (
                f"Measured {m['measuredAt']} with tests/data/wpt/measure_safelist.mjs: "
                f"{m['chromium']['version']} preflight={str(got['chromium']).lower()}, "
                f"{m['firefox']['version']} preflight={str(got['firefox']).lower()}; WPT (this revision) expects "
                f"preflight={str(c['wpt']['preflight']).lower()}. The current Fetch Standard's safelist "
                "(accept, accept-language, content-language, content-type, range) does not name last-event-id."
                if c["headers"][0]["name"] == "last-event-id" else
                f"Measured {m['measuredAt']} with tests/data/wpt/measure_safelist.mjs: "
                f"{m['chromium']['version']} preflight={str(got['chromium']).lower()}, "
                f"{m['firefox']['version']} preflight={str(got['firefox']).lower()}.")


# ---------------------------------------------------------------------------
# The safelist tables: whether a header makes fetch() preflight.
# ---------------------------------------------------------------------------
def safelist_tables():
    # cors/cors-safelisted-request-header.any.js: fetch(url, {method: "POST",
    # headers, body: "data"}); a string body adds
    # `Content-Type: text/plain;charset=UTF-8` unless the headers set one.
    ct = [
        ("text /plain", True), ("text\t/\tplain", True), ("text/plain;", False), ("text/plain;garbage", False),
        ("text/plain;garbage\u0001\u0002", True), ("text/plain,", True), (",text/plain", True),
        ("text/plain,text/plain", True), ("text/plain,x/x", True), ("text/plain\u000b", True),
        ("text/plain\u000c", True), ("application/www-form-urlencoded", True),
        ("application/x-www-form-urlencoded;\u007f", True), ("multipart/form-data", False),
        ("multipart/form-data;\"", True),
    ]
    rng = [
        ("100-200", True), ("MB=100-200", True), ("bytes=100-200", False), ("bytes =100-200", True),
        ("bytes\t=100-200", True), ("bytes=  100-200", True), ("bytes=\t\t100-200", True),
        ("bytes= \t100-200", True), ("bytes=100 -200", True), ("bytes=100\t-200", True),
        ("bytes=100- 200", True), ("bytes=100-\t200", True), ("bytes=100-200hello", True),
        ("bytes=abc-def", True), ("bytes=100-200,300-400", True), ("bytes=-200", True),
        ("bytes=200-", False), ("bytes=200-100", True), ("bytes=1" + "0" * 60 + "-2" + "0" * 60, True),
        ("bytes 100-200", True), ("bytes = 100-200", True), (",bytes=100-200", True), ("bytes=,100-200", True),
    ]
    lei = [
        ("abc123", False), ("\"", True), ("e5p3n<3k0k0s", True),
        ("012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678", True),
    ]
    cases = []

    def add(name, value, preflight):
        headers = [h(name, value)]
        if name != "content-type":
            headers.append(h("Content-Type", "text/plain;charset=UTF-8"))
        cases.append({"name": ("Preflight" if preflight else "No preflight") + " for " + json.dumps({name: value}),
                      "method": "POST", "headers": headers, "wpt": {"preflight": preflight},
                      "expect": {"preflight": preflight}})

    for v, p in ct:
        add("content-type", v, p)
    for v, p in rng:
        add("range", v, p)
    for v, p in lei:
        add("last-event-id", v, p)
    apply_measured("cors-safelisted-request-header.json", cases)
    write("cors-safelisted-request-header.json", {
        "title": "CORS-safelisted request-header values (Content-Type, Range, Last-Event-ID)",
        "source": source("cors/cors-safelisted-request-header.any.js", "14ff0a7524ecbab5257778e32447f71cb54b46e2"),
        "kind": "safelist",
        "cases": cases,
    })

    # fetch/api/cors/resources/not-cors-safelisted.json, used by
    # cors-preflight-not-cors-safelisted.any.js: each pair must preflight
    # (a fetch with that one header).
    pairs = [
        ["accept", "\""],
        ["accept", "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678"],
        ["accept-language", "\u0001"],
        ["accept-language", "@"],
        ["authorization", "basics"],
        ["content-language", "\u0001"],
        ["content-language", "@"],
        ["content-type", "text/html"],
        ["content-type", "text/plain; long=0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901"],
        ["last-event-id", "\""],
        ["last-event-id", "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678"],
        ["range", "bytes 0-"],
        ["test", "hi"],
    ]
    cases = [{"name": f"Need CORS-preflight for {n}/{json.dumps(v)} header", "method": "GET",
              "headers": [h(n, v)], "wpt": {"preflight": True}, "expect": {"preflight": True}} for n, v in pairs]
    apply_measured("not-cors-safelisted.json", cases)
    write("not-cors-safelisted.json", {
        "title": "Request headers that are not CORS-safelisted",
        "source": source("fetch/api/cors/resources/not-cors-safelisted.json", "c7dd2a7df9d48602bd6780972511f02b14972ec7"),
        "usedBy": source("fetch/api/cors/cors-preflight-not-cors-safelisted.any.js", None),
        "kind": "safelist",
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# fetch/api/resources/preflight.py (the version that knows `credentials`):
# every response carries `Content-Type: text/plain`, then
# `Access-Control-Allow-Origin` (each `origin` value split on ", ", default
# `*`), then `Access-Control-Allow-Credentials: true` if `credentials`; a
# preflight adds `Access-Control-Max-Age`, `-Allow-Headers`, `-Allow-Methods`
# (in that order, when given) and answers `preflight_status` (default 200);
# the actual response adds the x-* report headers.
# ---------------------------------------------------------------------------
SAFE_METHODS = {"GET", "HEAD", "POST"}
NORMALIZED = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}


def normalize(m):
    return m.upper() if m.upper() in NORMALIZED else m


def unsafe_names(headers):
    """The few headers these tables use, classified by the Fetch Standard."""
    out = []
    for n, v in headers:
        ln = n.lower()
        if ln == "accept" and v == "unicorn":
            continue
        if ln == "content-type" and v in ("text/plain", "text/plain;charset=UTF-8"):
            continue
        out.append(ln)
    return sorted(set(out))


def preflight_py_exchange(url, method, headers, credentialed, query, preflight_status=200, did_preflight=None):
    """The exchange a browser observes against preflight.py."""
    origin_values = query.get("origin", "*").split(", ")
    base = [h("Content-Type", "text/plain")] + [h("Access-Control-Allow-Origin", o) for o in origin_values]
    if "credentials" in query:
        base.append(h("Access-Control-Allow-Credentials", "true"))
    m = normalize(method)
    unsafe = unsafe_names(headers)
    needs = m not in SAFE_METHODS or bool(unsafe)
    req_headers = [h(n, v) for n, v in headers] + [h("Origin", PAGE)]
    ex = {
        "request": {
            "url": url,
            "method": method,
            "origin": PAGE,
            "headers": req_headers,
            "type": "fetch",
            "mode": "cors",
            "credentials": "include" if credentialed else "same-origin",
        },
    }
    if needs:
        pf_req = [h("Accept", "*/*"), h("Access-Control-Request-Method", m)]
        if unsafe:
            pf_req.append(h("Access-Control-Request-Headers", ",".join(unsafe)))
        pf_req.append(h("Origin", PAGE))
        pf_headers = list(base)
        if "max_age" in query:
            pf_headers.append(h("Access-Control-Max-Age", query["max_age"]))
        if "allow_headers" in query:
            pf_headers.append(h("Access-Control-Allow-Headers", query["allow_headers"]))
        if "allow_methods" in query:
            pf_headers.append(h("Access-Control-Allow-Methods", query["allow_methods"]))
        ex["preflight"] = {"requestHeaders": pf_req, "status": preflight_status, "headers": pf_headers}
    else:
        ex["preflightObservation"] = "not-sent"
    actual = list(base) + [
        h("Access-Control-Expose-Headers", "x-did-preflight, x-control-request-headers, x-referrer, x-preflight-referrer, x-origin"),
        h("x-did-preflight", "1" if needs else "0"),
        h("x-preflight-referrer", ""),
        h("x-referrer", ""),
        h("x-origin", PAGE),
    ]
    ex["response"] = {"status": 200, "headers": actual}
    return ex, needs


def preflight_star():
    url0 = CROSS + "/fetch/api/cors/resources/preflight.py"
    # (succeeds, withCredentials, allowMethod, allowHeader, useMethod, useHeader)
    table = [
        (True, False, "get", "x-test", "GET", ["X-Test", "1"]),
        (True, False, "*", "x-test", "SUPER", ["X-Test", "1"]),
        (True, False, "*", "*", "OK", ["X-Test", "1"]),
        (False, True, "*", "*", "OK", ["X-Test", "1"]),
        (False, True, "*", "", "PUT", []),
        (False, True, "get", "*", "GET", ["X-Test", "1"]),
        (False, True, "*", "*", "GET", ["X-Test", "1"]),
        (True, True, "*", "*", "*", ["*", "1"]),
    ]
    for M in ["GET", "HEAD", "POST"]:
        m = M.lower()
        table += [(True, True, M, "*", M, []), (True, True, M, "*", m, []), (True, True, m, "*", M, []), (True, True, m, "*", m, [])]
    for M in ["DELETE", "PUT"]:
        m = M.lower()
        table += [(True, True, M, "*", M, []), (True, True, M, "*", m, []), (False, True, m, "*", M, []), (False, True, m, "*", m, [])]
    table += [
        (True, True, "PATCH", "*", "PATCH", []), (False, True, "PATCH", "*", "patch", []),
        (False, True, "patch", "*", "PATCH", []), (True, True, "patch", "*", "patch", []),
        (False, False, "*", "*", "POST", ["Authorization", "123"]),
        (True, False, "*", "*, Authorization", "POST", ["Authorization", "123"]),
    ]
    # Cases only in the older revision 9955d207 of the file.
    older = [
        (True, True, "OK", "Content-Type", "GET", ["Content-Type", "uni/corn"]),
        (True, True, "", "*", "get", None),
        (True, True, "PUT", "*", "PUT", ["Accept", "unicorn"]),
    ]
    cases = []
    seen = set()
    for rev, rows in (("current", table), ("9955d207", older)):
        for succeeds, cred, am, ah, um, uh in rows:
            hdr_str = "" if not uh else ",".join(uh)
            name = (f"CORS that {'succeeds' if succeeds else 'fails'} with credentials: {str(cred).lower()}; "
                    f"method: {um} (allowed: {am}); header: {hdr_str} (allowed: {ah})")
            if name in seen:
                continue
            seen.add(name)
            query = {}
            qs = ""
            if cred:
                query["origin"] = PAGE
                query["credentials"] = ""
                qs += "origin=" + PAGE + "&credentials&"
            query["allow_methods"] = am
            query["allow_headers"] = ah
            qs += "allow_methods=" + am + "&allow_headers=" + ah + "&"
            headers = [tuple(uh)] if uh else []
            ex, needs = preflight_py_exchange(url0 + "?" + qs, um, headers, cred, query)
            wpt = "pass" if succeeds else "fail"
            case = {"name": name, "credentialed": cred, "wpt": wpt, "expect": wpt, "exchange": ex}
            if rev != "current":
                case["revision"] = rev
            if not succeeds:
                # A failed preflight stops the browser: no actual request.
                case["stage"] = "preflight"
                ex.pop("response", None)
            if uh and uh[0] == "Authorization" and not succeeds:
                # The Fetch Standard (and this WPT case) say `*` in
                # Access-Control-Allow-Headers never covers Authorization.
                # Chromium ships that rule behind the disabled-by-default
                # feature CorsNonWildcardRequestHeadersSupport and Firefox does
                # not enforce it either: both allow the request and print a
                # deprecation warning (measured for this project, issue 2).
                case["expect"] = "pass"
                case["stage"] = None
                case["departure"] = (
                    "Browsers allow Authorization under Access-Control-Allow-Headers: * (with a deprecation "
                    "warning), unlike the Fetch Standard and this WPT case. Sources: issue 2 ('measured: both "
                    "browsers still allow Authorization under Access-Control-Allow-Headers: *'); Chromium "
                    "services/network/public/cpp/features.cc: kCorsNonWildcardRequestHeadersSupport is "
                    "FEATURE_DISABLED_BY_DEFAULT; and the \"measured\" field of this case "
                    "(tests/data/wpt/measure_evaluate.mjs).")
                ex["response"] = preflight_py_exchange(url0 + "?" + qs, um, headers, cred, query)[0]["response"]
            cases.append(case)
    write("cors-preflight-star.json", {
        "title": "`*` in Access-Control-Allow-Methods / -Headers, with and without credentials; method case",
        "source": source("fetch/api/cors/cors-preflight-star.any.js", None,
                         "The current revision (with the PATCH and Authorization cases) was read from a public "
                         "mirror of the file; the stored web-platform-tests/wpt copies are older "
                         "(8cc44e820e0458d34a5090dd1c8ce37358183279 and 9955d207be8b923098aa620018d73b05b85782db; "
                         "cases only in the latter carry \"revision\")."),
        "server": source("fetch/api/resources/preflight.py", None,
                         "The revision that handles the `credentials` parameter (adds "
                         "Access-Control-Allow-Credentials: true); the stored copy f55e51f6 predates it."),
        "page": PAGE,
        "kind": "evaluate",
        "cases": cases,
    })


def preflight_status():
    url0 = CROSS + "/fetch/api/cors/resources/preflight.py"
    cases = []
    for status in [200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 306, 307, 308,
                   400, 401, 402, 403, 404, 405, 501, 502, 503, 504, 505]:
        query = {"token": "T", "max_age": "0", "allow_headers": "x-force-preflight", "preflight_status": str(status)}
        qs = "?token=T&max_age=0&allow_headers=x-force-preflight&preflight_status=" + str(status)
        ex, needs = preflight_py_exchange(url0 + qs, "GET", [("x-force-preflight", "")], False, query,
                                          preflight_status=status)
        assert needs
        ok = 200 <= status <= 299
        case = {"name": f"Preflight answered with status {status}", "credentialed": False,
                "wpt": "pass" if ok else "fail", "expect": "pass" if ok else "fail", "exchange": ex}
        if not ok:
            case["stage"] = "preflight"
            ex.pop("response", None)
        cases.append(case)
    write("cors-preflight-status.json", {
        "title": "Preflight status: only 200-299 is ok",
        "source": source("fetch/api/cors/cors-preflight-status.any.js", "7521c85d6471edb3d57ffcc375d5daee77f44bce"),
        "server": source("fetch/api/resources/preflight.py", "f55e51f67ea8ff206db48ad4d96d02da608b70dd"),
        "page": PAGE,
        "kind": "evaluate",
        "cases": cases,
    })


# ---------------------------------------------------------------------------
# fetch/api/cors/cors-redirect-credentials.any.js: a redirect (redirect.py)
# to preflight.py whose Location carries userinfo. redirect.py answers with
# Content-Type, Cache-Control, Pragma, then `Access-Control-Allow-Origin:
# <Origin>` + `Access-Control-Allow-Credentials: true` when the request had
# an Origin (else ACAO `*`), and Location (the target plus the query).
# ---------------------------------------------------------------------------
def redirect_credentials():
    redir = "/fetch/api/cors/resources/redirect.py"
    pre = "/fetch/api/cors/resources/preflight.py"
    local_redirect = PAGE + redir
    remote_redirect = OTHER_PORT + redir
    local_location = PAGE + pre
    remote_location = OTHER_PORT + pre
    remote_location2 = CROSS + pre
    combos = [
        ("from same origin to remote", local_redirect, remote_location),
        ("from remote to same origin", remote_redirect, local_location),
        ("from remote to same remote", remote_redirect, remote_location),
        ("from remote to another remote", remote_redirect, remote_location2),
    ]
    creds = [("without user and password", ""), ("with user and password", "user:password"),
             ("with user", "user:"), ("with password", ":password")]
    cases = []
    for code in [301, 302, 303, 307, 308]:
        for label, start, location in combos:
            for clabel, cred in creds:
                if cred == "" and label != "from same origin to remote":
                    continue  # WPT has only that one "without" case per status
                loc = location.replace("://", "://" + cred + "@") if cred else location
                params = "redirect_status=" + str(code) + "&location=" + urllib.parse.quote(loc, safe="")
                first_url = start + "?" + params
                target = loc + "?" + params + "&count=1"
                first_cross = not start.startswith(PAGE + "/")
                first_req = [h("Origin", PAGE)] if first_cross else []
                hop_headers = [h("Content-Type", "text/plain"), h("Cache-Control", "no-cache"), h("Pragma", "no-cache")]
                if first_cross:
                    hop_headers += [h("Access-Control-Allow-Origin", PAGE), h("Access-Control-Allow-Credentials", "true")]
                else:
                    hop_headers += [h("Access-Control-Allow-Origin", "*")]
                hop_headers.append(h("Location", target))
                ex = {
                    "request": {"url": first_url, "method": "GET", "origin": PAGE, "headers": first_req,
                                "type": "fetch", "mode": "cors", "credentials": "same-origin", "redirectMode": "follow"},
                    "preflightObservation": "not-sent",
                    "redirects": [{"url": first_url, "status": code, "headers": hop_headers, "requestHeaders": first_req}],
                }
                ok = cred == ""
                if ok:
                    ex["response"] = {"url": target, "status": 200, "requestHeaders": [h("Origin", PAGE)], "headers": [
                        h("Content-Type", "text/plain"), h("Access-Control-Allow-Origin", "*"),
                        h("Access-Control-Expose-Headers", "x-did-preflight, x-control-request-headers, x-referrer, x-preflight-referrer, x-origin"),
                        h("x-did-preflight", "0"), h("x-control-request-headers", ""), h("x-preflight-referrer", ""),
                        h("x-referrer", ""), h("x-origin", PAGE)]}
                case = {"name": f"Redirect {code} {label} {clabel}", "credentialed": False,
                        "wpt": "pass" if ok else "fail", "expect": "pass" if ok else "fail", "exchange": ex}
                if not ok:
                    case["stage"] = "redirect"
                cases.append(case)
    write("cors-redirect-credentials.json", {
        "title": "Redirects whose Location carries user:password",
        "source": source("fetch/api/cors/cors-redirect-credentials.any.js", "8cc44e820e0458d34a5090dd1c8ce37358183279"),
        "server": source("fetch/api/resources/redirect.py", "3714176e7c51ec7522d5907c11d453a1b35eeb85"),
        "page": PAGE,
        "kind": "evaluate",
        "cases": cases,
    })


if __name__ == "__main__":
    origin_matrix()
    safelist_tables()
    preflight_star()
    preflight_status()
    redirect_credentials()
