// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// An endpoint with a path parameter, a second route and a second method,
// created, synced and called from the browser. Driven by
// tests/test_endpoint_ui.py (TestEndpointRoutesUi).
import { registry } from "@web/core/registry";

const field = (name) => `.o_form_view .o_field_widget[name=${name}]`;
const SNIPPET =
    'result = {"payload": {"id": params["order_id"], "method": request.httprequest.method}}';

/** Call ``route`` with ``method`` and check the status and JSON answer. */
function expectAnswer(method, route, status, json) {
    return {
        content: `${method} ${route} answers ${status}`,
        trigger: ".o_form_view .o_form_renderer.o_form_saved",
        async run() {
            const response = await fetch(route, { method });
            if (response.status !== status) {
                throw new Error(`${method} ${route}: ${response.status}, expected ${status}`);
            }
            if (json !== undefined) {
                const got = JSON.stringify(await response.json());
                if (got !== JSON.stringify(json)) {
                    throw new Error(`${method} ${route}: ${got}`);
                }
            }
        },
    };
}

registry.category("web_tour.tours").add("endpoint_tour_path_parameters", {
    steps: () => [
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: `${field("name")} input`,
            run: "edit Tour orders",
        },
        {
            trigger: `${field("route")} input`,
            run: "edit /tour/orders/<int:order_id>",
        },
        {
            content: "Other routes: one per line, no JSON",
            trigger: `${field("extra_routes")} textarea`,
            run: "edit /tour/v1/orders/<int:order_id>",
        },
        {
            content: "Other methods: words, no JSON",
            trigger: `${field("extra_methods")} input`,
            run: "edit DELETE",
        },
        {
            trigger: `${field("auth_type")} input`,
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(/^Public$/)",
            run: "click",
        },
        {
            trigger: `${field("exec_as_user_id")} input:value(Mitchell Admin)`,
        },
        {
            content: "Write the snippet",
            trigger: `${field("code_snippet")} .ace_editor .ace_content`,
            run: "click",
        },
        {
            trigger: `${field("code_snippet")} .ace_editor.ace_focus textarea:not(:visible)`,
            run: `edit ${SNIPPET}`,
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_renderer.o_form_saved",
        },
        {
            content: "The form names the path parameter the snippet reads",
            trigger: `${field("route_parameter_names")}:contains(order_id)`,
        },
        expectAnswer("GET", "/tour/orders/42", 404),
        {
            content: "Open the action (gear) menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o_menu_item:contains(/^\\s*Sync registry\\s*$/)",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(Registry synced)",
        },
        {
            trigger: ".o_form_view .o_form_renderer.o_form_saved:not(:has(div[name=registry_out_of_sync]))",
        },
        expectAnswer("GET", "/tour/orders/42", 200, { id: 42, method: "GET" }),
        expectAnswer("DELETE", "/tour/v1/orders/7", 200, { id: 7, method: "DELETE" }),
        expectAnswer("GET", "/tour/orders/abc", 404),
        expectAnswer("PUT", "/tour/orders/42", 405),
    ],
});
