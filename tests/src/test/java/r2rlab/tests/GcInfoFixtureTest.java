package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import r2rlab.format.FormatException;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * Every GcInfo blob of every method of the x64 and ARM64 fixtures: it decodes, its size (⌈Info1⌉ + ⌈Info2⌉
 * bytes) is followed by 0-3 zero bytes up to the next structure the image holds (the next unwind record, or an
 * R2R section), its CodeLength is the method's code from its start to the end of its last runtime function
 * (funclets included), and encoding the decoded value gives the same bytes.
 */
class GcInfoFixtureTest {

    @Test
    void everyBlobDecodesExactlyAndReEncodesToTheSameBytes() throws Exception {
        int images = 0;
        int blobs = 0;
        List<String> failures = new ArrayList<>();
        for (Path p : Fixtures.all()) {
            R2RImage img = R2RImage.read(p);
            if (MethodGcInfo.encoding(img) == null) {
                continue;
            }
            images++;
            TreeSet<Long> unwindRecords = new TreeSet<>();
            for (RuntimeFunction rf : img.runtimeFunctions()) {
                unwindRecords.add(rf.unwindRva());
            }
            Map<Long, MethodGcInfo> distinct = new TreeMap<>();
            for (ReadyToRunMethod m : img.methods()) {
                MethodGcInfo g = MethodGcInfo.of(img, m);
                GcInfo.Decoded d = g.decode(img);
                long end = rfEnd(img, m);
                if (d.info().codeLength() != end - m.entryRva()) {
                    failures.add(Fixtures.relative(p) + " " + m.label() + ": CodeLength " + d.info().codeLength() + " vs " + (end - m.entryRva()));
                }
                distinct.putIfAbsent(g.rva(), g);
            }
            byte[] file = img.pe().file().array();
            for (MethodGcInfo g : distinct.values()) {
                GcInfo.Decoded d = g.decode(img);
                int size = d.size();
                long end = g.rva() + size;
                long aligned = (end + 3) & ~3L;
                Long next = unwindRecords.higher(g.rva());
                boolean zeros = true;
                for (long k = end; k < aligned; k++) {
                    zeros &= file[(int) (g.fileOffset() + k - g.rva())] == 0;
                }
                // the next unwind record starts at the 4-byte boundary; after the block's last blob comes another node
                if (!zeros || next != null && next != aligned) {
                    failures.add(String.format("%s %s at 0x%X: %d bytes, next unwind record at 0x%X", Fixtures.relative(p), g.label(),
                            g.rva(), size, next));
                }
                byte[] blob = Arrays.copyOfRange(file, (int) g.fileOffset(), (int) g.fileOffset() + size);
                byte[] again = d.info().encode();
                if (!Arrays.equals(blob, again)) {
                    failures.add(String.format("%s %s at 0x%X: re-encoded %s != %s", Fixtures.relative(p), g.label(), g.rva(),
                            hex(again), hex(blob)));
                }
                blobs++;
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
        assertEquals(44, images);
        assertEquals(18150, blobs);
    }

    /**
     * tests/oracle/gcinfo_oracle.py, an independent decoder in Python, finds each method's GcInfo at the same RVA
     * and agrees on its code length, safepoints (count and offsets), interruptible ranges, slot count and size.
     */
    @Test
    void independentDecoderAgreesOnEveryMethod() throws Exception {
        JsonObject oracle = GcInfoOracle.run(Fixtures.root());
        assertEquals(44, oracle.size(), "the oracle decodes the 44 x64 and ARM64 images");
        int methods = 0;
        for (Path path : Fixtures.all()) {
            R2RImage img = R2RImage.read(path);
            if (MethodGcInfo.encoding(img) == null) {
                continue;
            }
            JsonObject figures = oracle.getAsJsonObject(Fixtures.relative(path));
            assertEquals(img.methods().size(), figures.size(), Fixtures.relative(path));
            for (ReadyToRunMethod m : img.methods()) {
                assertEquals(figures.get(Integer.toString(m.entryRuntimeFunction())), GcInfoOracle.figures(img, m),
                        Fixtures.relative(path) + " " + m.label());
                methods++;
            }
        }
        assertEquals(30916, methods);
    }

    /**
     * Every distinct blob of ZipFile x64 and ARM64, cut one byte short, fails with the method's name and a bit
     * position; with seeded random bit flips each either decodes or fails with a FormatException, and what decodes
     * either encodes or is refused by the encoder with an IllegalArgumentException, never anything else.
     */
    @Test
    void truncatedAndFlippedBlobsEndInAFormatError() throws Exception {
        Random random = new Random(10);
        int decodedAfterFlips = 0;
        for (Path p : List.of(Fixtures.net11("System.IO.Compression.ZipFile.dll"),
                Fixtures.r2r("ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll"))) {
            R2RImage img = R2RImage.read(p);
            Map<Long, MethodGcInfo> distinct = new TreeMap<>();
            for (ReadyToRunMethod m : img.methods()) {
                MethodGcInfo g = MethodGcInfo.of(img, m);
                distinct.putIfAbsent(g.rva(), g);
            }
            byte[] file = img.pe().file().array();
            for (MethodGcInfo g : distinct.values()) {
                int size = g.decode(img).size();
                byte[] cut = Arrays.copyOfRange(file, (int) g.fileOffset(), (int) g.fileOffset() + size - 1);
                FormatException e = assertThrows(FormatException.class, () -> GcInfo.decode(cut, 0, g.encoding(), g.version(), "GcInfo of " + g.label()));
                assertTrue(e.getMessage().startsWith("GcInfo of " + g.label() + " at file offset 0x") && e.getMessage().contains(" at bit "),
                        e.getMessage());
                for (int k = 0; k < 20; k++) {
                    byte[] flipped = Arrays.copyOfRange(file, (int) g.fileOffset(), (int) g.fileOffset() + size + 16);
                    for (int f = 0; f < 3; f++) {
                        int bit = random.nextInt(size * 8);
                        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    GcInfo.Decoded d;
                    try {
                        d = GcInfo.decode(flipped, 0, g.encoding(), g.version(), "flipped");
                    } catch (FormatException expected) {
                        continue;
                    }
                    decodedAfterFlips++;
                    try {
                        d.info().encode();
                    } catch (IllegalArgumentException refused) {
                        // a value the format cannot say again (e.g. a slot table out of the encoder's order)
                    }
                }
            }
        }
        assertTrue(decodedAfterFlips > 0, "some flipped blobs still decode");
    }

    private static long rfEnd(R2RImage img, ReadyToRunMethod m) {
        long end = 0;
        for (int i : m.runtimeFunctions()) {
            end = Math.max(end, img.runtimeFunctions().get(i).endRva());
        }
        return end;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
