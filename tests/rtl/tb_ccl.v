`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/ccl.v against an independent labelling (minimum-label propagation to a
// fixed point, 8-connected) on random masks, in three modes: no stalls, random source gaps,
// random sink backpressure. Checks that every PIX token passes, that the REC tokens are
// exactly the components (box, ink, edges) that pass the filter, in non-decreasing y1, and
// that END carries the found count.
module tb_ccl;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;
    reg  [11:0] cfg_width = 12'd8, cfg_height = 12'd8;
    reg  [15:0] min_w = 1, max_w = 16'hFFFF, min_h = 1, max_h = 16'hFFFF;
    reg         s_valid = 0, s_ink = 0, s_eol = 0, s_lbl = 1, m_ready = 1;
    reg  [2:0]  s_kind = 0;
    reg  [10:0] s_x = 0, s_y = 0;
    reg  [4:0]  s_flags = 0;
    wire        s_ready, m_valid, m_ink;
    wire [2:0]  m_kind;
    wire [7:0]  m_pix;
    wire [10:0] m_x, m_y, rx0, ry0, rx1, ry1;
    wire [4:0]  m_flags;
    wire [15:0] m_found, rink;
    wire [8:0]  rlabel;
    wire [3:0]  redges;
    ccl dut (
        .clk(clk), .rst(rst), .cfg_width(cfg_width), .cfg_height(cfg_height),
        .cfg_enable(1'b1), .cfg_min_w(min_w), .cfg_max_w(max_w), .cfg_min_h(min_h),
        .cfg_max_h(max_h),
        .in_valid(s_valid), .in_ready(s_ready), .in_kind(s_kind), .in_pix(8'd0), .in_ink(s_ink),
        .in_x(s_x), .in_y(s_y), .in_eol(s_eol), .in_lbl(s_lbl), .in_flags(s_flags),
        .m_valid(m_valid), .m_ready(m_ready), .m_kind(m_kind), .m_pix(m_pix), .m_ink(m_ink),
        .m_x(m_x), .m_y(m_y), .m_flags(m_flags), .m_found(m_found),
        .m_rx0(rx0), .m_ry0(ry0), .m_rx1(rx1), .m_ry1(ry1), .m_rink(rink),
        .m_rlabel(rlabel), .m_redges(redges));

    localparam MAXN = 2048;
    reg  mask [0:MAXN-1];
    integer lab [0:MAXN-1];
    integer cx0 [0:MAXN-1], cy0 [0:MAXN-1], cx1 [0:MAXN-1], cy1 [0:MAXN-1], cink [0:MAXN-1];
    reg     used [0:MAXN-1];
    integer W, H, ncomp, npass, nrec, npix, found, ended, errors, last_y1;
    integer x, y, i, j, dx, dy, q, changed, mode, run, passed = 0, failed = 0, hit;

    task reference;
        begin
            for (i = 0; i < W * H; i = i + 1)
                lab[i] = mask[i] ? i + 1 : 0;
            changed = 1;
            while (changed != 0) begin
                changed = 0;
                for (y = 0; y < H; y = y + 1)
                    for (x = 0; x < W; x = x + 1)
                        if (mask[y * W + x])
                            for (dy = -1; dy <= 1; dy = dy + 1)
                                for (dx = -1; dx <= 1; dx = dx + 1)
                                    if (x + dx >= 0 && x + dx < W && y + dy >= 0 && y + dy < H) begin
                                        q = (y + dy) * W + x + dx;
                                        if (mask[q] && lab[q] < lab[y * W + x]) begin
                                            lab[y * W + x] = lab[q];
                                            changed = 1;
                                        end
                                    end
            end
            ncomp = 0;
            npass = 0;
            for (i = 0; i < W * H; i = i + 1)
                if (mask[i] && lab[i] == i + 1) begin
                    cx0[ncomp] = W; cy0[ncomp] = H; cx1[ncomp] = -1; cy1[ncomp] = -1;
                    cink[ncomp] = 0;
                    for (j = 0; j < W * H; j = j + 1)
                        if (mask[j] && lab[j] == i + 1) begin
                            if (j % W < cx0[ncomp]) cx0[ncomp] = j % W;
                            if (j % W > cx1[ncomp]) cx1[ncomp] = j % W;
                            if (j / W < cy0[ncomp]) cy0[ncomp] = j / W;
                            if (j / W > cy1[ncomp]) cy1[ncomp] = j / W;
                            cink[ncomp] = cink[ncomp] + 1;
                        end
                    used[ncomp] = 0;
                    if (cx1[ncomp] - cx0[ncomp] + 1 >= min_w && cx1[ncomp] - cx0[ncomp] + 1 <= max_w &&
                        cy1[ncomp] - cy0[ncomp] + 1 >= min_h && cy1[ncomp] - cy0[ncomp] + 1 <= max_h)
                        npass = npass + 1;
                    else
                        used[ncomp] = 1;   // filtered: must not be reported
                    ncomp = ncomp + 1;
                end
        end
    endtask

    // sink: at each falling edge choose ready for the coming rising edge, and take the token
    // that this rising edge will transfer
    always @(negedge clk) begin
        if (!rst)
            m_ready = mode == 2 ? ($urandom % 3 != 0) : 1'b1;
        if (!rst && m_valid && m_ready) begin
            if (m_kind == 3'd0) npix = npix + 1;
            if (m_kind == 3'd2) begin
                ended = 1;
                found = m_found;
                if (m_flags[1]) errors = errors + 1;   // truncated
            end
            if (m_kind == 3'd4) begin
                nrec = nrec + 1;
                if (ry1 < last_y1) errors = errors + 1;
                last_y1 = ry1;
                hit = 0;
                for (i = 0; i < ncomp && hit == 0; i = i + 1)
                    if (!used[i] && cx0[i] == rx0 && cy0[i] == ry0 && cx1[i] == rx1 &&
                        cy1[i] == ry1 && cink[i] == rink &&
                        redges == {cy1[i] == H - 1, cy0[i] == 0, cx1[i] == W - 1, cx0[i] == 0}) begin
                        used[i] = 1;
                        hit = 1;
                    end
                if (hit == 0) begin
                    if (errors < 4)
                        $display("  record (%0d,%0d)-(%0d,%0d) ink %0d matches nothing", rx0, ry0,
                                 rx1, ry1, rink);
                    errors = errors + 1;
                end
            end
        end
    end

    task send(input [2:0] kind, input ink, input [10:0] xx, input [10:0] yy, input eol);
        begin
            // stimulus changes at falling edges; the design samples at rising edges
            while (mode == 1 && $urandom % 3 == 0)
                @(negedge clk);
            s_valid = 1; s_kind = kind; s_ink = ink; s_x = xx; s_y = yy; s_eol = eol;
            #1;   // let the design's combinational ready settle
            while (!s_ready) begin
                @(negedge clk);
                #1;
            end
            @(negedge clk);   // transferred at the rising edge in between
            s_valid = 0;
        end
    endtask

    initial begin
        for (mode = 0; mode < 3; mode = mode + 1)
            for (run = 0; run < 8; run = run + 1) begin
                W = 1 + $urandom % 40;
                H = 1 + $urandom % 24;
                for (i = 0; i < W * H; i = i + 1)
                    mask[i] = ($urandom % 100) < 20 + 10 * (run % 5);
                if (run == 7)   // a spiral-ish frame: rings open on one side
                    for (i = 0; i < W * H; i = i + 1)
                        mask[i] = ((i % W) % 4 == 0) || ((i / W) % 4 == 0 && (i % W) > 1);
                min_w <= run == 3 ? 2 : 1;
                max_w <= run == 3 ? 6 : 16'hFFFF;
                min_h <= run == 4 ? 2 : 1;
                max_h <= run == 4 ? 3 : 16'hFFFF;
                cfg_width <= W[11:0];
                cfg_height <= H[11:0];
                @(posedge clk);
                reference;
                errors = 0; nrec = 0; npix = 0; ended = 0; found = -1; last_y1 = 0;
                rst <= 1;
                repeat (2) @(posedge clk);
                rst <= 0;
                @(negedge clk);
                send(3'd1, 1'b0, 11'd0, 11'd0, 1'b0);
                for (y = 0; y < H; y = y + 1)
                    for (x = 0; x < W; x = x + 1)
                        send(3'd0, mask[y * W + x], x[10:0], y[10:0], x == W - 1);
                send(3'd2, 1'b0, 11'd0, 11'd0, 1'b0);
                i = 0;
                while (ended == 0 && i < 100000) begin
                    @(posedge clk);
                    i = i + 1;
                end
                if (ended == 0 || nrec != npass || found != ncomp || npix != W * H)
                    errors = errors + 1;
                $display("%s ccl mode %0d: %0dx%0d: %0d components (%0d pass), %0d records, found %0d, %0d errors",
                         errors != 0 ? "FAIL" : "ok  ", mode, W, H, ncomp, npass, nrec, found,
                         errors);
                if (errors != 0) failed = failed + 1; else passed = passed + 1;
            end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_ccl failed");
        $finish;
    end
endmodule
`default_nettype wire
