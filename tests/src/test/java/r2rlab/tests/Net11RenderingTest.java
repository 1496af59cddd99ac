package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;

/**
 * How dump names what the .NET 11 images reference: the AsyncVariant flag of method signatures,
 * tokens of the native manifest module read from the ManifestMetadata tables (generic arguments in
 * the signature's own module), instruction-set names, and ResumeInfo records in the disassembly.
 */
class Net11RenderingTest {
    private static final Pattern RAW_TOKEN = Pattern.compile("\\[module \\d+[^\\]]*\\]0x[0-9A-F]{8}");
    /** A MethodEntry signature marked as an async variant: the marker right before the name, after any module. */
    private static final Pattern MARKED_METHOD_ENTRY = Pattern.compile("MethodEntry (\\[module \\d+\\] )?\\[ASYNC\\] ");

    private static ImportCell cell(R2RImage img, int section, int index) {
        return img.importSections().get(section).cells().get(index);
    }

    @Test
    void asyncVariantFlag_isMarkedInSignatures() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // 14 2B and 13 81 00 2B: the same method, without and with AsyncVariant
        assertEquals("MethodEntry_DefToken System.IO.Compression.ZipFile.OpenAsync", cell(zip, 4, 112).signatureText());
        assertEquals("MethodEntry [ASYNC] System.IO.Compression.ZipFile.OpenAsync", cell(zip, 4, 136).signatureText());
        // 93 05 81 10 01: manifest MemberRef 1 with AsyncVariant | MemberRefToken
        assertEquals("MethodEntry [module 5] [ASYNC] System.IO.Compression.ZipFile.OpenAsync", cell(zip, 4, 137).signatureText());
        // 16 81 10 58: a VirtualEntry with AsyncVariant
        assertEquals("VirtualEntry [ASYNC] System.IO.Stream.DisposeAsync", cell(zip, 1, 42).signatureText());
        // MethodEntry cells whose flags have 0x100, counted from the signature bytes by an independent reader: 15 in ZipFile, 519 in all 24
        int all = 0;
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            int marked = 0;
            for (ImportSection s : img.importSections()) {
                for (ImportCell c : s.cells()) {
                    if (c.signature() != null && c.signature().kind() == ReadyToRunFixupKind.MethodEntry
                            && MARKED_METHOD_ENTRY.matcher(c.signatureText()).lookingAt()) {
                        marked++;
                    }
                }
            }
            if (p.getFileName().toString().equals("System.IO.Compression.ZipFile.dll")) {
                assertEquals(15, marked);
            }
            all += marked;
        }
        assertEquals(519, all);
    }

    @Test
    void manifestTokens_areNamedFromTheManifestTables() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        // 95 05 02: the manifest's MemberRef 2 (the image has 4 AssemblyRefs: module 5 is the manifest)
        assertEquals("MethodEntry_RefToken [module 5] System.Runtime.CompilerServices.ExecutionAndSyncBlockStore.Push",
                cell(zip, 4, 22).signatureText());
        assertEquals("MethodEntry_RefToken [module 5] System.Runtime.CompilerServices.AsyncHelpers.RestoreContextsOnSuspension",
                cell(zip, 4, 30).signatureText());
        assertEquals("NewObject [module 5] System.IO.Compression.ZipArchive", cell(zip, 3, 6).signatureText());
        // a method instantiation is read in the signature's module: the manifest's TypeRef 3
        assertEquals("MethodDictionary [module 5] System.Threading.Tasks.Task.FromResult<System.IO.Compression.ZipArchive>",
                cell(zip, 5, 0).signatureText());
        // 10 15 12 80 E9 02 3F 0B 15 12 09 01 12 68 1C: Action`2 of the manifest's Task`1 (MODULE_ZAPSIG 11) over TypeDef 0x1A,
        // which the runtime reads in the signature's own module: Ping's TypeDef 26 (monodis) is PingReply
        R2RImage ping = R2RImage.read(Fixtures.net11("System.Net.Ping.dll"));
        assertEquals("TypeHandle System.Action`2<System.Threading.Tasks.Task`1<System.Net.NetworkInformation.PingReply>, System.Object>",
                cell(ping, 5, 66).signatureText());
        // no token of any of the 24 images is left raw
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            for (ImportSection s : img.importSections()) {
                for (ImportCell c : s.cells()) {
                    assertFalse(c.signatureText() != null && RAW_TOKEN.matcher(c.signatureText()).find(), p.getFileName() + ": " + c.signatureText());
                }
            }
        }
    }

    @Test
    void instructionSets_areNamed() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        assertEquals("Check_InstructionSetSupport X86Base+ Avx+ Avx2+", cell(zip, 2, 0).signatureText()); // 30 03 2D 0F 11
        R2RImage tar = R2RImage.read(Fixtures.net11("System.Formats.Tar.dll"));
        assertEquals("Check_InstructionSetSupport X86Base+ Avx+ Avx2+ VectorT256+ VectorT512-", cell(tar, 5, 0).signatureText());
        R2RImage arm = R2RImage.read(Fixtures.r2r("mqttGateway-bt__System.Collections__ARM64-Linux__r2r9.1.dll"));
        List<String> isa = arm.importSections().stream().flatMap(s -> s.cells().stream())
                .filter(c -> c.signature() != null && c.signature().kind() == ReadyToRunFixupKind.Check_InstructionSetSupport)
                .map(ImportCell::signatureText).distinct().sorted().collect(Collectors.toList());
        assertEquals(List.of("Check_InstructionSetSupport ArmBase+ AdvSimd+", "Check_InstructionSetSupport Rcpc+"), isa);
    }

    @Test
    void disassembly_marksAsyncTargetsAndFunclets_andNamesResumeInfoRecords() throws Exception {
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        try (ImageDisassembler d = new ImageDisassembler(zip)) {
            List<ImageDisassembler.Region> regions = d.regions();
            ImageDisassembler.Region stub = regions.stream().filter(r -> r.rva() == 0x6DA0).findFirst().orElseThrow();
            assertTrue(stub.lines().stream().anyMatch(l -> l.rva() == 0x6DB6 && l.annotation().equals("-> [ASYNC] System.IO.Compression.ZipFile.OpenAsync")),
                    stub.lines().toString());
            ImageDisassembler.Region funclet = regions.stream().filter(r -> r.runtimeFunction() == 128).findFirst().orElseThrow();
            assertEquals("[ASYNC] System.IO.Compression.ZipFile.OpenAsync [funclet]", funclet.name());
            // 0xEE30 = {0x140006DA0 the stub, 0x1400070A0 the suspension block}, 0xEE40 = {the stub, 0x1400070FF}
            ImageDisassembler.Region variant = regions.stream().filter(r -> r.rva() == 0x6F80).findFirst().orElseThrow();
            List<String> resumeInfo = variant.lines().stream().filter(l -> l.annotation().contains("ResumeInfo"))
                    .map(l -> String.format("%X %s %s", l.rva(), l.text(), l.annotation())).collect(Collectors.toList());
            assertEquals(List.of("70B0 lea rcx, [rip + 0x7d79] -> ResumeInfo {[RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub, "
                            + "[ASYNC] System.IO.Compression.ZipFile.OpenAsync+0x120}",
                    "712A lea rcx, [rip + 0x7d0f] -> ResumeInfo {[RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub, "
                            + "[ASYNC] System.IO.Compression.ZipFile.OpenAsync+0x17F}"), resumeInfo);
        }
    }

    @Test
    void disassembly_namesResumeInfoRecordsOfEmittedCode() {
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), a));
            try (ImageDisassembler d = new ImageDisassembler(img)) {
                List<String> labels = d.regions().stream().flatMap(r -> r.lines().stream()).map(ImageDisassembler.Line::annotation)
                        .filter(n -> n.contains("ResumeInfo")).collect(Collectors.toList());
                // Main and Compute each suspend once: one record each, resumed through their own stubs
                assertEquals(2, labels.size(), a + ": " + labels);
                assertTrue(labels.get(0).matches(".*ResumeInfo \\{\\[RESUME\\] Demo\\.Program\\.Main\\$ResumptionStub, \\[ASYNC\\] Demo\\.Program\\.Main\\+0x[0-9A-F]+\\}"),
                        labels.get(0));
                assertTrue(labels.get(1).matches(".*ResumeInfo \\{\\[RESUME\\] Demo\\.Program\\.Compute\\$ResumptionStub, \\[ASYNC\\] Demo\\.Program\\.Compute\\+0x[0-9A-F]+\\}"),
                        labels.get(1));
                assertTrue(labels.stream().noneMatch(n -> n.contains("thunk")), labels.toString());
            }
        }
    }
}
