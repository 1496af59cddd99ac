package r2rlab.emu.unicorn;

/** Called before an instruction ({@code UC_HOOK_CODE}) or a basic block ({@code UC_HOOK_BLOCK}) runs. */
@FunctionalInterface
public interface CodeHook {
    /**
     * @param address address of the instruction / block
     * @param size    size in bytes of the instruction / block (0 if unknown)
     */
    void onCode(CpuEngine engine, long address, int size);
}
