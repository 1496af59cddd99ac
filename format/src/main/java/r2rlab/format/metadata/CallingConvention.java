package r2rlab.format.metadata;

/**
 * The first byte of a signature blob (II.23.2.1-II.23.2.15, CorHdr.h IMAGE_CEE_CS_CALLCONV_*): its
 * low nibble says what the signature is, its high bits qualify a method signature.
 */
public final class CallingConvention {
    public static final int DEFAULT = 0x00;
    public static final int C = 0x01;
    public static final int STDCALL = 0x02;
    public static final int THISCALL = 0x03;
    public static final int FASTCALL = 0x04;
    public static final int VARARG = 0x05;
    /** A FieldSig. */
    public static final int FIELD = 0x06;
    /** A LocalVarSig. */
    public static final int LOCAL_SIG = 0x07;
    /** A PropertySig. */
    public static final int PROPERTY = 0x08;
    public static final int UNMANAGED = 0x09;
    /** A MethodSpec instantiation. */
    public static final int GENERICINST = 0x0A;
    public static final int NATIVEVARARG = 0x0B;
    /** The bits above select nothing but qualify the kind. */
    public static final int KIND_MASK = 0x0F;

    /** A generic method: a compressed generic parameter count follows. */
    public static final int GENERIC = 0x10;
    /** An instance method: {@code this} is passed but not listed among the parameters. */
    public static final int HASTHIS = 0x20;
    /** With HASTHIS: the first listed parameter is {@code this}. */
    public static final int EXPLICITTHIS = 0x40;

    private CallingConvention() {
    }

    /** The kind (low nibble) of a calling convention byte. */
    public static int kind(int callingConvention) {
        return callingConvention & KIND_MASK;
    }
}
