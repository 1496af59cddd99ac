package r2rlab.repro;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import r2rlab.emitter.Defect;
import r2rlab.emitter.r2r.ResumptionStubEntryPointSignature;
import r2rlab.emitter.r2r.SignatureData;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.loader.R2RImage;

/**
 * B5's question: does emitting the ResumptionStubEntryPoint kind byte only outside the relocs-only
 * (dependency) pass change anything? Builds the signature node in both passes and emits the scenario;
 * records the dependencies, the emission pass's bytes and the image's hash.
 */
final class SignatureNodeDriver implements RunDriver {
    private static final String STUB = "stub";

    @Override
    public Observation observe(Regression r, Target t, boolean buggy) {
        Observation o = new Observation(t.name(), buggy);
        boolean conditional = buggy && r.defect().emitter() == Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND;
        ResumptionStubEntryPointSignature node = new ResumptionStubEntryPointSignature(STUB, conditional);
        SignatureData relocsOnly = node.getData(true);
        SignatureData emitted = node.getData(false);
        o.fact(SymptomKind.DEPENDENCIES, node.dependencies());
        o.fact(SymptomKind.BLOB, describe(emitted));
        o.note("relocs-only pass: " + describe(relocsOnly) + " (only its relocation targets are used)");
        o.note("emission pass: " + describe(emitted));
        R2RImage img = Images.emit(r, t, buggy, o);
        if (img == null) {
            return o;
        }
        String sha = sha256(o.imageBytes());
        o.fact(SymptomKind.IMAGE, sha);
        o.summary("dependencies " + node.dependencies() + ", emitted blob " + describe(emitted) + ", image SHA-256 " + sha.substring(0, 16) + "...");
        return o;
    }

    /** "38 00 00 00 00, ADDR32NB to 'stub' at +1": the bytes and where each relocation goes. */
    static String describe(SignatureData d) {
        StringBuilder sb = new StringBuilder(HexFormat.ofDelimiter(" ").formatHex(d.bytes()));
        for (Relocation rel : d.relocations()) {
            sb.append(String.format(", %s to '%s'%s at +%d", RelocType.name(rel.type()), rel.symbol(),
                    rel.addend() == 0 ? "" : String.format(" + %d", rel.addend()), rel.offset()));
        }
        return sb.toString();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
