# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Code Help tab: every name a snippet can use, and a worked example."""

CODE_SNIPPET_DOCS = """\
Names available in the code snippet
===================================

env         Odoo environment, as the "Exec as user" (or the caller when empty)
user        env.user, the user the snippet runs as
endpoint    this endpoint: endpoint.id, .name, .route, and .env (same as env)
request     the request: .params, .get_json_data(), .httprequest (headers, body,
            .method: GET, PUT... for an endpoint answering several methods)
params      the route's typed parameters, converted: /orders/<int:id> gives
            params["id"] == 42; <model("res.partner"):partner> gives a record
            the snippet's user can read. Plus the query and header parameters
            the parameters schema declares, converted to their type.
Response    odoo.http.Response, to answer anything that is not JSON
datetime    the datetime module (date, datetime, time, timedelta, timezone)
dateutil    dateutil: parser, relativedelta, rrule, tz
time        time: time, strptime, strftime, sleep
json        json: loads, dumps
werkzeug    werkzeug.exceptions: NotFound, BadRequest, Unauthorized
exceptions  Odoo's UserError, ValidationError (both answer 400)
hashlib     md5, sha1, sha224 to sha512, sha3_*, shake_*, blake2b, blake2s, new
hmac        new, compare_digest (e.g. to check a webhook signature)
log         log("text", level="info") writes to ir.logging, kept on rollback

What the snippet must do
========================

Assign a dict to `result`:
  result = {"payload": ..., "status_code": 200, "headers": {...}}
      answers JSON: dates as YYYY-MM-DD, datetimes as YYYY-MM-DD HH:MM:SS;
      status_code defaults to 200, headers to none;
      an optional result["json_default"] function encodes other values.
  result = {"response": Response("text", content_type="text/plain")}
      answers that response as it is.

Raising exceptions.UserError("...") answers 400 with the message;
raising werkzeug.exceptions.NotFound() answers 404 (the same for the other
werkzeug exceptions). Any other error answers 500, with the details in the
server log only, and everything the request wrote is rolled back.

Build strings with f-strings or %: str.format() is refused at save time,
like imports and names holding a double underscore.

Worked example
==============

    partner_id = int(request.params.get("id", 0))
    partner = env["res.partner"].browse(partner_id).exists()
    if not partner:
        raise werkzeug.exceptions.NotFound()
    log(f"partner {partner.id} read")
    result = {"payload": {"id": partner.id, "name": partner.name}}
"""
