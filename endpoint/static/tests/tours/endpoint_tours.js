// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The admin's day in the Endpoints UI. Driven by tests/test_endpoint_ui.py,
// which prepares the records and checks the live routes over HTTP.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

const field = (name) => `.o_form_view .o_field_widget[name=${name}]`;
const OUT_OF_SYNC = ".o_form_view div[name=registry_out_of_sync]";
const SCHEMA_LINK = ".nav-link:contains(Request Schema)";
const SCHEMA_TAB = `.o_form_view .o_notebook ${SCHEMA_LINK}`;
const NO_SCHEMA_TAB = `.o_form_view .o_notebook:not(:has(${SCHEMA_LINK}))`;

function pickOption(name, label) {
    return [
        {
            content: `Open the ${name} options`,
            trigger: `${field(name)} input`,
            run: "click",
        },
        {
            content: `Pick ${label}`,
            trigger: `.o_select_menu_menu .o_select_menu_item:contains(/^${label}$/)`,
            run: "click",
        },
        {
            trigger: `${field(name)} input:value(/^${label}$/)`,
        },
    ];
}

/** Wait until the code editor of field ``name`` holds exactly ``text``. */
function codeIs(name, text, content) {
    const editor = `${field(name)} .ace_editor`;
    const value = () => {
        // Look the editor up each time: a re-render may replace it.
        const element = document.querySelector(editor);
        return element && window.ace.edit(element).getValue();
    };
    return {
        content: content || `The ${name} code editor holds ${text}`,
        trigger: editor,
        async run({ waitUntil }) {
            await waitUntil(() => value() === text, {
                timeout: 5000,
                message: () => `${name} holds ${JSON.stringify(value())}`,
            });
        },
    };
}

/** Type ``text`` into the code editor of field ``name``, as a user does. */
function typeCode(name, text) {
    return [
        {
            content: `Focus the ${name} code editor`,
            trigger: `${field(name)} .ace_editor .ace_content`,
            run: "click",
        },
        {
            content: "Select what the editor holds, to replace it",
            trigger: `${field(name)} .ace_editor.ace_focus textarea:not(:visible)`,
            run: "press Control+a",
        },
        {
            content: `Type into the ${name} code editor`,
            trigger: `${field(name)} .ace_editor.ace_focus textarea:not(:visible)`,
            run: `edit ${text}`,
        },
        codeIs(name, text),
    ];
}

function runAction(label) {
    return [
        {
            content: "Open the action (gear) menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: `Run ${label}`,
            trigger: `.o-dropdown--menu .o_menu_item:contains(/^\\s*${label}\\s*$/)`,
            run: "click",
        },
    ];
}

function saveForm() {
    return [
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_renderer.o_form_saved",
        },
    ];
}

/** Assert from the browser that ``route`` answers ``status``. */
function expectStatus(route, status) {
    return {
        content: `${route} answers ${status}`,
        trigger: ".o_form_view .o_form_renderer.o_form_saved",
        async run() {
            const response = await fetch(route);
            if (response.status !== status) {
                throw new Error(`${route} answered ${response.status}, expected ${status}`);
            }
        },
    };
}

tours.add("endpoint_tour_create_and_sync", {
    steps: () => [
        {
            content: "Create an endpoint from the list",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: `${field("name")} input`,
            run: "edit Tour hello",
        },
        {
            trigger: `${field("route")} input`,
            run: "edit /tour/hello",
        },
        {
            content: "A new endpoint answers GET unless told otherwise",
            trigger: `${field("request_method")} input:value(/^GET$/)`,
        },
        {
            content: "Nobody to run as yet",
            trigger: `${field("exec_as_user_id")} input:value(/^$/)`,
        },
        ...pickOption("auth_type", "Public"),
        {
            content: "Public proposes the current user to run as",
            trigger: `${field("exec_as_user_id")} input:value(Mitchell Admin)`,
        },
        {
            content: "Still editable: pick a user with fewer rights",
            trigger: `${field("exec_as_user_id")} input`,
            run: "edit Tour API user",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour API user)",
            run: "click",
        },
        {
            trigger: `${field("exec_as_user_id")} input:value(Tour API user)`,
        },
        ...typeCode("code_snippet", 'result = {"payload": {"hello": "tour", "as": user.login}}'),
        ...saveForm(),
        {
            content: "The new endpoint is not live yet",
            trigger: `${OUT_OF_SYNC}:contains(Registry out of sync)`,
        },
        {
            content: "The form shows the full URL",
            trigger: `${field("endpoint_url")}:contains(/tour/hello)`,
        },
        {
            content: "The copy button hands the full URL to the clipboard",
            trigger: `${field("endpoint_url")} button.o_clipboard_button`,
            async run({ anchor, click }) {
                // Headless Chromium denies the real clipboard: catch the text.
                const copied = [];
                navigator.clipboard.writeText = async (text) => copied.push(text);
                try {
                    await click();
                } finally {
                    delete navigator.clipboard.writeText;
                }
                const shown = anchor.closest(".o_field_widget").textContent.trim();
                if (
                    copied.length !== 1 ||
                    copied[0] !== shown ||
                    !/^https?:\/\/[^/]+\/tour\/hello$/.test(shown)
                ) {
                    throw new Error(`copied ${JSON.stringify(copied)}, shown ${shown}`);
                }
            },
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Endpoints)",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour hello)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour already live)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains(To sync)",
            run: "click",
        },
        {
            content: "To sync lists the new endpoint, not the published one",
            trigger: [
                ".o_list_view:has(.o_data_row:contains(Tour hello))",
                ":not(:has(.o_data_row:contains(Tour already live)))",
            ].join(""),
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour hello) td[name=name]",
            run: "click",
        },
        {
            trigger: `${OUT_OF_SYNC}:contains(Registry out of sync)`,
        },
        {
            content: "The warning names the gear menu",
            trigger: `${OUT_OF_SYNC}:contains(gear menu) i.fa-cog`,
        },
        ...runAction("Sync registry"),
        {
            content: "The form confirms the sync",
            trigger: ".o_notification:contains(Registry synced):contains(/tour/hello)",
        },
        {
            content: "Synced: the warning is gone",
            trigger: `.o_form_view .o_form_renderer.o_form_saved:not(:has(div[name=registry_out_of_sync]))`,
        },
        {
            trigger: `${field("name")} input:value(Tour hello)`,
        },
    ],
});

