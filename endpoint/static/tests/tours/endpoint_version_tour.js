// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// An admin compares the draft with the live version, then restores the first
// version as the draft. Driven by tests/test_endpoint_version_ui.py.
import { registry } from "@web/core/registry";

const SAVED = ".o_form_view .o_form_renderer.o_form_saved";

registry.category("web_tour.tours").add("endpoint_version_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour versions)",
        },
        {
            content: "Open the Versions tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Versions)",
            run: "click",
        },
        {
            content: "Both published versions are listed",
            trigger: ".o_field_widget[name=version_ids] .o_data_row:eq(1)",
        },
        {
            content: "Compare the draft with the live version",
            trigger: ".o_form_view button[name=action_diff_live]",
            run: "click",
        },
        {
            content: "The snippet's change is shown as a line diff",
            trigger: ".modal .o_endpoint_version_diff pre:contains(+result = {'payload': 'draft'})",
        },
        {
            content: "Close the comparison",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "Restore version 1",
            trigger:
                ".o_field_widget[name=version_ids] .o_data_row:has(td[name=number]:contains(/^1$/)) button[name=action_restore]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button:contains(Ok)",
            run: "click",
        },
        {
            content: "Restored as a draft: out of sync until the next sync",
            trigger: `${SAVED}:has(div[name=registry_out_of_sync])`,
        },
        {
            content: "The first version's snippet is the draft again",
            trigger: ".o_form_view .nav-link:contains(/^Code$/)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=code_snippet]:contains(version one)",
        },
    ],
});
