`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/cam_fifo.v, run in three modes: no stalls, random source gaps, random
// sink backpressure (the camera then outruns the sink and the FIFO overflows). Pixel data
// carry a running sequence number, so the bench checks that every pixel comes out once, in
// order, and that after each loss the stream holds exactly one overflow marker followed by a
// start of frame (nothing of the broken frame gets through).
module tb_cam_fifo;
    reg clk = 0, rst = 1, flush = 0;
    always #5 clk = ~clk;
    reg        cam_valid = 0, cam_sof = 0, cam_eol = 0;
    reg  [7:0] cam_data = 0;
    wire       m_valid, m_last, room, empty;
    reg        m_ready = 1;
    wire [7:0] m_data;
    wire [1:0] m_user;
    wire [63:0] ts_sof;
    cam_fifo #(.ADDR_WIDTH(4)) dut (
        .clk(clk), .rst(rst), .flush(flush), .ts(64'd0),
        .cam_valid(cam_valid), .cam_data(cam_data), .cam_sof(cam_sof), .cam_eol(cam_eol),
        .m_axis_tvalid(m_valid), .m_axis_tready(m_ready), .m_axis_tdata(m_data),
        .m_axis_tuser(m_user), .m_axis_tlast(m_last), .ts_sof(ts_sof), .room(room),
        .empty(empty));

    integer mode, passed = 0, failed = 0, errors, sent, got, markers, i;
    reg [7:0] expect_seq;
    reg after_marker;
    reg [31:0] r;

    // consumer: checks each accepted entry
    always @(posedge clk) if (!rst && m_valid && m_ready) begin
        if (m_user[1]) begin
            markers = markers + 1;
            if (after_marker) errors = errors + 1; // two markers without a SOF between
            after_marker = 1;
        end else begin
            if (after_marker && !m_user[0]) errors = errors + 1; // broken frame leaked
            if (!after_marker && m_data != expect_seq) errors = errors + 1;
            if (m_user[0] != (m_data[3:0] == 4'd0)) errors = errors + 1;
            if (m_last != (m_data[1:0] == 2'd3)) errors = errors + 1;
            expect_seq = m_data + 8'd1;
            after_marker = 0;
            got = got + 1;
        end
    end

    initial begin
        for (mode = 0; mode < 3; mode = mode + 1) begin
            errors = 0; sent = 0; got = 0; markers = 0; expect_seq = 0; after_marker = 0;
            rst = 1;
            repeat (3) @(posedge clk);
            rst <= 0;
            for (i = 0; i < 3000; i = i + 1) begin
                @(posedge clk);
                r = $urandom;
                m_ready <= mode == 2 ? (r[3:0] < 4'd5) : 1'b1;
                if (mode == 1 && r[9:8] == 2'd0) begin
                    cam_valid <= 0;
                end else begin
                    cam_valid <= 1;
                    cam_data <= sent[7:0];
                    cam_sof <= sent[3:0] == 4'd0;   // a "frame" every 16 pixels
                    cam_eol <= sent[1:0] == 2'd3;   // a "line" every 4
                    sent = sent + 1;
                end
            end
            @(posedge clk);
            cam_valid <= 0;
            m_ready <= 1;
            repeat (40) @(posedge clk);
            if (mode < 2 && (got != sent || markers != 0)) errors = errors + 1;
            if (mode == 2 && (markers == 0 || got >= sent)) errors = errors + 1;
            if (!empty) errors = errors + 1;
            $display("%s cam_fifo mode %0d: %0d sent, %0d out, %0d overflow markers, %0d errors",
                     errors != 0 ? "FAIL" : "ok  ", mode, sent, got, markers, errors);
            if (errors != 0) failed = failed + 1; else passed = passed + 1;
        end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_cam_fifo failed");
        $finish;
    end
endmodule
`default_nettype wire
