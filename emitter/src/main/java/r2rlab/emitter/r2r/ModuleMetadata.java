package r2rlab.emitter.r2r;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.TypeDecl;
import r2rlab.emitter.scenario.VarType;
import r2rlab.format.ByteReader;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataBuilder;
import r2rlab.format.metadata.MetadataBuilderSignatures.Type;
import r2rlab.format.metadata.MetadataBuilderSignatures;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.format.metadata.TableSchema.MethodDefColumns;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.ExceptionObject;
import r2rlab.format.r2r.LabObject;

/**
 * The ECMA-335 metadata of an emitted module, as crossgen2's input and output hold it: the IL
 * metadata names every type and method (Task-returning signatures and the runtime-async flag on
 * async methods) and references System.Runtime; the ManifestMetadata section holds what the
 * compiled code needs beyond that (System.Private.CoreLib's types and methods), in the shape of
 * the real images (see {@link #manifest()}), which fixups reach with a module override naming the
 * manifest module.
 */
public final class ModuleMetadata {
    /** TypeAttributes: Public | BeforeFieldInit; nested types NestedPublic. */
    private static final int TYPE_PUBLIC = 0x00100001;
    private static final int TYPE_NESTED_PUBLIC = 0x00100002;
    /** TypeAttributes.Sealed; FieldAttributes.Public. */
    private static final int TYPE_SEALED = 0x100;
    private static final int FIELD_PUBLIC = 0x0006;
    /** MethodAttributes: Public | HideBySig, plus Static. */
    private static final int METHOD_PUBLIC_HIDEBYSIG = 0x0086;
    private static final int METHOD_STATIC = 0x0010;
    private static final byte[] PUBLIC_KEY_TOKEN = {(byte) 0xb0, 0x3f, 0x5f, 0x7f, 0x11, (byte) 0xd5, 0x0a, 0x3a};
    /** The name crossgen2 gives the native manifest module and its assembly. */
    public static final String MANIFEST_NAME = "ManifestMetadata";
    /** The ModuleRef that scopes the manifest's CoreLib TypeRefs (NativeManifestModule resolves it by this name). */
    public static final String CORELIB_MODULE_REF = "System.Private.CoreLib";

    /** A CoreLib type the manifest names. */
    private record CoreLibType(String namespace, String name) {
    }

    private static final CoreLibType CONTINUATION = new CoreLibType("System.Runtime.CompilerServices", "Continuation");
    private static final CoreLibType TASK = new CoreLibType(CoreLibMethod.Type.TASK.namespace, CoreLibMethod.Type.TASK.name);
    private static final CoreLibType TASK_OF_T = new CoreLibType("System.Threading.Tasks", "Task`1");
    private static final CoreLibType EXECUTION_CONTEXT = new CoreLibType("System.Threading", "ExecutionContext");
    private static final CoreLibType SYNCHRONIZATION_CONTEXT = new CoreLibType("System.Threading", "SynchronizationContext");
    private static final CoreLibType EXCEPTION = new CoreLibType(ExceptionObject.NAMESPACE, ExceptionObject.NAME);

    private final Scenario scenario;
    // Identity maps: a MethodDecl's record hash walks its whole body.
    private final Map<MethodDecl, Integer> methodRids = new IdentityHashMap<>();
    private final Map<TypeDecl, Integer> typeRids = new IdentityHashMap<>();
    private final List<MethodDecl> methodsInRidOrder = new ArrayList<>();
    // The manifest's TypeRefs and MemberRefs, in the order the compiled code first references them (rid = position + 1).
    private final Map<CoreLibType, Integer> manifestTypeRefs = new LinkedHashMap<>();
    private final Map<CoreLibMethod, Integer> coreLibMemberRefs = new LinkedHashMap<>();
    private final int assemblyRefCount = 1;
    private final boolean objectTypesUsed;
    private final int firstObjectTypeRid;

    public ModuleMetadata(Scenario scenario) {
        this.scenario = scenario;
        int rid = 1;
        int typeRid = 2; // <Module> is TypeDef 1
        for (TypeDecl t : typesInMetadataOrder()) {
            typeRids.put(t, typeRid++);
            for (MethodDecl m : t.methods()) {
                methodRids.put(m, rid++);
                methodsInRidOrder.add(m);
            }
        }
        this.objectTypesUsed = ObjectTypeUse.usesObjectTypes(scenario);
        this.firstObjectTypeRid = typeRid;
    }

    /** Whether the module defines the language's object types (Box, Pair): only when some method uses them. */
    public boolean definesObjectTypes() {
        return objectTypesUsed;
    }

