package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.TypeLayout;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * Continuation.Flags as the 24 real .NET 11 images write them, decoded with Capstone: every value names data slots
 * inside its variant's ContinuationLayout when read with the R2R 18.5 split, and the Exception slot is a reference
 * in the layout's GC map; read with CoreLib main's split, many do not.
 */
class ContinuationFlagsTest {
    private static final ContinuationObject OBJECT = ContinuationObject.POINTER_SIZE_8;

    /** The ContinuationLayout of an async variant: the layout of the one 0x37 cell in its fixup list. */
    static TypeLayout layoutOf(R2RImage img, ReadyToRunMethod m) {
        List<TypeLayout> layouts = new ArrayList<>();
        for (FixupCell f : m.fixups()) {
            ImportCell c = img.importSections().get(f.importSection()).cells().get(f.slot());
            if (c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout) {
                layouts.add(((FixupSignature.Layout) c.signature()).layout());
            }
        }
        assertEquals(1, layouts.size(), m.name() + " has one ContinuationLayout fixup");
        return layouts.get(0);
    }

    /** Why {@code flags} does not fit {@code layout} under {@code split}, or null when every slot it names does. */
    static String misfit(ContinuationFlags split, int flags, TypeLayout layout) {
        int[] indices = {split.exceptionIndex(flags), split.continuationContextIndex(flags), split.resultIndex(flags)};
        for (int index : indices) {
            if (index != 0 && index * OBJECT.pointerSize() > layout.size()) {
                return "index " + index + " is past the " + layout.size() + "-byte data area";
            }
        }
        int exception = split.exceptionIndex(flags);
        if (exception != 0 && !layout.isReference(exception - 1)) {
            return "the Exception slot " + exception + " is no reference in the GC map";
        }
        return null;
    }

