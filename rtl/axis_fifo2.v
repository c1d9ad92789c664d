`default_nettype none
// Purpose: a two-entry register FIFO for a valid/ready stream, the wide-payload alternative to
// axis_skid: m_valid and s_ready come from registers, m_data is a two-way multiplexer of two
// registers selected by a register, so no combinational path crosses it in either direction.
// Unlike axis_skid the payload registers are loaded on the input handshake only (s_valid and
// s_ready, both registers upstream), and m_ready drives nothing but the pointers and the
// count: a late m_ready does not fan out to the payload (timing). Latency 1 cycle,
// throughput 1 transfer per cycle.
module axis_fifo2 #(
    parameter DATA_WIDTH = 8
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  s_valid,
    output reg                   s_ready,
    input  wire [DATA_WIDTH-1:0] s_data,
    output reg                   m_valid,
    input  wire                  m_ready,
    output wire [DATA_WIDTH-1:0] m_data
);
    reg [DATA_WIDTH-1:0] d0, d1;
    reg                  wp, rp;
    reg [1:0]            cnt;

    wire take = s_valid && s_ready;
    wire give = m_valid && m_ready;
    wire [1:0] cnt_next = cnt + {1'b0, take} - {1'b0, give};
    assign m_data = rp ? d1 : d0;

    always @(posedge clk) begin
        if (take) begin
            if (wp)
                d1 <= s_data;
            else
                d0 <= s_data;
        end
        if (rst) begin
            s_ready <= 1'b0;
            m_valid <= 1'b0;
            wp <= 1'b0;
            rp <= 1'b0;
            cnt <= 2'd0;
        end else begin
            if (take)
                wp <= !wp;
            if (give)
                rp <= !rp;
            cnt <= cnt_next;
            m_valid <= cnt_next != 2'd0;
            s_ready <= cnt_next != 2'd2;
        end
    end
endmodule
`default_nettype wire
