`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/ccl_fastdec.v, ccl's decisions for a pixel waiting in IDLE (a hierarchy of
// its own for timing; tb_ccl runs it inside its parent). Every input combination is checked
// (1024, less those where the token is background and ink at once, which ccl cannot produce)
// against the rules of docs/BOARD.md section 3, written here as ccl's case analysis:
//   - nothing is decided unless the machine is in IDLE, a token waits and labelling is on;
//   - a background pixel is finished at once, unless the previous row's run ends at x - 1
//     (nw != 0, n == 0) and x - 1 of this row is background too (left == 0): then the
//     completion test of 3.2 starts (a find, returning to RET_CHK);
//   - an ink pixel with left != 0: a = left; if n == 0 and ne != 0 there is a second
//     neighbour b = find(ne) (a find, RET_B), else the pixel continues left's run at once;
//   - an ink pixel with left == 0: a = find(nw or n) when either is set (a find, RET_A), else
//     b = find(ne) when ne is set (a find, RET_B), else a new label (P_CASE);
//   - a pixel finished at once on the row's last column goes to the end-of-row step (RE0).
// The inputs pn_nz, pne_nz and s_ne_nz are nw, n and ne after the shift (see the ports).
// Then the properties ccl relies on: a taken token has exactly one of the outcomes, the three
// next-state terms are mutually exclusive, and fret_idle does not depend on st_idle, s_valid
// and lab_ok (ccl loads it in every IDLE cycle).
module tb_ccl_fastdec;
    reg  st_idle = 0, s_valid = 0, lab_ok = 0, bg = 0, ink = 0, left = 0, nw = 0, n = 0,
         ne = 0, eol = 0;
    wire cand_acc, cand_bg, cand_run, cand_chk, sl_left, sl_a, sl_ne, sl_new;
    wire go_f1, go_case, go_re0;
    wire [1:0] fret_idle;
    ccl_fastdec dut (
        .st_idle(st_idle), .s_valid(s_valid), .lab_ok(lab_ok), .s_plx_bg(bg),
        .s_plx_ink(ink), .left_nz(left), .pn_nz(nw), .pne_nz(n), .s_ne_nz(ne), .s_eol(eol),
        .cand_acc(cand_acc), .cand_bg(cand_bg), .cand_run(cand_run), .cand_chk(cand_chk),
        .sl_left(sl_left), .sl_a(sl_a), .sl_ne(sl_ne), .sl_new(sl_new), .go_f1(go_f1),
        .go_case(go_case), .go_re0(go_re0), .fret_idle(fret_idle));

    localparam [1:0] RET_A = 2'd0, RET_B = 2'd1, RET_CHK = 2'd2;   // rtl/ccl.v's codes
    integer v, errors, perr, ncomb, passed = 0, failed = 0, nout;
    reg go, e_acc, e_bg, e_run, e_chk, e_left, e_a, e_ne, e_new, e_f1, e_case, e_re0, finds;
    reg [1:0] e_ret;
    reg [8:0] got, want;

    initial begin
        errors = 0; perr = 0; ncomb = 0;
        for (v = 0; v < 1024; v = v + 1) begin
            {st_idle, s_valid, lab_ok, bg, ink, left, nw, n, ne, eol} = v[9:0];
            #1;
            if (!(bg && ink)) begin
                ncomb = ncomb + 1;
                go = st_idle && s_valid && lab_ok;
                e_acc = 0; e_bg = 0; e_run = 0; e_chk = 0; e_left = 0; e_a = 0; e_ne = 0;
                e_new = 0; finds = 0; e_ret = 2'bxx;
                if (bg) begin
                    e_bg = go;
                    if (nw && !n && !left) begin
                        e_chk = go; finds = 1; e_ret = RET_CHK;
                    end
                end else if (ink) begin
                    if (left) begin
                        if (!n && ne) begin
                            e_left = go; finds = 1; e_ret = RET_B;
                        end else
                            e_run = go;
                    end else if (nw || n) begin
                        e_a = go; finds = 1; e_ret = RET_A;
                    end else if (ne) begin
                        e_ne = go; finds = 1; e_ret = RET_B;
                    end else
                        e_new = go;
                end
                e_acc = go && (bg || ink);
                e_f1 = e_chk || e_left || e_a || e_ne;
                e_case = e_new;
                e_re0 = eol && (e_run || (e_bg && !e_chk));
                got = {cand_acc, cand_bg, cand_run, cand_chk, sl_left, sl_a, sl_ne, sl_new, 1'b0};
                want = {e_acc, e_bg, e_run, e_chk, e_left, e_a, e_ne, e_new, 1'b0};
                if (got !== want || {go_f1, go_case, go_re0} !== {e_f1, e_case, e_re0} ||
                    (finds && fret_idle !== e_ret)) begin
                    errors = errors + 1;
                    if (errors <= 10)
                        $display("  idle %b valid %b lab %b bg %b ink %b left %b nw %b n %b ne %b eol %b: acc,bg,run,chk,left,a,ne,new %b go %b ret %0d, want %b %b %0d",
                                 st_idle, s_valid, lab_ok, bg, ink, left, nw, n, ne, eol,
                                 got[8:1], {go_f1, go_case, go_re0}, fret_idle, want[8:1],
                                 {e_f1, e_case, e_re0}, e_ret);
                end
                // properties
                nout = (cand_bg && !cand_chk) + cand_run + cand_chk + sl_left + sl_a + sl_ne +
                       sl_new;
                if (nout != (cand_acc ? 1 : 0)) perr = perr + 1;   // one outcome per token
                if (go_f1 + go_case + go_re0 > 1) perr = perr + 1;  // one next state
                if ((go_f1 || go_case || go_re0) && !cand_acc) perr = perr + 1;
                if (finds && fret_idle !== e_ret) perr = perr + 1;  // also when go is 0
            end
        end
        if (ncomb != 768) errors = errors + 1;   // every legal combination was checked
        $display("%s ccl_fastdec decisions: %0d combinations, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", ncomb, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;
        $display("%s ccl_fastdec properties (one outcome, one next state, fret_idle without go): %0d errors",
                 perr != 0 ? "FAIL" : "ok  ", perr);
        if (perr != 0) failed = failed + 1; else passed = passed + 1;

        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_ccl_fastdec failed");
        $finish;
    end
endmodule
`default_nettype wire
