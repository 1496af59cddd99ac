package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.cli.Main;
import r2rlab.tests.PeFields.Field;

/**
 * Structure-aware corruption, beside the random mutations of {@link CorruptImageTest}: every header, directory and
 * table field {@link PeFields} locates — DOS and COFF headers, optional header, data directories, section table, CLI
 * header, metadata root and stream headers, READYTORUN_HEADER and its sections, import sections, runtime functions —
 * of two emitted images (x64, ARM64) and of a real .NET 11 image is set to boundary values (0, all ones, the largest
 * positive value, the file's length, one more and one less than it held, the RVA of another structure), and
 * {@code dump}, {@code dump --json}, {@code dump --disasm} and {@code run} run on each. Every outcome must be exit 0, 1
 * or 2: never 3, never an OutOfMemoryError (the JVM has a 512 MB heap: the {@code structured-corruption} execution in
 * tests/pom.xml), never a command that does not finish within {@link #COMMAND_LIMIT_SECONDS}, never unbounded output.
 */
class StructuredCorruptionTest {
    /** A command that takes longer is a failure (a few seconds of work; the bound allows for a loaded machine). */
    static final int COMMAND_LIMIT_SECONDS = 20;
    /** More output than this from one command is taken as output in proportion to a corrupt value. */
    static final long OUTPUT_LIMIT = 64L << 20;
    private static final long HEAP_LIMIT = 512L << 20;
    private static final String[] COMMANDS = {"dump", "dump --json", "dump --disasm", "run"};
    private static final Object EMULATOR = new Object();

    /** Counts what a command prints, keeping none of it. */
    private static final class CountingWriter extends Writer {
        long chars;

