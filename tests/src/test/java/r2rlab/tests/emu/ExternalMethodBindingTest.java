package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.runtime.FixupFailure;
import r2rlab.tests.Fixtures;

/**
 * The emulated runtime names an external method in the module its signature names, and only there.
 * It used to look every MemberRef rid up in the ManifestMetadata section, so these cells of the .NET 11
 * images, whose signatures have no module override (their MemberRef is the image's own), bound to
 * the emulated CoreLib method the manifest's row of the same rid names. Member names from
 * {@code monodis --memberref}; the rows: image, MethodImports cell, kind, own MemberRef, its name,
 * the handler the cell used to bind to.
 */
class ExternalMethodBindingTest {
    private static final String[][] WRONGLY_BOUND = {
            {"System.Data.Common.dll", "66", "MethodEntry_RefToken", "0xa00000f", "GetEnvironmentVariable", "FinalizeTaskReturningThunk"},
            {"System.Data.Common.dll", "499", "MethodEntry_RefToken", "0xa00001e", ".ctor", "CaptureContexts"},
            {"System.Diagnostics.Process.dll", "151", "MethodEntry_RefToken", "0xa000019", "ToStringAndClear", "RestoreContexts"},
            {"System.Diagnostics.Process.dll", "232", "MethodEntry", "0xa000006", "ToUnmanaged", "FinalizeTaskReturningThunk"},
            {"System.Diagnostics.Process.dll", "314", "MethodEntry", "0xa000018", "AppendFormatted", "CaptureContexts"},
            {"System.Formats.Tar.dll", "0", "MethodEntry_RefToken", "0xa000011", "TryGetSwitch", "CaptureContexts"},
            {"System.Formats.Tar.dll", "134", "MethodEntry_RefToken", "0xa00001a", "IsPathFullyQualified", "FinalizeTaskReturningThunk"},
            {"System.IO.Compression.Brotli.dll", "2", "MethodEntry_RefToken", "0xa000019", "Format", "FinalizeTaskReturningThunk"},
            {"System.IO.Compression.Brotli.dll", "65", "MethodEntry", "0xa00000f", "ToUnmanaged", "CaptureContexts"},
            {"System.IO.Compression.Brotli.dll", "67", "MethodEntry", "0xa000010", "Free", "RestoreContexts"},
            {"System.IO.Compression.ZipFile.dll", "10", "MethodEntry_RefToken", "0xa00000b", "get_DateTime", "FinalizeTaskReturningThunk"},
            {"System.IO.Compression.ZipFile.dll", "16", "MethodEntry_RefToken", "0xa000006", ".ctor", "FinalizeTaskReturningThunk"},
            {"System.IO.Compression.ZipFile.dll", "61", "MethodEntry", "0xa000017", "Slice", "RestoreContexts"},
            {"System.IO.Compression.dll", "72", "MethodEntry_RefToken", "0xa000021", ".ctor", "RestoreContexts"},
            {"System.IO.Pipes.dll", "66", "MethodEntry_RefToken", "0xa000010", "GetPinnableReference", "RestoreContexts"},
            {"System.IO.Pipes.dll", "140", "MethodEntry", "0xa00000f", "Free", "CaptureContexts"},
            {"System.Net.HttpListener.dll", "236", "MethodEntry", "0xa000018", "GetPinnableReference", "FinalizeTaskReturningThunk"},
            {"System.Net.HttpListener.dll", "238", "MethodEntry", "0xa000006", "get_BufferSize", "FinalizeTaskReturningThunk"},
            {"System.Net.HttpListener.dll", "243", "MethodEntry", "0xa00000f", "ToUnmanaged", "CaptureContexts"},
            {"System.Net.HttpListener.dll", "246", "MethodEntry", "0xa000010", "op_Implicit", "RestoreContexts"},
            {"System.Net.Mail.dll", "107", "MethodEntry_RefToken", "0xa000006", ".ctor", "FinalizeTaskReturningThunk"},
            {"System.Net.Mail.dll", "154", "MethodEntry_RefToken", "0xa000027", "Await", "FinalizeTaskReturningThunk"},
            {"System.Net.Mail.dll", "194", "MethodEntry", "0xa00001e", ".ctor", "RestoreContexts"},
            {"System.Net.NetworkInformation.dll", "45", "MethodEntry_RefToken", "0xa000010", "PtrToStringAnsi", "RestoreContexts"},
            {"System.Net.NetworkInformation.dll", "85", "MethodEntry", "0xa000006", "FromUnmanaged", "FinalizeTaskReturningThunk"},
            {"System.Net.NetworkInformation.dll", "116", "MethodEntry", "0xa00000f", "IndexOf", "CaptureContexts"},
            {"System.Net.Ping.dll", "65", "MethodEntry", "0xa000013", "GetPinnableReference", "CaptureContexts"},
            {"System.Net.Ping.dll", "81", "MethodEntry", "0xa000006", "Free", "FinalizeTaskReturningThunk"},
            {"System.Net.Quic.dll", "108", "MethodEntry_RefToken", "0xa00002d", "SetHandle", "FinalizeTaskReturningThunk"},
            {"System.Net.Quic.dll", "214", "MethodEntry", "0xa000019", "FromManaged", "RestoreContexts"},
            {"System.Net.Security.dll", "274", "MethodEntry", "0xa000010", "ToUnmanaged", "CaptureContexts"},
            {"System.Net.Security.dll", "277", "MethodEntry", "0xa000011", "Free", "RestoreContexts"},
            {"System.Net.Sockets.dll", "22", "MethodEntry_RefToken", "0xa00001e", "TryGetSwitch", "CaptureContexts"},
            {"System.Net.Sockets.dll", "27", "MethodEntry_RefToken", "0xa00001f", "GetEnvironmentVariable", "RestoreContexts"},
            {"System.Net.Sockets.dll", "252", "MethodEntry", "0xa00000f", "ToUnmanaged", "FinalizeTaskReturningThunk"},
            {"System.Net.Sockets.dll", "253", "MethodEntry", "0xa000006", "Free", "FinalizeTaskReturningThunk"},
            {"System.Net.WebSockets.Client.dll", "42", "MethodEntry_RefToken", "0xa00000f", "ThrowIfNull", "CaptureContexts"},
            {"System.Net.WebSockets.dll", "7", "MethodEntry_RefToken", "0xa000015", "Concat", "CaptureContexts"},
            {"System.Net.WebSockets.dll", "25", "MethodEntry_RefToken", "0xa000016", ".ctor", "RestoreContexts"},
            {"System.Net.WebSockets.dll", "120", "MethodEntry_RefToken", "0xa00001e", "WriteEvent", "FinalizeTaskReturningThunk"},
            {"System.Private.Xml.Linq.dll", "24", "MethodEntry_RefToken", "0xa000019", ".ctor", "CaptureContexts"},
            {"System.Security.Cryptography.dll", "459", "MethodEntry", "0xa000018", "ToUnmanaged", "FinalizeTaskReturningThunk"},
            {"System.Security.Cryptography.dll", "554", "MethodEntry", "0xa000013", "Free", "FinalizeTaskReturningThunk"},
            {"System.Threading.Tasks.Parallel.dll", "5", "MethodEntry_RefToken", "0xa000012", ".ctor", "CaptureContexts"},
            {"System.Threading.Tasks.Parallel.dll", "17", "MethodEntry_RefToken", "0xa000007", "get_None", "FinalizeTaskReturningThunk"},
    };

