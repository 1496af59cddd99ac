package r2rlab.repro;

import java.util.EnumSet;
import java.util.Set;

/** How a regression is run: what it builds, what it runs and what it observes. */
public enum Driver {
    /** Emit the scenario, run its entry method in the emulated runtime (the default). */
    EMULATE("emulate"),
    /** Build the ResumptionStubEntryPoint signature node in its dependency pass and its emission pass (B5), and emit the scenario. */
    SIGNATURE_NODE("signature-node"),
    /** Several threads resolve the same ResumptionStubEntryPoint fixup of the emitted image, interleaved to lose the race (B6). */
    REGISTRATION_RACE("registration-race"),
    /** The reader's list of instance methods against the InstanceMethodEntryPoints section (B7), on an emitted or a real image. */
    INSTANCE_METHODS("instance-methods"),
    /** A type layout's GC map written and read back as the runtime reads it (B8), per pointer size. */
    GC_MAP("gc-map"),
    /** Listed only: r2rlab has no model of the defect (the file says why). */
    NOT_MODELLED("not-modelled");

    public final String key;

    Driver(String key) {
        this.key = key;
    }

    private static final Set<SymptomKind> ALWAYS = EnumSet.of(SymptomKind.OUTCOME, SymptomKind.EMIT_ERROR, SymptomKind.MESSAGE,
            SymptomKind.IDENTICAL);

    /** Whether this driver records facts of {@code kind} (a file expecting another kind is told so). */
    boolean observes(SymptomKind kind) {
        if (ALWAYS.contains(kind)) {
            return this != NOT_MODELLED;
        }
        switch (this) {
            case EMULATE:
                return EnumSet.of(SymptomKind.RETURNS, SymptomKind.THROWS, SymptomKind.FAULT, SymptomKind.AT, SymptomKind.ASSERTION,
                        SymptomKind.CELL, SymptomKind.NAMED_SECTION, SymptomKind.ACTUAL_SECTION, SymptomKind.PATCHED_CELL,
                        SymptomKind.INTENDED_CELL, SymptomKind.MISATTRIBUTED, SymptomKind.WALKS, SymptomKind.RESUME_INFO_OFF,
                        SymptomKind.STUB_FIXUPS, SymptomKind.GC_PROBLEM, SymptomKind.STALE_REFERENCE, SymptomKind.BARRIER).contains(kind);
            case SIGNATURE_NODE:
                return EnumSet.of(SymptomKind.DEPENDENCIES, SymptomKind.BLOB, SymptomKind.IMAGE).contains(kind);
            case REGISTRATION_RACE:
                return EnumSet.of(SymptomKind.ALLOCATED, SymptomKind.FREED, SymptomKind.LEAKED, SymptomKind.MAP).contains(kind);
            case INSTANCE_METHODS:
                return EnumSet.of(SymptomKind.LISTED, SymptomKind.SECTION_ENTRIES, SymptomKind.STUBS_LISTED).contains(kind);
            case GC_MAP:
                return EnumSet.of(SymptomKind.MAP_BYTES, SymptomKind.RUNTIME_READS, SymptomKind.DECODED_MAP, SymptomKind.MISREAD).contains(kind);
            default:
                return false;
        }
    }

    static Driver byKey(String key) {
        for (Driver d : values()) {
            if (d.key.equals(key)) {
                return d;
            }
        }
        return null;
    }

    static String keys() {
        StringBuilder sb = new StringBuilder();
        for (Driver d : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(d.key);
        }
        return sb.toString();
    }
}
