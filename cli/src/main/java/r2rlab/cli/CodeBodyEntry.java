package r2rlab.cli;

import java.util.List;
import java.util.stream.Collectors;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.MethodRef;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/**
 * A {@code run --entry} that names a body only the runtime enters: an async variant ({@code [ASYNC] Ns.Type.Method},
 * as dump prints it, or {@code Ns.Type.Method [ASYNC]}) or a resumption stub ({@code [RESUME] Ns.Type.Method},
 * {@code Ns.Type.Method$ResumptionStub}, or both), the method named as dump prints it or by its MethodDef token
 * ({@code [ASYNC] 0x0600002B}).
 */
record CodeBodyEntry(ReadyToRunMethod variant, ResumptionStub stub) {
    private static final String ASYNC_SUFFIX = " [ASYNC]";
    private static final String RESUME_SUFFIX = " [RESUME]";

    /** The body {@code entry} names, or null when it carries no marker (a plain method). */
    static CodeBodyEntry parse(R2RImage img, String entry) {
        String[] rest = {entry.trim()};
        boolean async = strip(rest, MethodRef.ASYNC_MARKER, ASYNC_SUFFIX);
        boolean resume = strip(rest, MethodRef.RESUME_MARKER, RESUME_SUFFIX);
        resume |= strip(rest, null, R2RImage.STUB_SUFFIX);
        if (async && resume) {
            throw new BadInputException(entry + ": an entry is an async variant ([ASYNC]) or a resumption stub ([RESUME]), not both");
        }
        if (!async && !resume) {
            return null;
        }
        String name = rest[0].trim();
        Integer token = name.startsWith("0x") || name.startsWith("0X") ? RunCommand.resolveEntry(img, name) : null;
        List<ReadyToRunMethod> variants = img.methods().stream()
                .filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS
                        && (token != null ? m.token() == token : m.name().equals(name)))
                .collect(Collectors.toList());
        if (async) {
            return new CodeBodyEntry(one(variants, entry, token == null, "async variant", variants.stream()
                    .map(m -> String.format("0x%08X at RVA 0x%X", m.token(), m.entryRva())).collect(Collectors.toList())), null);
        }
        List<ResumptionStub> stubs = img.resumptionStubs().stream()
                .filter(s -> s.owner() != null && variants.contains(s.owner()))
                .collect(Collectors.toList());
        return new CodeBodyEntry(null, one(stubs, entry, token == null, "resumption stub", stubs.stream()
                .map(s -> String.format("stub at RVA 0x%X of 0x%08X", s.rva(), s.owner().token())).collect(Collectors.toList())));
    }

    /** Strips {@code prefix} or {@code suffix} from {@code name[0]}; whether it had one. */
    private static boolean strip(String[] name, String prefix, String suffix) {
        if (prefix != null && name[0].startsWith(prefix)) {
            name[0] = name[0].substring(prefix.length());
            return true;
        }
        if (name[0].endsWith(suffix)) {
            name[0] = name[0].substring(0, name[0].length() - suffix.length());
            return true;
        }
        return false;
    }

    private static <T> T one(List<T> found, String entry, boolean byName, String what, List<String> names) {
        if (found.isEmpty()) {
            throw new BadInputException("no " + what + " named " + entry + " (see r2rlab dump)");
        }
        if (found.size() > 1) {
            throw new BadInputException(entry + " names " + found.size() + " " + what + "s (" + String.join(", ", names) + ")"
                    + (byName ? "; name one by its method's token" : ""));
        }
        return found.get(0);
    }
}
