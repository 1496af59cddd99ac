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
        long valid = 0;
        for (int t = 0; t < 64; t++) {
            if (rowCounts[t] != 0) {
                valid |= 1L << t;
            }
        }
        le(ts, 0, 4);
        ts.write(2);
        ts.write(0);
        ts.write(heapSizes);
        ts.write(1);
        le(ts, valid, 8);
        le(ts, 0, 8);
        for (int t = 0; t < 64; t++) {
            if (rowCounts[t] != 0) {
                le(ts, rowCounts[t], 4);
            }
        }
        if ((heapSizes & 0x40) != 0) {
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
            streams.put("#JTD", new byte[0]);
        }
        byte[] version = "v4.0.30319\0\0".getBytes(StandardCharsets.US_ASCII);
        int headerSize = 16 + version.length + 4;
        for (String name : streams.keySet()) {
            headerSize += 8 + ((name.length() + 1 + 3) & ~3);
        }
        ByteArrayOutputStream md = new ByteArrayOutputStream();
        le(md, 0x424A5342L, 4);
        le(md, 1, 2);
        le(md, 1, 2);
        le(md, 0, 4);
        le(md, version.length, 4);
        md.writeBytes(version);
        le(md, 0, 2);
        le(md, streams.size(), 2);
        int offset = headerSize;
        for (Map.Entry<String, byte[]> s : streams.entrySet()) {
            le(md, offset, 4);
            le(md, s.getValue().length, 4);
            byte[] name = new byte[(s.getKey().length() + 1 + 3) & ~3];
            byte[] ascii = s.getKey().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(ascii, 0, name, 0, ascii.length);
            md.writeBytes(name);
            offset += s.getValue().length;
        }
        for (byte[] s : streams.values()) {
            md.writeBytes(s);
        }
        return md.toByteArray();
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
