// Token kinds of the board's internal streams (frame_ctrl -> thresh -> ccl -> packetizer).
// PIX: one pixel (x, y, eol, lbl: label it, 0 for the zero padding of an aborted line).
// START: a frame starts (configuration latched in frame_ctrl). END: the frame ends; flags are
// the FRAME_TAIL flags (bit 0 ABORTED, 1 TRUNCATED, 2 OVERFLOW, 3 INPUT_ERROR) plus bit 4:
// restart the chunk numbering after this tail (CONTROL.RESET). RESET: restart the chunk
// numbering now. REC: a component record (ccl -> packetizer only).
`define TK_PIX   3'd0
`define TK_START 3'd1
`define TK_END   3'd2
`define TK_RESET 3'd3
`define TK_REC   3'd4
`define FL_ABORTED 0
`define FL_TRUNC   1
`define FL_OVF     2
`define FL_INERR   3
`define FL_RSTSEQ  4
