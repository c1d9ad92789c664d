`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/ccl_dec.v, the decisions of ccl's pixel stage (a hierarchy of its own for
// timing; tb_ccl runs it inside its parent). All 8192 input combinations are checked against
// rules written here independently, as case analyses: what the stage does in the clock (take
// column 0 into the window, label a blank-row pixel, label a token's pixel, pass a token on
// unlabelled, or wait), from the stage's state and the input token; and what the pixel is,
// from docs/BOARD.md sections 3.1 (ink: continue left's run, maybe meeting a component at ne;
// start a run next to a component; or no neighbour, a new label) and 3.2 (the completion
// test, made by the RTL only for background after background under the end of a previous-row
// run). The pixel's class depends only on the pixel and its neighbourhood, so it is checked in
// every combination. Then the properties ccl relies on: at most one action per clock; nothing
// is taken unless the stage is idle with no end of row pending; an accepted ink pixel is in
// exactly one class, a background pixel in none; the completion test only on background; a
// token is never both labelled and passed; a blank-row pixel is never ink and needs no token.
module tb_ccl_dec;
    reg  st_idle = 0, re_pend = 0, blank = 0, primed = 0, qv = 0, s_valid = 0, s_lab = 0;
    reg  lab_ok = 0, s_ink = 0, left_nz = 0, nw_nz = 0, n_nz = 0, ne_nz = 0;
    wire t_prime, t_acc_b, t_acc_t, t_pass, c_ink, c_chk, c_run, c_lmerge, c_new, c_join;
    ccl_dec dut (
        .st_idle(st_idle), .re_pend(re_pend), .blank(blank), .primed(primed), .qv(qv),
        .s_valid(s_valid), .s_lab(s_lab), .lab_ok(lab_ok), .s_ink(s_ink), .left_nz(left_nz),
        .nw_nz(nw_nz), .n_nz(n_nz), .ne_nz(ne_nz),
        .t_prime(t_prime), .t_acc_b(t_acc_b), .t_acc_t(t_acc_t), .t_pass(t_pass),
        .c_ink(c_ink), .c_chk(c_chk), .c_run(c_run), .c_lmerge(c_lmerge), .c_new(c_new),
        .c_join(c_join));

    integer v, errors, rows, passed = 0, failed = 0;
    reg [2:0] n_cls, n_act;
    reg e_prime, e_acc_b, e_acc_t, e_pass;
    reg e_ink, e_chk, e_run, e_lmerge, e_new, e_join;
    reg acc;

    task set_inputs(input [12:0] k);
        {st_idle, re_pend, blank, primed, qv, s_valid, s_lab, lab_ok, s_ink, left_nz, nw_nz,
         n_nz, ne_nz} = k;
    endtask

    initial begin
        // 1. the actions of the clock
        errors = 0;
        rows = 0;
        for (v = 0; v < 8192; v = v + 1) begin
            set_inputs(v[12:0]);
            #1;
            rows = rows + 1;
            e_prime = 0; e_acc_b = 0; e_acc_t = 0; e_pass = 0;
            if (!st_idle || re_pend) begin
                // busy with a previous pixel, or the row's end comes first: nothing moves
            end else if (blank) begin
                // the blank row after the last: its pixels come from no token (tokens wait);
                // column 0 of the previous row enters the window first, then each pixel is
                // labelled; both need the queue to hold the next column's root
                if (!primed) e_prime = qv;
                else e_acc_b = qv;
            end else if (!s_valid) begin
                // no token and no blank row: nothing to do
            end else if (s_lab && lab_ok) begin
                // a PIX token to label: like the blank row's pixels, but from the token
                if (!primed) e_prime = qv;
                else e_acc_t = qv;
            end else begin
                // any other token (not PIX, not for labelling, labelling off or truncated)
                // goes on unlabelled: the window and queue play no part
                e_pass = 1;
            end
            if (t_prime !== e_prime || t_acc_b !== e_acc_b || t_acc_t !== e_acc_t ||
                t_pass !== e_pass) begin
                errors = errors + 1;
                $display("  inputs %b: prime %b acc_b %b acc_t %b pass %b, want %b %b %b %b",
                         v[12:0], t_prime, t_acc_b, t_acc_t, t_pass,
                         e_prime, e_acc_b, e_acc_t, e_pass);
            end
        end
        if (rows != 8192) errors = errors + 1;   // every row was checked
        $display("%s ccl_dec actions: %0d combinations, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", rows, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 2. what the pixel is
        errors = 0;
        rows = 0;
        for (v = 0; v < 8192; v = v + 1) begin
            set_inputs(v[12:0]);
            #1;
            rows = rows + 1;
            e_ink = 0; e_chk = 0; e_run = 0; e_lmerge = 0; e_new = 0; e_join = 0;
            if (blank) begin
                // the blank row has no ink, whatever the input token holds; completion is
                // tested as on any background pixel
                e_ink = 0;
            end else begin
                e_ink = s_ink;
            end
            if (e_ink) begin
                if (left_nz) begin
                    // left's label is a = left; b is the component at ne only when n is
                    // background (a ink n joins ne to n's component, itself 8-adjacent to
                    // left, so left's already)
                    if (!n_nz && ne_nz) e_lmerge = 1;   // a second component may meet a
                    else e_run = 1;                     // plain continuation of the run
                end else begin
                    // left is background: a run starts
                    if (!nw_nz && !n_nz && !ne_nz) e_new = 1;   // no neighbour: new label
                    else e_join = 1;                            // joins (maybe merges two)
                end
            end else begin
                // background: the previous row's run ends at c = x - 1 when nw is ink and n
                // background; the test is made only if x - 1 of this row is background too
                // (an ink x - 1 has joined that component, so it cannot be complete)
                if (!left_nz && nw_nz && !n_nz) e_chk = 1;
            end
            if (c_ink !== e_ink || c_chk !== e_chk || c_run !== e_run ||
                c_lmerge !== e_lmerge || c_new !== e_new || c_join !== e_join) begin
                errors = errors + 1;
                $display("  inputs %b: ink %b chk %b run %b lmerge %b new %b join %b, want %b %b %b %b %b %b",
                         v[12:0], c_ink, c_chk, c_run, c_lmerge, c_new, c_join,
                         e_ink, e_chk, e_run, e_lmerge, e_new, e_join);
            end
        end
        if (rows != 8192) errors = errors + 1;
        $display("%s ccl_dec pixel classes: %0d combinations, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", rows, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 3. the properties ccl relies on, over all inputs
        errors = 0;
        for (v = 0; v < 8192; v = v + 1) begin
            set_inputs(v[12:0]);
            #1;
            acc = t_acc_b || t_acc_t;
            n_cls = {2'b0, c_run} + {2'b0, c_lmerge} + {2'b0, c_new} + {2'b0, c_join};
            n_act = {2'b0, t_prime} + {2'b0, t_acc_b} + {2'b0, t_acc_t} + {2'b0, t_pass};
            // at most one action (each pops the queue or moves the token its own way)
            if (n_act > 3'd1) errors = errors + 1;
            if (t_acc_t && t_pass) errors = errors + 1;     // a token labelled and passed
            // nothing is taken while busy or before the end of row
            if ((!st_idle || re_pend) && (t_prime || acc || t_pass)) errors = errors + 1;
            // the window and pixels need the queue's next root; tokens need a token
            if ((t_prime || acc) && !qv) errors = errors + 1;
            if ((t_acc_t || t_pass) && !s_valid) errors = errors + 1;
            if (t_prime && primed) errors = errors + 1;     // column 0 taken once a row
            if (acc && !primed) errors = errors + 1;        // no pixel before its window
            // an accepted ink pixel is in exactly one class, a background pixel in none
            if (acc && c_ink && n_cls != 3'd1) errors = errors + 1;
            if (!c_ink && n_cls != 3'd0) errors = errors + 1;
            if (c_chk && c_ink) errors = errors + 1;        // completion test: background
            // the blank row: never ink, never takes or passes a token
            if (blank && (c_ink || t_acc_t || t_pass)) errors = errors + 1;
            // ... and needs no token: ready, primed and a queued root are enough
            if (blank && st_idle && !re_pend && primed && qv && !t_acc_b) errors = errors + 1;
            // a token is never lost: ready, outside the blank row, it moves or waits for
            // the window / queue (labelling) only
            if (st_idle && !re_pend && !blank && s_valid && !t_pass && !t_acc_t && !t_prime &&
                !((s_lab && lab_ok) && !qv)) errors = errors + 1;
        end
        $display("%s ccl_dec properties: %0d errors", errors != 0 ? "FAIL" : "ok  ", errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_ccl_dec failed");
        $finish;
    end
endmodule
`default_nettype wire
