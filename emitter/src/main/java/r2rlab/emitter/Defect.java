package r2rlab.emitter;

import java.util.Locale;

/**
 * The compile-side defects of the modelled change (runtime-async.md section B) and the departures from the
 * protocols of the real images (fidelity switches), each switchable by name. The default is the fixed
 * behaviour; each value is consulted at the one place where the fixed and the buggy behaviour differ.
 */
public enum Defect {
    /** B1: the resumption stub calls its async variant through a MethodEntry import cell, so tier-up redirects it. */
    B1_STUB_CALLS_THROUGH_CELL("stub-via-cell"),
    /**
     * B2: ARM64 calls of the context methods the async transformation inserts (CaptureContexts, RestoreContexts,
     * RestoreContextsOnSuspension, CaptureExecutionContext, RestoreExecutionContext) load the cell into x16 only,
     * leaving x11 stale.
     */
    B2_HELPER_CALL_WITHOUT_X11("helper-call-without-x11"),
    /** B2: the ARM64 tail-jump epilog uses x16 for both cell and target and never writes x11. */
    B2_JMP_EPILOG_X16("jmp-epilog-x16"),
    /** B3: the PE writer rejects page-relative relocations (ADRP/ADD/LDR) with non-zero addends. */
    B3_REJECT_PAGE_ADDENDS("reject-page-addends"),
    /** B3: the PE writer takes the page of S instead of S + A, adding A only to the low 12 bits. */
    B3_DROP_PAGE_ADDENDS("drop-page-addends"),
    /** B4: async methods are hot/cold split: suspension code in a cold runtime function, with a HotColdMap. */
    B4_HOT_COLD_SPLIT("hot-cold-split"),
    /** B5: the relocs-only pass emits the ResumptionStubEntryPoint kind byte only outside relocs-only mode. */
    B5_RELOCS_ONLY_CONDITIONAL_KIND("relocs-only-kind-byte"),
    /** B8: the GC pointer map of a type layout is sized by truncating division. */
    B8_GC_MAP_TRUNCATED("gc-map-truncated"),
    /**
     * B8's one-byte-short GC map, forced onto every ContinuationLayout whose map spans more than one byte. The truncating
     * writer ({@link #B8_GC_MAP_TRUNCATED}) shortens a map only for a size that is not a multiple of the pointer size,
     * and continuation sizes always are (all 280 ContinuationLayout cells of the .NET 11 images), so this switch is
     * what shows the runtime half on an emitted image: the runtime reads the byte after the signature as the map's
     * last byte, and a reference in a cell that byte leaves clear is neither traced nor updated by a moving collection.
     */
    B8_CONTINUATION_MAP_SHORT("continuation-map-short"),
    /** B10: a compile retry adds a second, duplicate ResumptionStubEntryPoint fixup. */
    B10_DUPLICATE_STUB_FIXUP("duplicate-stub-fixup"),
    /**
     * Continuation.Flags written with CoreLib main's split (Exception bits 7-9, Result from bit 10) instead of the
     * R2R 18.5 split the runtime of these images reads (Exception bits 3-4, Result from bit 7).
     */
    FLAGS_SPLIT_CORELIB_MAIN("flags-split-corelib-main"),
    /**
     * The language's plain {@code call} and {@code await} call the callee's body directly ({@code call rel32} /
     * {@code bl}) instead of through a MethodEntry cell: the runtime never looks the callee's entry point up, so its
     * fixups do not run before it does.
     */
    DIRECT_CALLS("direct-calls"),
    /**
     * A store of a reference into an object's field ({@code o.first = b}, {@code new Pair(a, b)}) is a plain store, without
     * the WriteBarrier helper: the runtime's GC never learns that the object now refers to another (a generational GC
     * misses the new reference of an old object; heap verification reports it).
     */
    DROPPED_WRITE_BARRIER("dropped-write-barrier");

    /** The name used on the command line ({@code --defect NAME}); the enum name and "B1".."B10" also work. */
    public final String cliName;

    Defect(String cliName) {
        this.cliName = cliName;
    }

    /** The defect named {@code name}: its CLI name, its enum name, or its catalogue id when that is unique. */
    public static Defect byName(String name) {
        String n = name.trim();
        for (Defect d : values()) {
            if (d.cliName.equalsIgnoreCase(n) || d.name().equalsIgnoreCase(n)) {
                return d;
            }
        }
        Defect only = null;
        for (Defect d : values()) {
            if (d.name().toUpperCase(Locale.ROOT).startsWith(n.toUpperCase(Locale.ROOT) + "_")) {
                if (only != null) {
                    throw new IllegalArgumentException("defect id " + name + " names several defects; use one of: " + namesOf(n));
                }
                only = d;
            }
        }
        if (only == null) {
            throw new IllegalArgumentException("unknown defect '" + name + "'; known: " + namesOf(""));
        }
        return only;
    }

    private static String namesOf(String prefix) {
        StringBuilder sb = new StringBuilder();
        for (Defect d : values()) {
            if (d.name().startsWith(prefix.toUpperCase(Locale.ROOT))) {
                sb.append(sb.length() > 0 ? ", " : "").append(d.cliName);
            }
        }
        return sb.toString();
    }
}
