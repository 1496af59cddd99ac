package r2rlab.tests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;

/**
 * The calls a stretch of code makes, in order, each named by what its cell names: a helper ("WriteBarrier"), a
 * method of the native manifest module by the manifest's own MemberRef row ("AsyncHelpers.CaptureContexts",
 * read here from the ManifestMetadata section with the module index rule: the image's AssemblyRef count + 1), a
 * method of the image ("Demo.Program.Main [ASYNC]" for an async variant). Capstone decodes the code: x64
 * {@code call [rip+disp32]}, ARM64 {@code adrp x11; add x11; ldr x16, [x11]; blr x16} (the write barriers:
 * {@code adrp x12; add x12; ldr x12, [x12]; blr x12}, as the real images call them).
 */
final class CallSequence {
    private static final Pattern X64_CELL = Pattern.compile("qword ptr \\[rip ([+-]) (0x[0-9a-f]+)\\]");
    private static final Pattern ARM64_IMM = Pattern.compile(".*#(0x[0-9a-f]+|\\d+)$");

    private final R2RImage img;
    private final Metadata manifest;
    private final int manifestIndex;
    private final Map<Long, ImportCell> cells = new HashMap<>();

    CallSequence(R2RImage img) {
        this.img = img;
        ReadyToRunSection s = img.header().section(ReadyToRunSectionType.ManifestMetadata.id);
        this.manifest = s == null ? null : Metadata.read(img.pe().file(), img.pe().rvaToOffset("manifest", s.rva(), s.size()), (int) s.size());
        this.manifestIndex = img.metadata().rowCount(MetadataTable.ASSEMBLYREF) + 1;
        for (ImportSection is : img.importSections()) {
            for (ImportCell c : is.cells()) {
                cells.put(img.pe().imageBase() + c.rva(), c);
            }
        }
    }

    /** The calls through cells in code [fromRva, toRva), in order. */
    List<String> calls(Disassembler d, boolean arm64, long fromRva, long toRva) {
        long base = img.pe().imageBase();
        long off = img.pe().rvaToOffset("code", fromRva, toRva - fromRva);
        List<Disassembler.Insn> insns = d.disassemble(img.pe().file().bytes("code", off, (int) (toRva - fromRva)), base + fromRva);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            Disassembler.Insn in = insns.get(i);
            Long cell = null;
            if (!arm64 && in.mnemonic().equals("call")) {
                Matcher m = X64_CELL.matcher(in.operands());
                if (m.matches()) {
                    long disp = Long.decode(m.group(2));
                    cell = in.address() + in.size() + (m.group(1).equals("+") ? disp : -disp);
                }
            } else if (arm64 && in.mnemonic().equals("blr") && (in.operands().equals("x16") || in.operands().equals("x12")) && i >= 3
                    && insns.get(i - 3).mnemonic().equals("adrp") && insns.get(i - 2).mnemonic().equals("add")) {
                cell = immediate(insns.get(i - 3)) + immediate(insns.get(i - 2));
            }
            if (cell != null) {
                ImportCell c = cells.get(cell);
                out.add(c == null ? String.format("? 0x%X", cell) : name(c));
            }
        }
        return out;
    }

    private static long immediate(Disassembler.Insn in) {
        Matcher m = ARM64_IMM.matcher(in.operands());
        if (!m.matches()) {
            throw new AssertionError("no immediate in " + in);
        }
        return Long.decode(m.group(1));
    }

    /** What a cell names: a helper, a manifest MemberRef ("Type.Method"), or a method of the image. */
    String name(ImportCell c) {
        FixupSignature sig = c.signature();
        if (sig instanceof FixupSignature.Helper h) {
            return ReadyToRunHelper.nameOf(h.helperId());
        }
        int token;
        int module = sig.tokenModule();
        boolean asyncVariant = false;
        if (sig instanceof FixupSignature.Token t) {
            token = t.token();
        } else if (sig instanceof FixupSignature.MethodEntry m) {
            token = m.method().token();
            asyncVariant = m.method().has(ReadyToRunMethodSigFlags.AsyncVariant);
        } else {
            return c.signatureText();
        }
        String suffix = asyncVariant ? " [ASYNC]" : "";
        int rid = MetadataTable.rid(token);
        if (module == manifestIndex && manifest != null && MetadataTable.table(token) == MetadataTable.MEMBERREF) {
            String full = manifest.memberRefName(rid);
            String type = full.substring(0, full.lastIndexOf('.'));
            return type.substring(type.lastIndexOf('.') + 1) + full.substring(full.lastIndexOf('.')) + suffix;
        }
        if (module == 0 && MetadataTable.table(token) == MetadataTable.METHODDEF) {
            return img.metadata().methodDefName(rid) + suffix;
        }
        return c.signatureText();
    }
}
