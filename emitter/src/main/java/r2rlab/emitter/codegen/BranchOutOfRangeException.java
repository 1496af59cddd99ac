package r2rlab.emitter.codegen;

/**
 * A conditional branch of a body cannot reach its label (ARM64 b.cond and cbz/cbnz reach ±1 MiB): the body is
 * generated again with far conditional branches, as the JIT's emitter makes a jump long when its target is too far.
 */
public final class BranchOutOfRangeException extends IllegalStateException {
    public BranchOutOfRangeException(String message) {
        super(message);
    }
}
