`default_nettype none
`timescale 1ns/1ps
// Test bench of the two stream slices, rtl/axis_skid.v and rtl/axis_fifo2.v, each with its own
// source and the same sink pattern, in four modes: no stalls, random source gaps, random sink
// backpressure, both. Words carry a running sequence number: each must come out once and in
// order; a word offered and not taken must stay put (valid and data held until ready), on
// both sides of the slice; after the source stops everything drains. With neither gaps nor
// backpressure the slice must pass one word per clock.
module tb_axis_slices;
    localparam N = 2000;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;

    integer mode = 0;
    reg        m_ready = 1;
    reg [31:0] r;

    // Sources (one per slice): AXI-Stream masters that hold a word until it is taken.
    reg         sv [0:1];
    reg  [15:0] sd [0:1];
    integer     sent [0:1];
    wire        s_ready [0:1];
    wire        m_valid [0:1];
    wire [15:0] m_data [0:1];

    axis_skid #(.DATA_WIDTH(16)) skid (
        .clk(clk), .rst(rst), .s_valid(sv[0]), .s_ready(s_ready[0]), .s_data(sd[0]),
        .m_valid(m_valid[0]), .m_ready(m_ready), .m_data(m_data[0]));
    axis_fifo2 #(.DATA_WIDTH(16)) fifo2 (
        .clk(clk), .rst(rst), .s_valid(sv[1]), .s_ready(s_ready[1]), .s_data(sd[1]),
        .m_valid(m_valid[1]), .m_ready(m_ready), .m_data(m_data[1]));

    integer got [0:1], errors [0:1];
    reg [15:0] want [0:1], held_data [0:1];
    reg        held [0:1];
    integer k;

    always @(posedge clk) begin
        r = $urandom;
        // the sink: ready 9 times in 16 under backpressure
        m_ready <= (mode == 2 || mode == 3) ? (r[3:0] < 4'd9) : 1'b1;
        for (k = 0; k < 2; k = k + 1) begin
            if (rst) begin
                sv[k] <= 0;
                sent[k] = 0;
            end else begin
                if (sv[k] && s_ready[k])
                    sent[k] = sent[k] + 1;
                if (!sv[k] || s_ready[k]) begin
                    // the current word was taken (or there was none): offer the next, or a gap
                    if (sent[k] < N && !((mode == 1 || mode == 3) && r[9 + 2 * k +: 2] == 2'd0)) begin
                        sv[k] <= 1;
                        sd[k] <= sent[k][15:0];
                    end else begin
                        sv[k] <= 0;
                    end
                end
            end
            // the checker of slice k's output
            if (!rst) begin
                if (held[k] && (!m_valid[k] || m_data[k] != held_data[k]))
                    errors[k] = errors[k] + 1;      // dropped or changed before it was taken
                held[k] = m_valid[k] && !m_ready;
                held_data[k] = m_data[k];
                if (m_valid[k] && m_ready) begin
                    if (m_data[k] != want[k])
                        errors[k] = errors[k] + 1;  // lost, duplicated or reordered
                    want[k] = m_data[k] + 16'd1;
                    got[k] = got[k] + 1;
                end
            end
        end
    end

    integer passed = 0, failed = 0, cyc;
    task reset_all;
        begin
            rst <= 1;
            for (k = 0; k < 2; k = k + 1) begin
                got[k] = 0; errors[k] = 0; want[k] = 0; held[k] = 0;
            end
            repeat (3) @(posedge clk);
            rst <= 0;
        end
    endtask

    initial begin
        for (k = 0; k < 2; k = k + 1) begin
            sv[k] = 0; sd[k] = 0; sent[k] = 0;
        end
        for (mode = 0; mode < 4; mode = mode + 1) begin
            reset_all;
            cyc = 0;
            while ((got[0] < N || got[1] < N) && cyc < 20 * N) begin
                @(posedge clk);
                cyc = cyc + 1;
            end
            repeat (5) @(posedge clk);
            for (k = 0; k < 2; k = k + 1) begin
                if (got[k] != N || sent[k] != N)
                    errors[k] = errors[k] + 1;
                // full rate without gaps or backpressure: N words in N + a few clocks
                if (mode == 0 && cyc > N + 4)
                    errors[k] = errors[k] + 1;
                $display("%s %s mode %0d: %0d sent, %0d out, %0d clocks, %0d errors",
                         errors[k] != 0 ? "FAIL" : "ok  ", k == 0 ? "axis_skid " : "axis_fifo2",
                         mode, sent[k], got[k], cyc, errors[k]);
                if (errors[k] != 0) failed = failed + 1; else passed = passed + 1;
            end
        end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_axis_slices failed");
        $finish;
    end
endmodule
`default_nettype wire
