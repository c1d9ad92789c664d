`default_nettype none
`timescale 1ns/1ps
// Test bench of rtl/pkt_ldok.v, the packetizer's byte-load conditions (a hierarchy of its own
// for timing; tb_packetizer runs it inside its parent). The decision is so small that the only
// reference is the rule itself, so the bench writes it as a truth table in the packetizer's
// terms (row by row, not as the module's expression) and checks all 16 input combinations,
// plus the properties the packetizer relies on: a byte is never loaded without a token, from
// a token that sends no byte, or while the tail's CRC is pending (the CRC byte would be
// wrong); ld_fin implies ld_ok and, with ld_ok, follows last_byte exactly (the token register
// is released with its last byte, never before and never one byte late).
module tb_pkt_ldok;
    reg  t_valid = 0, t_nbz = 0, crc_wait = 0, last_byte = 0;
    wire ld_ok, ld_fin;
    pkt_ldok dut (
        .t_valid(t_valid), .t_nbz(t_nbz), .crc_wait(crc_wait), .last_byte(last_byte),
        .ld_ok(ld_ok), .ld_fin(ld_fin));

    integer v, errors, rows, passed = 0, failed = 0;
    reg exp_ok, exp_fin;

    initial begin
        // 1. the truth table
        errors = 0;
        rows = 0;
        for (v = 0; v < 16; v = v + 1) begin
            {t_valid, t_nbz, crc_wait, last_byte} = v[3:0];
            #1;
            rows = rows + 1;
            // a byte goes out when a token is held that has bytes to send and is not waiting
            // for its CRC; in every other row nothing is loaded
            case (v[3:1])
                3'b100:  exp_ok = 1'b1;   // token, has bytes, no CRC wait
                default: exp_ok = 1'b0;   // no token / token without bytes / CRC pending
            endcase
            exp_fin = exp_ok && v[0];     // ... and that byte is the token's last
            if (ld_ok !== exp_ok || ld_fin !== exp_fin) begin
                errors = errors + 1;
                $display("  t_valid %b t_nbz %b crc_wait %b last_byte %b: ld_ok %b ld_fin %b, want %b %b",
                         t_valid, t_nbz, crc_wait, last_byte, ld_ok, ld_fin, exp_ok, exp_fin);
            end
        end
        if (rows != 16) errors = errors + 1;   // every row was checked
        $display("%s pkt_ldok truth table: %0d rows, %0d errors", errors != 0 ? "FAIL" : "ok  ",
                 rows, errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        // 2. the properties the packetizer relies on, over all inputs
        errors = 0;
        for (v = 0; v < 16; v = v + 1) begin
            {t_valid, t_nbz, crc_wait, last_byte} = v[3:0];
            #1;
            if (ld_fin && !ld_ok) errors = errors + 1;              // fin only with a load
            if (ld_ok && !t_valid) errors = errors + 1;             // no load without a token
            if (ld_ok && t_nbz) errors = errors + 1;                // nor from a byteless one
            if (ld_ok && crc_wait) errors = errors + 1;             // nor during the CRC wait
            if (ld_ok && ld_fin != last_byte) errors = errors + 1;  // released with its last byte
            if (t_valid && !t_nbz && !crc_wait && !ld_ok) errors = errors + 1;  // no lost cycle
        end
        $display("%s pkt_ldok properties: %0d errors", errors != 0 ? "FAIL" : "ok  ", errors);
        if (errors != 0) failed = failed + 1; else passed = passed + 1;

        $display("%0d passed, %0d failed", passed, failed);
        if (failed != 0) $fatal(1, "tb_pkt_ldok failed");
        $finish;
    end
endmodule
`default_nettype wire
