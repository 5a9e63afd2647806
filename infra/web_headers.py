"""The security and caching headers of the two sites, defined once for CloudFront and the local front.

``infra/stack.py`` turns them into a CloudFront response-headers policy and cache behaviours;
``local/front.py`` sends the very same values on its responses, so the browser tests run under the
policy the citizens get. Plain Python (no CDK import): the local front reads it without jsii.

The content security policy allows no inline script or style at all: the sites are ES modules and
stylesheets, and build every element with ``dom.h`` (text as text, never HTML). Beyond the site's
own origin the pages only *call*:

- Cognito's JSON API (``cognitoEndpoint`` of ``config.json``: sign-in, sign-up, challenges);
- the citizen pool's hosted domain (``oauthDomain``: ``/oauth2/token`` after a Digital ID sign-in);
- the uploads bucket (the presigned upload of an attachment).

ThaID and the other Digital ID providers are never called by the page: the browser is *sent* to
them by Cognito's hosted domain (navigations, which ``connect-src`` does not govern), and the code
comes back to the site through Cognito. Documents open by presigned links (navigations too); the officer
SPA also reads an attachment or the draft licence from its link (``fetch``) and shows it in the page as a
``blob:`` frame or image.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CACHE_IMMUTABLE",
    "CACHE_REVALIDATE",
    "FRAME_OPTIONS",
    "HSTS_MAX_AGE_SECONDS",
    "IMMUTABLE_MAX_AGE_SECONDS",
    "IMMUTABLE_SUFFIXES",
    "PERMISSIONS_POLICY",
    "REFERRER_POLICY",
    "cache_control",
    "content_security_policy",
    "security_headers",
]

#: Two years, the value HSTS preload lists ask for; subdomains included (api-origin.<domain> too).
HSTS_MAX_AGE_SECONDS = 63_072_000
FRAME_OPTIONS = "DENY"
#: Cross-origin requests get the origin only: a request id in a query string never leaves the site.
REFERRER_POLICY = "strict-origin-when-cross-origin"
#: Powerful features no page of the e-Service uses; an injected script cannot ask for them either.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
#: Hashed or versioned files (fonts) keep a year; the browser never asks again.
IMMUTABLE_MAX_AGE_SECONDS = 31_536_000
IMMUTABLE_SUFFIXES = (".woff2", ".woff", ".ttf")
CACHE_IMMUTABLE = f"public, max-age={IMMUTABLE_MAX_AGE_SECONDS}, immutable"
#: Kept, but revalidated with its ETag before each use: a deploy is seen at once, an unchanged file is a 304.
CACHE_REVALIDATE = "no-cache"


def content_security_policy(*, connect: Iterable[str] = (), form_action: Iterable[str] = ()) -> str:
    """The sites' CSP: only the site's own files, no inline code, never framed.

    :param connect: origins the pages call besides their own (Cognito, the uploads bucket).
    :param form_action: origins a form may post to besides the site (the hosted sign-in domain).
    """
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'"]),
        ("style-src", ["'self'"]),
        ("img-src", ["'self'", "data:", "blob:"]),
        ("font-src", ["'self'"]),
        # A file shown in the page (a PDF in the browser's viewer) is a blob: the page made from a fetched link.
        ("frame-src", ["'self'", "blob:"]),
        ("connect-src", ["'self'", *_unique(connect)]),
        ("frame-ancestors", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'", *_unique(form_action)]),
        ("object-src", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


def security_headers(csp: str) -> dict[str, str]:
    """Every security header of a response, as the local front sends them (CloudFront: the same values)."""
    return {
        "Content-Security-Policy": csp,
        "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
        "X-Frame-Options": FRAME_OPTIONS,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }


def cache_control(path: str) -> str:
    """The ``Cache-Control`` of a site file by its path.

    Fonts never change under their name (a new cut gets a new file name): immutable. Everything
    else (``index.html``, ``config.json``, the ES modules and stylesheets, which are not hashed and
    import each other by plain names, the icon) is revalidated.
    """
    return CACHE_IMMUTABLE if path.endswith(IMMUTABLE_SUFFIXES) else CACHE_REVALIDATE


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        origin = value.rstrip("/")
        if origin and origin not in seen:
            seen.append(origin)
    return seen
