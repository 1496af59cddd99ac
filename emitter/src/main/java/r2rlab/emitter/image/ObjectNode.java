package r2rlab.emitter.image;

import java.util.List;
import r2rlab.format.BlobBuilder;
import r2rlab.format.pe.Relocation;

/**
 * A block of bytes the image holds: code, read-only data, a table, import cells. Its symbol names
 * its first byte; relocations inside it refer to other symbols and are patched once every node has
 * an RVA. Named after crossgen2's object nodes.
 */
public record ObjectNode(String symbol, SectionKind section, int alignment, byte[] bytes, List<Relocation> relocations) {
    public ObjectNode {
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        relocations = List.copyOf(relocations);
    }

    public static ObjectNode of(String symbol, SectionKind section, int alignment, byte[] bytes) {
        return new ObjectNode(symbol, section, alignment, bytes, List.of());
    }

    /** The bytes and relocations written into {@code blob}. */
    public static ObjectNode of(String symbol, SectionKind section, int alignment, BlobBuilder blob) {
        return new ObjectNode(symbol, section, alignment, blob.toByteArray(), blob.relocations());
    }

    public int size() {
        return bytes.length;
    }
}
