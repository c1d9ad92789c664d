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
// goes through the slow states: a find is F1, F2 per union-find step (every state that
// starts one addresses the parent RAM itself), with the root's data read speculatively in F1;
// finds of three steps or more compress the first label's path. A run start joining one
// component takes 4 cycles or more, a new label 3 or 4, a merge 5 to 7, a completion test 2
// more (its list update is done in the cycle after; made only after two background pixels,
// as an ink pixel at x - 1 or x joins the run that ended), a record 3 at the end of its row;
// the first pixel of a row and the end of a row take extra cycles. The input stalls
// meanwhile (docs/BOARD.md, throughput).
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
        P_CASE = 5'd6, AL1 = 5'd7, F2 = 5'd8, C1 = 5'd11,
        P_ADD = 5'd12, P_CHK = 5'd13, P_EOL = 5'd15, RE0 = 5'd16, DRAIN = 5'd17,
        D1 = 5'd18, SPL0 = 5'd20, SPL1 = 5'd21, SPL2 = 5'd22, E_OUT = 5'd23,
        F1 = 5'd25, M2 = 5'd26, D1B = 5'd28, D1C = 5'd29, CHK2 = 5'd30;
    localparam [1:0] RET_A = 2'd0, RET_B = 2'd1, RET_CHK = 2'd2;

    reg [4:0]  state;
    reg [1:0]  f_ret;
    reg [8:0]  f_l;
    // path compression: a find of three or more steps points its first label at the root (in
    // F2, on the parent RAM's free write port), so the labels the row buffer repeats resolve in
    // one or two steps next time (labels are not observable: the wire carries roots)
    reg        f_cont;    // this F1 continues a find (F2 found no root)
    reg [8:0]  f_l0;      // the find's first label
    reg [1:0]  f_n;       // F1 steps of the find so far (saturates at 3)
    reg        pc_ok;     // F2 may write parent[f_l0]: it does not read that address then

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
    reg        wb_pend;   // write r_* back to root[wb_addr] this cycle (after P_ADD or a
                          // fast-path pixel: the root RAM is written only from r_*)
    reg        fr_pend;   // a fast run pixel (column fr_x) is added to r_* this cycle
    reg [10:0] fr_x;
    reg [8:0]  fr_left;
    reg [8:0]  wb_addr;
    reg [11:0] rec_w, rec_h;   // the drained record's width and height (D1)
    reg        rec_ok;         // ... passes the filter (D1B)
    reg        new_lbl;   // the label being added to was just allocated
    reg        cmp_q;     // the completion test's comparison, registered (F2 -> commit)
    reg        cpend;     // the completion commit is due this cycle (after F2, not CHK2)
    reg        fwd;       // F1 -> F2: the root read in F1 was being written back in that
                          // cycle or is still to be (wb_pend, fr_pend, same label): its
                          // data is r_*, not the RAM's
    wire       commit = state == CHK2 || cpend;
    reg        peq;       // parent[f_l] == f_l, registered (F1 -> F2)
    // flags kept with a, b and free_head (timing: no 9-bit compares in P_CASE)
    reg        a_z, b_z, fh_nz;
    reg [3:0]  rec_e;
    reg [8:0]  dl;        // drain cursor
    reg        dl_last;   // dl == done_tail (D1B -> D1C)
    reg [8:0]  dl_nx;     // next[dl] (D1B -> D1C, whose root it addresses)

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

    // the pixel added to the target's data (P_ADD); after a merge b_x0, b_x1, b_y0 hold
    // root[b]'s box, captured in F2 (2047, 0, 2047 otherwise), and the union is made here from
    // registers (timing: no comparison on the root RAM's output)
    reg  [10:0] b_x0, b_x1, b_y0;
    // The comparisons are made in the state before P_ADD, into flags (timing: P_ADD only
    // selects): fx0_px / fx1_px the pixel is the new x0 / x1, fx0_b / fx1_b / fy0_b root[b]'s
    // x0 / x1 / y0 is (else r_*'s stays)
    reg         fx0_px, fx1_px, fx0_b, fx1_b, fy0_b;
    wire [10:0] add_x0 = fx0_px ? px : (fx0_b ? b_x0 : r_x0);
    wire [10:0] add_x1 = fx1_px ? px : (fx1_b ? b_x1 : r_x1);
    wire [10:0] add_y0 = fy0_b ? b_y0 : r_y0;
    // x1_front: the component's x1 is the column of the last pixel added, r_lx (r_x1 is then
    // stale: the fast path does not update it, timing); the next pixel of the run is the new
    // x1 exactly when this is set. Cleared wherever r_* is loaded from the root RAM.
    reg         x1_front;
    wire [10:0] x1_eff = x1_front ? r_lx : r_x1;
    // (after a merge b_ink holds root[b]'s ink, captured in F2, and the sum is made here:
    // min(min(r + b, 65535) + 1, 65535) = min(r + b + 1, 65535); b_ink is 0 otherwise)
    reg  [15:0] b_ink;
    wire [16:0] ink_sum = {1'b0, r_ink} + {1'b0, b_ink} + 17'd1;
    wire [15:0] add_ink = ink_sum[16] ? 16'hFFFF : ink_sum[15:0];

    // the record of the component being drained
    // (the drain captures root[dl] into r_* first: the record is computed from registers)
    reg  [11:0] w_m1_12, h_m1;   // w - 1, height - 1 (registered below)
    // (D1 registers width and height from the RAM's output, D1B the filter and the edges)
    wire rec_pass = {4'd0, rec_w} >= cfg_min_w && {4'd0, rec_w} <= cfg_max_w &&
                    {4'd0, rec_h} >= cfg_min_h && {4'd0, rec_h} <= cfg_max_h;
    wire [3:0] rec_edges = {{1'b0, r_y1} == h_m1, r_y0 == 11'd0,
                            {1'b0, r_x1} == w_m1_12, r_x0 == 11'd0};
    // y - 1 and the column of the run end, kept in registers (x != 0; timing)
    reg  [11:0] py_m1;
    reg  [10:0] px_m1, w_m1;
    always @(posedge clk) begin
        py_m1 <= py - 12'd1;
        px_m1 <= px - 11'd1;
        w_m1 <= w[10:0] - 11'd1;
        w_m1_12 <= w - 12'd1;
        h_m1 <= cfg_height - 12'd1;
    end
    // the completion test in F2 (py_m1 and px_m1 are valid there: py and px are set at least
    // two cycles before, F1 comes first), on the root read in F1 or, forwarded, on r_*
    wire [10:0] lx_tgt = chk_end ? w_m1 : px_m1;   // lastx of a completing component
    wire completes = fwd ? ({1'b0, r_y1} == py_m1 && r_lx == lx_tgt)
                         : ({1'b0, q_y1} == py_m1 && q_lx == lx_tgt);

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
    reg        pnw_nz, px_nz;          // p_nw != 0, px != 0 (timing)
    reg        a_left;    // a == left (with a != 0 where it matters; timing)
    reg        fa_eq;     // par_rd == a, registered in F1 (F2: the root found is a)
    reg        f2_keep;   // F1 -> F2: r_* is kept (completion find, or b is left's root)
    reg        s_xnz, s_yz;   // s_x != 0, s_y == 0
    reg        py_z;          // py == 0
    reg        dh_nz, mc_nz, mp_nz;   // done_head, mcur_head, mprev_head != 0
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
            s_xnz <= in_x != 11'd0;
            s_yz <= in_y == 11'd0;
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
    wire        cand_acc, cand_bg, cand_run, cand_chk, sl_left, sl_a, sl_ne, sl_new;
    wire [1:0]  fret_idle;
    wire        go_f1, go_case, go_re0;
    wire        acc_fast = cand_acc && ofree;
    wire [8:0]  n_nw = p_n;
    wire [8:0]  n_n = p_ne;
    wire [8:0]  n_ne = s_ne;
    // the conditions other than the output's state are computed apart (ccl_fastdec), so that
    // the late ofree (the output stage's ready) is one LUT away from the decisions (timing)
    ccl_fastdec fdec (
        .st_idle(state == IDLE), .s_valid(s_valid), .lab_ok(lab_ok), .s_plx_bg(s_plx_bg),
        .s_plx_ink(s_plx_ink), .left_nz(left_nz), .pn_nz(pn_nz), .pne_nz(pne_nz),
        .s_ne_nz(s_ne_nz), .s_eol(s_eol), .cand_acc(cand_acc), .cand_bg(cand_bg),
        .cand_run(cand_run), .cand_chk(cand_chk), .sl_left(sl_left), .sl_a(sl_a), .sl_ne(sl_ne),
        .sl_new(sl_new), .go_f1(go_f1), .go_case(go_case), .go_re0(go_re0),
        .fret_idle(fret_idle));
    wire        fast_bg = cand_bg && ofree;
    // the state after IDLE for the waiting token (taken when ofree): x = 0 and the blank row
    // read the row buffer (P_RD); a truncated frame only ends its rows; END runs the blank
    // row, or ends at once when aborted or labelling is off
    wire        end_go = !s_flags[`FL_ABORTED] && cfg_enable;
    reg  [4:0]  idle_nx;
    always @* begin
        idle_nx = IDLE;
        if (state == IDLE && s_valid) begin
            if (s_kind == `TK_PIX) begin
                if (s_pl && lab_ok && !s_xnz)
                    idle_nx = P_RD;
                else if (s_lbl && cfg_enable && s_eol && !lab_ok)
                    idle_nx = RE0;   // truncated: only the end-of-row step
                else if (go_f1)
                    idle_nx = F1;
                else if (go_case)
                    idle_nx = P_CASE;
                else if (go_re0)
                    idle_nx = RE0;
            end else if (s_kind == `TK_END) begin
                idle_nx = !end_go ? E_OUT : (trunc ? RE0 : P_RD);
            end
        end
    end
    wire        fast_run = cand_run && ofree;

    // ---- combinational memory addresses and write strobes ----
    always @* begin
        if (in_load_pix)
            rb_raddr = in_x + 11'd2;
        else if (state == P_RD)
            rb_raddr = px_nz ? px + 11'd1 : 11'd0;
        else if (state == P_RD0)
            rb_raddr = 11'd1;
        else
            rb_raddr = rb_hold;
        // Every state that starts a find addresses parent[label] itself and goes to F1 (no
        // separate addressing cycle): IDLE (nw = p_n for the fast path's completion test, else
        // the label its branch finds), P_A, P_B, F2 (b after a), P_CHK (completion),
        // RE0. In F1 the parent of the label just read is addressed at once (speculatively: it
        // is only used when that label is not a root), so a union-find step stays two clocks
        // with the comparison registered.
        case (state)
            IDLE: par_raddr = s_plx_bg ? p_n
                            : (left_nz ? ((pne_nz || !s_ne_nz) ? p_n : s_ne)
                                       : (pn_nz ? p_n : (pne_nz ? p_ne : s_ne)));
            F1: par_raddr = par_rd;
            F2: par_raddr = (peq && f_ret == RET_A) ? p_ne : f_l;
            P_A: par_raddr = pnw_nz ? p_nw : p_n;
            P_B: par_raddr = p_ne;
            P_CHK: par_raddr = p_nw;
            RE0: par_raddr = p_n;
            default: par_raddr = f_l;
        endcase
        nx_raddr = state == P_CASE ? free_head : dl;   // D1: next[dl], read in D1B
        // F1 addresses root[parent] speculatively (used in F2 when the label read is a root;
        // for the finds of a and b no root write is under way then: the write-back of r_*
        // follows only P_ADD and fast-path pixels, which start completion finds only; a
        // completion find's F1 may coincide with the write-back of the same root, and F2
        // then takes r_* instead: fwd); F2 addresses root[a] for a merge (read in M2)
        case (state)
            P_CASE: rt_raddr = a_z ? b : a;  // root[t]
            F1: rt_raddr = par_rd;
            F2: rt_raddr = (f_ret == RET_B && !a_z && !fa_eq) ? a : f_l;
            DRAIN: rt_raddr = done_head;
            D1, D1B: rt_raddr = dl;
            D1C: rt_raddr = dl_nx;   // the next record's root, on rt_rd in its D1
            default: rt_raddr = f_l;
        endcase
        // the completion commit (CHK2 or the cycle after F2): next[done_tail] = f_l
        nx_we = commit && cmp_q && dh_nz;
        nx_waddr = done_tail;
        nx_wdata = f_l;
        rb_we = 1'b0;
        rb_waddr = px;
        rb_wdata = 9'd0;
        par_we = 1'b0;
        par_waddr = t;
        par_wdata = t;
        // (no state reads root[wb_addr] in the cycle of the write-back: the states after
        // P_ADD and after a fast-path pixel address the root RAM one cycle later at the
        // earliest)
        rt_we = wb_pend;
        rt_waddr = wb_addr;
        rt_wdata = {r_x0, r_y0, x1_eff, r_y1, r_lx, r_ink};
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
                if (mc_nz) begin
                    nx_we = 1'b1;
                    nx_waddr = mcur_tail;
                    nx_wdata = b;
                end
            end
            F2: if (peq && f_n == 2'd3 && pc_ok) begin
                par_we = 1'b1;
                par_waddr = f_l0;
                par_wdata = f_l;
            end
            P_ADD: begin
                rb_we = 1'b1;
                rb_wdata = t;
                par_we = new_lbl;   // a new label is its own root
            end
            SPL0: if (dh_nz) begin
                nx_we = 1'b1;
                nx_waddr = done_tail;
                nx_wdata = free_head;
            end
            SPL1: if (mp_nz) begin
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
        cpend <= 1'b0;
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
            b_x0 <= 11'h7FF;
            b_x1 <= 11'd0;
            b_y0 <= 11'h7FF;
            found <= 16'd0;
            free_head <= 9'd0;
            fh_nz <= 1'b0;
            fresh <= 10'd1;
            done_head <= 9'd0;
            dh_nz <= 1'b0;
            done_tail <= 9'd0;
            mcur_head <= 9'd0;
            mc_nz <= 1'b0;
            mcur_tail <= 9'd0;
            mprev_head <= 9'd0;
            mp_nz <= 1'b0;
            mprev_tail <= 9'd0;
            left <= 9'd0;
            left_nz <= 1'b0;
            blank <= 1'b0;
            fr_pend <= 1'b0;
            f_cont <= 1'b0;
        end else begin
            case (state)
                IDLE: begin
                    // one next-state value from registers and the decision terms, ofree last
                    // (timing); IDLE when the token stays or none waits
                    if (ofree)
                        state <= idle_nx;
                    // a frame's start clears the lists while it waits for the output stage
                    // too (idempotent; nothing reads them between frames), so their enables
                    // do not wait for ofree (timing)
                    if (s_valid && s_kind == `TK_START) begin
                        trunc <= 1'b0;
                        lab_ok <= cfg_enable;
                        found <= 16'd0;
                        free_head <= 9'd0;
                        fh_nz <= 1'b0;
                        fresh <= 10'd1;
                        done_head <= 9'd0;
                        dh_nz <= 1'b0;
                        mcur_head <= 9'd0;
                        mc_nz <= 1'b0;
                        mprev_head <= 9'd0;
                        mp_nz <= 1'b0;
                        left <= 9'd0;
                        left_nz <= 1'b0;
                    end
                    if (s_valid && ofree) begin
                        // pass the token on
                        m_valid <= s_kind != `TK_END;
                        m_kind <= s_kind;
                        m_pix <= s_pix;
                        m_ink <= s_ink;
                        m_x <= s_x;
                        m_y <= s_y;
                        m_flags <= s_flags;
                        px <= s_x;
                        px_nz <= s_xnz;
                        py <= {1'b0, s_y};
                        py_z <= s_yz;
                        pink <= s_ink;
                        peol <= s_eol;
                        blank <= 1'b0;
                        if (s_kind == `TK_END) begin
                            end_flags <= s_flags;
                            if (end_go) begin
                                blank <= 1'b1;
                                px <= 11'd0;
                                px_nz <= 1'b0;
                                py <= cfg_height;
                                py_z <= cfg_height == 12'd0;
                                pink <= 1'b0;
                                peol <= w == 12'd1;
                            end
                        end
                    end
                end

                // -- previous row's labels --
                P_RD: begin
                    if (!px_nz) begin
                        left <= 9'd0;
                        left_nz <= 1'b0;
                    end
                    if (py_z) begin
                        p_nw <= 9'd0;
                        p_n <= 9'd0;
                        p_ne <= 9'd0;
                        pnw_nz <= 1'b0;
                        pn_nz <= 1'b0;
                        pne_nz <= 1'b0;
                        state <= P_A;
                    end else if (!px_nz) begin
                        state <= P_RD0;
                    end else begin
                        p_nw <= p_n;
                        p_n <= p_ne;
                        pnw_nz <= pn_nz;
                        pn_nz <= pne_nz;
                        state <= P_RD1;
                    end
                end
                P_RD0: begin
                    p_nw <= 9'd0;
                    pnw_nz <= 1'b0;
                    p_n <= rb_rd;
                    pn_nz <= rb_rd != 9'd0;
                    state <= P_RD1;
                end
                P_RD1: begin
                    p_ne <= px < w_m1 ? rb_rd : 9'd0;   // x + 1 < w
                    pne_nz <= px < w_m1 && rb_rd != 9'd0;
                    state <= P_A;
                end

                // -- labelling --
                P_A: if (!pink) begin
                    left <= 9'd0;
                    left_nz <= 1'b0;
                    state <= P_CHK;
                end else if (left_nz) begin
                    a <= left;
                    a_z <= 1'b0;
                    a_left <= 1'b1;
                    state <= P_B;
                end else if (pnw_nz || pn_nz) begin
                    f_l <= pnw_nz ? p_nw : p_n;
                    f_ret <= RET_A;
                    state <= F1;
                end else begin
                    a <= 9'd0;
                    a_z <= 1'b1;
                    a_left <= 1'b0;
                    state <= P_B;
                end
                P_B: if (!pn_nz && pne_nz) begin
                    f_l <= p_ne;
                    f_ret <= RET_B;
                    state <= F1;
                end else begin
                    b <= 9'd0;
                    b_z <= 1'b1;
                    state <= P_CASE;
                end
                P_CASE: begin
                    // (memory addresses for this state: next[free_head], root[t])
                    new_lbl <= a_z && b_z;
                    // a new label's box is the pixel (C1 sets these flags otherwise; P_ADD
                    // makes y0 and ink from new_lbl)
                    fx0_px <= 1'b1;
                    fx1_px <= 1'b1;
                    fx0_b <= 1'b0;
                    fx1_b <= 1'b0;
                    fy0_b <= 1'b0;
                    if (a_z && b_z) begin
                        if (fh_nz) begin
                            t <= free_head;
                            state <= AL1;
                        end else if (!fresh[9]) begin   // fresh != 512
                            t <= fresh[8:0];
                            fresh <= fresh + 10'd1;
                            state <= P_ADD;
                        end else begin
                            trunc <= 1'b1;
                            lab_ok <= 1'b0;
                            state <= peol ? RE0 : P_EOL;
                        end
                    end else begin
                        // (P_CASE comes after IDLE or P_B: b is 0, no merge)
                        t <= a_z ? b : a;
                        state <= C1;
                    end
                end
                AL1: begin
                    free_head <= nx_rd;
                    fh_nz <= nx_rd != 9'd0;
                    state <= P_ADD;
                end
                C1: begin
                    // root[t] was addressed in P_CASE and is on rt_rd now
                    fx0_px <= px < q_x0;
                    fx1_px <= px >= q_x1;
                    fx0_b <= 1'b0;
                    fx1_b <= 1'b0;
                    fy0_b <= 1'b0;
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    x1_front <= 1'b0;
                    r_y1 <= q_y1;
                    r_lx <= q_lx;
                    r_ink <= q_ink;
                    state <= P_ADD;
                end
                M2: begin
                    // merge: rt_rd = root[a] (addressed in F2; root[b] was captured in b_*
                    // there), the union is made in P_ADD (a survives; y1 and lastx become the
                    // pixel's there, the pixel being on the latest row); parent[b] = a; b joins
                    // the merged-this-row list (memory writes in the address block)
                    fx0_px <= px < q_x0 && px < b_x0;
                    fx1_px <= px >= q_x1 && px >= b_x1;
                    fx0_b <= b_x0 < q_x0;
                    fx1_b <= b_x1 > q_x1;
                    fy0_b <= b_y0 < q_y0;
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    x1_front <= 1'b0;
                    r_y1 <= q_y1;
                    r_lx <= q_lx;
                    r_ink <= q_ink;
                    if (!mc_nz)
                        mcur_head <= b;
                    mc_nz <= 1'b1;
                    mcur_tail <= b;
                    state <= P_ADD;
                end
                P_ADD: begin
                    // the root's new data goes to r_* and is written back next cycle
                    wb_pend <= 1'b1;
                    wb_addr <= t;
                    b_ink <= 16'd0;
                    b_x0 <= 11'h7FF;
                    b_x1 <= 11'd0;
                    b_y0 <= 11'h7FF;
                    r_y0 <= new_lbl ? py[10:0] : add_y0;
                    left <= t;
                    left_nz <= 1'b1;
                    r_x0 <= add_x0;
                    r_x1 <= add_x1;
                    x1_front <= fx1_px;
                    r_y1 <= py[10:0];
                    r_lx <= px;
                    r_ink <= new_lbl ? 16'd1 : add_ink;
                    // (no completion test after an ink pixel: it joined the run of the
                    // previous row ending at x - 1, if any, which therefore continues)
                    state <= peol ? RE0 : IDLE;
                end

                // -- completion test of the previous row's run ending at px - 1 --
                P_CHK: if (px_nz && pnw_nz && !pn_nz) begin
                    f_l <= p_nw;
                    f_ret <= RET_CHK;
                    chk_end <= 1'b0;
                    state <= F1;
                end else begin
                    state <= peol ? RE0 : (blank ? P_EOL : IDLE);
                end
                CHK2: state <= DRAIN;   // (the commit below)
                P_EOL: begin
                    if (blank) begin
                        px <= px + 11'd1;
                        px_nz <= 1'b1;
                        peol <= {1'b0, px} + 12'd2 == w;
                        state <= P_RD;
                    end else begin
                        state <= IDLE;
                    end
                end

                // -- end of row --
                RE0: if (!trunc && pn_nz && !left_nz) begin   // (last pixel ink: joined)
                    f_l <= p_n;
                    f_ret <= RET_CHK;
                    chk_end <= 1'b1;
                    state <= F1;
                end else begin
                    state <= DRAIN;
                end
                DRAIN: begin
                    dl <= done_head;
                    state <= dh_nz ? D1 : SPL0;
                end
                D1: begin
                    // rt_rd = root[dl]
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    x1_front <= 1'b0;
                    r_y1 <= q_y1;
                    r_ink <= q_ink;
                    rec_w <= {1'b0, q_x1} - {1'b0, q_x0} + 12'd1;
                    rec_h <= {1'b0, q_y1} - {1'b0, q_y0} + 12'd1;
                    state <= D1B;
                end
                D1B: begin
                    rec_ok <= rec_pass;
                    rec_e <= rec_edges;
                    dl_last <= dl == done_tail;
                    dl_nx <= nx_rd;
                    state <= D1C;
                end
                D1C: begin
                    // the record goes into the output register whenever that is free, and is
                    // valid if it passes the filter (timing: the filter decides one flop)
                    if (ofree) begin
                        m_valid <= rec_ok;
                        m_kind <= `TK_REC;
                        m_rx0 <= r_x0;
                        m_ry0 <= r_y0;
                        m_rx1 <= r_x1;
                        m_ry1 <= r_y1;
                        m_rink <= r_ink;
                        m_rlabel <= dl;
                        m_redges <= rec_e;
                    end
                    if (ofree || !rec_ok) begin
                        dl <= dl_nx;
                        state <= dl_last ? SPL0 : D1;
                    end
                end
                SPL0: begin
                    if (dh_nz) begin
                        free_head <= done_head;
                        fh_nz <= 1'b1;
                    end
                    state <= SPL1;
                end
                SPL1: begin
                    if (mp_nz) begin
                        free_head <= mprev_head;
                        fh_nz <= 1'b1;
                    end
                    state <= SPL2;
                end
                SPL2: begin
                    mprev_head <= mcur_head;
                    mp_nz <= mc_nz;
                    mprev_tail <= mcur_tail;
                    mcur_head <= 9'd0;
                    mc_nz <= 1'b0;
                    done_head <= 9'd0;
                    dh_nz <= 1'b0;
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
                // F1 registers the comparison and moves to the parent (f_l is unchanged at a
                // root); F2 acts on it
                F1: begin
                    f_cont <= 1'b0;
                    if (!f_cont)
                        f_l0 <= f_l;
                    f_n <= !f_cont ? 2'd1 : (f_n == 2'd3 ? 2'd3 : f_n + 2'd1);
                    pc_ok <= f_ret != RET_A || p_ne != f_l0;
                    peq <= par_rd == f_l;
                    fwd <= (wb_pend && wb_addr == par_rd) || (fr_pend && fr_left == par_rd);
                    fa_eq <= par_rd == a;
                    f2_keep <= f_ret == RET_CHK || (f_ret == RET_B && a_left && par_rd == a);
                    f_l <= par_rd;
                    state <= F2;
                end
                F2: begin
                    // f_l is a root (peq): root[f_l] is on rt_rd, and r_* takes it unless it
                    // caches what is needed (completion tests; b is the run's own component);
                    // where it is not used (b still to find, merge: M2 reloads r_*) this is
                    // harmless. (Not before the root: r_* may be the run's cache.)
                    if (peq && !f2_keep) begin
                        r_x0 <= q_x0;
                        r_y0 <= q_y0;
                        r_x1 <= q_x1;
                        x1_front <= 1'b0;
                        r_y1 <= q_y1;
                        r_lx <= q_lx;
                        r_ink <= q_ink;
                        fx0_px <= px < q_x0;
                        fx1_px <= px >= q_x1;
                    end else begin
                        fx0_px <= px < r_x0;
                        fx1_px <= x1_front || px >= r_x1;
                    end
                    fx0_b <= 1'b0;
                    fx1_b <= 1'b0;
                    fy0_b <= 1'b0;
                    if (peq) begin
                    case (f_ret)
                        RET_A: begin
                            a <= f_l;
                            a_z <= 1'b0;
                            a_left <= 1'b0;   // (left is 0 here)
                            if (!pn_nz && pne_nz) begin
                                f_l <= p_ne;
                                f_ret <= RET_B;
                                state <= F1;
                            end else begin
                                // one neighbour component (captured above); no merge, no
                                // allocation
                                b <= 9'd0;
                                b_z <= 1'b1;
                                t <= f_l;
                                new_lbl <= 1'b0;
                                state <= P_ADD;
                            end
                        end
                        RET_B: begin
                            b <= f_l;
                            b_z <= 1'b0;
                            new_lbl <= 1'b0;
                            if (a_z || fa_eq) begin
                                // one component: the run's own (cached in r_*) or root[f_l]
                                // (captured above)
                                t <= f_l;
                                state <= P_ADD;
                            end else begin
                                // merge b into a: root[b] is on rt_rd, root[a] addressed now
                                t <= a;
                                b_x0 <= q_x0;
                                b_x1 <= q_x1;
                                b_y0 <= q_y0;
                                b_ink <= q_ink;   // summed in P_ADD (timing)
                                state <= M2;
                            end
                        end
                        default: begin
                            // completion test: compare now, act next cycle (timing): in CHK2
                            // for the end-of-row test (the drain follows), else in whatever
                            // state comes next (cpend; IDLE, RE0 or P_EOL, none of which
                            // touches the completed list)
                            cmp_q <= completes;
                            if (chk_end) begin
                                state <= CHK2;
                            end else begin
                                cpend <= 1'b1;
                                state <= peol ? RE0 : (blank ? P_EOL : IDLE);
                            end
                        end
                    endcase
                    end else begin
                        f_cont <= 1'b1;
                        state <= F1;     // parent[f_l] addressed in F1, kept in F2
                    end
                end
                default: state <= IDLE;
            endcase
            // IDLE, a PIX token to label with x != 0: each action is one decision term of
            // ccl_fastdec and ofree (timing); at most one of the terms holds (the next state
            // is idle_nx, set in the case above)
            if (acc_fast) begin
                p_nw <= n_nw;
                p_n <= n_n;
                p_ne <= n_ne;
                pnw_nz <= pn_nz;
                pn_nz <= pne_nz;
                pne_nz <= s_ne_nz;
            end
            if (fast_bg) begin
                left <= 9'd0;
                left_nz <= 1'b0;
            end
            // a fast run pixel is added to root[left] (cached in r_*) in the next cycle, from
            // registers (fr_*): the decision does not reach the r_* enables (timing)
            fr_pend <= fast_run;
            fr_x <= s_x;
            fr_left <= left;
            if (fr_pend) begin
                // (x0 <= x - 1 already: pixel x - 1 is in it; y1 is this row already)
                // (x1 >= x - 1: x is the new x1 iff x1 == x - 1; r_x1 is exact while
                // !x1_front)
                x1_front <= x1_front || r_x1 == fr_x;
                r_lx <= fr_x;
                r_ink <= r_ink == 16'hFFFF ? r_ink : r_ink + 16'd1;
                wb_pend <= 1'b1;
                wb_addr <= fr_left;
            end
            // (f_ret is read from F1 on only: it takes the return of the find a decision here
            // would start in every IDLE cycle, so it does not depend on the decision; timing)
            if (state == IDLE)
                f_ret <= fret_idle;
            if (cand_chk && ofree) begin
                // completion test of the run ending at x - 1
                f_l <= n_nw;
                chk_end <= 1'b0;
            end
            if (sl_left && ofree) begin
                // a = left; b = root of ne (n is background)
                a <= left;
                a_z <= 1'b0;
                a_left <= 1'b1;
                f_l <= n_ne;
            end
            if (sl_a && ofree) begin
                f_l <= pn_nz ? n_nw : n_n;
            end
            if (sl_ne && ofree) begin
                a <= 9'd0;
                a_z <= 1'b1;
                a_left <= 1'b0;
                f_l <= n_ne;
            end
            if (sl_new && ofree) begin
                a <= 9'd0;
                a_z <= 1'b1;
                b <= 9'd0;
                b_z <= 1'b1;
            end
            // the completion commit: the root f_l found complete joins the completed list
            if (commit && cmp_q) begin
                found <= found == 16'hFFFF ? found : found + 16'd1;
                if (!dh_nz)
                    done_head <= f_l;
                dh_nz <= 1'b1;
                done_tail <= f_l;
            end
        end
    end
endmodule
`default_nettype wire
