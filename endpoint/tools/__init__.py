# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the request path that hold no ORM state.

``body`` and ``schema`` import nothing from Odoo, so they can be unit tested
(and benchmarked) on their own; ``snippet`` and ``response`` wrap Odoo's
``safe_eval`` and ``http.Response``.
"""
