`default_nettype none
`include "alpr_defs.vh"
// Purpose: turns the ccl token stream into the chunk byte stream of docs/PROTOCOL.md section 3
// (model: wire_writer in driver/wire.c as driven by sim/model.c): FRAME_HEAD for START, one
// ROW chunk per row of the pixel window (header sent with the window's first pixel, then one
// byte per pixel for GRAY8 or per 8 pixels for MASK1), COMP for REC, FRAME_TAIL for END (with
// the frame's ROW/COMP counts and the CRC-32 computed here, byte by byte). Keeps the chunk
// sequence number (restarted by RESET and by END with FL_RSTSEQ, after its tail).
// Input: valid/ready with s_ready from a register (an internal register slice holds the token
// with its window decisions, decoded on the way in).
// Output: a registered byte stream (valid/ready), one byte per cycle when the sink is ready.
// tail_done pulses when the last byte of a FRAME_TAIL is loaded into the output register.
module packetizer (
    input  wire        clk,
    input  wire        rst,
    // frame configuration (latched by frame_ctrl)
    input  wire [31:0] cfg_frame,
    input  wire [63:0] cfg_ts,
    input  wire [11:0] cfg_width,
    input  wire [11:0] cfg_height,
    input  wire [6:0]  cfg_window,
    input  wire [17:0] cfg_plane0,   // THRESH_PLANE_0 {[23:16], [9:0]}
    input  wire [1:0]  cfg_mode,
    input  wire [10:0] cfg_roi_x,
    input  wire [10:0] cfg_roi_y,
    input  wire [11:0] cfg_roi_w,
    input  wire [11:0] cfg_roi_h,
    // tokens from ccl
    input  wire        s_valid,
    output wire        s_ready,
    input  wire [2:0]  s_kind,
    input  wire [7:0]  s_pix,
    input  wire        s_ink,
    input  wire [10:0] s_x,
    input  wire [10:0] s_y,
    input  wire [4:0]  s_flags,
    input  wire [15:0] s_found,
    input  wire [10:0] s_rx0,
    input  wire [10:0] s_ry0,
    input  wire [10:0] s_rx1,
    input  wire [10:0] s_ry1,
    input  wire [15:0] s_rink,
    input  wire [8:0]  s_rlabel,
    input  wire [3:0]  s_redges,
    // byte stream
    output reg         m_axis_tvalid,
    input  wire        m_axis_tready,
    output reg  [7:0]  m_axis_tdata,
    // events
    output reg         tail_done,
    output reg         ev_frame_ok,
    output reg         ev_trunc,
    output reg         ev_record
);
    reg [15:0] seq, rows, records;
    reg [31:0] crc;
    reg [5:0]  bi;
    reg [7:0]  mbits;
    reg        crc_pend;     // the byte loaded last cycle still has to enter the CRC
    reg [7:0]  crc_b;

    // ---- per-frame constants (the configuration is stable during a frame) ----
    reg [11:0] roi_y_end, roi_x_last;
    reg [15:0] row_len;
    wire       mask = cfg_mode == 2'd2;
    always @(posedge clk) begin
        roi_y_end <= {1'b0, cfg_roi_y} + cfg_roi_h;
        roi_x_last <= {1'b0, cfg_roi_x} + cfg_roi_w - 12'd1;
        row_len <= {4'd0, (mask ? (cfg_roi_w + 12'd7) >> 3 : cfg_roi_w)} + 16'd4;
    end

    // ---- stage 1: the token, registered, with its chunk decisions ----
    reg        t_valid;
    reg [2:0]  t_kind;
    // The token's fields, packed: a kind reads only its own, so they share bits. REC:
    // {rx0, ry0, rx1, ry1, rink, rlabel, redges}; PIX: {pix, ink, y} and END: {found, flags} in
    // bits [20:0]. (73 bits instead of 114, in the input slice's two registers and here.)
    reg [72:0] t_pl;
    wire [7:0]  t_pix = t_pl[19:12];
    wire        t_ink = t_pl[11];
    wire [10:0] t_y = t_pl[10:0];
    wire [4:0]  t_flags = t_pl[4:0];
    wire [15:0] t_found = t_pl[20:5];
    wire [10:0] t_rx0 = t_pl[72:62], t_ry0 = t_pl[61:51], t_rx1 = t_pl[50:40],
                t_ry1 = t_pl[39:29];
    wire [15:0] t_rink = t_pl[28:13];
    wire [8:0]  t_rlabel = t_pl[12:4];
    wire [3:0]  t_redges = t_pl[3:0];
    reg        t_win, t_last, t_pixbyte;
    reg [2:0]  t_xo;
    reg [5:0]  t_nb;
    reg [7:0]  t_type;

    wire [11:0] xx = {1'b0, s_x};
    wire [11:0] yy = {1'b0, s_y};
    wire        in_win = cfg_mode != 2'd0 && yy >= {1'b0, cfg_roi_y} && yy < roi_y_end &&
                         xx >= {1'b0, cfg_roi_x} && xx <= roi_x_last;
    wire        win_first = s_x == cfg_roi_x;
    wire        win_last = xx == roi_x_last;
    wire [2:0]  xo = s_x[2:0] - cfg_roi_x[2:0];   // (x - roi_x) mod 8
    wire        pix_byte = !mask || xo == 3'd7 || win_last;

    // ---- stage 0: a register slice holding the token with its window decisions ----
    // (timing: the window comparisons sit between the upstream registers and this slice, and
    // s_ready is a register; the byte counts are decoded after it, into the token register)
    wire        u_valid;
    reg         u_ready;
    wire [2:0]  u_kind;
    wire [72:0] u_pl;
    wire        u_win, u_first, u_wlast, u_pixbyte;
    wire [2:0]  u_xo;
    wire [72:0] s_rec = {s_rx0, s_ry0, s_rx1, s_ry1, s_rink, s_rlabel, s_redges};
    wire [72:0] s_pl = {s_rec[72:21], s_kind == `TK_REC ? s_rec[20:0] :
                                      s_kind == `TK_END ? {s_found, s_flags}
                                                        : {1'b0, s_pix, s_ink, s_y}};
    axis_skid #(.DATA_WIDTH(83)) fskid (
        .clk(clk), .rst(rst),
        .s_valid(s_valid), .s_ready(s_ready),
        .s_data({s_kind, s_pl, in_win, win_first, win_last, pix_byte, xo}),
        .m_valid(u_valid), .m_ready(u_ready),
        .m_data({u_kind, u_pl, u_win, u_first, u_wlast, u_pixbyte, u_xo}));

    // the chunk's byte count and type
    reg [5:0] u_nb;
    reg [7:0] u_type;
    always @* begin
        u_nb = 6'd0;
        u_type = 8'h01;
        case (u_kind)
            `TK_START: u_nb = 6'd40;
            `TK_PIX: begin
                u_type = 8'h02;
                if (u_win)
                    u_nb = (u_first ? 6'd12 : 6'd0) + (u_pixbyte ? 6'd1 : 6'd0);
            end
            `TK_REC: begin
                u_type = 8'h03;
                u_nb = 6'd24;
            end
            `TK_END: begin
                u_type = 8'h04;
                u_nb = 6'd24;
            end
            default: ;
        endcase
    end
    wire u_nbz = u_nb == 6'd0;
    wire u_nb1 = u_nb == 6'd1;
    wire u_nsr = u_kind != `TK_PIX || (u_win && u_first);
    wire u_last = u_win && u_wlast;

    // ---- stage 2: bytes of the registered token ----
    wire [15:0] clen = t_type == 8'h01 ? 16'd32 : (t_type == 8'h02 ? row_len : 16'd16);
    wire [7:0] check = 8'h5C ^ 8'h41 ^ 8'h4C ^ t_type ^ seq[7:0] ^ seq[15:8] ^
                       clen[7:0] ^ clen[15:8];
    wire [63:0] hdr = {clen, seq, check, t_type, 8'h4C, 8'h41};
    wire [31:0] crc_out = ~crc;
    wire [7:0]  mask_byte = mbits | ({7'd0, t_ink} << t_xo);
    reg [319:0] img;    // the chunk, byte 0 in bits [7:0]
    always @* begin
        img = 320'd0;
        img[63:0] = hdr;
        case (t_kind)
            `TK_START: img[319:64] = {{8'd0, cfg_plane0[17:10], 6'd0, cfg_plane0[9:0]}, 4'd0, cfg_roi_h, 4'd0, cfg_roi_w,
                                      5'd0, cfg_roi_y, 5'd0, cfg_roi_x, 4'd0, cfg_height,
                                      4'd0, cfg_width, cfg_ts, cfg_frame, 1'b0, cfg_window,
                                      7'd0, cfg_plane0[9], 6'd0, cfg_mode, 8'd1};
            `TK_PIX: img[103:64] = {mask ? mask_byte : t_pix, 5'd0, cfg_roi_x, 5'd0, t_y};
            `TK_REC: img[191:64] = {16'd0, 7'd0, t_rlabel, 4'd0, t_redges, 8'd0, t_rink,
                                    5'd0, t_ry1, 5'd0, t_rx1, 5'd0, t_ry0, 5'd0, t_rx0};
            `TK_END: img[191:64] = {crc_out, 12'd0, t_flags[3:0], rows, t_found, records,
                                    cfg_frame};
            default: ;
        endcase
    end
    // Bytes are selected from the chunk image by the byte index (the image is stable while
    // the token is sent: its fields are the token's registers, the latched configuration and
    // counters that change only after its last byte). A 320-bit shift register loaded from
    // the image cost a third more logic cells and a cycle per chunk. A PIX token that is not
    // the first of its row sends only its pixel byte; the tail's CRC bytes come from crc_out.
    // The image byte is selected a byte ahead: img_nx is loaded with byte bi + 1 when byte bi
    // is loaded, so the selection ends in a register, not in the output's (timing). Byte 0 of
    // every chunk is the constant sync byte, sent before img_nx holds anything of its token.
    reg        needs_sr;     // not a PIX, or the first of its row in the window (registered)
    reg  [5:0] bi1;          // bi + 1
    reg        bi_z;         // bi == 0
    reg  [7:0] img_nx;       // img byte bi, loaded with byte bi - 1
    wire [7:0] pix_data = mask ? mask_byte : t_pix;
    reg  [7:0] byte_now;
    always @* begin
        if (!needs_sr || (t_kind == `TK_PIX && bi == 6'd12))
            byte_now = pix_data;
        else if (t_kind == `TK_END && bi >= 6'd20)
            byte_now = crc_out[{bi[1:0], 3'd0} +: 8];
        else if (bi_z)
            byte_now = 8'h41;
        else
            byte_now = img_nx;
    end
    wire [5:0] idx = bi;

    function [31:0] crc_byte(input [31:0] c, input [7:0] d);
        integer i;
        reg [31:0] r;
        begin
            r = c ^ {24'd0, d};
            for (i = 0; i < 8; i = i + 1)
                r = r[0] ? (r >> 1) ^ 32'hEDB88320 : r >> 1;
            crc_byte = r;
        end
    endfunction

    wire ofree = !m_axis_tvalid || m_axis_tready;
    // crc_wait = (t_kind == END && idx == 20 && crc_pend), kept in a register: it holds in
    // the cycle after byte 19 of a tail was loaded (timing)
    reg  crc_wait;
    // t_nb == 0, bi == t_nb - 1 and "no token or one without bytes" (ready_imm) are kept in
    // registers, so u_ready (which gates the wide register slice in front) is a function of
    // registers only, a few LUTs deep (timing)
    reg  t_nbz, last_byte, ready_imm;
    wire ld_ok, ld_fin;   // (pkt_ldok: computed apart, so u_ready is one LUT after ofree)
    pkt_ldok ldk (
        .t_valid(t_valid), .t_nbz(t_nbz), .crc_wait(crc_wait), .last_byte(last_byte),
        .ld_ok(ld_ok), .ld_fin(ld_fin));
    wire load = ld_ok && ofree;
    wire t_done = t_valid && (t_nbz || (load && last_byte));
    always @* u_ready = ready_imm || (ld_fin && ofree);   // = !t_valid || t_done

    always @(posedge clk) begin
        if (u_ready) begin
            t_valid <= u_valid;
            t_kind <= u_kind;
            t_pl <= u_pl;
            t_win <= u_win;
            needs_sr <= u_nsr;
            t_last <= u_last;
            t_pixbyte <= u_pixbyte;
            t_xo <= u_xo;
            t_nb <= u_nb;
            t_nbz <= u_nbz;
            ready_imm <= !u_valid || u_nbz;
            t_type <= u_type;
        end
        if (rst) begin
            t_valid <= 1'b0;
            ready_imm <= 1'b1;
        end
    end

    always @(posedge clk) begin
        tail_done <= 1'b0;
        ev_frame_ok <= 1'b0;
        ev_trunc <= 1'b0;
        ev_record <= 1'b0;
        if (m_axis_tvalid && m_axis_tready)
            m_axis_tvalid <= 1'b0;
        if (rst) begin
            m_axis_tvalid <= 1'b0;
            seq <= 16'd0;
            bi <= 6'd0;
            bi1 <= 6'd1;
            bi_z <= 1'b1;
            crc <= 32'hFFFFFFFF;
            crc_pend <= 1'b0;
            crc_wait <= 1'b0;
            rows <= 16'd0;
            records <= 16'd0;
            mbits <= 8'd0;
        end else begin
            crc_pend <= 1'b0;
            crc_wait <= load && t_kind == `TK_END && bi == 6'd19;
            if (crc_pend)
                crc <= crc_byte(crc, crc_b);
            if (load) begin
                m_axis_tvalid <= 1'b1;
                m_axis_tdata <= byte_now;
                crc_b <= byte_now;
                crc_pend <= !(t_kind == `TK_END && idx >= 6'd20);
                if (t_kind == `TK_START && bi == 6'd0)
                    crc <= 32'hFFFFFFFF;
                bi <= last_byte ? 6'd0 : bi1;
                bi1 <= last_byte ? 6'd1 : bi1 + 6'd1;
                bi_z <= last_byte;
                img_nx <= img[{bi1, 3'd0} +: 8];
                last_byte <= bi + 6'd2 == t_nb;
            end
            if (t_done) begin
                case (t_kind)
                    `TK_START: begin
                        seq <= seq + 16'd1;
                        rows <= 16'd0;
                        records <= 16'd0;
                        mbits <= 8'd0;
                    end
                    `TK_PIX: if (t_win) begin
                        if (mask)
                            mbits <= t_pixbyte ? 8'd0 : mask_byte;
                        if (t_last) begin
                            seq <= seq + 16'd1;
                            rows <= rows + 16'd1;
                        end
                    end
                    `TK_REC: begin
                        seq <= seq + 16'd1;
                        records <= records + 16'd1;
                        ev_record <= 1'b1;
                    end
                    `TK_END: begin
                        seq <= t_flags[`FL_RSTSEQ] ? 16'd0 : seq + 16'd1;
                        tail_done <= 1'b1;
                        ev_frame_ok <= !t_flags[`FL_ABORTED];
                        ev_trunc <= t_flags[`FL_TRUNC];
                    end
                    `TK_RESET: seq <= 16'd0;
                    default: ;
                endcase
            end
        end
        // a new token starts at byte 0 (after the last byte of the previous one, or none)
        if (u_ready)
            last_byte <= u_nb1;
    end
endmodule
`default_nettype wire
