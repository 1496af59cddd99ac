package r2rlab.repro;

import java.util.Locale;

/**
 * The observable facts a regression file can expect, by the key it writes them under. Drivers record
 * the facts they observe under these keys; each kind says how an expected value matches the observed
 * one. A new kind of symptom is one value here and the driver code that records it.
 */
public enum SymptomKind {
    OUTCOME("outcome", Match.EQUALS, "how the run ended: returned, threw, faulted, emit-failed, rejected"),
    RETURNS("returns", Match.EQUALS, "the value the entry method returned (its Task's result)"),
    THROWS("throws", Match.EQUALS, "the code of the exception the run ended with"),
    FAULT("fault", Match.EQUALS, "the fault kind (RUNTIME_ASSERTION, FETCH_UNMAPPED, UNALIGNED_ACCESS, ...)"),
    AT("at", Match.LOCATION, "where it faulted: a method or part (\"Demo.M\", \"Demo.M [cold]\"; any offset), \"Demo.M+0x1C\" (exactly), a helper"),
    ASSERTION("assertion", Match.CONTAINS, "text the failed assertion's message contains"),
    MESSAGE("message", Match.CONTAINS, "text the fault's message contains"),
    CELL("cell", Match.CELL, "the import cell the fault names: Section[index] (decimal) or Section[text of its signature]"),
    NAMED_SECTION("named-section", Match.EQUALS, "the import section the thunk named (x9, the pushed index)"),
    ACTUAL_SECTION("actual-section", Match.EQUALS, "the import section that holds the cell the worker was given"),
    EMIT_ERROR("emit-error", Match.CONTAINS, "text of the error the emitter failed with"),
    PATCHED_CELL("patched-cell", Match.CELL, "the cell the worker patched where the fixed run's worker patched another"),
    INTENDED_CELL("intended-cell", Match.CELL, "the cell the fixed run's worker patched at that point"),
    MISATTRIBUTED("misattributed", Match.EQUALS, "the first walk frame the code manager attributes wrongly: \"CODE -> METHOD\""),
    WALKS("walks", Match.EQUALS, "whether every frame of every stack walk is attributed as the image lists it: attributed, misattributed, none"),
    RESUME_INFO_OFF("resume-info-off", Match.EQUALS, "bytes between the ResumeInfo the faulting continuation carries and the fixed image's record for its state"),
    STUB_FIXUPS("stub-fixups", Match.EQUALS, "the most ResumptionStubEntryPoint cells one fixup list has for one stub"),
    IDENTICAL("identical", Match.SAME_IN_BOTH, "facts (comma-separated) that must be the same in both runs"),
    DEPENDENCIES("dependencies", Match.EQUALS, "the signature node's dependencies in its relocs-only pass"),
    BLOB("blob", Match.EQUALS, "the signature node's bytes in its emission pass, relocation targets named"),
    IMAGE("image", Match.EQUALS, "SHA-256 of the emitted image"),
    ALLOCATED("allocated", Match.EQUALS, "stub MethodDescs allocated"),
    FREED("freed", Match.EQUALS, "stub MethodDescs their allocation tracker freed"),
    LEAKED("leaked", Match.EQUALS, "stub MethodDescs kept with SuppressRelease but referenced by nothing"),
    MAP("map", Match.EQUALS, "what the entry-point map holds for the stub"),
    LISTED("listed", Match.EQUALS, "methods the reader lists as instance methods"),
    SECTION_ENTRIES("section-entries", Match.EQUALS, "entries of the InstanceMethodEntryPoints section"),
    STUBS_LISTED("stubs-listed", Match.EQUALS, "resumption stubs among the listed instance methods"),
    MAP_BYTES("map-bytes", Match.EQUALS, "bytes of GC map the writer wrote"),
    RUNTIME_READS("runtime-reads", Match.EQUALS, "bytes of GC map the runtime's decoder reads for that size"),
    DECODED_MAP("decoded-map", Match.EQUALS, "the GC map as the decoder read it (hex)"),
    MISREAD("misread", Match.EQUALS, "bytes of what follows the map that the decoder took as map data (hex), or none"),
    STALE_REFERENCE("stale-reference", Match.CONTAINS, "text of the first stale reference a collection found (a continuation cell its"
            + " GC map leaves clear holding an object's old address, B8; a root pointing at no object)"),
    GC_PROBLEM("gc-problem", Match.CONTAINS, "text of the first problem a collection reported (a frame walked with the wrong GcInfo, a stale reference)"),
    BARRIER("barrier", Match.CONTAINS, "text of the first store the write-barrier checker found made without the barrier, or none");

