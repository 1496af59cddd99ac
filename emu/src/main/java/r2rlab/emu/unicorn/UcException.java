package r2rlab.emu.unicorn;

/**
 * A Unicorn call returned an error: carries the {@code uc_err} code and the C function name, e.g.
 * {@code "uc_emu_start: Invalid memory read (UC_ERR_READ_UNMAPPED) (uc_err=6)"}. For emulation faults
 * it also carries the PC Unicorn reported (the start of the translation block, not the exact
 * instruction; see {@link FaultLocator}) and, when a memory-invalid event was seen, that access.
 */
public class UcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int error;
    private final String function;
    private final long pc;
    private final transient MemAccess access;
    private final long faultPc;

    public UcException(String function, int error) {
        this(function, error, -1, null, -1);
    }

    public UcException(String function, int error, long pc, MemAccess access) {
        this(function, error, pc, access, -1);
    }

    public UcException(String function, int error, long pc, MemAccess access, long faultPc) {
        super(message(function, error, pc, access, faultPc));
        this.function = function;
        this.error = error;
        this.pc = pc;
        this.access = access;
        this.faultPc = faultPc;
    }

    /** The same error with the exact faulting instruction's address attached. */
    public UcException withFaultPc(long exactPc) {
        UcException e = new UcException(function, error, pc, access, exactPc);
        e.setStackTrace(getStackTrace());
        return e;
    }

    private static String message(String function, int error, long pc, MemAccess access, long faultPc) {
        StringBuilder sb = new StringBuilder();
        String text = Unicorn.strerror(error);
        if (error == UnicornConst.UC_ERR_HOOK_EXIST && text.startsWith("Unknown")) {
            text = "Hook already exists (UC_ERR_HOOK_EXIST)"; // Unicorn 2.0.1's uc_strerror has no text for it
        }
        sb.append(function).append(": ").append(text).append(" (uc_err=").append(error)
                .append(')');
        if (pc != -1) {
            sb.append(", block pc=0x").append(Long.toHexString(pc));
        }
        if (faultPc != -1) {
            sb.append(", fault pc=0x").append(Long.toHexString(faultPc));
        }
        if (access != null) {
            sb.append(", ").append(access);
        }
        return sb.toString();
    }

    /** The {@code uc_err} code ({@code UnicornConst.UC_ERR_*}). */
    public int error() {
        return error;
    }

    /** The C function that failed, e.g. {@code "uc_emu_start"}. */
    public String function() {
        return function;
    }

    /** PC read after the failed {@code uc_emu_start} (the translation block start), or -1. */
    public long pc() {
        return pc;
    }

    /** Exact address of the faulting instruction if located ({@link FaultLocator}), else -1. */
    public long faultPc() {
        return faultPc;
    }

    /** True for guest faults of a run: unmapped / protected / unaligned access, invalid instruction, CPU exception. */
    public boolean isGuestFault() {
        switch (error) {
            case UnicornConst.UC_ERR_READ_UNMAPPED:
            case UnicornConst.UC_ERR_WRITE_UNMAPPED:
            case UnicornConst.UC_ERR_FETCH_UNMAPPED:
            case UnicornConst.UC_ERR_READ_PROT:
            case UnicornConst.UC_ERR_WRITE_PROT:
            case UnicornConst.UC_ERR_FETCH_PROT:
            case UnicornConst.UC_ERR_READ_UNALIGNED:
            case UnicornConst.UC_ERR_WRITE_UNALIGNED:
            case UnicornConst.UC_ERR_FETCH_UNALIGNED:
            case UnicornConst.UC_ERR_INSN_INVALID:
            case UnicornConst.UC_ERR_EXCEPTION:
                return true;
            default:
                return false;
        }
    }

    /** The last invalid memory access reported by the memory hook during the run, or null. */
    public MemAccess access() {
        return access;
    }

    /** One invalid memory event: {@code type} is a {@code UC_MEM_*} value. */
    public record MemAccess(int type, long address, int size, long value) {
        @Override
        public String toString() {
            return "access type=" + type + " address=0x" + Long.toHexString(address) + " size=" + size;
        }
    }
}
