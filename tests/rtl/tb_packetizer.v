`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/packetizer.v in three modes (no stalls, random source gaps, random sink
// backpressure): frames of START, rows of PIX tokens (GRAY8 window and MASK1 window), REC and
// END tokens go in; the bench parses the byte stream (sync, check byte, type, running seq,
// length, ROW prefix and pixels, COMP fields) and checks every tail's counts and its CRC-32
// against its own bitwise CRC of the frame's bytes.
module tb_packetizer;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;
    reg  [1:0]  mode_px = 2'd1;
    reg         s_valid = 0, s_ink = 0, m_ready = 1;
    reg  [2:0]  s_kind = 0;
    reg  [7:0]  s_pix = 0;
    reg  [10:0] s_x = 0, s_y = 0;
    reg  [4:0]  s_flags = 0;
    wire        s_ready, m_valid, tail_done, ev_ok, ev_trunc, ev_rec;
    wire [7:0]  m_data;
    localparam W = 21, H = 5, RX = 3, RW = 13, RY = 1, RH = 3;
    packetizer dut (
        .clk(clk), .rst(rst), .cfg_frame(32'd7), .cfg_ts(64'h0102030405060708),
        .cfg_width(W), .cfg_height(H), .cfg_window(7'h24), .cfg_plane0(10'h246),
        .cfg_mode(mode_px), .cfg_roi_x(RX), .cfg_roi_y(RY), .cfg_roi_w(RW), .cfg_roi_h(RH),
        .s_valid(s_valid), .s_ready(s_ready), .s_kind(s_kind), .s_pix(s_pix), .s_ink(s_ink),
        .s_x(s_x), .s_y(s_y), .s_flags(s_flags), .s_found(16'd3),
        .s_rx0(11'd1), .s_ry0(11'd2), .s_rx1(11'd3), .s_ry1(11'd4), .s_rink(16'd5),
        .s_rlabel(9'd6), .s_redges(4'd9),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data),
        .tail_done(tail_done), .ev_frame_ok(ev_ok), .ev_trunc(ev_trunc), .ev_record(ev_rec));

    integer mode, run, errors, passed = 0, failed = 0, x, y, i, tails;
    // stream parser state
    reg [7:0]  hdr [0:7];
    reg [7:0]  pl [0:2100];
    integer    pos, plen, nrows, nrec;
    reg [15:0] exp_seq;
    reg [31:0] crc;   // of the frame: head through byte 11 of the tail payload

    function [31:0] crc_step(input [31:0] c, input [7:0] d);
        integer k;
        reg [31:0] r;
        begin
            r = c ^ {24'd0, d};
            for (k = 0; k < 8; k = k + 1)
                r = r[0] ? (r >> 1) ^ 32'hEDB88320 : r >> 1;
            crc_step = r;
        end
    endfunction

    // byte sink: reassemble chunks and check them
    // sink: at each falling edge choose ready for the coming rising edge, and take the byte
    // that this rising edge will transfer
    always @(negedge clk) begin
        if (!rst)
            m_ready = mode == 2 ? ($urandom % 3 != 0) : 1'b1;
        if (!rst && m_valid && m_ready) begin
            if (pos < 8)
                hdr[pos] = m_data;
            else
                pl[pos - 8] = m_data;
            pos = pos + 1;
            if (pos == 8) begin
                plen = hdr[6] | (hdr[7] << 8);
                if (hdr[0] != 8'h41 || hdr[1] != 8'h4C) errors = errors + 1;
                if ((8'h5C ^ hdr[0] ^ hdr[1] ^ hdr[2] ^ hdr[4] ^ hdr[5] ^ hdr[6] ^ hdr[7]) != hdr[3])
                    errors = errors + 1;
                if ({hdr[5], hdr[4]} != exp_seq) errors = errors + 1;
                exp_seq = exp_seq + 1;
            end
            if (pos >= 8 && pos == 8 + plen) begin
                // a whole chunk: fold it into the CRC and check by type
                if (hdr[2] == 8'h01) begin
                    crc = 32'hFFFFFFFF;
                    nrows = 0;
                    nrec = 0;
                    if (plen != 32 || pl[4] != 8'd7 || pl[8] != 8'h08) errors = errors + 1;
                end
                if (hdr[2] != 8'h04) begin
                    for (i = 0; i < 8; i = i + 1) crc = crc_step(crc, hdr[i]);
                    for (i = 0; i < plen; i = i + 1) crc = crc_step(crc, pl[i]);
                end
                if (hdr[2] == 8'h02) begin
                    nrows = nrows + 1;
                    if ({pl[3], pl[2]} != RX) errors = errors + 1;
                    if (plen != 4 + (mode_px == 2 ? (RW + 7) / 8 : RW)) errors = errors + 1;
                    if (mode_px == 1)
                        for (i = 0; i < RW; i = i + 1)
                            if (pl[4 + i] != (({pl[1], pl[0]} * 16 + RX + i) & 8'hFF)) errors = errors + 1;
                    if (mode_px == 2)
                        for (i = 0; i < RW; i = i + 1)
                            if (pl[4 + i / 8][i % 8] != ((RX + i + {pl[1], pl[0]}) % 3 == 0)) errors = errors + 1;
                end
                if (hdr[2] == 8'h03) begin
                    nrec = nrec + 1;
                    if (pl[0] != 1 || pl[2] != 2 || pl[4] != 3 || pl[6] != 4 || pl[8] != 5 ||
                        pl[11] != 9 || pl[12] != 6) errors = errors + 1;
                end
                if (hdr[2] == 8'h04) begin
                    for (i = 0; i < 8; i = i + 1) crc = crc_step(crc, hdr[i]);
                    for (i = 0; i < 12; i = i + 1) crc = crc_step(crc, pl[i]);
                    if ({pl[15], pl[14], pl[13], pl[12]} != ~crc) errors = errors + 1;
                    if ({pl[5], pl[4]} != nrec || {pl[9], pl[8]} != nrows || pl[6] != 3)
                        errors = errors + 1;
                    tails = tails + 1;
                end
                pos = 0;
            end
        end
    end

    task send(input [2:0] kind, input [7:0] pix, input ink, input [10:0] xx, input [10:0] yy,
              input [4:0] fl);
        begin
            // stimulus changes at falling edges; the design samples at rising edges
            while (mode == 1 && $urandom % 3 == 0)
                @(negedge clk);
            s_valid = 1; s_kind = kind; s_pix = pix; s_ink = ink; s_x = xx; s_y = yy;
            s_flags = fl;
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
            for (run = 0; run < 2; run = run + 1) begin
                errors = 0; pos = 0; exp_seq = 0; tails = 0;
                mode_px <= run == 0 ? 2'd1 : 2'd2;
                rst <= 1;
                repeat (3) @(posedge clk);
                rst <= 0;
                repeat (2) @(posedge clk);
                @(negedge clk);
                for (i = 0; i < 2; i = i + 1) begin
                    send(3'd1, 0, 0, 0, 0, 0);
                    for (y = 0; y < H; y = y + 1) begin
                        for (x = 0; x < W; x = x + 1)
                            send(3'd0, (y * 16 + x) & 8'hFF, (x + y) % 3 == 0, x[10:0], y[10:0], 0);
                        if (y == 2) begin
                            send(3'd4, 0, 0, 0, 0, 0);
                            send(3'd4, 0, 0, 0, 0, 0);
                        end
                    end
                    send(3'd2, 0, 0, 0, 0, 5'h02);
                end
                repeat (300) @(posedge clk);
                if (tails != 2) errors = errors + 1;
                $display("%s packetizer mode %0d, pixels %s: %0d tails, %0d errors",
                         errors != 0 ? "FAIL" : "ok  ", mode, run == 0 ? "GRAY8" : "MASK1",
                         tails, errors);
                if (errors != 0) failed = failed + 1; else passed = passed + 1;
            end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_packetizer failed");
        $finish;
    end
endmodule
`default_nettype wire