    @Test
    void realImages_everyFlagsStoreFitsItsLayoutWithTheR2R185Split() throws Exception {
        Map<String, Integer> perImage = new TreeMap<>();
        Map<Integer, Integer> values = new TreeMap<>();
        int misfitsWithCoreLibMain = 0;
        try (Disassembler d = new Disassembler(false)) {
            for (Path p : Fixtures.net11()) {
                R2RImage img = R2RImage.read(p);
                List<ContinuationStores.Store> stores = ContinuationStores.of(img, d, false);
                perImage.put(p.getFileName().toString().replace(".dll", ""), stores.size());
                for (ContinuationStores.Store s : stores) {
                    values.merge(s.flags(), 1, Integer::sum);
                    TypeLayout layout = layoutOf(img, s.method());
                    String why = misfit(ContinuationFlags.R2R_18_5, s.flags(), layout);
                    assertEquals(null, why, () -> String.format("%s: Flags 0x%X at 0x%X", s.method().name(), s.flags(), s.address()));
                    if (misfit(ContinuationFlags.CORELIB_MAIN, s.flags(), layout) != null) {
                        misfitsWithCoreLibMain++;
                    }
                }
            }
        }
        assertEquals(Map.ofEntries(Map.entry("System.Data.Common", 25), Map.entry("System.Diagnostics.Process", 18),
                Map.entry("System.Formats.Tar", 71), Map.entry("System.IO.Compression", 129), Map.entry("System.IO.Compression.Brotli", 6),
                Map.entry("System.IO.Compression.ZipFile", 25), Map.entry("System.IO.Pipes", 1), Map.entry("System.Net.Http", 251),
                Map.entry("System.Net.HttpListener", 28), Map.entry("System.Net.Mail", 81), Map.entry("System.Net.NameResolution", 4),
                Map.entry("System.Net.NetworkInformation", 1), Map.entry("System.Net.Ping", 3), Map.entry("System.Net.Quic", 18),
                Map.entry("System.Net.Requests", 14), Map.entry("System.Net.Security", 78), Map.entry("System.Net.Sockets", 10),
                Map.entry("System.Net.WebClient", 1), Map.entry("System.Net.WebSockets", 45), Map.entry("System.Net.WebSockets.Client", 2),
                Map.entry("System.Private.DataContractSerialization", 32), Map.entry("System.Private.Xml.Linq", 62),
                Map.entry("System.Security.Cryptography", 28), Map.entry("System.Threading.Tasks.Parallel", 6)), perImage);
        assertEquals(939, perImage.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(Map.ofEntries(Map.entry(0x0, 92), Map.entry(0x1, 212), Map.entry(0x8, 98), Map.entry(0x9, 155), Map.entry(0x40, 7),
                Map.entry(0x48, 1), Map.entry(0x80, 32), Map.entry(0x81, 137), Map.entry(0x100, 8), Map.entry(0x101, 19), Map.entry(0x108, 56),
                Map.entry(0x109, 94), Map.entry(0x181, 6), Map.entry(0x188, 2), Map.entry(0x189, 9), Map.entry(0x1C8, 1), Map.entry(0x201, 2),
                Map.entry(0x208, 1), Map.entry(0x209, 4), Map.entry(0x281, 1), Map.entry(0x309, 2)), values);
        // Read with CoreLib main's split, 173 of the 939 name a slot past the data area or an Exception slot that is no reference.
        assertEquals(173, misfitsWithCoreLibMain);
    }

    @Test
    void r2r185Split_decodesTheValuesTheImagesStore() {
        ContinuationFlags f = ContinuationFlags.R2R_18_5;
        // 0x109 (ZipFile OpenAsync, state 0): ContinueOnThreadPool, Exception index 1, Result index 2.
        assertEquals(List.of(1, 1, 0, 2), List.of(0x109 & 7, f.exceptionIndex(0x109), f.continuationContextIndex(0x109), f.resultIndex(0x109)));
        // 0x1C8 (Parallel): Exception 1, continuation context 2, Result 3.
        assertEquals(List.of(0, 1, 2, 3), List.of(0x1C8 & 7, f.exceptionIndex(0x1C8), f.continuationContextIndex(0x1C8), f.resultIndex(0x1C8)));
        // 0x80 (Ping <>c.<SendPingAsync>b__56_0): only a Result, at index 1.
        assertEquals(List.of(0, 0, 1), List.of(f.exceptionIndex(0x80), f.continuationContextIndex(0x80), f.resultIndex(0x80)));
    }

    @Test
    void zipFileAndPing_storesAtTheAddressesOfTheirSuspensionBlocks() throws Exception {
        try (Disassembler d = new Disassembler(false)) {
            R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
            List<String> openAsync = new ArrayList<>();
            for (ContinuationStores.Store s : ContinuationStores.of(zip, d, false)) {
                if (s.method().name().equals("System.IO.Compression.ZipFile.OpenAsync")) {
                    openAsync.add(String.format("%X flags 0x%X state %d", s.address() - zip.pe().imageBase(), s.flags(), s.state()));
                }
            }
            // mov qword [rsi+0x18], 0x109 at 0x70BB; movabs rcx, 0x100000001 then the store at 0x713F.
            assertEquals(List.of("70BB flags 0x109 state 0", "713F flags 0x1 state 1"), openAsync);
            R2RImage ping = R2RImage.read(Fixtures.net11("System.Net.Ping.dll"));
            List<String> all = new ArrayList<>();
            for (ContinuationStores.Store s : ContinuationStores.of(ping, d, false)) {
                all.add(String.format("%X flags 0x%X state %d", s.address() - ping.pe().imageBase(), s.flags(), s.state()));
            }
            assertEquals(3, all.size());
            assertTrue(all.contains("7BE0 flags 0x108 state 0"), all.toString());
        }
    }

    /** "Method state flags" for every Flags store of an emitted image, in code order. */
    static List<String> emittedStores(R2RImage img, Architecture arch) {
        List<String> out = new ArrayList<>();
        try (Disassembler d = new Disassembler(arch == Architecture.ARM64)) {
            for (ContinuationStores.Store s : ContinuationStores.of(img, d, arch == Architecture.ARM64)) {
                String name = s.method().name();
                out.add(String.format("%s %d 0x%X", name.substring(name.lastIndexOf('.') + 1), s.state(), s.flags()));
                assertEquals(null, misfit(ContinuationFlags.R2R_18_5, s.flags(), layoutOf(img, s.method())), name);
            }
        }
        return out;
    }

    @Test
    void emittedImages_storeTheR2R185Values() {
        // ContinueOnThreadPool, Exception index 1, and Result index 2 when the awaited method returns a value (0x109,
        // as ZipFile's OpenAsync at 0x70BB); an await of yield or of a void method has no Result (0x9).
        Map<String, List<String>> expected = Map.of(
                "async-basic.yaml", List.of("Main 0 0x9", "Compute 0 0x109"),
                "async-exception.yaml", List.of("Caller 0 0x109", "Fail 0 0x9", "Bump 0 0x9", "Run 0 0x109"),
                "async-nested.yaml", List.of("A 0 0x109", "B 0 0x109", "C 0 0x9"),
                "calls.yaml", List.of(),
                "exceptions.yaml", List.of("Fail 0 0x9", "CatchAroundAwait 0 0x109", "AwaitInFinally 0 0x109", "AwaitInFinally 1 0x9",
                        "AwaitInCatch 0 0x9", "Nested 0 0x109", "Nested 1 0x9"),
                "gc-refs.yaml", List.of("Main 0 0x9", "Main 1 0x109", "Swap 0 0x9", "Swap 1 0x9", "Chain 0 0x9", "Chain 1 0x109", "Chain 2 0x9",
                        "Sum 0 0x109", "Same 0 0x9", "Run 0 0x109"),
                "gcpoint.yaml", List.of("Work 0 0x9"),
                "tiering.yaml", List.of("Hot 0 0x9", "Main 0 0x109", "Hot$Tier1 0 0x9"));
        for (Architecture arch : Architecture.values()) {
            for (Path p : Emitted.examples()) {
                assertEquals(expected.get(p.getFileName().toString()), emittedStores(Emitted.read(Emitted.emit(Emitted.scenario(p), arch)), arch),
                        arch + " " + p.getFileName());
            }
            // Three awaits: states 0, 1 and 2 in one variant.
            assertEquals(List.of("M0 0 0x9", "M0 1 0x9", "M0 2 0x9"),
                    emittedStores(Emitted.read(Emitted.emit(EmittedCodeShapeTest.manyAwaits(1), arch)), arch), arch.toString());
        }
    }
}
