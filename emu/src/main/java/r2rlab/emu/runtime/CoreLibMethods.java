package r2rlab.emu.runtime;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import r2rlab.format.r2r.CoreLibMethod;

/**
 * The CoreLib methods the emulated runtime provides: a table of handlers by name ({@link CoreLibMethod#keyOf}:
 * "Namespace.Type.Method", with "``n" for n generic parameters), so providing one more method, for code the model
 * does not run yet, is one entry. A MethodEntry cell naming a provided method resolves to a trap slot that runs its
 * handler; a cell naming any other method does not resolve.
 */
public final class CoreLibMethods {
    private final Map<String, EmulatedRuntime.RuntimeMethodHandler> handlers = new TreeMap<>();

    /** Provides {@code method} through {@code handler}; a method is provided once. */
    public CoreLibMethods provide(CoreLibMethod method, EmulatedRuntime.RuntimeMethodHandler handler) {
        return provide(method.key(), handler);
    }

    /** Provides the method named {@code key} through {@code handler}; a method is provided once. */
    public CoreLibMethods provide(String key, EmulatedRuntime.RuntimeMethodHandler handler) {
        if (handlers.putIfAbsent(key, handler) != null) {
            throw new IllegalArgumentException("CoreLib method " + key + " is provided twice");
        }
        return this;
    }

    /** The handler of the method named {@code key}, or null. */
    public EmulatedRuntime.RuntimeMethodHandler handler(String key) {
        return handlers.get(key);
    }

    /** Every provided method's name, sorted. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(handlers.keySet());
    }
}
