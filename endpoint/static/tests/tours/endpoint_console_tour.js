// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// An admin tries the draft of an endpoint in the test console, then the live
// version; and replays a logged call. Driven by tests/test_endpoint_console_ui.py.
import { registry } from "@web/core/registry";

const CONSOLE = ".modal .o_form_view";

registry.category("web_tour.tours").add("endpoint_console_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour console)",
        },
        {
            content: "Open the test console",
            trigger: ".o_form_view .o_form_statusbar button[name=action_open_console]",
            run: "click",
        },
        {
            content: "The console says a draft run is a dry run",
            trigger: `${CONSOLE} div[name=dry_run_note]`,
        },
        {
            content: "Send the request to the draft",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The draft answered, with its log() line",
            trigger: `${CONSOLE}:has(.o_field_widget[name=log_lines]:contains(INFO: draft ran)) .o_field_widget[name=response_body]:contains("draft")`,
        },
        {
            trigger: `${CONSOLE} .o_field_widget[name=status]:contains(200)`,
        },
        {
            content: "Switch to the live version",
            trigger: `${CONSOLE} .o_field_widget[name=target] input[data-value=live]`,
            run: "click",
        },
        {
            content: "Send it again",
            trigger: `${CONSOLE} div[name=live_note]`,
            run() {
                document.querySelector(".modal button[name=action_send]").click();
            },
        },
        {
            content: "The live version answered",
            trigger: `${CONSOLE} .o_field_widget[name=response_body]:contains("published")`,
        },
        {
            content: "Close the console",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("endpoint_replay_tour", {
    steps: () => [
        {
            content: "Replay the logged call",
            trigger: ".o_form_view .o_form_statusbar button[name=action_replay]",
            run: "click",
        },
        {
            content: "The console has the call's request, the masked header empty",
            trigger: `${CONSOLE} .o_field_widget[name=query_string] input:value(from=replay)`,
        },
        {
            trigger: `${CONSOLE} .o_field_widget[name=request_headers] textarea:value(/Authorization: \\nX-Trace: abc/)`,
        },
        {
            content: "Fill the masked header and send",
            trigger: `${CONSOLE} .o_field_widget[name=request_headers] textarea`,
            async run(helpers) {
                await helpers.edit("Authorization: secret-again\nX-Trace: abc");
            },
        },
        {
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The answer shows what the endpoint got",
            trigger: `${CONSOLE} .o_field_widget[name=response_body]:contains(secret-again)`,
        },
    ],
});
