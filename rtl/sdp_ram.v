`default_nettype none
// Purpose: simple dual-port RAM (one write port, one read port, one clock) that Yosys maps to
// iCE40 SB_RAM40_4K blocks. Read latency 1 cycle: rd_data holds mem[rd_addr] from the edge at
// which rd_en was high, and keeps its value while rd_en is low (so a stalled pipeline stage
// keeps its operand). A read of the address being written in the same cycle returns the old
// word; callers avoid relying on that (the iCE40 does not guarantee it).
module sdp_ram #(
    parameter ADDR_WIDTH = 9,
    parameter DATA_WIDTH = 8
) (
    input  wire                  clk,
    input  wire                  wr_en,
    input  wire [ADDR_WIDTH-1:0] wr_addr,
    input  wire [DATA_WIDTH-1:0] wr_data,
    input  wire                  rd_en,
    input  wire [ADDR_WIDTH-1:0] rd_addr,
    output reg  [DATA_WIDTH-1:0] rd_data
);
    (* no_rw_check *)
    reg [DATA_WIDTH-1:0] mem [0:(1<<ADDR_WIDTH)-1];

`ifdef VERILATOR
    wire collide = wr_en && wr_addr == rd_addr;
`else
    wire collide = 1'b0;
`endif
    always @(posedge clk) begin
        if (wr_en)
            mem[wr_addr] <= wr_data;
        if (rd_en)
            rd_data <= collide ? ~mem[rd_addr] : mem[rd_addr];
    end
endmodule
`default_nettype wire
