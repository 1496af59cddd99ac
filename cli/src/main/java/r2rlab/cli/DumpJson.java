package r2rlab.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.FormatException;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.ResumptionStub;

/** The JSON form of {@code dump --json}; field names are part of r2rlab's interface. */
public final class DumpJson {
    private DumpJson() {
    }

    /** The views {@code dump --unwind/--section-contents/--entry-points/--gc} add as fields. */
    public record Views(boolean unwind, boolean sectionContents, boolean entryPoints, boolean gc) {
        static final Views NONE = new Views(false, false, false, false);
    }

    /** The whole image, no views. */
    public static JsonObject of(R2RImage img) {
        return of(img, null, null, Views.NONE);
    }

    /**
     * The image; with a {@code selection}, {@code methods} and {@code resumptionStubs} hold only what it
     * picked and {@code selection} says what that is; each view asked for adds its field.
     */
    static JsonObject of(R2RImage img, DumpSelection selection, DumpSelection.Selectors selectors, Views views) {
        ImageSymbols syms = new ImageSymbols(img);
        List<ReadyToRunMethod> chosen = selection == null ? img.methods() : selection.methods;
        JsonObject o = new JsonObject();
        o.addProperty("file", img.name());
        o.addProperty("r2rVersion", img.header().version());
        o.addProperty("machine", img.pe().rawMachine());
        o.addProperty("architecture", img.pe().machine().archName);
        o.addProperty("os", img.pe().os().osName);
        o.addProperty("imageBase", img.pe().imageBase());
        o.addProperty("flags", img.header().flags());
        JsonArray sections = new JsonArray();
        for (ReadyToRunSection s : img.header().sections()) {
            sections.add(s.type());
        }
        o.add("sections", sections);
        o.addProperty("compilerIdentifier", img.compilerIdentifier());
        o.addProperty("runtimeFunctionCount", img.runtimeFunctions().size());
        o.addProperty("methodDefSlots", img.methodDefSlots());
        o.addProperty("methodDefEntryPoints", img.methodCount(ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS));
        o.addProperty("instanceEntryPoints", img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS));
        o.addProperty("asyncVariants", img.asyncVariantCount());

        Map<Integer, Integer> kinds = new TreeMap<>();
        JsonArray importSections = new JsonArray();
        for (ImportSection is : img.importSections()) {
            JsonObject j = new JsonObject();
            j.addProperty("index", is.index());
            j.addProperty("rva", is.rva());
            j.addProperty("size", is.size());
            j.addProperty("flags", is.flags());
            j.addProperty("type", is.type());
            j.addProperty("entrySize", is.entrySize());
            j.addProperty("signatures", is.signaturesRva());
            j.addProperty("auxiliaryData", is.auxiliaryDataRva());
            j.addProperty("cells", is.cells().size());
            importSections.add(j);
            for (ImportCell c : is.cells()) {
                if (c.signature() != null) {
                    kinds.merge(c.signature().kind().value, 1, Integer::sum);
                }
            }
        }
        JsonObject fixupKinds = new JsonObject();
        kinds.forEach((k, n) -> fixupKinds.addProperty(Integer.toString(k), n));
        o.add("fixupKinds", fixupKinds);
        o.add("importSections", importSections);

        JsonArray stubs = new JsonArray();
        for (ResumptionStub s : img.resumptionStubs()) {
            if (selection != null && !chosen.contains(s.owner()) && chosen.stream().noneMatch(m -> m.entryRva() == s.rva())) {
                continue;
            }
            JsonObject j = new JsonObject();
            j.addProperty("rva", s.rva());
            if (s.owner() != null) {
                j.addProperty("owner", s.owner().name());
                j.addProperty("ownerToken", s.owner().token());
            } else {
                j.add("owner", JsonNull.INSTANCE);
                j.addProperty("ownerToken", 0);
            }
            j.addProperty("runtimeFunction", s.runtimeFunction());
            j.add("cell", pair(s.importSection(), s.cellIndex()));
            stubs.add(j);
        }
        o.add("resumptionStubs", stubs);

