package r2rlab.emu.runtime;

import r2rlab.format.r2r.ReadyToRunHelper;

/** Guest code called a runtime helper the emulated runtime has no handler for. */
public final class UnsupportedHelperException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int helperId;

    public UnsupportedHelperException(int helperId) {
        super(String.format("runtime helper %s (0x%X) is not provided by the emulated runtime", ReadyToRunHelper.nameOf(helperId),
                helperId));
        this.helperId = helperId;
    }

    /** The READYTORUN_HELPER id that was called. */
    public int helperId() {
        return helperId;
    }
}
