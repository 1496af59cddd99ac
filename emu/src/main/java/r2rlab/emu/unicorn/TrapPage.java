package r2rlab.emu.unicorn;

import static r2rlab.emu.unicorn.UnicornConst.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A guest page of trap slots through which emulated code calls Java runtime helpers.
 *
 * <p>The page (4 KiB, read+exec) is covered by exactly <b>one</b> {@code UC_HOOK_CODE} bounded to the
 * page, so the hook costs nothing while other code runs (native-deps.md §9). Each registered handler
 * owns one {@link #SLOT_SIZE}-byte slot, which starts with a return instruction (x86-64 {@code ret},
 * ARM64 {@code ret}); the rest of the page faults if ever executed (x86-64 {@code ud2}, ARM64
 * {@code brk #0}). When guest code calls (x86 {@code call}, ARM64 {@code blr}) or jumps to a slot, the
 * hook fires before the slot's first instruction executes and runs the handler; then:
 * <ul>
 * <li>return to caller (default): nothing more; the slot's own {@code ret} returns, in the engine,
 * without a register or memory call through the binding (a trap's cost is the hook call and the
 * handler);</li>
 * <li>{@link TrapCall#jumpTo}: {@code PC = target} (tail jump; stack and LR untouched);</li>
 * <li>{@link TrapCall#stop}: {@code uc_emu_stop}, PC left at the slot (the {@code ret} does not run).</li>
 * </ul>
 * A hit on an unregistered address, or an exception in a handler, stops emulation and reaches the
 * caller of {@link CpuEngine#emuStart}.
 */
public final class TrapPage implements AutoCloseable {
    public static final long PAGE_SIZE = 0x1000;
    public static final int SLOT_SIZE = 16;
    public static final int SLOT_COUNT = (int) (PAGE_SIZE / SLOT_SIZE);

    private final CpuEngine uc;
    private final long base;
    private final List<Slot> slots = new ArrayList<>();
    private long hook;
    private boolean closed;

    private static final class Slot {
        final String name;
        final TrapHandler handler;
        long hits;

        Slot(String name, TrapHandler handler) {
            this.name = name;
            this.handler = handler;
        }
    }

    /** Maps the page at {@code base} (page-aligned, currently unmapped) and installs its hook. */
    public TrapPage(CpuEngine uc, long base) {
        if ((base & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("trap page base not page-aligned: 0x" + Long.toHexString(base));
        }
        this.uc = uc;
        this.base = base;
        uc.memMap(base, PAGE_SIZE, UC_PROT_READ | UC_PROT_EXEC);
        uc.memWrite(base, fill(uc));
        this.hook = uc.hookCode(base, base + PAGE_SIZE - 1, this::onCode);
    }

    private static byte[] fill(CpuEngine uc) {
        byte[] page = new byte[(int) PAGE_SIZE];
        for (int i = 0; i < page.length; i += 4) {
            if (uc.isX86()) { // ud2 ud2
                page[i] = 0x0f;
                page[i + 1] = 0x0b;
                page[i + 2] = 0x0f;
                page[i + 3] = 0x0b;
            } else { // brk #0 = 0xd4200000, little-endian
                page[i] = 0x00;
                page[i + 1] = 0x00;
                page[i + 2] = 0x20;
                page[i + 3] = (byte) 0xd4;
            }
        }
        for (int i = 0; i < page.length; i += SLOT_SIZE) {
            if (uc.isX86()) { // ret
                page[i] = (byte) 0xc3;
            } else { // ret = 0xd65f03c0, little-endian
                page[i] = (byte) 0xc0;
                page[i + 1] = 0x03;
                page[i + 2] = 0x5f;
                page[i + 3] = (byte) 0xd6;
            }
        }
        return page;
    }

    /** Registers a helper in the next free slot and returns the slot's guest address. */
    public long add(String name, TrapHandler handler) {
        if (slots.size() >= SLOT_COUNT) {
            throw new IllegalStateException("trap page full (" + SLOT_COUNT + " slots)");
        }
        slots.add(new Slot(name, handler));
        return base + (long) (slots.size() - 1) * SLOT_SIZE;
    }

    public long base() {
        return base;
    }

    /** Number of times the helper at {@code address} was called. */
    public long hits(long address) {
        Slot s = slotAt(address);
        if (s == null) {
            throw new IllegalArgumentException("no trap slot at 0x" + Long.toHexString(address));
        }
        return s.hits;
    }

    /** Names of the registered helpers in slot order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Slot s : slots) {
            names.add(s.name);
        }
        return Collections.unmodifiableList(names);
    }

    private Slot slotAt(long address) {
        long off = address - base;
        if (off < 0 || off >= PAGE_SIZE || off % SLOT_SIZE != 0) {
            return null;
        }
        int index = (int) (off / SLOT_SIZE);
        return index < slots.size() ? slots.get(index) : null;
    }

    private void onCode(CpuEngine u, long address, int size) {
        Slot slot = slotAt(address);
        if (slot == null) {
            throw new IllegalStateException("guest reached trap page at 0x" + Long.toHexString(address)
                    + " where no helper is registered");
        }
        slot.hits++;
        TrapCall call = new TrapCall(u, address, slot.name);
        slot.handler.onTrap(call);
        switch (call.action) {
            case RETURN:
                break; // the slot's ret runs next
            case JUMP:
                u.setPc(call.target);
                break;
            case STOP:
            default:
                u.emuStop();
                break;
        }
    }

    /** Removes the hook and unmaps the page. */
    @Override
    public void close() {
        if (!closed && !uc.isClosed()) {
            closed = true;
            uc.hookDel(hook);
            uc.memUnmap(base, PAGE_SIZE);
        }
    }
}