        @Override
        public void write(char[] cbuf, int off, int len) {
            chars += len;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** An image to corrupt, and the entry (with its arguments) {@code run} starts. */
    private record Subject(String name, byte[] bytes, List<String> entry, boolean everyValueOfEveryField) {
    }

    /** One corrupt image: {@code field} of {@code subject} set to {@code value}. */
    private record Mutant(Subject subject, Field field, long value) {
        @Override
        public String toString() {
            return String.format("%s with %s = 0x%X", subject.name(), field.name(), value);
        }
    }

    /** The values a field is set to: 0, all ones (-1), the largest positive value, beyond the file, another structure's RVA, off by one. */
    static Set<Long> values(Field f, int fileLength, long otherRva, boolean offByOne) {
        long ones = f.width() == 8 ? -1L : (1L << (8 * f.width())) - 1;
        Set<Long> out = new LinkedHashSet<>(List.of(0L, ones, ones >>> 1));
        if (f.width() >= 4) {
            out.add((long) fileLength);
            out.add(otherRva);
        }
        if (offByOne) {
            out.add(f.value() + 1 & ones);
            out.add(f.value() - 1 & ones);
        }
        out.remove(f.value());
        return out;
    }

    /**
     * Fields the reader follows (RVAs, sizes, counts, offsets, the machine and magic); the others (characteristics,
     * flags, alignments, directories r2rlab does not read) get only the largest value in the real image, whose every
     * readable variant costs a full disassembly.
     */
    private static boolean followed(Field f) {
        String n = f.name();
        if (n.startsWith("IMAGE_DATA_DIRECTORY[")) {
            return n.startsWith("IMAGE_DATA_DIRECTORY[5]") || n.startsWith("IMAGE_DATA_DIRECTORY[14]");
        }
        return !(n.endsWith("Characteristics") || n.endsWith(".Flags") || n.endsWith("Alignment") || n.endsWith("TimeDateStamp"));
    }

    @Test
    void everyFieldAtItsBoundariesEndsInStatus0Or1Or2(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() <= HEAP_LIMIT + (HEAP_LIMIT >> 3),
                "runs in the structured-corruption execution, whose JVM has a 512 MB heap");
        List<Subject> subjects = new ArrayList<>();
        for (String[] e : new String[][] {{"x64", "calls.yaml"}, {"arm64", "async-nested.yaml"}}) {
            Path out = dir.resolve(e[0] + ".dll");
            CliDumpTest.Result r = CliDumpTest.run("emit", Fixtures.examples().resolve(e[1]).toString(), "-o", out.toString(), "--arch", e[0]);
            assertTrue(r.status() == 0, r.err());
            List<String> entry = e[0].equals("x64") ? List.of("--entry", "Demo.Calls.Main") : List.of("--entry", "Demo.Nested.A", "--arg", "1");
            subjects.add(new Subject("emitted " + e[1] + " " + e[0], Files.readAllBytes(out), entry, true));
        }
        subjects.add(new Subject("System.Net.Ping.dll", Files.readAllBytes(Fixtures.net11("System.Net.Ping.dll")),
                List.of("--entry", "0x06000001", "--cpu", "x86-64-v3"), false));

        List<Mutant> mutants = new ArrayList<>();
        for (Subject s : subjects) {
            PeFields pe = new PeFields(s.bytes());
            long corRva = pe.field("IMAGE_DATA_DIRECTORY[14].VirtualAddress").value();
            for (Field f : pe.fields()) {
                Set<Long> vs = s.everyValueOfEveryField() || followed(f) ? values(f, s.bytes().length, corRva, s.everyValueOfEveryField())
                        : Set.of(f.width() == 8 ? Long.MAX_VALUE : (1L << (8 * f.width() - 1)) - 1);
                for (long v : vs) {
                    mutants.add(new Mutant(s, f, v));
                }
            }
        }
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(null, r, "structured-corruption", 16L << 20);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int i = 0; i < mutants.size(); i++) {
                Mutant m = mutants.get(i);
                Path file = dir.resolve("mutant" + i + ".dll");
                results.add(pool.submit(() -> runAll(m, file, failures)));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    for (int status : results.get(i).get(COMMANDS.length * COMMAND_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                        statuses.merge(status, 1, Integer::sum);
                    }
                } catch (TimeoutException e) {
                    fail(mutants.get(i) + ": the commands did not finish within " + COMMANDS.length * COMMAND_LIMIT_SECONDS + " s");
                } catch (ExecutionException e) {
                    fail(mutants.get(i) + ": " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, statuses " + statuses + ":\n" + String.join("\n", failures));
        // the corruptions reach every outcome: refused (2), read and run (0 or 1)
        assertTrue(statuses.getOrDefault(2, 0) > 1000 && statuses.getOrDefault(0, 0) > 1000 && statuses.getOrDefault(1, 0) > 300,
                mutants.size() + " corrupt images, statuses " + statuses);
    }

    /** The four commands on one corrupt image, in-process; failures are added to {@code failures}; the statuses. */
    private static int[] runAll(Mutant m, Path file, List<String> failures) throws IOException {
        Files.write(file, PeFields.with(m.subject().bytes(), m.field(), m.value()));
        int[] statuses = new int[COMMANDS.length];
        try {
            for (int k = 0; k < COMMANDS.length; k++) {
                List<String> args = new ArrayList<>(List.of(COMMANDS[k].split(" ")));
                args.add(file.toString());
                if (COMMANDS[k].equals("run")) {
                    args.addAll(m.subject().entry());
                }
                CountingWriter out = new CountingWriter();
                CountingWriter err = new CountingWriter();
                long start = System.nanoTime();
                int status;
                if (COMMANDS[k].equals("run")) {
                    synchronized (EMULATOR) { // two Unicorn engines on two threads at once are not reliable
                        status = Main.run(args.toArray(new String[0]), new PrintWriter(out), new PrintWriter(err));
                    }
                } else {
                    status = Main.run(args.toArray(new String[0]), new PrintWriter(out), new PrintWriter(err));
                }
                long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                String what = m + ": " + COMMANDS[k];
                synchronized (failures) {
                    if (status != 0 && status != 1 && status != 2) {
                        failures.add(what + ": exit " + status);
                    }
                    if (seconds >= COMMAND_LIMIT_SECONDS) {
                        failures.add(what + ": took " + seconds + " s");
                    }
                    if (out.chars + err.chars > OUTPUT_LIMIT) {
                        failures.add(what + ": " + (out.chars + err.chars) + " characters of output");
                    }
                }
                statuses[k] = status;
            }
        } catch (OutOfMemoryError | StackOverflowError e) {
            synchronized (failures) {
                failures.add(m + ": " + e);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return statuses;
    }
}
