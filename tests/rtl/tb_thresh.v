`default_nettype none
`timescale 1ns/1ps
`include "alpr_defs.vh"
// Test bench of rtl/thresh.v against a behavioural evaluation of the formula in docs/BOARD.md
// section 2 (box sum with replicated edges, vertical state, comparison), on random frames and
// settings, in three modes: no stalls, random source gaps, random sink backpressure. Checks
// every output token (kind, pixel, ink, x, y, eol, lbl, flags) in order.
module tb_thresh;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;
    reg  [11:0] cfg_width = 12'd8;
    reg  [6:0]  cfg_window = 7'h24;
    reg  [8:0]  cfg_plane0 = 9'h046;
    reg         s_valid = 0, s_lbl = 0, m_ready = 1;
    reg  [2:0]  s_kind = 0;
    reg  [7:0]  s_pix = 0;
    reg  [10:0] s_y = 0;
    reg  [4:0]  s_flags = 0;
    wire        s_ready, m_valid, m_ink, m_eol, m_lbl;
    wire [2:0]  m_kind;
    wire [7:0]  m_pix;
    wire [10:0] m_x, m_y;
    wire [4:0]  m_flags;
    thresh dut (
        .clk(clk), .rst(rst), .cfg_width(cfg_width), .cfg_window(cfg_window),
        .cfg_plane0(cfg_plane0),
        .s_valid(s_valid), .s_ready(s_ready), .s_kind(s_kind), .s_ispix(s_kind == `TK_PIX),
        .s_pix(s_pix), .s_y(s_y),
        .s_lbl(s_lbl), .s_flags(s_flags),
        .m_valid(m_valid), .m_ready(m_ready), .m_kind(m_kind), .m_pix(m_pix), .m_ink(m_ink),
        .m_x(m_x), .m_y(m_y), .m_eol(m_eol), .m_lbl(m_lbl), .m_flags(m_flags));

    localparam MAXN = 4096;
    reg [7:0]  img [0:MAXN-1];
    // expected output tokens: {kind, pix, ink, x, y, eol, lbl, flags}
    reg [40:0] exp_tok [0:MAXN+7];
    integer nexp, ngot, errors, W, H, K, S, T, POL, PADROW, PADCOL;
    integer x, y, i, sum, hh, target, d, ink, mode, run, passed = 0, failed = 0;
    integer acc [0:2047];
    reg [31:0] r;

    function integer clampx(input integer v);
        clampx = v < 0 ? 0 : (v >= W ? W - 1 : v);
    endfunction

    task build_expected;
        begin
            nexp = 0;
            exp_tok[nexp] = {3'd1, 8'd0, 1'b0, 11'd0, 11'd0, 1'b0, 1'b0, 5'd0};
            nexp = nexp + 1;
            for (y = 0; y < H; y = y + 1)
                for (x = 0; x < W; x = x + 1) begin
                    sum = 0;
                    for (i = x - (1 << (K - 1)); i < x + (1 << (K - 1)); i = i + 1)
                        sum = sum + img[y * W + clampx(i)];
                    hh = sum >> K;
                    target = hh * 16;
                    if (y == 0)
                        acc[x] = target;
                    else begin
                        d = target - acc[x];
                        acc[x] = acc[x] + (d >>> S);
                    end
                    if (POL)
                        ink = img[y * W + x] * 4096 > (256 + T) * acc[x];
                    else
                        ink = img[y * W + x] * 4096 < (256 - T) * acc[x];
                    exp_tok[nexp] = {3'd0, img[y * W + x], ink[0], x[10:0], y[10:0],
                                     x == W - 1, !(y == PADROW && x >= PADCOL), 5'd0};
                    nexp = nexp + 1;
                end
            exp_tok[nexp] = {3'd2, 8'd0, 1'b0, 11'd0, 11'd0, 1'b0, 1'b0, 5'h19};
            nexp = nexp + 1;
        end
    endtask

    // sink: compare (x, y, eol, lbl only for PIX tokens; flags only for others)
    always @(negedge clk) if (!rst) begin
        m_ready = mode == 2 ? ($urandom % 3 != 0) : 1'b1;
        if (m_valid && m_ready) begin
        if (ngot >= nexp) errors = errors + 1;
        else if (m_kind != exp_tok[ngot][40:38]) errors = errors + 1;
        else if (m_kind == 3'd0 && {m_pix, m_ink, m_x, m_y, m_eol, m_lbl} !=
                 exp_tok[ngot][37:5]) begin
            if (errors < 5)
                $display("  pixel (%0d,%0d): got pix %0d ink %0d eol %0d lbl %0d, want %h",
                         m_x, m_y, m_pix, m_ink, m_eol, m_lbl, exp_tok[ngot]);
            errors = errors + 1;
        end else if (m_kind != 3'd0 && m_flags != exp_tok[ngot][4:0]) errors = errors + 1;
        ngot = ngot + 1;
        end
    end

    task send(input [2:0] kind, input [7:0] pix, input [10:0] yy, input lbl, input [4:0] fl);
        begin
            // stimulus changes at falling edges; the design samples at rising edges
            while (mode == 1 && $urandom % 3 == 0)
                @(negedge clk);
            s_valid = 1; s_kind = kind; s_pix = pix; s_y = yy; s_lbl = lbl; s_flags = fl;
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
            for (run = 0; run < 6; run = run + 1) begin
                r = $urandom;
                W = 1 + $urandom % 150;
                H = 1 + $urandom % 12;
                K = 2 + $urandom % 6;
                S = $urandom % 8;
                T = $urandom % 256;
                POL = $urandom % 2;
                PADROW = $urandom % H;
                PADCOL = $urandom % (W + 1);
                if (run == 0) PADCOL = W;
                for (i = 0; i < W * H; i = i + 1)
                    img[i] = (run % 2) ? $urandom : (i % W) * 4 + $urandom % 30;
                cfg_width <= W[11:0];
                cfg_window <= {S[2:0], K[3:0]};
                cfg_plane0 <= {POL[0], T[7:0]};
                build_expected;
                errors = 0; ngot = 0;
                rst <= 1;
                repeat (2) @(posedge clk);
                rst <= 0;
                @(negedge clk);
                send(3'd1, 8'd0, 11'd0, 1'b0, 5'd0);
                for (y = 0; y < H; y = y + 1)
                    for (x = 0; x < W; x = x + 1)
                        send(3'd0, img[y * W + x], y[10:0], !(y == PADROW && x >= PADCOL), 5'd0);
                send(3'd2, 8'd0, 11'd0, 1'b0, 5'h19);
                repeat (400) @(posedge clk);
                if (ngot != nexp) errors = errors + 1;
                $display("%s thresh mode %0d: %0dx%0d k=%0d s=%0d t=%0d pol=%0d: %0d/%0d tokens, %0d errors",
                         errors != 0 ? "FAIL" : "ok  ", mode, W, H, K, S, T, POL, ngot, nexp, errors);
                if (errors != 0) failed = failed + 1; else passed = passed + 1;
            end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_thresh failed");
        $finish;
    end
endmodule
`default_nettype wire
