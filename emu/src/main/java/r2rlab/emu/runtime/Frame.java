package r2rlab.emu.runtime;

import java.util.Set;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.loader.runtime.MethodDesc;

/**
 * One frame of a {@link StackWalker} walk, or one symbolized address.
 *
 * @param index          0 = innermost
 * @param ip             the frame's IP (for callers: the return address)
 * @param rva            ip − image base (−1 outside the image)
 * @param sp             the frame's stack pointer at {@code ip}
 * @param method         what the runtime's code manager answers (ReadyToRunJitManager.jitCodeToMethodInfo), or null
 * @param codeInfo       the code manager's full answer (runtime function, hot/cold, funclet), or null
 * @param runtimeFunction the RUNTIME_FUNCTION containing the IP, or null
 * @param imageMethod    the method the image itself lists for that runtime function (resumption stubs included), or null
 * @param symbol         a readable location: "Demo.Calls.Main+0x1C", a thunk, a runtime helper
 * @param flags          facts and problems, see {@link Flag}
 * @param note           a sentence about the flagged problems, or ""
 */
public record Frame(int index, long ip, long rva, long sp, MethodDesc method, CodeInfo codeInfo,
                    RuntimeFunction runtimeFunction, ReadyToRunMethod imageMethod, String symbol, Set<Flag> flags,
                    String note) {

    public enum Flag {
        /** The code manager puts the IP in a funclet (a runtime function after the method's start). */
        FUNCLET,
        /** The IP is in a cold part (mapped to its hot part through the HotColdMap). */
        COLD,
        /**
         * The code manager attributes the IP to a different method than the image lists: the code's own
         * entry point is not registered (e.g. an unregistered resumption stub taken for a funclet of the
         * method before it).
         */
        MISATTRIBUTED,
        /** Error: the IP is in a runtime function but no registered entry point precedes it (no MethodDesc). */
        NO_METHOD,
        /** Error: the IP is in the image but in no runtime function. */
        NO_RUNTIME_FUNCTION,
        /** The IP is outside the image (a runtime helper trap, the exit trap, or unmapped memory). */
        OUTSIDE_IMAGE,
        /** The IP is in an import thunk (no unwind data: unwound as a leaf). */
        THUNK,
        /** The frame was unwound as a leaf (no unwind data): x64 pops the return address, ARM64 takes LR. */
        LEAF_ASSUMED,
        /** The IP is inside the prolog (only some unwind codes applied). */
        IN_PROLOG,
        /** The IP is inside an epilog scope (ARM64). */
        IN_EPILOG
    }

    public boolean has(Flag f) {
        return flags.contains(f);
    }

    /** True when the frame names no method or a wrong one. */
    public boolean isProblem() {
        return has(Flag.MISATTRIBUTED) || has(Flag.NO_METHOD) || has(Flag.NO_RUNTIME_FUNCTION);
    }

    /** The code manager's method name, or null. */
    public String methodName() {
        return method == null ? null : method.name();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("#%d ip=0x%X", index, ip));
        if (rva >= 0) {
            sb.append(String.format(" rva=0x%X", rva));
        }
        sb.append(String.format(" sp=0x%X ", sp));
        sb.append(method != null ? method.name() + (method.isResumptionStub() ? " [" + method.signatureText() + "]" : "") : "<no MethodDesc>");
        if (symbol != null) {
            sb.append("  (").append(symbol).append(')');
        }
        if (runtimeFunction != null) {
            sb.append("  RF ").append(runtimeFunction.index());
        }
        if (!flags.isEmpty()) {
            sb.append("  ").append(flags);
        }
        if (!note.isEmpty()) {
            sb.append("  -- ").append(note);
        }
        return sb.toString();
    }
}
