`default_nettype none
`timescale 1ns/1ps
`include "alpr_defs.vh"
// Test bench of rtl/frame_ctrl.v against the frame-format table of docs/BOARD.md section 1
// (and PROTOCOL.md section 5), written here as an untimed model: every camera entry the bench
// offers (pixel with SOF / EOL, overflow marker), every CONTROL.RESET, RUN change and register
// change goes through the model in order, which appends the tokens the controller must send
// (START with the configuration latched at start of frame, PIX with x, y, eol, lbl and the
// pixel, zero padding of an aborted line, END with the tail flags, RESET) and counts the events
// (ev_overflow, ev_proto, ev_dropped). The sink compares every token in order; the latched
// configuration (cfg_*: size, window, plane, filter min/max, mode and pixel window clipped as
// section 1 says, frame number, SOF timestamp) is checked at START and must hold until END
// while the bench changes the registers mid-frame. A reset that meets a frame whose END is
// still to be sent may ride on that END (flag bit 4, RSTSEQ) instead of a RESET token: the
// sink accepts either, as the packetizer treats them alike. The bench plays the packetizer's
// tail_done some clocks after each END and checks that no START comes before it.
// Scenarios: good frames of random size (1 x 1 to 12 x 6, 2048 x 2, 1 x 2048) and settings,
// short lines, long lines, missing start of frame, more lines than configured, SOF in mid-frame,
// overflow markers in and outside a frame, CONTROL.RESET in mid-frame / idle / right after a
// frame, RUN off and on, a power-on reset in mid-frame; each followed by good frames that
// must come out exact. Run in three modes: no stalls, random source gaps, random sink
// backpressure.
// One scenario, "RESET while END waits", holds the sink off so that a CONTROL.RESET arrives
// after a frame's last pixel was taken but before its END went out, then offers a pixel without
// SOF: the table says SKIP after a reset (ignored, not counted), and the reset rides on the
// END (RSTSEQ).
module tb_frame_ctrl;
    reg clk = 0, rst = 1;
    always #5 clk = ~clk;
    reg         run = 1, ctl_reset = 0, tail_done = 0;
    reg  [11:0] reg_width = 12'd4, reg_height = 12'd3;
    reg  [6:0]  reg_window = 7'h24;
    reg  [17:0] reg_plane0 = 18'h02246;
    reg  [31:0] reg_filter_w = 32'h00FF_0001, reg_filter_h = 32'h00FF_0008;
    reg  [1:0]  reg_mode = 2'd1;
    reg  [10:0] reg_roi_x = 0, reg_roi_y = 0;
    reg  [11:0] reg_roi_w = 0, reg_roi_h = 0;
    reg  [63:0] ts_sof = 0;
    reg         s_valid = 0, s_last = 0, m_ready = 1;
    reg  [7:0]  s_data = 0;
    reg  [1:0]  s_user = 0;
    wire        s_ready, m_valid, m_eol, m_lbl;
    wire [2:0]  m_kind;
    wire [7:0]  m_pix;
    wire [10:0] m_x, m_y;
    wire [4:0]  m_flags;
    wire [11:0] cfg_width, cfg_height, cfg_roi_w, cfg_roi_h;
    wire [6:0]  cfg_window;
    wire [17:0] cfg_plane0;
    wire [15:0] cfg_min_w, cfg_max_w, cfg_min_h, cfg_max_h;
    wire [1:0]  cfg_mode;
    wire [10:0] cfg_roi_x, cfg_roi_y;
    wire [31:0] cfg_frame;
    wire [63:0] cfg_ts;
    wire        ev_overflow, ev_proto, ev_dropped, in_frame, busy;
    frame_ctrl dut (
        .clk(clk), .rst(rst), .run(run), .ctl_reset(ctl_reset), .reg_width(reg_width),
        .reg_height(reg_height), .reg_window(reg_window), .reg_plane0(reg_plane0),
        .reg_filter_w(reg_filter_w), .reg_filter_h(reg_filter_h), .reg_mode(reg_mode),
        .reg_roi_x(reg_roi_x), .reg_roi_w(reg_roi_w), .reg_roi_y(reg_roi_y),
        .reg_roi_h(reg_roi_h), .ts_sof(ts_sof), .tail_done(tail_done),
        .s_axis_tvalid(s_valid), .s_axis_tready(s_ready), .s_axis_tdata(s_data),
        .s_axis_tuser(s_user), .s_axis_tlast(s_last),
        .m_valid(m_valid), .m_ready(m_ready), .m_kind(m_kind), .m_pix(m_pix), .m_x(m_x),
        .m_y(m_y), .m_eol(m_eol), .m_lbl(m_lbl), .m_flags(m_flags),
        .cfg_width(cfg_width), .cfg_height(cfg_height), .cfg_window(cfg_window),
        .cfg_plane0(cfg_plane0), .cfg_min_w(cfg_min_w), .cfg_max_w(cfg_max_w),
        .cfg_min_h(cfg_min_h), .cfg_max_h(cfg_max_h), .cfg_mode(cfg_mode),
        .cfg_roi_x(cfg_roi_x), .cfg_roi_y(cfg_roi_y), .cfg_roi_w(cfg_roi_w),
        .cfg_roi_h(cfg_roi_h), .cfg_frame(cfg_frame), .cfg_ts(cfg_ts),
        .ev_overflow(ev_overflow), .ev_proto(ev_proto), .ev_dropped(ev_dropped),
        .in_frame(in_frame), .busy_o(busy));

    wire [257:0] got_cfg = {cfg_width, cfg_height, cfg_window, cfg_plane0, cfg_min_w, cfg_max_w,
                            cfg_min_h, cfg_max_h, cfg_mode, cfg_roi_x, cfg_roi_y, cfg_roi_w,
                            cfg_roi_h, cfg_frame, cfg_ts};

    // ---- expected tokens: {kind, pix, x, y, eol, lbl, flags} ----
    localparam MAXE = 16384, MAXF = 256;
    reg [39:0]  e_tok [0:MAXE-1];
    integer     e_cfg [0:MAXE-1];
    reg [257:0] cfg_snap [0:MAXF-1];
    reg [257:0] cur_cfg;
    integer     nexp = 0, nget = 0, nsnap = 0;
    function [39:0] tok(input [2:0] kind, input [7:0] pix, input [10:0] x, input [10:0] y,
                        input eol, input lbl, input [4:0] flags);
        tok = {kind, pix, x, y, eol, lbl, flags};
    endfunction
    task expect_tok(input [39:0] t, input integer cfgi);
        begin
            e_tok[nexp % MAXE] = t;
            e_cfg[nexp % MAXE] = cfgi;
            nexp = nexp + 1;
        end
    endtask

    // ---- the model of the table ----
    localparam SKIP = 0, IDLE = 1, FRAME = 2;
    integer    st = SKIP, col = 0, row = 0, fw = 1, fh = 1;
    reg [31:0] frame_no = 0;
    reg        m_run = 1;
    reg [63:0] ts_next = 0;
    integer    e_ovf = 0, e_proto = 0, e_drop = 0, c_ovf = 0, c_proto = 0, c_drop = 0;
    integer    errors = 0, nframes = 0, npix = 0, ntok = 0;

    task model_abort(input [4:0] reason);
        begin
            // pad the line in progress, if it has pixels, to the frame width
            if (col != 0)
                for (col = col; col < fw; col = col + 1)
                    expect_tok(tok(`TK_PIX, 8'd0, col, row, col == fw - 1, 1'b0, 5'd0), 0);
            col = 0;
            expect_tok(tok(`TK_END, 8'd0, 11'd0, 11'd0, 1'b0, 1'b0,
                           (5'd1 << `FL_ABORTED) | reason), 0);
            e_drop = e_drop + 1;
            if (reason[`FL_OVF]) e_ovf = e_ovf + 1; else e_proto = e_proto + 1;
            st = SKIP;
        end
    endtask

    task model_start;
        reg [11:0] rw, rh, avail_w, avail_h;
        reg [1:0]  md;
        reg [10:0] rx, ry;
        begin
            // the pixel window, section 1: empty (mode NONE, 0 x 0 at 0, 0) when the first
            // column or row is outside the frame, or when the pixel mode is NONE
            if (reg_mode == 2'd0 || reg_roi_x >= reg_width || reg_roi_y >= reg_height) begin
                md = 2'd0; rx = 0; ry = 0; rw = 0; rh = 0;
            end else begin
                md = reg_mode; rx = reg_roi_x; ry = reg_roi_y;
                avail_w = reg_width - reg_roi_x;
                avail_h = reg_height - reg_roi_y;
                rw = reg_roi_w == 0 ? avail_w : (reg_roi_w < avail_w ? reg_roi_w : avail_w);
                rh = reg_roi_h == 0 ? avail_h : (reg_roi_h < avail_h ? reg_roi_h : avail_h);
            end
            cfg_snap[nsnap % MAXF] = {reg_width, reg_height, reg_window, reg_plane0,
                                      reg_filter_w[15:0], reg_filter_w[31:16],
                                      reg_filter_h[15:0], reg_filter_h[31:16], md, rx, ry, rw,
                                      rh, frame_no, ts_next};
            expect_tok(tok(`TK_START, 8'd0, 11'd0, 11'd0, 1'b0, 1'b0, 5'd0), nsnap % MAXF);
            nsnap = nsnap + 1;
            frame_no = frame_no + 1;
            fw = reg_width;
            fh = reg_height;
            col = 0;
            row = 0;
            st = FRAME;
            nframes = nframes + 1;
        end
    endtask

    // one camera entry through the table
    task model_entry(input [7:0] d, input sof, input eol, input ovf);
        begin
            if (!m_run && st != FRAME) begin
                // RUN = 0, not in frame: ignored, not counted
            end else if (ovf) begin
                if (st == FRAME)
                    model_abort(5'd1 << `FL_OVF);
                else begin
                    e_ovf = e_ovf + 1;   // outside a frame: only counted
                    st = SKIP;
                end
            end else begin
                if (st == FRAME && sof)
                    model_abort(5'd1 << `FL_INERR);   // then this SOF starts the next frame
                if (st != FRAME && sof)
                    model_start;
                if (st != FRAME) begin
                    if (st == IDLE) e_proto = e_proto + 1;   // missing start of frame
                    st = SKIP;
                end else begin
                    expect_tok(tok(`TK_PIX, d, col, row, col == fw - 1, 1'b1, 5'd0), 0);
                    npix = npix + 1;
                    if (col == fw - 1) begin
                        col = 0;
                        if (!eol)
                            model_abort(5'd1 << `FL_INERR);       // long line
                        else if (row == fh - 1) begin
                            expect_tok(tok(`TK_END, 8'd0, 11'd0, 11'd0, 1'b0, 1'b0, 5'd0), 0);
                            st = IDLE;                           // frame done
                        end else
                            row = row + 1;
                    end else begin
                        col = col + 1;
                        if (eol) model_abort(5'd1 << `FL_INERR);  // short line
                    end
                end
            end
        end
    endtask

    // ---- the sink, and the packetizer's tail_done ----
    integer mode = 0, tail_cnt = 0;
    reg     tail_wait = 0, last_rst = 0, hold_sink = 0;
    reg [39:0] got, want, mask;
    reg [31:0] rr;
    always @(negedge clk) begin
        rr = $urandom;
        m_ready = hold_sink ? 1'b0 : (mode == 2 ? rr[1:0] != 2'd0 : 1'b1);
    end
    task report(input [8*40-1:0] what);
        begin
            errors = errors + 1;
            if (errors <= 12)
                $display("  token %0d: %0s: got kind %0d pix %h x %0d y %0d eol %b lbl %b flags %b; want %h",
                         nget, what, m_kind, m_pix, m_x, m_y, m_eol, m_lbl, m_flags, want);
        end
    endtask
    always @(posedge clk) begin
        tail_done <= 1'b0;
        if (rst) begin
            tail_wait = 0;
            last_rst = 0;
        end else begin
            if (ev_overflow) c_ovf = c_ovf + 1;
            if (ev_proto) c_proto = c_proto + 1;
            if (ev_dropped) c_drop = c_drop + 1;
            if (tail_wait) begin
                if (tail_cnt == 0) begin
                    tail_done <= 1'b1;
                    tail_wait = 0;
                end else
                    tail_cnt = tail_cnt - 1;
            end
            if (m_valid && m_ready) begin
                ntok = ntok + 1;
                got = {m_kind, m_pix, m_x, m_y, m_eol, m_lbl, m_flags & 5'h0F};
                // restarts in a row are one restart: a RESET expected right after one just
                // received is already done, and a RESET received right after one is a repeat
                if (last_rst)
                    while (nget < nexp && e_tok[nget % MAXE][39:37] == `TK_RESET)
                        nget = nget + 1;
                want = e_tok[nget % MAXE];
                case (want[39:37])
                    `TK_PIX: mask = {3'h7, 8'hFF, 11'h7FF, 11'h7FF, 2'b11, 5'h00};
                    `TK_END: mask = {3'h7, 32'd0, 5'h1F};
                    default: mask = {3'h7, 37'd0};
                endcase
                if (m_kind == `TK_RESET && last_rst) begin
                    // (a repeat)
                end else if (nget >= nexp)
                    report("unexpected token");
                else if ((got & mask) !== (want & mask))
                    report("mismatch");
                else if (m_kind == `TK_START) begin
                    if (tail_wait) report("START before tail_done");
                    cur_cfg = cfg_snap[e_cfg[nget % MAXE]];
                    if (got_cfg !== cur_cfg) report("configuration latched at START");
                end else if ((m_kind == `TK_PIX || m_kind == `TK_END) && got_cfg !== cur_cfg)
                    report("configuration changed in mid-frame");
                if (m_kind == `TK_PIX && m_flags[`FL_RSTSEQ]) report("PIX with flags");
                if (m_kind == `TK_END) begin
                    tail_wait = 1;
                    tail_cnt = $urandom % 24;
                end
                if (!(m_kind == `TK_RESET && last_rst))
                    nget = nget + 1;
                last_rst = m_kind == `TK_RESET;
                // a reset carried by the END: the RESET token the model expects next
                if (m_kind == `TK_END && m_flags[`FL_RSTSEQ]) begin
                    want = e_tok[nget % MAXE];
                    if (nget >= nexp || want[39:37] != `TK_RESET)
                        report("END with RSTSEQ, no reset expected");
                    else
                        nget = nget + 1;
                    last_rst = 1;
                end
            end
        end
    end

    // ---- the source and the stimulus ----
    integer tmo;
    task push(input [7:0] d, input sof, input eol, input ovf);
        begin
            if (sof) ts_next = {$urandom, $urandom};
            model_entry(d, sof, eol, ovf);
            while (mode == 1 && $urandom % 3 == 0)
                @(negedge clk);
            s_valid = 1; s_data = d; s_user = {ovf, sof}; s_last = eol;
            if (sof) ts_sof = ts_next;
            #1;
            tmo = 0;
            while (!s_ready && tmo < 4000) begin
                @(negedge clk);
                #1;
                tmo = tmo + 1;
            end
            if (tmo >= 4000) report("input entry never taken");
            @(negedge clk);   // taken at the rising edge in between
            s_valid = 0; s_data = $urandom; s_user = $urandom; s_last = $urandom;
        end
    endtask

    // all expected tokens out, the tail acknowledged
    task drain;
        begin
            tmo = 0;
            while ((nget < nexp || tail_wait) && tmo < 40000) begin
                @(negedge clk);
                tmo = tmo + 1;
            end
            if (tmo >= 40000) begin
                report("tokens missing (stuck)");
                nget = nexp;
            end
            repeat (3) @(negedge clk);
            if (in_frame !== (st == FRAME) || busy !== (st == FRAME))
                report("in_frame / busy after drain");
        end
    endtask

    task pulse_reset;   // CONTROL.RESET
        begin
            ctl_reset = 1;
            if (st == FRAME) model_abort(5'd1 << `FL_INERR);
            expect_tok(tok(`TK_RESET, 8'd0, 11'd0, 11'd0, 1'b0, 1'b0, 5'd0), 0);
            frame_no = 0;
            st = SKIP;
            @(negedge clk);
            ctl_reset = 0;
            repeat (2) @(negedge clk);   // (CONTROL writes are at least three clocks apart)
        end
    endtask

    task set_run(input v);
        begin
            if (v && !m_run && st != FRAME) st = SKIP;   // RUN 0 -> 1: SKIP
            m_run = v;
            run = v;
            repeat (3) @(negedge clk);
        end
    endtask

    task power_reset;
        begin
            drain;
            rst = 1;
            repeat (3) @(negedge clk);
            rst = 0;
            st = SKIP; frame_no = 0; col = 0; row = 0; nget = nexp;
            @(negedge clk);
        end
    endtask

    // random settings for a w x h frame (the window settings are not interpreted here)
    task set_cfg(input integer w, input integer h);
        reg [31:0] a, b;
        begin
            a = $urandom; b = $urandom;
            reg_width = w; reg_height = h;
            reg_window = a[6:0];
            reg_plane0 = {a[31:24], b[9:0]};
            reg_filter_w = $urandom;
            reg_filter_h = $urandom;
            reg_mode = a[8:7] == 2'd3 ? 2'd1 : a[8:7];
            // pixel window: mostly inside the frame, sometimes at or past its edge
            reg_roi_x = b[12:10] == 0 ? w + b[14:13] : $urandom % (w + 1);
            reg_roi_y = b[17:15] == 0 ? h + b[19:18] : $urandom % (h + 1);
            reg_roi_w = b[20] ? 0 : (b[21] ? 12'd2048 : $urandom % (w + 2));
            reg_roi_h = b[22] ? 0 : (b[23] ? 12'd2048 : $urandom % (h + 2));
            if (b[24]) begin reg_roi_x = 11'd2047; reg_roi_y = 11'd2047; end
            if (!b[25] && !b[26]) begin reg_roi_x = 0; reg_roi_w = 0; end
            repeat (2) @(negedge clk);
        end
    endtask

    // a camera frame of cw x ch pixels (SOF on the first, EOL on each line's last), with an
    // event at entry number cut: 1 overflow marker (the FIFO drops the rest), 2 CONTROL.RESET
    // (the rest follows, to be ignored), 3 register change, 4 stop (a new SOF follows),
    // 5 power-on reset, 6 RUN off, 7 EOL forced, 8 EOL left out, 9 SOF left out
    integer p;
    reg     stop, eol, sof;
    task cam_frame(input integer cw, input integer ch, input integer cut, input integer what);
        begin
            stop = 0;
            for (p = 0; p < cw * ch && !stop; p = p + 1) begin
                // (the events that wait for the clock first, then the entry's markers:
                // the simulator of Debian 12, Verilator 5.006, can lose a write made just
                // before a wait inside a branch)
                if (p == cut)
                    case (what)
                        1: begin push($urandom, 1'b0, 1'b0, 1'b1); stop = 1; end
                        2: pulse_reset;
                        3: set_cfg($urandom % 12 + 1, $urandom % 6 + 1);
                        4: stop = 1;
                        5: power_reset;
                        6: set_run(0);
                        default: ;
                    endcase
                eol = p % cw == cw - 1;
                sof = p == 0;
                if (p == cut && what == 7) eol = 1;
                if (p == cut && what == 8) eol = 0;
                if (p == cut && what == 9) sof = 0;
                if (!stop) push($urandom, sof, eol, 1'b0);
            end
        end
    endtask

    task good_frame;
        integer w, h;
        begin
            w = $urandom % 4 == 0 ? 1 : $urandom % 12 + 1;
            h = $urandom % 4 == 0 ? 1 : $urandom % 6 + 1;
            set_cfg(w, h);
            // the settings change in mid-frame (after the SOF has been taken)
            cam_frame(w, h, w * h > 1 ? $urandom % (w * h - 1) + 1 : -1, 3);
        end
    endtask

    integer passed = 0, failed = 0, i, w, h;
    reg [8*32-1:0] name;
    task begin_scenario(input [8*32-1:0] n);
        begin
            drain;
            name = n;
            errors = 0;
            e_ovf = 0; e_proto = 0; e_drop = 0; c_ovf = 0; c_proto = 0; c_drop = 0;
            nframes = 0; npix = 0;
        end
    endtask
    task end_scenario;
        begin
            drain;
            if (c_ovf != e_ovf || c_proto != e_proto || c_drop != e_drop) begin
                errors = errors + 1;
                $display("  events: overflow %0d proto %0d dropped %0d; want %0d %0d %0d",
                         c_ovf, c_proto, c_drop, e_ovf, e_proto, e_drop);
            end
            if (nframes == 0) errors = errors + 1;   // each scenario ends with good frames
            $display("%s frame_ctrl mode %0d, %0s: %0d frames, %0d pixels, events %0d/%0d/%0d, %0d errors",
                     errors == 0 ? "ok  " : "FAIL", mode, name,
                     nframes, npix, e_ovf, e_proto, e_drop, errors);
            if (errors == 0) passed = passed + 1;
            else failed = failed + 1;
        end
    endtask

    initial begin
        for (mode = 0; mode < 3; mode = mode + 1) begin
            nexp = 0; nget = 0;
            rst = 1; run = 1; m_run = 1;
            repeat (3) @(negedge clk);
            rst = 0;
            st = SKIP; frame_no = 0; col = 0; row = 0;
            @(negedge clk);

            begin_scenario("startup, good frames");
            for (i = 0; i < 5; i = i + 1) push($urandom, 1'b0, i[0], 1'b0);   // SKIP: ignored
            push($urandom, 1'b0, 1'b0, 1'b1);                 // marker outside a frame
            for (i = 0; i < 12; i = i + 1) good_frame;
            set_cfg(1, 1); cam_frame(1, 1, -1, 0);
            set_cfg(1, 3); cam_frame(1, 3, -1, 0);
            set_cfg(5, 1); cam_frame(5, 1, -1, 0);
            end_scenario;

            begin_scenario("short lines");
            for (i = 0; i < 6; i = i + 1) begin
                w = $urandom % 10 + 2; h = $urandom % 5 + 1;
                set_cfg(w, h);
                if (i[0]) cam_frame(w, h, $urandom % (w * h), 7);         // one short line
                else cam_frame($urandom % (w - 1) + 1, h, -1, 0);        // all lines short
                good_frame;
            end
            end_scenario;

            begin_scenario("long lines");
            for (i = 0; i < 6; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                if (i[0]) cam_frame(w, h, ($urandom % h) * w + w - 1, 8);  // one line's EOL lost
                else cam_frame(w + $urandom % 4 + 1, h, -1, 0);          // all lines long
                good_frame;
            end
            end_scenario;

            begin_scenario("missing SOF, more lines");
            for (i = 0; i < 6; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                if (i[0]) begin
                    cam_frame(w, h, -1, 0);
                    cam_frame(w, h, 0, 9);                 // next frame without its SOF
                end else
                    cam_frame(w, h + $urandom % 3 + 1, -1, 0);   // more lines than height
                good_frame;
            end
            end_scenario;

            begin_scenario("SOF in mid-frame");
            for (i = 0; i < 6; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 2;
                set_cfg(w, h);
                cam_frame(w, h, i[0] ? w * ($urandom % (h - 1) + 1) : $urandom % (w * h - 1) + 1,
                          4);
                good_frame;
            end
            end_scenario;

            begin_scenario("overflow markers");
            for (i = 0; i < 6; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                cam_frame(w, h, i < 2 ? 0 : (i < 4 ? w * ($urandom % h) : $urandom % (w * h)), 1);
                if (i[0]) push($urandom, 1'b0, 1'b0, 1'b1);   // and one outside the frame
                good_frame;
            end
            end_scenario;

            begin_scenario("CONTROL.RESET");
            for (i = 0; i < 12; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                case (i % 4)
                    0: cam_frame(w, h, $urandom % (w * h - 1 + 1), 2);   // in mid-frame
                    1: begin cam_frame(w, h, -1, 0); drain; pulse_reset; end   // idle
                    2: cam_frame(w, h, w * h - 1, 2);   // before the last pixel
                    default: begin pulse_reset; pulse_reset; end
                endcase
                push($urandom, 1'b0, 1'b0, 1'b0);   // SKIP after a reset: ignored
                good_frame;
            end
            end_scenario;

            // CONTROL.RESET after a frame's last pixel was taken, while its END waits for the
            // sink (held off for a few clocks): the table says SKIP after a reset, so a pixel
            // without SOF that follows is ignored and not counted
            begin_scenario("RESET while END waits");
            for (i = 0; i < 4; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                cam_frame(w, h, -1, 0);
                hold_sink = 1;
                m_ready = 0;
                pulse_reset;
                hold_sink = 0;
                push($urandom, 1'b0, 1'b0, 1'b0);
                good_frame;
            end
            end_scenario;

            begin_scenario("RUN off and on");
            for (i = 0; i < 4; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                cam_frame(w, h, $urandom % (w * h) + 1, 6);   // RUN off in mid-frame: it completes
                if (m_run) set_run(0);                        // (1 x 1: after the frame)
                cam_frame(w, h, -1, 0);                   // ignored
                push($urandom, 1'b0, 1'b0, 1'b1);         // ignored, not counted
                set_run(1);
                push($urandom, 1'b0, 1'b1, 1'b0);         // SKIP after RUN 0 -> 1: ignored
                good_frame;
            end
            end_scenario;

            begin_scenario("power-on reset in mid-frame");
            for (i = 0; i < 3; i = i + 1) begin
                w = $urandom % 10 + 1; h = $urandom % 5 + 1;
                set_cfg(w, h);
                cam_frame(w, h, $urandom % (w * h), 5);
                good_frame;
            end
            end_scenario;

            begin_scenario("2048 x 2, 1 x 2048");
            set_cfg(2048, 2); cam_frame(2048, 2, -1, 0);
            set_cfg(1, 2048); cam_frame(1, 2048, -1, 0);
            good_frame;
            end_scenario;
        end
        if (ntok < 1000) failed = failed + 1;
        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_frame_ctrl failed");
        $finish;
    end
endmodule
`default_nettype wire
