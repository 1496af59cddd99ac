package r2rlab.format.metadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds small metadata blobs (root at file offset 0) for layout tests the fixtures cannot cover. */
final class SyntheticMetadata {
    private final int[] rowCounts = new int[64];
    private final Map<String, byte[]> heaps = new LinkedHashMap<>();
    private String tableStreamName = "#~";
    private int heapSizes;
    private boolean jtd;
    private byte[] tableData = new byte[0];
    private int tableDataSize = -1;

    SyntheticMetadata rows(int table, int count) {
        rowCounts[table] = count;
        return this;
    }

    SyntheticMetadata uncompressed() {
        tableStreamName = "#-";
        return this;
    }

    SyntheticMetadata heapSizes(int value) {
        heapSizes = value;
        return this;
    }

    SyntheticMetadata jtd() {
        jtd = true;
        return this;
    }

    SyntheticMetadata strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        heaps.put("#Strings", out.toByteArray());
        return this;
    }

    /** Explicit table rows (little-endian bytes after the row counts). */
    SyntheticMetadata tables(byte[] data) {
        tableData = data;
        return this;
    }

    /** Zero-filled table rows of this many bytes. */
    SyntheticMetadata zeroTables(int size) {
        tableDataSize = size;
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        MetadataTableStream.writeHeader(ts, heapSizes, 0, rowCounts);
        if ((heapSizes & MetadataTableStream.HEAP_EXTRA_DATA) != 0) {
            le(ts, 0xDEADBEEFL, 4);
        }
        ts.writeBytes(tableDataSize >= 0 ? new byte[tableDataSize] : tableData);
        while (ts.size() % 4 != 0) {
            ts.write(0);
        }

        Map<String, byte[]> streams = new LinkedHashMap<>();
        streams.put(tableStreamName, ts.toByteArray());
        for (Map.Entry<String, byte[]> h : heaps.entrySet()) {
            byte[] padded = new byte[(h.getValue().length + 3) & ~3];
            System.arraycopy(h.getValue(), 0, padded, 0, h.getValue().length);
            streams.put(h.getKey(), padded);
        }
        if (jtd) {
            streams.put(MetadataRoot.MINIMAL_DELTA, new byte[0]);
        }
        return MetadataRoot.write(MetadataBuilder.VERSION_STRING, streams);
    }

    static void le(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    /** Little-endian row writer: u16(...) and u32(...) append cells. */
    static final class Rows {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Rows u16(int... values) {
            for (int v : values) {
                le(out, v, 2);
            }
            return this;
        }

        Rows u32(long... values) {
            for (long v : values) {
                le(out, v, 4);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
