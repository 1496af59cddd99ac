package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import r2rlab.format.FormatException;
import r2rlab.format.pe.PeImage;
import r2rlab.format.pe.SectionHeader;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;

/**
 * Corrupted fixtures (truncations, bit flips, seeded random mutations aimed at the structures the
 * reader walks): each must end in a FormatException or a successful read, within a few seconds,
 * and never in any other exception, a hang or an out-of-memory.
 */
class CorruptImageTest {
    private static final List<String> IMAGES = List.of(
            "r2r/asmresolver__ReadyToRunTest__AMD64-Windows__r2r5.4.dll",
            "r2r/binskim__Binskim.win-x86.RTR__I386-Windows__r2r2.2.dll",
            "r2r/Rpi3Gateway__System.IO.Compression.ZipFile__ARMNT-Linux__r2r5.4.dll",
            "r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll",
            "r2r-net11-async/System.IO.Compression.ZipFile.dll",
            "r2r-net11-async/System.Net.Ping.dll");
    private static final int MUTATIONS_PER_IMAGE = 2500;

    private static ExecutorService pool;

    @BeforeAll
    static void start() {
        pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "corrupt-image-reader", 64L << 20);
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    /** How a read of a corrupted image ended (any other ending fails the test). */
    private enum Outcome {
        READ, FORMAT_ERROR
    }

    /** Reads one mutated image; fails the test unless it parses or raises FormatException in time. */
    private static Outcome check(String what, byte[] bytes) {
        Future<?> f = pool.submit(() -> R2RImage.read("mutant", bytes));
        try {
            f.get(10, TimeUnit.SECONDS);
            return Outcome.READ;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof FormatException fe) {
                assertNamesStructureAndOffset(what, fe);
                return Outcome.FORMAT_ERROR;
            }
            return fail(what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail(what + ": read did not finish within 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(what + ": interrupted");
        }
    }

    /**
     * The message reads "STRUCTURE at file offset 0xOFFSET: problem", or "STRUCTURE: problem" when
     * the bytes are not in the file (the offset may lie past the end of a truncated file).
     */
    static void assertNamesStructureAndOffset(String what, FormatException fe) {
        String structure = fe.structure();
        assertTrue(structure != null && !structure.isBlank(), what + ": no structure named: " + fe.getMessage());
        String prefix = fe.fileOffset() >= 0 ? structure + " at file offset 0x" + Long.toHexString(fe.fileOffset()) + ": " : structure + ": ";
        assertTrue(fe.getMessage().startsWith(prefix) && fe.getMessage().length() > prefix.length(),
                what + ": message does not read '" + prefix + "problem': " + fe.getMessage());
    }

    /** File ranges of the structures the reader walks: headers, R2R sections, import signatures, metadata. */
    private static List<long[]> structureRanges(byte[] bytes) {
        R2RImage img = R2RImage.read("original", bytes);
        PeImage pe = img.pe();
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {0, Math.min(bytes.length, 0x400)});
        for (ReadyToRunSection s : img.header().sections()) {
            long o = pe.rvaToOffset("section", s.rva(), s.size());
            ranges.add(new long[] {o, o + Math.min(s.size(), 0x4000)});
        }
        long h = pe.rvaToOffset("header", img.header().rva(), 16);
        ranges.add(new long[] {h, h + 16 + 12L * img.header().sections().size()});
        for (ImportSection is : img.importSections()) {
            if (!is.cells().isEmpty() && is.cells().get(0).signatureRva() != 0) {
                long o = pe.rvaToOffset("sig", is.cells().get(0).signatureRva(), 1);
                ranges.add(new long[] {o, Math.min(bytes.length, o + 0x400)});
            }
        }
        long md = pe.rvaToOffset("md", img.corHeader().metadata().rva(), 1);
        ranges.add(new long[] {md, Math.min(bytes.length, md + 0x800)});
        for (SectionHeader s : pe.sections()) {
            assertTrue(s.pointerToRawData() <= bytes.length);
        }
        return ranges;
    }

    /** End of the last section's raw data, from the section table (read here, not through PeImage). */
    private static int rawDataEnd(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int coff = buf.getInt(0x3C) + 4;
        int sections = buf.getShort(coff + 2) & 0xFFFF;
        int table = coff + 20 + (buf.getShort(coff + 16) & 0xFFFF);
        int end = 0;
        for (int i = 0; i < sections; i++) {
            int h = table + 40 * i;
            end = Math.max(end, buf.getInt(h + 20) + buf.getInt(h + 16));
        }
        return end;
    }

