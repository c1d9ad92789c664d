`default_nettype none
// Purpose: thresh's lead-generator decisions for the coming cycle, from registers only: whether
// a lead step or a passing token enters stage 0 and whether the input token is taken, all
// given that the pipeline advances. Kept as a hierarchy of its own (synthesis does not
// flatten it), so the logic optimiser cannot fold the late advance signal (the output's ready)
// into them: in thresh each enable is then one LUT after adv (timing).
(* keep_hierarchy *)
module thresh_lgdec (
    input  wire gap_z,      // no idle step is due (gap == 0)
    input  wire in_row,     // a row is in progress
    input  wire j_lt_w,     // the lead step is inside the row (j < w)
    input  wire s_valid,    // a token waits at the input
    input  wire s_pix,      // ... and it is a PIX token
    output wire take_pre,   // the input token is taken (s_ready when adv)
    output wire valid_pre,  // an item enters stage 0
    output wire lead_pre    // ... and it is a lead step (else a passing token)
);
    assign take_pre = gap_z && s_valid && (!in_row || j_lt_w);
    assign valid_pre = gap_z && (s_valid || (in_row && !j_lt_w));
    assign lead_pre = gap_z && (in_row ? (!j_lt_w || s_valid) : (s_valid && s_pix));
endmodule
`default_nettype wire
