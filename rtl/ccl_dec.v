`default_nettype none
// Purpose: ccl's decisions for the pixel stage, from registers only, except the output
// stage's state (ofree), which ccl ANDs in last. Kept as a hierarchy of its own (synthesis
// does not flatten it), so the logic optimiser cannot fold the late ofree into these terms:
// each of ccl's enables is then a LUT or two after ofree (timing).
(* keep_hierarchy *)
module ccl_dec (
    input  wire st_idle,    // the pixel stage is in IDLE
    input  wire re_pend,    // the row's last pixel is done (the end of row comes first)
    input  wire blank,      // the blank row runs (its pixels need no token)
    input  wire primed,     // the window holds column 0 of the row
    input  wire qv,         // the feeder's queue holds the next column's root
    input  wire s_valid,    // a token waits in the input stage
    input  wire s_lab,      // ... a PIX token to label
    input  wire lab_ok,     // labelling on and not truncated
    input  wire s_ink,      // ... the token's pixel is ink
    input  wire left_nz,    // this row's pixel x - 1 is ink
    input  wire nw_nz,      // the previous row's pixel x - 1 is ink
    input  wire n_nz,       // ... x
    input  wire ne_nz,      // ... x + 1
    output wire t_prime,    // the window takes column 0 (no output needed)
    output wire t_acc_b,    // a blank-row pixel is labelled (no output needed)
    output wire t_acc_t,    // a token's pixel is labelled and passed on (with ofree)
    output wire t_pass,     // a token is passed on unlabelled (with ofree)
    // what the pixel being labelled is (meaningful with t_acc_b or t_acc_t)
    output wire c_ink,      // ink
    output wire c_chk,      // background after background under the end of a previous-row
                            // run: the completion test
    output wire c_run,      // ink continuing left's run, no second component
    output wire c_lmerge,   // ink continuing left's run, a component at ne (n background)
    output wire c_new,      // ink, no neighbour: a new label
    output wire c_join      // ink starting a run next to a component (maybe two: a merge)
);
    wire ready = st_idle && !re_pend;
    wire tok_lab = s_valid && s_lab && lab_ok;
    assign t_prime = ready && !primed && qv && (blank || tok_lab);
    assign t_acc_b = ready && blank && primed && qv;
    assign t_acc_t = ready && !blank && primed && qv && tok_lab;
    assign t_pass = ready && !blank && s_valid && !(s_lab && lab_ok);
    assign c_ink = !blank && s_ink;
    assign c_chk = !c_ink && !left_nz && nw_nz && !n_nz;
    assign c_run = c_ink && left_nz && (n_nz || !ne_nz);
    assign c_lmerge = c_ink && left_nz && !n_nz && ne_nz;
    assign c_new = c_ink && !left_nz && !nw_nz && !n_nz && !ne_nz;
    assign c_join = c_ink && !left_nz && (nw_nz || n_nz || ne_nz);
endmodule
`default_nettype wire
