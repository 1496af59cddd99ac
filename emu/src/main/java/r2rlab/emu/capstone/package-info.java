/**
 * Text disassembly for x86-64 and ARM64 over the official Capstone binding and the system
 * {@code libcapstone.so.4} ({@code apt-get install libcapstone4}).
 */
package r2rlab.emu.capstone;
