package r2rlab.format.unwind.arm64;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * Full (non-packed) ARM64 {@code .xdata} unwind records, as ReadyToRun requires (r2r-format.md §5.1:
 * packed unwind data is not allowed and the X bit must be set): a {@link Builder} that lays out the
 * codes of a prolog and its epilogs, the record value {@link Decoded} that writes itself back, and a
 * decoder that sizes a record the way the runtime does (§5.2 CMAN rule).
 *
 * <p>Record layout (ARM64 exception-handling spec):
 * <pre>
 * header   bits 0-17 FunctionLength/4 | 18-19 Vers (0) | 20 X | 21 E | 22-26 EpilogCount | 27-31 CodeWords
 * [ext]    only if EpilogCount and CodeWords would not fit in 5 bits; then both header fields are 0 and
 *          ext = bits 0-15 EpilogCount | 16-23 CodeWords (24-31 reserved)
 * scopes   (E = 0) one word per epilog: bits 0-17 EpilogStartOffset/4 | 18-21 reserved | 22-31 EpilogStartIndex
 * codes    CodeWords words of unwind-code bytes: the prolog's codes in reverse instruction order,
 *          then end (0xE4); then each epilog's codes (in epilog instruction order) and end;
 *          padded with end (0xE4) to a whole word
 * </pre>
 * With E = 1 there are no scope words and EpilogCount holds the code index of the single epilog,
 * which the unwinder assumes ends the function (start = FunctionLength - (codes + 1) instructions).
 * Reserved bits are read as the runtime reads them (ignored) and written as 0.
 *
 * <p>{@link Builder#build()} returns these bytes only; the image layout must append the u32
 * personality-routine RVA (the X bit promises it) and then the GC info (§5.2).
 */
public final class Arm64UnwindInfo {
    /** FunctionLength, bits 0-17 of the header word, in 4-byte instructions. */
    private static final int FUNCTION_LENGTH_MASK = 0x3FFFF;
    /** The longest function one .xdata record describes (FunctionLength counts 4-byte instructions in 18 bits). */
    public static final int MAX_FUNCTION_LENGTH = FUNCTION_LENGTH_MASK * 4;
    private static final int VERSION_SHIFT = 18;
    /** X: exception data (the personality routine's RVA) follows the record. */
    private static final int X_BIT = 1 << 20;
    /** E: the single epilog is described in the header, no scope words. */
    private static final int E_BIT = 1 << 21;
    private static final int EPILOG_COUNT_SHIFT = 22;
    private static final int CODE_WORDS_SHIFT = 27;
    private static final int EXT_CODE_WORDS_SHIFT = 16;
    private static final int SCOPE_START_INDEX_SHIFT = 22;
    /** The u32 personality-routine RVA the runtime assumes after every R2R record (CMAN). */
    private static final int PERSONALITY_SIZE = 4;
    private static final String STRUCTURE = ".xdata";

    private Arm64UnwindInfo() {
    }

    /** An epilog scope: start offset in bytes from the function start, and index of its first unwind code. */
    public record EpilogScope(int startOffset, int startIndex) {
        public EpilogScope {
            if (startOffset < 0 || startOffset % 4 != 0 || startOffset / 4 > FUNCTION_LENGTH_MASK) {
                throw new IllegalArgumentException("epilog start offset not encodable: " + startOffset);
            }
            if (startIndex < 0 || startIndex > 0x3FF) {
                throw new IllegalArgumentException("epilog start index too large: " + startIndex);
            }
        }
    }

    /**
     * A record. {@code epilogCount} and {@code codeWords} are the effective values (from the extension
     * word when present); with E set, {@code epilogCount} is the code index of the single epilog and
     * {@code epilogs} is empty. {@code codes} are all code words decoded in sequence (prolog, epilogs,
     * padding), so their bytes are the code words.
     */
    public record Decoded(int functionLength, int version, boolean exceptionDataPresent, boolean singleEpilogInHeader,
                          int epilogCount, int codeWords, boolean hasExtensionWord,
                          List<EpilogScope> epilogs, List<UnwindCode> codes) {

        public Decoded {
            epilogs = List.copyOf(epilogs);
            codes = List.copyOf(codes);
            if (functionLength < 0 || functionLength % 4 != 0 || functionLength / 4 > FUNCTION_LENGTH_MASK) {
                throw new IllegalArgumentException("function length not encodable (4-aligned, < 1 MiB): " + functionLength);
            }
            if (version < 0 || version > 3) {
                throw new IllegalArgumentException("version out of range: " + version);
            }
            if (epilogCount < 0 || epilogCount > 0xFFFF || codeWords < 0 || codeWords > 0xFF) {
                throw new IllegalArgumentException("too many unwind codes/epilogs: " + epilogCount + ", " + codeWords);
            }
            boolean fitsHeader = epilogCount <= 31 && codeWords <= 31 && (epilogCount | codeWords) != 0;
            if (!hasExtensionWord && !fitsHeader) {
                throw new IllegalArgumentException("EpilogCount " + epilogCount + " and CodeWords " + codeWords
                        + " need the extension word");
            }
            if (singleEpilogInHeader ? !epilogs.isEmpty() : epilogs.size() != epilogCount) {
                throw new IllegalArgumentException(epilogs.size() + " epilog scopes for EpilogCount " + epilogCount
                        + (singleEpilogInHeader ? " with E set" : ""));
            }
            int length = 0;
            for (UnwindCode c : codes) {
                length += c.length();
            }
            if (length != 4 * codeWords) {
                throw new IllegalArgumentException(length + " bytes of unwind codes for CodeWords " + codeWords);
            }
        }

        /** With E set, the code index of the single epilog; otherwise -1. */
        public int singleEpilogIndex() {
            return singleEpilogInHeader ? epilogCount : -1;
        }

        /** The code words as bytes. */
        public byte[] codeBytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(4 * codeWords);
            for (UnwindCode c : codes) {
                c.writeTo(out);
            }
            return out.toByteArray();
        }

        /** Bytes of header + ext + scopes + codes. */
        public int unwindSize() {
            return 4 + (hasExtensionWord ? 4 : 0) + 4 * epilogs.size() + 4 * codeWords;
        }

        /** {@link #unwindSize()} plus the personality word the runtime always assumes (CMAN): the offset of the GC info. */
        public int runtimeSize() {
            return unwindSize() + PERSONALITY_SIZE;
        }

        /** The prolog's codes: from index 0 up to and including the first end. */
        public List<UnwindCode> prologCodes() {
            return codesFrom(0);
        }

        /**
         * A phantom prolog: the first code is end_c, so the record describes no prolog instructions of its own (prolog
         * size 0) and unwinding runs the prolog codes after it. The runtime's IsFunctionFragment tells a later unwind
         * fragment of a function or funclet (ARM64 code past what one record covers, a cold part) from its host record
         * this way.
         */
        public boolean isFragment() {
            return !codes.isEmpty() && codes.get(0).op() == UnwindCode.Op.END_C;
        }

        /**
         * The codes the unwinder runs from byte {@code index}: up to and including the next end; an end_c on the way
         * (a phantom prolog's first code) ends only a chained scope and is passed over, as RtlpUnwindFunctionFull does.
         */
        public List<UnwindCode> executedCodesFrom(int index) {
            List<UnwindCode> out = new ArrayList<>();
            int pos = 0;
            for (UnwindCode c : codes) {
                if (pos >= index) {
                    out.add(c);
                    if (c.op() == UnwindCode.Op.END) {
                        break;
                    }
                }
                pos += c.length();
            }
            return out;
        }

        /** The codes starting at byte index {@code index} up to and including the next end (or end_c). */
        public List<UnwindCode> codesFrom(int index) {
            byte[] bytes = codeBytes();
            if (index == bytes.length) {
                return List.of();
            }
            int stop = scopeEnd(bytes, index);
            if (stop < 0) {
                throw new IllegalArgumentException("no whole unwind codes from index " + index + " in " + bytes.length + " bytes");
            }
            List<UnwindCode> out = new ArrayList<>();
            for (int pos = index; pos < stop; ) {
                UnwindCode c = UnwindCode.decode(bytes, pos);
                out.add(c);
                pos += c.length();
            }
            return out;
        }

        /** The record's bytes (the inverse of {@link Arm64UnwindInfo#decode}). */
        public byte[] encode() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(unwindSize());
            int header = functionLength / 4 | version << VERSION_SHIFT | (exceptionDataPresent ? X_BIT : 0)
                    | (singleEpilogInHeader ? E_BIT : 0);
            if (hasExtensionWord) {
                writeInt(out, header);
                writeInt(out, epilogCount | codeWords << EXT_CODE_WORDS_SHIFT);
            } else {
                writeInt(out, header | epilogCount << EPILOG_COUNT_SHIFT | codeWords << CODE_WORDS_SHIFT);
            }
            for (EpilogScope s : epilogs) {
                writeInt(out, s.startOffset() / 4 | s.startIndex() << SCOPE_START_INDEX_SHIFT);
            }
            for (UnwindCode c : codes) {
                c.writeTo(out);
            }
            return out.toByteArray();
        }
    }

    /**
     * The end (exclusive) of the codes from byte {@code index} up to and including the next end or
     * end_c, or up to the last whole code when there is none; -1 if a code runs past the bytes or
     * {@code index} is not inside them.
     */
    private static int scopeEnd(byte[] bytes, int index) {
        if (index < 0 || index >= bytes.length) {
            return -1;
        }
        int pos = index;
        while (pos < bytes.length) {
            int b = bytes[pos] & 0xFF;
            pos += UnwindCode.lengthOf(b);
            if (pos > bytes.length) {
                return -1;
            }
            if (UnwindCode.endsScope(b)) {
                break;
            }
        }
        return pos;
    }

    public static Builder builder(int functionLengthBytes) {
        return new Builder(functionLengthBytes);
    }

    /** Collects prolog and epilog codes and encodes the record. */
    public static final class Builder {
        private final int functionLength;
        private final List<UnwindCode> prolog = new ArrayList<>();
        private final List<Integer> epilogOffsets = new ArrayList<>();
        private final List<List<UnwindCode>> epilogCodes = new ArrayList<>();
        private boolean useEBit;
        private boolean exceptionData = true;
        private boolean phantomProlog;

        private Builder(int functionLength) {
            if (functionLength <= 0 || functionLength % 4 != 0 || functionLength / 4 > FUNCTION_LENGTH_MASK) {
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
            epilogOffsets.add(startOffset);
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

        /**
         * A later unwind fragment: the prolog codes describe the host record's prolog, which is not in this fragment, so
         * they are stored after an end_c (the JIT's UnwindFragmentInfo::CopyPrologCodes on ARM64), and an epilog whose
         * codes end them shares them (UnwindPrologCodes::Match).
         */
        public Builder phantomProlog(boolean phantom) {
            this.phantomProlog = phantom;
            return this;
        }

        /** X bit; defaults to true as ReadyToRun requires. */
        public Builder exceptionDataPresent(boolean x) {
            this.exceptionData = x;
            return this;
        }

        /** The record's bytes. */
        public byte[] build() {
            return info().encode();
        }

        /** The record as a value. */
        public Decoded info() {
            for (UnwindCode c : prolog) checkCode(c);
            ByteArrayOutputStream codes = new ByteArrayOutputStream();
            if (phantomProlog) {
                UnwindCode.endC().writeTo(codes);
            }
            List<UnwindCode> stored = new ArrayList<>(prolog);
            Collections.reverse(stored);
            for (UnwindCode c : stored) c.writeTo(codes);
            UnwindCode.end().writeTo(codes);
            byte[] prologBytes = codes.toByteArray();

            // Epilogs sorted by start offset (the unwinder scans the scopes in order).
            Integer[] order = new Integer[epilogCodes.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, Comparator.comparingInt(epilogOffsets::get));
            List<int[]> scopes = new ArrayList<>();
            List<byte[]> emitted = new ArrayList<>();
            List<Integer> emittedIndex = new ArrayList<>();
            emitted.add(prologBytes);
            emittedIndex.add(0);

            for (int k = 0; k < order.length; k++) {
                int i = order[k];
                if (k > 0 && epilogOffsets.get(order[k - 1]).equals(epilogOffsets.get(i))) {
                    throw new IllegalArgumentException("two epilogs at offset " + epilogOffsets.get(i));
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
                int tail = prologBytes.length - eb.length;
                if (phantomProlog && index < 0 && tail >= 0 && Arrays.equals(prologBytes, tail, prologBytes.length, eb, 0, eb.length)) {
                    index = tail; // UnwindPrologCodes::Match: an epilog matching the tail of the phantom prolog's codes shares them
                }
                if (index < 0) {
                    index = codes.size();
                    codes.writeBytes(eb);
                    emitted.add(eb);
                    emittedIndex.add(index);
                }
                scopes.add(new int[] {epilogOffsets.get(i), index});
            }
            while (codes.size() % 4 != 0) UnwindCode.end().writeTo(codes);
            int codeWords = codes.size() / 4;

            int epilogField;
            if (useEBit) {
                if (phantomProlog) throw new IllegalStateException("E bit with a phantom prolog: its epilog cannot start at index 0");
                if (scopes.size() != 1) throw new IllegalStateException("E bit needs exactly one epilog, have " + scopes.size());
                int epilogInstructions = epilogCodes.get(0).size() + 1;
                if (scopes.get(0)[0] != functionLength - 4 * epilogInstructions) {
                    throw new IllegalStateException("E bit: epilog at " + scopes.get(0)[0]
                            + " does not end the function (expected " + (functionLength - 4 * epilogInstructions) + ")");
                }
                epilogField = scopes.get(0)[1];
            } else {
                epilogField = scopes.size();
            }
            for (int[] s : scopes) {
                if (s[1] > 0x3FF) throw new IllegalStateException("epilog start index too large: " + s[1]);
            }
            if (codeWords > 0xFF || epilogField > 0xFFFF) throw new IllegalStateException("too many unwind codes/epilogs");
            // codeWords >= 1 always (the prolog's end), so a header without extension never looks like "ext follows".
            boolean ext = codeWords > 31 || epilogField > 31;
            List<EpilogScope> scopeWords = new ArrayList<>();
            if (!useEBit) {
                for (int[] s : scopes) scopeWords.add(new EpilogScope(s[0], s[1]));
            }
            return new Decoded(functionLength, 0, exceptionData, useEBit, epilogField, codeWords, ext, scopeWords,
                    decodeCodes(codes.toByteArray(), -1));
        }

        private static void checkCode(UnwindCode c) {
            if (c.endsScope() || c.op() == UnwindCode.Op.OTHER) {
                throw new IllegalArgumentException("explicit " + c + " not allowed; the builder adds end codes");
            }
        }
    }

    /** FunctionLength of a header word, in instructions (ARM's .xdata keeps the same 18-bit field, in 2-byte units). */
    public static int functionLengthField(int headerWord) {
        return headerWord & FUNCTION_LENGTH_MASK;
    }

    /** 8 if the extension word follows the header word (EpilogCount and CodeWords both 0), else 4. */
    public static int headerSize(int headerWord) {
        return headerWord >>> EPILOG_COUNT_SHIFT == 0 ? 8 : 4;
    }

    /**
     * Bytes of header + ext + scopes + codes of the record at {@code offset}, read from its
     * {@link #headerSize header} alone, for readers that fetch the header first.
     */
    public static int unwindSize(ByteReader r, long offset) {
        int header = r.i32(STRUCTURE, offset);
        int epilogCount = header >>> EPILOG_COUNT_SHIFT & 31;
        int codeWords = header >>> CODE_WORDS_SHIFT;
        int size = 4;
        if (headerSize(header) == 8) {
            int ext = r.i32(STRUCTURE + " extension word", offset + 4);
            epilogCount = ext & 0xFFFF;
            codeWords = ext >>> EXT_CODE_WORDS_SHIFT & 0xFF;
            size = 8;
        }
        boolean e = (header & E_BIT) != 0;
        return size + (e ? 0 : 4 * epilogCount) + 4 * codeWords;
    }

    /**
     * IsFunctionFragment (codeman.cpp), read as the runtime reads it: the header word, the extension word when
     * EpilogCount and CodeWords are both 0, the epilog scopes unless E is set, then the first code byte, end_c for a
     * phantom prolog: the record at {@code offset} is a later fragment of a function or funclet, not its host record.
     */
    public static boolean isFragment(ByteReader r, long offset) {
        int header = r.i32(STRUCTURE, offset);
        long codes = offset + headerSize(header);
        int epilogCount = header >>> EPILOG_COUNT_SHIFT & 31;
        if (headerSize(header) == 8) {
            epilogCount = r.i32(STRUCTURE + " extension word", offset + 4) & 0xFFFF;
        }
        if ((header & E_BIT) == 0) {
            codes += 4L * epilogCount;
        }
        return r.u8(STRUCTURE + " unwind codes", codes) == UnwindCode.END_C_BYTE;
    }

    /** An encoded record with the X bit set (exception data follows). */
    public static byte[] withExceptionDataPresent(byte[] encoded) {
        byte[] out = encoded.clone();
        out[2] |= (byte) (X_BIT >>> 16);
        return out;
    }

    /** Decodes the record at {@code data[offset]}; see {@link #decode(ByteReader, long)}. */
    public static Decoded decode(byte[] data, int offset) {
        return decode(new ByteReader(data), offset);
    }

    /**
     * Decodes the record at {@code offset}, sizing it by the runtime's rule (r2r-format.md §5.2):
     * 4; if CodeWords and EpilogCount are both 0, +4 for the extension word (CodeWords = bits 16-23,
     * EpilogCount = bits 0-15); if E is clear, +4 per epilog scope; +4 per code word; +4 personality.
     * Bytes that end inside the record, codes that run past the code words and epilog indices outside
     * them raise a {@link FormatException}.
     */
    public static Decoded decode(ByteReader r, long offset) {
        int header = r.i32(STRUCTURE, offset);
        long pos = offset + 4;
        int functionLength = functionLengthField(header) * 4;
        int version = header >>> VERSION_SHIFT & 3;
        boolean x = (header & X_BIT) != 0;
        boolean e = (header & E_BIT) != 0;
        int epilogCount = header >>> EPILOG_COUNT_SHIFT & 31;
        int codeWords = header >>> CODE_WORDS_SHIFT & 31;
        boolean ext = headerSize(header) == 8;
        if (ext) {
            int w = r.i32(STRUCTURE + " extension word", pos);
            pos += 4;
            epilogCount = w & 0xFFFF;
            codeWords = w >>> EXT_CODE_WORDS_SHIFT & 0xFF;
        }
        List<EpilogScope> scopes = new ArrayList<>();
        List<Long> scopeOffsets = new ArrayList<>();
        if (!e) {
            r.require(STRUCTURE + " epilog scopes", pos, 4L * epilogCount);
            for (int i = 0; i < epilogCount; i++) {
                int w = r.i32(STRUCTURE + " epilog scope", pos);
                scopes.add(new EpilogScope(functionLengthField(w) * 4, w >>> SCOPE_START_INDEX_SHIFT));
                scopeOffsets.add(pos);
                pos += 4;
            }
        }
        long codesAt = pos;
        byte[] codeBytes = r.bytes(STRUCTURE + " unwind codes", codesAt, 4 * codeWords);
        List<UnwindCode> codes = decodeCodes(codeBytes, codesAt);
        if (e) {
            checkScope(codeBytes, epilogCount, "E-bit epilog index", offset);
        }
        for (int i = 0; i < scopes.size(); i++) {
            checkScope(codeBytes, scopes.get(i).startIndex(), "epilog scope " + i + " start index", scopeOffsets.get(i));
        }
        try {
            return new Decoded(functionLength, version, x, e, epilogCount, codeWords, ext, scopes, codes);
        } catch (IllegalArgumentException bad) {
            throw new FormatException(STRUCTURE, offset, bad.getMessage());
        }
    }

    /** All codes of {@code bytes} in sequence; {@code fileOffset} of the bytes for the error, -1 for a builder's own bytes. */
    private static List<UnwindCode> decodeCodes(byte[] bytes, long fileOffset) {
        List<UnwindCode> codes = new ArrayList<>();
        for (int p = 0; p < bytes.length; ) {
            if (p + UnwindCode.lengthOf(bytes[p]) > bytes.length) {
                throw new FormatException(STRUCTURE + " unwind codes", fileOffset < 0 ? -1 : fileOffset + p,
                        "unwind code 0x" + Integer.toHexString(bytes[p] & 0xFF) + " at index " + p + " runs past the "
                                + bytes.length / 4 + " code words");
            }
            UnwindCode c = UnwindCode.decode(bytes, p);
            codes.add(c);
            p += c.length();
        }
        return codes;
    }

    private static void checkScope(byte[] codeBytes, int index, String what, long fileOffset) {
        if (scopeEnd(codeBytes, index) < 0) {
            throw new FormatException(STRUCTURE, fileOffset, what + " " + index + " does not start whole unwind codes within the "
                    + codeBytes.length / 4 + " code words");
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
