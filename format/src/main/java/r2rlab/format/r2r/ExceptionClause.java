package r2rlab.format.r2r;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/**
 * READYTORUN_EXCEPTION_CLAUSE: one EH clause of a method, 24 bytes. The PC fields are offsets from the
 * method body's start (funclets included) and, although the JIT's CORINFO_EH_CLAUSE calls two of them
 * lengths, hold end offsets (exclusive), as the runtime and the real images read them.
 *
 * @param classTokenOrFilterOffset the caught type's token for a typed catch, the filter funclet's
 *     offset for a filter, 0 otherwise
 */
public record ExceptionClause(int flags, long tryStartPc, long tryEndPc, long handlerStartPc, long handlerEndPc,
                              long classTokenOrFilterOffset) {
    public static final int FLAGS_OFFSET = 0;
    public static final int TRY_START_OFFSET = 4;
    public static final int TRY_END_OFFSET = 8;
    public static final int HANDLER_START_OFFSET = 12;
    public static final int HANDLER_END_OFFSET = 16;
    public static final int CLASS_TOKEN_OR_FILTER_OFFSET = 20;
    public static final int SIZE = 24;

    /** CorExceptionFlag values (corinfo.h); the kind is {@code flags & KIND_MASK}. */
    public static final int TYPED = 0x0;
    public static final int FILTER = 0x1;
    public static final int FINALLY = 0x2;
    public static final int FAULT = 0x4;
    public static final int KIND_MASK = 0x7;
    public static final int DUPLICATED = 0x8;
    public static final int SAME_TRY = 0x10;
    /** ReadyToRun only: the clause catches System.Exception; no token is stored. */
    public static final int R2R_SYSTEM_EXCEPTION = 0x20;

    public static ExceptionClause read(ByteReader file, long offset) {
        String s = "READYTORUN_EXCEPTION_CLAUSE";
        file.require(s, offset, SIZE);
        return new ExceptionClause((int) file.u32(s + ".Flags", offset + FLAGS_OFFSET), file.u32(s + ".TryStartPC", offset + TRY_START_OFFSET),
                file.u32(s + ".TryEndPC", offset + TRY_END_OFFSET), file.u32(s + ".HandlerStartPC", offset + HANDLER_START_OFFSET),
                file.u32(s + ".HandlerEndPC", offset + HANDLER_END_OFFSET),
                file.u32(s + ".ClassToken", offset + CLASS_TOKEN_OR_FILTER_OFFSET));
    }

    public void write(BlobBuilder b) {
        b.u32(flags & 0xFFFFFFFFL).u32(tryStartPc).u32(tryEndPc).u32(handlerStartPc).u32(handlerEndPc).u32(classTokenOrFilterOffset);
    }

    public int kind() {
        return flags & KIND_MASK;
    }

    public boolean isFinally() {
        return kind() == FINALLY;
    }

    public boolean isFault() {
        return kind() == FAULT;
    }

    public boolean isFilter() {
        return kind() == FILTER;
    }

    /** A catch clause: typed, or catching System.Exception (R2R_SYSTEM_EXCEPTION). */
    public boolean isCatch() {
        return kind() == TYPED;
    }

    public boolean tryCovers(long offset) {
        return offset >= tryStartPc && offset < tryEndPc;
    }

    public boolean handlerCovers(long offset) {
        return offset >= handlerStartPc && offset < handlerEndPc;
    }

    /** "catch", "filter", "finally" or "fault", as r2rdump prints the kind. */
    public String kindName() {
        return switch (kind()) {
            case FILTER -> "filter";
            case FINALLY -> "finally";
            case FAULT -> "fault";
            default -> "catch";
        };
    }
}
