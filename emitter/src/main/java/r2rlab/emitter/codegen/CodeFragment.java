package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.format.pe.Relocation;

/**
 * One runtime function's worth of code: the main body, a cold part, a funclet, or an unwind fragment of one of them. {@code unwindInfo} is the
 * architecture's raw unwind record (x64 UNWIND_INFO, ARM64 .xdata) as the prolog really is; the writer adds the
 * handler flags, the personality routine and the GC info as crossgen2 does.
 */
public record CodeFragment(String symbol, Kind kind, byte[] code, List<Relocation> relocations, byte[] unwindInfo, int prologSize) {
    /** What part of a body the fragment is. */
    public enum Kind {
        /** The body's entry: its main code. */
        MAIN,
        /** The cold part of a body split by defect B4, reached through the HotColdMap. */
        COLD,
        /**
         * A handler, laid out right after the main code (after the cold part when split) and the funclets before it, as the
         * JIT lays funclets out.
         */
        FUNCLET,
        /**
         * A later unwind fragment of the main code or a funclet, right after the fragment before it: ARM64 code past what
         * one .xdata record covers (FunctionLength, 18 bits of instructions), split as the JIT's UnwindInfo::Split does.
         * Its record has a phantom prolog; the GC info follows only the main record.
         */
        FRAGMENT
    }

    /** Symbol of unwind fragment {@code k} (1, 2, ...) of the code at {@code symbol}. */
    public static String fragmentSymbol(String symbol, int k) {
        return symbol + "$fragment" + k;
    }

    public CodeFragment {
        relocations = List.copyOf(relocations);
    }
}
