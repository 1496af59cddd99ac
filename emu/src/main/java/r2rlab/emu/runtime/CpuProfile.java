package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.ReadyToRunInstructionSet;

/**
 * The CPU the emulated runtime states to an image: the instruction sets its Check_InstructionSetSupport
 * fixups are resolved against (ReadyToRunInfo's host-CPU check). The default, {@link #EMULATED}, states
 * exactly what the CPU engine executes ({@link CpuEngine#instructionSets()}). Another profile claims a
 * real machine's sets, such as {@code x86-64-v3} (AVX2), which the .NET 11 images require in an Eager
 * cell; it then claims sets the engine does not execute, so the runtime scans each method's code
 * when it prepares the method and rejects the R2R code of one that uses them
 * ({@link InstructionSetGuard}): real code never reaches an instruction the engine cannot run.
 *
 * @param machine the machine the profile describes, or null for {@link #EMULATED} (any machine)
 * @param claimed the sets claimed, or null for {@link #EMULATED} (the engine's)
 */
public record CpuProfile(String name, Machine machine, Set<ReadyToRunInstructionSet> claimed, String description) {
    /** The default: the instruction sets the emulated CPU executes. */
    public static final CpuProfile EMULATED = new CpuProfile("emulated", null, null,
            "the instruction sets the emulated CPU executes (the default)");

    /** The x86-64-v2 psABI level, the x64 baseline of .NET 10 and later: SSE4.2 and POPCNT, 16-byte Vector<T>. */
    public static final CpuProfile X86_64_V2 = new CpuProfile("x86-64-v2", Machine.AMD64, sets(
            ReadyToRunInstructionSet.X86Base, ReadyToRunInstructionSet.Sse, ReadyToRunInstructionSet.Sse2,
            ReadyToRunInstructionSet.Sse3, ReadyToRunInstructionSet.Ssse3, ReadyToRunInstructionSet.Sse41,
            ReadyToRunInstructionSet.Sse42, ReadyToRunInstructionSet.Popcnt, ReadyToRunInstructionSet.VectorT128),
            "an x64 CPU at the x86-64-v2 level (SSE4.2, POPCNT)");

    /** The x86-64-v3 psABI level (AVX2, BMI1/2, FMA, LZCNT, MOVBE, F16C), 32-byte Vector<T>: what the .NET 11 images target. */
    public static final CpuProfile X86_64_V3 = new CpuProfile("x86-64-v3", Machine.AMD64, sets(
            ReadyToRunInstructionSet.X86Base, ReadyToRunInstructionSet.Sse, ReadyToRunInstructionSet.Sse2,
            ReadyToRunInstructionSet.Sse3, ReadyToRunInstructionSet.Ssse3, ReadyToRunInstructionSet.Sse41,
            ReadyToRunInstructionSet.Sse42, ReadyToRunInstructionSet.Popcnt, ReadyToRunInstructionSet.Avx,
            ReadyToRunInstructionSet.Avx2, ReadyToRunInstructionSet.Bmi1, ReadyToRunInstructionSet.Bmi2,
            ReadyToRunInstructionSet.Fma, ReadyToRunInstructionSet.Lzcnt, ReadyToRunInstructionSet.Movbe,
            ReadyToRunInstructionSet.F16C, ReadyToRunInstructionSet.VectorT256),
            "an x64 CPU at the x86-64-v3 level (AVX2, BMI1/2, FMA, LZCNT, MOVBE), as the .NET 11 images require");

    private static final List<CpuProfile> ALL = List.of(EMULATED, X86_64_V2, X86_64_V3);

    public CpuProfile {
        claimed = claimed == null ? null : Collections.unmodifiableSet(EnumSet.copyOf(claimed));
    }

    private static Set<ReadyToRunInstructionSet> sets(ReadyToRunInstructionSet first, ReadyToRunInstructionSet... rest) {
        return EnumSet.of(first, rest);
    }

    /** Every profile, the default first. */
    public static List<CpuProfile> all() {
        return ALL;
    }

    /**
     * The profile named {@code name}.
     *
     * @throws IllegalArgumentException no profile has that name (the message lists them)
     */
    public static CpuProfile byName(String name) {
        List<String> names = new ArrayList<>();
        for (CpuProfile p : ALL) {
            if (p.name.equals(name)) {
                return p;
            }
            names.add(p.name);
        }
        throw new IllegalArgumentException("unknown CPU profile '" + name + "'; known: " + String.join(", ", names));
    }

    /** The sets this profile claims on {@code engine}. */
    public Set<ReadyToRunInstructionSet> instructionSets(CpuEngine engine) {
        return claimed == null ? engine.instructionSets() : claimed;
    }

    /** Whether the profile claims sets {@code engine} does not execute, so that code must be scanned before it runs. */
    public boolean claimsMoreThan(CpuEngine engine) {
        return claimed != null && !engine.instructionSets().containsAll(claimed);
    }

    @Override
    public String toString() {
        return name;
    }
}
