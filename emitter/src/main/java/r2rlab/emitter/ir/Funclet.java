package r2rlab.emitter.ir;

import java.util.List;

/**
 * A handler of a lowered body, generated as a funclet after the body's main code (with its own runtime function),
 * as the JIT lays handlers out. A CATCH funclet stores the exception object it is called with into
 * {@code exceptionSlot} and returns the address of {@code resumeLabel}, where the catch block runs in the code that
 * holds the try (ZipFile's OpenAsync catch funclet, 0x71D9); a FAULT funclet is the code of a finally block
 * ({@code insns}), run by the exception dispatcher's second pass, the normal paths running inline copies of it.
 */
public record Funclet(Kind kind, List<Insn> insns, int exceptionSlot, int resumeLabel) {
    public enum Kind { CATCH, FAULT }

    public Funclet {
        insns = List.copyOf(insns);
    }
}
