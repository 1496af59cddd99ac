package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.format.ByteReader;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.CodedIndex;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.metadata.SignatureCodec;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.metadata.TableSchema.MemberRefColumns;
import r2rlab.format.metadata.TableSchema.TypeRefColumns;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;

/**
 * The ManifestMetadata section has the real images' shape (ZipFile's is the reference): a module and assembly named
 * ManifestMetadata with a zero MVID, only the {@code <Module>} type, no AssemblyRef, CoreLib's TypeRefs scoped by the
 * ModuleRef "System.Private.CoreLib" (the runtime's NativeManifestModule loads only through ModuleRefs), and
 * MemberRefs for exactly what the code references, with CoreLib's signatures.
 */
class ManifestMetadataTest {
    static Metadata manifest(R2RImage img) {
        ReadyToRunSection s = img.header().section(ReadyToRunSectionType.ManifestMetadata.id);
        return Metadata.read(img.pe().file(), img.pe().rvaToOffset("manifest", s.rva(), s.size()), (int) s.size());
    }

    /** The shape facts shared by the real and the emitted manifests; returns the ModuleRef names. */
    static List<String> shape(Metadata m) {
        assertEquals("ManifestMetadata", m.moduleName());
        assertEquals("ManifestMetadata", m.assemblyName());
        assertEquals(new UUID(0, 0), m.moduleMvid());
        assertEquals(1, m.rowCount(MetadataTable.TYPEDEF));
        assertEquals("<Module>", m.typeDefName(1));
        assertEquals(0, m.rowCount(MetadataTable.ASSEMBLYREF));
        List<String> moduleRefs = new ArrayList<>();
        for (int i = 1; i <= m.rowCount(MetadataTable.MODULEREF); i++) {
            moduleRefs.add(m.moduleRefName(i));
        }
        return moduleRefs;
    }

    /** TypeRef rid → the name of the ModuleRef (or enclosing TypeRef) that scopes it. */
    static String scope(Metadata m, int typeRefRid) {
        int scope = CodedIndex.RESOLUTION_SCOPE.decode(m.column(MetadataTable.TYPEREF, typeRefRid, TypeRefColumns.RESOLUTION_SCOPE));
        int rid = MetadataTable.rid(scope);
        return switch (MetadataTable.table(scope)) {
            case MetadataTable.MODULEREF -> m.moduleRefName(rid);
            case MetadataTable.TYPEREF -> m.typeRefName(rid);
            default -> MetadataTable.name(MetadataTable.table(scope));
        };
    }

    /** A MemberRef's signature with its types named: "Task`1<!!0> <1>(!!0)". */
    static String signature(Metadata m, int memberRefRid) {
        byte[] sig = m.memberRef(memberRefRid).signature();
        MethodSignature s = SignatureCodec.reading(new SignatureReader(new ByteReader(sig), 0, sig.length, "MemberRef")).methodSignature();
        List<String> params = new ArrayList<>();
        s.parameters().forEach(p -> params.add(type(m, p)));
        return type(m, s.returnType()) + (s.isGeneric() ? " <" + s.genericParameterCount() + ">" : "") + "(" + String.join(", ", params) + ")";
    }

    static String type(Metadata m, SignatureType t) {
        if (t instanceof SignatureType.Primitive p) {
            return CorElementType.primitiveName(p.elementType());
        } else if (t instanceof SignatureType.TypeDefOrRef r) {
            return m.typeDefOrRefName(r.token());
        } else if (t instanceof SignatureType.GenericInst g) {
            List<String> args = new ArrayList<>();
            g.arguments().forEach(a -> args.add(type(m, a)));
            return type(m, g.type()) + "<" + String.join(", ", args) + ">";
        } else if (t instanceof SignatureType.ByRef b) {
            return type(m, b.target()) + "&";
        } else if (t instanceof SignatureType.GenericParam p) {
            return (p.elementType() == CorElementType.MVAR ? "!!" : "!") + p.number();
        }
        return t.toString();
    }

