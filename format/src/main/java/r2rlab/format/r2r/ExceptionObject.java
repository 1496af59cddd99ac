package r2rlab.format.r2r;

/**
 * The exception object of r2rlab's scenario language as emitted code allocates it and the emulated runtime reads it:
 * a System.Exception (its MethodTable from a TypeHandle fixup, allocated by the NewObject helper) whose only field
 * the language uses is its integer code, and the reference to the stack trace the runtime's dispatch records in it
 * (the real object's {@code _stackTrace}, an array the first pass of each throw appends its frames to). The real
 * System.Exception has other fields; neither the emitted code nor the runtime model reads them, so r2rlab keeps these
 * two right after the MethodTable.
 */
public final class ExceptionObject {
    /** Offset of the integer code from the object reference. */
    public static final int CODE_OFFSET = 8;
    /** Offset of the stack trace reference (null until a dispatch records one). */
    public static final int STACK_TRACE_OFFSET = 16;
    /** Base size of the object: MethodTable pointer, code and stack trace. */
    public static final int SIZE = 24;
    /** The type {@code throw} allocates, named through the manifest as CoreLib's. */
    public static final String NAMESPACE = "System";
    public static final String NAME = "Exception";

    private ExceptionObject() {
    }
}
