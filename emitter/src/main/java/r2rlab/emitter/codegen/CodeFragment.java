package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.format.pe.Relocation;

/**
 * One runtime function's worth of code: the main body, or a cold part. {@code unwindInfo} is the
 * architecture's raw unwind record (x64 UNWIND_INFO, ARM64 .xdata) as the prolog really is; the
 * writer adds the handler flags, the personality routine and the GC info as crossgen2 does.
 */
public record CodeFragment(String symbol, byte[] code, List<Relocation> relocations, byte[] unwindInfo, int prologSize) {
    public CodeFragment {
        relocations = List.copyOf(relocations);
    }
}