    /** "Type.Method" (generic arity when generic) → its signature, for every MemberRef of {@code m} whose parent is a CoreLib TypeRef. */
    static Map<String, String> coreLibMembers(Metadata m) {
        Map<String, String> out = new TreeMap<>();
        for (int i = 1; i <= m.rowCount(MetadataTable.MEMBERREF); i++) {
            int parent = CodedIndex.MEMBER_REF_PARENT.decode(m.column(MetadataTable.MEMBERREF, i, MemberRefColumns.CLASS));
            if (MetadataTable.table(parent) == MetadataTable.TYPEREF && scope(m, MetadataTable.rid(parent)).equals("System.Private.CoreLib")
                    && m.memberRef(i).signature()[0] != 0x06 /* not a field */) {
                out.put(m.memberRefName(i) + " " + signature(m, i), "");
            }
        }
        return out;
    }

    @Test
    void zipFile_theRealShape() throws Exception {
        Metadata zip = manifest(R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll")));
        assertEquals(List.of("#:0", "System.Private.CoreLib", "#System.IO.Compression:0"), shape(zip));
        assertEquals("System.Private.CoreLib", scope(zip, 9)); // AsyncHelpers
        assertEquals("System.Runtime.CompilerServices.AsyncHelpers", zip.typeRefName(9));
    }

    @Test
    void emitted_theSameShape_withTheMemberRefsTheCodeReferences() throws Exception {
        Metadata zip = manifest(R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll")));
        Set<String> real = coreLibMembers(zip).keySet();
        for (Architecture arch : Architecture.values()) {
            for (Path p : Emitted.examples()) {
                R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario(p), arch));
                Metadata m = manifest(img);
                String where = arch + " " + p.getFileName();
                boolean async = img.asyncVariantCount() > 0;
                assertEquals(async ? List.of("System.Private.CoreLib") : List.of(), shape(m), where);
                for (int t = 1; t <= m.rowCount(MetadataTable.TYPEREF); t++) {
                    assertEquals("System.Private.CoreLib", scope(m, t), where + " TypeRef " + m.typeRefName(t));
                }
                // Every MemberRef is named by a cell of the image: the manifest holds what the code references.
                Set<Integer> referenced = new HashSet<>();
                int manifestIndex = img.metadata().rowCount(MetadataTable.ASSEMBLYREF) + 1;
                for (ImportSection s : img.importSections()) {
                    for (ImportCell c : s.cells()) {
                        if (c.signature() != null && c.signature().tokenModule() == manifestIndex) {
                            if (c.signature() instanceof FixupSignature.Token tk) {
                                referenced.add(MetadataTable.rid(tk.token()));
                            } else if (c.signature() instanceof FixupSignature.MethodEntry me) {
                                referenced.add(MetadataTable.rid(me.method().token()));
                            }
                        }
                    }
                }
                Set<Integer> all = new HashSet<>();
                for (int i = 1; i <= m.rowCount(MetadataTable.MEMBERREF); i++) {
                    all.add(i);
                }
                assertEquals(all, referenced, where);
                // CoreLib's methods with CoreLib's signatures: each one ZipFile's manifest also has reads the same.
                for (String member : coreLibMembers(m).keySet()) {
                    if (!member.startsWith("System.Runtime.CompilerServices.AsyncHelpers.Yield ")) {
                        assertTrue(real.contains(member), where + ": " + member + " is not among ZipFile's " + real);
                    }
                }
            }
        }
        // The example with every kind of call: the CoreLib methods it references, with their signatures.
        Metadata basic = manifest(Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64)));
        assertEquals(List.of(
                "System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts System.Void(System.Threading.ExecutionContext&, System.Threading.SynchronizationContext&)",
                "System.Runtime.CompilerServices.AsyncHelpers.CaptureExecutionContext System.Threading.ExecutionContext()",
                "System.Runtime.CompilerServices.AsyncHelpers.FinalizeTaskReturningThunk System.Threading.Tasks.Task`1<!!0> <1>()",
                "System.Runtime.CompilerServices.AsyncHelpers.RestoreContexts System.Void(System.Boolean, System.Threading.ExecutionContext, System.Threading.SynchronizationContext)",
                "System.Runtime.CompilerServices.AsyncHelpers.RestoreContextsOnSuspension System.Void(System.Boolean, System.Threading.ExecutionContext, System.Threading.SynchronizationContext)",
                "System.Runtime.CompilerServices.AsyncHelpers.RestoreExecutionContext System.Void(System.Threading.ExecutionContext)",
                "System.Runtime.CompilerServices.AsyncHelpers.Yield System.Void()",
                "System.Threading.Tasks.Task.FromResult System.Threading.Tasks.Task`1<!!0> <1>(!!0)"), List.copyOf(coreLibMembers(basic).keySet()));
    }
}
