package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataBuilder.writeU16;
import static r2rlab.format.metadata.MetadataBuilder.writeU32;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import r2rlab.format.ByteReader;
import r2rlab.format.CompressedInteger;
import r2rlab.format.FormatException;

/**
 * The {@code #Strings}, {@code #US}, {@code #GUID} and {@code #Blob} heaps (II.24.2.3-II.24.2.5):
 * readers over the file bytes, and beside each reader the static writer {@link MetadataBuilder}
 * uses for the same entry layout.
 */
final class MetadataHeaps {
    private static final int GUID_SIZE = 16;

    /**
     * Where a heap index came from: an index read from a table cell is reported at that cell, an
     * index given by a caller ({@code null} site) at the heap.
     */
    @FunctionalInterface
    interface Site {
        FormatException error(String problem);
    }

    private record Heap(String name, long fileOffset, int size) {
        static Heap of(MetadataStream stream, String name, long rootOffset) {
            return stream != null ? new Heap(name, stream.fileOffset(), stream.size()) : new Heap(name, rootOffset, 0);
        }
    }

    private final ByteReader file;
    private final byte[] data;
    private final Heap strings;
    private final Heap userStrings;
    private final Heap guids;
    private final Heap blobs;

    MetadataHeaps(ByteReader file, MetadataRoot root, long rootOffset) {
        this.file = file;
        this.data = file.array();
        strings = Heap.of(root.strings, MetadataRoot.STRINGS, rootOffset);
        userStrings = Heap.of(root.userStrings, MetadataRoot.USER_STRINGS, rootOffset);
        guids = Heap.of(root.guids, MetadataRoot.GUIDS, rootOffset);
        blobs = Heap.of(root.blobs, MetadataRoot.BLOBS, rootOffset);
    }

    private static FormatException error(Heap heap, long index, Site site, String problem) {
        if (site == null) {
            long at = index < heap.size() ? heap.fileOffset() + index : heap.fileOffset();
            return new FormatException("Metadata " + heap.name(), at, problem);
        }
        return site.error(problem);
    }

    private static void checkIndex(Heap heap, long index, Site site) {
        if (index >= heap.size()) {
            throw error(heap, index, site, heap.name() + " index 0x" + Long.toHexString(index)
                    + " is past the end of the heap (size 0x" + Integer.toHexString(heap.size()) + ")");
        }
    }

    // ---------------------------------------------------------------- #Strings

