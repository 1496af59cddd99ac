package r2rlab.emu.verify;

import java.util.Objects;

/**
 * One place where an image breaks a {@link Rule}: the method (as dump names it), the RVA of the code
 * or cell at fault, the rule, and what was found there.
 */
public record Finding(String method, long rva, Rule rule, String detail) {
    public Finding {
        Objects.requireNonNull(method);
        Objects.requireNonNull(rule);
        Objects.requireNonNull(detail);
    }

    /** "[ASYNC] Demo.Program.Main 0x00001180 resume-info: ..." */
    @Override
    public String toString() {
        return String.format("%s 0x%08X %s: %s", method, rva, rule.id, detail);
    }
}
