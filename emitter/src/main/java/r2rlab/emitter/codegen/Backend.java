package r2rlab.emitter.codegen;

import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.format.pe.Machine;

/** Code generation for one architecture. */
public interface Backend {
    Machine machine();

    /** A non-async method. */
    CompiledBody compileMethod(MethodIr ir, CodegenContext ctx);

    /** The async variant of an async method, with suspension and resumption code. */
    CompiledBody compileAsyncVariant(MethodIr ir, CodegenContext ctx);

    /** The Task-returning method of an async method. */
    CompiledBody compileTaskThunk(MethodIr ir, CodegenContext ctx);

    /** The resumption stub of an async variant that awaits. */
    CompiledBody compileResumptionStub(MethodIr ir, CodegenContext ctx);

    /**
     * A delay-load helper thunk (r2r-format.md §6.2): enters {@code helperCell}'s target with the
     * import section index and the Module cell as the runtime's DelayLoad helpers expect.
     * {@code existingIndirectionCell} makes the x64 variant that keeps RAX (the cell) instead of zeroing it.
     */
    ObjectNode delayLoadThunk(String symbol, int importSection, String moduleCell, String helperCell, boolean existingIndirectionCell);

    /**
     * Where a delay-load thunk's entry ({@code symbol}) lies in the node {@link #delayLoadThunk}
     * returns. 0 means the node is named {@code symbol}; otherwise the node is named
     * {@link #thunkNodeSymbol(String)} and the entry is this many bytes into it (crossgen2's ARM64
     * thunk starts with the Module cell's 8-byte literal).
     */
    default int delayLoadThunkEntryOffset() {
        return 0;
    }

    /** Name of the node of a thunk whose entry does not start its node. */
    static String thunkNodeSymbol(String entrySymbol) {
        return entrySymbol + "$node";
    }

    /** A thunk that jumps through an Eager helper cell (the personality routine). */
    ObjectNode jumpThunk(String symbol, String cell);

    /** The unwind record as it goes into the image: x64 flags |= EHANDLER|UHANDLER, ARM64 X bit set. */
    byte[] withHandlerFlag(byte[] unwindInfo);
}
