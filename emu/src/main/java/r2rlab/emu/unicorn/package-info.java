/**
 * The CPU engine: {@link r2rlab.emu.unicorn.CpuEngine} (the seam the emulated runtime drives:
 * memory, registers, runs, hooks, contexts) and its implementation {@link r2rlab.emu.unicorn.Unicorn},
 * our own small JNA binding to Unicorn 2 (Debian's {@code libunicorn.so.2}, 2.0.1) over
 * {@link r2rlab.emu.unicorn.UnicornLibrary} (the C API); Unicorn's numbering in
 * {@link r2rlab.emu.unicorn.UnicornConst}; and what is built on the seam alone:
 * {@link r2rlab.emu.unicorn.TrapPage} (runtime helpers dispatched from one bounded code hook) and
 * {@link r2rlab.emu.unicorn.FaultLocator} (exact faulting instruction). Needs
 * {@code apt-get install libunicorn2}.
 */
package r2rlab.emu.unicorn;