    /** The TypeDef token of the language's object type {@code type}, after the scenario's own types. */
    public int objectTypeToken(LabObject type) {
        if (!objectTypesUsed) {
            throw new IllegalStateException("the scenario uses no object type, " + type.fullName() + " is not defined");
        }
        return MetadataTable.token(MetadataTable.TYPEDEF, firstObjectTypeRid + type.ordinal());
    }

    /**
     * Enclosing types before the types nested in them (ECMA-335 requires the enclosing TypeDef first): each top-level
     * type in declaration order, then depth first the types nested in it, in declaration order. Linear, and without
     * recursion however deep types nest.
     */
    public List<TypeDecl> typesInMetadataOrder() {
        Map<String, List<TypeDecl>> nested = new HashMap<>();
        for (TypeDecl t : scenario.types()) {
            if (t.enclosing() != null) {
                nested.computeIfAbsent(t.enclosing(), k -> new ArrayList<>()).add(t);
            }
        }
        List<TypeDecl> out = new ArrayList<>();
        Deque<TypeDecl> pending = new ArrayDeque<>();
        for (TypeDecl top : scenario.types()) {
            if (top.enclosing() != null) {
                continue;
            }
            pending.push(top);
            while (!pending.isEmpty()) {
                TypeDecl t = pending.pop();
                out.add(t);
                List<TypeDecl> inner = nested.getOrDefault(t.fullName(), List.of());
                for (int i = inner.size() - 1; i >= 0; i--) {
                    pending.push(inner.get(i));
                }
            }
        }
        return out;
    }

    public int methodRid(MethodDecl m) {
        Integer r = methodRids.get(m);
        if (r == null) {
            throw new IllegalArgumentException("method not in this module: " + m.fullName());
        }
        return r;
    }

    public int methodToken(MethodDecl m) {
        return MetadataTable.token(MetadataTable.METHODDEF, methodRid(m));
    }

    public List<MethodDecl> methodsInRidOrder() {
        return methodsInRidOrder;
    }

    /** The module index that names the manifest metadata in fixups: one past the image's AssemblyRefs. */
    public int manifestModuleIndex() {
        return assemblyRefCount + 1;
    }

    /** The rid of the manifest MemberRef naming CoreLib method {@code m}, added (with the TypeRefs it uses) on first use. */
    public int coreLibMemberRefRid(CoreLibMethod m) {
        Integer rid = coreLibMemberRefs.get(m);
        if (rid == null) {
            typeRefRid(declaringType(m));
            typesOfSignature(m).forEach(this::typeRefRid);
            rid = coreLibMemberRefs.size() + 1;
            coreLibMemberRefs.put(m, rid);
        }
        return rid;
    }

    /** The rid of the manifest TypeRef naming CoreLib's Continuation (the base type of ContinuationLayout fixups). */
    public int continuationTypeRefRid() {
        return typeRefRid(CONTINUATION);
    }

    /** The rid of the manifest TypeRef naming CoreLib's System.Exception (the type {@code throw} allocates). */
    public int exceptionTypeRefRid() {
        return typeRefRid(EXCEPTION);
    }

    private int typeRefRid(CoreLibType t) {
        return manifestTypeRefs.computeIfAbsent(t, k -> manifestTypeRefs.size() + 1);
    }

    private static CoreLibType declaringType(CoreLibMethod m) {
        return new CoreLibType(m.type.namespace, m.type.name);
    }

    /** The CoreLib types a method's MemberRef signature names, besides its declaring type. */
    private static List<CoreLibType> typesOfSignature(CoreLibMethod m) {
        return switch (m) {
            case CAPTURE_CONTEXTS, RESTORE_CONTEXTS, RESTORE_CONTEXTS_ON_SUSPENSION -> List.of(EXECUTION_CONTEXT, SYNCHRONIZATION_CONTEXT);
            case CAPTURE_EXECUTION_CONTEXT, RESTORE_EXECUTION_CONTEXT -> List.of(EXECUTION_CONTEXT);
            case TASK_FROM_RESULT, FINALIZE_TASK_RETURNING_THUNK_OF_T -> List.of(TASK_OF_T);
            case TASK_GET_COMPLETED_TASK, FINALIZE_TASK_RETURNING_THUNK -> List.of(TASK);
            case TASK_FROM_EXCEPTION_OF_T -> List.of(TASK_OF_T, EXCEPTION);
            case TASK_FROM_EXCEPTION -> List.of(TASK, EXCEPTION);
            case EXECUTION_AND_SYNC_BLOCK_STORE_PUSH, EXECUTION_AND_SYNC_BLOCK_STORE_POP, YIELD -> List.of();
        };
    }

