# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tell a cross-site request from a same-site one, as a browser reports it.

A browser sends a logged-in user's session cookie with a form another site
posts to Odoo (the cookie has no SameSite attribute). Modern browsers say
where a request comes from in ``Sec-Fetch-Site``, and every browser names
the page's origin in ``Origin`` on a POST: those decide. A request with
neither comes from no browser (curl, a server), which holds no user's
cookie unless given one.
"""

# Methods a form cannot send or that change nothing by HTTP's rules.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# "same-site" is a sibling subdomain: another application, maybe hostile.
_TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_of(url):
    """``scheme://host[:port]`` of an absolute URL, lower-cased."""
    scheme, _sep, rest = (url or "").partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}".lower()


def is_cross_site(headers, own_origin):
    """Tell whether a browser sent this request from another site's page.

    ``headers`` is a mapping of the request headers, ``own_origin`` the
    server's origin as the browser addressed it (see ``origin_of``).
    """
    fetch_site = (headers.get("Sec-Fetch-Site") or "").strip().lower()
    if fetch_site:
        return fetch_site not in _TRUSTED_FETCH_SITES
    origin = (headers.get("Origin") or "").strip().lower()
    if origin:
        # "null" (a sandboxed frame, a data: URL...) is never the server.
        return origin != own_origin.lower()
    return False


def allowed_origins(cors):
    """The origins a CORS setting names one by one.

    ``*`` names none: by CORS's own rule a wildcard never covers requests
    that carry credentials, and a session cookie is one.
    """
    return {
        origin.strip().rstrip("/").lower()
        for origin in (cors or "").split(",")
        if origin.strip() and origin.strip() != "*"
    }


def origin_allowed(headers, cors):
    """Tell whether the request's ``Origin`` is one the CORS setting names."""
    origin = (headers.get("Origin") or "").strip().rstrip("/").lower()
    return bool(origin) and origin in allowed_origins(cors)
