/** @odoo-module ignore **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Render the OpenAPI document of the endpoints with the Swagger UI shipped in
// static/lib/swagger-ui. Loaded by the /endpoint/openapi page only.
(function () {
    "use strict";

    function start() {
        const node = document.getElementById("endpoint_openapi");
        if (!node || !window.SwaggerUIBundle) {
            return;
        }
        window.SwaggerUIBundle({
            url: node.dataset.specUrl,
            domNode: node,
            deepLinking: true,
            // The default would show a badge fetched from a public validator.
            validatorUrl: null,
            presets: [window.SwaggerUIBundle.presets.apis],
            layout: "BaseLayout",
            withCredentials: true,
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