    /**
     * The ManifestMetadata section as crossgen2 writes it (ZipFile's, for one): a module and assembly named
     * {@value #MANIFEST_NAME} with a zero MVID, the {@code <Module>} type only, no AssemblyRef, CoreLib's TypeRefs scoped
     * by the ModuleRef {@value #CORELIB_MODULE_REF}, and one MemberRef per CoreLib method the code calls. Built after
     * the bodies are compiled, from what they referenced.
     */
    public byte[] manifest() {
        MetadataBuilder b = new MetadataBuilder();
        b.addModule(MANIFEST_NAME, new UUID(0, 0));
        b.addAssembly(MANIFEST_NAME, 0, 0, 0, 0, 0);
        int corelib = manifestTypeRefs.isEmpty() ? 0 : b.addModuleRef(CORELIB_MODULE_REF);
        b.addModuleType();
        Map<CoreLibType, Integer> tokens = new LinkedHashMap<>();
        manifestTypeRefs.keySet().forEach(t -> tokens.put(t, b.addTypeRef(corelib, t.namespace(), t.name())));
        for (CoreLibMethod m : coreLibMemberRefs.keySet()) {
            b.addMemberRef(tokens.get(declaringType(m)), m.methodName, signature(m, tokens));
        }
        return b.toByteArray();
    }

    /** The MemberRef signature of {@code m} as CoreLib declares it: the real manifests' bytes, with this manifest's tokens. */
    private static byte[] signature(CoreLibMethod m, Map<CoreLibType, Integer> tokens) {
        Type t0 = MetadataBuilderSignatures.methodVar(0);
        return switch (m) {
            case CAPTURE_CONTEXTS -> MetadataBuilderSignatures.methodSig(false, MetadataBuilderSignatures.VOID,
                    MetadataBuilderSignatures.byRef(classOf(EXECUTION_CONTEXT, tokens)), MetadataBuilderSignatures.byRef(classOf(SYNCHRONIZATION_CONTEXT, tokens)));
            case RESTORE_CONTEXTS, RESTORE_CONTEXTS_ON_SUSPENSION -> MetadataBuilderSignatures.methodSig(false, MetadataBuilderSignatures.VOID,
                    MetadataBuilderSignatures.BOOLEAN, classOf(EXECUTION_CONTEXT, tokens), classOf(SYNCHRONIZATION_CONTEXT, tokens));
            case CAPTURE_EXECUTION_CONTEXT -> MetadataBuilderSignatures.methodSig(false, classOf(EXECUTION_CONTEXT, tokens));
            case RESTORE_EXECUTION_CONTEXT -> MetadataBuilderSignatures.methodSig(false, MetadataBuilderSignatures.VOID, classOf(EXECUTION_CONTEXT, tokens));
            case TASK_FROM_RESULT -> MetadataBuilderSignatures.genericMethodSig(false, 1,
                    MetadataBuilderSignatures.genericInst(false, tokens.get(TASK_OF_T), t0), t0);
            case FINALIZE_TASK_RETURNING_THUNK_OF_T -> MetadataBuilderSignatures.genericMethodSig(false, 1,
                    MetadataBuilderSignatures.genericInst(false, tokens.get(TASK_OF_T), t0));
            case TASK_GET_COMPLETED_TASK, FINALIZE_TASK_RETURNING_THUNK -> MetadataBuilderSignatures.methodSig(false, classOf(TASK, tokens));
            case TASK_FROM_EXCEPTION_OF_T -> MetadataBuilderSignatures.genericMethodSig(false, 1,
                    MetadataBuilderSignatures.genericInst(false, tokens.get(TASK_OF_T), t0), classOf(EXCEPTION, tokens));
            case TASK_FROM_EXCEPTION -> MetadataBuilderSignatures.methodSig(false, classOf(TASK, tokens), classOf(EXCEPTION, tokens));
            case EXECUTION_AND_SYNC_BLOCK_STORE_PUSH, EXECUTION_AND_SYNC_BLOCK_STORE_POP ->
                    MetadataBuilderSignatures.methodSig(true, MetadataBuilderSignatures.VOID);
            case YIELD -> MetadataBuilderSignatures.methodSig(false, MetadataBuilderSignatures.VOID);
        };
    }

    private static Type classOf(CoreLibType t, Map<CoreLibType, Integer> tokens) {
        return MetadataBuilderSignatures.classType(tokens.get(t));
    }

