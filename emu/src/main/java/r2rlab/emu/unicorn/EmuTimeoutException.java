package r2rlab.emu.unicorn;

/**
 * A run ended because its time limit elapsed: {@code uc_emu_start}'s own timeout (Unicorn itself
 * reports UC_ERR_OK then), or a {@link RunDeadline} over a whole run.
 */
public class EmuTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long timeoutMicros;
    private final long pc;

    public EmuTimeoutException(long timeoutMicros, long pc) {
        this("uc_emu_start: emulation timed out after " + timeoutMicros + " us (pc=0x" + Long.toHexString(pc) + ")", timeoutMicros, pc);
    }

    public EmuTimeoutException(String message, long timeoutMicros, long pc) {
        super(message);
        this.timeoutMicros = timeoutMicros;
        this.pc = pc;
    }

    public long timeoutMicros() {
        return timeoutMicros;
    }

    /** PC when emulation was interrupted. */
    public long pc() {
        return pc;
    }
}
