package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataBuilder.writeU16;
import static r2rlab.format.metadata.MetadataBuilder.writeU32;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * The metadata root (II.24.2.1) and its stream headers (II.24.2.2): signature "BSJB", major and
 * minor version, a reserved u32, the version string's padded length and bytes, Flags, the stream
 * count, then per stream its offset from the root, its size and its NUL-padded name.
 *
 * <p>{@link #read} also picks the streams {@link Metadata} works with: the first stream of each
 * name wins, and a root must have exactly one kind of table stream.
 */
final class MetadataRoot {
    /** "BSJB" read as a little-endian u32. */
    static final int SIGNATURE = 0x424A5342;
    static final String COMPRESSED_TABLES = "#~";
    /** Uncompressed (edit-and-continue) table stream, with pointer tables. */
    static final String UNCOMPRESSED_TABLES = "#-";
    static final String STRINGS = "#Strings";
    static final String USER_STRINGS = "#US";
    static final String GUIDS = "#GUID";
    static final String BLOBS = "#Blob";
    /** Marks a minimal-delta image: every index column is 4 bytes wide. */
    static final String MINIMAL_DELTA = "#JTD";

    private static final int MAJOR_VERSION = 1;
    private static final int MINOR_VERSION = 1;
    private static final int MAJOR_VERSION_OFFSET = 4;
    private static final int MINOR_VERSION_OFFSET = 6;
    private static final int VERSION_LENGTH_OFFSET = 12;
    private static final int VERSION_OFFSET = 16;
    /** Signature, versions, reserved, length, an empty version string, Flags and stream count. */
    private static final int MIN_SIZE = VERSION_OFFSET + 4;
    private static final int STREAM_HEADER_FIXED = 8;
    private static final int MAX_STREAM_NAME = 32;

    final int majorVersion;
    final int minorVersion;
    final String versionString;
    final List<MetadataStream> streams;
    final MetadataStream tables;
    /** The heaps; null when the root has no stream of that name. */
    final MetadataStream strings;
    final MetadataStream userStrings;
    final MetadataStream guids;
    final MetadataStream blobs;
    final boolean minimalDelta;

    private MetadataRoot(int majorVersion, int minorVersion, String versionString, List<MetadataStream> streams,
            MetadataStream tables, MetadataStream strings, MetadataStream userStrings, MetadataStream guids,
            MetadataStream blobs, boolean minimalDelta) {
        this.majorVersion = majorVersion;
        this.minorVersion = minorVersion;
        this.versionString = versionString;
        this.streams = streams;
        this.tables = tables;
        this.strings = strings;
        this.userStrings = userStrings;
        this.guids = guids;
        this.blobs = blobs;
        this.minimalDelta = minimalDelta;
    }

    static MetadataRoot read(ByteReader file, long fileOffset, int size) {
        byte[] data = file.array();
        String root = "Metadata root";
        if (size < MIN_SIZE) {
            throw new FormatException(root, fileOffset, "metadata size " + size
                    + " is too small for a metadata root (at least " + MIN_SIZE + " bytes)");
        }
        file.require(root, fileOffset, size);
        int signature = file.i32(root, fileOffset);
        if (signature != SIGNATURE) {
            throw new FormatException(root, fileOffset, String.format(
                    "signature 0x%08X is not 0x%08X (\"BSJB\")", signature, SIGNATURE));
        }
        int major = file.u16(root, fileOffset + MAJOR_VERSION_OFFSET);
        int minor = file.u16(root, fileOffset + MINOR_VERSION_OFFSET);
        long versionLength = file.u32(root, fileOffset + VERSION_LENGTH_OFFSET);
        if (VERSION_OFFSET + versionLength + 4 > size) {
            throw new FormatException(root, fileOffset + VERSION_LENGTH_OFFSET, "version string length "
                    + versionLength + " runs past the end of the metadata (size 0x" + Integer.toHexString(size) + ")");
        }
        int vStart = (int) (fileOffset + VERSION_OFFSET);
        int vEnd = vStart;
        while (vEnd < vStart + versionLength && data[vEnd] != 0) {
            vEnd++;
        }
        String version = new String(data, vStart, vEnd - vStart, StandardCharsets.UTF_8);
        long pos = VERSION_OFFSET + versionLength;
        int streamCount = file.u16(root, fileOffset + pos + 2); // after the Flags u16
        pos += 4;

        List<MetadataStream> list = new ArrayList<>();
        MetadataStream tables = null;
        MetadataStream str = null;
        MetadataStream us = null;
        MetadataStream guid = null;
        MetadataStream blob = null;
        boolean jtd = false;
        for (int i = 0; i < streamCount; i++) {
            String sh = "Metadata stream header[" + i + "]";
            long h = fileOffset + pos;
            if (pos + STREAM_HEADER_FIXED + 1 > size) {
                throw new FormatException(sh, h, "stream header runs past the end of the metadata (size 0x"
                        + Integer.toHexString(size) + ", " + streamCount + " streams declared)");
            }
            long off = file.u32(sh, h);
            long sz = file.u32(sh, h + 4);
            int nameStart = (int) (h + STREAM_HEADER_FIXED);
            int nameLimit = (int) Math.min(nameStart + (long) MAX_STREAM_NAME, fileOffset + size);
            int nameEnd = nameStart;
            while (nameEnd < nameLimit && data[nameEnd] != 0) {
                nameEnd++;
            }
            if (nameEnd == nameLimit) {
                throw new FormatException(sh, nameStart, "stream name has no terminating NUL within "
                        + (nameLimit - nameStart) + " bytes");
            }
            String name = new String(data, nameStart, nameEnd - nameStart, StandardCharsets.US_ASCII);
            if (off + sz > size) {
                throw new FormatException(sh + " \"" + name + "\"", h, "stream at offset 0x" + Long.toHexString(off)
                        + " with size 0x" + Long.toHexString(sz) + " runs past the end of the metadata (size 0x"
                        + Integer.toHexString(size) + ")");
            }
            MetadataStream stream = new MetadataStream(name, fileOffset + off, (int) sz);
            list.add(stream);
            switch (name) {
                case COMPRESSED_TABLES, UNCOMPRESSED_TABLES -> {
                    if (tables == null) {
                        tables = stream;
                    } else if (!tables.name().equals(name)) {
                        throw new FormatException(sh + " \"" + name + "\"", h,
                                "metadata has both a #~ and a #- table stream");
                    }
                }
                case STRINGS -> str = str != null ? str : stream;
                case USER_STRINGS -> us = us != null ? us : stream;
                case GUIDS -> guid = guid != null ? guid : stream;
                case BLOBS -> blob = blob != null ? blob : stream;
                case MINIMAL_DELTA -> jtd = true;
                default -> {
                }
            }
            pos += STREAM_HEADER_FIXED + padded(nameEnd - nameStart + 1);
        }
        if (tables == null) {
            throw new FormatException(root, fileOffset, "metadata has no #~ or #- table stream ("
                    + streamCount + " streams)");
        }
        return new MetadataRoot(major, minor, version, Collections.unmodifiableList(list), tables, str, us, guid, blob,
                jtd);
    }

    /**
     * Writes a root with {@code version} and the given streams (in map order), each followed by its
     * bytes; streams should already be padded to 4 bytes.
     */
    static byte[] write(String version, Map<String, byte[]> streams) {
        byte[] versionBytes = version.getBytes(StandardCharsets.US_ASCII);
        int versionLength = padded(versionBytes.length + 1);
        int headerSize = VERSION_OFFSET + versionLength + 4;
        for (String name : streams.keySet()) {
            headerSize += STREAM_HEADER_FIXED + padded(name.length() + 1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeU32(out, SIGNATURE);
        writeU16(out, MAJOR_VERSION);
        writeU16(out, MINOR_VERSION);
        writeU32(out, 0);
        writeU32(out, versionLength);
        out.writeBytes(versionBytes);
        out.writeBytes(new byte[versionLength - versionBytes.length]);
        writeU16(out, 0);
        writeU16(out, streams.size());
        int offset = headerSize;
        for (Map.Entry<String, byte[]> s : streams.entrySet()) {
            writeU32(out, offset);
            writeU32(out, s.getValue().length);
            byte[] name = s.getKey().getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(name);
            out.writeBytes(new byte[padded(name.length + 1) - name.length]);
            offset += s.getValue().length;
        }
        if (out.size() != headerSize) {
            throw new AssertionError("metadata header size " + out.size() + " != " + headerSize);
        }
        for (byte[] s : streams.values()) {
            out.writeBytes(s);
        }
        return out.toByteArray();
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }
}
