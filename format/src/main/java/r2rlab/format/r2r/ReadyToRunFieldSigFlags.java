package r2rlab.format.r2r;

/** READYTORUN_FIELD_SIG_* flags, the first (compressed) value of a field signature. */
public final class ReadyToRunFieldSigFlags {
    /** Gone since 16.0 (readytorun.h 9.1 still had it). */
    public static final int IndexInsteadOfToken = 0x08;
    public static final int MemberRefToken = 0x10;
    public static final int OwnerType = 0x40;

    private ReadyToRunFieldSigFlags() {
    }
}
