package r2rlab.format.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.format.metadata.MetadataBuilderSignatures.*;
import static r2rlab.format.metadata.MetadataTable.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.format.ByteReader;
import r2rlab.format.CompressedInteger;
import r2rlab.format.r2r.CorElementType;

class MetadataBuilderTest {
    static final UUID MVID = UUID.fromString("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    static final byte[] PUBLIC_KEY_TOKEN = {(byte) 0xB0, 0x3F, 0x5F, 0x7F, 0x11, (byte) 0xD5, 0x0A, 0x3A};
    /** Two tiny IL bodies: "ldc.i4.0; ret" at IL_RVA, "ret" at IL_RVA + 4. */
    static final byte[] IL = {0x0A, 0x16, 0x2A, 0x00, 0x06, 0x2A};
    static final int RVA_A = MetadataBuilderTestPe.IL_RVA;
    static final int RVA_B = MetadataBuilderTestPe.IL_RVA + 4;

    static final int PUBLIC = 0x0006;
    static final int STATIC = 0x0010;
    static final int VIRTUAL = 0x0040;
    static final int HIDE_BY_SIG = 0x0080;
    static final int NEW_SLOT = 0x0100;
    static final int ABSTRACT = 0x0400;
    static final int SPECIAL_NAME = 0x0800;
    static final int RT_SPECIAL_NAME = 0x1000;

    /** One expected MethodDef. */
    record M(String fullName, int rva, int implFlags, int flags, byte[] signature) {
    }

    /** The sample module, and what the tests expect to read back. */
    static final class Sample {
        final MetadataBuilder b = new MetadataBuilder();
        final List<M> methods = new ArrayList<>();
        int systemRuntime;
        int coreLib;
        int object;
        int task;
        int taskOfT;
        int asyncHelpers;
        int taskOfInt;
        int program;
        int helper;
        int util;
        int inner;
        int objectCtor;
        int await;
        int getResult;
        int localSig;
        int hello;
        int unicode;
        byte[] taskOfIntSig;

        Sample() {
            b.addModule("Sample.dll", MVID);
            b.addAssembly("Sample", 1, 2, 3, 4, 0);
            systemRuntime = b.addAssemblyRef("System.Runtime", 10, 0, 0, 0, 0, PUBLIC_KEY_TOKEN);
            coreLib = b.addAssemblyRef("System.Private.CoreLib", 10, 0, 0, 0, 0, PUBLIC_KEY_TOKEN);
            object = b.addTypeRef(systemRuntime, "System", "Object");
            task = b.addTypeRef(systemRuntime, "System.Threading.Tasks", "Task");
            taskOfT = b.addTypeRef(systemRuntime, "System.Threading.Tasks", "Task`1");
            asyncHelpers = b.addTypeRef(coreLib, "System.Runtime.CompilerServices", "AsyncHelpers");
            Type taskInt = genericInst(false, taskOfT, I4);
            taskOfIntSig = typeSpec(taskInt);
            taskOfInt = b.addTypeSpec(taskOfIntSig);

            b.addModuleType();
            program = b.addTypeDef(0x00100001, "Sample", "Program", object);
            b.addField(0x0001, "count", fieldSig(I4));
            method("Sample.Program.Main", RVA_B, 0, PUBLIC | STATIC | HIDE_BY_SIG, methodSig(false, VOID));
            int add = method("Sample.Program.Add", RVA_A, 0, PUBLIC | STATIC | HIDE_BY_SIG,
                    methodSig(false, I4, I4, I4));
            b.addParam(0, 1, "a");
            b.addParam(0, 2, "b");
            assertEquals(token(METHODDEF, 2), add);
            method("Sample.Program.ComputeAsync", RVA_A, MethodImplAttributes.ASYNC, PUBLIC | STATIC | HIDE_BY_SIG,
                    methodSig(false, taskInt, I4));
            method("Sample.Program..ctor", RVA_B, 0, PUBLIC | HIDE_BY_SIG | SPECIAL_NAME | RT_SPECIAL_NAME,
                    methodSig(true, VOID));
            method("Sample.Program.get_Value", RVA_A, 0, PUBLIC | HIDE_BY_SIG | SPECIAL_NAME,
                    methodSig(true, I4));
            helper = b.addTypeDef(0x00000082, "", "Helper", object);
            method("Sample.Program+Helper.Twice", RVA_A, 0, PUBLIC | STATIC | HIDE_BY_SIG, methodSig(false, I8, I8));
            method("Sample.Program+Helper.Run", 0, 0, PUBLIC | VIRTUAL | ABSTRACT | NEW_SLOT | HIDE_BY_SIG,
                    methodSig(true, VOID));
            method("Sample.Program+Helper.RunAsync", RVA_A, MethodImplAttributes.ASYNC,
                    PUBLIC | STATIC | HIDE_BY_SIG, methodSig(false, classType(task), classType(object)));
            util = b.addTypeDef(0x00100181, "Sample", "Util", object);
            method("Sample.Util.Sum", RVA_A, 0, PUBLIC | STATIC | HIDE_BY_SIG, methodSig(false, R8, R8, R8));
            method("Sample.Util.IsZero", RVA_A, 0, PUBLIC | STATIC | HIDE_BY_SIG, methodSig(false, BOOLEAN, I4));
            inner = b.addTypeDef(0x00100002, "", "Inner", object);
            // Added out of order: serialization sorts NestedClass by nested type.
            b.addNestedClass(inner, util);
            b.addNestedClass(helper, program);

            objectCtor = b.addMemberRef(object, ".ctor", methodSig(true, VOID));
            await = b.addMemberRef(asyncHelpers, "Await", methodSig(false, VOID, classType(task)));
            getResult = b.addMemberRef(taskOfInt, "get_Result", methodSig(true, typeVar(0)));
            localSig = b.addStandAloneSig(new byte[] {0x07, 0x01, CorElementType.I4});
            hello = b.userString("Hello, world");
            unicode = b.userString("\u00e9t\u00e9");
        }

        private int method(String fullName, int rva, int implFlags, int flags, byte[] sig) {
            methods.add(new M(fullName, rva, implFlags, flags, sig));
            String simple = fullName.substring(fullName.lastIndexOf('.', fullName.endsWith("..ctor")
                    ? fullName.length() - 6 : fullName.length()) + 1);
            return b.addMethodDef(rva, implFlags, flags, simple, sig);
        }
    }

    static Metadata read(byte[] md) {
        return Metadata.read(new ByteReader(md), 0, md.length);
    }

    @Test
    void roundTrip() {
        Sample s = new Sample();
        byte[] bytes = s.b.toByteArray();
        Metadata md = read(bytes);

        // Root and streams.
        assertEquals("BSJB", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(12, bytes[12]);
        assertEquals("v4.0.30319", md.versionString());
        assertEquals(1, md.majorVersion());
        assertEquals(1, md.minorVersion());
        assertEquals(List.of("#~", "#Strings", "#US", "#GUID", "#Blob"),
                md.streams().stream().map(MetadataStream::name).toList());
        long end = md.streams().get(0).fileOffset();
        for (MetadataStream st : md.streams()) {
            assertEquals(0, st.fileOffset() % 4, st.name());
            assertEquals(0, st.size() % 4, st.name());
            assertEquals(end, st.fileOffset(), st.name());
            end += st.size();
        }
        assertEquals(bytes.length, end);
        assertEquals(2, md.tablesMajorVersion());
        assertEquals(0, md.tablesMinorVersion());
        assertEquals(0, md.heapSizes());
        assertEquals(0x16003301FA00L, md.sortedMask());
        long valid = 1L << MODULE | 1L << TYPEREF | 1L << TYPEDEF | 1L << FIELD | 1L << METHODDEF | 1L << PARAM
                | 1L << MEMBERREF | 1L << STANDALONESIG | 1L << TYPESPEC | 1L << ASSEMBLY | 1L << ASSEMBLYREF
                | 1L << NESTEDCLASS;
        assertEquals(valid, md.validMask());

        // Row counts.
        assertEquals(1, md.rowCount(MODULE));
        assertEquals(1, md.rowCount(ASSEMBLY));
        assertEquals(2, md.rowCount(ASSEMBLYREF));
        assertEquals(4, md.rowCount(TYPEREF));
        assertEquals(5, md.rowCount(TYPEDEF));
        assertEquals(1, md.rowCount(FIELD));
        assertEquals(10, md.rowCount(METHODDEF));
        assertEquals(2, md.rowCount(PARAM));
        assertEquals(3, md.rowCount(MEMBERREF));
        assertEquals(1, md.rowCount(TYPESPEC));
        assertEquals(1, md.rowCount(STANDALONESIG));
        assertEquals(2, md.rowCount(NESTEDCLASS));
        assertEquals(2, md.columnWidth(TYPEDEF, 1));
        assertEquals(2, md.columnWidth(TYPEDEF, 3));

        // Module, assembly, references.
        assertEquals("Sample.dll", md.moduleName());
        assertEquals(MVID, md.moduleMvid());
        assertEquals("Sample", md.assemblyName());
        assertEquals(0x8004, md.column(ASSEMBLY, 1, 0));
        assertEquals(List.of(1, 2, 3, 4), List.of(md.column(ASSEMBLY, 1, 1), md.column(ASSEMBLY, 1, 2),
                md.column(ASSEMBLY, 1, 3), md.column(ASSEMBLY, 1, 4)));
        assertEquals(0x23000001, s.systemRuntime);
        assertEquals(0x23000002, s.coreLib);
        assertEquals("System.Runtime", md.assemblyRefName(1));
        assertEquals("System.Private.CoreLib", md.assemblyRefName(2));
        assertEquals(10, md.column(ASSEMBLYREF, 1, 0));
        assertArrayEquals(PUBLIC_KEY_TOKEN, md.blob(md.column(ASSEMBLYREF, 1, 5)));
        assertEquals(0x01000001, s.object);
        assertEquals(0x01000004, s.asyncHelpers);
        String[] typeRefs = {"System.Object", "System.Threading.Tasks.Task", "System.Threading.Tasks.Task`1",
            "System.Runtime.CompilerServices.AsyncHelpers"};
        for (int i = 0; i < typeRefs.length; i++) {
            assertEquals(typeRefs[i], md.typeRefName(i + 1));
        }
        assertEquals(new TypeRef(4, s.coreLib, "AsyncHelpers", "System.Runtime.CompilerServices"), md.typeRef(4));
        assertEquals(new TypeRef(1, s.systemRuntime, "Object", "System"), md.typeRef(1));

        // TypeSpec Task`1<int32>: GENERICINST CLASS TypeRef(3) 1 I4.
        assertEquals(0x1B000001, s.taskOfInt);
        assertArrayEquals(new byte[] {0x15, 0x12, 0x0D, 0x01, 0x08}, s.taskOfIntSig);
        assertArrayEquals(s.taskOfIntSig, md.typeSpec(1).signature());
        assertEquals("System.Threading.Tasks.Task`1<System.Int32>", md.typeSpecName(1));

        // TypeDefs.
        assertEquals(new TypeDef(1, 0, "<Module>", "", 0, 1, 1), md.typeDef(1));
        assertEquals(new TypeDef(2, 0x00100001, "Program", "Sample", s.object, 1, 1), md.typeDef(2));
        assertEquals(new TypeDef(3, 0x82, "Helper", "", s.object, 2, 6), md.typeDef(3));
        assertEquals(new TypeDef(4, 0x00100181, "Util", "Sample", s.object, 2, 9), md.typeDef(4));
        assertEquals(new TypeDef(5, 0x00100002, "Inner", "", s.object, 2, 11), md.typeDef(5));
        assertEquals(List.of(0x02000002, 0x02000003, 0x02000004, 0x02000005),
                List.of(s.program, s.helper, s.util, s.inner));
        assertEquals("Sample.Program+Helper", md.typeDefName(3));
        assertEquals("Sample.Util+Inner", md.typeDefName(5));
        assertEquals(2, md.enclosingTypeDef(3));
        assertEquals(4, md.enclosingTypeDef(5));
        assertEquals(0, md.enclosingTypeDef(2));
        // NestedClass sorted by nested type.
        assertEquals(List.of(3, 2, 5, 4), List.of(md.column(NESTEDCLASS, 1, 0), md.column(NESTEDCLASS, 1, 1),
                md.column(NESTEDCLASS, 2, 0), md.column(NESTEDCLASS, 2, 1)));
        assertEquals("count", md.fieldName(1));
        assertArrayEquals(new byte[] {0x06, 0x08}, md.blob(md.column(FIELD, 1, 2)));

        // MethodDefs.
        for (int i = 0; i < s.methods.size(); i++) {
            M m = s.methods.get(i);
            int rid = i + 1;
            MethodDef def = md.methodDef(rid);
            assertEquals(m.fullName(), md.methodDefName(rid), "method " + rid);
            assertEquals(token(METHODDEF, rid), def.token());
            assertEquals(m.rva(), def.rva(), m.fullName());
            assertEquals(m.rva(), md.methodRva(rid), m.fullName());
            assertEquals(m.implFlags(), md.methodImplFlags(rid), m.fullName());
            assertEquals(m.flags(), md.methodFlags(rid), m.fullName());
            assertArrayEquals(m.signature(), def.signature(), m.fullName());
            assertEquals(m.fullName().equals("Sample.Program.ComputeAsync")
                    || m.fullName().equals("Sample.Program+Helper.RunAsync"), def.isAsync(), m.fullName());
            assertEquals(rid <= 2 ? 1 : 3, def.paramList(), m.fullName());
        }
        assertArrayEquals(new byte[] {0x00, 0x01, 0x15, 0x12, 0x0D, 0x01, 0x08, 0x08}, md.methodDef(3).signature());
        assertArrayEquals(new byte[] {0x00, 0x02, 0x08, 0x08, 0x08}, md.methodDef(2).signature());
        assertArrayEquals(new byte[] {0x20, 0x00, 0x01}, md.methodDef(4).signature());
        assertArrayEquals(new byte[] {0x00, 0x01, 0x12, 0x09, 0x12, 0x05}, md.methodDef(8).signature());
        assertEquals(MethodImplAttributes.ASYNC, md.methodImplFlags(3));
        assertEquals("a", md.string(md.column(PARAM, 1, 2)));
        assertEquals("b", md.string(md.column(PARAM, 2, 2)));
        assertEquals(2, md.column(PARAM, 2, 1));

        // MemberRefs.
        assertEquals(List.of(0x0A000001, 0x0A000002, 0x0A000003), List.of(s.objectCtor, s.await, s.getResult));
        assertEquals(".ctor", md.memberRef(1).name());
        assertEquals(s.object, md.memberRef(1).parent());
        assertArrayEquals(new byte[] {0x20, 0x00, 0x01}, md.memberRef(1).signature());
        assertEquals("System.Object..ctor", md.memberRefName(1));
        assertEquals("System.Runtime.CompilerServices.AsyncHelpers.Await", md.memberRefName(2));
        assertArrayEquals(new byte[] {0x00, 0x01, 0x01, 0x12, 0x09}, md.memberRef(2).signature());
        assertEquals(s.taskOfInt, md.memberRef(3).parent());
        assertEquals("System.Threading.Tasks.Task`1<System.Int32>.get_Result", md.memberRefName(3));
        assertArrayEquals(new byte[] {0x20, 0x00, 0x13, 0x00}, md.memberRef(3).signature());

        // StandAloneSig and user strings.
        assertEquals(0x11000001, s.localSig);
        assertArrayEquals(new byte[] {0x07, 0x01, 0x08}, md.blob(md.column(STANDALONESIG, 1, 0)));
        assertEquals(1, s.hello);
        assertEquals("Hello, world", md.userString(s.hello));
        assertEquals("\u00e9t\u00e9", md.userString(s.unicode));
        int usOffset = (int) md.streams().get(2).fileOffset();
        assertEquals(25, bytes[usOffset + s.hello]);
        assertEquals(0, bytes[usOffset + s.hello + 25]);
        assertEquals(7, bytes[usOffset + s.unicode]);
        assertEquals(0, bytes[usOffset + s.unicode + 7]); // all chars < 0x100 and not special
    }

    @Test
    void userStringTrailingByte() {
        assertEquals(0, MetadataHeaps.userStringTrailer("abc"));
        assertEquals(1, MetadataHeaps.userStringTrailer("it's"));
        assertEquals(1, MetadataHeaps.userStringTrailer("a-b"));
        assertEquals(1, MetadataHeaps.userStringTrailer("\u4e2d"));
        assertEquals(1, MetadataHeaps.userStringTrailer("\u0001"));
        MetadataBuilder b = new MetadataBuilder();
        b.addModule("m", null);
        int index = b.userString("\u4e2d");
        byte[] bytes = b.toByteArray();
        Metadata md = read(bytes);
        int us = (int) md.streams().get(2).fileOffset();
        assertArrayEquals(new byte[] {3, 0x2D, 0x4E, 1}, Arrays.copyOfRange(bytes, us + index, us + index + 4));
        assertEquals("\u4e2d", md.userString(index));
        assertEquals(null, md.moduleMvid());
    }

    @Test
    void signatureEncoding() {
        assertArrayEquals(new byte[] {0x7F}, CompressedInteger.encode(0x7F));
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0x80}, CompressedInteger.encode(0x80));
        assertArrayEquals(new byte[] {(byte) 0xBF, (byte) 0xFF}, CompressedInteger.encode(0x3FFF));
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x00, 0x40, 0x00}, CompressedInteger.encode(0x4000));
        assertArrayEquals(new byte[] {(byte) 0xDF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, CompressedInteger.encode(0x1FFFFFFF));
        assertThrows(IllegalArgumentException.class, () -> CompressedInteger.encode(0x20000000));
        assertEquals(0x10 << 2 | 2, typeDefOrRefEncoded(token(TYPESPEC, 0x10)));
        assertEquals(5 << 2, typeDefOrRefEncoded(token(TYPEDEF, 5)));
        assertThrows(IllegalArgumentException.class, () -> typeDefOrRefEncoded(token(METHODDEF, 1)));
        assertArrayEquals(new byte[] {0x1D, 0x0E}, typeSpec(szArray(STRING)));
        assertArrayEquals(new byte[] {0x11, (byte) 0x80, (byte) 0x85}, valueType(token(TYPEREF, 0x21)).bytes());
        assertArrayEquals(new byte[] {0x1E, 0x01}, methodVar(1).bytes());
    }

    @Test
    void blobLengthsAreCompressed() {
        MetadataBuilder b = new MetadataBuilder();
        b.addModule("m", MVID);
        byte[] big = new byte[0x90];
        big[0x8F] = 0x42;
        int sig = b.addStandAloneSig(big);
        int index = b.blob(big);
        assertEquals(index, b.blob(big.clone()), "blobs are interned");
        Metadata md = read(b.toByteArray());
        assertArrayEquals(big, md.blob(md.column(STANDALONESIG, rid(sig), 0)));
        assertEquals(index, md.column(STANDALONESIG, 1, 0));
    }

    @Test
    void rejectsBadReferences() {
        MetadataBuilder b = new MetadataBuilder();
        b.addModule("m", MVID);
        assertThrows(IllegalStateException.class, () -> b.addMethodDef(0, 0, 0, "f", methodSig(false, VOID)));
        b.addTypeRef(token(TYPEREF, 7), "N", "T");
        assertThrows(IllegalStateException.class, b::toByteArray);
        MetadataBuilder c = new MetadataBuilder();
        c.addModule("m", MVID);
        c.addTypeRef(token(METHODDEF, 1), "N", "T");
        assertThrows(IllegalStateException.class, c::toByteArray);
        assertThrows(IllegalStateException.class, () -> new MetadataBuilder().toByteArray());
    }

    @Test
    void stringHeapWidening() {
        MetadataBuilder b = new MetadataBuilder();
        b.addModule("Wide.dll", MVID);
        int scope = b.addAssemblyRef("System.Runtime", 10, 0, 0, 0, 0, new byte[0]);
        b.addModuleType();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 700; i++) {
            String name = String.format("Type%04d_", i) + "x".repeat(90);
            names.add(name);
            b.addTypeRef(scope, "Ns", name);
        }
        int last = b.addTypeDef(0x100001, "Ns", "LastType", token(TYPEREF, 700));
        b.addMethodDef(0, 0, STATIC, "LastMethod", methodSig(false, I4, I8));
        Metadata md = read(b.toByteArray());
        assertTrue(md.streams().get(1).size() > 0xFFFF);
        assertEquals(MetadataTableStream.HEAP_STRINGS_WIDE, md.heapSizes());
        assertEquals(4, md.columnWidth(TYPEREF, 1));
        assertEquals(4, md.columnWidth(METHODDEF, 3));
        assertEquals(2, md.columnWidth(METHODDEF, 4)); // #Blob stays narrow
        for (int i = 0; i < names.size(); i++) {
            assertEquals("Ns." + names.get(i), md.typeRefName(i + 1));
        }
        assertEquals("Ns.LastType", md.typeDefName(rid(last)));
        assertEquals(token(TYPEREF, 700), md.typeDef(rid(last)).extendsToken());
        assertEquals("Ns.LastType.LastMethod", md.methodDefName(1));
        assertArrayEquals(new byte[] {0x00, 0x01, 0x08, 0x0A}, md.methodDef(1).signature());
        assertEquals("Wide.dll", md.moduleName());
    }

    @Test
    void codedAndSimpleIndexWidening() {
        MetadataBuilder b = new MetadataBuilder();
        b.addModule("Many.dll", MVID);
        int scope = b.addAssemblyRef("System.Runtime", 10, 0, 0, 0, 0, new byte[0]);
        // 2^14 TypeRefs: TypeDefOrRef and ResolutionScope (2 tag bits) and MemberRefParent (3) go wide.
        for (int i = 1; i < 0x4000; i++) {
            b.addTypeRef(scope, "N", "T");
        }
        b.addTypeRef(scope, "N", "T16384");
        b.addModuleType();
        int type = b.addTypeDef(0x100001, "N", "Big", token(TYPEREF, 0x4000));
        byte[] sig = methodSig(false, VOID);
        // 2^16 MethodDefs: TypeDef.MethodList (simple index) goes wide.
        for (int i = 1; i <= 0x10000; i++) {
            b.addMethodDef(0, 0, STATIC, "M", sig);
        }
        int second = b.addTypeDef(0x100001, "N", "After", token(TYPEREF, 1));
        b.addMethodDef(0, MethodImplAttributes.ASYNC, STATIC, "Last", sig);
        int ref = b.addMemberRef(token(TYPEREF, 0x4000), "Foo", sig);
        Metadata md = read(b.toByteArray());
        assertEquals(0, md.heapSizes());
        assertEquals(4, md.columnWidth(TYPEREF, 0)); // ResolutionScope: TypeRef rows 2^14
        assertEquals(4, md.columnWidth(TYPEDEF, 3)); // Extends
        assertEquals(4, md.columnWidth(TYPEDEF, 5)); // MethodList: 0x10001 MethodDefs
        assertEquals(2, md.columnWidth(TYPEDEF, 4)); // FieldList: no fields
        assertEquals(4, md.columnWidth(MEMBERREF, 0));
        assertEquals(2, md.columnWidth(METHODDEF, 5)); // ParamList
        assertEquals(token(TYPEREF, 0x4000), md.typeDef(rid(type)).extendsToken());
        assertEquals("N.T16384", md.typeRefName(0x4000));
        assertEquals(new TypeRef(0x4000, scope, "T16384", "N"), md.typeRef(0x4000));
        assertEquals(0x10001, md.typeDef(rid(second)).methodList());
        assertEquals("N.After.Last", md.methodDefName(0x10001));
        assertEquals(MethodImplAttributes.ASYNC, md.methodImplFlags(0x10001));
        assertEquals("N.Big.M", md.methodDefName(0x10000));
        assertEquals("N.T16384.Foo", md.memberRefName(rid(ref)));
    }

    @Test
    void deterministic() {
        byte[] first = new Sample().b.toByteArray();
        byte[] second = new Sample().b.toByteArray();
        assertArrayEquals(first, second);
        Sample s = new Sample();
        assertArrayEquals(s.b.toByteArray(), s.b.toByteArray());
        Sample changed = new Sample();
        changed.b.addMemberRef(changed.object, "ToString", methodSig(true, STRING));
        assertFalse(Arrays.equals(first, changed.b.toByteArray()));
        assertNotEquals(first.length, 0);
    }

    // ---------------------------------------------------------------- monodis

    @Test
    void monodisListsTheBuiltNames(@TempDir Path dir) throws Exception {
        Sample s = new Sample();
        byte[] md = s.b.toByteArray();
        byte[] pe = MetadataBuilderTestPe.build(IL, md);
        // Our own reader finds the same metadata inside the PE.
        Metadata back = Metadata.read(new ByteReader(pe), MetadataBuilderTestPe.metadataFileOffset(IL), md.length);
        assertEquals("Sample.Program+Helper", back.typeDefName(3));
        Path file = dir.resolve("Sample.dll");
        Files.write(file, pe);

        List<String> typedefs = monodis("--typedef", file);
        // monodis prints row 1 (<Module>) as "(null)" for every assembly, and nested types as Outer/Inner.
        assertEquals(List.of("1: (null) (flist=1, mlist=1, flags=0x0, extends=0x0)",
                "2: Sample.Program (flist=1, mlist=1, flags=0x100001, extends=0x5)",
                "3: Sample.Program/Helper (flist=2, mlist=6, flags=0x82, extends=0x5)",
                "4: Sample.Util (flist=2, mlist=9, flags=0x100181, extends=0x5)",
                "5: Sample.Util/Inner (flist=2, mlist=11, flags=0x100002, extends=0x5)"), rows(typedefs));

        List<String> typerefs = rows(monodis("--typeref", file));
        assertEquals(List.of("1: [System.Runtime]System.Object", "2: [System.Runtime]System.Threading.Tasks.Task",
                "3: [System.Runtime]System.Threading.Tasks.Task`1",
                "4: [System.Private.CoreLib]System.Runtime.CompilerServices.AsyncHelpers"),
                typerefs.stream().map(MetadataBuilderTest::stripTypeRefPrefix).toList());

        // Methods whose signatures use only primitives are rendered in full; the others need System.Runtime
        // to be resolved, which monodis cannot load, so only their row numbers are checked.
        List<String> methods = rows(monodis("--method", file));
        assertEquals(List.of(
                "1: default void Main ()  (param: 1 impl_flags: cil managed )",
                "2: default int32 Add (int32 a, int32 b)  (param: 1 impl_flags: cil managed )",
                "3: ",
                "4: instance default void '.ctor' ()  (param: 3 impl_flags: cil managed )",
                "5: instance default int32 get_Value ()  (param: 3 impl_flags: cil managed )",
                "6: default int64 Twice (int64 A_0)  (param: 3 impl_flags: cil managed )",
                "7: instance default void Run ()  (param: 3 impl_flags: cil managed )",
                "8: ",
                "9: default float64 Sum (float64 A_0, float64 A_1)  (param: 3 impl_flags: cil managed )",
                "10: default bool IsZero (int32 A_0)  (param: 3 impl_flags: cil managed )"),
                methods.stream().map(l -> l.contains("System.Runtime") ? l.substring(0, l.indexOf(' ') + 1) : l)
                        .toList());
    }

    /** Table rows: lines that start with "N: ", in order. */
    private static List<String> rows(List<String> lines) {
        return lines.stream().map(String::strip).filter(l -> l.matches("\\d+: .*")).toList();
    }

    private static String stripTypeRefPrefix(String line) {
        return line.replaceFirst("^(\\d+): \\(0x[0-9a-fA-F]+\\) ", "$1: ");
    }

    private static List<String> monodis(String option, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/monodis", option, file.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "monodis timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "monodis " + option + " failed:\n" + text);
        return text.lines().toList();
    }
}
