# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The test console of an endpoint form: send a request, read the answer."""

from odoo import api, exceptions, fields, models

from ..tools import console as console_tools

METHODS = [(m, m) for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")]


class EndpointConsole(models.TransientModel):
    _name = "endpoint.console"
    _description = "Endpoint test console"

    res_model = fields.Char(required=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True)
    target = fields.Selection(
        [("draft", "Draft (dry run)"), ("live", "Live version")],
        default="draft",
        required=True,
        help="Draft: the record's current values; every database write is "
        "rolled back at the end. Live: the published version, as clients "
        "call it; its writes stay.",
    )
    method = fields.Selection(METHODS, required=True)
    path = fields.Char(required=True)
    query_string = fields.Char()
    request_headers = fields.Text(string="Headers", help="One 'Name: value' a line.")
    request_body = fields.Text(string="Body")
    auth_type = fields.Char(compute="_compute_auth_type")
    answered_methods = fields.Char(
        compute="_compute_auth_type", help="The methods this endpoint answers."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Call as",
        default=lambda self: self.env.user,
        help="The user a user endpoint is called as.",
    )
    # The answer.
    status = fields.Integer(readonly=True)
    response_headers = fields.Text(readonly=True)
    response_body = fields.Text(readonly=True)
    duration_ms = fields.Float(string="Duration (ms)", digits=(16, 1), readonly=True)
    log_lines = fields.Text(string="log() lines", readonly=True)
    answered_target = fields.Selection(
        [("draft", "Draft (dry run)"), ("live", "Live version")], readonly=True
    )

    @api.depends("res_model", "res_id")
    def _compute_auth_type(self):
        for wizard in self:
            endpoint = wizard._endpoint()
            wizard.auth_type = endpoint.auth_type or False
            wizard.answered_methods = (
                ", ".join(endpoint._endpoint_methods()) if endpoint else False
            )

    def _endpoint(self):
        self.ensure_one()
        if not (self.res_model and self.res_id):
            return self.env["endpoint.endpoint"]
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            endpoint = self.env[vals["res_model"]].browse(vals["res_id"])
            method = endpoint.request_method or "GET"
            if vals.get("method") not in dict(METHODS):
                vals["method"] = method
            vals.setdefault("path", endpoint.route)
            if "request_body" not in vals and method in ("POST", "PUT"):
                vals["request_body"] = console_tools.example_body(
                    endpoint.request_content_schema, endpoint.request_content_type
                )
            if "request_headers" not in vals and endpoint.request_content_type:
                vals["request_headers"] = (
                    f"Content-Type: {endpoint.request_content_type}"
                )
        return super().create(vals_list)

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test console"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_send(self):
        """Send the request and show the answer in the console."""
        self.ensure_one()
        answered = self._endpoint()._endpoint_methods()
        if self.method not in answered and not (
            self.method == "HEAD" and "GET" in answered
        ):
            raise exceptions.UserError(
                self.env._(
                    "This endpoint answers %(methods)s: pick one of them.",
                    methods=", ".join(answered),
                )
            )
        try:
            headers = console_tools.parse_headers(self.request_headers)
        except ValueError as exc:
            raise exceptions.UserError(
                self.env._("Not a 'Name: value' header line: %(line)s", line=exc)
            ) from exc
        answer = self._endpoint()._console_call(
            self.method,
            self.path,
            query_string=self.query_string or "",
            headers=headers,
            body=(self.request_body or "").encode(),
            dry_run=self.target == "draft",
            user=self.user_id,
        )
        self.write(
            {
                "status": answer["status"],
                "response_headers": "\n".join(
                    f"{name}: {value}" for name, value in answer["headers"]
                ),
                "response_body": console_tools.pretty_body(
                    answer["body"], answer["content_type"]
                ),
                "duration_ms": answer["duration_ms"],
                "log_lines": "\n".join(answer["log"]),
                "answered_target": self.target,
            }
        )
        return self._reopen()
