package r2rlab.repro;

import java.util.BitSet;
import java.util.HexFormat;
import r2rlab.emitter.Defect;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.r2r.SignatureWriter;
import r2rlab.format.r2r.TypeLayout;

/**
 * B8 on the encoder: a type layout of {@code size} bytes with references in the given cells, written
 * with the target's pointer size as crossgen2's TypeFixupSignature writes it (truncating when buggy),
 * followed by the bytes that come next in the signature blob, and read back as the runtime reads it
 * (the map's length from the size). The moving-collector half of B8 (the stale reference a GC leaves
 * behind) runs on an emitted image with the emulate driver, which records {@link SymptomKind#STALE_REFERENCE}.
 */
final class GcMapDriver implements RunDriver {
    @Override
    public Observation observe(Regression r, Target t, boolean buggy) {
        Observation o = new Observation(t.name(), buggy);
        RunOptions opt = r.options();
        int size = opt.layoutSize();
        int ptr = t.pointerSize();
        BitSet refs = new BitSet();
        opt.referenceCells().forEach(refs::set);
        boolean truncating = buggy && r.defect().emitter() == Defect.B8_GC_MAP_TRUNCATED;
        byte[] map;
        try {
            map = TypeLayout.gcMap(size, ptr, refs, truncating);
        } catch (IndexOutOfBoundsException e) {
            o.fact(SymptomKind.OUTCOME, "emit-failed");
            o.fact(SymptomKind.EMIT_ERROR, e.getMessage());
            o.summary("the writer failed: " + e.getMessage());
            return o;
        }
        SignatureWriter w = new SignatureWriter();
        TypeLayout.continuation(size, map).write(w);
        byte[] layout = w.toByteArray();
        byte[] following = opt.following();
        byte[] blob = new byte[layout.length + following.length];
        System.arraycopy(layout, 0, blob, 0, layout.length);
        System.arraycopy(following, 0, blob, layout.length, following.length);
        int reads = TypeLayout.gcMapLength(size, ptr);
        HexFormat hex = HexFormat.of();
        o.fact(SymptomKind.MAP_BYTES, map.length);
        o.fact(SymptomKind.RUNTIME_READS, reads);
        o.note("blob: " + HexFormat.ofDelimiter(" ").formatHex(blob) + " (layout " + HexFormat.ofDelimiter(" ").formatHex(layout)
                + ", then what follows)");
        TypeLayout read;
        try {
            read = TypeLayout.read(new SignatureReader(new ByteReader(blob), 0, blob.length, "type layout"), ptr);
        } catch (FormatException e) {
            o.fact(SymptomKind.OUTCOME, "decode-failed");
            o.fact(SymptomKind.MESSAGE, e.getMessage());
            o.summary(String.format("wrote a %d-byte GC map; the runtime reads %d and runs past the blob: %s", map.length, reads, e.getMessage()));
            return o;
        }
        int misread = Math.max(0, reads - map.length);
        byte[] taken = new byte[Math.min(misread, following.length)];
        System.arraycopy(following, 0, taken, 0, taken.length);
        o.fact(SymptomKind.OUTCOME, "decoded");
        o.fact(SymptomKind.DECODED_MAP, hex.formatHex(read.gcMap()));
        o.fact(SymptomKind.MISREAD, taken.length == 0 ? "none" : hex.formatHex(taken));
        int cells = (size + ptr - 1) / ptr;
        o.summary(taken.length == 0
                ? String.format("size %d, %d cells of %d bytes: wrote the %d-byte GC map %s; the runtime reads %d, the map %s",
                        size, cells, ptr, map.length, hex.formatHex(map), reads, hex.formatHex(read.gcMap()))
                : String.format("size %d, %d cells of %d bytes: wrote a %d-byte GC map %s; the runtime reads %d and takes %s of what follows "
                        + "as map data (map %s), so the next signature is read %d byte(s) late",
                        size, cells, ptr, map.length, hex.formatHex(map), reads, hex.formatHex(taken), hex.formatHex(read.gcMap()), misread));
        return o;
    }
}
