package r2rlab.emu.runtime;

import java.util.HashMap;
import java.util.Map;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapHandler;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.r2r.ReadyToRunHelper;

/**
 * The runtime helpers the emulated runtime provides, by READYTORUN_HELPER id: one handler each, so
 * providing a helper is one {@link #provide} entry. A helper's address is a trap-page slot made on
 * first use and named after the helper. Every Helper fixup gets an address, as the image may name
 * helpers that its code never calls; calling one that has no handler ends the run with an
 * {@link UnsupportedHelperException} naming it.
 */
public final class HelperTable {
    private final TrapPage traps;
    private final Map<Integer, TrapHandler> handlers = new HashMap<>();
    private final Map<Integer, Long> addresses = new HashMap<>();

    public HelperTable(TrapPage traps) {
        this.traps = traps;
    }

    /** Provides {@code helper} through {@code handler}; a helper is provided once. */
    public HelperTable provide(ReadyToRunHelper helper, TrapHandler handler) {
        if (handlers.putIfAbsent(helper.id, handler) != null) {
            throw new IllegalArgumentException("runtime helper " + helper + " is provided twice");
        }
        return this;
    }

    /** Whether a handler serves the helper with this id. */
    public boolean provides(int helperId) {
        return handlers.containsKey(helperId);
    }

    /** The helper's address: its trap slot, made on first use. */
    public long address(int helperId) {
        Long address = addresses.get(helperId);
        if (address == null) {
            address = traps.add(ReadyToRunHelper.nameOf(helperId), call -> call(helperId, call));
            addresses.put(helperId, address);
        }
        return address;
    }

    private void call(int helperId, TrapCall call) {
        TrapHandler handler = handlers.get(helperId);
        if (handler == null) {
            throw new UnsupportedHelperException(helperId);
        }
        handler.onTrap(call);
    }
}
