/**
 * Runs emitted code in the Unicorn CPU emulator against the loader's model of the runtime. Empty
 * until the emulator issue lands; depends on {@code loader}.
 */
package r2rlab.emu;
