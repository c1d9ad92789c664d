`default_nettype none
`include "alpr_defs.vh"
// Purpose: the frame controller. Reads the camera FIFO, checks the frame format against the
// configuration it latches at start of frame, and turns the stream into tokens for the
// pipeline (see alpr_defs.vh): START, then exactly width PIX tokens per line (an aborted line
// is padded with zero pixels marked lbl = 0), then END with the tail flags; RESET when
// CONTROL.RESET arrives outside a frame. Implements the table of docs/BOARD.md section 1
// (model: model_pixel / board_abort in sim/model.c).
// A new frame starts only when the pipeline has finished the previous one (busy, cleared by
// the packetizer's tail_done): until then the SOF waits in the FIFO. Output is a registered
// valid/ready stream, one token per cycle at most; the input is popped at most once per cycle.
module frame_ctrl (
    input  wire        clk,
    input  wire        rst,
    // live registers
    input  wire        run,
    input  wire        ctl_reset,
    input  wire [11:0] reg_width,
    input  wire [11:0] reg_height,
    input  wire [6:0]  reg_window,
    input  wire [17:0] reg_plane0,
    input  wire [31:0] reg_filter_w,
    input  wire [31:0] reg_filter_h,
    input  wire [1:0]  reg_mode,
    input  wire [10:0] reg_roi_x,   // ROI_X[10:0] first column
    input  wire [11:0] reg_roi_w,   // ROI_X[27:16] width (0: to the edge)
    input  wire [10:0] reg_roi_y,
    input  wire [11:0] reg_roi_h,
    input  wire [63:0] ts_sof,
    input  wire        tail_done,
    // camera FIFO
    input  wire        s_axis_tvalid,
    output reg         s_axis_tready,
    input  wire [7:0]  s_axis_tdata,
    input  wire [1:0]  s_axis_tuser,
    input  wire        s_axis_tlast,
    // tokens
    output reg         m_valid,
    input  wire        m_ready,
    output reg  [2:0]  m_kind,
    output reg  [7:0]  m_pix,
    output reg  [10:0] m_x,
    output reg  [10:0] m_y,
    output reg         m_eol,
    output reg         m_lbl,
    output reg  [4:0]  m_flags,
    // latched configuration of the frame in progress
    output reg  [11:0] cfg_width,
    output reg  [11:0] cfg_height,
    output reg  [6:0]  cfg_window,
    output reg  [17:0] cfg_plane0,
    output reg  [15:0] cfg_min_w,
    output reg  [15:0] cfg_max_w,
    output reg  [15:0] cfg_min_h,
    output reg  [15:0] cfg_max_h,
    output reg  [1:0]  cfg_mode,
    output reg  [10:0] cfg_roi_x,
    output reg  [10:0] cfg_roi_y,
    output reg  [11:0] cfg_roi_w,
    output reg  [11:0] cfg_roi_h,
    output reg  [31:0] cfg_frame,
    output reg  [63:0] cfg_ts,
    // events and status
    output reg         ev_overflow,
    output reg         ev_proto,
    output reg         ev_dropped,
    output wire        in_frame,
    output wire        busy_o      // a frame is in the pipeline (START sent, tail not yet)
);
    localparam S_SKIP = 3'd0, S_IDLE = 3'd1, S_FRAME = 3'd2, S_PAD = 3'd3, S_END = 3'd4;

    reg [2:0]  state;
    reg [11:0] col, row;
    reg        first;
    reg [4:0]  ab_flags;
    reg        busy, rst_pend, run_q, skip_req;
    // RUN from the register file, registered here: it comes from across the chip (it was the
    // critical path on one placement seed). One clock later is safe for the same reason as the
    // ROI registers below: a pixel pushed after the write needs longer through the FIFO.
    reg        run_r;
    always @(posedge clk)
        run_r <= !rst && run;
    reg [31:0] frame_no;

    assign in_frame = state == S_FRAME || state == S_PAD;
    assign busy_o = busy;

    wire ofree = !m_valid || m_ready;
    wire in_sof = s_axis_tuser[0];
    wire in_ovf = s_axis_tuser[1];
    // col == width - 1, row == height - 1 and col != 0 kept in registers, updated with col and row (timing:
    // no comparison before the pop decisions)
    reg  [11:0] wm2, hm2;   // latched width - 2, height - 2
    reg         w_is1;      // latched width == 1
    reg         lastc, lastr, col_nz;
    wire last_col = lastc;
    wire last_row = lastr;

    // Window clipping at start of frame (docs/BOARD.md section 1).
    wire [11:0] rx = {1'b0, reg_roi_x};
    wire [11:0] ry = {1'b0, reg_roi_y};
    wire        roi_empty = rx >= reg_width || ry >= reg_height;
    wire [11:0] rw_max = reg_width - rx;
    wire [11:0] rh_max = reg_height - ry;
    wire [11:0] rw_req = reg_roi_w;
    wire [11:0] rh_req = reg_roi_h;
    // registered one cycle after the registers change: a register write reaches the latch
    // here before any pixel pushed after it can reach this controller through the FIFO
    reg [11:0] roi_w, roi_h;
    reg        roi_none;
    always @(posedge clk) begin
        roi_w <= (rw_req != 12'd0 && rw_req < rw_max) ? rw_req : rw_max;
        roi_h <= (rh_req != 12'd0 && rh_req < rh_max) ? rh_req : rh_max;
        roi_none <= roi_empty || reg_mode == 2'd0;
    end

    // Pop decision (combinational; the sequential block below mirrors it).
    always @* begin
        s_axis_tready = 1'b0;
        if (ofree && !rst_pend && s_axis_tvalid) begin
            case (state)
                S_SKIP, S_IDLE:
                    s_axis_tready = !run_r || in_ovf || !in_sof;
                S_FRAME:
                    s_axis_tready = in_ovf || !in_sof || first;
                default:
                    s_axis_tready = 1'b0;
            endcase
        end
    end

    always @(posedge clk) begin
        ev_overflow <= 1'b0;
        ev_proto <= 1'b0;
        ev_dropped <= 1'b0;
        if (rst) begin
            state <= S_SKIP;
            m_valid <= 1'b0;
            busy <= 1'b0;
            rst_pend <= 1'b0;
            frame_no <= 32'd0;
            run_q <= 1'b0;
            skip_req <= 1'b0;
            col <= 12'd0;
            col_nz <= 1'b0;
            lastc <= 1'b0;
            row <= 12'd0;
            lastr <= 1'b0;
            first <= 1'b0;
            ab_flags <= 5'd0;
        end else begin
            run_q <= run_r;
            if (run_r && !run_q && (state == S_IDLE || state == S_END))
                skip_req <= 1'b1;
            if (tail_done)
                busy <= 1'b0;
            if (ctl_reset) begin
                rst_pend <= 1'b1;
                frame_no <= 32'd0;
            end
            if (m_valid && m_ready)
                m_valid <= 1'b0;
            if (ofree && rst_pend) begin
                rst_pend <= 1'b0;
                case (state)
                    S_FRAME: begin
                        ab_flags <= (5'd1 << `FL_ABORTED) | (5'd1 << `FL_INERR) |
                                    (5'd1 << `FL_RSTSEQ);
                        ev_proto <= 1'b1;
                        ev_dropped <= 1'b1;
                        state <= col_nz ? S_PAD : S_END;
                    end
                    S_PAD, S_END:
                        ab_flags <= ab_flags | (5'd1 << `FL_RSTSEQ);
                    default: begin
                        m_valid <= 1'b1;
                        m_kind <= `TK_RESET;
                        m_flags <= 5'd0;
                        state <= S_SKIP;
                        skip_req <= 1'b0;
                    end
                endcase
            end else if (ofree) begin
                case (state)
                    S_SKIP, S_IDLE: if (s_axis_tvalid) begin
                        if (!run_r) begin
                            // RUN off: everything is discarded, nothing counted
                        end else if (in_ovf) begin
                            ev_overflow <= 1'b1;
                            state <= S_SKIP;
                        end else if (in_sof) begin
                            if (!busy) begin
                                cfg_width <= reg_width;
                                cfg_height <= reg_height;
                                wm2 <= reg_width - 12'd2;
                                hm2 <= reg_height - 12'd2;
                                w_is1 <= reg_width == 12'd1;
                                cfg_window <= reg_window;
                                cfg_plane0 <= reg_plane0;
                                cfg_min_w <= reg_filter_w[15:0];
                                cfg_max_w <= reg_filter_w[31:16];
                                cfg_min_h <= reg_filter_h[15:0];
                                cfg_max_h <= reg_filter_h[31:16];
                                cfg_mode <= roi_none ? 2'd0 : reg_mode;
                                cfg_roi_x <= roi_none ? 11'd0 : reg_roi_x;
                                cfg_roi_y <= roi_none ? 11'd0 : reg_roi_y;
                                cfg_roi_w <= roi_none ? 12'd0 : roi_w;
                                cfg_roi_h <= roi_none ? 12'd0 : roi_h;
                                cfg_frame <= frame_no;
                                cfg_ts <= ts_sof;
                                frame_no <= frame_no + 32'd1;
                                busy <= 1'b1;
                                m_valid <= 1'b1;
                                m_kind <= `TK_START;
                                m_flags <= 5'd0;
                                state <= S_FRAME;
                                skip_req <= 1'b0;
                                first <= 1'b1;
                                col <= 12'd0;
                                col_nz <= 1'b0;
                                lastc <= reg_width == 12'd1;
                                row <= 12'd0;
                                lastr <= reg_height == 12'd1;
                            end
                        end else if (state == S_IDLE) begin
                            ev_proto <= 1'b1;
                            state <= S_SKIP;
                        end
                    end else if (state == S_IDLE && skip_req) begin
                        state <= S_SKIP;
                        skip_req <= 1'b0;
                    end
                    S_FRAME: if (s_axis_tvalid) begin
                        if (in_ovf) begin
                            ab_flags <= (5'd1 << `FL_ABORTED) | (5'd1 << `FL_OVF);
                            ev_overflow <= 1'b1;
                            ev_dropped <= 1'b1;
                            state <= col_nz ? S_PAD : S_END;
                        end else if (in_sof && !first) begin
                            ab_flags <= (5'd1 << `FL_ABORTED) | (5'd1 << `FL_INERR);
                            ev_proto <= 1'b1;
                            ev_dropped <= 1'b1;
                            state <= col_nz ? S_PAD : S_END;
                        end else begin
                            first <= 1'b0;
                            m_valid <= 1'b1;
                            m_kind <= `TK_PIX;
                            m_pix <= s_axis_tdata;
                            m_x <= col[10:0];
                            m_y <= row[10:0];
                            m_eol <= last_col;
                            m_lbl <= 1'b1;
                            if (s_axis_tlast && !last_col) begin
                                ab_flags <= (5'd1 << `FL_ABORTED) | (5'd1 << `FL_INERR);
                                ev_proto <= 1'b1;
                                ev_dropped <= 1'b1;
                                col <= col + 12'd1;
                                col_nz <= 1'b1;
                                lastc <= col == wm2;
                                state <= S_PAD;
                            end else if (last_col) begin
                                col <= 12'd0;
                                col_nz <= 1'b0;
                                lastc <= w_is1;
                                if (!s_axis_tlast) begin
                                    ab_flags <= (5'd1 << `FL_ABORTED) | (5'd1 << `FL_INERR);
                                    ev_proto <= 1'b1;
                                    ev_dropped <= 1'b1;
                                    state <= S_END;
                                end else if (last_row) begin
                                    ab_flags <= 5'd0;
                                    state <= S_END;
                                end else begin
                                    row <= row + 12'd1;
                                    lastr <= row == hm2;
                                end
                            end else begin
                                col <= col + 12'd1;
                                col_nz <= 1'b1;
                                lastc <= col == wm2;
                            end
                        end
                    end
                    S_PAD: begin
                        m_valid <= 1'b1;
                        m_kind <= `TK_PIX;
                        m_pix <= 8'd0;
                        m_x <= col[10:0];
                        m_y <= row[10:0];
                        m_eol <= last_col;
                        m_lbl <= 1'b0;
                        if (last_col) begin
                            col <= 12'd0;
                            col_nz <= 1'b0;
                            lastc <= w_is1;
                            state <= S_END;
                        end else begin
                            col <= col + 12'd1;
                            col_nz <= 1'b1;
                            lastc <= col == wm2;
                        end
                    end
                    S_END: begin
                        m_valid <= 1'b1;
                        m_kind <= `TK_END;
                        m_flags <= ab_flags;
                        // after an abort or a CONTROL.RESET (RSTSEQ): SKIP
                        if (ab_flags[`FL_ABORTED] || ab_flags[`FL_RSTSEQ] || skip_req) begin
                            state <= S_SKIP;
                            skip_req <= 1'b0;
                        end else begin
                            state <= S_IDLE;
                        end
                    end
                    default: state <= S_SKIP;
                endcase
            end
        end
    end
endmodule
`default_nettype wire
