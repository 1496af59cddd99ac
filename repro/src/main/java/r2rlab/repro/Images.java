package r2rlab.repro;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/** Emitting a regression's scenario for one variant, and what the drivers look up in an image. */
final class Images {
    private Images() {
    }

    /** Emits and reads the image of {@code r}'s scenario for {@code t}; an emitter failure is recorded on {@code o} and gives null. */
    static R2RImage emit(Regression r, Target t, boolean buggy, Observation o) {
        EmitOptions options = EmitOptions.of(t.arch()).withDefects(r.defect().emitterDefects(buggy)).withStubLayout(r.options().stubLayout());
        byte[] bytes;
        try {
            bytes = Emitter.emit(r.scenario(), options);
        } catch (EmitException e) {
            o.fact(SymptomKind.OUTCOME, "emit-failed");
            o.fact(SymptomKind.EMIT_ERROR, e.getMessage());
            o.summary("emit failed: " + e.getMessage());
            return null;
        }
        R2RImage img = R2RImage.read(r.name() + "-" + t.name() + (buggy ? "-buggy" : "-fixed") + ".dll", bytes);
        o.image(img, bytes);
        return img;
    }

    /** The MethodDef token of the method with R2R code named {@code name} as dump names it. */
    static int methodDefToken(R2RImage img, String name) {
        for (ReadyToRunMethod m : img.methods()) {
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS && m.name().equals(name)) {
                return m.token();
            }
        }
        throw new ReproException("the image has no R2R code for " + name);
    }

    /** The async variant of the method named {@code name} (from InstanceMethodEntryPoints), or null. */
    static ReadyToRunMethod asyncVariant(R2RImage img, String name) {
        for (ReadyToRunMethod m : img.methods()) {
            if (m.kind() == CodeBodyKind.ASYNC_VARIANT && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS && m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }

    /** The ResumptionStubEntryPoint cells of a fixup list. */
    static List<ImportCell> stubCells(ImageSymbols syms, List<FixupCell> fixups) {
        return fixups.stream().map(syms::cell).filter(c -> c != null && c.signature() instanceof FixupSignature.ResumptionStubEntryPoint)
                .toList();
    }

    /** The most ResumptionStubEntryPoint cells any one fixup list of the image has for one stub. */
    static int stubFixupsPerStub(R2RImage img) {
        int most = 0;
        ImageSymbols syms = new ImageSymbols(img);
        for (ReadyToRunMethod m : img.methods()) {
            Map<Long, Integer> perStub = new HashMap<>();
            for (ImportCell c : stubCells(syms, m.fixups())) {
                perStub.merge(((FixupSignature.ResumptionStubEntryPoint) c.signature()).stubRva(), 1, Integer::sum);
            }
            for (int n : perStub.values()) {
                most = Math.max(most, n);
            }
        }
        return most;
    }
}
