package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.runtime.ReadyToRunInfo;

/**
 * Code ran before its method's fixup list: nothing looked its entry point up (it was entered past its prestub, by a
 * direct call), so the cells the list names hold no values and its resumption stub is not registered. The message
 * names the method and every cell of its list that is still unresolved.
 */
public final class FixupsNotRunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private FixupsNotRunException(String message) {
        super(message);
    }

    /** {@code what} happened in the code at {@code codeAddress}; the method there and the state of its fixups. */
    static FixupsNotRunException at(EmulatedRuntime rt, long codeAddress, String what) {
        long rva = codeAddress - rt.imageBase();
        ReadyToRunMethod m = new ImageSymbols(rt.image()).methodContaining(rva);
        if (m == null) {
            return new FixupsNotRunException(String.format("%s in code at 0x%X, which is in no method of the image", what, codeAddress));
        }
        ReadyToRunInfo info = rt.info();
        List<String> state = new ArrayList<>();
        for (FixupCell f : m.fixups()) {
            ImportCell c = info.cellOf(f);
            if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint stub) {
                if (info.methodDescForEntryPoint(stub.stubRva()) == null) {
                    state.add(String.format("its resumption stub at RVA 0x%X is not registered", stub.stubRva()));
                }
            } else if (!info.isCellResolved(c.section(), c.index())) {
                state.add(String.format("its %s cell ImportSection %d[%d] is unresolved", c.signature().kind(), c.section(), c.index()));
            }
        }
        return new FixupsNotRunException(String.format("%s in %s at RVA 0x%X: %s; the method's fixups have not run (it was entered"
                + " past its prestub, by a direct call)", what, m.label(), rva, state.isEmpty() ? "its fixup list is empty" : String.join(", ", state)));
    }
}