    /**
     * The generic methods among those MemberRefs ({@code monodis} shows {@code !!0} in their signatures): the
     * emulated runtime names a method with its generic arity, "AppendFormatted``1".
     */
    private static final Map<String, Integer> GENERIC_ARITY = Map.of(
            "System.Diagnostics.Process.dll 314", 1,
            "System.Net.NetworkInformation.dll 116", 1);

    @Test
    void cellsWithoutModuleOverride_resolveInTheImagesOwnMetadata_notTheManifest() throws Exception {
        assertEquals(45, WRONGLY_BOUND.length);
        Map<String, List<String[]>> byImage = new LinkedHashMap<>();
        Set<String> refTokenImages = new TreeSet<>();
        int refTokenCells = 0;
        for (String[] row : WRONGLY_BOUND) {
            byImage.computeIfAbsent(row[0], k -> new ArrayList<>()).add(row);
            if (row[2].equals("MethodEntry_RefToken")) {
                refTokenCells++;
                refTokenImages.add(row[0]);
            }
        }
        assertEquals(23, refTokenCells);
        assertEquals(15, refTokenImages.size());
        assertEquals(19, byImage.size());
        for (Map.Entry<String, List<String[]>> e : byImage.entrySet()) {
            R2RImage img = R2RImage.read(Fixtures.net11(e.getKey()));
            Metadata manifest = img.modules().metadataOf(img.metadata().rowCount(MetadataTable.ASSEMBLYREF) + 1);
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                for (String[] row : e.getValue()) {
                    String where = e.getKey() + " MethodImports[" + row[1] + "]";
                    ImportCell c = img.importSections().get(4).cells().get(Integer.parseInt(row[1]));
                    int token = Integer.decode(row[3]);
                    assertEquals(row[2], c.signature().kind().name(), where);
                    assertEquals(FixupSignature.NO_MODULE_OVERRIDE, c.signature().moduleOverride(), where);
                    assertEquals(0, c.method().module(), where);
                    assertEquals(token, c.method().token(), where);
                    int rid = MetadataTable.rid(token);
                    assertEquals(row[4], img.metadata().memberRef(rid).name(), where);
                    assertEquals(row[5], manifest.memberRef(rid).name(), where + ": the manifest row of the same rid");
                    FixupFailure f = assertThrows(FixupFailure.class, () -> rt.info().resolveCell(4, c.index()), where);
                    assertEquals(FixupFailure.Reason.UNRESOLVED, f.reason(), where);
                    int arity = GENERIC_ARITY.getOrDefault(e.getKey() + " " + row[1], 0);
                    String provided = "." + row[4] + (arity > 0 ? "``" + arity : "") + " is not provided by the emulated runtime";
                    assertTrue(rt.trace().stream().anyMatch(t -> t.startsWith("external method ") && t.endsWith(provided)),
                            where + ": " + rt.trace());
                }
                List<String> traps = rt.traps().names();
                assertFalse(traps.stream().anyMatch(n -> n.contains("AsyncHelpers")), e.getKey() + ": " + traps);
            }
        }
    }

    /** A cell that names the manifest module binds to the emulated CoreLib method its manifest MemberRef names. */
    @Test
    void manifestModuleCell_bindsToTheCoreLibMethod() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        ImportCell c = img.importSections().get(4).cells().get(28); // 95 05 16: MethodEntry_RefToken, module 5, MemberRef 0x16
        assertEquals(0x95, c.signature().kindByte());
        assertEquals(5, c.method().module());
        assertEquals("MethodEntry_RefToken [module 5] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts", c.signatureText());
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            long address = rt.info().resolveCell(4, 28);
            List<String> traps = rt.traps().names();
            int slot = (int) ((address - rt.traps().base()) / TrapPage.SLOT_SIZE);
            assertEquals("System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts", traps.get(slot));
        }
    }
}
