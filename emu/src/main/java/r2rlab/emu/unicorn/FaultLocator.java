package r2rlab.emu.unicorn;

/**
 * Finds the exact faulting instruction of a guest fault.
 *
 * <p>Unicorn does not keep PC up to date per instruction: after a fault (and inside the memory hook)
 * PC is the start of the translation block, unless a {@code UC_HOOK_CODE} covers the faulting
 * instruction (native-deps.md §10 #3). Installing a code hook over all code would cost ~0.6 µs per
 * instruction through JNA, so it is only done on the failure path:
 *
 * <ol>
 * <li>{@link #run} saves the CPU registers ({@code uc_context_save}) and runs normally, without extra
 * hooks.</li>
 * <li>If the run fails with a guest fault, the reported PC {@code B} is the start of the faulting
 * block. The registers are restored to the saved entry state and the same run is repeated with one
 * code hook bounded to {@code [B, B + MAX_BLOCK_BYTES)}, which records the address of every
 * instruction in that block before it executes. The last recorded address when the run faults again
 * is the exact faulting instruction. The hook is then removed.</li>
 * <li>If the hook never fired (e.g. a fetch from unmapped memory, where {@code B} is itself the bad
 * target), the fault PC is {@code B}.</li>
 * </ol>
 *
 * <p>Caveats: the re-run starts from the saved <em>registers</em>; memory is not restored, so guest
 * code whose path depends on memory it wrote before faulting may take a different path on the
 * re-run (the method then reports where the re-run faulted, or -1 if it did not fault again).
 * The fault is located by re-running, so it must be deterministic. Hook exceptions and timeouts are
 * passed through unchanged.
 */
public final class FaultLocator {

    /** A translation block never spans more than two guest pages; this bound covers it from its start. */
    public static final long MAX_BLOCK_BYTES = 0x2000;

    private FaultLocator() {
    }

    /**
     * {@link CpuEngine#emuStart} that, on a guest fault, throws a {@link UcException} whose
     * {@link UcException#faultPc()} is the exact faulting instruction (-1 if it could not be found).
     */
    public static void run(CpuEngine uc, long begin, long until, long timeoutMicros, long count) {
        try (CpuEngine.Context entry = uc.saveContext()) {
            try {
                uc.emuStart(begin, until, timeoutMicros, count);
            } catch (UcException e) {
                if (!e.isGuestFault() || e.pc() == -1) {
                    throw e;
                }
                throw e.withFaultPc(locate(uc, entry, begin, until, timeoutMicros, count, e.pc()));
            }
        }
    }

    /**
     * Re-runs from {@code entry} with a code hook bounded to the block at {@code blockPc} and returns
     * the exact faulting instruction, or -1 if the re-run did not fault.
     */
    public static long locate(CpuEngine uc, CpuEngine.Context entry, long begin, long until, long timeoutMicros,
            long count, long blockPc) {
        long[] last = {-1};
        uc.restoreContext(entry);
        long hook = uc.hookCode(blockPc, blockPc + MAX_BLOCK_BYTES - 1, (u, address, size) -> last[0] = address);
        try {
            uc.emuStart(begin, until, timeoutMicros, count);
            return -1; // did not fault again
        } catch (UcException again) {
            if (last[0] != -1) {
                return last[0];
            }
            return again.pc() != -1 ? again.pc() : blockPc;
        } finally {
            uc.hookDel(hook);
        }
    }
}
