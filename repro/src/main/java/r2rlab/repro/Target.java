package r2rlab.repro;

import java.util.Set;
import r2rlab.emitter.Architecture;

/**
 * What one buggy/fixed pair runs on: an architecture (x64, arm64), or, for drivers that do not emit
 * code, a pointer size (ptr4, ptr8).
 *
 * @param arch the architecture, or null for a pointer-size target
 * @param pointerSize 8 for both architectures, else the target's own
 */
public record Target(String name, Architecture arch, int pointerSize) {
    static Target of(Architecture arch) {
        return new Target(arch.machine.archName, arch, 8);
    }

    static Target pointerSize(int size) {
        return new Target("ptr" + size, null, size);
    }

    /** Whether {@code --arch} selects this target: pointer-size targets belong to every architecture. */
    public boolean selectedBy(Set<Architecture> archs) {
        return arch == null || archs.contains(arch);
    }
}
