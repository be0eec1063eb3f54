# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the request path that hold no ORM state.

``body`` (request bodies and their schemas), ``runtime`` (what a request runs,
built from an endpoint's published values) and ``openapi`` import nothing
from Odoo, so they are tested (and benchmarked) on their own with pytest;
``routes``, ``snippet`` and ``response`` use Odoo's routing, ``safe_eval``
and ``http.Response``.
"""
