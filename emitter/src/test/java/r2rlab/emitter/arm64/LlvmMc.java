package r2rlab.emitter.arm64;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helper: disassembles bytes with Debian's llvm-mc-14, an encoder independent of ours. */
public final class LlvmMc {
    private LlvmMc() {
    }

    static String binary() {
        for (String p : new String[] {"/usr/bin/llvm-mc-14", "/usr/lib/llvm-14/bin/llvm-mc"}) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        throw new AssertionError("llvm-mc-14 not found; install Debian llvm-14");
    }

    /** One normalized line per instruction, e.g. "stp x29, x30, [sp, #-16]!". Fails on any diagnostic. */
    public static List<String> disassemble(byte[] code) {
        StringBuilder hex = new StringBuilder();
        for (byte b : code) hex.append(String.format("0x%02x ", b & 0xFF));
        try {
            Process p = new ProcessBuilder(binary(), "--disassemble", "-triple=aarch64").start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(hex.toString().getBytes(StandardCharsets.US_ASCII));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("llvm-mc timed out");
            if (p.exitValue() != 0 || !err.isBlank()) throw new AssertionError("llvm-mc failed: " + err);
            List<String> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                String t = line.replaceAll("//.*$", "").strip().replaceAll("\\s+", " "); // drop "// =value" comments
                if (t.isEmpty() || t.startsWith(".")) continue;
                lines.add(t);
            }
            return lines;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot run llvm-mc", e);
        }
    }
}
