`default_nettype none
// Purpose: a register slice (skid buffer) for a valid/ready stream: every output (m_valid,
// m_data and s_ready) comes from a register, so no combinational path crosses it in either
// direction. Latency 1 cycle, throughput 1 transfer per cycle; holds up to 2 words.
// Drive it like any AXI4-Stream slave/master: the payload is held while valid and not ready.
module axis_skid #(
    parameter DATA_WIDTH = 8
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  s_valid,
    output reg                   s_ready,
    input  wire [DATA_WIDTH-1:0] s_data,
    output reg                   m_valid,
    input  wire                  m_ready,
    output reg  [DATA_WIDTH-1:0] m_data
);
    reg                  skid_valid;
    reg [DATA_WIDTH-1:0] skid_data;

    wire take = s_valid && s_ready;
    wire out_free = !m_valid || m_ready;
    // the skid register holds a word when the output is stalled and a word arrives
    wire skid_next = out_free ? 1'b0 : (skid_valid || take);

    always @(posedge clk) begin
        if (rst) begin
            s_ready <= 1'b0;
            m_valid <= 1'b0;
            skid_valid <= 1'b0;
        end else begin
            s_ready <= !skid_next;
            skid_valid <= skid_next;
            if (out_free) begin
                if (skid_valid) begin
                    m_valid <= 1'b1;
                    m_data <= skid_data;
                end else begin
                    m_valid <= take;
                    m_data <= s_data;
                end
            end
        end
        // the skid register follows the input while it is free (s_ready), so it holds the
        // word taken in the cycle the output stalled; its enable is a register (timing)
        if (s_ready)
            skid_data <= s_data;
    end
endmodule
`default_nettype wire