    /** A #Strings entry (UTF-8, NUL-terminated); index 0 is the empty string. */
    String string(int index, Site site) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return "";
        }
        checkIndex(strings, idx, site);
        int start = (int) (strings.fileOffset() + idx);
        int end = (int) (strings.fileOffset() + strings.size());
        int nul = start;
        while (nul < end && data[nul] != 0) {
            nul++;
        }
        if (nul == end) {
            throw error(strings, idx, site, "string at #Strings index 0x" + Long.toHexString(idx) + " (file offset 0x"
                    + Integer.toHexString(start) + ") has no terminating NUL before the end of the heap");
        }
        return new String(data, start, nul - start, StandardCharsets.UTF_8);
    }

    static void writeString(ByteArrayOutputStream heap, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("#Strings entry contains a NUL character: " + value);
        }
        heap.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        heap.write(0);
    }

    // ---------------------------------------------------------------- #Blob

    /** A #Blob entry (compressed length, then the bytes); index 0 is the empty blob. */
    byte[] blob(int index, Site site) {
        int[] span = blobSpan(index, site);
        byte[] out = new byte[span[1]];
        System.arraycopy(data, span[0], out, 0, span[1]);
        return out;
    }

    /** {file offset of the blob's data, its length}. */
    int[] blobSpan(int index, Site site) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return new int[] {(int) blobs.fileOffset(), 0};
        }
        checkIndex(blobs, idx, site);
        return entry(blobs, idx, site);
    }

    static void writeBlob(ByteArrayOutputStream heap, byte[] value) {
        CompressedInteger.write(heap, value.length);
        heap.writeBytes(value);
    }

    /** The length-prefixed entry of a #Blob or #US heap at a checked in-range index. */
    private int[] entry(Heap heap, long idx, Site site) {
        int start = (int) (heap.fileOffset() + idx);
        int end = (int) (heap.fileOffset() + heap.size());
        String entry = heap.name() + " entry at index 0x" + Long.toHexString(idx);
        int header = CompressedInteger.length(data[start] & 0xFF);
        if (header == 0) {
            throw error(heap, idx, site, entry + String.format(" starts with 0x%02X, which is not a compressed length",
                    data[start] & 0xFF));
        }
        if (start + header > end) {
            throw error(heap, idx, site, entry + ": its length runs past the end of the heap");
        }
        long length = CompressedInteger.read(data, start, end, heap.name());
        if (start + header + length > end) {
            throw error(heap, idx, site, entry + " (file offset 0x" + Integer.toHexString(start) + ") of " + length
                    + " bytes runs past the end of the heap (size 0x" + Integer.toHexString(heap.size()) + ")");
        }
        return new int[] {start + header, (int) length};
    }

    // ---------------------------------------------------------------- #US

    /** A #US entry (UTF-16 string, its trailing flag byte dropped); index 0 is the empty string. */
    String userString(int index) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return "";
        }
        checkIndex(userStrings, idx, null);
        int[] span = entry(userStrings, idx, null);
        return new String(data, span[0], span[1] & ~1, StandardCharsets.UTF_16LE);
    }

    /** Compressed length of the UTF-16LE chars plus the trailing byte, the chars, the trailing byte. */
    static void writeUserString(ByteArrayOutputStream heap, String value) {
        byte[] chars = value.getBytes(StandardCharsets.UTF_16LE);
        CompressedInteger.write(heap, chars.length + 1);
        heap.writeBytes(chars);
        heap.write(userStringTrailer(value));
    }

    /** The II.24.2.4 trailing byte: 1 when some char has a non-zero high byte or a special low byte. */
    static int userStringTrailer(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x100 || (c >= 0x01 && c <= 0x08) || (c >= 0x0E && c <= 0x1F) || c == 0x27 || c == 0x2D
                    || c == 0x7F) {
                return 1;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- #GUID

    /** A #GUID entry (1-based index), or null for index 0. */
    UUID guid(int index, Site site) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return null;
        }
        if (idx * GUID_SIZE > guids.size()) {
            String problem = "#GUID index " + idx + " is past the end of the heap (" + guids.size() / GUID_SIZE
                    + " GUIDs)";
            throw site != null ? site.error(problem)
                    : new FormatException("Metadata " + guids.name(), guids.fileOffset(), problem);
        }
        int o = (int) (guids.fileOffset() + (idx - 1) * GUID_SIZE);
        String s = "Metadata #GUID";
        long d1 = file.u32(s, o);
        long d2 = file.u16(s, o + 4);
        long d3 = file.u16(s, o + 6);
        long hi = d1 << 32 | d2 << 16 | d3;
        long lo = 0;
        for (int i = 8; i < GUID_SIZE; i++) {
            lo = lo << 8 | (data[o + i] & 0xFF);
        }
        return new UUID(hi, lo);
    }

    /** Data1 (u32), Data2, Data3 (u16) little-endian, then Data4 as 8 bytes in order. */
    static void writeGuid(ByteArrayOutputStream heap, UUID value) {
        long hi = value.getMostSignificantBits();
        long lo = value.getLeastSignificantBits();
        writeU32(heap, (int) (hi >>> 32));
        writeU16(heap, (int) (hi >>> 16));
        writeU16(heap, (int) hi);
        for (int shift = 56; shift >= 0; shift -= 8) {
            heap.write((int) (lo >>> shift) & 0xFF);
        }
    }

    /** Number of entries of the #GUID heap being written. */
    static int guidCount(ByteArrayOutputStream heap) {
        return heap.size() / GUID_SIZE;
    }
}
