`default_nettype none
`include "alpr_defs.vh"
// Purpose: the camera board's pipeline, top level: camera -> cam_fifo -> frame_ctrl -> thresh
// -> ccl -> packetizer -> byte stream toward the USB FIFO bridge, with the register file
// behind the vendor requests. One clock domain (the pixel clock). Synchronous active-high rst.
// Camera: cam_valid/cam_data/cam_sof/cam_eol, no backpressure (a full FIFO drops the frame).
// Registers: one-cycle reg_rd / reg_wr requests; reg_ack with reg_rdata / reg_err two cycles
// later (regfile.v). Output: m_axis_tdata bytes, valid/ready. docs/BOARD.md describes the
// algorithm; sim/model.c is the bit-exact reference.
module alpr_board #(
    parameter FIFO_ADDR_WIDTH = 9
) (
    input  wire        clk,
    input  wire        rst,
    // camera
    input  wire        cam_valid,
    input  wire [7:0]  cam_data,
    input  wire        cam_sof,
    input  wire        cam_eol,
    // registers
    input  wire        reg_rd,
    input  wire        reg_wr,
    input  wire [7:0]  reg_addr,
    input  wire [31:0] reg_wdata,
    output wire [31:0] reg_rdata,
    output wire        reg_err,
    output wire        reg_ack,
    // result stream
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready,
    output wire [7:0]  m_axis_tdata,
    // status for test benches: camera FIFO has room for 16 pixels / is empty; a frame is in
    // the pipeline
    output wire        cam_room,
    output wire        cam_empty,
    output wire        busy
);
    // ---- reset, registered once (it fans out to every module) ----
    reg rst_q;
    always @(posedge clk)
        rst_q <= rst;

    // ---- tick counter (64 bits, carry into the high word pipelined) ----
    wire        ctl_reset;
    reg  [31:0] ts_lo, ts_hi;
    reg         lo_max;
    always @(posedge clk) begin
        if (rst_q || ctl_reset) begin
            ts_lo <= 32'd0;
            ts_hi <= 32'd0;
            lo_max <= 1'b0;
        end else begin
            ts_lo <= ts_lo + 32'd1;
            lo_max <= ts_lo == 32'hFFFF_FFFE;
            if (lo_max)
                ts_hi <= ts_hi + 32'd1;
        end
    end

    // ---- registers ----
    wire        run, source, in_frame;
    wire [11:0] r_fw, r_fh, r_roi_w, r_roi_h;
    wire [6:0]  r_window;
    wire [17:0] r_plane0;
    wire [31:0] r_filt_w, r_filt_h;
    wire [1:0]  r_mode;
    wire [10:0] r_roi_x, r_roi_y;
    wire ev_frame_ok, ev_dropped, ev_overflow, ev_proto, ev_trunc, ev_record;

    regfile regs (
        .clk(clk), .rst(rst_q),
        .reg_rd(reg_rd), .reg_wr(reg_wr), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
        .reg_rdata(reg_rdata), .reg_err(reg_err), .reg_ack(reg_ack),
        .st_in_frame(in_frame), .ev_frame_ok(ev_frame_ok), .ev_dropped(ev_dropped),
        .ev_overflow(ev_overflow), .ev_proto(ev_proto), .ev_trunc(ev_trunc),
        .ev_record(ev_record), .ev_inject(1'b0),
        .run(run), .source(source), .ctl_reset(ctl_reset),
        .frame_w(r_fw), .frame_h(r_fh), .window(r_window), .plane0(r_plane0),
        .filter_w(r_filt_w), .filter_h(r_filt_h), .mode(r_mode),
        .roi_x(r_roi_x), .roi_w(r_roi_w), .roi_y(r_roi_y), .roi_h(r_roi_h));

    // CONTROL.SOURCE (frames injected over USB) is stored for the host to read back; the
    // injection path lives in the USB bridge, outside this pipeline.
    wire unused_source = source;

    // ---- camera FIFO ----
    wire        f_valid, f_ready, f_last, fq_valid, fq_ready, fq_last, fifo_empty;
    wire [7:0]  f_data, fq_data;
    wire [1:0]  f_user, fq_user;
    wire [63:0] ts_sof;
    cam_fifo #(.ADDR_WIDTH(FIFO_ADDR_WIDTH)) fifo (
        .clk(clk), .rst(rst_q), .flush(ctl_reset), .ts({ts_hi, ts_lo}),
        .cam_valid(cam_valid), .cam_data(cam_data), .cam_sof(cam_sof), .cam_eol(cam_eol),
        .m_axis_tvalid(fq_valid), .m_axis_tready(fq_ready), .m_axis_tdata(fq_data),
        .m_axis_tuser(fq_user), .m_axis_tlast(fq_last), .ts_sof(ts_sof), .room(cam_room),
        .empty(fifo_empty));
    // a register slice after the FIFO (timing: the controller's pop decision reads registers,
    // not the FIFO's RAM); it belongs to the FIFO: emptied with it by CONTROL.RESET, and
    // cam_empty covers it
    axis_skid #(.DATA_WIDTH(11)) skid_c (
        .clk(clk), .rst(rst_q || ctl_reset),
        .s_valid(fq_valid), .s_ready(fq_ready), .s_data({fq_data, fq_user, fq_last}),
        .m_valid(f_valid), .m_ready(f_ready), .m_data({f_data, f_user, f_last}));
    assign cam_empty = fifo_empty && !f_valid;

    // ---- frame controller ----
    wire        a0_valid, a0_ready, a0_eol, a0_lbl;
    wire [2:0]  a0_kind;
    wire [7:0]  a0_pix;
    wire [10:0] a0_x, a0_y;
    wire [4:0]  a0_flags;
    wire        a_valid, a_ready, a_eol, a_lbl, a_ispix;
    wire [2:0]  a_kind;
    wire [7:0]  a_pix;
    wire [10:0] a_x, a_y;
    wire [4:0]  a_flags;
    wire [11:0] c_w, c_h, c_roi_w, c_roi_h;
    wire [6:0]  c_window;
    wire [17:0] c_plane0;
    wire [15:0] c_min_w, c_max_w, c_min_h, c_max_h;
    wire [1:0]  c_mode;
    wire [10:0] c_roi_x, c_roi_y;
    wire [31:0] c_frame;
    wire [63:0] c_ts;
    wire        tail_done;
    frame_ctrl ctrl (
        .clk(clk), .rst(rst_q), .run(run), .ctl_reset(ctl_reset),
        .reg_width(r_fw), .reg_height(r_fh), .reg_window(r_window), .reg_plane0(r_plane0),
        .reg_filter_w(r_filt_w), .reg_filter_h(r_filt_h), .reg_mode(r_mode),
        .reg_roi_x(r_roi_x), .reg_roi_w(r_roi_w), .reg_roi_y(r_roi_y), .reg_roi_h(r_roi_h),
        .ts_sof(ts_sof), .tail_done(tail_done),
        .s_axis_tvalid(f_valid), .s_axis_tready(f_ready), .s_axis_tdata(f_data),
        .s_axis_tuser(f_user), .s_axis_tlast(f_last),
        .m_valid(a0_valid), .m_ready(a0_ready), .m_kind(a0_kind), .m_pix(a0_pix), .m_x(a0_x),
        .m_y(a0_y), .m_eol(a0_eol), .m_lbl(a0_lbl), .m_flags(a0_flags),
        .cfg_width(c_w), .cfg_height(c_h), .cfg_window(c_window), .cfg_plane0(c_plane0),
        .cfg_min_w(c_min_w), .cfg_max_w(c_max_w), .cfg_min_h(c_min_h), .cfg_max_h(c_max_h),
        .cfg_mode(c_mode), .cfg_roi_x(c_roi_x), .cfg_roi_y(c_roi_y), .cfg_roi_w(c_roi_w),
        .cfg_roi_h(c_roi_h), .cfg_frame(c_frame), .cfg_ts(c_ts),
        .ev_overflow(ev_overflow), .ev_proto(ev_proto), .ev_dropped(ev_dropped),
        .in_frame(in_frame), .busy_o(busy));

    // register slices between the stages: no combinational valid/ready path crosses them
    // (the slice also carries "kind is PIX", decoded before it: thresh's step decision takes
    // it one LUT after the slice's output multiplexer; timing)
    axis_fifo2 #(.DATA_WIDTH(41)) skid_a (
        .clk(clk), .rst(rst_q),
        .s_valid(a0_valid), .s_ready(a0_ready),
        .s_data({a0_kind, a0_pix, a0_x, a0_y, a0_eol, a0_lbl, a0_flags, a0_kind == `TK_PIX}),
        .m_valid(a_valid), .m_ready(a_ready),
        .m_data({a_kind, a_pix, a_x, a_y, a_eol, a_lbl, a_flags, a_ispix}));

    // frame_ctrl's x and eol are recomputed by thresh from its lead counter
    wire [10:0] unused_ax = a_x;
    wire        unused_aeol = a_eol;

    // ---- threshold ----
    wire        b0_valid, b0_ready, b0_ink, b0_eol, b0_lbl;
    wire [2:0]  b0_kind;
    wire [7:0]  b0_pix;
    wire [10:0] b0_x, b0_y;
    wire [4:0]  b0_flags;
    wire        b_valid, b_ready, b_ink, b_eol, b_lbl;
    wire [2:0]  b_kind;
    wire [7:0]  b_pix;
    wire [10:0] b_x, b_y;
    wire [4:0]  b_flags;
    thresh thr (
        .clk(clk), .rst(rst_q), .cfg_width(c_w), .cfg_window(c_window),
        .cfg_plane0({c_plane0[17:10], c_plane0[8:0]}),
        .s_valid(a_valid), .s_ready(a_ready), .s_kind(a_kind), .s_ispix(a_ispix), .s_pix(a_pix),
        .s_y(a_y),
        .s_lbl(a_lbl), .s_flags(a_flags),
        .m_valid(b0_valid), .m_ready(b0_ready), .m_kind(b0_kind), .m_pix(b0_pix),
        .m_ink(b0_ink), .m_x(b0_x), .m_y(b0_y), .m_eol(b0_eol), .m_lbl(b0_lbl),
        .m_flags(b0_flags));
    axis_fifo2 #(.DATA_WIDTH(41)) skid_b (
        .clk(clk), .rst(rst_q),
        .s_valid(b0_valid), .s_ready(b0_ready),
        .s_data({b0_kind, b0_pix, b0_ink, b0_x, b0_y, b0_eol, b0_lbl, b0_flags}),
        .m_valid(b_valid), .m_ready(b_ready),
        .m_data({b_kind, b_pix, b_ink, b_x, b_y, b_eol, b_lbl, b_flags}));

    // ---- labelling ----
    wire        d0_valid, d0_ready, d0_ink;
    wire [2:0]  d0_kind;
    wire [7:0]  d0_pix;
    wire [10:0] d0_x, d0_y, d0_rx0, d0_ry0, d0_rx1, d0_ry1;
    wire [4:0]  d0_flags;
    wire [15:0] d0_found, d0_rink;
    wire [8:0]  d0_rlabel;
    wire [3:0]  d0_redges;
    wire        d_valid, d_ready, d_ink;
    wire [2:0]  d_kind;
    wire [7:0]  d_pix;
    wire [10:0] d_x, d_y, d_rx0, d_ry0, d_rx1, d_ry1;
    wire [4:0]  d_flags;
    wire [15:0] d_found, d_rink;
    wire [8:0]  d_rlabel;
    wire [3:0]  d_redges;
    ccl lab (
        .clk(clk), .rst(rst_q), .cfg_width(c_w), .cfg_height(c_h), .cfg_enable(c_plane0[9]),
        .cfg_min_w(c_min_w), .cfg_max_w(c_max_w), .cfg_min_h(c_min_h), .cfg_max_h(c_max_h),
        .in_valid(b_valid), .in_ready(b_ready), .in_kind(b_kind), .in_pix(b_pix),
        .in_ink(b_ink), .in_x(b_x), .in_y(b_y), .in_eol(b_eol), .in_lbl(b_lbl),
        .in_flags(b_flags),
        .m_valid(d0_valid), .m_ready(d0_ready), .m_kind(d0_kind), .m_pix(d0_pix),
        .m_ink(d0_ink), .m_x(d0_x), .m_y(d0_y), .m_flags(d0_flags), .m_found(d0_found),
        .m_rx0(d0_rx0), .m_ry0(d0_ry0), .m_rx1(d0_rx1), .m_ry1(d0_ry1), .m_rink(d0_rink),
        .m_rlabel(d0_rlabel), .m_redges(d0_redges));
    // (the packetizer's input is a register slice of its own, after its window decoding)
    assign d_valid = d0_valid;
    assign d0_ready = d_ready;
    assign {d_kind, d_pix, d_ink, d_x, d_y, d_flags, d_found, d_rx0, d_ry0, d_rx1, d_ry1,
            d_rink, d_rlabel, d_redges} =
           {d0_kind, d0_pix, d0_ink, d0_x, d0_y, d0_flags, d0_found, d0_rx0, d0_ry0, d0_rx1,
            d0_ry1, d0_rink, d0_rlabel, d0_redges};

    // ---- packetizer, then a register slice to the output port ----
    wire       o_valid, o_ready;
    wire [7:0] o_data;
    axis_skid #(.DATA_WIDTH(8)) skid_o (
        .clk(clk), .rst(rst_q),
        .s_valid(o_valid), .s_ready(o_ready), .s_data(o_data),
        .m_valid(m_axis_tvalid), .m_ready(m_axis_tready), .m_data(m_axis_tdata));
    packetizer pkt (
        .clk(clk), .rst(rst_q),
        .cfg_frame(c_frame), .cfg_ts(c_ts), .cfg_width(c_w), .cfg_height(c_h),
        .cfg_window(c_window), .cfg_plane0(c_plane0), .cfg_mode(c_mode),
        .cfg_roi_x(c_roi_x), .cfg_roi_y(c_roi_y), .cfg_roi_w(c_roi_w), .cfg_roi_h(c_roi_h),
        .s_valid(d_valid), .s_ready(d_ready), .s_kind(d_kind), .s_pix(d_pix), .s_ink(d_ink),
        .s_x(d_x), .s_y(d_y), .s_flags(d_flags), .s_found(d_found),
        .s_rx0(d_rx0), .s_ry0(d_ry0), .s_rx1(d_rx1), .s_ry1(d_ry1), .s_rink(d_rink),
        .s_rlabel(d_rlabel), .s_redges(d_redges),
        .m_axis_tvalid(o_valid), .m_axis_tready(o_ready), .m_axis_tdata(o_data),
        .tail_done(tail_done), .ev_frame_ok(ev_frame_ok), .ev_trunc(ev_trunc),
        .ev_record(ev_record));
endmodule
`default_nettype wire
