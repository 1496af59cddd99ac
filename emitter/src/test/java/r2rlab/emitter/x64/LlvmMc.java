package r2rlab.emitter.x64;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs llvm-mc (Debian llvm-14) as an independent x86-64 disassembler, Intel syntax. */
final class LlvmMc {
    private LlvmMc() {
    }

    static String tool() {
        for (String p : new String[] {"/usr/bin/llvm-mc-14", "/usr/lib/llvm-14/bin/llvm-mc", "/usr/bin/llvm-mc"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("llvm-mc (llvm-14) not found");
    }

    /** "0x48 0x89 0xc8" style hex. */
    static String hex(byte[] code) {
        StringBuilder sb = new StringBuilder();
        for (byte b : code) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("0x%02x", b & 0xFF));
        }
        return sb.toString();
    }

    /**
     * Disassembles {@code code} and returns one normalised line per instruction ("mnemonic operands",
     * single spaces). Fails if llvm-mc reports anything on stderr (e.g. invalid encodings).
     */
    static List<String> disassemble(byte[] code) throws IOException, InterruptedException {
        Path in = Files.createTempFile("x64asm", ".hex");
        try {
            Files.writeString(in, hex(code) + "\n");
            ProcessBuilder pb = new ProcessBuilder(tool(), "--disassemble", "-triple=x86_64",
                    "-output-asm-variant=1");
            pb.redirectInput(in.toFile());
            Path err = Files.createTempFile("x64asm", ".err");
            try {
                pb.redirectError(err.toFile());
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("llvm-mc timed out");
                }
                String errText = Files.readString(err);
                if (p.exitValue() != 0 || !errText.isBlank()) {
                    throw new AssertionError("llvm-mc failed (" + p.exitValue() + "): " + errText);
                }
                List<String> lines = new ArrayList<>();
                for (String line : out.split("\n")) {
                    String t = line.trim().replaceAll("\\s+", " ");
                    if (t.isEmpty() || t.startsWith(".")) {
                        continue;
                    }
                    lines.add(t);
                }
                return lines;
            } finally {
                Files.deleteIfExists(err);
            }
        } finally {
            Files.deleteIfExists(in);
        }
    }
}
