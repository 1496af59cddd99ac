package r2rlab.format;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

/**
 * Little-endian bytes plus the relocations placed among them; the writer's counterpart of
 * {@link ByteReader}. A field that holds an RVA or an address may name a symbol instead of a value:
 * the image layout resolves it once every symbol has an RVA.
 */
public final class BlobBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Relocation> relocations = new ArrayList<>();

    public int position() {
        return out.size();
    }

    public BlobBuilder u8(int v) {
        out.write(v);
        return this;
    }

    public BlobBuilder u16(int v) {
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    public BlobBuilder u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    public BlobBuilder u64(long v) {
        u32(v);
        return u32(v >>> 32);
    }

    public BlobBuilder bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public BlobBuilder zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    public BlobBuilder align(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    /** A u32 holding the RVA of {@code symbol} + {@code addend}. */
    public BlobBuilder rva32(String symbol, long addend) {
        int position = out.size();
        return u32(0).rva32At(position, symbol, addend);
    }

    /**
     * Makes the u32 already written at {@code position} hold the RVA of {@code symbol} +
     * {@code addend} (the value written there is replaced): a structure is written with its values
     * first, then its RVA fields are bound to the symbols they name.
     */
    public BlobBuilder rva32At(int position, String symbol, long addend) {
        if (position < 0 || position + 4 > out.size()) {
            throw new IllegalArgumentException("no u32 written at " + position + " (" + out.size() + " bytes so far)");
        }
        relocations.add(new Relocation(position, RelocType.IMAGE_REL_BASED_ADDR32NB, symbol, addend));
        return this;
    }

    /** A u64 holding the address of {@code symbol} + {@code addend} (with a base relocation). */
    public BlobBuilder pointer64(String symbol, long addend) {
        relocations.add(new Relocation(out.size(), RelocType.IMAGE_REL_BASED_DIR64, symbol, addend));
        return u64(0);
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    public List<Relocation> relocations() {
        return List.copyOf(relocations);
    }
}
