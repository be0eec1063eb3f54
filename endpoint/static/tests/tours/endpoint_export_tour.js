// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Export two demo endpoints as module data, from the list. Driven by
// tests/test_endpoint_export.py, which reads the zip the dialog built.
import { registry } from "@web/core/registry";

const DIALOG = ".modal .o_form_view";
const dialogField = (name) => `${DIALOG} .o_field_widget[name=${name}]`;

/** Wait until the dialog's code field ``name`` holds ``text``. */
function previewHolds(name, text) {
    const editor = `${dialogField(name)} .ace_editor`;
    const value = () => {
        const element = document.querySelector(editor);
        return element ? window.ace.edit(element).getValue() : "";
    };
    return {
        content: `The ${name} preview holds ${text}`,
        trigger: editor,
        async run({ waitUntil }) {
            await waitUntil(() => value().includes(text), {
                timeout: 5000,
                message: () => `${name} holds ${JSON.stringify(value())}`,
            });
        },
    };
}

function selectRow(name) {
    return {
        content: `Select ${name}`,
        trigger: `.o_list_view .o_data_row:contains(${name}) .o_list_record_selector input`,
        run: "click",
    };
}

registry.category("web_tour.tours").add("endpoint_tour_export_module_data", {
    steps: () => [
        selectRow("Demo: hello"),
        selectRow("Demo: POST XML checked by an XSD file"),
        {
            content: "Open the actions menu",
            trigger: ".o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Export as module data",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Export as module data)",
            run: "click",
        },
        {
            content: "The dialog counts the selected endpoints",
            trigger: `${dialogField("endpoint_count")}:contains(2)`,
        },
        {
            content: "Name the module",
            trigger: `${dialogField("module_name")} input`,
            run: "edit shop_api",
        },
        {
            content: "Leave the name field",
            trigger: `${DIALOG} .o_field_widget[name=endpoint_count]`,
            run: "click",
        },
        previewHolds("data_xml", 'id="endpoint_demo_hello"'),
        previewHolds("data_xml", 'file="shop_api/data/schemas/demo_order.xsd"'),
        {
            content: "Show the manifest lines",
            trigger: ".modal .nav-link:contains(Manifest lines)",
            run: "click",
        },
        previewHolds("manifest_lines", '"data/endpoints.xml"'),
        {
            content: "Download the zip",
            trigger: ".modal footer button[name=action_download]",
            run: "click",
        },
        {
            content: "The dialog stays, with no error",
            trigger: `${DIALOG}:not(:has(.o_error_dialog))`,
        },
    ],
});
