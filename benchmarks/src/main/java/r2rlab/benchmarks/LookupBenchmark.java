package r2rlab.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.nativeformat.NativeArray;
import r2rlab.format.nativeformat.NativeHashtable;
import r2rlab.format.nativeformat.NativeReader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.MethodEntryPoint;
import r2rlab.format.r2r.ReadyToRunMethodSignature;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.VersionResilientHash;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.ReadyToRunJitManager;

/**
 * The runtime's three lookups, each beside a {@code java.util.HashMap} over the same keys, in the
 * 10,000-method module of {@link EmitBenchmark} (x64): MethodDef entry point by rid (the
 * MethodDefEntryPoints NativeArray), instance entry point (InstanceMethodEntryPoints: version-resilient
 * hash, bucket, signature compare), and code address → MethodDesc (the code manager: runtime function
 * by binary search, then back to the registered method start). Keys cycle through every method.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LookupBenchmark {
    @Param({"10000"})
    public int methods;

    private NativeReader methodDefReader;
    private NativeArray methodDefEntryPoints;
    private int[] rids;
    private Map<Integer, Integer> runtimeFunctionByRid;

    private NativeReader instanceReader;
    private NativeHashtable instanceEntryPoints;
    private R2RImage img;
    private int[] variantTokens;
    private int[] variantHashes;
    private Map<Integer, Integer> runtimeFunctionByVariant;

    private EmulatedRuntime rt;
    private ReadyToRunJitManager codeManager;
    private long[] codeRvas;
    private Map<Long, MethodDesc> methodDescByStart;

    private int next;

    @Setup
    public void setUp() {
        img = R2RImage.read("lookup.dll", Emitter.emit(EmitBenchmark.module(methods), EmitOptions.of(Architecture.X64)));
        methodDefReader = sectionReader(ReadyToRunSectionType.MethodDefEntryPoints);
        methodDefEntryPoints = new NativeArray(methodDefReader, methodDefReader.start());
        instanceReader = sectionReader(ReadyToRunSectionType.InstanceMethodEntryPoints);
        instanceEntryPoints = new NativeHashtable(instanceReader, instanceReader.start());
        List<ReadyToRunMethod> defs = new ArrayList<>();
        List<ReadyToRunMethod> variants = new ArrayList<>();
        for (ReadyToRunMethod m : img.methods()) {
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                defs.add(m);
            } else if (m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS && m.kind() == CodeBodyKind.ASYNC_VARIANT) {
                variants.add(m);
            }
        }
        rids = new int[defs.size()];
        runtimeFunctionByRid = new HashMap<>();
        for (int i = 0; i < rids.length; i++) {
            rids[i] = MetadataTable.rid(defs.get(i).token());
            runtimeFunctionByRid.put(rids[i], defs.get(i).entryRuntimeFunction());
        }
        variantTokens = new int[variants.size()];
        variantHashes = new int[variants.size()];
        runtimeFunctionByVariant = new HashMap<>();
        for (int i = 0; i < variantTokens.length; i++) {
            ReadyToRunMethod v = variants.get(i);
            String name = v.name(); // Bench.T<k>.A<i>
            int dot = name.lastIndexOf('.');
            String type = name.substring(name.indexOf('.') + 1, dot);
            variantTokens[i] = v.token();
            variantHashes[i] = VersionResilientHash.methodHash(VersionResilientHash.typeHash("Bench", type), name.substring(dot + 1));
            runtimeFunctionByVariant.put(v.token(), v.entryRuntimeFunction());
        }
        rt = new EmulatedRuntime(img);
        rt.recordTrace(false);
        // The code manager maps the code of prepared methods only: prepare each, as the prestub would.
        for (ReadyToRunMethod d : defs) {
            rt.info().getEntryPoint(d.token());
        }
        codeManager = rt.info().jitManager();
        codeRvas = new long[defs.size()];
        methodDescByStart = new HashMap<>();
        for (int i = 0; i < codeRvas.length; i++) {
            codeRvas[i] = defs.get(i).entryRva();
            methodDescByStart.put(codeRvas[i], codeManager.methodForCodeAddress(codeRvas[i]));
        }
        for (int i = 0; i < rids.length; i++) {
            if (methodDef(rids[i]) != runtimeFunctionByRid.get(rids[i])
                    || codeManager.methodForCodeAddress(codeRvas[i] + 4) != methodDescByStart.get(codeRvas[i])) {
                throw new IllegalStateException("a lookup disagrees with the map at rid " + rids[i]);
            }
        }
        for (int i = 0; i < variantTokens.length; i++) {
            if (instance(i) != runtimeFunctionByVariant.get(variantTokens[i])) {
                throw new IllegalStateException("the instance entry-point lookup disagrees with the map");
            }
        }
    }

    private NativeReader sectionReader(ReadyToRunSectionType type) {
        ReadyToRunSection s = img.header().section(type.id);
        long off = img.pe().rvaToOffset(type.name(), s.rva(), s.size());
        return new NativeReader(img.pe().file(), off, s.size(), type.name());
    }

    @TearDown
    public void tearDown() {
        rt.close();
    }

    private int nextIndex(int length) {
        int i = next + 1;
        if (i >= length) {
            i = 0;
        }
        next = i;
        return i;
    }

    /** MethodDefEntryPoints: the NativeArray element of the rid, its entry-point value read. */
    @Benchmark
    public int methodDefEntryPoint() {
        return methodDef(rids[nextIndex(rids.length)]);
    }

    private int methodDef(int rid) {
        long e = methodDefEntryPoints.elementOffset(rid - 1);
        return MethodEntryPoint.read(methodDefReader, e).runtimeFunction();
    }

    @Benchmark
    public Integer methodDefEntryPointHashMap() {
        return runtimeFunctionByRid.get(rids[nextIndex(rids.length)]);
    }

    /** InstanceMethodEntryPoints: the bucket of the method's hash, each candidate's signature compared. */
    @Benchmark
    public int instanceEntryPoint() {
        return instance(nextIndex(variantTokens.length));
    }

    private int instance(int i) {
        int token = variantTokens[i];
        for (NativeHashtable.Entry entry : instanceEntryPoints.lookup(variantHashes[i])) {
            SignatureReader sr = new SignatureReader(img.pe().file(), entry.vertexOffset(), instanceReader.end(), "InstanceMethodEntryPoints");
            ReadyToRunMethodSignature sig = ReadyToRunMethodSignature.read(sr);
            if (sig.isAsyncVariant() && sig.token() == token) {
                return MethodEntryPoint.read(instanceReader, sr.position()).runtimeFunction();
            }
        }
        return -1;
    }

    @Benchmark
    public Integer instanceEntryPointHashMap() {
        return runtimeFunctionByVariant.get(variantTokens[nextIndex(variantTokens.length)]);
    }

    /** The code manager: the runtime function containing the address, back to its registered method start. */
    @Benchmark
    public MethodDesc codeAddressToMethodDesc() {
        return codeManager.methodForCodeAddress(codeRvas[nextIndex(codeRvas.length)] + 4);
    }

    /** The same keys as exact method starts in a HashMap (it cannot answer an address inside a method). */
    @Benchmark
    public MethodDesc codeAddressToMethodDescHashMap() {
        return methodDescByStart.get(codeRvas[nextIndex(codeRvas.length)]);
    }
}
