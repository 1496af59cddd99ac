/**
 * Own small JNA binding to Unicorn 2 (Debian's {@code libunicorn.so.2}, 2.0.1): {@link
 * r2rlab.emu.unicorn.UnicornLibrary} (the C API), {@link r2rlab.emu.unicorn.Unicorn} (one engine,
 * exception-safe hooks), {@link r2rlab.emu.unicorn.UnicornConst}, {@link r2rlab.emu.unicorn.TrapPage}
 * (runtime helpers dispatched from one bounded code hook) and {@link r2rlab.emu.unicorn.FaultLocator}
 * (exact faulting instruction). Needs {@code apt-get install libunicorn2}.
 */
package r2rlab.emu.unicorn;
