`default_nettype none
// Purpose: the camera input FIFO. The camera cannot be stalled: cam_valid pixels are written
// whenever there is room. When a pixel arrives with the FIFO full, it is lost, the FIFO drops
// every pixel until the next start of frame, and it inserts one overflow marker (m_axis_tuser[1])
// at the first free slot, so the reader sees exactly where data went missing (a sticky
// overflow: nothing after the loss gets through before a new SOF).
// Output: AXI4-Stream style valid/ready, tdata pixel, tuser[0] SOF, tuser[1] overflow marker,
// tlast end of line. Latency 1 cycle, throughput 1 per cycle. flush empties the FIFO.
// ts_sof: the value of ts in the cycle the most recent SOF pixel was written.
module cam_fifo #(
    parameter ADDR_WIDTH = 9
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        flush,
    input  wire [63:0] ts,
    // camera (no ready)
    input  wire        cam_valid,
    input  wire [7:0]  cam_data,
    input  wire        cam_sof,
    input  wire        cam_eol,
    // to the frame controller
    output reg         m_axis_tvalid,
    input  wire        m_axis_tready,
    output wire [7:0]  m_axis_tdata,
    output wire [1:0]  m_axis_tuser,
    output wire        m_axis_tlast,
    output reg  [63:0] ts_sof,
    output wire        room,       // at least 16 free entries (test pacing, status)
    output wire        empty
);
    localparam DEPTH = 1 << ADDR_WIDTH;

    reg [ADDR_WIDTH:0] wr_ptr, rd_ptr;
    reg dropping, marker_pending;
    wire [ADDR_WIDTH:0] used = wr_ptr - rd_ptr;
    // full (used == DEPTH) kept in a register, updated with the pointers (timing: the write
    // enable, which gates the 64-bit SOF timestamp, is then a few LUTs from registers)
    reg full;
    wire nonempty = wr_ptr != rd_ptr;
    reg room_q;   // one cycle late: a hint, with margin
    always @(posedge clk)
        room_q <= used <= DEPTH[ADDR_WIDTH:0] - 16;
    assign room = room_q;
    assign empty = !nonempty && !m_axis_tvalid;

    reg        wr_en;
    reg [10:0] wr_data;
    always @* begin
        wr_en = 1'b0;
        wr_data = {1'b0, cam_sof, cam_eol, cam_data};
        if (!full) begin
            if (marker_pending) begin
                wr_en = 1'b1;
                wr_data = {1'b1, 10'd0};
            end else if (cam_valid && (!dropping || cam_sof)) begin
                wr_en = 1'b1;
            end
        end
    end

    wire advance = nonempty && (!m_axis_tvalid || m_axis_tready);
    wire [10:0] rd_data;

    sdp_ram #(.ADDR_WIDTH(ADDR_WIDTH), .DATA_WIDTH(11)) ram (
        .clk(clk),
        .wr_en(wr_en), .wr_addr(wr_ptr[ADDR_WIDTH-1:0]), .wr_data(wr_data),
        .rd_en(advance), .rd_addr(rd_ptr[ADDR_WIDTH-1:0]), .rd_data(rd_data)
    );

    assign m_axis_tdata = rd_data[7:0];
    assign m_axis_tlast = rd_data[8];
    assign m_axis_tuser = {rd_data[10], rd_data[9]};

    always @(posedge clk) begin
        if (rst || flush) begin
            wr_ptr <= 0;
            rd_ptr <= 0;
            m_axis_tvalid <= 1'b0;
            dropping <= 1'b0;
            marker_pending <= 1'b0;
            full <= 1'b0;
        end else begin
            if (wr_en)
                wr_ptr <= wr_ptr + 1'b1;
            if (wr_en && !advance)
                full <= used == DEPTH[ADDR_WIDTH:0] - 1'b1;
            else if (advance && !wr_en)
                full <= 1'b0;
            if (marker_pending) begin
                if (!full)
                    marker_pending <= 1'b0;
            end else if (cam_valid) begin
                if (full) begin
                    if (!dropping) begin
                        dropping <= 1'b1;
                        marker_pending <= 1'b1;
                    end
                end else if (cam_sof) begin
                    dropping <= 1'b0;
                end
            end
            if (advance) begin
                rd_ptr <= rd_ptr + 1'b1;
                m_axis_tvalid <= 1'b1;
            end else if (m_axis_tready) begin
                m_axis_tvalid <= 1'b0;
            end
        end
    end

    always @(posedge clk) begin
        if (rst)
            ts_sof <= 64'd0;
        else if (wr_en && !marker_pending && cam_sof)
            ts_sof <= ts;
    end
endmodule
`default_nettype wire
