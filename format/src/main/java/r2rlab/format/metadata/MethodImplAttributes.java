package r2rlab.format.metadata;

/** MethodDef.ImplFlags bits (ECMA-335 II.23.1.11, plus later runtime additions). */
public final class MethodImplAttributes {
    public static final int CODE_TYPE_MASK = 0x0003;
    public static final int IL = 0x0000;
    public static final int NATIVE = 0x0001;
    public static final int OPTIL = 0x0002;
    public static final int RUNTIME = 0x0003;
    public static final int MANAGED_MASK = 0x0004;
    public static final int UNMANAGED = 0x0004;
    public static final int MANAGED = 0x0000;
    public static final int NO_INLINING = 0x0008;
    public static final int FORWARD_REF = 0x0010;
    public static final int SYNCHRONIZED = 0x0020;
    public static final int NO_OPTIMIZATION = 0x0040;
    public static final int PRESERVE_SIG = 0x0080;
    public static final int AGGRESSIVE_INLINING = 0x0100;
    public static final int AGGRESSIVE_OPTIMIZATION = 0x0200;
    public static final int INTERNAL_CALL = 0x1000;
    /** Runtime-async method (.NET 10+): the runtime, not the C# compiler, builds the state machine. */
    public static final int ASYNC = 0x2000;

    private MethodImplAttributes() {
    }
}
