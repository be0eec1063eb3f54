// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

// From the Endpoints list, the header button opens the API documentation
// page, where Swagger UI renders the demo endpoints' document.
registry.category("web_tour.tours").add("endpoint_openapi_tour", {
    url: "/odoo/action-endpoint.endpoint_endpoint_act_window",
    steps: () => [
        {
            content: "The list shows the demo endpoints",
            trigger: ".o_list_view .o_data_row td:contains(/demo/contact)",
        },
        {
            content: "Open the API documentation",
            trigger: "button[name=action_open_openapi]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page lists the demo route group",
            trigger: "#endpoint_openapi .opblock-tag:contains(demo)",
        },
        {
            content: "Unfold the contact endpoint",
            trigger: "#endpoint_openapi .opblock-post .opblock-summary-path:contains(/demo/contact)",
            run: "click",
        },
        {
            content: "Its documented success status is shown",
            trigger: "#endpoint_openapi .opblock-post.is-open .response-col_status:contains(201)",
        },
    ],
});
