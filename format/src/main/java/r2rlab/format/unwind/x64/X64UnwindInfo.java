package r2rlab.format.unwind.x64;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * An x64 UNWIND_INFO record (Windows x64 exception-handling spec, version 1):
 *
 * <pre>
 * byte 0: Version (bits 0–2) = 1 | Flags (bits 3–7)
 * byte 1: SizeOfProlog
 * byte 2: CountOfUnwindCodes (number of 16-bit slots, not counting the alignment pad)
 * byte 3: FrameRegister (bits 0–3) | FrameOffset (bits 4–7, scaled by 16)
 * UNWIND_CODE[CountOfUnwindCodes rounded up to even]: each slot = CodeOffset byte, then
 *         UnwindOp (bits 0–3) | OpInfo (bits 4–7); extra slots of the multi-slot codes are little-endian u16s
 * </pre>
 *
 * Codes are stored in reverse prolog order (the last prolog instruction first). {@link #codes()} is
 * in that stored order. What follows the code array (the handler RVA of EHANDLER/UHANDLER, the
 * chained RUNTIME_FUNCTION of CHAININFO, a {@link r2rlab.format.r2r.RuntimeFunctionEntry}) is not part of this
 * value; the R2R writer appends the personality routine and GC info (r2r-format.md §5.2).
 *
 * @param flags         UNW_FLAG_* bits (0–31)
 * @param sizeOfProlog  prolog length in bytes
 * @param frameRegister FrameRegister: the register number (1–15) SET_FPREG establishes, 0 if none
 * @param frameOffset   RSP offset of the frame register in bytes (multiple of 16, 0–240)
 * @param codes         the codes, in stored (reverse prolog) order
 */
public record X64UnwindInfo(int flags, int sizeOfProlog, int frameRegister, int frameOffset,
                            List<UnwindCode> codes) {

    /** UNW_FLAG_EHANDLER: an exception handler's RVA follows the codes. */
    public static final int UNW_FLAG_EHANDLER = 0x1;
    /** UNW_FLAG_UHANDLER: a termination handler's RVA follows the codes. */
    public static final int UNW_FLAG_UHANDLER = 0x2;
    /** UNW_FLAG_CHAININFO: a chained RUNTIME_FUNCTION follows the codes. */
    public static final int UNW_FLAG_CHAININFO = 0x4;
    /** The only Version this codec reads and writes. */
    public static final int VERSION = 1;
    /** Version, SizeOfProlog, CountOfUnwindCodes, FrameRegister/FrameOffset. */
    public static final int HEADER_SIZE = 4;

    private static final String STRUCTURE = "UNWIND_INFO";
    private static final int FLAGS_SHIFT = 3;

    public X64UnwindInfo {
        codes = List.copyOf(codes);
        if (flags < 0 || flags > 0x1F) {
            throw new IllegalArgumentException("flags out of range: " + flags);
        }
        if (sizeOfProlog < 0 || sizeOfProlog > 0xFF) {
            throw new IllegalArgumentException("prolog too long: " + sizeOfProlog);
        }
        if (frameRegister < 0 || frameRegister > 15) {
            throw new IllegalArgumentException("frame register out of range 0..15: " + frameRegister);
        }
        if (frameOffset < 0 || frameOffset > 240 || frameOffset % 16 != 0) {
            throw new IllegalArgumentException("frame offset must be a multiple of 16 in 0..240: " + frameOffset);
        }
        if (frameRegister == 0 && frameOffset != 0) {
            throw new IllegalArgumentException("frame offset without a frame register");
        }
        boolean hasSetFp = false;
        int prev = Integer.MAX_VALUE;
        for (UnwindCode c : codes) {
            if (c.codeOffset() > prev) {
                throw new IllegalArgumentException("codes must be in reverse prolog order (non-increasing offsets)");
            }
            if (c.codeOffset() > sizeOfProlog) {
                throw new IllegalArgumentException("code offset " + c.codeOffset() + " beyond prolog size " + sizeOfProlog);
            }
            prev = c.codeOffset();
            hasSetFp |= c.op() == UnwindOp.UWOP_SET_FPREG;
        }
        if (hasSetFp != (frameRegister != 0)) {
            throw new IllegalArgumentException("a frame register needs exactly the presence of UWOP_SET_FPREG");
        }
        if (slotCount(codes) > 0xFF) {
            throw new IllegalArgumentException("too many unwind codes");
        }
    }

    private static int slotCount(List<UnwindCode> codes) {
        int n = 0;
        for (UnwindCode c : codes) {
            n += c.slots();
        }
        return n;
    }

    /** CountOfUnwindCodes: the number of 16-bit slots used by the codes. */
    public int countOfUnwindCodes() {
        return slotCount(codes);
    }

    /** Encoded length: 4 + 2 · (CountOfUnwindCodes rounded up to even) — always a multiple of 4. */
    public int encodedSize() {
        return sizeOf(countOfUnwindCodes());
    }

    private static int sizeOf(int countOfUnwindCodes) {
        return HEADER_SIZE + 2 * (countOfUnwindCodes + (countOfUnwindCodes & 1));
    }

    /**
     * The length of the record at {@code offset} from its header alone (the offset of what follows
     * the codes), for readers that fetch the header first.
     */
    public static int sizeOf(ByteReader r, long offset) {
        return sizeOf(r.u8(STRUCTURE, offset + 2));
    }

    /** The UNWIND_INFO bytes, with a zero pad slot when CountOfUnwindCodes is odd. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encodedSize());
        out.write(VERSION | (flags << FLAGS_SHIFT));
        out.write(sizeOfProlog);
        int count = countOfUnwindCodes();
        out.write(count);
        out.write(frameRegister | ((frameOffset / 16) << 4));
        for (UnwindCode c : codes) {
            out.write(c.codeOffset());
            out.write(c.op().value() | (c.opInfo() << 4));
            int v = c.slotOperand();
            for (int s = 1; s < c.slots(); s++) {
                out.write(v);
                out.write(v >>> 8);
                v >>>= 16;
            }
        }
        if ((count & 1) != 0) {
            out.write(0);
            out.write(0);
        }
        return out.toByteArray();
    }

    /** An encoded record with {@code flags} (UNW_FLAG_* bits) ORed into its Flags. */
    public static byte[] withFlags(byte[] encoded, int flags) {
        byte[] out = encoded.clone();
        out[0] |= (byte) (flags << FLAGS_SHIFT);
        return out;
    }

    /** Decodes an UNWIND_INFO at {@code offset} of {@code data} (the inverse of {@link #encode()}). */
    public static X64UnwindInfo decode(byte[] data, int offset) {
        return decode(new ByteReader(data), offset);
    }

    /**
     * Decodes the UNWIND_INFO at {@code offset} (the inverse of {@link #encode()}). Bytes that do
     * not form a version-1 record, or that end inside it, raise a {@link FormatException}.
     */
    public static X64UnwindInfo decode(ByteReader r, long offset) {
        int b0 = r.u8(STRUCTURE, offset);
        if ((b0 & 7) != VERSION) {
            throw new FormatException(STRUCTURE, offset, "unsupported Version " + (b0 & 7));
        }
        int flags = b0 >>> FLAGS_SHIFT;
        int prolog = r.u8(STRUCTURE, offset + 1);
        int count = r.u8(STRUCTURE, offset + 2);
        int b3 = r.u8(STRUCTURE, offset + 3);
        r.require(STRUCTURE, offset, sizeOf(count));
        List<UnwindCode> codes = new ArrayList<>();
        long p = offset + HEADER_SIZE;
        int slot = 0;
        while (slot < count) {
            String what = STRUCTURE + ".UnwindCode[" + slot + "]";
            int codeOffset = r.u8(what, p);
            int opByte = r.u8(what, p + 1);
            UnwindOp op = UnwindOp.of(opByte & 0xF);
            if (op == null) {
                throw new FormatException(what, p, "unknown UnwindOp " + (opByte & 0xF));
            }
            int info = opByte >>> 4;
            int slots = UnwindCode.slots(op, info);
            if (slot + slots > count) {
                throw new FormatException(what, p, op + " needs " + slots + " slots but CountOfUnwindCodes is " + count);
            }
            int operand = switch (slots) {
                case 2 -> r.u16(what, p + 2);
                case 3 -> r.i32(what, p + 2);
                default -> 0;
            };
            try {
                codes.add(UnwindCode.fromSlots(codeOffset, op, info, operand));
            } catch (IllegalArgumentException e) {
                throw new FormatException(what, p, e.getMessage());
            }
            p += 2L * slots;
            slot += slots;
        }
        try {
            return new X64UnwindInfo(flags, prolog, b3 & 0xF, (b3 >>> 4) * 16, codes);
        } catch (IllegalArgumentException e) {
            throw new FormatException(STRUCTURE, offset, e.getMessage());
        }
    }

}
