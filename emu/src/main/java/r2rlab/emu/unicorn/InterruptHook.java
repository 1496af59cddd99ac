package r2rlab.emu.unicorn;

/** Called on a CPU interrupt / exception ({@code UC_HOOK_INTR}): x86 {@code int n}, ARM64 {@code svc}/{@code brk}. */
@FunctionalInterface
public interface InterruptHook {
    void onInterrupt(CpuEngine engine, int intno);
}
