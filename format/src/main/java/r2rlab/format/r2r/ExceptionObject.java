package r2rlab.format.r2r;

/**
 * The exception object of r2rlab's scenario language as emitted code allocates it and the emulated runtime reads it:
 * a System.Exception (its MethodTable from a TypeHandle fixup, allocated by the NewObject helper) whose only field
 * the language uses is its integer code. The real System.Exception has other fields there; neither the emitted code
 * nor the runtime model reads them, so r2rlab keeps the code right after the MethodTable.
 */
public final class ExceptionObject {
    /** Offset of the integer code from the object reference. */
    public static final int CODE_OFFSET = 8;
    /** Base size of the object: MethodTable pointer and code. */
    public static final int SIZE = 16;
    /** The type {@code throw} allocates, named through the manifest as CoreLib's. */
    public static final String NAMESPACE = "System";
    public static final String NAME = "Exception";

    private ExceptionObject() {
    }
}
