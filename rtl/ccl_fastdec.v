`default_nettype none
// Purpose: ccl's decisions for a token waiting in its input stage while the machine is in IDLE,
// from registers only, except the output stage's state (ofree), which ccl ANDs in. Kept as a
// hierarchy of its own (synthesis does not flatten it), so the logic optimiser cannot fold the
// late ofree into these terms: in ccl each decision is then one LUT after ofree (timing).
// All outputs are for a PIX token to label with x != 0 (s_plx_*), labelling on (lab_ok).
(* keep_hierarchy *)
module ccl_fastdec (
    input  wire st_idle,    // the machine is in IDLE
    input  wire s_valid,    // a token waits in the input stage
    input  wire lab_ok,     // labelling on and not truncated
    input  wire s_plx_bg,   // the token: a PIX to label, x != 0, background
    input  wire s_plx_ink,  // the token: a PIX to label, x != 0, ink
    input  wire left_nz,    // left != 0
    input  wire pn_nz,      // p_n != 0 (the new nw)
    input  wire pne_nz,     // p_ne != 0 (the new n)
    input  wire s_ne_nz,    // the token's ne != 0
    input  wire s_eol,      // the token is the last pixel of its row
    output wire cand_acc,   // the token is taken by the fast path's first step (nw, n, ne shift)
    output wire cand_bg,    // ... background pixel, finished in this cycle
    output wire cand_run,   // ... ink pixel continuing left's run, no second neighbour
    output wire cand_chk,   // ... background after background, and the previous row's run
                            //     ends at x - 1 (the completion test)
    output wire sl_left,    // ... ink, left's run meets a component at ne (n background)
    output wire sl_a,       // ... ink, run start with nw or n
    output wire sl_ne,      // ... ink, run start with ne only
    output wire sl_new,     // ... ink, no neighbour: a new label
    // where the machine goes from IDLE (ccl ORs these into its next state, with ofree last)
    output wire go_f1,      // a find: cand_chk, sl_left, sl_a or sl_ne
    output wire go_case,    // sl_new
    output wire go_re0,     // cand_fend on the row's last pixel: the end of the row
    // the return code of the find that cand_chk, sl_left, sl_a or sl_ne starts (ccl's RET_*),
    // without st_idle, s_valid and lab_ok: ccl loads it in every IDLE cycle, so its f_ret does
    // not wait for the decision (timing); only meaningful when one of those terms holds
    output wire [1:0] fret_idle
);
    wire go = st_idle && s_valid && lab_ok;
    wire ink = go && s_plx_ink;
    // A run of the previous row ending at x - 1 can only have completed when neither x - 1
    // nor x of this row is ink: either would be 8-adjacent to its last pixel and would have
    // joined it (y1 = this row), so the test would fail; it is made only when it can succeed.
    wire n_chk = pn_nz && !pne_nz && !left_nz;
    assign cand_acc = go && (s_plx_bg || s_plx_ink);
    assign cand_bg = go && s_plx_bg;
    assign cand_run = ink && left_nz && (pne_nz || !s_ne_nz);
    assign cand_chk = cand_bg && n_chk;
    wire cand_fend = cand_run || (cand_bg && !n_chk);
    assign sl_left = ink && left_nz && !pne_nz && s_ne_nz;
    assign sl_a = ink && !left_nz && (pn_nz || pne_nz);
    assign sl_ne = ink && !left_nz && !pn_nz && !pne_nz && s_ne_nz;
    assign sl_new = ink && !left_nz && !pn_nz && !pne_nz && !s_ne_nz;
    wire chk_any = s_plx_bg && n_chk;
    wire a_any = s_plx_ink && !left_nz && (pn_nz || pne_nz);
    assign go_f1 = cand_chk || sl_left || sl_a || sl_ne;
    assign go_case = sl_new;
    assign go_re0 = cand_fend && s_eol;
    assign fret_idle = chk_any ? 2'd2 : (a_any ? 2'd0 : 2'd1);   // RET_CHK, RET_A, RET_B
endmodule
`default_nettype wire
