package r2rlab.format.r2r;

/** READYTORUN_METHOD_SIG_* flags, the first (compressed) value of a method signature. */
public final class ReadyToRunMethodSigFlags {
    public static final int UnboxingStub = 0x01;
    public static final int InstantiatingStub = 0x02;
    public static final int MethodInstantiation = 0x04;
    public static final int SlotInsteadOfToken = 0x08;
    public static final int MemberRefToken = 0x10;
    public static final int Constrained = 0x20;
    public static final int OwnerType = 0x40;
    public static final int UpdateContext = 0x80;
    /** Runtime-async: the entry is the async variant of the method. */
    public static final int AsyncVariant = 0x100;

    private ReadyToRunMethodSigFlags() {
    }
}
