package r2rlab.loader;

/**
 * RUNTIME_FUNCTION: code start, code end (x64 stores it; ARM64 and ARM derive it from the unwind
 * record's function length; -1 where neither applies, as on x86) and the unwind data RVA.
 */
public record RuntimeFunction(int index, long beginRva, long endRva, long unwindRva) {
    public long size() {
        return endRva >= 0 ? endRva - beginRva : -1;
    }
}
