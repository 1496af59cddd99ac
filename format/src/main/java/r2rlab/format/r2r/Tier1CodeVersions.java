package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * r2rlab's own section of second (Tier1) code versions ({@link R2RLabSections#TIER1_CODE_VERSIONS},
 * docs/emitter.md): the bodies the entry-point tables do not reach, which only the tiering model
 * publishes. A u32 count, then one {@link Entry} per body.
 */
public record Tier1CodeVersions(List<Entry> entries) {
    public static final int COUNT_OFFSET = 0;
    /** Where the entries start. */
    public static final int ENTRIES_OFFSET = 4;
    public static final String NAME = "R2RLabTier1CodeVersions";

    public Tier1CodeVersions {
        entries = List.copyOf(entries);
    }

    /**
     * One body: its MethodDef token, its kind, its runtime function index, its code RVA and the RVA of
     * its nibble fixup list (0 when it has none).
     */
    public record Entry(int methodToken, CodeBodyKind kind, long runtimeFunction, long codeRva, long fixupsRva) {
        public static final int METHOD_TOKEN_OFFSET = 0;
        public static final int KIND_OFFSET = 4;
        public static final int RUNTIME_FUNCTION_OFFSET = 8;
        public static final int CODE_RVA_OFFSET = 12;
        public static final int FIXUPS_RVA_OFFSET = 16;
        public static final int SIZE = 20;

        public static Entry read(ByteReader file, long offset) {
            String s = NAME + " entry";
            file.require(s, offset, SIZE);
            long kind = file.u32(s, offset + KIND_OFFSET);
            CodeBodyKind k = CodeBodyKind.fromValue(kind);
            if (k == null) {
                throw new FormatException(s, offset + KIND_OFFSET, "body kind " + kind + " is none of 0 to 3");
            }
            return new Entry(file.i32(s, offset + METHOD_TOKEN_OFFSET), k, file.u32(s, offset + RUNTIME_FUNCTION_OFFSET),
                    file.u32(s, offset + CODE_RVA_OFFSET), file.u32(s, offset + FIXUPS_RVA_OFFSET));
        }

        public void write(BlobBuilder b) {
            b.u32(methodToken).u32(kind.value).u32(runtimeFunction).u32(codeRva).u32(fixupsRva);
        }
    }

    /** Reads the section of {@code size} bytes at {@code offset}. */
    public static Tier1CodeVersions read(ByteReader file, long offset, long size) {
        long count = file.u32(NAME, offset + COUNT_OFFSET);
        if (count > (size - ENTRIES_OFFSET) / Entry.SIZE) {
            throw new FormatException(NAME, offset + COUNT_OFFSET, count + " Tier1 entries do not fit the section of " + size + " bytes");
        }
        List<Entry> entries = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            entries.add(Entry.read(file, offset + ENTRIES_OFFSET + (long) i * Entry.SIZE));
        }
        return new Tier1CodeVersions(entries);
    }

    public void write(BlobBuilder b) {
        b.u32(entries.size());
        entries.forEach(e -> e.write(b));
    }

    public int size() {
        return ENTRIES_OFFSET + Entry.SIZE * entries.size();
    }
}
