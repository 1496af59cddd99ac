package r2rlab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.ResumptionRun;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.r2r.CorElementType;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * {@code r2rlab run IMAGE --entry NAME [--arg N]... [--state N] [--tier-up-after N] [--cpu PROFILE] [--timeout T] [--gc-stress] [--trace]}:
 * runs a method's R2R code in the emulator, or enters an async variant or a resumption stub by name.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a method of a ReadyToRun image in the Unicorn emulator against r2rlab's model of the runtime.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image")
    Path image;

    @Option(names = "--entry", required = true, paramLabel = "NAME",
            description = "the method, as dump prints it (Namespace.Type.Method) or as a MethodDef token (0x06000003);"
                    + " '[ASYNC] NAME' (or 'NAME [ASYNC]') calls its async variant with a null continuation, '[RESUME] NAME'"
                    + " (or 'NAME$ResumptionStub') resumes through its resumption stub (see --state)")
    String entry;

    @Option(names = "--state", paramLabel = "N",
            description = "with a resumption stub entry: the State of the continuation it resumes (default 0); the continuation is"
                    + " built from the variant's ContinuationLayout fixup, its other slots zero")
    Integer state;

    @Option(names = "--arg", paramLabel = "N", description = "an integer argument (repeatable)")
    List<Long> args = new ArrayList<>();

    @Option(names = "--trace", description = "print helper calls, fixups resolved, suspensions, resumptions and tier-ups")
    boolean trace;

    @Option(names = "--gc-stress", description = "collect (move every live object) at every safepoint the code reaches: every GC-safe"
            + " helper and CoreLib method call; without it the GC runs when an allocation does not fit")
    boolean gcStress;

    @Option(names = "--tier-up-after", paramLabel = "N",
            description = "tier the entry method up after its N-th suspension: publish its Tier1 code and backpatch its entry paths"
                    + " before the suspended continuation is resumed")
    Integer tierUpAfter;

    @Option(names = "--cpu", paramLabel = "PROFILE", defaultValue = "emulated",
            description = "the CPU the emulated runtime states to the image, against which its Check_InstructionSetSupport fixups are"
                    + " resolved: emulated (the default: what the emulated CPU executes), x86-64-v2 or x86-64-v3 (AVX2, as the .NET 11"
                    + " images require; a method whose code the emulated CPU cannot execute is then rejected)")
    String cpu;

    @Option(names = "--timeout", paramLabel = "T",
            description = "the run's time limit in all (every emulation slice, helper and dispatcher step): seconds (60, 2.5s)"
                    + " or milliseconds (500ms); default 60s")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Collection problems printed at most; the count of the rest follows them. */
    private static final int MAX_GC_PROBLEMS = 5;

    /** What the collections of this run reported (a frame walked with the wrong GcInfo, a stale reference). */
    private final List<String> gcProblems = new ArrayList<>();
    private int collections;
    /** The stack trace the run's exception object holds, when the run ended with one. */
    private List<String> stackTrace = List.of();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        int rc = run(spec.commandLine().getOut(), err);
        if (gcProblems.isEmpty() || rc == Main.EXIT_BAD_INPUT) {
            return rc;
        }
        // As GC heap verification under GCStress: a collection that found the heap or a frame wrong fails the run.
        err.printf("gc: %d collection(s) reported %d problem(s)%n", collections, gcProblems.size());
        gcProblems.stream().limit(MAX_GC_PROBLEMS).forEach(p -> err.println("gc: " + p));
        if (gcProblems.size() > MAX_GC_PROBLEMS) {
            err.printf("gc: ... and %d more%n", gcProblems.size() - MAX_GC_PROBLEMS);
        }
        return Main.EXIT_GUEST_FAILED;
    }

    private int run(PrintWriter out, PrintWriter err) {
        if (tierUpAfter != null && tierUpAfter < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tier-up-after counts suspensions from 1, not " + tierUpAfter);
        }
        R2RImage img = ImageInput.read(image, err);
        if (img == null) {
            return Main.EXIT_BAD_INPUT;
        }
        CodeBodyEntry body = CodeBodyEntry.parse(img, entry);
        if (state != null && (body == null || body.stub() == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--state needs a resumption stub entry ([RESUME] NAME)");
        }
        if (state != null && state < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--state must not be negative: " + state);
        }
        if (body != null && tierUpAfter != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tier-up-after runs a method through the dispatcher,"
                    + " not an async variant or a resumption stub");
        }
        int token = body != null ? 0 : resolveEntry(img, entry);
        if (tierUpAfter != null && img.methods().stream()
                .noneMatch(m -> m.source() == ReadyToRunMethod.Source.TIER1_CODE_VERSIONS && m.token() == token)) {
            throw new BadInputException(image + ": " + img.metadata().methodDefName(MetadataTable.rid(token))
                    + String.format(" (0x%08X)", token) + " has no Tier1 code version for --tier-up-after");
        }
        CpuProfile profile;
        try {
            profile = CpuProfile.byName(cpu);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--cpu: " + e.getMessage(), e);
        }
        long timeoutMicros = timeout == null ? EmulatedRuntime.DEFAULT_TIMEOUT_MICROS : parseTimeout(timeout);
        RunOutcome outcome;
        try (EmulatedRuntime rt = new EmulatedRuntime(img, profile)) {
            rt.recordTrace(false);
            rt.setTimeoutMicros(timeoutMicros);
            rt.gcStress(gcStress);
            rt.onCollection(c -> {
                collections++;
                c.problems().forEach(p -> gcProblems.add("GC #" + c.collection() + ": " + p));
            });
            if (trace) {
                rt.traceTo(e -> out.println("trace: " + e));
            }
            if (tierUpAfter != null) {
                int n = tierUpAfter;
                rt.onSuspension(count -> {
                    if (count == n) {
                        rt.tierUp(token);
                    }
                });
            }
            if (body != null && body.stub() != null) {
                if (!args.isEmpty()) {
                    throw new BadInputException("--arg: a resumption stub takes the continuation the runtime builds, no arguments");
                }
                ResumptionRun r = rt.runResumptionStub(body.stub(), state == null ? 0 : state);
                if (r.reached()) {
                    out.printf("reached: %s at RVA 0x%X, the code after the resumption dispatch (State %d)%n", body.stub().owner().label(),
                            r.reachedRva(), r.state());
                    return 0;
                }
                outcome = r.outcome();
            } else if (body != null) {
                outcome = rt.runAsyncVariant(body.variant(), toArray(args));
            } else {
                outcome = rt.run(token, toArray(args));
            }
            if (outcome instanceof RunOutcome.Threw t) {
                stackTrace = rt.stackTrace(t.exception());
            }
            if (outcome instanceof RunOutcome.Returned r && (body == null || body.stub() == null) && returnsReference(img, token)) {
                out.println("result: " + rt.describeReference(r.value()));
                return 0;
            }
        } catch (RunRejectedException | FormatException e) {
            throw new BadInputException(image + ": " + e.getMessage(), e);
        }
        if (outcome instanceof RunOutcome.Returned r && body != null && body.stub() != null) {
            // the stub returns the continuation of a new suspension, or null once the variant completed
            out.printf("returned: continuation 0x%X, without reaching the code after the resumption dispatch%n", r.value());
            return 0;
        }
        if (outcome instanceof RunOutcome.Returned r) {
            out.println("result: " + r.value());
            return 0;
        }
        if (outcome instanceof RunOutcome.Threw t) {
            out.println("exception: " + t.code() + " (" + t.helper() + ")");
            stackTrace.forEach(f -> out.println("   at " + f));
            return Main.EXIT_GUEST_FAILED;
        }
        err.println(((RunOutcome.Faulted) outcome).report());
        return Main.EXIT_GUEST_FAILED;
    }

    /** Whether method {@code token} returns a reference (a class or object, or a Task of one), read from its signature. */
    private static boolean returnsReference(R2RImage img, int token) {
        if (MetadataTable.table(token) != MetadataTable.METHODDEF) {
            return false;
        }
        SignatureType t = img.metadata().methodDefSignature(MetadataTable.rid(token)).returnType();
        if (t instanceof SignatureType.GenericInst g && g.arguments().size() == 1) {
            t = g.arguments().get(0); // Task<T>
        }
        return t instanceof SignatureType.TypeDefOrRef c && c.elementType() == CorElementType.CLASS
                || t instanceof SignatureType.Primitive p && p.elementType() == CorElementType.OBJECT;
    }

    /**
     * A time limit in microseconds from "60", "2.5s" (seconds) or "500ms".
     *
     * @throws BadInputException not a positive duration of at most a day
     */
    static long parseTimeout(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new BadInputException("--timeout " + text + ": not a duration (60, 2.5s, 500ms)");
        }
        double micros = Double.parseDouble(m.group(1)) * ("ms".equals(m.group(2)) ? 1e3 : 1e6);
        if (micros < 1000 || micros > 86_400e6) {
            throw new BadInputException("--timeout " + text + ": the time limit must be from 1ms to 1 day");
        }
        return (long) micros;
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,6})?)(ms|s)?");

    private static long[] toArray(List<Long> list) {
        long[] a = new long[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    /**
     * A MethodDef token from a name as dump prints it, or from a token literal.
     *
     * @throws BadInputException no method has that name, the name is overloaded, or the literal is no MethodDef token
     */
    static int resolveEntry(R2RImage img, String entry) {
        if (entry.startsWith("0x") || entry.startsWith("0X")) {
            int token;
            try {
                token = (int) Long.parseLong(entry.substring(2), 16);
            } catch (NumberFormatException e) {
                throw new BadInputException(entry + " is not a MethodDef token (0x06xxxxxx)", e);
            }
            if (MetadataTable.table(token) != MetadataTable.METHODDEF) {
                throw new BadInputException(entry + " is not a MethodDef token (0x06xxxxxx)");
            }
            int rows = img.metadata().rowCount(MetadataTable.METHODDEF);
            int rid = MetadataTable.rid(token);
            if (rid < 1 || rid > rows) {
                throw new BadInputException(String.format("%s is MethodDef row %d, but the MethodDef table of %s has %d row%s",
                        entry, rid, img.name(), rows, rows == 1 ? "" : "s"));
            }
            return token;
        }
        List<ReadyToRunMethod> matches = img.methods().stream()
                .filter(m -> m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS && m.name().equals(entry))
                .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new BadInputException("no method with R2R code named " + entry + " (see r2rlab dump)");
        }
        if (matches.size() > 1) {
            throw new BadInputException(entry + " is overloaded; name one by token: "
                    + matches.stream().map(m -> String.format("0x%08X", m.token())).collect(Collectors.joining(", ")));
        }
        return matches.get(0).token();
    }
}
