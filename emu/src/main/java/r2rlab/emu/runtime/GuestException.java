package r2rlab.emu.runtime;

/** A managed exception raised by emulated code (the Throw helpers), carrying its integer code. */
public final class GuestException extends RuntimeException {
    private final long code;
    private final String helper;

    public GuestException(long code, String helper) {
        super("unhandled exception " + code + " (thrown through " + helper + ")");
        this.code = code;
        this.helper = helper;
    }

    public long code() {
        return code;
    }

    public String helper() {
        return helper;
    }
}
