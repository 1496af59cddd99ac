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
        Map<Integer, Integer> coldToHot = info.image().coldToHot();
        // A runtime without the HotColdMap lookup walks back from a cold part as from a funclet (B4).
        Integer hot = info.options().hotColdMap() ? coldToHot.get(index) : null;
        boolean cold = hot != null;
        int hotIndex = cold ? hot : index;
        for (int i = hotIndex; i >= 0; i--) {
            long begin = rfs.get(i).beginRva();
            if (info.oddEntryPointsAreFunclets() && (begin & 1) != 0) {
                continue; // funclets can start at odd addresses: never a method start on AMD64
            }
            MethodDesc md = info.methodDescForEntryPoint(begin);
            if (md != null) {
                // IsFunclet: the start of the function or funclet (FindRootEntry past ARM64 unwind fragments) is not the method's
                return new CodeInfo(md, rva, index, hotIndex, i, cold, info.image().rootRuntimeFunction(hotIndex) != i);
            }
        }
        return null;
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