    /** How an expected value matches an observed one. */
    public enum Match {
        /** Equal text; numbers compare by value (16 = 0x10). */
        EQUALS,
        /** The observed text contains the expected one. */
        CONTAINS,
        /** A code location: the expected name with any offset, or exactly the expected name+offset. */
        LOCATION,
        /** An import cell: Section[index] or Section[text], against "Section[index] signature". */
        CELL,
        /** A list of fact keys whose values must be equal in the buggy and the fixed run. */
        SAME_IN_BOTH
    }

    public final String key;
    public final Match match;
    public final String description;

    SymptomKind(String key, Match match, String description) {
        this.key = key;
        this.match = match;
        this.description = description;
    }

    static SymptomKind byKey(String key) {
        for (SymptomKind k : values()) {
            if (k.key.equals(key.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        return null;
    }

    /** Whether {@code observed} (as a driver recorded it) satisfies {@code expected} (as the file writes it). */
    boolean matches(String expected, String observed) {
        if (observed == null) {
            return false;
        }
        String e = expected.trim();
        String o = observed.trim();
        switch (match) {
            case CONTAINS:
                return o.contains(e);
            case LOCATION:
                return o.equals(e) || o.startsWith(e + "+0x");
            case CELL:
                return cellMatches(e, o);
            default:
                Long a = number(e);
                Long b = number(o);
                return a != null && b != null ? a.longValue() == b.longValue() : o.equals(e);
        }
    }

    /** "MethodImports[3]" or "MethodImports[Demo.Calls.Clamp]" against "MethodImports[3] MethodEntry_DefToken Demo.Calls.Clamp". */
    private static boolean cellMatches(String expected, String observed) {
        int eb = expected.indexOf('[');
        int ob = observed.indexOf('[');
        if (eb <= 0 || ob <= 0 || !expected.endsWith("]") || !expected.substring(0, eb).equals(observed.substring(0, ob))) {
            return false;
        }
        int oe = observed.indexOf(']', ob);
        if (oe < 0) {
            return false;
        }
        String inner = expected.substring(eb + 1, expected.length() - 1).trim();
        if (inner.matches("[0-9]+")) {
            return inner.equals(observed.substring(ob + 1, oe));
        }
        return observed.substring(oe + 1).contains(inner);
    }

    /** A decimal or 0x-hexadecimal integer, possibly negative, or null. */
    static Long number(String s) {
        String t = s.trim();
        boolean negative = t.startsWith("-");
        if (negative) {
            t = t.substring(1);
        }
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether a file's value for this kind is well-formed; the problem, or null. */
    String validate(String value) {
        if (value.isBlank()) {
            return "'" + key + "' needs a value";
        }
        if (match == Match.SAME_IN_BOTH) {
            for (String k : value.split(",")) {
                SymptomKind kind = byKey(k.trim());
                if (kind == null || kind.match == Match.SAME_IN_BOTH) {
                    return "'" + key + "' lists fact kinds (\"dependencies, blob\"); '" + k.trim() + "' is none";
                }
            }
        }
        if (match == Match.CELL) {
            int b = value.indexOf('[');
            if (b <= 0 || !value.trim().endsWith("]")) {
                return "'" + key + "' names a cell as Section[index] or Section[text of its signature], not '" + value + "'";
            }
        }
        return null;
    }
}
