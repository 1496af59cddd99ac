package r2rlab.loader.runtime;

import java.util.List;
import java.util.Map;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.RuntimeFunction;

/**
 * The code manager's ReadyToRun half (ReadyToRunJitManager::JitCodeToMethodInfo): code address →
 * RUNTIME_FUNCTION (binary search on the begin, then the end checked), cold → hot through the
 * HotColdMap, then backwards to the nearest runtime function whose start is in the entry-point map,
 * everything in between being funclets (or ARM64 unwind fragments of the method or of a funclet,
 * which count as the code they continue). Only registered entry points count: an unregistered
 * resumption stub right after its async variant is taken for one of the variant's funclets. With
 * {@link RuntimeOptions#hotColdMap()} off the map is not consulted (defect B4's runtime assumption).
 */
public final class ReadyToRunJitManager {
    private final ReadyToRunInfo info;

    ReadyToRunJitManager(ReadyToRunInfo info) {
        this.info = info;
    }

    /** The MethodDesc of the code at {@code rva}, or null (no runtime function, or no registered start before it). */
    public MethodDesc methodForCodeAddress(long rva) {
        CodeInfo c = jitCodeToMethodInfo(rva);
        return c == null ? null : c.method();
    }

    /** The full answer for {@code rva}, or null. */
    public CodeInfo jitCodeToMethodInfo(long rva) {
        List<RuntimeFunction> rfs = info.image().runtimeFunctions();
        int index = info.image().runtimeFunctionContaining(rva);
        if (index < 0) {
            return null;
        }
        // A runtime without the HotColdMap lookup walks back from a cold part as from a funclet (B4).
        Map.Entry<Integer, Integer> pair = info.options().hotColdMap() ? info.image().hotColdPairOf(index) : null;
        boolean cold = pair != null;
        int hotIndex = cold ? pair.getValue() : index;
        for (int i = hotIndex; i >= 0; i--) {
            long begin = rfs.get(i).beginRva();
            if (info.oddEntryPointsAreFunclets() && (begin & 1) != 0) {
                continue; // funclets can start at odd addresses: never a method start on AMD64
            }
            MethodDesc md = info.methodDescForEntryPoint(begin);
            if (md != null) {
                // IsFunclet: the start of the function or funclet (FindRootEntry past ARM64 unwind fragments) is not the method's;
                // in a cold section, any code but the cold main part (LazyIsFunclet)
                boolean funclet = cold ? info.image().isColdFunclet(index) : info.image().rootRuntimeFunction(hotIndex) != i;
                return new CodeInfo(md, rva, index, hotIndex, i, cold, funclet);
            }
        }
        return null;
    }

    /**
     * The RVA of the code at {@code offset} from {@code md}'s start (an EH clause's handler): into the method's cold section past
     * its hot size when the HotColdMap is consulted; a runtime that takes async code to be never split (B4) adds the offset to the
     * method's start, which past a split method's hot part lands in whatever follows it.
     */
    public long methodOffsetToRva(MethodDesc md, long offset) {
        if (!info.options().hotColdMap()) {
            return md.entryRva() + offset;
        }
        int entry = info.image().runtimeFunctionContaining(md.entryRva());
        return entry < 0 ? md.entryRva() + offset : info.image().methodOffsetToRva(entry, offset);
    }

    /** The offset from {@code md}'s start of the code at {@code rva} that {@link #jitCodeToMethodInfo} gave to {@code md}. */
    public long methodOffsetOf(MethodDesc md, long rva) {
        if (!info.options().hotColdMap()) {
            return rva - md.entryRva();
        }
        int entry = info.image().runtimeFunctionContaining(md.entryRva());
        return entry < 0 ? rva - md.entryRva() : info.image().methodOffsetOf(entry, rva);
    }

    /**
     * GetGCInfoToken: the GcInfo of the method the code belongs to, the one after the unwind record of its method
     * start (funclets and cold parts use their method's; an unregistered stub, taken for a funclet, the preceding
     * method's).
     */
    public MethodGcInfo gcInfo(CodeInfo c) {
        return MethodGcInfo.atMethodStart(info.image(), c.methodStartRuntimeFunction(), c.method().name());
    }
}
