package r2rlab.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the r2rlab command line. */
@Command(name = "r2rlab", mixinStandardHelpOptions = true, version = "r2rlab 0.1.0",
        description = "A testbed for ReadyToRun images with runtime-async code.",
        subcommands = {DumpCommand.class, DiffCommand.class, EmitCommand.class, RunCommand.class, VerifyCommand.class, ReproCommand.class,
                DemoCommand.class})
public final class Main implements Runnable {
    /** Exit status when the guest code ran and threw or faulted. */
    public static final int EXIT_GUEST_FAILED = 1;
    /** Exit status of verify when an image breaks a rule. */
    public static final int EXIT_FINDINGS = 1;
    /** Exit status for bad input: a malformed image, a missing file, a bad option, an entry that cannot run. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit status for a defect of r2rlab itself. */
    public static final int EXIT_INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code r2rlab} without a command: bad input like any other, in one line. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "no command given (dump, diff, emit, run, verify, repro or demo)");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line with the given streams; returns the exit status. Used by tests too. A bad option or
     * value is one line naming it and status 2; usage text only with {@code --help}.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, arguments) -> {
            String command = ex.getCommandLine().getCommandName();
            String help = command.equals("r2rlab") ? "r2rlab --help" : "r2rlab " + command + " --help";
            err.println("r2rlab: " + firstLine(ex.getMessage()) + " (see " + help + ")");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof BadInputException) {
                err.println("r2rlab: " + ex.getMessage());
                return EXIT_BAD_INPUT;
            }
            err.println("r2rlab: internal error: " + ex + describeTop(ex));
            return EXIT_INTERNAL;
        });
        int status;
        try {
            status = cl.execute(args);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // Errors pass picocli's handlers; still one line, and status 3: r2rlab should have refused the input first.
            err.println("r2rlab: internal error: " + e + describeTop(e));
            status = EXIT_INTERNAL;
        }
        out.flush();
        err.flush();
        return status;
    }

    private static String firstLine(String message) {
        return message == null ? "bad command line" : message.lines().findFirst().orElse(message);
    }

    private static String describeTop(Throwable ex) {
        StackTraceElement[] st = ex.getStackTrace();
        return st.length == 0 ? "" : " (at " + st[0] + ")";
    }
}
