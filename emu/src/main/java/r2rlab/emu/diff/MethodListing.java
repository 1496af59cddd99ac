package r2rlab.emu.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.disasm.NakedText;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.MethodRef;
import r2rlab.loader.MethodPattern;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * One image's methods as {@code r2rlab diff} compares them: each body under a key that does not depend
 * on layout ("[ASYNC] Demo.Program.Main", "[RESUME] Demo.Program.Main$ResumptionStub"; overloads get
 * their family token appended), paired with its resumption stub or owner, and rendered as a naked listing
 * (fixups, pairing, each runtime function's instructions without addresses, see {@link NakedText}).
 */
public final class MethodListing implements AutoCloseable {
    /** A call or tail jump to another method: the callee's key, whether it is direct, and the cell an indirect one goes through. */
    public record Call(String callee, boolean direct, String cell) {
    }

    /** What the comparison needs of one body: its listing, its calls, its fixup signatures and its continuation layouts. */
    public record Body(List<String> listing, List<Call> calls, List<String> fixups, List<String> continuationLayouts,
                       int funclets, int coldParts) {
    }

    private final R2RImage img;
    private final ImageDisassembler dis;
    private final ImageSymbols syms;
    private final NakedText naked;
    private final Map<ReadyToRunMethod, String> keys = new IdentityHashMap<>();
    private final Map<Integer, ReadyToRunMethod> stubOwner = new HashMap<>();
    private final Map<Integer, ReadyToRunMethod> variantStub = new HashMap<>();
    private final Map<Integer, ReadyToRunMethod> byEntry = new HashMap<>();

    public MethodListing(R2RImage img) {
        this.img = img;
        this.dis = new ImageDisassembler(img, true);
        this.syms = dis.symbols();
        this.naked = new NakedText(syms);
        Map<Integer, Integer> tokens = MethodPattern.familyTokens(img);
        Map<String, Integer> seen = new HashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            seen.merge(m.label(), 1, Integer::sum);
            byEntry.putIfAbsent(m.entryRuntimeFunction(), m);
        }
        Map<String, Integer> again = new HashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            String k = m.label();
            if (seen.get(k) > 1) {
                k = k + String.format(" (0x%08X)", tokens.getOrDefault(m.entryRuntimeFunction(), 0));
                int n = again.merge(k, 1, Integer::sum);
                if (n > 1) {
                    k = k + " #" + n;
                }
            }
            keys.put(m, k);
        }
        for (ResumptionStub s : img.resumptionStubs()) {
            ReadyToRunMethod stub = s.runtimeFunction() < 0 ? null : byEntry.get(s.runtimeFunction());
            if (s.owner() != null && stub != null && stub.kind() == CodeBodyKind.RESUMPTION_STUB) {
                stubOwner.putIfAbsent(stub.entryRuntimeFunction(), s.owner());
                variantStub.putIfAbsent(s.owner().entryRuntimeFunction(), stub);
            }
        }
    }

    public R2RImage image() {
        return img;
    }

    public ImageSymbols symbols() {
        return syms;
    }

    /** The body's key, unique in the image. */
    public String key(ReadyToRunMethod m) {
        return keys.get(m);
    }

    /** The resumption stub's async variant, or null. */
    public ReadyToRunMethod owner(ReadyToRunMethod stub) {
        return stubOwner.get(stub.entryRuntimeFunction());
    }

    /** The async variant's resumption stub, or null. */
    public ReadyToRunMethod stub(ReadyToRunMethod variant) {
        return variantStub.get(variant.entryRuntimeFunction());
    }

    /** Bytes of code in all of the body's runtime functions (0 where the image records no ends, as on x86). */
    public long size(ReadyToRunMethod m) {
        long n = 0;
        for (int rf : m.runtimeFunctions()) {
            n += Math.max(0, img.runtimeFunctions().get(rf).size());
        }
        return n;
    }

    /**
     * Whether a resumption stub sits right after its async variant's runtime functions (as crossgen2 places
     * them since dotnet/runtime PR #128380) rather than apart from it (the block of stubs of the .NET 11
     * preview 4 images).
     */
    public boolean nextToVariant(ReadyToRunMethod stub) {
        ReadyToRunMethod owner = owner(stub);
        return owner != null && owner.runtimeFunctions().contains(stub.entryRuntimeFunction() - 1);
    }

    /** "adjacent", "grouped", "mixed" or "no stubs": where the image puts its resumption stubs. */
    public String stubLayout() {
        List<ReadyToRunMethod> stubs = new ArrayList<>();
        img.methods().stream().filter(m -> m.kind() == CodeBodyKind.RESUMPTION_STUB && owner(m) != null).forEach(stubs::add);
        if (stubs.isEmpty()) {
            return "no stubs";
        }
        long next = stubs.stream().filter(this::nextToVariant).count();
        if (next == stubs.size()) {
            return "adjacent";
        }
        boolean block = stubs.get(stubs.size() - 1).entryRuntimeFunction() - stubs.get(0).entryRuntimeFunction() == stubs.size() - 1;
        return next == 0 && block ? "grouped" : "mixed";
    }

    /** Disassembles the body and collects what the comparison needs. */
    public Body body(ReadyToRunMethod m) {
        List<String> out = new ArrayList<>();
        out.add(key(m));
        List<String> fixups = new ArrayList<>();
        List<String> layouts = new ArrayList<>();
        for (FixupCell f : m.fixups()) {
            ImportCell c = syms.cell(f);
            if (c == null) {
                out.add("  fixup " + f.importSection() + ":" + f.slot() + " (no such cell)");
                continue;
            }
            out.add("  fixup " + naked.cell(c));
            if (c.signature() instanceof FixupSignature.Layout l && l.kind() == ReadyToRunFixupKind.ContinuationLayout) {
                layouts.add(String.format("size %d gcmap %s", l.layout().size(), hex(l.layout().gcMap())));
            } else {
                fixups.add(naked.signature(c));
            }
        }
        ReadyToRunMethod stub = stub(m);
        if (stub != null) {
            out.add("  resumption stub " + key(stub));
        }
        ReadyToRunMethod owner = m.kind() == CodeBodyKind.RESUMPTION_STUB ? owner(m) : null;
        if (owner != null) {
            out.add("  owner " + key(owner));
        }
        List<Call> calls = new ArrayList<>();
        int funclets = 0;
        int cold = 0;
        for (int i = 0; i < m.runtimeFunctions().size(); i++) {
            int rf = m.runtimeFunctions().get(i);
            boolean isCold = img.coldToHot().containsKey(rf);
            if (i == 0) {
                out.add("  main body:");
            } else if (isCold) {
                out.add("  cold part:");
                cold++;
            } else {
                out.add("  funclet " + i + ":");
                funclets++;
            }
            ImageDisassembler.Region r = dis.region(rf);
            for (String line : naked.lines(r, true)) {
                out.add("    " + line);
            }
            calls(r, img.runtimeFunctions().get(rf), calls);
        }
        return new Body(out, calls, fixups, layouts, funclets, cold);
    }

    private void calls(ImageDisassembler.Region r, RuntimeFunction own, List<Call> out) {
        for (ImageDisassembler.Line l : r.lines()) {
            String mn = l.text().split(" ", 2)[0];
            boolean call = mn.equals("call") || mn.equals("bl") || mn.equals("blr");
            boolean jump = mn.equals("jmp") || mn.equals("b") || mn.equals("br");
            if (!call && !jump) {
                continue;
            }
            if (l.through() != null) {
                ImportCell c = l.through();
                String callee = c.method() != null ? c.method().label() : syms.describeCell(c);
                out.add(new Call(callee, false, syms.cellName(c)));
            } else if (l.target() >= 0 && (call || l.target() < own.beginRva() || own.endRva() >= 0 && l.target() >= own.endRva())) {
                ReadyToRunMethod callee = syms.methodAt(l.target());
                if (callee != null) {
                    out.add(new Call(MethodRef.label(callee.name(), callee.kind() == CodeBodyKind.ASYNC_VARIANT), true, null));
                }
            }
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }

    @Override
    public void close() {
        dis.close();
    }
}
