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
//
// Throughput: the previous row's labels are resolved to their roots ahead of the pixels (the
// feeder below), so no union-find step waits in the pixel path. A background pixel, a run
// continuation, a new label and a completion test take one clock; a run start that joins a
// component takes two (its root's data is read), a merge two or three. The end of a row takes
// about 8 clocks plus 3 per completed component.
//
// Feeder: for columns 0..w of the previous row, the root of the label there (0 for
// background, outside the frame and on row 0) goes into a 4-entry queue the pixel stage pops,
// one column per pixel. A column costs one clock: row buffer read, parent read (the parent
// table is kept so that a label of the previous row points at its root, except for roots
// merged away since), check. A root merged away in this or the previous row is caught by a
// 2 x 32-bit filter of the labels merged away in those two rows (bit = label mod 32): on a hit the
// feeder follows the parent chain (two clocks a step) before it goes on. A label merged away
// in an earlier row cannot be the parent of a label of the previous row: those were roots when
// they were written, and anything they were merged into was a root then.
// Merges: when root b joins root a, every root the feeder and the pixel stage hold (queue,
// window, the feeder's registers) that equals b becomes a in the same clock, parent[b] = a is
// written and b's filter bit is set.
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
        IDLE = 5'd0, FS = 5'd1, J1 = 5'd2, MS2 = 5'd3, ML1 = 5'd4,
        RE1 = 5'd5, RE2 = 5'd6, RE3 = 5'd7, RE4 = 5'd8, DRAIN = 5'd9, D1 = 5'd10,
        D1B = 5'd11, D1C = 5'd12, SPL0 = 5'd13, SPL1 = 5'd14, SPL2 = 5'd15, E_OUT = 5'd16,
        FAIL = 5'd17;

    wire        ofree = !m_valid || m_ready;
    wire [11:0] w = cfg_width;

    // ---- memories ----
    wire        rb_ren, par_ren;   // (the feeder's read enables: its stages hold)
    reg         rb_we;
    reg  [10:0] rb_waddr, rb_raddr;
    reg  [8:0]  rb_wdata;
    wire [8:0]  rb_rd;
    sdp_ram #(.ADDR_WIDTH(11), .DATA_WIDTH(9)) rowbuf (
        .clk(clk), .wr_en(rb_we), .wr_addr(rb_waddr), .wr_data(rb_wdata),
        .rd_en(rb_ren), .rd_addr(rb_raddr), .rd_data(rb_rd));

    reg         par_we;
    reg  [8:0]  par_waddr, par_raddr;
    reg  [9:0]  par_wdata;
    wire [9:0]  par_word;
    // a parent word is {parent[l] == l, parent[l]}: the walk's stop test is one bit, not a
    // compare after the RAM's output (timing; the bit rides in the second BRAM's spare width)
    wire [8:0]  par_rd = par_word[8:0];
    wire        par_root = par_word[9];
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(10)) parent (
        .clk(clk), .wr_en(par_we), .wr_addr(par_waddr), .wr_data(par_wdata),
        .rd_en(par_ren), .rd_addr(par_raddr), .rd_data(par_word));

    reg         nx_we;
    reg  [8:0]  nx_waddr, nx_wdata, nx_raddr;
    wire [8:0]  nx_rd;
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(9)) nextm (
        .clk(clk), .wr_en(nx_we), .wr_addr(nx_waddr), .wr_data(nx_wdata),
        .rd_en(1'b1), .rd_addr(nx_raddr), .rd_data(nx_rd));

    reg         rt_we;
    reg  [8:0]  rt_waddr, rt_raddr;
    reg  [70:0] rt_wdata;
    wire [70:0] rt_rd;
    sdp_ram #(.ADDR_WIDTH(9), .DATA_WIDTH(71)) rootm (
        .clk(clk), .wr_en(rt_we), .wr_addr(rt_waddr), .wr_data(rt_wdata),
        .rd_en(1'b1), .rd_addr(rt_raddr), .rd_data(rt_rd));

    // ---- the merge broadcast (set by the pixel stage, used by everything holding roots) ----
    wire        mg;          // root mb joins root ma in this clock
    reg  [8:0]  ma, mb;
    // replace a merged-away root by the survivor
    function [8:0] fix;
        input [8:0] l;
        fix = (mg && l == mb) ? ma : l;
    endfunction

    // ---- feeder: roots of the previous row's columns 0..w, into the queue ----
    reg         fd_on;       // the feeder works on a row (off after reset)
    reg         fd_row0;     // the row has no previous row: every column is 0
    reg  [11:0] fd_c;        // next column to read
    reg         fd_le_w;     // fd_c <= w
    reg         s2_v, s3_v, s4_v;
    reg         s3_replay;   // S3's parent is read again (a walk used the parent RAM's port)
    reg         s2_out;      // S2's column is outside the frame (>= w)
    reg  [8:0]  s3_raw, s4_raw, s4_p;
    reg         s3_zero, s3_conf, s4_zero, s4_same, s4_conf, s4_ver;
    reg         s4_ok;       // S4's root may go (no walk needed), registered (timing)
    reg  [8:0]  pushed_raw;  // raw label of the last column pushed
    reg  [8:0]  prev_root;   // root pushed for the previous column (kept current)
    reg  [31:0] bm_cur, bm_prev;   // labels merged away in this / the previous row, mod 32
    reg         wk1, wk2;    // the chain walk: parent[wk] read / on par_rd
    reg         wk_busy;     // wk1 || wk2
    reg  [8:0]  wk;
    // the queue (q0 = the next column's root)
    reg  [8:0]  q0, q1, q2, q3;
    reg         qz0, qz1, qz2, qz3;      // q* != 0
    reg  [3:0]  occ;         // occupancy, thermometer code (occ[i]: more than i entries)
    // The pixel stage's pop is late (it depends on the output's ready): the queue shifts in
    // the clock after (pop_r), and meanwhile the pixel stage reads past the popped head
    reg         pop_r;
    wire [8:0]  q_ne = pop_r ? q1 : q0;     // the head for the pixel stage
    // the head's "not 0" flag (pop_r ? qz1 : qz0), kept in a register of its own like qv: the
    // pixel stage's decisions take it first (timing)
    reg         qz_ne;
    // the head for the pixel stage is there (pop_r ? occ[1] : occ[0]), kept in a register of
    // its own: the pixel stage's decisions take it first (timing)
    reg         qv;
    wire        pop;         // the pixel stage takes q0
    wire [8:0]  s2_raw = (fd_row0 || s2_out) ? 9'd0 : rb_rd;
    wire        s4_fire = s4_v && s4_ok && !wk_busy && !occ[3];
    wire [8:0]  s4_val = s4_zero ? 9'd0 : (s4_same ? prev_root : s4_p);
    wire [8:0]  push_val = fix(s4_val);
    wire        fd_restart;  // the pixel stage starts the feeder on a new row
    wire        fd_restart_row0;
    // S4's go-ahead (s4_ok) is registered, with the filter bit looked up from the label S4
    // loads or holds (a merge in the same clock renames that label instead, so the stale bit
    // does no harm)
    // The stages hold when the one after is full: the RAM outputs keep their word while their
    // read enable is low (S2 = rb_rd, S3 = par_rd); a walk uses the parent RAM, so S3's read
    // is made again after it (s3_replay)
    // (each written flat, from registers, rather than as a chain of the stage after's; timing)
    wire        s4_go = s4_ok && !occ[3];
    wire [3:0]  occ_n = (s4_fire && !pop_r) ? {occ[2:0], 1'b1} :
                        (!s4_fire && pop_r) ? {1'b0, occ[3:1]} : occ;
    // qz0 and qz1 as the queue's update below leaves them
    wire        qz0_n = (s4_fire && (pop_r ? !occ[1] : !occ[0])) ? !s4_zero :
                        (pop_r ? qz1 : qz0);
    wire        qz1_n = (s4_fire && (pop_r ? occ[1] && !occ[2] : occ[0] && !occ[1])) ? !s4_zero :
                        (pop_r ? qz2 : qz1);
    wire        s4_ld = !s4_v || (s4_go && !wk_busy);
    wire        s3_free = !wk_busy && !s3_replay;
    wire        s3_adv = s3_v && s3_free && (!s4_v || s4_go);              // S3 -> S4
    wire        s3_take = s3_free && (!s3_v || !s4_v || s4_go);
    wire        s2_adv = s2_v && s3_take;                                 // S2 -> S3
    wire        fd_issue = fd_on && fd_le_w && (!s2_v || s3_take);
    assign rb_ren = fd_issue;
    assign par_ren = wk_busy || s3_replay || s2_adv;
    wire [4:0]  hit_l = s4_ld ? par_rd[4:0] : s4_p[4:0];
    wire        hit_d = bm_cur[hit_l] || bm_prev[hit_l];

    always @(posedge clk) begin
        if (rst || fd_restart) begin
            fd_on <= !rst;
            fd_row0 <= fd_restart_row0;
            fd_c <= 12'd0;
            fd_le_w <= 1'b1;
            s2_v <= 1'b0;
            s3_v <= 1'b0;
            s3_replay <= 1'b0;
            s4_v <= 1'b0;
            wk1 <= 1'b0;
            wk2 <= 1'b0;
            wk_busy <= 1'b0;
            pushed_raw <= 9'd0;
            prev_root <= 9'd0;
            occ <= 4'd0;
            pop_r <= 1'b0;
            qv <= 1'b0;
            qz_ne <= qz0;   // (the queue's words stay; pop_r is 0 next)
        end else begin
            // S1: row buffer read of column fd_c
            if (fd_issue) begin
                s2_v <= 1'b1;
                s2_out <= fd_c >= w;
                fd_c <= fd_c + 12'd1;
                fd_le_w <= fd_c != w;
            end else if (s2_adv) begin
                s2_v <= 1'b0;
            end
            // S2: the label is on rb_rd; its parent is read
            if (s2_adv) begin
                s3_v <= 1'b1;
                s3_raw <= s2_raw;
                s3_zero <= s2_raw == 9'd0;
                s3_conf <= par_we && par_waddr == s2_raw;
            end else if (s3_adv) begin
                s3_v <= 1'b0;
            end
            if (s3_replay) begin
                s3_replay <= 1'b0;
                s3_conf <= par_we && par_waddr == s3_raw;
            end
            // S3 -> S4: the parent is on par_rd
            if (s4_ld) begin
                s4_ok <= s3_zero || s3_raw == (s4_v ? s4_raw : pushed_raw) ||
                         (!s3_conf && !hit_d);
                s4_v <= s3_adv;
                s4_raw <= s3_raw;
                s4_p <= fix(par_rd);
                s4_zero <= s3_zero;
                // the same label as the column before (S4's, pushed now, or the last pushed)
                s4_same <= !s3_zero && s3_raw == (s4_v ? s4_raw : pushed_raw);
                s4_conf <= s3_conf;
                s4_ver <= 1'b0;
            end else begin
                s4_p <= fix(s4_p);
                s4_ok <= s4_zero || s4_same || s4_ver || (!s4_conf && !hit_d);
            end
            // the chain walk: the root of S4's label, by parent steps
            if (s4_v && !s4_ok && !wk_busy) begin
                wk <= s4_conf ? s4_raw : s4_p;
                wk1 <= 1'b1;
                wk_busy <= 1'b1;
            end
            if (wk1 && !(par_we && par_waddr == wk)) begin
                wk1 <= 1'b0;
                wk2 <= 1'b1;
            end
            if (wk2) begin
                wk2 <= 1'b0;
                if (par_root && !mg) begin
                    wk_busy <= 1'b0;
                    s3_replay <= s3_v;
                    s4_p <= wk;
                    s4_ver <= 1'b1;
                    s4_ok <= 1'b1;
                    s4_conf <= 1'b0;
                end else begin
                    wk <= par_rd;   // (a merge in this clock: look again)
                    wk1 <= 1'b1;
                end
            end
            if (s4_fire) begin
                prev_root <= push_val;
                pushed_raw <= s4_raw;
            end else begin
                prev_root <= fix(prev_root);
            end
            // the queue: pop shifts, push appends, merges rename
            pop_r <= pop;
            occ <= occ_n;
            qv <= pop ? occ_n[1] : occ_n[0];
            qz_ne <= pop ? qz1_n : qz0_n;
            q0 <= fix(pop_r ? q1 : q0);
            q1 <= fix(pop_r ? q2 : q1);
            q2 <= fix(pop_r ? q3 : q2);
            q3 <= fix(q3);
            if (pop_r) begin
                qz0 <= qz1;
                qz1 <= qz2;
                qz2 <= qz3;
            end
            // the push goes after the last entry (one place down when popping)
            if (s4_fire && (pop_r ? !occ[1] : !occ[0])) begin
                q0 <= push_val;
                qz0 <= !s4_zero;
            end
            if (s4_fire && (pop_r ? occ[1] && !occ[2] : occ[0] && !occ[1])) begin
                q1 <= push_val;
                qz1 <= !s4_zero;
            end
            if (s4_fire && (pop_r ? occ[2] && !occ[3] : occ[1] && !occ[2])) begin
                q2 <= push_val;
                qz2 <= !s4_zero;
            end
            if (s4_fire && !pop_r && occ[2]) begin
                q3 <= push_val;
                qz3 <= !s4_zero;
            end
        end
    end
    always @* begin
        rb_raddr = fd_c[10:0];
        par_raddr = wk_busy ? wk : (s3_replay ? s3_raw : s2_raw);
    end

    // ---- pixel stage ----
    reg  [4:0]  state;
    reg         st_idle;     // state == IDLE (a flop of its own: the input's ready, timing)
    // the states that choose the root RAM's read address, one flop each (timing)
    reg         st_j1, st_re2, st_dr, st_d1, st_d1c;
    reg         st_px;       // none of RE2, DRAIN, D1* (J1 excluded apart: st_px's next
                             // value then needs no decision of IDLE's; timing)
    task goto(input [4:0] ns);
        begin
            state <= ns;
            st_idle <= ns == IDLE;
            st_j1 <= ns == J1;
            st_re2 <= ns == RE2;
            st_dr <= ns == DRAIN;
            st_d1 <= ns == D1 || ns == D1B;
            st_d1c <= ns == D1C;
            st_px <= !(ns == RE2 || ns == DRAIN || ns == D1 || ns == D1B || ns == D1C);
        end
    endtask
    // input register stage
    reg         s_valid;
    reg  [2:0]  s_kind;
    reg  [7:0]  s_pix;
    reg         s_ink, s_eol, s_lbl;
    reg         s_lab;       // a PIX token to label (if labelling is on)
    reg  [10:0] s_x, s_y;
    reg  [4:0]  s_flags;

    reg         lab_ok;      // labelling on and not truncated (this frame)
    reg         trunc;
    reg  [15:0] found;
    reg         blank;       // running the blank row after the last
    reg  [10:0] bx;          // the blank row's column
    reg  [4:0]  end_flags;
    reg         primed;      // the row's window holds column 0
    reg         re_pend;     // the row's last pixel is done: the end of row follows

    // window: roots of the previous row at x - 1 and x (q_ne is x + 1); left: this row's x - 1
    reg  [8:0]  c_nw, c_n, left;
    reg         nw_nz, n_nz, left_nz;   // c_nw, c_n, left != 0
    // the pixel in work
    reg  [10:0] px;
    reg  [11:0] py;
    reg  [11:0] py_m1;
    always @(posedge clk) begin
        py_m1 <= py - 12'd1;
    end

    // root data cache: r_* is root[rl]'s data, written back in the clock after each change
    reg  [8:0]  rl;
    reg  [10:0] r_x0, r_y0, r_x1, r_y1, r_lx;
    reg  [15:0] r_ink;
    reg         x1_front;    // x1 is r_lx (r_x1 stale: the run continuation does not set it)
    wire [10:0] x1_eff = x1_front ? r_lx : r_x1;
    reg         wb_pend;
    reg  [8:0]  wb_addr;
    reg         fwd;         // the root read last clock was being written back: take r_*
    wire [10:0] q_x0 = rt_rd[70:60], q_y0 = rt_rd[59:49], q_x1 = rt_rd[48:38];
    wire [10:0] q_y1 = rt_rd[37:27], q_lx = rt_rd[26:16];
    wire [15:0] q_ink = rt_rd[15:0];
    // (only a run start's root and a completion test's root can be the one being written back)
    wire [10:0] j_x0 = fwd ? r_x0 : q_x0;
    wire [10:0] j_x1 = fwd ? x1_eff : q_x1;
    wire [10:0] d_y1 = fwd ? r_y1 : q_y1;
    wire [10:0] d_lx = fwd ? r_lx : q_lx;

    // pending r_* updates (each in the clock after its decision, from registers)
    reg         fr_pend;     // run continuation: pixel px joins
    reg         nl_pend;     // new label: r_* = the pixel
    reg         upd_pend;    // join / merge: r_* = r_* + b_* + the pixel, by the flags
    reg  [10:0] b_x0, b_x1, b_y0;
    reg  [15:0] b_ink;
    reg         fx0_px, fx1_px, fx0_b, fx1_b, fy0_b;
    wire [10:0] add_x0 = fx0_px ? px : (fx0_b ? b_x0 : r_x0);
    wire [10:0] add_x1 = fx1_px ? px : (fx1_b ? b_x1 : x1_eff);
    wire [10:0] add_y0 = fy0_b ? b_y0 : r_y0;
    wire [16:0] ink_sum = {1'b0, r_ink} + {1'b0, b_ink} + 17'd1;
    wire [15:0] add_ink = ink_sum[16] ? 16'hFFFF : ink_sum[15:0];
    reg         mg_need;     // J1: the run start also merges mb into ma
    reg         beq;         // ML1: the root at ne is left's own

    // labels and lists
    reg  [8:0]  free_head, done_head, done_tail, mcur_head, mcur_tail, mprev_head, mprev_tail;
    reg         fh_nz, dh_nz, mc_nz, mp_nz;
    reg  [9:0]  fresh;

    // completion test pipeline: root read (issue), compare (ct1), commit (ct2)
    reg         ct1, ct2, ct_cmp;
    reg  [8:0]  ct_r;
    reg  [10:0] ct_x;

    // drain
    reg  [8:0]  dl, dl_nx;
    reg         dl_last, rec_ok;
    reg  [11:0] rec_w, rec_h;
    reg  [3:0]  rec_e;
    reg  [11:0] w_m1_12, h_m1;
    always @(posedge clk) begin
        w_m1_12 <= w - 12'd1;
        h_m1 <= cfg_height - 12'd1;
    end
    wire rec_pass = {4'd0, rec_w} >= cfg_min_w && {4'd0, rec_w} <= cfg_max_w &&
                    {4'd0, rec_h} >= cfg_min_h && {4'd0, rec_h} <= cfg_max_h;
    wire [3:0] rec_edges = {{1'b0, r_y1} == h_m1, r_y0 == 11'd0,
                            {1'b0, r_x1} == w_m1_12, r_x0 == 11'd0};

    // ---- the pixel in front of the stage ----
    wire [10:0] cx = blank ? bx : s_x;
    wire        cink;
    wire        ceol = blank ? {1'b0, bx} == w_m1_12 : s_eol;
    wire        do_prime = t_prime;
    wire        acc = t_acc_b || (t_acc_t && ofree);
    wire        pass = t_pass && ofree;
    wire        s_take = (t_acc_t || t_pass) && ofree;
    always @* in_ready = !s_valid || s_take;
    assign pop = do_prime || acc;

    wire        ne_nz = qz_ne;
    // decisions (ccl_dec), ofree last
    wire        t_prime, t_acc_b, t_acc_t, t_pass, a_bg_chk, a_run, a_lmerge, a_new, a_join;
    ccl_dec dec (
        .st_idle(st_idle), .re_pend(re_pend), .blank(blank), .primed(primed), .qv(qv),
        .s_valid(s_valid), .s_lab(s_lab), .lab_ok(lab_ok), .s_ink(s_ink), .left_nz(left_nz),
        .nw_nz(nw_nz), .n_nz(n_nz), .ne_nz(ne_nz), .t_prime(t_prime), .t_acc_b(t_acc_b),
        .t_acc_t(t_acc_t), .t_pass(t_pass), .c_ink(cink), .c_chk(a_bg_chk), .c_run(a_run),
        .c_lmerge(a_lmerge), .c_new(a_new), .c_join(a_join));
    wire [8:0]  j_a = nw_nz ? c_nw : c_n;           // (0 when neither)
    wire [8:0]  j_b = (!n_nz && ne_nz) ? q_ne : 9'd0;
    wire [8:0]  j_t = (nw_nz || n_nz) ? j_a : j_b;
    wire        can_alloc = fh_nz || !fresh[9];
    wire [8:0]  next_left = !cink ? 9'd0 : (a_run || a_lmerge) ? left : (a_new ? new_l : j_t);
    reg  [8:0]  t_new;       // new_l of the clock before (a new label's rl, set in nl)
    wire [8:0]  new_l = fh_nz ? free_head : fresh[8:0];

    // the merge broadcast: in ML1 (left-merge) and in J1 (run start with two components)
    assign mg = (state == ML1 && !beq) || (state == J1 && mg_need);

    // feeder control from the pixel stage
    assign fd_restart = state == RE1 || state == FS;
    assign fd_restart_row0 = state != RE1;

    wire        rs_px = st_px && !st_j1;
    wire        rs_cnw = st_re2 || (rs_px && (!cink || (!left_nz && nw_nz)));
    wire        rs_cn = rs_px && cink && !left_nz && !nw_nz && n_nz;
    wire        rs_ne = rs_px && cink && (left_nz || (!nw_nz && !n_nz && ne_nz));

    wire        ct_issue = acc && a_bg_chk;
    wire        end_chk = state == RE2 && !trunc && nw_nz;

    always @* begin
        // row buffer: this row's label at x
        rb_we = acc && !(a_new && !can_alloc);
        rb_waddr = cx;
        rb_wdata = !cink ? 9'd0 : (left_nz ? left : (a_new ? new_l : j_t));
        // parent: a new label is its own root; a merge points b at a
        par_we = nl_pend || mg;
        par_waddr = mg ? mb : t_new;
        par_wdata = mg ? {1'b0, ma} : {1'b1, t_new};   // (a merge: ma != mb)
        // root data: reads for joins, merges and completion tests; writes from r_* only
        // J1: b's data, for a merge (MS2); RE2: the end-of-row completion test; DRAIN, D1*:
        // the records; otherwise the pixel's: background, the completion test (c_nw); a
        // left-merge, b (q_ne); a run start, j_t. Written as an AND-OR of one-hot selects, so
        // the queue's head and the window's flags meet the address in the last LUTs (timing).
        rt_raddr = ({9{st_j1}} & mb) | ({9{rs_cnw}} & c_nw) | ({9{rs_cn}} & c_n) |
                   ({9{rs_ne && !pop_r}} & q0) | ({9{rs_ne && pop_r}} & q1) |
                   ({9{st_dr}} & done_head) | ({9{st_d1}} & dl) | ({9{st_d1c}} & dl_nx);
        rt_we = wb_pend;
        rt_waddr = wb_addr;
        rt_wdata = {r_x0, r_y0, x1_eff, r_y1, r_lx, r_ink};
        // next: the free list's next label is read ahead; the drain follows the done list
        nx_raddr = (state == D1 || state == D1B || state == D1C || state == DRAIN) ? dl
                                                                                   : free_head;
        nx_we = 1'b0;
        nx_waddr = done_tail;
        nx_wdata = ct_r;
        if (ct2 && ct_cmp && dh_nz) begin
            nx_we = 1'b1;
        end else if ((state == MS2 || (state == ML1 && !beq)) && mc_nz) begin
            nx_we = 1'b1;
            nx_waddr = mcur_tail;
            nx_wdata = mb;
        end else if (state == SPL0 && dh_nz) begin
            nx_we = 1'b1;
            nx_waddr = done_tail;
            nx_wdata = free_head;
        end else if (state == SPL1 && mp_nz) begin
            nx_we = 1'b1;
            nx_waddr = mprev_tail;
            nx_wdata = free_head;
        end
    end

    always @(posedge clk) begin
        if (m_valid && m_ready)
            m_valid <= 1'b0;
        wb_pend <= 1'b0;
        fr_pend <= 1'b0;
        nl_pend <= 1'b0;
        upd_pend <= 1'b0;
        ct2 <= ct1;
        ct1 <= ct_issue || end_chk;
        // (the root read in this clock is the one being written back: compared per candidate,
        // then chosen, so the compare does not wait for rt_raddr's selection; timing. Only a
        // run start's and a completion test's reads use fwd.)
        fwd <= wb_pend && ((state == RE2 || !cink) ? wb_addr == c_nw
                           : nw_nz ? wb_addr == c_nw
                           : n_nz ? wb_addr == c_n
                           : pop_r ? wb_addr == q1 : wb_addr == q0);
        if (in_ready) begin
            s_valid <= in_valid;
            s_kind <= in_kind;
            s_pix <= in_pix;
            s_ink <= in_ink;
            s_x <= in_x;
            s_y <= in_y;
            s_eol <= in_eol;
            s_lbl <= in_lbl;
            s_lab <= in_kind == `TK_PIX && in_lbl;
            s_flags <= in_flags;
        end

        // -- r_* updates decided last clock --
        if (fr_pend) begin
            x1_front <= x1_front || r_x1 == px;
            r_lx <= px;
            r_ink <= r_ink == 16'hFFFF ? r_ink : r_ink + 16'd1;
            wb_pend <= 1'b1;
            wb_addr <= rl;
        end
        t_new <= new_l;
        if (nl_pend) begin
            // the label taken in the clock before leaves the free list now (a new label is
            // never followed by another in the next clock: that pixel has left = the new
            // label, or is background; so new_l may be stale for a clock; timing)
            if (fh_nz) begin
                free_head <= nx_rd;   // next[free_head], read ahead
                fh_nz <= nx_rd != 9'd0;
            end else begin
                fresh <= fresh + 10'd1;
            end
            rl <= t_new;
            r_x0 <= px;
            r_x1 <= px;
            r_y0 <= py[10:0];
            r_y1 <= py[10:0];
            r_lx <= px;
            r_ink <= 16'd1;
            x1_front <= 1'b1;
            wb_pend <= 1'b1;
            wb_addr <= t_new;
        end
        if (upd_pend) begin
            r_x0 <= add_x0;
            r_x1 <= add_x1;
            x1_front <= fx1_px;
            r_y0 <= add_y0;
            r_y1 <= py[10:0];
            r_lx <= px;
            r_ink <= add_ink;
            b_ink <= 16'd0;
            wb_pend <= 1'b1;
            wb_addr <= rl;
        end

        // -- completion test: compare, then commit --
        if (ct_issue)
            ct_r <= c_nw;
        if (end_chk) begin
            ct_r <= c_nw;
            ct_x <= w_m1_12[10:0];
        end
        if (ct1)
            ct_cmp <= {1'b0, d_y1} == py_m1 && d_lx == ct_x;
        if (ct2 && ct_cmp) begin
            found <= found == 16'hFFFF ? found : found + 16'd1;
            if (!dh_nz)
                done_head <= ct_r;
            dh_nz <= 1'b1;
            done_tail <= ct_r;
        end

        // -- the window and left are renamed by merges --
        if (mg) begin
            c_nw <= fix(c_nw);
            c_n <= fix(c_n);
        end
        if (mg)
            bm_cur[mb[4:0]] <= 1'b1;
        // b joins the merged-this-row list where next[mcur_tail] is written (MS2, ML1)
        if (state == MS2 || (state == ML1 && !beq)) begin
            if (!mc_nz)
                mcur_head <= mb;
            mc_nz <= 1'b1;
            mcur_tail <= mb;
        end

        // operands of the pixel that may be accepted, loaded in every IDLE clock (used in the
        // clocks after an accept, before the next IDLE: no enable on the decision; timing)
        if (st_idle) begin
            px <= cx;
            ct_x <= cx - 11'd1;
            ma <= left_nz ? left : j_t;
            mb <= left_nz ? q_ne : j_b;
            beq <= q_ne == left;
            mg_need <= (nw_nz || n_nz) && !n_nz && ne_nz && q_ne != j_a;
        end
        case (state)
            IDLE: begin
                if (re_pend)
                    goto(RE1);
                if (do_prime) begin
                    c_nw <= 9'd0;
                    nw_nz <= 1'b0;
                    c_n <= q_ne;
                    n_nz <= qz_ne;
                    left <= 9'd0;
                    left_nz <= 1'b0;
                    primed <= 1'b1;
                end
                if (acc) begin
                    if (!blank) begin
                        m_valid <= 1'b1;
                        m_kind <= s_kind;
                        m_pix <= s_pix;
                        m_ink <= s_ink;
                        m_x <= s_x;
                        m_y <= s_y;
                        m_flags <= s_flags;
                        py <= {1'b0, s_y};
                    end else begin
                        py <= cfg_height;
                        bx <= bx + 11'd1;
                    end
                    c_nw <= c_n;
                    nw_nz <= n_nz;
                    c_n <= q_ne;
                    n_nz <= qz_ne;
                    if (ceol)
                        re_pend <= 1'b1;
                    // (the cases are exclusive: parallel terms, no priority chain; timing.
                    // left is taken also when no label was left: the frame is truncated and
                    // left is not read again before the next row's start clears it)
                    left <= next_left;
                    left_nz <= cink;
                    if (a_run)
                        fr_pend <= 1'b1;
                    if (a_lmerge)
                        goto(ML1);
                    if (a_join)
                        goto(J1);
                    if (a_new && can_alloc)
                        nl_pend <= 1'b1;      // (rl takes the label next clock)
                    if (a_new && !can_alloc)
                        goto(FAIL);
                end
                if (pass) begin
                    m_valid <= s_kind != `TK_END;
                    m_kind <= s_kind;
                    m_pix <= s_pix;
                    m_ink <= s_ink;
                    m_x <= s_x;
                    m_y <= s_y;
                    m_flags <= s_flags;
                    if (s_kind == `TK_PIX && s_lbl && cfg_enable && s_eol && !lab_ok)
                        re_pend <= 1'b1;   // truncated: the row's records still go
                    if (s_kind == `TK_START)
                        goto(FS);
                    if (s_kind == `TK_END) begin
                        end_flags <= s_flags;
                        if (!s_flags[`FL_ABORTED] && cfg_enable && !trunc) begin
                            blank <= 1'b1;
                            bx <= 11'd0;
                        end else begin
                            goto(E_OUT);
                        end
                    end
                end
            end

            // -- a frame starts: the lists are cleared and the feeder starts on row 0, a clock
            // after START left (so neither waits for the decision to pass it; timing) --
            FS: begin
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
                bm_cur <= 32'd0;
                bm_prev <= 32'd0;
                primed <= 1'b0;
                blank <= 1'b0;
                goto(IDLE);
            end

            // -- no label left for a new component: the frame is truncated (a clock after the
            // decision, in a state of its own, so trunc's and lab_ok's enables are registers;
            // no pixel is taken meanwhile; timing) --
            FAIL: begin
                trunc <= 1'b1;
                lab_ok <= 1'b0;
                goto(IDLE);
            end

            // -- run start: the root's data is on rt_rd --
            J1: begin
                rl <= ma;
                if (!fwd) begin   // (else r_* holds root[ma] already)
                    r_x0 <= q_x0;
                    r_y0 <= q_y0;
                    r_x1 <= q_x1;
                    r_y1 <= q_y1;
                    r_lx <= q_lx;
                    r_ink <= q_ink;
                    x1_front <= 1'b0;
                end
                fx0_px <= px < j_x0;
                fx1_px <= px >= j_x1;
                fx0_b <= 1'b0;
                fx1_b <= 1'b0;
                fy0_b <= 1'b0;
                if (mg_need) begin
                    goto(MS2);   // (mb's data is read now)
                end else begin
                    upd_pend <= 1'b1;
                    goto(IDLE);
                end
            end
            // -- merge at a run start: mb's data is on rt_rd, ma's in r_* --
            MS2: begin
                b_x0 <= q_x0;
                b_x1 <= q_x1;
                b_y0 <= q_y0;
                b_ink <= q_ink;
                fx0_b <= q_x0 < r_x0;
                fx1_b <= q_x1 > x1_eff;
                fy0_b <= q_y0 < r_y0;
                fx0_px <= px < r_x0 && px < q_x0;
                fx1_px <= px >= x1_eff && px >= q_x1;
                upd_pend <= 1'b1;
                goto(IDLE);
            end
            // -- left's run meets the root at ne: its data is on rt_rd --
            ML1: begin
                if (beq) begin
                    fr_pend <= 1'b1;
                end else begin
                    b_x0 <= q_x0;
                    b_x1 <= q_x1;
                    b_y0 <= q_y0;
                    b_ink <= q_ink;
                    fx0_b <= q_x0 < r_x0;
                    fx1_b <= q_x1 > x1_eff;
                    fy0_b <= q_y0 < r_y0;
                    fx0_px <= px < r_x0 && px < q_x0;
                    fx1_px <= px >= x1_eff && px >= q_x1;
                    upd_pend <= 1'b1;
                end
                goto(IDLE);
            end

            // -- end of row --
            RE1: goto(RE2);      // (the feeder restarts; pending updates land)
            RE2: goto(RE3);      // (the end-of-row completion test reads its root)
            RE3: goto(RE4);      // (... compares)
            RE4: goto(DRAIN);    // (... commits)
            DRAIN: begin
                dl <= done_head;
                goto(dh_nz ? D1 : SPL0);
            end
            D1: begin
                r_x0 <= q_x0;
                r_y0 <= q_y0;
                r_x1 <= q_x1;
                x1_front <= 1'b0;
                r_y1 <= q_y1;
                r_ink <= q_ink;
                rec_w <= {1'b0, q_x1} - {1'b0, q_x0} + 12'd1;
                rec_h <= {1'b0, q_y1} - {1'b0, q_y0} + 12'd1;
                goto(D1B);
            end
            D1B: begin
                rec_ok <= rec_pass;
                rec_e <= rec_edges;
                dl_last <= dl == done_tail;
                dl_nx <= nx_rd;
                goto(D1C);
            end
            D1C: begin
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
                    goto(dl_last ? SPL0 : D1);
                end
            end
            SPL0: begin
                if (dh_nz) begin
                    free_head <= done_head;
                    fh_nz <= 1'b1;
                end
                goto(SPL1);
            end
            SPL1: begin
                if (mp_nz) begin
                    free_head <= mprev_head;
                    fh_nz <= 1'b1;
                end
                goto(SPL2);
            end
            SPL2: begin
                mprev_head <= mcur_head;
                mp_nz <= mc_nz;
                mprev_tail <= mcur_tail;
                mcur_head <= 9'd0;
                mc_nz <= 1'b0;
                done_head <= 9'd0;
                dh_nz <= 1'b0;
                bm_prev <= bm_cur;
                bm_cur <= 32'd0;
                primed <= 1'b0;
                re_pend <= 1'b0;
                left <= 9'd0;
                left_nz <= 1'b0;
                goto(blank ? E_OUT : IDLE);
            end
            E_OUT: if (ofree && !ct1 && !ct2) begin
                m_valid <= 1'b1;
                m_kind <= `TK_END;
                m_flags <= end_flags | {3'd0, trunc, 1'b0};
                m_found <= found;
                blank <= 1'b0;
                goto(IDLE);
            end
            default: goto(IDLE);
        endcase

        if (rst) begin
            goto(IDLE);
            s_valid <= 1'b0;
            m_valid <= 1'b0;
            trunc <= 1'b0;
            lab_ok <= 1'b0;
            found <= 16'd0;
            blank <= 1'b0;
            primed <= 1'b0;
            re_pend <= 1'b0;
            left <= 9'd0;
            left_nz <= 1'b0;
            free_head <= 9'd0;
            fh_nz <= 1'b0;
            fresh <= 10'd1;
            done_head <= 9'd0;
            dh_nz <= 1'b0;
            mcur_head <= 9'd0;
            mc_nz <= 1'b0;
            mprev_head <= 9'd0;
            mp_nz <= 1'b0;
            bm_cur <= 32'd0;
            bm_prev <= 32'd0;
            b_ink <= 16'd0;
            ct1 <= 1'b0;
            ct2 <= 1'b0;
        end
    end
endmodule
`default_nettype wire
