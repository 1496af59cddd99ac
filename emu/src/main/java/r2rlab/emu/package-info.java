/**
 * Runs emitted code in the Unicorn CPU emulator against the loader's model of the runtime. The
 * substrate lives in {@link r2rlab.emu.unicorn} (own JNA binding to the system libunicorn.so.2,
 * helper trap page, fault location) and {@link r2rlab.emu.capstone} (disassembly for tests and
 * fault reports); depends on {@code loader}.
 */
package r2rlab.emu;
