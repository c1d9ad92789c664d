`default_nettype none
// Purpose: the register file behind the vendor requests (docs/PROTOCOL.md section 2; model:
// model_reg_read / model_reg_write in sim/model.c). A request is one cycle of reg_rd or
// reg_wr with reg_addr (and reg_wdata). The request is registered, checked in the next
// cycle and (for a write) applied in the one after; two cycles after the request reg_ack
// pulses with reg_rdata and reg_err (the device stalls: unknown register, read-only register, value out of range; a
// refused write changes nothing). The pipeline latches the frame settings at start of frame. Counters count event pulses, wrap, and clear
// only on CONTROL.CLEAR_COUNTERS.
module regfile #(
    parameter [31:0] CAPS = 32'h0800_0901,
    parameter [31:0] CLOCK_HZ = 32'd74_250_000,
    parameter [15:0] RTL_REVISION = 16'h0002
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        reg_rd,
    input  wire        reg_wr,
    input  wire [7:0]  reg_addr,
    input  wire [31:0] reg_wdata,
    output reg  [31:0] reg_rdata,
    output reg         reg_err,
    output reg         reg_ack,
    // status and events
    input  wire        st_in_frame,
    input  wire        ev_frame_ok,
    input  wire        ev_dropped,
    input  wire        ev_overflow,
    input  wire        ev_proto,
    input  wire        ev_trunc,
    input  wire        ev_record,
    input  wire        ev_inject,
    // settings
    output reg         run,
    output reg         source,
    output reg         ctl_reset,
    output reg  [11:0] frame_w,
    output reg  [11:0] frame_h,
    output reg  [6:0]  window,   // THRESH_WINDOW[6:0]; bit 7 is always 0 (range check)
    output reg  [17:0] plane0,   // THRESH_PLANE_0 {[23:16], [9:0]}
    output reg  [31:0] filter_w,
    output reg  [31:0] filter_h,
    output reg  [1:0]  mode,
    output reg  [10:0] roi_x,
    output reg  [11:0] roi_w,
    output reg  [10:0] roi_y,
    output reg  [11:0] roi_h
);
    reg [31:0] cnt_frames, cnt_dropped, cnt_overflow, cnt_proto, cnt_trunc, cnt_records,
               cnt_inject;
    reg sticky_ovf, sticky_trunc;

    // the request, registered
    reg        q_rd, q_wr;
    reg [7:0]  q_addr;
    reg [31:0] q_wdata;
    always @(posedge clk) begin
        q_rd <= reg_rd && !rst;
        q_wr <= reg_wr && !rst;
        q_addr <= reg_addr;
        q_wdata <= reg_wdata;
    end
    reg [31:0] rdata;
    reg        err;
    // stage 2: the answer (registered), and the write it allows
    reg        q2_wr;
    reg [7:0]  q2_addr;
    reg [31:0] q2_wdata;
    always @(posedge clk) begin
        reg_ack <= q_rd || q_wr;
        q2_wr <= q_wr && !err;
        q2_addr <= q_addr;
        q2_wdata <= q_wdata;
        if (q_rd || q_wr) begin
            reg_rdata <= rdata;
            reg_err <= err;
        end
    end

    wire [15:0] lo = q_wdata[15:0];
    wire [15:0] hi = q_wdata[31:16];
    // range checks as bit tests (no wide comparators): lo < 2048, hi <= 2048
    wire hi_le_2048 = hi[15:12] == 4'd0 && (!hi[11] || hi[10:0] == 11'd0);
    wire lo_le_2048 = lo[15:12] == 4'd0 && (!lo[11] || lo[10:0] == 11'd0);
    wire roi_ok = lo[15:11] == 5'd0 && hi_le_2048;

    // read mux and validity
    always @* begin
        rdata = 32'd0;
        err = 1'b0;
        case (q_addr)
            8'h00: rdata = 32'h414C5052;
            8'h01: rdata = {8'd1, 8'd1, RTL_REVISION};
            8'h02: rdata = CAPS;
            8'h03: rdata = CLOCK_HZ;
            8'h04: rdata = {28'd0, source, 2'b00, run};
            8'h05: rdata = {28'd0, sticky_trunc, sticky_ovf, st_in_frame, run || st_in_frame};
            8'h06: rdata = {4'd0, frame_h, 4'd0, frame_w};
            8'h07: rdata = {25'd0, window};
            8'h08: rdata = {8'd0, plane0[17:10], 6'd0, plane0[9:0]};
            8'h09, 8'h0A, 8'h0B: rdata = 32'd0;
            8'h0C: rdata = filter_w;
            8'h0D: rdata = filter_h;
            8'h0E: rdata = {30'd0, mode};
            8'h0F: rdata = {4'd0, roi_w, 5'd0, roi_x};
            8'h10: rdata = {4'd0, roi_h, 5'd0, roi_y};
            8'h20: rdata = cnt_frames;
            8'h21: rdata = cnt_dropped;
            8'h22: rdata = cnt_overflow;
            8'h23: rdata = cnt_proto;
            8'h24: rdata = cnt_trunc;
            8'h25: rdata = cnt_records;
            8'h26: rdata = cnt_inject;
            default: err = q_rd || q_wr;
        endcase
        if (q_wr) begin
            case (q_addr)
                8'h04: err = q_wdata[31:4] != 28'd0;
                8'h06: err = lo == 16'd0 || !lo_le_2048 || hi == 16'd0 || !hi_le_2048;
                8'h07: err = q_wdata[31:8] != 24'd0 || q_wdata[3:0] < 4'd2 ||
                                 q_wdata[3:0] > 4'd7 || q_wdata[7:4] > 4'd7;
                8'h08, 8'h09, 8'h0A, 8'h0B: err = q_wdata[31:24] != 8'd0 || q_wdata[15:10] != 6'd0;
                8'h0C, 8'h0D: err = 1'b0;
                8'h0E: err = q_wdata[31:2] != 30'd0 || q_wdata[1:0] == 2'd3;
                8'h0F, 8'h10: err = !roi_ok;
                default: err = 1'b1;
            endcase
        end
    end

    wire wr_ok = q2_wr;
    wire [11:0] lo2 = q2_wdata[11:0];
    wire [11:0] hi2 = q2_wdata[27:16];
    wire clear = wr_ok && q2_addr == 8'h04 && q2_wdata[2];

    always @(posedge clk) begin
        ctl_reset <= 1'b0;
        if (rst) begin
            run <= 1'b0;
            source <= 1'b0;
            frame_w <= 12'd1280;
            frame_h <= 12'd720;
            window <= 7'h24;
            plane0 <= {8'd8, 10'h246};
            filter_w <= 32'h00FF_0001;
            filter_h <= 32'h00FF_0008;
            mode <= 2'd1;
            roi_x <= 11'd0;
            roi_w <= 12'd0;
            roi_y <= 11'd0;
            roi_h <= 12'd0;
        end else if (wr_ok) begin
            case (q2_addr)
                8'h04: begin
                    run <= q2_wdata[0];
                    ctl_reset <= q2_wdata[1];
                    source <= q2_wdata[3];
                end
                8'h06: begin
                    frame_w <= lo2[11:0];
                    frame_h <= hi2[11:0];
                end
                8'h07: window <= q2_wdata[6:0];
                8'h08: plane0 <= {q2_wdata[23:16], q2_wdata[9:0]};
                8'h0C: filter_w <= q2_wdata;
                8'h0D: filter_h <= q2_wdata;
                8'h0E: mode <= q2_wdata[1:0];
                8'h0F: begin
                    roi_x <= lo2[10:0];
                    roi_w <= hi2[11:0];
                end
                8'h10: begin
                    roi_y <= lo2[10:0];
                    roi_h <= hi2[11:0];
                end
                default: ;
            endcase
        end
    end

    always @(posedge clk) begin
        if (rst || clear) begin
            cnt_frames <= 32'd0;
            cnt_dropped <= 32'd0;
            cnt_overflow <= 32'd0;
            cnt_proto <= 32'd0;
            cnt_trunc <= 32'd0;
            cnt_records <= 32'd0;
            cnt_inject <= 32'd0;
            sticky_ovf <= 1'b0;
            sticky_trunc <= 1'b0;
        end else begin
            if (ev_frame_ok) cnt_frames <= cnt_frames + 32'd1;
            if (ev_dropped) cnt_dropped <= cnt_dropped + 32'd1;
            if (ev_overflow) cnt_overflow <= cnt_overflow + 32'd1;
            if (ev_proto) cnt_proto <= cnt_proto + 32'd1;
            if (ev_trunc) cnt_trunc <= cnt_trunc + 32'd1;
            if (ev_record) cnt_records <= cnt_records + 32'd1;
            if (ev_inject) cnt_inject <= cnt_inject + 32'd1;
            if (ev_overflow) sticky_ovf <= 1'b1;
            if (ev_trunc) sticky_trunc <= 1'b1;
        end
    end
endmodule
`default_nettype wire