    @Test
    void truncations() throws Exception {
        for (String name : IMAGES) {
            byte[] b = Files.readAllBytes(Fixtures.root().resolve(name));
            int rawEnd = rawDataEnd(b);
            List<Integer> lengths = new ArrayList<>(List.of(0, 1, 0x3C, 0x40, 0x80, 0x84, 0x98, 0x178, 0x200, rawEnd - 1, rawEnd));
            for (int i = 0; i <= 64; i++) {
                lengths.add((int) ((long) b.length * i / 64));
            }
            // A file that cuts a section's raw data is malformed; what follows the sections is not read.
            for (int len : lengths) {
                String what = name + " truncated to " + len;
                assertEquals(len < rawEnd ? Outcome.FORMAT_ERROR : Outcome.READ, check(what, Arrays.copyOf(b, len)), what);
            }
        }
    }

    @Test
    void bitFlipsAndRandomMutations() throws Exception {
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        for (String name : IMAGES) {
            byte[] original = Files.readAllBytes(Fixtures.root().resolve(name));
            List<long[]> ranges = structureRanges(original);
            Random rnd = new Random(name.hashCode());
            for (int i = 0; i < MUTATIONS_PER_IMAGE; i++) {
                byte[] b = original.clone();
                long[] r = ranges.get(rnd.nextInt(ranges.size()));
                int span = (int) Math.max(1, r[1] - r[0]);
                String what;
                if (i % 2 == 0) {
                    int at = (int) r[0] + rnd.nextInt(span);
                    int bit = rnd.nextInt(8);
                    b[at] ^= (byte) (1 << bit);
                    what = String.format("%s bit %d of byte 0x%X flipped", name, bit, at);
                } else {
                    int n = 1 + rnd.nextInt(8);
                    StringBuilder sb = new StringBuilder(name + " bytes set:");
                    for (int k = 0; k < n; k++) {
                        int at = (int) r[0] + rnd.nextInt(span);
                        int v = rnd.nextInt(4) == 0 ? 0xFF : rnd.nextInt(256);
                        b[at] = (byte) v;
                        sb.append(String.format(" [0x%X]=0x%02X", at, v));
                    }
                    what = sb.toString();
                }
                outcomes.merge(check(what, b), 1, Integer::sum);
            }
        }
        // The mutations must reach the checks: a good share of them is caught, and a good share still reads.
        int tenth = IMAGES.size() * MUTATIONS_PER_IMAGE / 10;
        assertTrue(outcomes.getOrDefault(Outcome.FORMAT_ERROR, 0) >= tenth, "outcomes: " + outcomes);
        assertTrue(outcomes.getOrDefault(Outcome.READ, 0) >= tenth, "outcomes: " + outcomes);
    }

    @Test
    void randomBytes() {
        Random rnd = new Random(1234);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[rnd.nextInt(4096)];
            rnd.nextBytes(b);
            if (i % 2 == 0 && b.length > 0x40) {
                b[0] = 'M';
                b[1] = 'Z';
                b[0x3C] = 0x40;
                b[0x3D] = 0;
                b[0x3E] = 0;
                b[0x3F] = 0;
            }
            final byte[] bytes = b;
            FormatException e = assertThrows(FormatException.class, () -> R2RImage.read("random", bytes));
            assertNamesStructureAndOffset("random image " + i, e);
        }
    }

    @Test
    void knownCorruptions_nameStructureAndOffset() throws Exception {
        byte[] b = Files.readAllBytes(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        R2RImage img = R2RImage.read("zip", b);
        long hdr = img.pe().rvaToOffset("h", img.header().rva(), 16);
        byte[] sig = b.clone();
        sig[(int) hdr] = 'X';
        FormatException e = assertThrows(FormatException.class, () -> R2RImage.read("zip", sig));
        assertEquals("READYTORUN_HEADER.Signature", e.structure());
        assertEquals(hdr, e.fileOffset());

        // An import section whose cell count exceeds the file.
        ReadyToRunSection is = img.header().section(101);
        long isOff = img.pe().rvaToOffset("is", is.rva(), is.size());
        byte[] big = b.clone();
        big[(int) isOff + 4] = (byte) 0xFF;
        big[(int) isOff + 5] = (byte) 0xFF;
        big[(int) isOff + 6] = (byte) 0xFF;
        big[(int) isOff + 7] = (byte) 0x7F;
        e = assertThrows(FormatException.class, () -> R2RImage.read("zip", big));
        assertEquals("ImportSection[0].Size", e.structure());
        assertEquals(isOff + 4, e.fileOffset());
    }
}
