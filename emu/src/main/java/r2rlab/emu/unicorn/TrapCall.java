package r2rlab.emu.unicorn;

/** One hit of a {@link TrapPage} slot, handed to its {@link TrapHandler}. */
public final class TrapCall {
    enum Action { RETURN, JUMP, STOP }

    private final CpuEngine engine;
    private final long address;
    private final String name;
    Action action = Action.RETURN;
    long target;

    TrapCall(CpuEngine engine, long address, String name) {
        this.engine = engine;
        this.address = address;
        this.name = name;
    }

    /** The engine the guest runs in: arguments in its registers, results written back there. */
    public CpuEngine engine() {
        return engine;
    }

    /** Address of the trap slot that was called. */
    public long address() {
        return address;
    }

    /** Name the handler was registered under. */
    public String name() {
        return name;
    }

    /** Return to the caller (default): x86-64 pops the return address into RIP; ARM64 sets PC = X30. */
    public void returnToCaller() {
        action = Action.RETURN;
    }

    /** Tail jump: continue at {@code target} with the stack and LR unchanged. */
    public void jumpTo(long target) {
        action = Action.JUMP;
        this.target = target;
    }

    /** Stop emulation; PC stays at the trap slot. */
    public void stop() {
        action = Action.STOP;
    }
}
