package r2rlab.repro;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Collectors;
import r2rlab.format.FormatException;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * B7: the reader's list of instance methods — the list r2rdump prints as InstanceMethods and diffs —
 * against the InstanceMethodEntryPoints section it stands for, on a real image or an emitted one. The
 * buggy enumeration appends the synthetic resumption-stub methods.
 */
final class InstanceMethodsDriver implements RunDriver {
    @Override
    public Observation observe(Regression r, Target t, boolean buggy) {
        Observation o = new Observation(t.name(), buggy);
        R2RImage img;
        if (r.image() != null) {
            try {
                byte[] bytes = Files.readAllBytes(r.image());
                img = R2RImage.read(r.image().getFileName().toString(), bytes);
                o.image(img, bytes);
            } catch (IOException | FormatException e) {
                throw new ReproException(r.image() + ": " + e.getMessage(), e);
            }
            if (img.pe().machine() != t.arch().machine) {
                throw new ReproException(r.image() + " is " + img.pe().machine().archName + ", not " + t.name());
            }
        } else {
            img = Images.emit(r, t, buggy, o);
            if (img == null) {
                return o;
            }
        }
        List<ReadyToRunMethod> listed = img.instanceMethods(buggy && r.defect().is(RuntimeDefect.STUBS_AMONG_INSTANCE_METHODS));
        long entries = img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS);
        List<ReadyToRunMethod> stubs = listed.stream().filter(m -> m.kind() == CodeBodyKind.RESUMPTION_STUB).collect(Collectors.toList());
        o.fact(SymptomKind.LISTED, listed.size());
        o.fact(SymptomKind.SECTION_ENTRIES, entries);
        o.fact(SymptomKind.STUBS_LISTED, stubs.size());
        o.summary(String.format("InstanceMethods lists %d methods, the section has %d entries%s", listed.size(), entries,
                stubs.isEmpty() ? "; the " + img.resumptionStubs().size() + " resumption stubs are listed apart"
                        : "; " + stubs.size() + " of them are resumption stubs with no entry (e.g. " + stubs.get(0).name() + ")"));
        for (ReadyToRunMethod m : stubs) {
            o.note("listed without an entry: [RESUME] " + m.name());
        }
        return o;
    }
}
