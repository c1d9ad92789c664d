`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/sdp_ram.v against a shadow memory, for two shapes: the default 512 x 8 and
// a 16 x 12 (small, so reads and writes collide often). Random writes and reads at random
// addresses, every cycle: after each clock edge rd_data must hold the word of the read
// address as it was before that edge if rd_en was high (read latency one clock), and keep its
// previous value if rd_en was low. A read of the address written in the same cycle is undefined
// on the iCE40; in simulation the module returns the old word inverted, and the bench requires
// exactly that, so the other benches and test_equiv run with the poison in place. Each shape runs three phases: fill (every address
// written once, with reads behind the writes), random traffic, and reads of the address being
// written in the same cycle.
module tb_sdp_ram;
    reg clk = 0;
    always #5 clk = ~clk;

    // shape 0: 512 x 8; shape 1: 16 x 12 (ports sized for the larger of each)
    reg        wr_en [0:1], rd_en [0:1];
    reg  [8:0] wr_addr [0:1], rd_addr [0:1];
    reg [11:0] wr_data [0:1];
    wire [7:0]  rd0;
    wire [11:0] rd1;
    sdp_ram dut0 (
        .clk(clk), .wr_en(wr_en[0]), .wr_addr(wr_addr[0]), .wr_data(wr_data[0][7:0]),
        .rd_en(rd_en[0]), .rd_addr(rd_addr[0]), .rd_data(rd0));
    sdp_ram #(.ADDR_WIDTH(4), .DATA_WIDTH(12)) dut1 (
        .clk(clk), .wr_en(wr_en[1]), .wr_addr(wr_addr[1][3:0]), .wr_data(wr_data[1]),
        .rd_en(rd_en[1]), .rd_addr(rd_addr[1][3:0]), .rd_data(rd1));

    reg [11:0] shadow [0:1][0:511];
    reg        known [0:1][0:511];
    reg [11:0] exp_rd [0:1], got;
    reg        exp_known [0:1];
    integer s, i, phase, cyc, errors, checks, collide, passed = 0, failed = 0;
    integer depth [0:1];
    reg [11:0] dmask [0:1];
    reg [31:0] r;
    reg [8*20-1:0] pname;

    initial begin
        depth[0] = 512; dmask[0] = 12'h0FF;
        depth[1] = 16;  dmask[1] = 12'hFFF;
        for (s = 0; s < 2; s = s + 1) begin
            wr_en[s] = 0; rd_en[s] = 0; wr_addr[s] = 0; rd_addr[s] = 0; wr_data[s] = 0;
            exp_known[s] = 0;
            for (i = 0; i < 512; i = i + 1) known[s][i] = 0;
        end
        for (s = 0; s < 2; s = s + 1)
            for (phase = 0; phase < 3; phase = phase + 1) begin
                errors = 0; checks = 0; collide = 0;
                for (cyc = 0; cyc < (phase == 0 ? depth[s] + 2 : 3000); cyc = cyc + 1) begin
                    @(negedge clk);
                    // the edge just passed: check the word it read (or held)
                    got = s == 0 ? {4'd0, rd0} : rd1;
                    if (exp_known[s]) begin
                        checks = checks + 1;
                        if (got !== exp_rd[s]) begin
                            errors = errors + 1;
                            if (errors <= 5)
                                $display("  shape %0d phase %0d cycle %0d: rd_data %h, want %h",
                                         s, phase, cyc, got, exp_rd[s]);
                        end
                    end
                    // the next cycle's request
                    r = $urandom;
                    if (phase == 0) begin
                        // fill: write address cyc, read the address written two cycles ago
                        wr_en[s] = cyc < depth[s];
                        wr_addr[s] = cyc;
                        rd_en[s] = cyc >= 2;
                        rd_addr[s] = cyc - 2;
                    end else begin
                        wr_en[s] = r[0] || r[1];
                        rd_en[s] = r[2] || r[3];
                        wr_addr[s] = $urandom % depth[s];
                        rd_addr[s] = (phase == 2 || r[6:4] == 3'd0) ? wr_addr[s]
                                                                   : $urandom % depth[s];
                    end
                    wr_data[s] = $urandom & dmask[s];
                    if (wr_en[s] && rd_en[s] && wr_addr[s] == rd_addr[s])
                        collide = collide + 1;
                    // the model: the read sees the memory before this cycle's write
                    if (rd_en[s]) begin
                        exp_rd[s] = shadow[s][rd_addr[s]];
                        if (wr_en[s] && wr_addr[s] == rd_addr[s])
                            exp_rd[s] = ~exp_rd[s] & dmask[s];
                        exp_known[s] = known[s][rd_addr[s]];
                    end
                    if (wr_en[s]) begin
                        shadow[s][wr_addr[s]] = wr_data[s];
                        known[s][wr_addr[s]] = 1;
                    end
                end
                @(negedge clk);
                wr_en[s] = 0; rd_en[s] = 0;
                // a bench that checked nothing must not pass
                if (checks < (phase == 0 ? depth[s] - 2 : 1000)) errors = errors + 1;
                if (phase == 2 && collide < 1000) errors = errors + 1;
                if (phase == 0) pname = "fill";
                else if (phase == 1) pname = "random traffic";
                else pname = "read during write";
                $display("%s sdp_ram %0d x %0d, %0s: %0d reads checked, %0d same-address, %0d errors",
                         errors != 0 ? "FAIL" : "ok  ", depth[s], s == 0 ? 8 : 12, pname,
                         checks, collide, errors);
                if (errors != 0) failed = failed + 1; else passed = passed + 1;
            end
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_sdp_ram failed");
        $finish;
    end
endmodule
`default_nettype wire
