`default_nettype none
// Purpose: the packetizer's byte-load conditions other than the output's state, from
// registers only. Kept as a hierarchy of its own (synthesis does not flatten it), so the logic
// optimiser cannot fold the late output handshake into these terms: the token register's
// enable (u_ready in the packetizer) is then one LUT after the output handshake (timing).
(* keep_hierarchy *)
module pkt_ldok (
    input  wire t_valid,    // a token is in the packetizer's token register
    input  wire t_nbz,      // ... that sends no byte
    input  wire crc_wait,   // the tail's CRC bytes wait for the last byte's CRC step
    input  wire last_byte,  // the next byte is the token's last
    output wire ld_ok,      // a byte is loaded when the output is free
    output wire ld_fin      // ... and it is the token's last
);
    assign ld_ok = t_valid && !t_nbz && !crc_wait;
    assign ld_fin = ld_ok && last_byte;
endmodule
`default_nettype wire
