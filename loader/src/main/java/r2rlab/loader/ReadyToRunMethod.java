package r2rlab.loader;

import java.util.List;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;

/**
 * A code body in the image: which of a method's bodies it is, where its entry point was found (MethodDefEntryPoints,
 * InstanceMethodEntryPoints, or a ResumptionStubEntryPoint fixup), its name and token (0 for a
 * resumption stub), its entry runtime function, every runtime function that belongs to it (main
 * body first, then funclets and cold parts) and its fixup list.
 */
public record ReadyToRunMethod(String name, int token, CodeBodyKind kind, MethodRef signature,
                               int entryRuntimeFunction, long entryRva, List<FixupCell> fixups,
                               List<Integer> runtimeFunctions, Source source) {
    /** Where the entry point was found. */
    public enum Source {
        METHOD_DEF_ENTRY_POINTS,
        INSTANCE_ENTRY_POINTS,
        RESUMPTION_STUB_FIXUP,
        /** r2rlab's own section of second code versions, which only the tiering model publishes. */
        TIER1_CODE_VERSIONS
    }

    /**
     * The name as {@code dump} shows it wherever it names this body: "[ASYNC] ", "[RESUME] ", then
     * "[UNBOX] " and "[INST] " from the entry's signature, then the name.
     */
    public String label() {
        String marker = kind == CodeBodyKind.RESUMPTION_STUB ? MethodRef.RESUME_MARKER : "";
        String flags = signature == null ? ""
                : (signature.isUnboxingStub() ? "[UNBOX] " : "") + (signature.isInstantiatingStub() ? "[INST] " : "");
        return MethodRef.label(marker + flags + name, kind == CodeBodyKind.ASYNC_VARIANT);
    }
}
