// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// An admin turns on the call log of an endpoint, calls it, and looks at its
// calls. Driven by tests/test_endpoint_log_ui.py.
import { registry } from "@web/core/registry";

const ROUTE = "/tour/logged";
const SAVED = ".o_form_view .o_form_renderer.o_form_saved";
// The id of the call's entry, as the answer's header gives it.
let logId = null;

registry.category("web_tour.tours").add("endpoint_log_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour logged)",
        },
        {
            content: "Open the Call Log tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Call Log)",
            run: "click",
        },
        {
            content: "Turn logging on",
            trigger: ".o_form_view .o_field_widget[name=log_calls] input",
            run: "click",
        },
        {
            content: "Keep every call",
            trigger: ".o_form_view .o_field_widget[name=log_keep]",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, out of sync",
            trigger: `${SAVED}:has(div[name=registry_out_of_sync])`,
        },
        {
            content: "Open the action (gear) menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Run Sync registry",
            trigger: ".o-dropdown--menu .o_menu_item:contains(/^\\s*Sync registry\\s*$/)",
            run: "click",
        },
        {
            content: "Synced: the warning is gone",
            trigger: `${SAVED}:not(:has(div[name=registry_out_of_sync]))`,
        },
        {
            content: "Call the endpoint: the answer names its log entry",
            trigger: SAVED,
            async run() {
                const response = await fetch(`${ROUTE}?from=tour`);
                logId = response.headers.get("X-Endpoint-Log-Id");
                if (response.status !== 200 || !logId) {
                    throw new Error(`${ROUTE}: status ${response.status}, log id ${logId}`);
                }
            },
        },
        {
            content: "Open the calls",
            trigger: ".o_form_view .oe_stat_button[name=action_view_calls]",
            run: "click",
        },
        {
            content: "The call is listed",
            trigger: ".o_list_view .o_data_row td[name=path]:contains(/tour/logged)",
        },
        {
            content: "Type the log id the client got",
            trigger: ".o_control_panel .o_searchview_input",
            async run(helpers) {
                await helpers.edit(logId);
            },
        },
        {
            content: "Search it as a log id",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:contains(Log id)",
            run: "click",
        },
        {
            content: "The form's list finds that one call",
            trigger: ".o_control_panel .o_searchview_facet:contains(Log id)",
            async run({ waitUntil }) {
                const rows = () => [...document.querySelectorAll(".o_list_view .o_data_row")];
                await waitUntil(
                    () =>
                        rows().length === 1 &&
                        rows()[0].querySelector("td[name=id]").textContent.trim() === logId,
                    { timeout: 5000, message: () => `${rows().length} rows for ${logId}` }
                );
            },
        },
        {
            content: "Switch to the graph",
            trigger: ".o_control_panel .o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph of the calls is drawn",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot counts the call under its endpoint",
            trigger: ".o_pivot_view .o_pivot th:contains(Tour logged)",
        },
    ],
});
