package r2rlab.loader.runtime;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.MethodRef;

/**
 * A deterministic stand-in runtime: fixed fake addresses for the module, helpers, external methods,
 * continuation MethodTables and other handles, switchable failures, and allocation counters.
 */
public class SimpleRuntimeServices implements RuntimeServices {
    public static final long MODULE = 0x7FF0_0000_0000L;
    public static final long HELPER_BASE = 0x7FF1_0000_0000L;
    public static final long EXTERNAL_BASE = 0x7FF2_0000_0000L;
    public static final long CONTINUATION_MT_BASE = 0x7FF3_0000_0000L;
    public static final long OTHER_BASE = 0x7FF4_0000_0000L;

    private final long imageBase;
    private final Set<Integer> failingHelpers = new HashSet<>();
    private boolean failExternalMethods;
    private final Map<String, Long> external = new HashMap<>();
    private final Map<FixupSignature.Layout, Long> layouts = new HashMap<>();
    private long others;
    private int allocated;
    private int freed;

    public SimpleRuntimeServices() {
        this(0);
    }

    public SimpleRuntimeServices(long imageBase) {
        this.imageBase = imageBase;
    }

    /** Makes {@link #helperAddress} return 0 for {@code helperId}. */
    public SimpleRuntimeServices failHelper(int helperId) {
        failingHelpers.add(helperId);
        return this;
    }

    /** Makes {@link #resolveExternalMethod} return 0 for every method. */
    public SimpleRuntimeServices failExternalMethods() {
        failExternalMethods = true;
        return this;
    }

    @Override
    public long imageBase() {
        return imageBase;
    }

    @Override
    public long moduleHandle() {
        return MODULE;
    }

    @Override
    public long helperAddress(int helperId) {
        return failingHelpers.contains(helperId) ? 0 : HELPER_BASE + 0x10L * helperId;
    }

    @Override
    public long methodTableForContinuationLayout(long signatureRva, FixupSignature.Layout layout) {
        return layouts.computeIfAbsent(layout, k -> CONTINUATION_MT_BASE + 0x100L * layouts.size());
    }

    @Override
    public long resolveExternalMethod(MethodRef method, int moduleOverride) {
        if (failExternalMethods) {
            return 0;
        }
        String key = moduleOverride + ":" + method.module() + ":" + Integer.toHexString(method.token()) + ":" + method.flags();
        return external.computeIfAbsent(key, k -> EXTERNAL_BASE + 0x20L * external.size());
    }

    @Override
    public long resolveOther(ImportCell cell) {
        others++;
        return OTHER_BASE + 8 * others;
    }

    @Override
    public void methodDescAllocated(MethodDesc md) {
        allocated++;
    }

    @Override
    public void methodDescFreed(MethodDesc md) {
        freed++;
    }

    public int allocatedCallbacks() {
        return allocated;
    }

    public int freedCallbacks() {
        return freed;
    }
}
