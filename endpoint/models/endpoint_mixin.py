# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The endpoint record: its fields, computes, constraints and ORM overrides.

Publishing a record to the live routes is in ``endpoint_mixin_publish``,
serving a request in ``endpoint_mixin_serve``, its OpenAPI description in
``endpoint_mixin_openapi``.
"""

import re

from odoo import SUPERUSER_ID, api, exceptions, fields, models, tools

from ..tools import body, routes, snippet
from ..tools.runtime import schema_applicable
from ..tools.snippet_docs import CODE_SNIPPET_DOCS

LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\r?\n)+")


class EndpointMixin(models.AbstractModel):
    _name = "endpoint.mixin"
    _inherit = "endpoint.route.handler"
    _description = "Endpoint mixin"

    # A first endpoint is most often read with a browser or curl: GET.
    request_method = fields.Selection(default="GET")
    readonly = fields.Boolean(
        string="Read-only",
        help="Serve the endpoint with a read-only database cursor: from the "
        "read replica when Odoo has one (--db_replica_host), so that it "
        "spares the primary server. Its answers may then lag a little behind "
        "the latest changes. A snippet that writes is run again on the "
        "primary server.",
    )
    exec_mode = fields.Selection(
        selection="_selection_exec_mode",
        required=True,
        default="code",
        help="How a request is answered.",
    )
    code_snippet = fields.Text(
        help="Python code run for every request when the exec mode is "
        "'Execute code'. See the Code Help tab.",
    )
    code_snippet_docs = fields.Text(
        compute="_compute_code_snippet_docs",
        help="The names a code snippet can use.",
    )
    exec_as_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Exec as user",
        help="The snippet runs with this user's rights. "
        "Left empty, it runs as the caller.",
    )
    request_content_schema = fields.Text(
        string="Request schema",
        help="JSON Schema (Draft 2020-12, in JSON or YAML syntax) for JSON "
        "bodies, or XSD for XML bodies. Requests whose body does not match "
        "are answered 400 with the list of errors.",
    )
    request_content_schema_applicable = fields.Boolean(
        compute="_compute_request_content_schema_applicable",
    )
    request_max_body_size = fields.Integer(
        string="Max body size",
        help="Largest request body accepted, in bytes; larger ones are "
        "answered 413. 0 uses the system parameter endpoint.max_body_size "
        "(1 MiB when it is not set).",
    )
    endpoint_url = fields.Char(
        string="URL",
        compute="_compute_endpoint_url",
        help="The full address HTTP clients call.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        help="Leave empty to share the endpoint between companies.",
    )

    # ------------------------------------------------------------------
    # Selections, computes, onchanges
    # ------------------------------------------------------------------

    def _selection_exec_mode(self):
        return [("code", self.env._("Execute code"))]

    def _selection_request_content_type(self):
        # The route handler lists a deprecated "JSON; charset" entry: media
        # types are compared without parameters here, so it is not needed.
        return [
            item
            for item in super()._selection_request_content_type()
            if ";" not in item[0]
        ]

    def _compute_code_snippet_docs(self):
        for rec in self:
            rec.code_snippet_docs = CODE_SNIPPET_DOCS

    @api.depends("route")
    def _compute_endpoint_url(self):
        base_url = self[:1].get_base_url() if self else ""
        for rec in self:
            rec.endpoint_url = f"{base_url}{rec.route}" if rec.route else False

    @api.depends("request_method", "request_content_type")
    def _compute_request_content_schema_applicable(self):
        for rec in self:
            rec.request_content_schema_applicable = schema_applicable(
                rec.request_method, rec.request_content_type
            )

    @api.onchange("auth_type")
    def _onchange_auth_type(self):
        # A public endpoint needs a user to run as: propose the one editing
        # it, who can pick another.
        for rec in self:
            if rec.auth_type == "public" and not rec.exec_as_user_id:
                rec.exec_as_user_id = self.env.user

    @api.onchange("request_content_type")
    def _onchange_request_content_type(self):
        # A JSON schema means nothing for XML and the other way around.
        for rec in self:
            if rec.request_content_schema and (
                rec._origin.request_content_type != rec.request_content_type
            ):
                rec.request_content_schema = False

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("exec_mode", "code_snippet")
    def _check_exec_mode(self):
        for rec in self:
            rec._validate_exec_mode()

    def _validate_exec_mode(self):
        validator = getattr(self, f"_validate_exec__{self.exec_mode}", None)
        if validator is None:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: exec mode %(mode)s is not supported.",
                    name=self.name,
                    mode=self.exec_mode,
                )
            )
        validator()

    def _validate_exec__code(self):
        try:
            snippet.compile_snippet(self.code_snippet)
        except snippet.SnippetError as exc:
            raise exceptions.UserError(
                self.env._(
                    "Endpoint %(name)s: the code snippet cannot run. %(error)s",
                    name=self.name,
                    error=str(exc),
                )
            ) from exc

    @api.constrains("route")
    def _check_route(self):
        # On create, constraints see the route as typed and the inverse cleans
        # it afterwards: "/web/" would be saved as the blacklisted "/web".
        res = super()._check_route()
        for rec in self:
            route = rec._clean_route()
            if route in rec._blacklist_routes:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: route %(route)s is reserved, "
                        "pick another one.",
                        name=rec.name,
                        route=route,
                    )
                )
            odoo_rule = routes.odoo_rule_for(
                route, rec._odoo_modules(), self.env["ir.http"]._get_converters()
            )
            if odoo_rule:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: route %(route)s is already served by "
                        "Odoo (%(rule)s); an endpoint there would hide it. "
                        "Pick another route.",
                        name=rec.name,
                        route=route,
                        rule=odoo_rule,
                    )
                )
        return res

    def _odoo_modules(self):
        """The modules whose controllers make Odoo's routes."""
        return self.env.registry._init_modules | set(
            tools.config["server_wide_modules"]
        )

    @api.constrains("auth_type", "exec_as_user_id")
    def _check_auth(self):
        for rec in self:
            if rec.auth_type == "public" and not rec.exec_as_user_id:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: a public endpoint needs an "
                        "'Exec as user': the public user can read nothing. "
                        "Pick the user whose rights the snippet runs with.",
                        name=rec.name,
                    )
                )

    @api.constrains("exec_as_user_id")
    def _check_exec_as_user(self):
        for rec in self:
            user = rec.exec_as_user_id
            if user and (user.id == SUPERUSER_ID or not user.active):
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the snippet cannot run as %(user)s, "
                        "an archived user or the superuser: no rights would "
                        "limit it. Pick an active user with the rights the "
                        "snippet needs.",
                        name=rec.name,
                        user=user.login or user.name,
                    )
                )

    @api.constrains("request_max_body_size")
    def _check_request_max_body_size(self):
        for rec in self:
            if rec.request_max_body_size < 0:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the max body size is a number of "
                        "bytes, or 0 for the system's limit.",
                        name=rec.name,
                    )
                )

    @api.constrains("request_content_schema", "request_content_type", "request_method")
    def _check_request_content_schema(self):
        # A schema of a method or content type that takes none is kept and
        # ignored (the form says so): records written for OCA's module carry
        # such schemas and must load unchanged.
        for rec in self.filtered("request_content_schema_applicable"):
            try:
                body.compile_schema(
                    rec.request_content_schema, rec.request_content_type
                )
            except body.SchemaError as exc:
                raise exceptions.UserError(
                    self.env._(
                        "Endpoint %(name)s: the request schema is invalid. %(error)s",
                        name=rec.name,
                        error=str(exc),
                    )
                ) from exc

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._strip_leading_blank_lines(v) for v in vals_list])

    def write(self, vals):
        vals = self._strip_leading_blank_lines(vals)
        if "request_content_type" in vals and "request_content_schema" not in vals:
            new_type = vals["request_content_type"] or False
            stale = self.filtered(
                lambda r: (
                    r.request_content_schema
                    and (r.request_content_type or False) != new_type
                )
            )
            if stale:
                super(EndpointMixin, stale).write({"request_content_schema": False})
        return super().write(vals)

    @api.model
    def _code_editor_fields(self):
        """The text fields the form shows in a code editor."""
        return ("code_snippet", "request_content_schema")

    @api.model
    def _strip_leading_blank_lines(self, vals):
        """Drop the blank lines a text starts with: XML data puts its first
        line after the tag's own, and the editors would open on it."""
        texts = {
            name: LEADING_BLANK_LINES.sub("", vals[name])
            for name in self._code_editor_fields()
            if isinstance(vals.get(name), str)
        }
        return {**vals, **texts} if texts else vals

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        taken = set()
        for rec, vals in zip(self, vals_list, strict=True):
            if "route" not in default:
                vals["route"] = rec._free_copy_route(taken)
                taken.add(vals["route"])
            if "name" not in default:
                vals["name"] = self.env._("%s (copy)", rec.name)
        return vals_list

    def _free_copy_route(self, taken=()):
        """The route of a copy: ``<route>/COPY_FIXME``, numbered from the
        second copy on, so that copying a record again still saves."""
        self.ensure_one()
        base = f"{self.route}/COPY_FIXME"
        existing = set(
            self.with_context(active_test=False)
            .search([("route", "=like", f"{base}%")])
            .mapped("route")
        )
        existing.update(taken)
        route, number = base, 1
        while route in existing:
            number += 1
            route = f"{base}_{number}"
        return route
