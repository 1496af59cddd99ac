package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.TableSchema.MemberRefColumns;
import r2rlab.format.metadata.TableSchema.MethodDefColumns;
import r2rlab.format.metadata.TableSchema.MethodPtrColumns;
import r2rlab.format.metadata.TableSchema.MethodSpecColumns;
import r2rlab.format.metadata.TableSchema.ModuleRefColumns;
import r2rlab.format.metadata.TableSchema.NestedClassColumns;
import r2rlab.format.metadata.TableSchema.TypeDefColumns;
import r2rlab.format.metadata.TableSchema.TypeRefColumns;
import r2rlab.format.metadata.TableSchema.TypeSpecColumns;

/**
 * Names of types and members as runtime engineers write them: "Namespace.Type", nested types as
 * "Namespace.Outer+Inner", members as "Owner.Name", instantiations as "Name&lt;A,B&gt;". Also the
 * ownership relations names need: NestedClass nesting, and the TypeDef whose MethodList holds a
 * method.
 *
 * <p>Names are computed lazily and cached; the caches tolerate concurrent use (at worst a name is
 * computed twice, and Strings are safely published).
 */
final class MetadataNames {
    /** Longest chain of TypeSpec signatures referring to TypeSpecs that is rendered before giving up. */
    private static final int MAX_TYPESPEC_DEPTH = 16;

    private final ByteReader file;
    private final MetadataTableStream tables;
    private final MetadataHeaps heaps;

    /** Names by rid; filled as they are asked for. */
    private final String[] typeDefNames;
    private final String[] typeRefNames;
    private final String[] typeSpecNames;
    /** {enclosing[typeDefRid] = enclosing TypeDef rid (0 = not nested), NestedClass row it came from}. */
    private volatile int[][] nesting;
    /** methodPtrIndex[methodRid] = MethodPtr row pointing at it (0 = none); only with a MethodPtr table. */
    private volatile int[] methodPtrIndex;

    MetadataNames(ByteReader file, MetadataTableStream tables, MetadataHeaps heaps) {
        this.file = file;
        this.tables = tables;
        this.heaps = heaps;
        typeDefNames = new String[tables.rowCount(TYPEDEF) + 1];
        typeRefNames = new String[tables.rowCount(TYPEREF) + 1];
        typeSpecNames = new String[tables.rowCount(TYPESPEC) + 1];
    }

    /** A #Strings cell. */
    String string(int table, int rid, int column) {
        return heaps.string(tables.raw(table, rid, column), tables.site(table, rid, column));
    }

    /** A reader over a #Blob cell's signature, its errors naming the row. */
    SignatureReader signature(int table, int rid, int column, String what) {
        int[] span = heaps.blobSpan(tables.raw(table, rid, column), tables.site(table, rid, column));
        String structure = tables.structure(table) + " row " + rid + " " + what;
        return new SignatureReader(file, span[0], span[0] + span[1], structure);
    }

    /** Decodes with type tokens checked against this metadata's tables. */
    SignatureCodec codec(SignatureReader r) {
        return SignatureCodec.reading(r, tables::rowCount);
    }

    // ---------------------------------------------------------------- types

    String typeDefName(int rid) {
        tables.checkRid(TYPEDEF, rid);
        String[] cache = typeDefNames;
        if (cache[rid] != null) {
            return cache[rid];
        }
        int[][] nest = nesting();
        int[] enclosing = nest[0];
        List<Integer> chain = new ArrayList<>();
        int cur = rid;
        while (cur != 0 && cache[cur] == null) {
            chain.add(cur);
            if (chain.size() > tables.rowCount(TYPEDEF)) {
                throw new FormatException(tables.structure(NESTEDCLASS) + " row " + nest[1][rid],
                        tables.rowOffset(NESTEDCLASS, nest[1][rid]), "TypeDef row " + rid
                                + " is in or leads into a nesting cycle in NestedClass");
            }
            cur = enclosing[cur];
        }
        return nestedNames(cache, chain, cur == 0 ? null : cache[cur], TYPEDEF, TypeDefColumns.TYPE_NAMESPACE,
                TypeDefColumns.TYPE_NAME);
    }

