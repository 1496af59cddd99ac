package r2rlab.format.r2r;

/**
 * The bit split of Continuation.Flags (runtime-async.md C.2): three ContinueOn... bits, then index
 * fields naming data slots (see {@link ContinuationObject#slot}). The split differs between runtime
 * versions, so it is a value: code that writes Flags and code that reads them must use the same one.
 *
 * @param executionContext the ExecutionContext index field, or null when the split has none
 */
public record ContinuationFlags(String name, IndexField executionContext, IndexField continuationContext, IndexField exception,
                                IndexField result) {
    public static final int CONTINUE_ON_THREAD_POOL = 0x1;
    public static final int CONTINUE_ON_CAPTURED_SYNCHRONIZATION_CONTEXT = 0x2;
    public static final int CONTINUE_ON_CAPTURED_TASK_SCHEDULER = 0x4;

    /** The split of the ContinuationFlags enum in CoreLib's main branch: ExecutionContext 3–4, context 5–6, Exception 7–9, Result 10–31. */
    public static final ContinuationFlags CORELIB_MAIN = new ContinuationFlags("CoreLib main (Exception bits 7-9, Result from bit 10)",
            new IndexField(3, 2), new IndexField(5, 2), new IndexField(7, 3), new IndexField(10, 22));

    /** The split the R2R 18.5 (.NET 11 preview 4) images use: Exception 3–4, context 5–6, Result 7–31, no ExecutionContext index. */
    public static final ContinuationFlags R2R_18_5 = new ContinuationFlags("R2R 18.5 (Exception bits 3-4, Result from bit 7)",
            null, new IndexField(5, 2), new IndexField(3, 2), new IndexField(7, 25));

    /** One index field: {@code bits} bits from {@code firstBit}. */
    public record IndexField(int firstBit, int bits) {
        public int get(int flags) {
            return (int) ((flags & 0xFFFFFFFFL) >>> firstBit & ((1L << bits) - 1));
        }

        public int put(int index) {
            if (index < 0 || index >= 1L << bits) {
                throw new IllegalArgumentException("index " + index + " does not fit " + bits + " bits at bit " + firstBit);
            }
            return index << firstBit;
        }
    }

    public int exceptionIndex(int flags) {
        return exception.get(flags);
    }

    public int continuationContextIndex(int flags) {
        return continuationContext.get(flags);
    }

    public int resultIndex(int flags) {
        return result.get(flags);
    }

    /** 0 when the split has no ExecutionContext field. */
    public int executionContextIndex(int flags) {
        return executionContext == null ? 0 : executionContext.get(flags);
    }

    /** Flags with the ContinueOn... bits {@code continueOn} and the three slot indices (0 = absent). */
    public int encode(int continueOn, int exceptionIndex, int continuationContextIndex, int resultIndex) {
        if ((continueOn & ~0x7) != 0) {
            throw new IllegalArgumentException(String.format("ContinueOn bits 0x%X are outside bits 0-2", continueOn));
        }
        return continueOn | exception.put(exceptionIndex) | continuationContext.put(continuationContextIndex) | result.put(resultIndex);
    }
}
