package r2rlab.format.gcinfo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MetadataFixtures;
import r2rlab.format.pe.PeImage;

/**
 * Exact values of hand-checked GcInfo blobs of the real images. Each blob's bytes are those of the fixture at the
 * given RVA (the unwind record before it, the pad after it and the next unwind record were read from the image);
 * the expected fields were worked out bit by bit from the bytes (LSB first; the bit positions are in the comments)
 * and cross-checked against the code: safepoints follow call instructions, live registers are those the code
 * keeps across the call.
 */
class GcInfoTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    private static GcInfo.Decoded decode(String hex, GcInfoEncoding enc, int version) {
        byte[] b = HEX.parseHex(hex);
        GcInfo.Decoded d = GcInfo.decode(b, 0, enc, version, "test blob");
        assertEquals(b.length, d.size(), "the blob's exact size");
        assertArrayEquals(b, d.info().encode(), "encode gives the blob back");
        return d;
    }

    private static BitSet bits(int... indices) {
        BitSet b = new BitSet();
        for (int i : indices) {
            b.set(i);
        }
        return b;
    }

    private static List<BitSet> liveAtSafePoints(GcInfo g) {
        List<BitSet> out = new ArrayList<>();
        for (int i = 0; i < g.safePoints().size(); i++) {
            out.add(g.safePointLiveness().liveAt(i));
        }
        return out;
    }

    /**
     * ZipFile x64 (R2R 18.5) {@code System.SR.GetUsingResourceKeysSwitchValue}, GcInfo RVA 0x187C: bit 0 IsFat 0,
     * bit 1 stack base register 0, bits 2-10 code length 44 (0b000101100, more 0), bits 11-13 one safepoint (base 2),
     * bits 14-19 safepoint 25 (6 bits = ⌈log2 44⌉; 0x19: return address of the call at +0x13), bit 20 no registers,
     * bit 21 no stack slots: 22 bits, 3 bytes.
     */
    @Test
    void tinySlimMethod() {
        GcInfo g = decode("b0 48 06", GcInfoEncoding.X64, 4).info();
        assertFalse(g.fat());
        assertEquals(0, g.headerFlags());
        assertEquals(-1, g.stackBaseRegister());
        assertEquals(44, g.codeLength());
        assertEquals(List.of(25), g.safePoints());
        assertEquals(List.of(), g.slots());
        assertNull(g.safePointLiveness());
        assertNull(g.chunks());
    }

    /**
     * ZipFile x64 {@code System.SR.Format}, GcInfo RVA 0x18D0, 19 bytes: slim, code length 202, six safepoints of 8
     * bits from bit 17 (0x28 0x39 0x60 0x84 0xAD 0xC2), four registers from bit 80 (RAX interior; RAX, flags 0; then
     * deltas 2 → RBX and 2 → RSI), three untracked SP_REL slots from bit 98 (+0x28 interior; +0x38; delta 1 → +0x40),
     * bit 127 direct live state, then 6 × 4 bits 1011 0100 1011 1001 0000 0100 up to bit 152.
     */
    @Test
    void slimMethodWithUntrackedSlotsAndDirectLiveState() {
        GcInfo.Decoded d = decode("28 73 50 72 c0 08 5b 85 33 71 10 20 55 a8 03 05 2d 9d 20", GcInfoEncoding.X64, 4);
        GcInfo g = d.info();
        assertEquals(152, d.info1Bits());
        assertEquals(0, d.info2Bits());
        assertEquals(202, g.codeLength());
        assertEquals(List.of(0x28, 0x39, 0x60, 0x84, 0xAD, 0xC2), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(0, GcSlot.INTERIOR), GcSlot.ofRegister(0, 0), GcSlot.ofRegister(3, 0), GcSlot.ofRegister(6, 0),
                GcSlot.ofStack(GcSlot.SP_REL, 0x28, GcSlot.INTERIOR, true), GcSlot.ofStack(GcSlot.SP_REL, 0x38, 0, true),
                GcSlot.ofStack(GcSlot.SP_REL, 0x40, 0, true)), g.slots());
        assertEquals(4, g.numTracked());
        assertInstanceOf(GcInfo.Direct.class, g.safePointLiveness());
        assertEquals(List.of(bits(0, 2, 3), bits(1), bits(0, 2, 3), bits(0, 3), bits(), bits(1)), liveAtSafePoints(g));
        assertEquals(bits(1), g.trackedLiveAt(0x39));
        assertEquals(bits(), g.trackedLiveAt(0x3A), "no safepoint and no interruptible range: nothing tracked");
        assertEquals("GC_SLOT_INTERIOR, GC_SLOT_UNTRACKED GC_SP_REL+0x28", g.slots().get(4).text(GcInfoEncoding.X64));
        assertEquals("GC_SLOT_BASE RSI", g.slots().get(3).text(GcInfoEncoding.X64));
    }

    /**
     * ZipFile x64 {@code OpenAsync$ResumptionStub}, GcInfo RVA 0x2424, 6 bytes: code length 57, one safepoint 27
     * (0x1B, after the call to the async variant), registers RBX interior (the result byref), RAX and (delta 0) RCX,
     * all three live at the safepoint (the returned value and continuation).
     */
    @Test
    void resumptionStub() {
        GcInfo g = decode("e4 c8 76 26 00 0e", GcInfoEncoding.X64, 4).info();
        assertEquals(57, g.codeLength());
        assertEquals(List.of(27), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(3, GcSlot.INTERIOR), GcSlot.ofRegister(0, 0), GcSlot.ofRegister(1, 0)), g.slots());
        assertEquals(List.of(bits(0, 1, 2)), liveAtSafePoints(g));
    }

    /**
     * System.Private.DataContractSerialization x64 {@code JsonWriterDelegator.WriteJsonBooleanArray}, GcInfo RVA 0x19D34,
     * 13 bytes: slim, code length 168, safepoints 85 107 127 143, six plain registers RBX RBP RSI RDI R12 R13; bit 81
     * indirection 1, bits 82-85 pointer width − 1 = 0, four 1-bit pointers 0 (Info1 ends at bit 90); Info2 at bit 96:
     * one simple vector, all six live (7 bits).
     */
    @Test
    void indirectLiveSetsShareOneSet() {
        GcInfo.Decoded d = decode("a0 62 aa d6 fe 1e 3b 86 00 0c 02 00 7e", GcInfoEncoding.X64, 4);
        GcInfo g = d.info();
        assertEquals(90, d.info1Bits());
        assertEquals(7, d.info2Bits());
        assertEquals(List.of(85, 107, 127, 143), g.safePoints());
        List<Integer> registers = new ArrayList<>();
        g.slots().forEach(s -> registers.add(s.register()));
        assertEquals(List.of(3, 5, 6, 7, 12, 13), registers);
        GcInfo.Indirect in = assertInstanceOf(GcInfo.Indirect.class, g.safePointLiveness());
        assertEquals(1, in.pointerBits());
        assertEquals(List.of(0, 0, 0, 0), in.pointers());
        assertEquals(List.of(new GcInfo.LiveSet(0, new SlotStateVector(SlotStateVector.Form.SIMPLE, bits(0, 1, 2, 3, 4, 5)))), in.sets());
    }

    /**
     * System.Net.Ping x64 {@code Ping+<>c.<SendPingAsync>b__53_0}, GcInfo RVA 0x260C, 7 bytes: one safepoint, no
     * tracked slot, two untracked SP_REL slots +0x28 and +0x30, and still the indirection bit (bit 48, written with
     * zero-width vectors): 49 bits. Reading stops at bit 48 in the runtime, which needs no bit of a zero-width vector.
     */
    @Test
    void untrackedOnlyStillWritesTheIndirectionBit() {
        GcInfo.Decoded d = decode("1c c9 4a 58 05 0a 00", GcInfoEncoding.X64, 4);
        GcInfo g = d.info();
        assertEquals(49, d.info1Bits());
        assertEquals(71, g.codeLength());
        assertEquals(List.of(43), g.safePoints());
        assertEquals(List.of(GcSlot.ofStack(GcSlot.SP_REL, 0x28, 0, true), GcSlot.ofStack(GcSlot.SP_REL, 0x30, 0, true)), g.slots());
        assertEquals(List.of(bits()), liveAtSafePoints(g));
    }

    /**
     * ChessPuzzlesBot ZipFile ARM64 (R2R 16.0, GcInfo v4) {@code System.SR.Format}, GcInfo RVA 0x10ADC, 16 bytes: slim
     * with X29 as stack base register, code length 51 instructions = 204 bytes, five safepoints (base 3) of 6 bits in
     * instructions (10 18 26 36 48 → 0x28 0x48 0x68 0x90 0xC0, each after a bl/blr), registers X0 interior, X0, X19
     * (delta 18), X20, untracked FRAMEREG +0x10 and +0x18.
     */
    @Test
    void arm64V4NormalizesCodeOffsets() {
        GcInfo g = decode("ce 28 45 d2 48 38 85 41 80 19 28 c0 a0 85 43 00", GcInfoEncoding.ARM64, 4).info();
        assertEquals(29, g.stackBaseRegister());
        assertEquals(204, g.codeLength());
        assertEquals(List.of(0x28, 0x48, 0x68, 0x90, 0xC0), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(0, GcSlot.INTERIOR), GcSlot.ofRegister(0, 0), GcSlot.ofRegister(19, 0), GcSlot.ofRegister(20, 0),
                GcSlot.ofStack(GcSlot.FRAMEREG_REL, 0x10, 0, true), GcSlot.ofStack(GcSlot.FRAMEREG_REL, 0x18, 0, true)), g.slots());
        assertEquals(List.of(bits(0, 2, 3), bits(1), bits(2, 3), bits(0), bits(1)), liveAtSafePoints(g));
    }

    /**
     * ChessPuzzlesBot ZipFile ARM64 {@code Interop+Sys.StrError}, GcInfo RVA 0x1095C, 12 bytes: fat, flags 0x44
     * (GS cookie, stack base register), 69 instructions, prolog size − 1 = 11 instructions (48 bytes), epilog 0, GS
     * cookie −24 × 8 = caller SP − 192, X29, no outgoing area, safepoints 28 37 43 50 (× 4), no ranges, X0 live only
     * at the last.
     */
    @Test
    void arm64GsCookie() {
        GcInfo g = decode("89 28 b2 00 0a 40 70 4a 2b d9 00 40", GcInfoEncoding.ARM64, 4).info();
        assertTrue(g.fat());
        assertEquals(0x44, g.headerFlags());
        assertEquals(276, g.codeLength());
        assertEquals(48, g.prologSize());
        assertEquals(0, g.epilogSize());
        assertEquals(-192, g.gsCookieStackSlot());
        assertEquals(29, g.stackBaseRegister());
        assertEquals(List.of(0x70, 0x94, 0xAC, 0xC8), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(0, 0)), g.slots());
        assertEquals(List.of(bits(), bits(), bits(), bits(0)), liveAtSafePoints(g));
    }

    /**
     * mqttGateway ZipFile ARM64 (R2R 9.1, GcInfo v2) {@code System.SR.get_ResourceManager}, GcInfo RVA 0x10A58, 12
     * bytes: slim, X29, ReturnKind (2 bits) 1 = RT_Object, code length 40 instructions = 160 bytes, four safepoints of
     * ⌈log2 160⌉ = 8 bits in bytes, the return address − 1 (31 71 91 115), registers X19 interior, X20, X21.
     */
    @Test
    void arm64V2KeepsByteOffsetsAndReturnKind() {
        GcInfo g = decode("86 82 3e 8e b6 e6 8e 95 58 00 64 05", GcInfoEncoding.ARM64, 2).info();
        assertEquals(1, g.returnKind());
        assertEquals(160, g.codeLength());
        assertEquals(List.of(31, 71, 91, 115), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(19, GcSlot.INTERIOR), GcSlot.ofRegister(20, 0), GcSlot.ofRegister(21, 0)), g.slots());
        assertEquals(List.of(bits(), bits(0), bits(0, 1), bits(0, 2)), liveAtSafePoints(g));
    }

    /**
     * ZipFile x64 {@code OpenAsync} [ASYNC], GcInfo RVA 0x24A4, 203 bytes read from the image: fat, flags 0xC0 (RBP,
     * report only leaf), code length 656, no safepoints, five ranges, 8 registers, 5 tracked and 3 untracked stack slots
     * (the slot deltas unsigned: +0x10 after −0x30 is delta 8), 11-bit chunk pointers, Info1 exactly 360 bits and
     * Info2 158 bytes. The live registers and slots after each call are what the code keeps there: after
     * CaptureContexts (0x3B) the path in RSI, RDI and the continuation home [rbp+0x10]; after CreateAsync (0x7D) the
     * result RAX, the continuation RCX, the stream at [rbp−0x30].
     */
    @Test
    void fullyInterruptibleAsyncVariant() {
        PeImage pe = PeImage.read(MetadataFixtures.bytes(MetadataFixtures.fixture("r2r-net11-async/System.IO.Compression.ZipFile.dll")));
        long offset = pe.rvaToOffset("GcInfo", 0x24A4, 203);
        byte[] image = pe.file().array();
        assertEquals("81 81 2c 00 0c 1b 09 3d", HEX.formatHex(image, (int) offset, (int) offset + 8));
        GcInfo.Decoded d = GcInfo.decode(image, offset, GcInfoEncoding.X64, 4, "OpenAsync");
        assertEquals(203, d.size());
        assertEquals(360, d.info1Bits());
        assertArrayEquals(Arrays.copyOfRange(image, (int) offset, (int) offset + 203), d.info().encode());
        GcInfo g = d.info();
        assertEquals(0xC0, g.headerFlags());
        assertEquals(5, g.stackBaseRegister());
        assertEquals(0x30, g.sizeOfStackOutgoingAndScratchArea());
        assertEquals(656, g.codeLength());
        assertEquals(List.of(new GcInfo.InterruptibleRange(36, 269), new GcInfo.InterruptibleRange(274, 283),
                new GcInfo.InterruptibleRange(288, 601), new GcInfo.InterruptibleRange(605, 620), new GcInfo.InterruptibleRange(625, 655)),
                g.interruptibleRanges());
        assertEquals(List.of(GcSlot.ofStack(2, -0x38, 0, false), GcSlot.ofStack(2, -0x30, 0, false), GcSlot.ofStack(2, 0x10, 0, false),
                GcSlot.ofStack(1, 0x20, 0, false), GcSlot.ofStack(1, 0x28, 0, false), GcSlot.ofStack(2, -0x28, 0, true),
                GcSlot.ofStack(2, -0x20, 0, true), GcSlot.ofStack(2, 0x30, 0, true)), g.slots().subList(8, 16));
        List<Integer> pointers = new ArrayList<>();
        g.chunks().chunks().forEach(c -> pointers.add(c.pointer()));
        assertEquals(11, g.chunks().pointerBits());
        assertEquals(List.of(1, 94, 254, 385, 534, 651, 842, 945, 1064, 1204), pointers);
        // tracked slots: 0 RCX interior, 1 RAX, 2 RCX, 3 RDX, 4 RBX, 5 RSI, 6 RDI, 7 R8, 8 [rbp-0x38], 9 [rbp-0x30],
        // 10 [rbp+0x10], 11 [rsp+0x20], 12 [rsp+0x28]
        assertEquals(bits(5, 6, 10), g.trackedLiveAt(0x3B));
        assertEquals(bits(1, 6, 10), g.trackedLiveAt(0x57));
        assertEquals(bits(1, 2, 9, 10), g.trackedLiveAt(0x7D));
        assertEquals(bits(4), g.trackedLiveAt(0x104));
        assertEquals(bits(1, 9, 10), g.trackedLiveAt(0x12D));
        assertEquals(bits(), g.trackedLiveAt(0x10), "in the prolog, outside every range");
        // chunk 0: RCX (slot 2) final 1, transitions at 13 and 54: live from the range start 0x24, dead at 0x31, live at 0x5A
        List<GcInfo.Transition> rcx = new ArrayList<>();
        for (GcInfo.Transition t : g.transitions()) {
            if (t.slot() == 2 && t.codeOffset() < 0x60) {
                rcx.add(t);
            }
        }
        assertEquals(List.of(new GcInfo.Transition(0x24, 2, true), new GcInfo.Transition(0x31, 2, false), new GcInfo.Transition(0x5A, 2, true)), rcx);
        int written = 0;
        for (GcInfo.Chunk c : g.chunks().chunks()) {
            for (List<Integer> t : c.data().transitions()) {
                written += t.size();
            }
        }
        assertEquals(140, written);
    }

    /**
     * The run-length form of System.Data.Common {@code ForeignKeyConstraint..ctor}'s chunk 0 mask over 10 tracked
     * slots: IsRLE 1, negated 1 (dead runs in base 2, live runs in base 4), no leading dead slot (000), one run of 10
     * (9 = 1001, more 0): bits 1 1 000 10010 = 0x23 0x01.
     */
    @Test
    void runLengthVector() {
        GcBitReader r = new GcBitReader(new byte[] {0x23, 0x01}, 0, "vector");
        SlotStateVector v = SlotStateVector.read(r, 10);
        assertEquals(10, r.position());
        assertEquals(new SlotStateVector(SlotStateVector.Form.RLE_NEGATED, bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), v);
        GcBitWriter w = new GcBitWriter();
        v.write(w, 10);
        assertArrayEquals(new byte[] {0x23, 0x01}, w.toByteArray(w.position()));
        // the same set, not negated: 1 0, 0000 (4 bits + more), 9 in base 2 = 01 1, 10 0 → 1 0 00000 011 100
        GcBitWriter plain = new GcBitWriter();
        new SlotStateVector(SlotStateVector.Form.RLE, v.slots()).write(plain, 10);
        assertEquals(13, plain.position());
        assertEquals(v.slots(), SlotStateVector.read(new GcBitReader(plain.toByteArray(13), 0, "vector"), 10).slots());
    }

    @Test
    void truncatedBlobNamesTheStructureAndTheBit() {
        byte[] b = HEX.parseHex("28 73 50 72 c0 08 5b 85 33 71 10 20 55 a8 03 05 2d 9d");
        FormatException e = assertThrows(FormatException.class, () -> GcInfo.decode(b, 0, GcInfoEncoding.X64, 4, "GcInfo of System.SR.Format"));
        // the six 4-bit vectors start at bit 128; 18 bytes leave 16 bits
        assertEquals("GcInfo of System.SR.Format at file offset 0x10: safepoint live state at bit 128: 6 vectors of 4 bits cannot fit the 16 bits left",
                e.getMessage());
    }

    /** A count far beyond the bits left is refused before anything is allocated for it. */
    @Test
    void hugeCountsAreCheckedAgainstTheBitsLeft() {
        // slim (2 bits), code length 44 (9 bits), then safepoint count 0xFFFFFF in base 2 (12 chunks of 3 bits): bit 47,
        // and one more byte: 56 bits in all, 9 left
        GcBitWriter w = new GcBitWriter();
        w.write(0, 2);
        w.writeVarUnsigned(44, 8);
        w.writeVarUnsigned(0xFFFFFF, 2);
        byte[] b = w.toByteArray(w.position() + 8);
        FormatException e = assertThrows(FormatException.class, () -> GcInfo.decode(b, 0, GcInfoEncoding.X64, 4, "GcInfo of M"));
        assertEquals("GcInfo of M at file offset 0x5: safepoint offsets at bit 47: 16777215 safepoints of 6 bits cannot fit the 9 bits left",
                e.getMessage());
        GcBitWriter v = new GcBitWriter();
        v.write(0, 2);
        v.writeVarUnsigned(1L << 40, 8);
        FormatException big = assertThrows(FormatException.class,
                () -> GcInfo.decode(v.toByteArray(v.position()), 0, GcInfoEncoding.X64, 4, "GcInfo of M"));
        assertEquals("GcInfo of M at file offset 0x0: code length at bit 2: var-length integer longer than 32 bits", big.getMessage());
    }

    @Test
    void encoderRefusesWhatTheFormatCannotSay() {
        GcInfo g = decode("e4 c8 76 26 00 0e", GcInfoEncoding.X64, 4).info();
        GcInfo unsorted = new GcInfo(g.encoding(), 4, false, 0, 0, 57, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, g.safePoints(), List.of(),
                List.of(GcSlot.ofRegister(3, 0), GcSlot.ofRegister(1, 0)), new GcInfo.Direct(List.of(bits(0, 1))), null);
        assertThrows(IllegalArgumentException.class, unsorted::encode);
        GcInfo slimWithFlags = new GcInfo(g.encoding(), 4, false, GcInfo.HAS_GS_COOKIE, 0, 57, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0,
                List.of(), List.of(), List.of(), null, null);
        assertThrows(IllegalArgumentException.class, slimWithFlags::encode);
    }

    @Test
    void versionFromReadyToRunVersion() {
        assertEquals(4, GcInfo.versionForReadyToRun(18, 5));
        assertEquals(4, GcInfo.versionForReadyToRun(11, 0));
        assertEquals(3, GcInfo.versionForReadyToRun(10, 1));
        assertEquals(3, GcInfo.versionForReadyToRun(9, 2));
        assertEquals(2, GcInfo.versionForReadyToRun(9, 1));
        assertEquals(2, GcInfo.versionForReadyToRun(2, 2));
        assertEquals(1, GcInfo.versionForReadyToRun(1, 1));
    }
}
