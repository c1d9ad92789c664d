`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/regfile.v against the register table of docs/PROTOCOL.md section 2, written
// here as its own model (reset values from the table / driver/wire.h WIRE_RESET_*, ranges from
// the "meaning" column). Each request is one cycle of reg_rd or reg_wr; the answer must come
// as a one-cycle reg_ack exactly two clocks later. Checked:
//   - every register's reset value, and the setting outputs at reset;
//   - reads of all 256 addresses: the listed ones answer with their value, the others stall
//     (reg_err), reads change nothing;
//   - writes of boundary and random values to every address: a write in range is applied
//     (read back and on the setting outputs), a write out of range, to a read-only or to an
//     unknown register stalls and changes nothing (all outputs and all registers compared);
//     THRESH_PLANE_1..3 accept in-range writes, ignore them and read 0;
//   - CONTROL: RESET is a one-clock ctl_reset pulse per accepted write (none for a refused
//     one), RESET and CLEAR_COUNTERS read 0; STATUS: RUNNING (RUN, or a frame still in
//     progress), IN_FRAME;
//   - counters: random event pulses counted one per pulse, sticky OVERFLOW / TRUNCATED set by
//     their events; CONTROL.RESET does not clear them; CLEAR_COUNTERS zeroes all counters and
//     sticky flags. (Wrap-around at 2^32 is not reachable in simulation time; not checked.)
module tb_regfile;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;
    localparam [31:0] CLK_HZ = 32'd82_000_000;
    localparam [15:0] REV = 16'hBEEF;
    reg         reg_rd = 0, reg_wr = 0;
    reg  [7:0]  reg_addr = 0;
    reg  [31:0] reg_wdata = 0;
    wire [31:0] reg_rdata;
    wire        reg_err, reg_ack;
    reg         st_in_frame = 0;
    reg  [6:0]  ev = 0;   // frame_ok, dropped, overflow, proto, trunc, record, inject
    wire        run, source, ctl_reset;
    wire [11:0] frame_w, frame_h, roi_w, roi_h;
    wire [6:0]  window;
    wire [17:0] plane0;
    wire [31:0] filter_w, filter_h;
    wire [1:0]  mode;
    wire [10:0] roi_x, roi_y;
    regfile #(.CLOCK_HZ(CLK_HZ), .RTL_REVISION(REV)) dut (
        .clk(clk), .rst(rst), .reg_rd(reg_rd), .reg_wr(reg_wr), .reg_addr(reg_addr),
        .reg_wdata(reg_wdata), .reg_rdata(reg_rdata), .reg_err(reg_err), .reg_ack(reg_ack),
        .st_in_frame(st_in_frame), .ev_frame_ok(ev[0]), .ev_dropped(ev[1]),
        .ev_overflow(ev[2]), .ev_proto(ev[3]), .ev_trunc(ev[4]), .ev_record(ev[5]),
        .ev_inject(ev[6]),
        .run(run), .source(source), .ctl_reset(ctl_reset), .frame_w(frame_w),
        .frame_h(frame_h), .window(window), .plane0(plane0), .filter_w(filter_w),
        .filter_h(filter_h), .mode(mode), .roi_x(roi_x), .roi_w(roi_w), .roi_y(roi_y),
        .roi_h(roi_h));

    // ---- the model: register values as the host reads them ----
    reg [31:0] m_control, m_size, m_window, m_plane0, m_fw, m_fh, m_output, m_roix, m_roiy;
    reg [31:0] m_cnt [0:6];
    reg        m_sovf, m_strunc;
    integer    pulses;   // ctl_reset pulses seen
    integer    e_pulses;
    integer    errors, passed = 0, failed = 0, i, j, k, a, nreq, nstall, phases;
    reg [31:0] got_data, want, r, v;
    reg        got_err, want_err;

    task model_reset;
        begin
            m_control = 32'd0;
            m_size = 32'h02D0_0500;       // WIRE_RESET_FRAME_SIZE: 1280 x 720
            m_window = 32'h24;            // WIRE_RESET_THRESH_WINDOW
            m_plane0 = 32'h0008_0246;     // WIRE_RESET_THRESH_PLANE0
            m_fw = 32'h00FF_0001;         // WIRE_RESET_FILTER_WIDTH
            m_fh = 32'h00FF_0008;         // WIRE_RESET_FILTER_HEIGHT
            m_output = 32'd1;             // WIRE_RESET_OUTPUT: GRAY8
            m_roix = 32'd0;
            m_roiy = 32'd0;
            for (j = 0; j < 7; j = j + 1) m_cnt[j] = 32'd0;
            m_sovf = 0;
            m_strunc = 0;
        end
    endtask

    // the table's "read" column: returns 1 when the address exists
    function known_reg(input [7:0] ad);
        known_reg = ad <= 8'h10 || (ad >= 8'h20 && ad <= 8'h26);
    endfunction
    function [31:0] model_read(input [7:0] ad);
        case (ad)
            8'h00: model_read = 32'h414C5052;                       // "ALPR"
            8'h01: model_read = {8'd1, 8'd1, REV};                  // protocol 1.1
            8'h02: model_read = 32'h0800_0901;                      // BOARD.md: CAPS
            8'h03: model_read = CLK_HZ;
            8'h04: model_read = m_control;
            8'h05: model_read = {28'd0, m_strunc, m_sovf, st_in_frame,
                                 m_control[0] || st_in_frame};
            8'h06: model_read = m_size;
            8'h07: model_read = m_window;
            8'h08: model_read = m_plane0;
            8'h0C: model_read = m_fw;
            8'h0D: model_read = m_fh;
            8'h0E: model_read = m_output;
            8'h0F: model_read = m_roix;
            8'h10: model_read = m_roiy;
            8'h20, 8'h21, 8'h22, 8'h23, 8'h24, 8'h25, 8'h26: model_read = m_cnt[ad - 8'h20];
            default: model_read = 32'd0;                            // planes 1..3
        endcase
    endfunction
    // the "meaning" column's ranges: 1 when the value is accepted
    function write_ok(input [7:0] ad, input [31:0] d);
        case (ad)
            8'h04: write_ok = d < 32'h10;                              // bits 0..3 only
            8'h06: write_ok = d[15:0] >= 1 && d[15:0] <= 2048 && d[31:16] >= 1 &&
                              d[31:16] <= 2048;
            8'h07: write_ok = d < 32'h100 && d[3:0] >= 2 && d[3:0] <= 7 && d[7:4] <= 7;
            8'h08, 8'h09, 8'h0A, 8'h0B: write_ok = (d & ~32'h00FF_03FF) == 0;
            8'h0C, 8'h0D: write_ok = 1;
            8'h0E: write_ok = d <= 2;                                  // NONE, GRAY8, MASK1
            8'h0F, 8'h10: write_ok = d[15:0] < 2048 && d[31:16] <= 2048;
            default: write_ok = 0;                                     // read-only, unknown
        endcase
    endfunction
    task model_write(input [7:0] ad, input [31:0] d);
        begin
            case (ad)
                8'h04: begin
                    m_control = d & 32'h9;    // RESET and CLEAR_COUNTERS read 0
                    if (d[1]) e_pulses = e_pulses + 1;
                    if (d[2]) begin
                        for (j = 0; j < 7; j = j + 1) m_cnt[j] = 32'd0;
                        m_sovf = 0;
                        m_strunc = 0;
                    end
                end
                8'h06: m_size = d;
                8'h07: m_window = d;
                8'h08: m_plane0 = d;
                8'h0C: m_fw = d;
                8'h0D: m_fh = d;
                8'h0E: m_output = d;
                8'h0F: m_roix = d;
                8'h10: m_roiy = d;
                default: ;
            endcase
        end
    endtask

    // the setting outputs against the model
    task check_outputs(input [8*24-1:0] what);
        begin
            if (run !== m_control[0] || source !== m_control[3] || frame_w !== m_size[11:0] ||
                frame_h !== m_size[27:16] || window !== m_window[6:0] ||
                plane0 !== {m_plane0[23:16], m_plane0[9:0]} || filter_w !== m_fw ||
                filter_h !== m_fh || mode !== m_output[1:0] || roi_x !== m_roix[10:0] ||
                roi_w !== m_roix[27:16] || roi_y !== m_roiy[10:0] || roi_h !== m_roiy[27:16]) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("  outputs after %0s: run %b src %b size %0dx%0d win %h plane %h fw %h fh %h mode %0d roi %0d+%0d %0d+%0d",
                             what, run, source, frame_w, frame_h, window, plane0, filter_w,
                             filter_h, mode, roi_x, roi_w, roi_y, roi_h);
            end
        end
    endtask

    // one request: driven for one clock; the answer must come two clocks later, for one clock
    task request(input wr, input [7:0] ad, input [31:0] d);
        begin
            reg_rd = !wr; reg_wr = wr; reg_addr = ad; reg_wdata = d;
            @(negedge clk);
            reg_rd = 0; reg_wr = 0; reg_addr = $urandom; reg_wdata = $urandom;
            if (reg_ack !== 1'b0) errors = errors + 1;          // one clock after: not yet
            @(negedge clk);
            got_data = reg_rdata;
            got_err = reg_err;
            if (reg_ack !== 1'b1) begin
                errors = errors + 1;                            // two clocks after: the answer
                if (errors <= 10) $display("  no reg_ack two clocks after the request");
            end
            @(negedge clk);                                     // (a write is applied here)
            if (reg_ack !== 1'b0) errors = errors + 1;          // a pulse of one clock
            nreq = nreq + 1;
        end
    endtask

    task read_check(input [7:0] ad);
        begin
            request(0, ad, 32'd0);
            want_err = !known_reg(ad);
            want = model_read(ad);
            if (got_err !== want_err || (!want_err && got_data !== want)) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("  read %02h: %08h err %b, want %08h err %b", ad, got_data, got_err,
                             want, want_err);
            end
        end
    endtask

    task write_check(input [7:0] ad, input [31:0] d);
        begin
            request(1, ad, d);
            want_err = !write_ok(ad, d);
            if (!want_err) model_write(ad, d);
            if (want_err) nstall = nstall + 1;
            @(negedge clk);   // (a ctl_reset pulse of this write has been sampled now)
            if (got_err !== want_err) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("  write %02h <- %08h: err %b, want %b", ad, d, got_err, want_err);
            end
            check_outputs("a write");
            if (pulses !== e_pulses) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("  write %02h <- %08h: %0d ctl_reset pulses, want %0d", ad, d, pulses,
                             e_pulses);
                pulses = e_pulses;
            end
        end
    endtask

    // all registers read back against the model
    task read_all;
        begin
            for (a = 0; a < 8'h27; a = a + 1)
                if (known_reg(a)) read_check(a);
        end
    endtask

    always @(posedge clk)
        if (ctl_reset) pulses = pulses + 1;

    function [31:0] rand_value(input [7:0] ad);
        reg [31:0] x, y;
        begin
            x = $urandom;
            y = $urandom;
            case (y[2:0])
                3'd0, 3'd1: rand_value = x;                                  // anything
                3'd2: rand_value = x & 32'h0000_00FF;                        // low byte
                3'd3: rand_value = x & 32'h0FFF_0FFF;                        // two 12-bit fields
                3'd4: rand_value = {4'd0, x[27:16] & 12'h801, 4'd0, x[11:0] & 12'h801}; // edges
                3'd5: rand_value = (32'd1 << y[12:8]) ^ (y[13] ? model_read(ad) : 32'd0);
                3'd6: rand_value = x & 32'h00FF_03FF;
                default: rand_value = {5'd0, x[26:16], 5'd0, x[10:0]} + {15'd0, y[16], 15'd0, y[17]};
            endcase
        end
    endfunction

    initial begin
        pulses = 0; e_pulses = 0; nreq = 0; nstall = 0;
        model_reset;
        repeat (3) @(negedge clk);
        rst = 0;
        @(negedge clk);

        // 1. reset values
        errors = 0;
        check_outputs("reset");
        read_all;
        if (pulses != 0) errors = errors + 1;
        $display("%s regfile reset values: %0d errors", errors != 0 ? "FAIL" : "ok  ", errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 2. reads of every address
        errors = 0;
        nreq = 0;
        for (i = 0; i < 256; i = i + 1) read_check(i);
        check_outputs("reads");
        if (nreq != 256) errors = errors + 1;
        $display("%s regfile reads of all 256 addresses: %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 3. boundary writes, then random writes to every address, each followed by a read of
        //    the register (and, every few writes, of all registers)
        errors = 0;
        nreq = 0; nstall = 0;
        write_check(8'h06, 32'h0001_0001); write_check(8'h06, 32'h0800_0800);
        write_check(8'h06, 32'h0000_0800); write_check(8'h06, 32'h0800_0000);
        write_check(8'h06, 32'h0801_0800); write_check(8'h06, 32'h0800_0801);
        write_check(8'h06, 32'h1001_0001); write_check(8'h06, 32'h0001_8001);
        write_check(8'h06, 32'h02D0_0500);
        write_check(8'h07, 32'h0000_0002); write_check(8'h07, 32'h0000_0077);
        write_check(8'h07, 32'h0000_0001); write_check(8'h07, 32'h0000_0008);
        write_check(8'h07, 32'h0000_0087); write_check(8'h07, 32'h0000_0124);
        write_check(8'h08, 32'h00FF_03FF); write_check(8'h08, 32'h0100_0246);
        write_check(8'h08, 32'h0000_0446); write_check(8'h08, 32'h0008_8246);
        write_check(8'h09, 32'h00FF_03FF); write_check(8'h0A, 32'h0000_0400);
        write_check(8'h0B, 32'h0000_0001);
        write_check(8'h0E, 32'h0000_0000); write_check(8'h0E, 32'h0000_0002);
        write_check(8'h0E, 32'h0000_0003); write_check(8'h0E, 32'h0000_0005);
        write_check(8'h0F, 32'h0800_07FF); write_check(8'h0F, 32'h0000_0800);
        write_check(8'h0F, 32'h0801_0000); write_check(8'h10, 32'h0800_07FF);
        write_check(8'h10, 32'h0000_0800); write_check(8'h10, 32'h0801_0000);
        write_check(8'h0C, 32'hFFFF_FFFF); write_check(8'h0D, 32'h0000_0000);
        write_check(8'h04, 32'h0000_0009); write_check(8'h04, 32'h0000_0010);
        write_check(8'h04, 32'h8000_0001); write_check(8'h04, 32'h0000_0000);
        write_check(8'h00, 32'h414C_5052); write_check(8'h05, 32'h0000_0000);
        write_check(8'h20, 32'h0000_0000); write_check(8'h11, 32'h0000_0000);
        read_all;
        for (i = 0; i < 1500; i = i + 1) begin
            r = $urandom;
            // mostly the writable registers, sometimes any address
            a = r[3:0] == 4'd0 ? r[15:8] : 4 + r[7:4] % 13;
            v = rand_value(a);
            write_check(a, v);
            read_check(a);
            if (r[20:16] == 5'd0) read_all;
        end
        read_all;
        $display("%s regfile writes: %0d requests, %0d refused, %0d errors",
                 errors != 0 || nstall < 300 ? "FAIL" : "ok  ", nreq, nstall, errors);
        if (errors != 0 || nstall < 300) failed = failed + 1; else passed = passed + 1;

        // 4. CONTROL, STATUS
        errors = 0;
        k = e_pulses;
        write_check(8'h04, 32'h0000_0003);   // RUN + RESET: one pulse, reads back 1
        read_check(8'h04);
        write_check(8'h04, 32'h0000_0012);   // refused: no pulse, RUN stays
        write_check(8'h04, 32'h0000_000A);   // RESET + SOURCE, RUN off
        read_check(8'h04);
        for (i = 0; i < 4; i = i + 1) begin
            write_check(8'h04, i[0] ? 32'h1 : 32'h0);
            st_in_frame = i[1];
            read_check(8'h05);
        end
        st_in_frame = 0;
        if (e_pulses != k + 2) errors = errors + 1;
        $display("%s regfile CONTROL and STATUS: %0d ctl_reset pulses, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", pulses - k, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 5. counters and sticky flags
        errors = 0;
        phases = 0;
        for (k = 0; k < 4; k = k + 1) begin
            // k = 0: no overflow and no truncation events (both sticky flags stay 0); k = 1:
            // overflows but no truncation; k = 2: truncation but no overflow; k = 3: all
            for (i = 0; i < 400; i = i + 1) begin
                @(negedge clk);
                r = $urandom;
                ev = r[6:0] & r[13:7] & (k == 0 ? 7'b1101011 : (k == 1 ? 7'b1101111 :
                                         (k == 2 ? 7'b1111011 : 7'b1111111)));
                for (a = 0; a < 7; a = a + 1)
                    if (ev[a]) m_cnt[a] = m_cnt[a] + 1;
                if (ev[2]) m_sovf = 1;
                if (ev[4]) m_strunc = 1;
            end
            @(negedge clk);
            ev = 0;
            @(negedge clk);
            for (a = 8'h20; a <= 8'h26; a = a + 1) read_check(a);
            read_check(8'h05);
            if (m_cnt[0] < 10 || (k == 1 && !m_sovf) || (k == 2 && !m_strunc)) errors = errors + 1;
            // RESET keeps the counters; CLEAR_COUNTERS (with RUN kept) zeroes them
            write_check(8'h04, 32'h0000_0003);
            for (a = 8'h20; a <= 8'h26; a = a + 1) read_check(a);
            read_check(8'h05);
            write_check(8'h04, 32'h0000_0005);
            for (a = 8'h20; a <= 8'h26; a = a + 1) read_check(a);
            read_check(8'h05);
            phases = phases + 1;
        end
        if (phases != 4) errors = errors + 1;
        $display("%s regfile counters and sticky flags: %0d phases, %0d errors",
                 errors != 0 ? "FAIL" : "ok  ", phases, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_regfile failed");
        $finish;
    end
endmodule
`default_nettype wire
