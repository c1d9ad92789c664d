`default_nettype none
`include "alpr_defs.vh"
// Purpose: the adaptive threshold of docs/BOARD.md section 2 (model: mean_row / model_ink in
// sim/model.c). Takes the token stream of frame_ctrl, adds the ink bit of plane 0 to every PIX
// token and passes the other tokens through in order.
// Per line of width w it runs w + W/2 - 1 "lead" steps (W = 2^k): step j takes pixel
// e(j) = p(min(j, w-1)) (the last W/2 - 1 steps repeat the last pixel, consuming no input),
// updates the running box sum H with a 256-entry ring (e(j) in, e(j-W) out; p(0) stands in
// for e(j) with j < 0) and, from step W/2 - 1 on, emits pixel x = j - W/2 + 1 with
// h = H >> k, the per-column vertical state A (2048 x 12 bit RAM) and the comparison
// 4096 * p  <  (256 - t) * A   (dark) or   >  (256 + t) * A   (light), with the minimum
// contrast c: 16 (p + c) < A (dark) or 16 p > A + 16 c (light).
// Three idle steps follow each line (they keep the column RAM's read after its write: a row
// has at least 2 steps, so a column is read again at least 5 cycles after its read, and it is
// written 4 cycles after).
// Pipeline: 8 stages with one global enable (adv = output empty or accepted); throughput one
// lead step per cycle, so w + W/2 + 2 cycles per line; latency 8 cycles.
module thresh (
    input  wire        clk,
    input  wire        rst,
    input  wire [11:0] cfg_width,
    input  wire [6:0]  cfg_window,   // [3:0] k = log2 window (2..7), [6:4] vertical shift
    input  wire [16:0] cfg_plane0,   // [7:0] offset t, [8] polarity, [16:9] minimum contrast
    // input tokens
    input  wire        s_valid,
    output reg         s_ready,
    input  wire [2:0]  s_kind,
    input  wire        s_ispix,      // s_kind == TK_PIX (decoded before the input slice)
    input  wire [7:0]  s_pix,
    input  wire [10:0] s_y,
    input  wire        s_lbl,
    input  wire [4:0]  s_flags,
    // output tokens
    output reg         m_valid,
    input  wire        m_ready,
    output reg  [2:0]  m_kind,
    output reg  [7:0]  m_pix,
    output reg         m_ink,
    output reg  [10:0] m_x,
    output reg  [10:0] m_y,
    output reg         m_eol,
    output reg         m_lbl,
    output reg  [4:0]  m_flags
);
    wire [3:0]  k = cfg_window[3:0];
    wire [2:0]  vs = cfg_window[6:4];
    wire [7:0]  half = 8'd1 << (k - 4'd1);
    wire [11:0] w = cfg_width;
    // values derived from the configuration, registered (timing; the configuration is
    // constant during a frame and the START token runs through the pipeline before the first
    // pixel, as for fmul below)
    reg  [11:0] last_lead, out_off, w_m1;
    always @(posedge clk) begin
        last_lead <= w + {4'd0, half} - 12'd2;
        out_off <= {4'd0, half} - 12'd1;
        w_m1 <= w - 12'd1;
    end
    // 256 + t or 256 - t, registered (the configuration is constant during a frame and the
    // START token runs through the pipeline before the first pixel)
    reg  [8:0]  fmul;
    always @(posedge clk)
        fmul <= cfg_plane0[8] ? 9'd256 + {1'b0, cfg_plane0[7:0]}
                              : 9'd256 - {1'b0, cfg_plane0[7:0]};
    wire [7:0]  ctr = cfg_plane0[16:9];   // minimum contrast c in gray levels
    wire        pol = cfg_plane0[8];

    wire adv = !m_valid || m_ready;

    // ---- lead generator ----
    // j is the lead step (0 whenever no row is in progress); xc = j - (W/2 - 1) (mod 4096) is
    // the output column, kept as a counter of its own and j_lt_w = (j < w) as a flag, so no
    // arithmetic follows the input handshake (timing). At the end of a row j returns to 0 and
    // xc to -(W/2 - 1); outside a row xc is reloaded every cycle (the configuration changes
    // only with the START token, which passes outside a row before the first pixel).
    reg        in_row;
    reg [11:0] j;
    reg [11:0] xc;
    reg        j_lt_w;       // j < w
    reg        j_last;       // j == last_lead
    reg [10:0] row_y;
    reg [11:0] pad_col;
    reg        pad_open;     // pad_col == w: no padding pixel seen yet in this row (timing)
    reg [7:0]  plast;
    reg [1:0]  gap;
    reg [11:0] neg_off, last_m1;
    always @(posedge clk) begin
        neg_off <= 12'd1 - {4'd0, half};
        last_m1 <= w + {4'd0, half} - 12'd3;
    end

    reg        lg_valid;     // an item enters stage 0 this cycle
    reg        lg_lead;      // ... and it is a lead step (else a passing token)
    reg [7:0]  lg_e;
    wire [11:0] lg_j = j;
    // the decisions without adv, apart (thresh_lgdec), so that every enable below is adv and
    // one of them (timing)
    wire take_pre, valid_pre, lead_pre;
    thresh_lgdec lgd (
        .gap_z(gap == 2'd0), .in_row(in_row), .j_lt_w(j_lt_w), .s_valid(s_valid),
.s_pix(s_ispix), .take_pre(take_pre), .valid_pre(valid_pre),
        .lead_pre(lead_pre));
    always @* begin
        s_ready = adv && take_pre;
        lg_valid = valid_pre;   // (used under adv)
        lg_lead = lead_pre;     // (used under adv)
        lg_e = take_pre && (in_row || s_ispix) ? s_pix : plast;
    end

    wire [11:0] lg_x = xc;
    wire        lg_has = lg_j >= out_off;

    always @(posedge clk) begin
        if (rst) begin
            in_row <= 1'b0;
            j <= 12'd0;
            xc <= 12'd0;
            j_lt_w <= 1'b1;
            j_last <= 1'b0;
            gap <= 2'd0;
            pad_col <= 12'd0;
            pad_open <= 1'b0;
            row_y <= 11'd0;
            plast <= 8'd0;
        end else begin
            // xc, j_lt_w, j_last: the next lead step's, or the values for a row's start
            // (outside a row, and after a row's last step); one select after the decision
            if (!in_row || (adv && lead_pre)) begin
                if (adv && lead_pre && !j_last) begin
                    xc <= xc + 12'd1;
                    j_lt_w <= lg_j < w_m1;
                    j_last <= lg_j == last_m1;
                end else begin
                    xc <= neg_off;
                    j_lt_w <= w != 12'd0;
                    j_last <= last_lead == 12'd0;
                end
            end
            if (adv) begin
                if (gap != 2'd0)
                    gap <= gap - 2'd1;
                if (take_pre)
                    plast <= s_pix;
                if (lead_pre) begin
                    if (!in_row) begin
                        in_row <= 1'b1;
                        row_y <= s_y;
                        pad_col <= s_lbl ? w : 12'd0;
                        pad_open <= s_lbl;   // (w >= 1)
                    end else if (take_pre && !s_lbl && pad_open) begin
                        pad_col <= lg_j;     // (< w)
                        pad_open <= 1'b0;
                    end
                    if (j_last) begin
                        in_row <= 1'b0;
                        gap <= 2'd3;   // (with the row's >= 2 steps: read-after-write of A)
                        j <= 12'd0;
                    end else begin
                        j <= lg_j + 12'd1;
                    end
                end
            end
        end
    end

    // ---- RAMs: the ring (two read ports = two copies) and the column state ----
    wire [7:0]  ring_sub, ring_ctr;
    wire [11:0] col_a;
    wire [7:0]  sub_addr = lg_j[7:0] - (8'd1 << k);
    wire        ring_we = adv && lead_pre;
    sdp_ram #(.ADDR_WIDTH(8), .DATA_WIDTH(8)) ring_a (
        .clk(clk), .wr_en(ring_we), .wr_addr(lg_j[7:0]), .wr_data(lg_e),
        .rd_en(adv), .rd_addr(sub_addr), .rd_data(ring_sub));
    sdp_ram #(.ADDR_WIDTH(8), .DATA_WIDTH(8)) ring_c (
        .clk(clk), .wr_en(ring_we), .wr_addr(lg_j[7:0]), .wr_data(lg_e),
        .rd_en(adv), .rd_addr(lg_x[7:0]), .rd_data(ring_ctr));

    // ---- stage 0: lead step with its RAM reads under way ----
    reg        v0, lead0, jz0, jw0, has0, first0, eol0, lbl0;
    reg [2:0]  kind0;
    reg [7:0]  e0;
    reg [10:0] x0, y0;
    reg [4:0]  fl0;
    always @(posedge clk) begin
        if (rst) begin
            v0 <= 1'b0;
        end else if (adv) begin
            v0 <= lg_valid;
            lead0 <= lg_lead;
            kind0 <= lg_lead ? `TK_PIX : s_kind;
            fl0 <= s_flags;
            e0 <= lg_e;
            jz0 <= !in_row;
            jw0 <= lg_j >= (12'd1 << k);
            has0 <= lg_lead && lg_has;
            x0 <= lg_x[10:0];
            y0 <= in_row ? row_y : s_y;
            first0 <= (in_row ? row_y : s_y) == 11'd0;
            eol0 <= lg_x == w_m1;
            lbl0 <= lg_x < pad_col;
        end
    end

    // ---- stage 1: the step of the running sum, e(j) - e(j - W), from the ring's output ----
    reg [7:0]  p0;
    wire [8:0] delta = {1'b0, e0} - {1'b0, (jw0 ? ring_sub : p0)};
    reg        v1, ls1, jz1, has1, first1, eol1, lbl1;
    reg [2:0]  kind1;
    reg [4:0]  fl1;
    reg [7:0]  pix1, e1;
    reg [8:0]  d1;
    reg [10:0] x1, y1;
    reg [11:0] aold1;
    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            p0 <= 8'd0;
        end else if (adv) begin
            if (v0 && lead0 && jz0)
                p0 <= e0;
            v1 <= v0;
            ls1 <= v0 && lead0;
            jz1 <= jz0;
            e1 <= e0;
            d1 <= delta;
            kind1 <= kind0;
            fl1 <= fl0;
            has1 <= has0;
            first1 <= first0;
            eol1 <= eol0;
            lbl1 <= lbl0;
            pix1 <= ring_ctr;
            aold1 <= col_a;
            x1 <= x0;
            y1 <= y0;
        end
    end

    // ---- stage 1a: running sum H (from registers; timing) ----
    reg [14:0] sum;
    wire [14:0] sum_n = jz1 ? ({7'd0, e1} << k) : sum + {{6{d1[8]}}, d1};
    reg        va, hasa, firsta, eola, lbla;
    reg [2:0]  kinda;
    reg [4:0]  fla;
    reg [7:0]  pixa;
    reg [10:0] xa, ya;
    reg [11:0] aolda;
    always @(posedge clk) begin
        if (rst) begin
            va <= 1'b0;
            sum <= 15'd0;
        end else if (adv) begin
            if (ls1)
                sum <= sum_n;
            va <= v1;
            kinda <= kind1;
            fla <= fl1;
            hasa <= has1;
            firsta <= first1;
            eola <= eol1;
            lbla <= lbl1;
            pixa <= pix1;
            aolda <= aold1;
            xa <= x1;
            ya <= y1;
        end
    end

    // ---- stage 1b: h = H >> k and 16h - A ----
    // H <= W * 255, so H >> k fits 8 bits
    /* verilator lint_off UNUSEDSIGNAL */
    wire [14:0] h_full = sum >> k;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [12:0] target = {1'b0, h_full[7:0], 4'd0};
    reg        vb1, hasb, firstb, eolb, lblb;
    reg [2:0]  kindb;
    reg [4:0]  flb;
    reg [7:0]  pixb;
    reg [10:0] xb, yb;
    reg [11:0] aoldb;
    reg [11:0] targetb;
    reg [12:0] diffb;
    always @(posedge clk) begin
        if (rst) begin
            vb1 <= 1'b0;
        end else if (adv) begin
            vb1 <= va;
            kindb <= kinda;
            flb <= fla;
            hasb <= hasa;
            firstb <= firsta;
            eolb <= eola;
            lblb <= lbla;
            pixb <= pixa;
            xb <= xa;
            yb <= ya;
            aoldb <= aolda;
            targetb <= target[11:0];
            diffb <= target - {1'b0, aolda};
        end
    end

    // ---- stage 2: vertical state A, written back ----
    wire signed [12:0] dsh = $signed(diffb) >>> vs;
    // A + ((16h - A) >>> s) lies between A and 16h: 0..4080, 12 bits
    /* verilator lint_off UNUSEDSIGNAL */
    wire [12:0] a_sum = {1'b0, aoldb} + dsh;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [11:0] a_new = firstb ? targetb : a_sum[11:0];
    wire        col_we = adv && vb1 && kindb == `TK_PIX && hasb;
    sdp_ram #(.ADDR_WIDTH(11), .DATA_WIDTH(12)) colmem (
        .clk(clk), .wr_en(col_we), .wr_addr(xb), .wr_data(a_new),
        .rd_en(adv), .rd_addr(lg_x[10:0]), .rd_data(col_a));

    reg        v2, has2, eol2, lbl2;
    reg [2:0]  kind2;
    reg [4:0]  fl2;
    reg [7:0]  pix2;
    reg [10:0] x2, y2;
    reg [11:0] a2;
    always @(posedge clk) begin
        if (rst) begin
            v2 <= 1'b0;
        end else if (adv) begin
            v2 <= vb1;
            kind2 <= kindb;
            fl2 <= flb;
            has2 <= hasb;
            eol2 <= eolb;
            lbl2 <= lblb;
            pix2 <= pixb;
            x2 <= xb;
            y2 <= yb;
            a2 <= a_new;
        end
    end

    // ---- stage 3: partial products of f * A ----
    reg        v3, has3, eol3, lbl3;
    reg [2:0]  kind3;
    reg [4:0]  fl3;
    reg [7:0]  pix3;
    reg [10:0] x3, y3;
    reg [14:0] m0, m1, m2;   // A * f[2:0], A * f[5:3], A * f[8:6]
    reg [11:0] a3;
    reg [8:0]  pc3;          // pixel + c
    reg [12:0] ac3;          // A + 16 c
    always @(posedge clk) begin
        if (rst) begin
            v3 <= 1'b0;
        end else if (adv) begin
            v3 <= v2;
            kind3 <= kind2;
            fl3 <= fl2;
            has3 <= has2;
            eol3 <= eol2;
            lbl3 <= lbl2;
            pix3 <= pix2;
            x3 <= x2;
            y3 <= y2;
            a3 <= a2;
            pc3 <= {1'b0, pix2} + {1'b0, ctr};
            ac3 <= {1'b0, a2} + {1'b0, ctr, 4'd0};
            m0 <= {3'd0, a2} * {12'd0, fmul[2:0]};
            m1 <= {3'd0, a2} * {12'd0, fmul[5:3]};
            m2 <= {3'd0, a2} * {12'd0, fmul[8:6]};
        end
    end

    // ---- stage 4: the product ----
    reg        v4, has4, eol4, lbl4;
    reg [2:0]  kind4;
    reg [4:0]  fl4;
    reg [7:0]  pix4;
    reg [10:0] x4, y4;
    reg [20:0] prod4;
    reg        ctr4;         // the contrast test: 16 (p + c) < A, or 16 p > A + 16 c
    always @(posedge clk) begin
        if (rst) begin
            v4 <= 1'b0;
        end else if (adv) begin
            v4 <= v3;
            kind4 <= kind3;
            fl4 <= fl3;
            has4 <= has3;
            eol4 <= eol3;
            lbl4 <= lbl3;
            pix4 <= pix3;
            x4 <= x3;
            y4 <= y3;
            prod4 <= {6'd0, m0} + {3'd0, m1, 3'd0} + {m2, 6'd0};
            ctr4 <= pol ? {1'b0, pix3, 4'd0} > ac3 : {pc3, 4'd0} < {1'b0, a3};
        end
    end

    // ---- stage 5: comparison, output register ----
    wire [20:0] lhs = {1'b0, pix4, 12'd0};
    wire ink = (pol ? lhs > prod4 : lhs < prod4) && ctr4;
    always @(posedge clk) begin
        if (rst) begin
            m_valid <= 1'b0;
        end else if (adv) begin
            m_valid <= v4 && (kind4 != `TK_PIX || has4);
            m_kind <= kind4;
            m_flags <= fl4;
            m_pix <= pix4;
            m_ink <= ink;
            m_x <= x4;
            m_y <= y4;
            m_eol <= eol4;
            m_lbl <= lbl4;
        end
    end
endmodule
`default_nettype wire
