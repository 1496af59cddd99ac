package r2rlab.loader;

/**
 * A decoded fixup signature: its kind byte (with the ModuleOverride bit), the kind without it,
 * the module index that bit introduced (-1 when absent), a readable rendering, and for the kinds
 * the runtime model acts on, the decoded payload: a ResumptionStubEntryPoint's stub RVA, a
 * Helper's id, a method reference.
 */
public record FixupSignature(int kindByte, int kind, int moduleOverride, String text, long stubRva, int helperId,
                             MethodRef method) {
    public static final long NO_RVA = -1;
    public static final int NO_HELPER = -1;
}
