`default_nettype none
`include "alpr_defs.vh"
// Purpose: single-pass 8-connected connected-component labelling with bounding boxes, ink
// counts, completion detection, the component filter and label reuse, exactly as
// docs/BOARD.md section 3 (model: model_ccl_pixel / model_ccl_row_end in sim/model.c).
// Input: the thresh token stream (in_*, registered in an input stage). Every token is passed
// on unchanged (PIX tokens first, so the packetizer can send the row while it is labelled); at
// the end of each labelled row the records of the components completed in it follow as REC
// tokens; at a normal END the blank row after the last is run first; END leaves with
// TRUNCATED and the found count filled in.
// Memories: row buffer 2048 x 9, parent 512 x 9, next 512 x 9, root data 512 x 71.
// Throughput: a background pixel, or an ink pixel continuing a run with no second neighbour,
// takes one cycle (fast path; the current run's root data is cached in r_* and written
// behind); a pixel that starts a run, merges or ends a previous-row run (completion test)
// goes through the slow states (union-find steps of 2 cycles, 3 to 8 cycles in all); the
// first pixel of a row, the end of a row and the records take extra cycles. The input
// stalls meanwhile (docs/BOARD.md, throughput).
module ccl (
    input  wire        clk,
    input  wire        rst,
    input  wire [11:0] cfg_width,
    input  wire [11:0] cfg_height,
    input  wire        cfg_enable,
    input  wire [15:0] cfg_min_w,
    input  wire [15:0] cfg_max_w,
    input  wire [15:0] cfg_min_h,
    input  wire [15:0] cfg_max_h,
    // input tokens
    input  wire        in_valid,
    output reg         in_ready,
    input  wire [2:0]  in_kind,
    input  wire [7:0]  in_pix,
    input  wire        in_ink,
    input  wire [10:0] in_x,
    input  wire [10:0] in_y,
    input  wire        in_eol,
    input  wire        in_lbl,
    input  wire [4:0]  in_flags,
    // output tokens
    output reg         m_valid,
    input  wire        m_ready,
    output reg  [2:0]  m_kind,
    output reg  [7:0]  m_pix,
    output reg         m_ink,
    output reg  [10:0] m_x,
    output reg  [10:0] m_y,
    output reg  [4:0]  m_flags,
    output reg  [15:0] m_found,
    output reg  [10:0] m_rx0,
    output reg  [10:0] m_ry0,
    output reg  [10:0] m_rx1,
    output reg  [10:0] m_ry1,
    output reg  [15:0] m_rink,
    output reg  [8:0]  m_rlabel,
    output reg  [3:0]  m_redges
);
    localparam [4:0]
        IDLE = 5'd0, P_RD = 5'd1, P_RD0 = 5'd2, P_RD1 = 5'd3, P_A = 5'd4, P_B = 5'd5,
        P_CASE = 5'd6, AL1 = 5'd7, F2 = 5'd8, M0 = 5'd9, C1 = 5'd11,
        P_ADD = 5'd12, P_CHK = 5'd13, CHK1 = 5'd14, P_EOL = 5'd15, RE0 = 5'd16, DRAIN = 5'd17,
        D1 = 5'd18, D2 = 5'd19, SPL0 = 5'd20, SPL1 = 5'd21, SPL2 = 5'd22, E_OUT = 5'd23,
        F0 = 5'd24, F1 = 5'd25, M2 = 5'd26, D3 = 5'd27, D1B = 5'd28, D1C = 5'd29, CHK2 = 5'd30;
    localparam [1:0] RET_A = 2'd0, RET_B = 2'd1, RET_CHK = 2'd2;

    reg [4:0]  state;
    reg [1:0]  f_ret;
    reg [8:0]  f_l;

    // pixel being processed
    reg [10:0] px;
    reg [11:0] py;
    reg        pink, peol, blank;
    reg [4:0]  end_flags;

    reg [8:0]  p_nw, p_n, p_ne, left;
    reg [8:0]  a, b, t;
    reg [8:0]  free_head, done_head, done_tail, mcur_head, mcur_tail, mprev_head, mprev_tail;
    reg [9:0]  fresh;
    reg        trunc;
    reg [15:0] found;
    reg        chk_end;   // the completion test in progress is the end-of-row one
    reg [10:0] rb_hold;   // row buffer read address kept between pixels (x + 2)
    reg        wb_pend;   // write r_* back to root[wb_addr] this cycle (fast path)
    reg [8:0]  wb_addr;
    reg        rec_ok;    // the drained record passes the filter
    reg        new_lbl;   // the label being added to was just allocated
    reg        cmp_q;     // the completion test's comparison, registered (CHK1 -> CHK2)
    reg        peq;       // parent[f_l] == f_l, registered (F1 -> F2)
    // flags kept with a, b and free_head (timing: no 9-bit compares in P_CASE)
    reg        a_z, b_z, ab_ne, fh_nz;
    reg [3:0]  rec_e;
    reg [8:0]  dl;        // drain cursor

    // root data: {x0, y0, x1, y1, lastx, ink}
    reg [10:0] r_x0, r_y0, r_x1, r_y1, r_lx;
    reg [15:0] r_ink;

    wire ofree = !m_valid || m_ready;
    wire [11:0] w = cfg_width;

    // ---- memories ----
    reg        rb_we;
    reg [10:0] rb_waddr, rb_raddr;
    reg [8:0]  rb_wdata;
    wire [8:0] rb_rd;
    sdp_ram #(.ADDR_WIDTH(11), .DATA_WIDTH(9)) rowbuf (
        .clk(clk), .wr_en(rb_we), .wr_addr(rb_waddr), .wr_data(rb_wdata),
        .rd_en(1'b1), .rd_addr(rb_raddr), .rd_data(rb_rd));

    reg        par_we;
    reg [8:0]  par_waddr, par_wdata, par_raddr;
    wire [8:0] par_rd;
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(9)) parent (
        .clk(clk), .wr_en(par_we), .wr_addr(par_waddr), .wr_data(par_wdata),
        .rd_en(1'b1), .rd_addr(par_raddr), .rd_data(par_rd));

    reg        nx_we;
    reg [8:0]  nx_waddr, nx_wdata, nx_raddr;
    wire [8:0] nx_rd;
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(9)) nextm (
        .clk(clk), .wr_en(nx_we), .wr_addr(nx_waddr), .wr_data(nx_wdata),
        .rd_en(1'b1), .rd_addr(nx_raddr), .rd_data(nx_rd));

    reg        rt_we;
    reg [8:0]  rt_waddr, rt_raddr;
    reg [70:0] rt_wdata;
    wire [70:0] rt_rd;
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(71)) rootm (
        .clk(clk), .wr_en(rt_we), .wr_addr(rt_waddr), .wr_data(rt_wdata),
        .rd_en(1'b1), .rd_addr(rt_raddr), .rd_data(rt_rd));

    wire [10:0] q_x0 = rt_rd[70:60], q_y0 = rt_rd[59:49], q_x1 = rt_rd[48:38];
    wire [10:0] q_y1 = rt_rd[37:27], q_lx = rt_rd[26:16];
    wire [15:0] q_ink = rt_rd[15:0];

    // the pixel added to the target's data (P_ADD)
    wire [10:0] add_x0 = px < r_x0 ? px : r_x0;
    wire [10:0] add_x1 = px > r_x1 ? px : r_x1;
    // (after a merge b_ink holds root[b]'s ink, captured in M2, and the sum is made here:
    // min(min(r + b, 65535) + 1, 65535) = min(r + b + 1, 65535); b_ink is 0 otherwise)
    reg  [15:0] b_ink;
    wire [16:0] ink_sum = {1'b0, r_ink} + {1'b0, b_ink} + 17'd1;
    wire [15:0] add_ink = ink_sum[16] ? 16'hFFFF : ink_sum[15:0];

    // the record of the component being drained
    // (the drain captures root[dl] into r_* first: the record is computed from registers)
    wire [11:0] rec_w = {1'b0, r_x1} - {1'b0, r_x0} + 12'd1;
    wire [11:0] rec_h = {1'b0, r_y1} - {1'b0, r_y0} + 12'd1;
    wire rec_pass = {4'd0, rec_w} >= cfg_min_w && {4'd0, rec_w} <= cfg_max_w &&
                    {4'd0, rec_h} >= cfg_min_h && {4'd0, rec_h} <= cfg_max_h;
    wire [3:0] rec_edges = {{1'b0, r_y1} == cfg_height - 12'd1, r_y0 == 11'd0,
                            {1'b0, r_x1} == w - 12'd1, r_x0 == 11'd0};
    // y - 1 and the column of the run end, kept in registers (x != 0; timing)
    reg  [11:0] py_m1;
    reg  [10:0] px_m1, w_m1;
    always @(posedge clk) begin
        py_m1 <= py - 12'd1;
        px_m1 <= px - 11'd1;
        w_m1 <= w[10:0] - 11'd1;
    end
    wire completes = {1'b0, q_y1} == py_m1 && q_lx == (chk_end ? w_m1 : px_m1);

    // ---- input register stage ----
    // The token waits here (s_*) for the machine; p_ne's row-buffer word (prev[x + 1]) is
    // captured with it, read at the address issued when the previous pixel arrived. No token
    // enters while the machine reads the row buffer itself (first pixel of a row, blank row).
    reg        s_valid;
    reg [2:0]  s_kind;
    reg [7:0]  s_pix;
    reg        s_ink, s_eol, s_lbl;
    reg [10:0] s_x, s_y;
    reg [4:0]  s_flags;
    reg [8:0]  s_ne;      // prev[x + 1], 0 on the last column or the first row
    reg        s_ne_nz, s_pl;          // s_ne != 0, a PIX token to label
    reg        s_plx_bg, s_plx_ink;    // s_pl, x != 0, and !s_ink / s_ink (timing)
    reg        lab_ok;    // cfg_enable && !trunc (set at START, cleared on truncation)
    reg        pn_nz, pne_nz, left_nz; // p_n != 0, p_ne != 0, left != 0 (x != 0; timing)
    wire       s_take = state == IDLE && ofree && s_valid;
    wire       rb_busy = state == P_RD || state == P_RD0 || state == P_RD1 || state == P_A;
    always @* in_ready = (!s_valid && !rb_busy) || s_take;
    wire       in_load_pix = in_ready && in_valid && in_kind == `TK_PIX;
    always @(posedge clk) begin
        if (in_ready) begin
            s_valid <= in_valid;
            s_kind <= in_kind;
            s_pix <= in_pix;
            s_ink <= in_ink;
            s_x <= in_x;
            s_y <= in_y;
            s_eol <= in_eol;
            s_lbl <= in_lbl;
            s_flags <= in_flags;
            s_ne <= (!in_eol && in_y != 11'd0) ? rb_rd : 9'd0;
            s_ne_nz <= !in_eol && in_y != 11'd0 && rb_rd != 9'd0;
            s_pl <= in_kind == `TK_PIX && in_lbl;
            s_plx_bg <= in_kind == `TK_PIX && in_lbl && in_x != 11'd0 && !in_ink;
            s_plx_ink <= in_kind == `TK_PIX && in_lbl && in_x != 11'd0 && in_ink;
        end
        if (rst)
            s_valid <= 1'b0;
    end

    // ---- fast path: a pixel with x > 0 accepted in IDLE ----
    // The previous row's labels shift by one; p_ne comes from the row buffer read issued when
    // the previous pixel was accepted (address x + 1). A background pixel, or an ink pixel that
    // continues the run of `left` with no second neighbour, is finished in this cycle; the
    // completion test and everything else continue in the slow states.
    wire        idle_go = state == IDLE && s_valid && ofree;
    wire        acc_pix = idle_go && s_pl && lab_ok;
    wire        acc_fast = idle_go && lab_ok && (s_plx_bg || s_plx_ink);
    wire [8:0]  n_nw = p_n;
    wire [8:0]  n_n = p_ne;
    wire [8:0]  n_ne = s_ne;
    wire        n_chk = pn_nz && !pne_nz;              // n_nw != 0 && n_n == 0
    wire        fast_bg = idle_go && lab_ok && s_plx_bg;
    wire        fast_run = idle_go && lab_ok && s_plx_ink && left_nz && (pne_nz || !s_ne_nz);

    // ---- combinational memory addresses and write strobes ----
    always @* begin
        if (in_load_pix)
            rb_raddr = in_x + 11'd2;
        else if (state == P_RD)
            rb_raddr = px == 11'd0 ? 11'd0 : px + 11'd1;
        else if (state == P_RD0)
            rb_raddr = 11'd1;
        else
            rb_raddr = rb_hold;
        // in IDLE the first union-find step of the pixel being accepted is issued at once:
        // its label is p_n (the new nw) or else p_ne (the new n), both registers
        // in F1 the parent of the label just read is addressed at once (speculatively: it is
        // only used when that label is not a root), so a union-find step stays two clocks
        // with the comparison registered
        par_raddr = state == IDLE ? (pn_nz ? p_n : p_ne) : (state == F1 ? par_rd : f_l);
        nx_raddr = state == P_CASE ? free_head : dl;   // D1C: next[dl], read in D2
        case (state)
            P_CASE: rt_raddr = a_z ? b : a;  // root[a] (merge) or root[t]
            M0: rt_raddr = b;
            DRAIN: rt_raddr = done_head;
            D1, D1B, D1C, D3: rt_raddr = dl;
            default: rt_raddr = f_l;               // F2: the root just found
        endcase
        rb_we = 1'b0;
        rb_waddr = px;
        rb_wdata = 9'd0;
        par_we = 1'b0;
        par_waddr = t;
        par_wdata = t;
        nx_we = 1'b0;
        nx_waddr = 9'd0;
        nx_wdata = 9'd0;
        rt_we = 1'b0;
        rt_waddr = t;
        rt_wdata = {add_x0, r_y0, add_x1, py[10:0], px, add_ink};
        if (wb_pend) begin
            rt_we = 1'b1;
            rt_waddr = wb_addr;
            rt_wdata = {r_x0, r_y0, r_x1, r_y1, r_lx, r_ink};
        end
        if (fast_bg || fast_run) begin
            rb_we = 1'b1;
            rb_waddr = s_x;
            rb_wdata = fast_run ? left : 9'd0;
        end
        case (state)
            P_A: if (!pink) rb_we = 1'b1;
            M2: begin
                par_we = 1'b1;
                par_waddr = b;
                par_wdata = a;
                if (mcur_head != 9'd0) begin
                    nx_we = 1'b1;
                    nx_waddr = mcur_tail;
                    nx_wdata = b;
                end
            end
            P_ADD: begin
                rt_we = 1'b1;
                rb_we = 1'b1;
                rb_wdata = t;
                par_we = new_lbl;   // a new label is its own root
            end
            CHK2: if (cmp_q && done_head != 9'd0) begin
                nx_we = 1'b1;
                nx_waddr = done_tail;
                nx_wdata = f_l;
            end
            SPL0: if (done_head != 9'd0) begin
                nx_we = 1'b1;
                nx_waddr = done_tail;
                nx_wdata = free_head;
            end
            SPL1: if (mprev_head != 9'd0) begin
                nx_we = 1'b1;
                nx_waddr = mprev_tail;
                nx_wdata = free_head;
            end
            default: ;
        endcase
    end


    always @(posedge clk) begin
        if (m_valid && m_ready)
            m_valid <= 1'b0;
        wb_pend <= 1'b0;
        if (in_load_pix)
            rb_hold <= in_x + 11'd2;
        else if (state == P_RD1)
            rb_hold <= (s_valid && s_kind == `TK_PIX) ? s_x + 11'd2 : px + 11'd2;
        if (rst) begin
            state <= IDLE;
            m_valid <= 1'b0;
            trunc <= 1'b0;
            lab_ok <= 1'b0;
            b_ink <= 16'd0;
            found <= 16'd0;
            free_head <= 9'd0;
            fh_nz <= 1'b0;
            fresh <= 10'd1;
            done_head <= 9'd0;
            done_tail <= 9'd0;
            mcur_head <= 9'd0;
            mcur_tail <= 9'd0;
            mprev_head <= 9'd0;
            mprev_tail <= 9'd0;
            left <= 9'd0;
            left_nz <= 1'b0;
            blank <= 1'b0;
        end else begin
            case (state)
                IDLE: if (s_valid && ofree) begin
                    // pass the token on
                    m_valid <= s_kind != `TK_END;
                    m_kind <= s_kind;
                    m_pix <= s_pix;
                    m_ink <= s_ink;
                    m_x <= s_x;
                    m_y <= s_y;
                    m_flags <= s_flags;
                    px <= s_x;
                    py <= {1'b0, s_y};
                    pink <= s_ink;
                    peol <= s_eol;
                    blank <= 1'b0;
                    case (s_kind)
                        `TK_START: begin
                            trunc <= 1'b0;
                            lab_ok <= cfg_enable;
                            found <= 16'd0;
                            free_head <= 9'd0;
                            fh_nz <= 1'b0;
                            fresh <= 10'd1;
                            done_head <= 9'd0;
                            mcur_head <= 9'd0;
                            mprev_head <= 9'd0;
                            left <= 9'd0;
                            left_nz <= 1'b0;
                        end
                        `TK_PIX:
                            if (acc_fast) begin
                                p_nw <= n_nw;
                                p_n <= n_n;
                                p_ne <= n_ne;
                                pn_nz <= pne_nz;
                                pne_nz <= s_ne_nz;
                                if (fast_bg || fast_run) begin
                                    if (fast_bg) begin
                                        left <= 9'd0;
                                        left_nz <= 1'b0;
                                    end else begin
                                        // add the pixel to root[left], cached in r_*
                                        if (s_x < r_x0) r_x0 <= s_x;
                                        if (s_x > r_x1) r_x1 <= s_x;
                                        r_y1 <= s_y;
                                        r_lx <= s_x;
                                        r_ink <= r_ink == 16'hFFFF ? r_ink : r_ink + 16'd1;
                                        wb_pend <= 1'b1;
                                        wb_addr <= left;
                                    end
                                    if (n_chk) begin
                                        // completion test of the run ending at x - 1
                                        f_l <= n_nw;
                                        f_ret <= RET_CHK;
                                        chk_end <= 1'b0;
                                        state <= F1;
                                    end else begin
                                        state <= s_eol ? RE0 : IDLE;
                                    end
                                end else if (left_nz) begin
                                    // a = left; b = root of ne (n is background)
                                    a <= left;
                                    a_z <= 1'b0;
                                    f_l <= n_ne;
                                    f_ret <= RET_B;
                                    state <= F0;
                                end else if (pn_nz || pne_nz) begin
                                    f_l <= n_nw != 9'd0 ? n_nw : n_n;
                                    f_ret <= RET_A;
                                    state <= F1;
                                end else if (s_ne_nz) begin
                                    a <= 9'd0;
                                    a_z <= 1'b1;
                                    f_l <= n_ne;
                                    f_ret <= RET_B;
                                    state <= F0;
                                end else begin
                                    a <= 9'd0;
                                    a_z <= 1'b1;
                                    b <= 9'd0;
                                    b_z <= 1'b1;
                                    state <= P_CASE;
                                end
                            end else if (acc_pix)
                                state <= P_RD;
                            else if (s_lbl && cfg_enable && s_eol)
                                state <= RE0;   // truncated: only the end-of-row step
                        `TK_END: begin
                            end_flags <= s_flags;
                            if (!s_flags[`FL_ABORTED] && cfg_enable) begin
                                blank <= 1'b1;
                                px <= 11'd0;
                                py <= cfg_height;
                                pink <= 1'b0;
                                peol <= w == 12'd1;
                                state <= trunc ? RE0 : P_RD;
                            end else begin
                                state <= E_OUT;
                            end
                        end
                        default: ;
                    endcase
                end

                // -- previous row's labels --
                P_RD: begin
                    if (px == 11'd0) begin
                        left <= 9'd0;
                        left_nz <= 1'b0;
                    end
                    if (py == 12'd0) begin
                        p_nw <= 9'd0;
                        p_n <= 9'd0;
                        p_ne <= 9'd0;
                        pn_nz <= 1'b0;
                        pne_nz <= 1'b0;
                        state <= P_A;
                    end else if (px == 11'd0) begin
                        state <= P_RD0;
                    end else begin
                        p_nw <= p_n;
                        p_n <= p_ne;
                        pn_nz <= pne_nz;
                        state <= P_RD1;
                    end
                end
                P_RD0: begin
                    p_nw <= 9'd0;
                    p_n <= rb_rd;
                    pn_nz <= rb_rd != 9'd0;
                    state <= P_RD1;
                end
                P_RD1: begin
                    p_ne <= {1'b0, px} + 12'd1 < w ? rb_rd : 9'd0;
                    pne_nz <= {1'b0, px} + 12'd1 < w && rb_rd != 9'd0;
                    state <= P_A;
                end

                // -- labelling --
                P_A: if (!pink) begin
                    left <= 9'd0;
                    left_nz <= 1'b0;
                    state <= P_CHK;
                end else if (left != 9'd0) begin
                    a <= left;
                    a_z <= 1'b0;
                    state <= P_B;
                end else if (p_nw != 9'd0 || p_n != 9'd0) begin
                    f_l <= p_nw != 9'd0 ? p_nw : p_n;
                    f_ret <= RET_A;
                    state <= F0;
                end else begin
                    a <= 9'd0;
                    a_z <= 1'b1;
                    state <= P_B;
                end
                P_B: if (p_n == 9'd0 && p_ne != 9'd0) begin
                    f_l <= p_ne;
                    f_ret <= RET_B;
                    state <= F0;
                end else begin
                    b <= 9'd0;
                    b_z <= 1'b1;
                    state <= P_CASE;
                end
                P_CASE: begin
                    // (memory addresses for this state: next[free_head], root[t])
                    new_lbl <= a_z && b_z;
                    if (a_z && b_z) begin
                        if (fh_nz) begin
                            t <= free_head;
                            state <= AL1;
                        end else if (!fresh[9]) begin   // fresh != 512
                            t <= fresh[8:0];
                            fresh <= fresh + 10'd1;
                            r_x0 <= px;
                            r_y0 <= py[10:0];
                            r_x1 <= px;
                            r_y1 <= py[10:0];
                            r_lx <= px;
                            r_ink <= 16'd0;
                            state <= P_ADD;
                        end else begin
                            trunc <= 1'b1;
                            lab_ok <= 1'b0;
                            state <= peol ? RE0 : P_EOL;
                        end
                    end else if (!a_z && !b_z && ab_ne) begin
                        t <= a;
                        state <= M0;
                    end else begin
                        t <= a_z ? b : a;
                        state <= C1;
                    end
                end
                AL1: begin
                    free_head <= nx_rd;
                    fh_nz <= nx_rd != 9'd0;
                    r_x0 <= px;
                    r_y0 <= py[10:0];
                    r_x1 <= px;
                    r_y1 <= py[10:0];
                    r_lx <= px;
                    r_ink <= 16'd0;
                    state <= P_ADD;
                end
                C1: begin
                    // root[t] was addressed in P_CASE and is on rt_rd now
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    r_y1 <= q_y1;
                    r_lx <= q_lx;
                    r_ink <= q_ink;
                    state <= P_ADD;
                end
                M0: begin
                    // rt_rd = root[a] (addressed in P_CASE); root[b] addressed now
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    r_y1 <= q_y1;
                    r_lx <= q_lx;
                    r_ink <= q_ink;
                    state <= M2;
                end
                M2: begin
                    // rt_rd = root[b]: union into r (a survives); parent[b] = a; b joins the
                    // merged-this-row list (memory writes in the address block)
                    if (q_x0 < r_x0) r_x0 <= q_x0;
                    if (q_x1 > r_x1) r_x1 <= q_x1;
                    if (q_y0 < r_y0) r_y0 <= q_y0;
                    if (q_y1 > r_y1) begin
                        r_y1 <= q_y1;
                        r_lx <= q_lx;
                    end else if (q_y1 == r_y1 && q_lx > r_lx) begin
                        r_lx <= q_lx;
                    end
                    b_ink <= q_ink;   // summed in P_ADD (timing)
                    if (mcur_head == 9'd0)
                        mcur_head <= b;
                    mcur_tail <= b;
                    state <= P_ADD;
                end
                P_ADD: begin
                    b_ink <= 16'd0;
                    left <= t;
                    left_nz <= 1'b1;
                    r_x0 <= add_x0;
                    r_x1 <= add_x1;
                    r_y1 <= py[10:0];
                    r_lx <= px;
                    r_ink <= add_ink;
                    if (px != 11'd0 && p_nw != 9'd0 && p_n == 9'd0) begin
                        f_l <= p_nw;
                        f_ret <= RET_CHK;
                        chk_end <= 1'b0;
                        state <= F0;
                    end else begin
                        state <= peol ? RE0 : IDLE;
                    end
                end

                // -- completion test of the previous row's run ending at px - 1 --
                P_CHK: if (px != 11'd0 && p_nw != 9'd0 && p_n == 9'd0) begin
                    f_l <= p_nw;
                    f_ret <= RET_CHK;
                    chk_end <= 1'b0;
                    state <= F0;
                end else begin
                    state <= peol ? RE0 : (blank ? P_EOL : IDLE);
                end
                CHK1: begin
                    // rt_rd = root[f_l]: compare now, act next cycle (x != 0; timing)
                    cmp_q <= completes;
                    state <= CHK2;
                end
                CHK2: begin
                    if (cmp_q) begin
                        found <= found == 16'hFFFF ? found : found + 16'd1;
                        if (done_head == 9'd0)
                            done_head <= f_l;
                        done_tail <= f_l;
                    end
                    state <= chk_end ? DRAIN : (peol ? RE0 : (blank ? P_EOL : IDLE));
                end
                P_EOL: begin
                    if (blank) begin
                        px <= px + 11'd1;
                        peol <= {1'b0, px} + 12'd2 == w;
                        state <= P_RD;
                    end else begin
                        state <= IDLE;
                    end
                end

                // -- end of row --
                RE0: if (!trunc && p_n != 9'd0) begin
                    f_l <= p_n;
                    f_ret <= RET_CHK;
                    chk_end <= 1'b1;
                    state <= F0;
                end else begin
                    state <= DRAIN;
                end
                DRAIN: begin
                    dl <= done_head;
                    state <= done_head == 9'd0 ? SPL0 : D1;
                end
                D1: begin
                    // rt_rd = root[dl]
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    r_y1 <= q_y1;
                    r_ink <= q_ink;
                    state <= D1B;
                end
                D1B: begin
                    rec_ok <= rec_pass;
                    rec_e <= rec_edges;
                    state <= D1C;
                end
                D1C: if (ofree || !rec_ok) begin
                    if (rec_ok) begin
                        m_valid <= 1'b1;
                        m_kind <= `TK_REC;
                        m_rx0 <= r_x0;
                        m_ry0 <= r_y0;
                        m_rx1 <= r_x1;
                        m_ry1 <= r_y1;
                        m_rink <= r_ink;
                        m_rlabel <= dl;
                        m_redges <= rec_e;
                    end
                    state <= dl == done_tail ? SPL0 : D2;
                end
                D2: begin
                    // next[dl] addressed in D1C
                    dl <= nx_rd;
                    state <= D3;
                end
                D3: state <= D1;   // root[dl] addressed
                SPL0: begin
                    if (done_head != 9'd0) begin
                        free_head <= done_head;
                        fh_nz <= 1'b1;
                    end
                    state <= SPL1;
                end
                SPL1: begin
                    if (mprev_head != 9'd0) begin
                        free_head <= mprev_head;
                        fh_nz <= 1'b1;
                    end
                    state <= SPL2;
                end
                SPL2: begin
                    mprev_head <= mcur_head;
                    mprev_tail <= mcur_tail;
                    mcur_head <= 9'd0;
                    done_head <= 9'd0;
                    state <= blank ? E_OUT : IDLE;
                end
                E_OUT: if (ofree) begin
                    m_valid <= 1'b1;
                    m_kind <= `TK_END;
                    m_flags <= end_flags | {3'd0, trunc, 1'b0};
                    m_found <= found;
                    blank <= 1'b0;
                    state <= IDLE;
                end

                // -- find: f_l <- root of f_l --
                F0: state <= F1;     // parent[f_l] addressed
                // F1 registers the comparison and moves to the parent (f_l is unchanged at a
                // root); F2 acts on it
                F1: begin
                    peq <= par_rd == f_l;
                    f_l <= par_rd;
                    state <= F2;
                end
                F2: if (peq) begin
                    case (f_ret)
                        RET_A: begin
                            a <= f_l;
                            a_z <= 1'b0;
                            if (p_n == 9'd0 && p_ne != 9'd0) begin
                                f_l <= p_ne;
                                f_ret <= RET_B;
                                state <= F0;
                            end else begin
                                // one neighbour component: root[f_l] is being read (F2
                                // addresses root[f_l]); no merge, no allocation
                                b <= 9'd0;
                                b_z <= 1'b1;
                                t <= f_l;
                                new_lbl <= 1'b0;
                                state <= C1;
                            end
                        end
                        RET_B: begin
                            b <= f_l;
                            b_z <= 1'b0;
                            ab_ne <= a != f_l;
                            new_lbl <= 1'b0;
                            if (a == f_l && a == left) begin
                                // same component as the run: root[left] is cached in r_*
                                t <= f_l;
                                state <= P_ADD;
                            end else if (a_z || a == f_l) begin
                                t <= f_l;
                                state <= C1;
                            end else begin
                                state <= P_CASE;
                            end
                        end
                        default: state <= CHK1;   // root[f_l] addressed in F2
                    endcase
                end else begin
                    state <= F1;         // parent[f_l] addressed in F1, kept in F2
                end
                default: state <= IDLE;
            endcase
        end
    end
endmodule
`default_nettype wire
