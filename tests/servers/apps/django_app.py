"""Django 3.2 + django-cors-headers 3.14 (Debian), served by `runserver`:
every Django configuration of the real-server suite (tests/servers/).

    /usr/bin/python3 django_app.py --variant NAME --port N --origin ORIGIN [--snippet FILE]

`--variant fixed:CASE --snippet FILE` runs the app of CASE with whycors'
Django snippet (a settings.py fragment) as its CORS settings.
"""
import argparse
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("--variant", required=True)
p.add_argument("--port", type=int, required=True)
p.add_argument("--origin", required=True)
p.add_argument("--snippet")
a = p.parse_args()
O = a.origin

COMMON = "django.middleware.common.CommonMiddleware"
CORS = "corsheaders.middleware.CorsMiddleware"

# Per case: the app's own CORS settings and middleware order.
VARIANTS = {
    # The documented setup: CorsMiddleware as high as possible, an allow-list.
    "happy": dict(MIDDLEWARE=[CORS, COMMON], CORS_ALLOWED_ORIGINS=[O], CORS_ALLOW_CREDENTIALS=True),
    # CorsMiddleware below CommonMiddleware: APPEND_SLASH redirects the preflight first.
    "common-before-cors": dict(MIDDLEWARE=[COMMON, CORS], CORS_ALLOWED_ORIGINS=[O]),
    # The allow-list has https, the page is http: no CORS headers at all.
    "wrong-scheme": dict(MIDDLEWARE=[CORS, COMMON], CORS_ALLOWED_ORIGINS=[O.replace("http://", "https://", 1)]),
    # "All origins" with credentials: the origin is echoed (passes, any site can read).
    "all-origins-credentials": dict(MIDDLEWARE=[CORS, COMMON], CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_CREDENTIALS=True),
    # A custom request header outside the default CORS_ALLOW_HEADERS.
    "custom-header": dict(MIDDLEWARE=[CORS, COMMON], CORS_ALLOWED_ORIGINS=[O]),
}

case = a.variant[len("fixed:"):] if a.variant.startswith("fixed:") else a.variant
if case not in VARIANTS:
    sys.exit(f"unknown variant {a.variant}")
conf = dict(VARIANTS[case])
if a.variant.startswith("fixed:"):
    # The snippet is the settings: it replaces the app's CORS settings and
    # its MIDDLEWARE list (the app's other middleware keep their order after it).
    ns = {}
    exec(open(a.snippet).read(), ns)
    own = [m for m in conf["MIDDLEWARE"] if m not in (CORS, COMMON)]
    conf = {k: v for k, v in ns.items() if k.startswith("CORS_")}
    conf["MIDDLEWARE"] = [m for m in ns["MIDDLEWARE"]] + [m for m in own if m not in ns["MIDDLEWARE"]]
    extra_apps = [x for x in ns.get("INSTALLED_APPS", []) if isinstance(x, str)]
else:
    extra_apps = ["corsheaders"]

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="whycors-test",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1"],
    INSTALLED_APPS=sorted(set(extra_apps)),
    **conf,
)
import django

django.setup()
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def items(request):
    return JsonResponse({"items": []})


def fail(request):
    raise RuntimeError("boom")


# Django's convention: URLs end with a slash (APPEND_SLASH redirects the others).
urlpatterns = [path("api/items/", items), path("api/fail/", fail)]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(["django_app.py", "runserver", f"127.0.0.1:{a.port}", "--noreload"])
