package r2rlab.emu.unicorn;

/** {@code uc_emu_start} returned because its timeout elapsed (Unicorn itself reports UC_ERR_OK then). */
public class EmuTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long timeoutMicros;
    private final long pc;

    public EmuTimeoutException(long timeoutMicros, long pc) {
        super("uc_emu_start: emulation timed out after " + timeoutMicros + " us (pc=0x" + Long.toHexString(pc)
                + ")");
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
