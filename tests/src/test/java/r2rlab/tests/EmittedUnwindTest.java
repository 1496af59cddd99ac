package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.RuntimeFunction;

/**
 * Unwind data says what the code really does: Debian's python3-pefile decodes every x64 UNWIND_INFO
 * through the exception directory, and each prolog it describes is compared with the prolog Capstone
 * finds in the code; ARM64 .xdata is decoded by r2rlab's decoder and compared with the instructions.
 */
class EmittedUnwindTest {
    private static final String PEFILE_SCRIPT = String.join("\n",
            "import pefile, sys",
            "pe = pefile.PE(sys.argv[1])",
            "for e in pe.DIRECTORY_ENTRY_EXCEPTION:",
            "    u = e.unwindinfo",
            "    codes = ' '.join('%d:%s' % (c.struct.CodeOffset, str(c).strip()) for c in u.UnwindCodes)",
            "    print('%x %x %d %d %d %s' % (e.struct.BeginAddress, e.struct.EndAddress, u.Flags, u.SizeOfProlog, u.FrameRegister, codes))");

    /** The prolog Capstone sees: leading push/mov rbp,rsp/lea rbp/sub rsp instructions, as pefile would name their codes. */
    private static List<String> prologCodes(List<Disassembler.Insn> insns, int[] prologSize) {
        List<String> codes = new ArrayList<>();
        int offset = 0;
        for (Disassembler.Insn in : insns) {
            String text = in.mnemonic() + " " + in.operands();
            String code;
            if (in.mnemonic().equals("push")) {
                code = ".PUSHREG " + in.operands().toUpperCase();
            } else if (text.startsWith("sub rsp, ")) {
                code = ".ALLOCSTACK " + in.operands().substring(5);
            } else if (text.equals("mov rbp, rsp") || text.startsWith("lea rbp, [rsp")) {
                code = ".SETFRAME";
            } else {
                break;
            }
            offset += in.size();
            codes.add(0, offset + ":" + code);
        }
        prologSize[0] = offset;
        return codes;
    }

    @Test
    void x64_pefileDecodesEveryUnwindInfo_matchingTheProlog(@TempDir Path dir) {
        try (Disassembler d = new Disassembler(false)) {
            for (Path p : Emitted.examples()) {
                byte[] bytes = Emitted.emit(Emitted.scenario(p), Architecture.X64);
                R2RImage img = Emitted.read(bytes);
                Path f = Emitted.write(dir, "x64.dll", bytes);
                String[] r = Emitted.run(List.of("/usr/bin/python3", "-c", PEFILE_SCRIPT, f.toString()));
                assertEquals("0", r[0], r[2]);
                List<String> lines = r[1].strip().lines().toList();
                assertEquals(img.runtimeFunctions().size(), lines.size(), p + ": one UNWIND_INFO per runtime function");
                for (int i = 0; i < lines.size(); i++) {
                    RuntimeFunction rf = img.runtimeFunctions().get(i);
                    String[] parts = lines.get(i).split(" ", 6);
                    assertEquals(rf.beginRva(), Long.parseLong(parts[0], 16));
                    assertEquals(rf.endRva(), Long.parseLong(parts[1], 16));
                    assertEquals(3, Integer.parseInt(parts[2]), "EHANDLER|UHANDLER as crossgen2 sets them");
                    int[] size = new int[1];
                    List<String> expected = prologCodes(d.disassemble(Emitted.code(img, rf), rf.beginRva()), size);
                    assertEquals(size[0], Integer.parseInt(parts[3]), p + " rf " + i + ": SizeOfProlog");
                    List<String> actual = new ArrayList<>();
                    for (String c : (parts.length > 5 ? parts[5] : "").split(" (?=\\d+:)")) {
                        if (!c.isBlank()) {
                            // pefile prints SET_FPREG with its register; compare the operation.
                            actual.add(c.startsWith(c.split(":")[0] + ":.SETFRAME") ? c.split(":")[0] + ":.SETFRAME" : c.replace("0X", "0x"));
                        }
                    }
                    assertEquals(expected, actual, p + " rf " + i);
                }
            }
        }
    }

    @Test
    void arm64_xdataDecodes_functionLengthAndPrologMatchTheCode() {
        try (Disassembler d = new Disassembler(true)) {
            for (Path p : Emitted.examples()) {
                R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario(p), Architecture.ARM64));
                for (RuntimeFunction rf : img.runtimeFunctions()) {
                    long off = img.pe().rvaToOffset("xdata", rf.unwindRva(), 4);
                    byte[] xdata = img.pe().file().bytes("xdata", off, (int) Math.min(256, img.pe().file().length() - off));
                    Arm64UnwindInfo.Decoded u = Arm64UnwindInfo.decode(xdata, 0);
                    byte[] code = Emitted.code(img, rf);
                    assertTrue(u.exceptionDataPresent(), "X bit set, as the runtime requires");
                    // The prolog Capstone sees, as unwind operations, in unwind (reverse) order.
                    List<String> expected = new ArrayList<>();
                    for (Disassembler.Insn in : d.disassemble(code, rf.beginRva())) {
                        String t = in.mnemonic() + " " + in.operands();
                        if (t.startsWith("stp x29, x30, [sp, #-") && t.endsWith("]!")) {
                            expected.add(0, "SAVE_FPLR_X " + -Long.decode(t.substring(t.indexOf("#-") + 2, t.indexOf(']'))));
                        } else if (t.equals("mov x29, sp")) {
                            expected.add(0, "SET_FP");
                        } else if (t.startsWith("sub sp, sp, #")) {
                            expected.add(0, "ALLOC " + Long.decode(t.substring(t.indexOf('#') + 1)));
                        } else if (t.startsWith("stp x") && t.contains("[sp, #") && !t.endsWith("!")) {
                            expected.add(0, "SAVE_REGP " + Long.decode(t.substring(t.indexOf("#") + 1, t.indexOf(']'))));
                        } else {
                            break;
                        }
                    }
                    List<String> actual = new ArrayList<>();
                    for (var c : u.prologCodes()) {
                        switch (c.op()) {
                            case SAVE_FPLR_X -> actual.add("SAVE_FPLR_X " + c.offset());
                            case SET_FP -> actual.add("SET_FP");
                            case ALLOC_S, ALLOC_M -> actual.add("ALLOC " + c.offset());
                            case SAVE_REGP -> actual.add("SAVE_REGP " + c.offset());
                            case END, NOP -> {
                            }
                            default -> actual.add(c.toString());
                        }
                    }
                    assertTrue(!expected.isEmpty(), p + " rf " + rf.index() + " has a prolog");
                    assertEquals(expected, actual, p + " rf " + rf.index());
                }
            }
        }
    }
}