    String typeRefName(int rid) {
        tables.checkRid(TYPEREF, rid);
        String[] cache = typeRefNames;
        if (cache[rid] != null) {
            return cache[rid];
        }
        List<Integer> chain = new ArrayList<>();
        int cur = rid;
        while (cur != 0 && cache[cur] == null) {
            chain.add(cur);
            if (chain.size() > tables.rowCount(TYPEREF)) {
                throw tables.cellError(TYPEREF, rid, TypeRefColumns.RESOLUTION_SCOPE, "TypeRef row " + rid
                        + " is in or leads into a cycle of ResolutionScope references to TypeRefs");
            }
            int scope = tables.codedToken(TYPEREF, cur, TypeRefColumns.RESOLUTION_SCOPE);
            cur = table(scope) == TYPEREF ? rid(scope) : 0;
        }
        return nestedNames(cache, chain, cur == 0 ? null : cache[cur], TYPEREF, TypeRefColumns.TYPE_NAMESPACE,
                TypeRefColumns.TYPE_NAME);
    }

    /** Names the rows of {@code chain} (innermost first) outermost first, each nested in the one before. */
    private String nestedNames(String[] cache, List<Integer> chain, String prefix, int table, int namespaceColumn,
            int nameColumn) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            int r = chain.get(i);
            String simple = qualify(string(table, r, namespaceColumn), string(table, r, nameColumn));
            String full = prefix == null ? simple : prefix + "+" + simple;
            cache[r] = full;
            prefix = full;
        }
        return prefix;
    }

    String typeSpecName(int rid, int depth) {
        tables.checkRid(TYPESPEC, rid);
        if (typeSpecNames[rid] != null) {
            return typeSpecNames[rid];
        }
        if (depth > MAX_TYPESPEC_DEPTH) {
            throw tables.cellError(TYPESPEC, rid, TypeSpecColumns.SIGNATURE, "TypeSpec signatures refer to TypeSpecs"
                    + " more than " + MAX_TYPESPEC_DEPTH + " levels deep (a cycle?)");
        }
        SignatureType type = codec(signature(TYPESPEC, rid, TypeSpecColumns.SIGNATURE, "signature")).type();
        String name = new SignatureFormatter(this, depth).type(type);
        typeSpecNames[rid] = name;
        return name;
    }

    String typeDefOrRefName(int token, int depth) {
        switch (table(token)) {
            case TYPEDEF:
                return typeDefName(rid(token));
            case TYPEREF:
                return typeRefName(rid(token));
            case TYPESPEC:
                return typeSpecName(rid(token), depth + 1);
            default:
                throw new IllegalArgumentException("not a TypeDef, TypeRef or TypeSpec token: " + describe(token));
        }
    }

    // ---------------------------------------------------------------- members

    String methodDefName(int rid) {
        tables.checkRid(METHODDEF, rid);
        String name = string(METHODDEF, rid, MethodDefColumns.NAME);
        int owner = methodDefOwner(rid);
        return owner == 0 ? name : typeDefName(owner) + "." + name;
    }

    String memberRefName(int rid) {
        tables.checkRid(MEMBERREF, rid);
        String name = string(MEMBERREF, rid, MemberRefColumns.NAME);
        int parent = tables.codedToken(MEMBERREF, rid, MemberRefColumns.CLASS);
        if (parent == 0) {
            return name;
        }
        String owner;
        switch (table(parent)) {
            case MODULEREF:
                owner = moduleRefName(rid(parent));
                break;
            case METHODDEF: {
                int type = methodDefOwner(rid(parent));
                if (type == 0) {
                    return name;
                }
                owner = typeDefName(type);
                break;
            }
            default:
                owner = typeDefOrRefName(parent, 0);
                break;
        }
        return owner + "." + name;
    }

    String methodDefOrRefName(int token) {
        switch (table(token)) {
            case METHODDEF:
                return methodDefName(rid(token));
            case MEMBERREF:
                return memberRefName(rid(token));
            default:
                throw new IllegalArgumentException("not a MethodDef or MemberRef token: " + describe(token));
        }
    }

    String methodSpecName(int rid) {
        tables.checkRid(METHODSPEC, rid);
        int method = tables.codedToken(METHODSPEC, rid, MethodSpecColumns.METHOD);
        String name = method == 0 ? "" : methodDefOrRefName(method);
        List<SignatureType> args = codec(signature(METHODSPEC, rid, MethodSpecColumns.INSTANTIATION, "instantiation"))
                .methodInstantiation();
        return name + new SignatureFormatter(this, 0).methodInstantiation(args);
    }

    String moduleRefName(int rid) {
        tables.checkRid(MODULEREF, rid);
        return string(MODULEREF, rid, ModuleRefColumns.NAME);
    }

    private static String qualify(String namespace, String name) {
        return namespace.isEmpty() ? name : namespace + "." + name;
    }

    // ---------------------------------------------------------------- ownership

    int enclosingTypeDef(int rid) {
        tables.checkRid(TYPEDEF, rid);
        return nesting()[0][rid];
    }

    int methodDefOwner(int methodRid) {
        tables.checkRid(METHODDEF, methodRid);
        int p = methodRid;
        if (tables.rowCount(METHODPTR) > 0) {
            p = methodPtrIndex()[methodRid];
            if (p == 0) {
                return 0;
            }
        }
        int types = tables.rowCount(TYPEDEF);
        int lo = 1;
        int hi = types;
        int owner = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long first = methodList(mid);
            if (first <= p) {
                owner = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (owner != 0 && owner < types && methodList(owner + 1) <= p) {
            throw tables.cellError(TYPEDEF, owner + 1, TypeDefColumns.METHOD_LIST, "MethodList values of TypeDef rows "
                    + owner + " and " + (owner + 1) + " are not in ascending order");
        }
        return owner;
    }

    private long methodList(int typeDefRid) {
        return tables.raw(TYPEDEF, typeDefRid, TypeDefColumns.METHOD_LIST) & 0xFFFFFFFFL;
    }

    private int[][] nesting() {
        int[][] n = nesting;
        if (n != null) {
            return n;
        }
        int types = tables.rowCount(TYPEDEF);
        int[] enclosing = new int[types + 1];
        int[] fromRow = new int[types + 1];
        for (int row = 1; row <= tables.rowCount(NESTEDCLASS); row++) {
            int nested = tables.tableIndex(NESTEDCLASS, row, NestedClassColumns.NESTED_CLASS, TYPEDEF);
            int outer = tables.tableIndex(NESTEDCLASS, row, NestedClassColumns.ENCLOSING_CLASS, TYPEDEF);
            if (nested == 0 || outer == 0) {
                throw tables.cellError(NESTEDCLASS, row, nested == 0 ? NestedClassColumns.NESTED_CLASS
                        : NestedClassColumns.ENCLOSING_CLASS, "null TypeDef index");
            }
            if (nested == outer) {
                throw tables.cellError(NESTEDCLASS, row, NestedClassColumns.ENCLOSING_CLASS, "TypeDef row " + nested
                        + " is nested in itself");
            }
            if (enclosing[nested] == 0) {
                enclosing[nested] = outer;
                fromRow[nested] = row;
            }
        }
        n = new int[][] {enclosing, fromRow};
        nesting = n;
        return n;
    }

    private int[] methodPtrIndex() {
        int[] index = methodPtrIndex;
        if (index != null) {
            return index;
        }
        index = new int[tables.rowCount(METHODDEF) + 1];
        for (int p = 1; p <= tables.rowCount(METHODPTR); p++) {
            int m = tables.tableIndex(METHODPTR, p, MethodPtrColumns.METHOD, METHODDEF);
            if (m != 0 && index[m] == 0) {
                index[m] = p;
            }
        }
        methodPtrIndex = index;
        return index;
    }
}
