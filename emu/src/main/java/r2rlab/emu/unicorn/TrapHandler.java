package r2rlab.emu.unicorn;

/** Java implementation of a runtime helper reached through a {@link TrapPage} slot. */
@FunctionalInterface
public interface TrapHandler {
    /**
     * Reads arguments from and writes results to registers/memory through {@link TrapCall#engine()}.
     * By default the trap then returns to the caller; see {@link TrapCall#jumpTo} and {@link TrapCall#stop}.
     */
    void onTrap(TrapCall call);
}