        JsonArray methods = new JsonArray();
        for (ReadyToRunMethod m : chosen) {
            JsonObject j = new JsonObject();
            j.addProperty("name", m.name());
            j.addProperty("token", m.token());
            j.addProperty("variant", variant(m.kind()));
            j.addProperty("runtimeFunction", m.entryRuntimeFunction());
            j.addProperty("rva", m.entryRva());
            JsonArray fixups = new JsonArray();
            for (FixupCell f : m.fixups()) {
                fixups.add(pair(f.importSection(), f.slot()));
            }
            j.add("fixups", fixups);
            JsonArray rfs = new JsonArray();
            m.runtimeFunctions().forEach(rfs::add);
            j.add("runtimeFunctions", rfs);
            JsonArray clauses = new JsonArray();
            for (ExceptionClause c : img.exceptionClauses(m.entryRva())) {
                JsonArray clause = new JsonArray();
                clause.add(c.flags());
                clause.add(c.tryStartPc());
                clause.add(c.tryEndPc());
                clause.add(c.handlerStartPc());
                clause.add(c.handlerEndPc());
                clause.add(c.classTokenOrFilterOffset());
                clauses.add(clause);
            }
            j.add("ehClauses", clauses);
            if (m.signature() != null) {
                j.addProperty("signatureFlags", m.signature().flags());
            }
            methods.add(j);
        }
        o.add("methods", methods);
        Set<Integer> rfs = new TreeSet<>();
        List<ReadyToRunSection> shown = img.header().sections();
        if (selection == null) {
            img.runtimeFunctions().forEach(rf -> rfs.add(rf.index()));
        } else {
            rfs.addAll(selection.runtimeFunctions);
            shown = selection.sections;
            o.add("selection", selection(img, syms, selection, selectors));
        }
        if (views.entryPoints()) {
            o.add("entryPoints", entryPoints(syms, chosen));
        }
        if (views.unwind()) {
            JsonArray unwind = new JsonArray();
            try (UnwindView u = new UnwindView(img, false)) {
                rfs.forEach(i -> unwind.add(u.decode(img.runtimeFunctions().get(i)).json()));
            }
            o.add("unwind", unwind);
        }
        if (views.gc()) {
            GcInfoView g = new GcInfoView(img, false);
            JsonArray gc = new JsonArray();
            if (g.encoding() != null) {
                chosen.forEach(m -> gc.add(g.decode(m).json()));
            }
            o.add("gcInfo", gc);
        }
        if (views.sectionContents()) {
            o.add("sectionContents", sectionContents(img, shown));
        }
        return o;
    }

    private static JsonObject selection(R2RImage img, ImageSymbols syms, DumpSelection selection, DumpSelection.Selectors selectors) {
        JsonObject sel = new JsonObject();
        sel.addProperty("selectors", selectors.describe());
        JsonArray rfs = new JsonArray();
        selection.runtimeFunctions.forEach(rfs::add);
        sel.add("runtimeFunctions", rfs);
        JsonArray sections = new JsonArray();
        for (ReadyToRunSection s : selection.sections) {
            sections.add(section(s));
        }
        sel.add("sections", sections);
        JsonArray cells = new JsonArray();
        for (ImportCell c : selection.cells) {
            JsonObject j = new JsonObject();
            j.addProperty("name", syms.cellName(c));
            j.add("cell", pair(c.section(), c.index()));
            j.addProperty("rva", c.rva());
            j.addProperty("value", c.value());
            if (c.signature() != null) {
                j.addProperty("kind", c.signature().kind().value);
                j.addProperty("signature", c.signatureText());
            }
            cells.add(j);
        }
        sel.add("cells", cells);
        return sel;
    }

    private static JsonObject section(ReadyToRunSection s) {
        JsonObject j = new JsonObject();
        j.addProperty("type", s.type());
        j.addProperty("name", s.name());
        j.addProperty("rva", s.rva());
        j.addProperty("size", s.size());
        return j;
    }

    private static JsonObject entryPoints(ImageSymbols syms, List<ReadyToRunMethod> methods) {
        JsonArray def = new JsonArray();
        JsonArray instance = new JsonArray();
        for (ReadyToRunMethod m : methods) {
            boolean isDef = m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS;
            if (!isDef && m.source() != ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                continue;
            }
            JsonObject j = new JsonObject();
            j.addProperty("name", m.name());
            j.addProperty("token", m.token());
            if (!isDef) {
                j.addProperty("variant", variant(m.kind()));
                j.addProperty("signatureFlags", m.signature().flags());
            }
            j.addProperty("runtimeFunction", m.entryRuntimeFunction());
            JsonArray fixups = new JsonArray();
            for (FixupCell f : m.fixups()) {
                JsonObject fj = new JsonObject();
                fj.add("cell", pair(f.importSection(), f.slot()));
                ImportCell c = syms.cell(f);
                if (c != null) {
                    fj.addProperty("name", syms.cellName(c));
                    fj.addProperty("signature", c.signature() == null ? "" : c.signatureText());
                }
                fixups.add(fj);
            }
            j.add("fixups", fixups);
            (isDef ? def : instance).add(j);
        }
        JsonObject o = new JsonObject();
        o.add("methodDef", def);
        o.add("instance", instance);
        return o;
    }

    private static JsonArray sectionContents(R2RImage img, List<ReadyToRunSection> sections) {
        JsonArray out = new JsonArray();
        for (ReadyToRunSection s : sections) {
            JsonObject j = section(s);
            try {
                long off = img.pe().rvaToOffset(s.name(), s.rva(), s.size());
                j.addProperty("hex", HexFormat.of().formatHex(img.pe().file().bytes(s.name(), off, (int) s.size())));
            } catch (FormatException e) {
                j.addProperty("error", e.getMessage());
            }
            out.add(j);
        }
        return out;
    }

    private static JsonArray pair(int a, int b) {
        JsonArray p = new JsonArray();
        p.add(a);
        p.add(b);
        return p;
    }

    /** The "variant" field: a Task-returning body is a "method" to its callers. */
    static String variant(CodeBodyKind kind) {
        return switch (kind) {
            case METHOD, TASK_RETURNING_THUNK -> "method";
            case ASYNC_VARIANT -> "async";
            case RESUMPTION_STUB -> "resume";
        };
    }
}
