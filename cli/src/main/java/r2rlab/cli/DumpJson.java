package r2rlab.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.TreeMap;
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

    public static JsonObject of(R2RImage img) {
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
        for (ReadyToRunMethod m : img.methods()) {
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
        return o;
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
