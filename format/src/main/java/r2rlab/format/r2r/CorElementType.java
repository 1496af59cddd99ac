package r2rlab.format.r2r;

/** ECMA-335 CorElementType values, plus the ReadyToRun "zapsig" extensions (corcompile.h). */
public final class CorElementType {
    public static final int END = 0x00;
    public static final int VOID = 0x01;
    public static final int BOOLEAN = 0x02;
    public static final int CHAR = 0x03;
    public static final int I1 = 0x04;
    public static final int U1 = 0x05;
    public static final int I2 = 0x06;
    public static final int U2 = 0x07;
    public static final int I4 = 0x08;
    public static final int U4 = 0x09;
    public static final int I8 = 0x0A;
    public static final int U8 = 0x0B;
    public static final int R4 = 0x0C;
    public static final int R8 = 0x0D;
    public static final int STRING = 0x0E;
    public static final int PTR = 0x0F;
    public static final int BYREF = 0x10;
    public static final int VALUETYPE = 0x11;
    public static final int CLASS = 0x12;
    public static final int VAR = 0x13;
    public static final int ARRAY = 0x14;
    public static final int GENERICINST = 0x15;
    public static final int TYPEDBYREF = 0x16;
    public static final int I = 0x18;
    public static final int U = 0x19;
    public static final int FNPTR = 0x1B;
    public static final int OBJECT = 0x1C;
    public static final int SZARRAY = 0x1D;
    public static final int MVAR = 0x1E;
    public static final int CMOD_REQD = 0x1F;
    public static final int CMOD_OPT = 0x20;
    public static final int INTERNAL = 0x21;
    public static final int SENTINEL = 0x41;
    public static final int PINNED = 0x45;

    /** A value type whose native layout is meant (followed by the type). */
    public static final int NATIVE_VALUETYPE_ZAPSIG = 0x3D;
    /** System.__Canon, the shared-generics placeholder. */
    public static final int CANON_ZAPSIG = 0x3E;
    /** Followed by a compressed module index, then a type whose tokens are in that module. */
    public static final int MODULE_ZAPSIG = 0x3F;

    private static final String[] PRIMITIVE_NAMES = new String[0x20];

    static {
        PRIMITIVE_NAMES[VOID] = "System.Void";
        PRIMITIVE_NAMES[BOOLEAN] = "System.Boolean";
        PRIMITIVE_NAMES[CHAR] = "System.Char";
        PRIMITIVE_NAMES[I1] = "System.SByte";
        PRIMITIVE_NAMES[U1] = "System.Byte";
        PRIMITIVE_NAMES[I2] = "System.Int16";
        PRIMITIVE_NAMES[U2] = "System.UInt16";
        PRIMITIVE_NAMES[I4] = "System.Int32";
        PRIMITIVE_NAMES[U4] = "System.UInt32";
        PRIMITIVE_NAMES[I8] = "System.Int64";
        PRIMITIVE_NAMES[U8] = "System.UInt64";
        PRIMITIVE_NAMES[R4] = "System.Single";
        PRIMITIVE_NAMES[R8] = "System.Double";
        PRIMITIVE_NAMES[STRING] = "System.String";
        PRIMITIVE_NAMES[TYPEDBYREF] = "System.TypedReference";
        PRIMITIVE_NAMES[I] = "System.IntPtr";
        PRIMITIVE_NAMES[U] = "System.UIntPtr";
        PRIMITIVE_NAMES[OBJECT] = "System.Object";
    }

    private CorElementType() {
    }

    /** The type name of a primitive element type, or null when {@code et} is not a primitive. */
    public static String primitiveName(int et) {
        return et >= 0 && et < PRIMITIVE_NAMES.length ? PRIMITIVE_NAMES[et] : null;
    }
}
