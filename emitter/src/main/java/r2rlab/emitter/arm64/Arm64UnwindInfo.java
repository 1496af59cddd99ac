package r2rlab.emitter.arm64;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Full (non-packed) ARM64 {@code .xdata} unwind records, as ReadyToRun requires (r2r-format.md §5.1:
 * packed unwind data is not allowed and the X bit must be set), plus a decoder that sizes a record
 * the way the runtime does (§5.2 CMAN rule).
 *
 * <p>Record layout (ARM64 exception-handling spec):
 * <pre>
 * header   bits 0-17 FunctionLength/4 | 18-19 Vers (0) | 20 X | 21 E | 22-26 EpilogCount | 27-31 CodeWords
 * [ext]    only if EpilogCount and CodeWords would not fit in 5 bits; then both header fields are 0 and
 *          ext = bits 0-15 EpilogCount | 16-23 CodeWords
 * scopes   (E = 0) one word per epilog: bits 0-17 EpilogStartOffset/4 | 22-31 EpilogStartIndex
 * codes    CodeWords words of unwind-code bytes: the prolog's codes in reverse instruction order,
 *          then end (0xE4); then each epilog's codes (in epilog instruction order) and end;
 *          padded with end (0xE4) to a whole word
 * </pre>
 * With E = 1 there are no scope words and EpilogCount holds the code index of the single epilog,
 * which the unwinder assumes ends the function (start = FunctionLength - (codes + 1) instructions).
 *
 * <p>{@link Builder#build()} returns these bytes only; the image layout must append the u32
 * personality-routine RVA (the X bit promises it) and then the GC info (§5.2).
 */
public final class Arm64UnwindInfo {

    private Arm64UnwindInfo() {
    }

    /** An epilog scope: start offset in bytes from the function start, and index of its first unwind code. */
    public record EpilogScope(int startOffset, int startIndex) {
    }

    /**
     * A decoded record. {@code epilogCount} and {@code codeWords} are the effective values (from the
     * extension word when present); with E set, {@code singleEpilogIndex} is the code index of the
     * single epilog and {@code epilogs} is empty, otherwise it is -1. {@code unwindSize} is the number
     * of bytes of header + ext + scopes + codes; {@code runtimeSize} adds the 4-byte personality word
     * the runtime always assumes (CMAN), i.e. it is the offset of the GC info from the record start.
     */
    public record Decoded(int functionLength, int version, boolean exceptionDataPresent, boolean singleEpilogInHeader,
                          int epilogCount, int codeWords, boolean hasExtensionWord, int singleEpilogIndex,
                          List<EpilogScope> epilogs, byte[] codeBytes, List<UnwindCode> codes,
                          int unwindSize, int runtimeSize) {

        /** The prolog's codes: from index 0 up to and including the first end. */
        public List<UnwindCode> prologCodes() {
            return codesFrom(0);
        }

        /** The codes starting at byte index {@code index} up to and including the next end. */
        public List<UnwindCode> codesFrom(int index) {
            List<UnwindCode> out = new ArrayList<>();
            int pos = index;
            while (pos < codeBytes.length) {
                UnwindCode c = UnwindCode.decode(codeBytes, pos);
                out.add(c);
                pos += c.length();
                if (c.op() == UnwindCode.Op.END) break;
            }
            return out;
        }
    }

    public static Builder builder(int functionLengthBytes) {
        return new Builder(functionLengthBytes);
    }

    /** Collects prolog and epilog codes and encodes the record. */
    public static final class Builder {
        private final int functionLength;
        private final List<UnwindCode> prolog = new ArrayList<>();
        private final List<int[]> epilogOffsets = new ArrayList<>();
        private final List<List<UnwindCode>> epilogCodes = new ArrayList<>();
        private boolean useEBit;
        private boolean exceptionData = true;

        private Builder(int functionLength) {
            if (functionLength <= 0 || functionLength % 4 != 0 || functionLength / 4 > 0x3FFFF) {
                throw new IllegalArgumentException("function length not encodable (4-aligned, < 1 MiB): " + functionLength);
            }
            this.functionLength = functionLength;
        }

        /**
         * The prolog's unwind codes in <b>instruction order</b> (one per prolog instruction, e.g.
         * {@code saveFpLrX(-32), setFp(), saveRegp(19, 16)}); stored reversed, followed by end.
         */
        public Builder prolog(UnwindCode... codesInInstructionOrder) {
            prolog.addAll(List.of(codesInInstructionOrder));
            return this;
        }

        /**
         * An epilog starting at byte offset {@code startOffset}, with its codes in <b>epilog instruction
         * order</b> (e.g. for {@code ldp x19,x20,[sp,#16]; ldp fp,lr,[sp],#32; ret}:
         * {@code saveRegp(19, 16), saveFpLrX(-32)}), stored as given followed by end (which stands for
         * the ret). Codes identical to the prolog's stored codes share index 0.
         */
        public Builder epilog(int startOffset, UnwindCode... codesInInstructionOrder) {
            if (startOffset < 0 || startOffset % 4 != 0 || startOffset >= functionLength) {
                throw new IllegalArgumentException("bad epilog start offset " + startOffset);
            }
            epilogOffsets.add(new int[] {startOffset});
            epilogCodes.add(List.of(codesInInstructionOrder));
            return this;
        }

        /**
         * Packs a single epilog into the header (E = 1). Valid only with exactly one epilog that ends
         * the function: its start must equal functionLength - 4 * (codes + 1).
         */
        public Builder singleEpilogInHeader(boolean e) {
            this.useEBit = e;
            return this;
        }

        /** X bit; defaults to true as ReadyToRun requires. */
        public Builder exceptionDataPresent(boolean x) {
            this.exceptionData = x;
            return this;
        }

        public byte[] build() {
            for (UnwindCode c : prolog) checkCode(c);
            ByteArrayOutputStream codes = new ByteArrayOutputStream();
            List<UnwindCode> stored = new ArrayList<>(prolog);
            java.util.Collections.reverse(stored);
            for (UnwindCode c : stored) c.writeTo(codes);
            UnwindCode.end().writeTo(codes);
            byte[] prologBytes = codes.toByteArray();

            // Epilogs sorted by start offset (the unwinder scans the scopes in order).
            Integer[] order = new Integer[epilogCodes.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, Comparator.comparingInt(i -> epilogOffsets.get(i)[0]));
            List<EpilogScope> scopes = new ArrayList<>();
            List<byte[]> emitted = new ArrayList<>();
            List<Integer> emittedIndex = new ArrayList<>();
            emitted.add(prologBytes);
            emittedIndex.add(0);
            for (int k = 0; k < order.length; k++) {
                int i = order[k];
                if (k > 0 && epilogOffsets.get(order[k - 1])[0] == epilogOffsets.get(i)[0]) {
                    throw new IllegalArgumentException("two epilogs at offset " + epilogOffsets.get(i)[0]);
                }
                ByteArrayOutputStream e = new ByteArrayOutputStream();
                for (UnwindCode c : epilogCodes.get(i)) {
                    checkCode(c);
                    c.writeTo(e);
                }
                UnwindCode.end().writeTo(e);
                byte[] eb = e.toByteArray();
                int index = -1;
                for (int j = 0; j < emitted.size(); j++) {
                    if (Arrays.equals(emitted.get(j), eb)) index = emittedIndex.get(j);
                }
                if (index < 0) {
                    index = codes.size();
                    codes.writeBytes(eb);
                    emitted.add(eb);
                    emittedIndex.add(index);
                }
                scopes.add(new EpilogScope(epilogOffsets.get(i)[0], index));
            }
            while (codes.size() % 4 != 0) UnwindCode.end().writeTo(codes);
            int codeWords = codes.size() / 4;

            int epilogField;
            if (useEBit) {
                if (scopes.size() != 1) throw new IllegalStateException("E bit needs exactly one epilog, have " + scopes.size());
                int epilogInstructions = epilogCodes.get(0).size() + 1;
                if (scopes.get(0).startOffset() != functionLength - 4 * epilogInstructions) {
                    throw new IllegalStateException("E bit: epilog at " + scopes.get(0).startOffset()
                            + " does not end the function (expected " + (functionLength - 4 * epilogInstructions) + ")");
                }
                epilogField = scopes.get(0).startIndex();
            } else {
                epilogField = scopes.size();
            }
            for (EpilogScope s : scopes) {
                if (s.startIndex() > 0x3FF) throw new IllegalStateException("epilog start index too large: " + s.startIndex());
            }
            if (codeWords > 0xFF || epilogField > 0xFFFF) throw new IllegalStateException("too many unwind codes/epilogs");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean ext = codeWords > 31 || epilogField > 31;
            int header = functionLength / 4 | (exceptionData ? 1 << 20 : 0) | (useEBit ? 1 << 21 : 0);
            if (ext) {
                writeInt(out, header);
                writeInt(out, epilogField | codeWords << 16);
            } else {
                writeInt(out, header | epilogField << 22 | codeWords << 27);
                // codeWords >= 1 always (the prolog's end), so the header never looks like "ext follows".
            }
            if (!useEBit) {
                for (EpilogScope s : scopes) writeInt(out, s.startOffset() / 4 | s.startIndex() << 22);
            }
            out.writeBytes(codes.toByteArray());
            return out.toByteArray();
        }

        private static void checkCode(UnwindCode c) {
            if (c.op() == UnwindCode.Op.END || c.op() == UnwindCode.Op.OTHER) {
                throw new IllegalArgumentException("explicit " + c + " not allowed; the builder adds end codes");
            }
        }
    }

    /**
     * Decodes the record at {@code data[offset]}, sizing it by the runtime's rule (r2r-format.md §5.2):
     * 4; if CodeWords and EpilogCount are both 0, +4 for the extension word (CodeWords = bits 16-23,
     * EpilogCount = bits 0-15); if E is clear, +4 per epilog scope; +4 per code word; +4 personality.
     */
    public static Decoded decode(byte[] data, int offset) {
        int header = readInt(data, offset);
        int pos = offset + 4;
        int functionLength = (header & 0x3FFFF) * 4;
        int version = header >>> 18 & 3;
        boolean x = (header & 1 << 20) != 0;
        boolean e = (header & 1 << 21) != 0;
        int epilogCount = header >>> 22 & 31;
        int codeWords = header >>> 27 & 31;
        boolean ext = false;
        if (epilogCount == 0 && codeWords == 0) {
            int w = readInt(data, pos);
            pos += 4;
            ext = true;
            epilogCount = w & 0xFFFF;
            codeWords = w >>> 16 & 0xFF;
        }
        List<EpilogScope> scopes = new ArrayList<>();
        int singleIndex = -1;
        if (e) {
            singleIndex = epilogCount;
        } else {
            for (int i = 0; i < epilogCount; i++) {
                int w = readInt(data, pos);
                pos += 4;
                scopes.add(new EpilogScope((w & 0x3FFFF) * 4, w >>> 22));
            }
        }
        byte[] codeBytes = Arrays.copyOfRange(data, pos, pos + 4 * codeWords);
        pos += 4 * codeWords;
        List<UnwindCode> codes = new ArrayList<>();
        for (int p = 0; p < codeBytes.length; ) {
            if (p + UnwindCode.lengthOf(codeBytes[p]) > codeBytes.length) {
                throw new IllegalArgumentException("unwind code at " + p + " runs past the code words");
            }
            UnwindCode c = UnwindCode.decode(codeBytes, p);
            codes.add(c);
            p += c.length();
        }
        int unwindSize = pos - offset;
        return new Decoded(functionLength, version, x, e, epilogCount, codeWords, ext, singleIndex,
                List.copyOf(scopes), codeBytes, List.copyOf(codes), unwindSize, unwindSize + 4);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private static int readInt(byte[] d, int p) {
        return (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 | (d[p + 2] & 0xFF) << 16 | (d[p + 3] & 0xFF) << 24;
    }
}