    private static UUID mvid(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    private static String typeNamespace(TypeDecl t) {
        return t.enclosing() == null ? t.namespace() : "";
    }

    /** The IL metadata; MethodDef RVAs are left 0 and patched through {@link #methodRvaOffsets}. */
    public byte[] ilMetadata() {
        MetadataBuilder b = new MetadataBuilder();
        String name = scenario.module();
        b.addModule(name + ".dll", mvid(name));
        b.addAssembly(name, 1, 0, 0, 0, 0);
        int runtime = b.addAssemblyRef("System.Runtime", 11, 0, 0, 0, 0, PUBLIC_KEY_TOKEN);
        int object = b.addTypeRef(runtime, "System", "Object");
        int task = b.addTypeRef(runtime, "System.Threading.Tasks", "Task");
        int taskOfT = b.addTypeRef(runtime, "System.Threading.Tasks", "Task`1");
        b.addModuleType();
        Map<String, Integer> typeTokens = new HashMap<>();
        for (TypeDecl t : typesInMetadataOrder()) {
            int token = b.addTypeDef(t.enclosing() == null ? TYPE_PUBLIC : TYPE_NESTED_PUBLIC, typeNamespace(t), t.name(), object);
            typeTokens.put(t.fullName(), token);
            for (MethodDecl m : t.methods()) {
                int flags = METHOD_PUBLIC_HIDEBYSIG | (m.isStatic() ? METHOD_STATIC : 0);
                int impl = m.isAsync() ? MethodImplAttributes.ASYNC : 0;
                b.addMethodDef(0, impl, flags, m.name(), signature(m, task, taskOfT));
            }
        }
        if (objectTypesUsed) {
            // Box and Pair: sealed classes with public instance fields (a Box has no methods of its own; new sets fields).
            for (LabObject o : LabObject.values()) {
                b.addTypeDef(TYPE_PUBLIC | TYPE_SEALED, LabObject.NAMESPACE, o.typeName, object);
                for (LabObject.Field f : o.fields()) {
                    b.addField(FIELD_PUBLIC, f.name(), MetadataBuilderSignatures.fieldSig(f.isReference()
                            ? MetadataBuilderSignatures.classType(objectTypeToken(f.referenceType())) : MetadataBuilderSignatures.I8));
                }
            }
        }
        for (TypeDecl t : typesInMetadataOrder()) {
            if (t.enclosing() != null) {
                b.addNestedClass(typeTokens.get(t.fullName()), typeTokens.get(t.enclosing()));
            }
        }
        return b.toByteArray();
    }

    private byte[] signature(MethodDecl m, int task, int taskOfT) {
        Type ret;
        if (m.isAsync()) {
            ret = m.returnsValue()
                    ? MetadataBuilderSignatures.genericInst(false, taskOfT, type(m.returns().type))
                    : MetadataBuilderSignatures.classType(task);
        } else {
            ret = m.returnsValue() ? type(m.returns().type) : MetadataBuilderSignatures.VOID;
        }
        int first = m.isStatic() ? 0 : 1;
        Type[] params = new Type[m.params().size() - first];
        for (int i = 0; i < params.length; i++) {
            params[i] = type(m.paramTypes().get(first + i));
        }
        return MetadataBuilderSignatures.methodSig(!m.isStatic(), ret, params);
    }

    /** A value type of the language in a signature: int64, a Box or Pair class, or object. */
    private Type type(VarType t) {
        if (t == VarType.INT) {
            return MetadataBuilderSignatures.I8;
        }
        return t.object != null ? MetadataBuilderSignatures.classType(objectTypeToken(t.object)) : MetadataBuilderSignatures.OBJECT;
    }

    /** Offsets, inside {@link #ilMetadata()}, of each MethodDef's RVA column, by method. */
    public Map<MethodDecl, Integer> methodRvaOffsets(byte[] ilMetadata) {
        Metadata md = Metadata.read(new ByteReader(ilMetadata), 0, ilMetadata.length);
        Map<MethodDecl, Integer> out = new IdentityHashMap<>();
        for (var e : methodRids.entrySet()) {
            out.put(e.getKey(), (int) md.cellFileOffset(MetadataTable.METHODDEF, e.getValue(), MethodDefColumns.RVA));
        }
        return out;
    }

    /** A tiny-format IL body (II.25.4.2) for a method: crossgen2 keeps IL so the runtime can fall back to the JIT. */
    public static byte[] ilBody(MethodDecl m) {
        byte[] code;
        if (m.isAsync()) {
            code = new byte[] {0x14, 0x2A}; // ldnull; ret
        } else if (m.returnsValue()) {
            code = new byte[] {0x16, 0x6A, 0x2A}; // ldc.i4.0; conv.i8; ret
        } else {
            code = new byte[] {0x2A}; // ret
        }
        byte[] body = new byte[code.length + 1];
        body[0] = (byte) (code.length << 2 | 0x2);
        System.arraycopy(code, 0, body, 1, code.length);
        return body;
    }
}
