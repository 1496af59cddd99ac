package r2rlab.emitter.x64;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An x64 UNWIND_INFO record (Windows x64 exception-handling spec, version 1):
 *
 * <pre>
 * byte 0: Version (bits 0–2) = 1 | Flags (bits 3–7)
 * byte 1: SizeOfProlog
 * byte 2: CountOfUnwindCodes (number of 16-bit slots, not counting the alignment pad)
 * byte 3: FrameRegister (bits 0–3) | FrameOffset (bits 4–7, scaled by 16)
 * UNWIND_CODE[CountOfUnwindCodes rounded up to even]: each slot = CodeOffset byte, then
 *         UnwindOp (bits 0–3) | OpInfo (bits 4–7); extra slots of ALLOC_LARGE are little-endian u16s
 * </pre>
 *
 * Codes are stored in reverse prolog order (the last prolog instruction first). {@link #codes()} is
 * in that stored order. Nothing after the code array (handler RVA, chained info) is produced here;
 * the R2R writer appends the personality routine and GC info (r2r-format.md §5.2) and may OR
 * {@code (EHANDLER|UHANDLER) << 3} into byte 0 — or pass those flags here.
 *
 * @param flags         UNW_FLAG_* bits (0–31)
 * @param sizeOfProlog  prolog length in bytes
 * @param frameRegister frame register, or null if no SET_FPREG
 * @param frameOffset   RSP offset of the frame register in bytes (multiple of 16, 0–240)
 * @param codes         the codes, in stored (reverse prolog) order
 */
public record X64UnwindInfo(int flags, int sizeOfProlog, Register frameRegister, int frameOffset,
                            List<UnwindCode> codes) {

    /** UNW_FLAG_EHANDLER. */
    public static final int UNW_FLAG_EHANDLER = 0x1;
    /** UNW_FLAG_UHANDLER. */
    public static final int UNW_FLAG_UHANDLER = 0x2;
    /** UNW_FLAG_CHAININFO. */
    public static final int UNW_FLAG_CHAININFO = 0x4;

    public X64UnwindInfo {
        codes = List.copyOf(codes);
        if (flags < 0 || flags > 0x1F) {
            throw new IllegalArgumentException("flags out of range: " + flags);
        }
        if (sizeOfProlog < 0 || sizeOfProlog > 0xFF) {
            throw new IllegalArgumentException("prolog too long: " + sizeOfProlog);
        }
        if (frameOffset < 0 || frameOffset > 240 || frameOffset % 16 != 0) {
            throw new IllegalArgumentException("frame offset must be a multiple of 16 in 0..240: " + frameOffset);
        }
        if (frameRegister == null && frameOffset != 0) {
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
        if (hasSetFp != (frameRegister != null)) {
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
        int n = countOfUnwindCodes();
        return 4 + 2 * (n + (n & 1));
    }

    /** The UNWIND_INFO bytes, with a zero pad slot when CountOfUnwindCodes is odd. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encodedSize());
        out.write(1 | (flags << 3));
        out.write(sizeOfProlog);
        int count = countOfUnwindCodes();
        out.write(count);
        out.write((frameRegister == null ? 0 : frameRegister.encoding()) | ((frameOffset / 16) << 4));
        for (UnwindCode c : codes) {
            out.write(c.codeOffset());
            out.write(c.op().value() | (c.opInfo() << 4));
            if (c.op() == UnwindOp.UWOP_ALLOC_LARGE) {
                int v = c.opInfo() == 0 ? c.size() / 8 : c.size();
                out.write(v);
                out.write(v >>> 8);
                if (c.opInfo() == 1) {
                    out.write(v >>> 16);
                    out.write(v >>> 24);
                }
            }
        }
        if ((count & 1) != 0) {
            out.write(0);
            out.write(0);
        }
        return out.toByteArray();
    }

    /** Decodes an UNWIND_INFO at {@code offset} (the inverse of {@link #encode()}). */
    public static X64UnwindInfo decode(byte[] data, int offset) {
        int b0 = data[offset] & 0xFF;
        if ((b0 & 7) != 1) {
            throw new IllegalArgumentException("unsupported UNWIND_INFO version " + (b0 & 7));
        }
        int flags = b0 >>> 3;
        int prolog = data[offset + 1] & 0xFF;
        int count = data[offset + 2] & 0xFF;
        int b3 = data[offset + 3] & 0xFF;
        int fpReg = b3 & 0xF;
        int fpOff = (b3 >>> 4) * 16;
        List<UnwindCode> codes = new ArrayList<>();
        boolean hasSetFp = false;
        int p = offset + 4;
        int slot = 0;
        while (slot < count) {
            int codeOffset = data[p] & 0xFF;
            int opByte = data[p + 1] & 0xFF;
            UnwindOp op = UnwindOp.of(opByte & 0xF);
            int info = opByte >>> 4;
            p += 2;
            slot++;
            switch (op) {
                case UWOP_PUSH_NONVOL -> codes.add(new UnwindCode(codeOffset, op, info, 0));
                case UWOP_SET_FPREG -> {
                    codes.add(new UnwindCode(codeOffset, op, info, 0));
                    hasSetFp = true;
                }
                case UWOP_ALLOC_SMALL -> codes.add(new UnwindCode(codeOffset, op, info, 8 + 8 * info));
                case UWOP_ALLOC_LARGE -> {
                    int size;
                    if (info == 0) {
                        size = u16(data, p) * 8;
                        p += 2;
                        slot += 1;
                    } else {
                        size = u16(data, p) | (u16(data, p + 2) << 16);
                        p += 4;
                        slot += 2;
                    }
                    codes.add(new UnwindCode(codeOffset, op, info, size));
                }
                default -> throw new AssertionError(op);
            }
        }
        if (slot != count) {
            throw new IllegalArgumentException("last unwind code overruns CountOfUnwindCodes");
        }
        Register frame = hasSetFp ? Register.of(fpReg) : null;
        return new X64UnwindInfo(flags, prolog, frame, hasSetFp ? fpOff : 0, codes);
    }

    private static int u16(byte[] d, int p) {
        return (d[p] & 0xFF) | ((d[p + 1] & 0xFF) << 8);
    }
}
