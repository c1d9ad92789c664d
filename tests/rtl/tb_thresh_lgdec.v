`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/thresh_lgdec.v, thresh's lead-generator decisions (a hierarchy of its own
// for timing; tb_thresh runs it inside its parent). All 32 input combinations are checked
// against the rule of rtl/thresh.v's Purpose block, written here as a case analysis in the
// lead generator's own terms (idle step, outside a row, inside a row with input, the W/2 - 1
// steps after the row's last pixel that repeat it), then the properties thresh relies on:
// nothing is taken without a token, nothing taken is lost (a taken token always enters
// stage 0), a lead step always enters stage 0, inside a row every item is a lead step, and the
// repeat steps after the row's last pixel never take input.
module tb_thresh_lgdec;
    reg  gap_z = 0, in_row = 0, j_lt_w = 0, s_valid = 0, s_pix = 0;
    wire take_pre, valid_pre, lead_pre;
    thresh_lgdec dut (
        .gap_z(gap_z), .in_row(in_row), .j_lt_w(j_lt_w), .s_valid(s_valid), .s_pix(s_pix),
        .take_pre(take_pre), .valid_pre(valid_pre), .lead_pre(lead_pre));

    integer v, errors, rows, passed = 0, failed = 0;
    reg e_take, e_valid, e_lead;

    initial begin
        errors = 0;
        rows = 0;
        for (v = 0; v < 32; v = v + 1) begin
            {gap_z, in_row, j_lt_w, s_valid, s_pix} = v[4:0];
            #1;
            rows = rows + 1;
            if (!gap_z) begin
                // an idle step after a row (column RAM read-after-write): nothing moves
                e_take = 0; e_valid = 0; e_lead = 0;
            end else if (!in_row) begin
                // between rows: a waiting token is taken and enters stage 0; a PIX token
                // starts a row (its first lead step), any other token passes through
                e_take = s_valid; e_valid = s_valid; e_lead = s_valid && s_pix;
            end else if (j_lt_w) begin
                // inside the row, the lead step needs the next input pixel: it waits for it
                e_take = s_valid; e_valid = s_valid; e_lead = s_valid;
            end else begin
                // past the row's last pixel: the step repeats it, taking no input
                e_take = 0; e_valid = 1; e_lead = 1;
            end
            if (take_pre !== e_take || valid_pre !== e_valid || lead_pre !== e_lead) begin
                errors = errors + 1;
                $display("  gap_z %b in_row %b j_lt_w %b s_valid %b s_pix %b: take %b valid %b lead %b, want %b %b %b",
                         gap_z, in_row, j_lt_w, s_valid, s_pix, take_pre, valid_pre, lead_pre,
                         e_take, e_valid, e_lead);
            end
        end
        if (rows != 32) errors = errors + 1;   // every row was checked
        $display("%s thresh_lgdec decisions: %0d combinations, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", rows, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        errors = 0;
        for (v = 0; v < 32; v = v + 1) begin
            {gap_z, in_row, j_lt_w, s_valid, s_pix} = v[4:0];
            #1;
            if (take_pre && !s_valid) errors = errors + 1;          // nothing to take
            if (take_pre && !valid_pre) errors = errors + 1;        // a taken token is lost
            if (lead_pre && !valid_pre) errors = errors + 1;        // a lead step is lost
            if (in_row && valid_pre && !lead_pre) errors = errors + 1;  // row items are leads
            if (in_row && !j_lt_w && take_pre) errors = errors + 1; // repeat steps take nothing
            if (!gap_z && (take_pre || valid_pre || lead_pre)) errors = errors + 1;
        end
        $display("%s thresh_lgdec properties: %0d errors", errors != 0 ? "FAIL" : "ok  ", errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_thresh_lgdec failed");
        $finish;
    end
endmodule
`default_nettype wire
