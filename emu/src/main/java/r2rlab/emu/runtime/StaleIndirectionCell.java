package r2rlab.emu.runtime;

/**
 * B2 when the stale x11 names a valid cell (runtime-async.md B2): DelayLoad_MethodCall resolved and patched the cell
 * x11 names, as a release runtime would, but the call site loaded its target from another cell. The emulator reads
 * the call site (ARM64 {@code adrp/ldr} or {@code adrp/add/ldr} before {@code blr x16}) and stops the run here, naming
 * both cells, where the runtime would go on to the wrong method.
 */
public final class StaleIndirectionCell extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StaleIndirectionCell(String patched, String called) {
        super("x11 is stale: DelayLoad_MethodCall resolved and patched " + patched + ", the cell x11 names, but the call went"
                + " through " + called);
    }
}
