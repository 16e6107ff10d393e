#!/usr/bin/env python3
"""Writes two small HAR files in the shapes Chrome DevTools and Firefox
DevTools export (tests/data/har/chrome-sample.har, firefox-sample.har).

These are HAND-WRITTEN SAMPLES OF THE FORMAT, not recordings: the field names
and layout follow the two browsers' HAR builders (Chrome: `_resourceType`,
`_initiator`, `_requestId`, `response._error`, `_fetchedViaServiceWorker`,
HTTP/2 pseudo-headers, a separate `preflight` entry; Firefox: no resource
type, `Host` and `Sec-Fetch-*` request headers, the OPTIONS entry before its
actual request, `serverIPAddress` + `connection` = port, `_securityState`).
The scenarios are those of docs/../reference browsers.md's side-by-side table
(measured in both browsers), so tests/har.rs can name the expected reasons.

Run: python3 tests/data/har/make_samples.py
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE, API, OTHER = "http://127.0.0.1:8801", "http://127.0.0.1:8802", "http://127.0.0.1:8803"


def h(n, v):
    return {"name": n, "value": v}


def t(ms):
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    return f"2026-11-25T10:{m:02d}:{s:02d}.{ms:03d}Z"


# (id, method, path, request extra headers, preflight or None, response status, response headers, note)
SCENARIOS = [
    ("missing-acao-500", "GET", "/api/a?status=500", [], None, 500, [h("Content-Type", "text/plain")], "MissingAllowOriginHeader / CORSMissingAllowOrigin2"),
    ("method-not-allowed", "PUT", "/api/b", [h("Content-Type", "text/plain")],
     (204, [h("Access-Control-Allow-Origin", PAGE), h("Access-Control-Allow-Methods", "GET, POST")]), 0, [], "MethodDisallowedByPreflightResponse / CORSMethodNotFound"),
    ("acao-mismatch", "GET", "/api/c", [], None, 200, [h("Access-Control-Allow-Origin", "http://example.com"), h("Content-Type", "text/plain")], "AllowOriginMismatch / CORSAllowOriginNotMatchingOrigin"),
    ("two-acao", "GET", "/api/d", [], None, 200, [h("Access-Control-Allow-Origin", PAGE), h("Access-Control-Allow-Origin", PAGE)], "MultipleAllowOriginValues / CORSMultipleAllowOriginNotAllowed"),
    ("allowed", "GET", "/api/e", [], None, 200, [h("Access-Control-Allow-Origin", PAGE), h("Vary", "Origin"), h("Content-Type", "application/json")], "allowed"),
    ("preflight-404", "GET", "/api/f", [h("X-Foo", "1")],
     (404, [h("Access-Control-Allow-Origin", PAGE), h("Content-Type", "text/plain")]), 0, [], "PreflightInvalidStatus / CORSPreflightDidNotSucceed3"),
]


def chrome():
    entries = [{
        "_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document", "_requestId": "D1",
        "cache": {}, "connection": "101", "pageref": "page_1",
        "request": {"method": "GET", "url": PAGE + "/lab/", "httpVersion": "HTTP/1.1",
                    "headers": [h("Host", "127.0.0.1:8801"), h("Accept", "text/html")], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [h("Content-Type", "text/html")], "cookies": [],
                     "content": {"size": 100, "mimeType": "text/html"}, "redirectURL": "", "headersSize": -1, "bodySize": 100,
                     "_transferSize": 200, "_error": None, "_fetchedViaServiceWorker": False},
        "serverIPAddress": "127.0.0.1", "startedDateTime": t(0), "time": 5, "timings": {"send": 0, "wait": 4, "receive": 1}}]
    clock = 1000
    rid = 10
    for sid, method, path, extra, pf, status, rheaders, _ in SCENARIOS:
        url = API + path
        rid += 1
        blocked = status == 0 or "mismatch" in sid or "missing" in sid or "two" in sid
        if status == 0:
            # Blocked at the preflight: Chrome shows the provisional request headers only.
            req = [h("Referer", PAGE + "/lab/"), h("User-Agent", "Mozilla/5.0 Chrome/156.0.0.0")] + extra
        else:
            req = [h("Host", "127.0.0.1:8802"), h("Origin", PAGE), h("Referer", PAGE + "/lab/"), h("Sec-Fetch-Mode", "cors")] + extra
        entries.append({
            "_initiator": {"type": "script", "stack": {"callFrames": []}}, "_priority": "High", "_resourceType": "fetch", "_requestId": str(rid),
            "cache": {}, "connection": str(200 + rid), "pageref": "page_1",
            "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": req, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1" if status else "", "headers": rheaders, "cookies": [],
                         "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                         "_transferSize": 0, "_error": "net::ERR_FAILED" if blocked else None, "_fetchedViaServiceWorker": False},
            "serverIPAddress": "127.0.0.1" if status else "", "startedDateTime": t(clock), "time": 3, "timings": {"send": 0, "wait": 2, "receive": 1}})
        if pf:
            pstatus, pheaders = pf
            acrh = ",".join(sorted(x["name"].lower() for x in extra if x["name"].lower() != "content-type" or method == "GET"))
            pf_req = [h("Host", "127.0.0.1:8802"), h("Accept", "*/*"), h("Access-Control-Request-Method", method)]
            if acrh:
                pf_req.append(h("Access-Control-Request-Headers", acrh))
            pf_req += [h("Origin", PAGE), h("Sec-Fetch-Mode", "cors")]
            entries.append({
                "_initiator": {"type": "preflight", "url": url, "requestId": str(rid)}, "_priority": "High", "_resourceType": "preflight",
                "cache": {}, "connection": str(300 + rid), "pageref": "page_1",
                "request": {"method": "OPTIONS", "url": url, "httpVersion": "HTTP/1.1", "headers": pf_req, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": pstatus, "statusText": "", "httpVersion": "HTTP/1.1", "headers": pheaders, "cookies": [],
                             "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": 0,
                             "_transferSize": 100, "_error": None},
                "serverIPAddress": "127.0.0.1", "startedDateTime": t(clock + 2), "time": 2, "timings": {"send": 0, "wait": 1, "receive": 1}})
        clock += 100
    # A redirect to another origin whose target allows only the page origin: the Origin became `null`.
    entries.append({
        "_initiator": {"type": "script"}, "_resourceType": "fetch", "_requestId": "90", "pageref": "page_1",
        "request": {"method": "GET", "url": API + "/api/r", "headers": [h("Host", "127.0.0.1:8802"), h("Origin", PAGE), h("Sec-Fetch-Mode", "cors")]},
        "response": {"status": 302, "headers": [h("Location", OTHER + "/api/final"), h("Access-Control-Allow-Origin", PAGE)],
                     "redirectURL": OTHER + "/api/final", "_error": None},
        "serverIPAddress": "127.0.0.1", "startedDateTime": t(clock), "time": 1, "timings": {}})
    entries.append({
        "_initiator": {"type": "script"}, "_resourceType": "fetch", "_requestId": "90", "pageref": "page_1",
        "request": {"method": "GET", "url": OTHER + "/api/final", "headers": [h("Host", "127.0.0.1:8803"), h("Origin", "null"), h("Sec-Fetch-Mode", "cors")]},
        "response": {"status": 200, "headers": [h("Access-Control-Allow-Origin", PAGE)], "redirectURL": "", "_error": "net::ERR_FAILED"},
        "serverIPAddress": "127.0.0.1", "startedDateTime": t(clock + 5), "time": 1, "timings": {}})
    # Same-origin and no-cors entries, skipped by the reader.
    entries.append({"_resourceType": "script", "pageref": "page_1", "startedDateTime": t(clock + 10),
                    "request": {"method": "GET", "url": PAGE + "/lab/app.js", "headers": [h("Host", "127.0.0.1:8801")]},
                    "response": {"status": 200, "headers": [], "redirectURL": ""}})
    entries.append({"_resourceType": "image", "pageref": "page_1", "startedDateTime": t(clock + 20),
                    "request": {"method": "GET", "url": OTHER + "/img.png", "headers": [h("Host", "127.0.0.1:8803"), h("Sec-Fetch-Mode", "no-cors")]},
                    "response": {"status": 200, "headers": [], "redirectURL": ""}})
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "comment": "Hand-written sample of the Chrome DevTools HAR export format for whycors tests; not a recording.",
                    "pages": [{"startedDateTime": t(0), "id": "page_1", "title": PAGE + "/lab/", "pageTimings": {"onContentLoad": 50, "onLoad": 80}}],
                    "entries": entries}}


def firefox():
    entries = []
    clock = 1000
    for sid, method, path, extra, pf, status, rheaders, _ in SCENARIOS:
        url = API + path
        if pf:
            pstatus, pheaders = pf
            acrh = ",".join(sorted(x["name"].lower() for x in extra if x["name"].lower() != "content-type" or method == "GET"))
            pf_req = [h("Host", "127.0.0.1:8802"), h("User-Agent", "Mozilla/5.0 Firefox/153.0"), h("Accept", "*/*"),
                      h("Access-Control-Request-Method", method)]
            if acrh:
                pf_req.append(h("Access-Control-Request-Headers", acrh))
            pf_req += [h("Origin", PAGE), h("Sec-Fetch-Mode", "cors"), h("Sec-Fetch-Dest", "empty")]
            entries.append({
                "pageref": "page_0", "startedDateTime": t(clock).replace("Z", "+00:00"),
                "request": {"bodySize": 0, "method": "OPTIONS", "url": url, "httpVersion": "HTTP/1.1", "headers": pf_req, "cookies": [], "queryString": [], "headersSize": 300},
                "response": {"status": pstatus, "statusText": "", "httpVersion": "HTTP/1.1", "headers": pheaders, "cookies": [],
                             "content": {"mimeType": "text/plain", "size": 0}, "redirectURL": "", "headersSize": 120, "bodySize": 120},
                "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 1, "receive": 0}, "time": 1,
                "_securityState": "insecure", "serverIPAddress": "127.0.0.1", "connection": "8802"})
        req = [h("Host", "127.0.0.1:8802"), h("User-Agent", "Mozilla/5.0 Firefox/153.0"), h("Accept", "*/*"), h("Referer", PAGE + "/lab/"),
               h("Origin", PAGE), h("Sec-Fetch-Dest", "empty"), h("Sec-Fetch-Mode", "cors"), h("Sec-Fetch-Site", "same-site")] + extra
        entries.append({
            "pageref": "page_0", "startedDateTime": t(clock + 5).replace("Z", "+00:00"),
            "request": {"bodySize": 0, "method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": req, "cookies": [], "queryString": [], "headersSize": 400},
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1" if status else "", "headers": rheaders, "cookies": [],
                         "content": {"mimeType": "text/plain", "size": 0}, "redirectURL": "", "headersSize": -1 if not status else 100, "bodySize": -1},
            "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 1, "receive": 0}, "time": 1,
            "_securityState": "insecure", **({"serverIPAddress": "127.0.0.1", "connection": "8802"} if status else {})})
        clock += 100
    entries.append({"pageref": "page_0", "startedDateTime": t(clock).replace("Z", "+00:00"),
                    "request": {"method": "GET", "url": API + "/api/r", "headers": [h("Host", "127.0.0.1:8802"), h("Origin", PAGE), h("Sec-Fetch-Mode", "cors"), h("Sec-Fetch-Dest", "empty")]},
                    "response": {"status": 302, "headers": [h("Location", OTHER + "/api/final"), h("Access-Control-Allow-Origin", PAGE)], "redirectURL": OTHER + "/api/final"},
                    "serverIPAddress": "127.0.0.1", "connection": "8802"})
    entries.append({"pageref": "page_0", "startedDateTime": t(clock + 5).replace("Z", "+00:00"),
                    "request": {"method": "GET", "url": OTHER + "/api/final", "headers": [h("Host", "127.0.0.1:8803"), h("Origin", "null"), h("Sec-Fetch-Mode", "cors"), h("Sec-Fetch-Dest", "empty")]},
                    "response": {"status": 200, "headers": [h("Access-Control-Allow-Origin", PAGE)], "redirectURL": ""},
                    "serverIPAddress": "127.0.0.1", "connection": "8803"})
    entries.append({"pageref": "page_0", "startedDateTime": t(clock + 10).replace("Z", "+00:00"),
                    "request": {"method": "GET", "url": PAGE + "/lab/app.js", "headers": [h("Host", "127.0.0.1:8801"), h("Sec-Fetch-Dest", "script"), h("Sec-Fetch-Mode", "no-cors")]},
                    "response": {"status": 200, "headers": [], "redirectURL": ""}})
    return {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "153.7.0"}, "browser": {"name": "Firefox", "version": "153.7.0"},
                    "comment": "Hand-written sample of the Firefox DevTools HAR export format for whycors tests; not a recording.",
                    "pages": [{"id": "page_0", "pageTimings": {"onContentLoad": -1, "onLoad": -1}, "startedDateTime": t(0).replace("Z", "+00:00"), "title": PAGE + "/lab/"}],
                    "entries": entries}}


for name, doc in (("chrome-sample.har", chrome()), ("firefox-sample.har", firefox())):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(name, len(doc["log"]["entries"]), "entries")