tours.add("endpoint_tour_request_schema", {
    steps: () => [
        {
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: `${field("name")} input`,
            run: "edit Tour JSON",
        },
        {
            trigger: `${field("route")} input`,
            run: "edit /tour/json",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link:contains(/^Code$/)",
            run: "click",
        },
        ...typeCode("code_snippet", 'result = {"payload": request.get_json_data()}'),
        ...pickOption("request_method", "POST"),
        {
            content: "POST without a content type: no schema",
            trigger: NO_SCHEMA_TAB,
        },
        ...pickOption("request_content_type", "JSON"),
        {
            content: "POST with JSON: the schema tab shows",
            trigger: SCHEMA_TAB,
        },
        ...pickOption("request_method", "GET"),
        {
            content: "GET: no schema",
            trigger: NO_SCHEMA_TAB,
        },
        ...pickOption("request_method", "PUT"),
        {
            content: "PUT with JSON: the schema tab is back",
            trigger: SCHEMA_TAB,
            run: "click",
        },
        ...typeCode("request_content_schema", '{"type": 12}'),
        {
            content: "Save an invalid schema",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The error says what is wrong",
            trigger: ".modal:contains(the request schema is invalid)",
        },
        {
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_form_view .o_form_renderer.o_form_dirty",
        },
        codeIs("request_content_schema", '{"type": 12}', "The user's input is kept"),
        ...typeCode("request_content_schema", '{"type": "object", "required": ["name"]}'),
        ...saveForm(),
        ...pickOption("request_content_type", "XML"),
        {
            trigger: `${SCHEMA_TAB}.active`,
        },
        codeIs("request_content_schema", "", "Another content type clears the schema"),
        ...saveForm(),
    ],
});

tours.add("endpoint_tour_archive", {
    steps: () => [
        {
            trigger: `${field("name")} input:value(Tour archive)`,
        },
        expectStatus("/tour/archive", 200),
        ...runAction("Archive"),
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary:contains(Archive)",
            run: "click",
        },
        {
            content: "Archived: ribbon, and nothing to sync",
            trigger: `.o_form_view .o_form_renderer.o_form_saved:has(.ribbon:contains(Archived)):not(:has(div[name=registry_out_of_sync]))`,
        },
        {
            content: "The route is off the air at once",
            ...expectStatus("/tour/archive", 404),
        },
    ],
});

tours.add("endpoint_tour_unarchive", {
    steps: () => [
        {
            trigger: `.o_form_view .ribbon:contains(Archived)`,
        },
        ...runAction("Unarchive"),
        {
            content: "Unarchived: no ribbon, and nothing to sync",
            trigger: `.o_form_view .o_form_renderer.o_form_saved:not(:has(.ribbon)):not(:has(div[name=registry_out_of_sync]))`,
        },
        {
            content: "The route is back at once",
            ...expectStatus("/tour/archive", 200),
        },
    ],
});

tours.add("endpoint_tour_limits", {
    steps: () => [
        {
            trigger: `${field("name")} input:value(Tour limited)`,
        },
        {
            content: "Open the Limits tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Limits)",
            run: "click",
        },
        {
            content: "No rate limit: no period to fill in",
            trigger:
                ".o_form_view .tab-pane.active:has(.o_field_widget[name=rate_limit_count])" +
                ":not(:has(.o_field_widget[name=rate_limit_period]))",
        },
        {
            content: "Two calls per period",
            trigger: `${field("rate_limit_count")} input`,
            run: "edit 2",
        },
        {
            content: "Leave the field",
            trigger: ".o_form_view .tab-pane.active .o_horizontal_separator:contains(Who may call)",
            run: "click",
        },
        {
            content: "The period shows, a minute by default",
            trigger: `${field("rate_limit_period")} input:value(60)`,
        },
        ...saveForm(),
        ...runAction("Sync registry"),
        {
            content: "Synced",
            trigger: `.o_form_view .o_form_renderer.o_form_saved:not(:has(${OUT_OF_SYNC.split(" ")[1]}))`,
        },
        expectStatus("/tour/limited", 200),
        expectStatus("/tour/limited", 200),
        {
            content: "The third call of the minute is refused",
            ...expectStatus("/tour/limited", 429),
        },
    ],
});
