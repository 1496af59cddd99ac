package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RBP;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RCX;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RDX;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * Real async variants called fresh (null continuation, every argument 0) with {@code --cpu x86-64-v3}: the helpers and
 * CoreLib methods the model provides carry them on (lazy helper cells, field offsets, string literals, the context
 * methods), and each stops at a named method or helper, an instruction-set rejection, or a fault of its null
 * arguments.
 */
class RealCodeModelTest {
    private static R2RImage read(String name) throws Exception {
        return R2RImage.read(Fixtures.net11(name));
    }

    private static ReadyToRunMethod variant(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT && m.name().equals(name)).findFirst().orElseThrow();
    }

    private static FaultReport fault(RunOutcome o) {
        assertTrue(o instanceof RunOutcome.Faulted, String.valueOf(o));
        return ((RunOutcome.Faulted) o).report();
    }

    /**
     * ZipFileExtensions.ExtractToDirectoryAsync: CaptureContexts, ThrowIfCancellationRequested of a default token, then
     * {@code ArgumentNullException.ThrowIfNull(source)} with the parameter's name from StringImports[15] in RDX
     * ({@code [CallerArgumentExpression]} makes it "source"): a string object {MethodTable, length 6, UTF-16}.
     */
    @Test
    void stringHandle_isAStringObject() throws Exception {
        R2RImage img = read("System.IO.Compression.ZipFile.dll");
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            FaultReport f = fault(rt.runAsyncVariant(variant(img, "System.IO.Compression.ZipFileExtensions.ExtractToDirectoryAsync"), 0, 0, 0, 0));
            assertEquals("fixup ImportSection[4] cell 6 (MethodEntry_RefToken) failed: the runtime could not resolve"
                    + " System.ArgumentNullException.ThrowIfNull", f.message());
            assertEquals(0x8B1C, f.pc() - img.pe().imageBase());
            long str = rt.engine().regRead(UC_X86_REG_RDX);
            assertEquals(6, rt.engine().readInt(str + 8));
            assertEquals("source", new String(rt.engine().memRead(str + 12, 12), StandardCharsets.UTF_16LE));
            assertTrue(rt.trace().contains("CaptureContexts [0x700FFE88] = ec 0x600001B0, [0x700FFE80] = sc 0x0"), rt.trace().toString());
        }
    }

    /**
     * Tar's GnuSparseStream.ParseSparseMap: its closure through HelperImports[26] (NewObject, a DelayLoad_Helper thunk),
     * the cell patched to the bound helper; {@code mov dword ptr [rdx + rax], 0x400} with RAX from the FieldOffset cell
     * of {@code bufferSize} (PrecodeImports[240]) lands in that object; then ArrayPool<byte>.Shared, not provided.
     */
    @Test
    void delayLoadHelper_newObject_fieldOffsetIsAnInteger() throws Exception {
        R2RImage img = read("System.Formats.Tar.dll");
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            FaultReport f = fault(rt.runAsyncVariant(variant(img, "System.Formats.Tar.GnuSparseStream.ParseSparseMap"), 0, 0, 0));
            assertEquals("fixup ImportSection[4] cell 166 (MethodEntry) failed: the runtime could not resolve"
                    + " System.Buffers.ArrayPool`1<System.Byte>.get_Shared", f.message());
            long closure = rt.engine().readLong(rt.engine().regRead(UC_X86_REG_RBP) - 0x58);
            long cell = rt.engine().readLong(img.pe().imageBase() + 0x3E450);
            assertEquals(EmulatedRuntime.TRAP_BASE, cell & ~0xFFFFL, "HelperImports[26] now leads to the bound NewObject helper");
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("DelayLoad_Helper cell 0x3E450 (section 3) NewObject"
                    + " System.Formats.Tar.GnuSparseStream+<>c__DisplayClass36_0 -> ")), rt.trace().toString());
            long offset = rt.info().cellValue(5, 240);
            assertEquals(0x400, rt.engine().readInt(closure + offset));
            assertTrue(offset >= 8 && offset < rt.engine().readInt(rt.engine().readLong(closure) + 4), "inside the object: " + offset);
        }
    }

    /**
     * The completions the Task-returning thunks call, through the images' own cells: ZipFile's MethodImports[77]
     * {@code Task.FromResult<__Canon>} (dictionary in RCX, the result in RDX, as the thunk at 0x59BF passes them),
     * [25] {@code TaskFromException(Exception)}, [81] {@code TaskFromException<__Canon>}; Ping's [90]
     * {@code ValueTask.FromResult<__Canon>} (return buffer RCX, dictionary RDX, result R8, as at 0x744E; the thunk copies
     * 24 bytes back). Task objects: status +8 (1 completed, 2 faulted), result +16, exception +32.
     */
    @Test
    void taskAndValueTaskCompletions_throughTheRealCells() throws Exception {
        R2RImage zip = read("System.IO.Compression.ZipFile.dll");
        try (EmulatedRuntime rt = new EmulatedRuntime(zip, CpuProfile.X86_64_V3)) {
            long fromResult = rt.info().resolveCell(4, 77);
            long task = ((RunOutcome.Returned) rt.callAddress(fromResult, 0x1234, 0x5678)).value();
            assertEquals(rt.taskMethodTable(), rt.engine().readLong(task));
            assertEquals(1, rt.engine().readLong(task + 8));
            assertEquals(0x5678, rt.engine().readLong(task + 16));
            long faulted = ((RunOutcome.Returned) rt.callAddress(rt.info().resolveCell(4, 25), 0xE1)).value();
            assertEquals(2, rt.engine().readLong(faulted + 8));
            assertEquals(0xE1, rt.engine().readLong(faulted + 32));
            long faultedOfT = ((RunOutcome.Returned) rt.callAddress(rt.info().resolveCell(4, 81), 0x1234, 0xE2)).value();
            assertEquals(0xE2, rt.engine().readLong(faultedOfT + 32));
        }
        R2RImage ping = read("System.Net.Ping.dll");
        try (EmulatedRuntime rt = new EmulatedRuntime(ping, CpuProfile.X86_64_V3)) {
            long buffer = rt.allocate(24);
            long returned = ((RunOutcome.Returned) rt.callAddress(rt.info().resolveCell(4, 90), buffer, 0x1234, 0x5678)).value();
            assertEquals(buffer, returned);
            assertEquals(0, rt.engine().readLong(buffer));
            assertEquals(0x5678, rt.engine().readLong(buffer + 8));
            assertEquals(0x10000, rt.engine().readLong(buffer + 16), "_token 0, _continueOnCapturedContext true");
        }
    }

    /**
     * Ping's SR.get_ResourceManager: SR's static base through a DelayLoad_Helper StaticBaseGC cell (null field: not
     * created yet), {@code typeof(FxResources.System.Net.Ping.SR)} through GetRuntimeTypeHandle with the TypeHandle of
     * PrecodeImports[22] in RCX, a ResourceManager through a NewObject cell, then its constructor (this = the new object,
     * RDX = the RuntimeType, as at 0x4A31-0x4A37), which CoreLib would run: not provided.
     */
    @Test
    void getRuntimeTypeHandle_isARuntimeTypeOfTheHandle() throws Exception {
        R2RImage img = read("System.Net.Ping.dll");
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            FaultReport f = fault(rt.run(0x06000021));
            assertEquals("fixup ImportSection[4] cell 27 (MethodEntry_RefToken) failed: the runtime could not resolve"
                    + " System.Resources.ResourceManager..ctor", f.message());
            assertEquals(0x4A37, f.pc() - img.pe().imageBase());
            long type = rt.engine().regRead(UC_X86_REG_RDX);
            assertEquals(rt.info().cellValue(5, 22), rt.engine().readLong(type + 8), "the RuntimeType of PrecodeImports[22]'s handle");
            long manager = rt.engine().regRead(UC_X86_REG_RCX);
            assertEquals(256, rt.engine().readInt(rt.engine().readLong(manager) + 4), "a type of another module: 256 bytes");
        }
    }

    /** Where every async variant of ZipFile, Ping and Tar stops when called fresh with null arguments. */
    @Test
    void zipFilePingTar_variantsStopAtNamedPlaces() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("System.IO.Compression.ZipFile.dll", "1 callee rejected: Avx (VEX.256); 2 method System.ArgumentNullException.ThrowIfNull;"
                + " 1 method System.IO.Directory.Exists; 6 rejected: Avx (VEX.256); ");
        expected.put("System.Net.Ping.dll", "2 rejected: Avx (VEX.256); ");
        expected.put("System.Formats.Tar.dll", "9 READ_UNMAPPED (null arguments); 1 callee rejected: Avx (VEX.256);"
                + " 1 method System.Buffers.ArrayPool`1<System.Byte>.get_Shared; 1 method System.Memory`1<System.Byte>.get_Length;"
                + " 1 method System.Runtime.InteropServices.Marshalling.SafeHandleMarshaller`1+ManagedToUnmanagedOut<System.__Canon>..ctor;"
                + " 22 rejected: Avx (VEX.256); 1 returns; ");
        Map<String, String> actual = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            R2RImage img = read(name);
            Map<String, Integer> stops = new TreeMap<>();
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                rt.recordTrace(false);
                rt.setTimeoutMicros(10_000_000);
                for (ReadyToRunMethod m : img.methods()) {
                    if (m.kind() != CodeBodyKind.ASYNC_VARIANT || m.source() != ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                        continue;
                    }
                    MethodSignature sig = img.metadata().methodDefSignature(MetadataTable.rid(m.token()));
                    String stop;
                    try {
                        RunOutcome o = rt.runAsyncVariant(m, new long[sig.parameters().size() + (sig.hasThis() ? 1 : 0)]);
                        if (o instanceof RunOutcome.Faulted fo) {
                            FaultReport r = fo.report();
                            assertTrue(r.kind() != FaultReport.Kind.INVALID_INSTRUCTION && r.kind() != FaultReport.Kind.CPU_EXCEPTION
                                    && !(r.cause() instanceof IllegalStateException), m.label() + ": " + r);
                            stop = r.kind() == FaultReport.Kind.RUNTIME_ERROR ? r.message().replaceFirst("^fixup .*? failed: ", "")
                                    .replaceFirst("^the runtime could not resolve ", "method ")
                                    .replaceFirst("^target .* needs (\\S+ \\([^)]*\\)).*", "callee rejected: $1")
                                    : r.kind() + " (null arguments)";
                        } else {
                            stop = o instanceof RunOutcome.Returned ? "returns" : "throws";
                        }
                    } catch (RunRejectedException e) {
                        stop = e.getMessage().contains("which the emulated CPU does not execute") ? "rejected: Avx (VEX.256)" : e.getMessage();
                    }
                    stops.merge(stop, 1, Integer::sum);
                }
            }
            StringBuilder line = new StringBuilder();
            stops.forEach((stop, n) -> line.append(n).append(' ').append(stop).append("; "));
            actual.put(name, line.toString());
        }
        assertEquals(expected, actual);
    }
}
