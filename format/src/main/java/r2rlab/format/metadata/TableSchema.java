package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

/**
 * Row layouts of the ECMA-335 tables 0x00..0x2C (II.22), shared by {@link Metadata} and
 * {@link MetadataBuilder}: each table's columns in file order, with the kind that sets their width,
 * and a constants class per table naming the column positions ({@code MethodDefColumns.RVA}).
 */
public final class TableSchema {
    /** Column kinds below zero; a kind 0..63 is a simple index into that table; see also {@link #coded}. */
    static final int U16 = -1;
    static final int U32 = -2;
    static final int STRING = -3;
    static final int GUID = -4;
    static final int BLOB = -5;
    private static final int CODED_BASE = 0x100;

    record Column(int position, String name, int kind) {
        boolean isCoded() {
            return kind >= CODED_BASE;
        }

        CodedIndex codedIndex() {
            return CodedIndex.values()[kind - CODED_BASE];
        }
    }

    private static final Column[][] COLUMNS = new Column[MetadataTable.COUNT][];

    /** Module (II.22.30). */
    public static final class ModuleColumns {
        public static final int GENERATION = 0;
        public static final int NAME = 1;
        public static final int MVID = 2;
        public static final int ENC_ID = 3;
        public static final int ENC_BASE_ID = 4;

        private ModuleColumns() {
        }
    }

    /** TypeRef (II.22.38). */
    public static final class TypeRefColumns {
        public static final int RESOLUTION_SCOPE = 0;
        public static final int TYPE_NAME = 1;
        public static final int TYPE_NAMESPACE = 2;

        private TypeRefColumns() {
        }
    }

    /** TypeDef (II.22.37). */
    public static final class TypeDefColumns {
        public static final int FLAGS = 0;
        public static final int TYPE_NAME = 1;
        public static final int TYPE_NAMESPACE = 2;
        public static final int EXTENDS = 3;
        public static final int FIELD_LIST = 4;
        public static final int METHOD_LIST = 5;

        private TypeDefColumns() {
        }
    }

    /** FieldPtr (uncompressed #- streams only). */
    public static final class FieldPtrColumns {
        public static final int FIELD = 0;

        private FieldPtrColumns() {
        }
    }

    /** Field (II.22.15). */
    public static final class FieldColumns {
        public static final int FLAGS = 0;
        public static final int NAME = 1;
        public static final int SIGNATURE = 2;

        private FieldColumns() {
        }
    }

    /** MethodPtr (uncompressed #- streams only). */
    public static final class MethodPtrColumns {
        public static final int METHOD = 0;

        private MethodPtrColumns() {
        }
    }

    /** MethodDef (II.22.26). */
    public static final class MethodDefColumns {
        public static final int RVA = 0;
        public static final int IMPL_FLAGS = 1;
        public static final int FLAGS = 2;
        public static final int NAME = 3;
        public static final int SIGNATURE = 4;
        public static final int PARAM_LIST = 5;

        private MethodDefColumns() {
        }
    }

    /** ParamPtr (uncompressed #- streams only). */
    public static final class ParamPtrColumns {
        public static final int PARAM = 0;

        private ParamPtrColumns() {
        }
    }

    /** Param (II.22.33). */
    public static final class ParamColumns {
        public static final int FLAGS = 0;
        public static final int SEQUENCE = 1;
        public static final int NAME = 2;

        private ParamColumns() {
        }
    }

    /** InterfaceImpl (II.22.23). */
    public static final class InterfaceImplColumns {
        public static final int CLASS = 0;
        public static final int INTERFACE = 1;

        private InterfaceImplColumns() {
        }
    }

    /** MemberRef (II.22.25). */
    public static final class MemberRefColumns {
        public static final int CLASS = 0;
        public static final int NAME = 1;
        public static final int SIGNATURE = 2;

        private MemberRefColumns() {
        }
    }

    /** Constant (II.22.9; Type is one byte followed by a padding byte). */
    public static final class ConstantColumns {
        public static final int TYPE = 0;
        public static final int PARENT = 1;
        public static final int VALUE = 2;

        private ConstantColumns() {
        }
    }

    /** CustomAttribute (II.22.10). */
    public static final class CustomAttributeColumns {
        public static final int PARENT = 0;
        public static final int TYPE = 1;
        public static final int VALUE = 2;

        private CustomAttributeColumns() {
        }
    }

    /** FieldMarshal (II.22.17). */
    public static final class FieldMarshalColumns {
        public static final int PARENT = 0;
        public static final int NATIVE_TYPE = 1;

        private FieldMarshalColumns() {
        }
    }

    /** DeclSecurity (II.22.11). */
    public static final class DeclSecurityColumns {
        public static final int ACTION = 0;
        public static final int PARENT = 1;
        public static final int PERMISSION_SET = 2;

        private DeclSecurityColumns() {
        }
    }

    /** ClassLayout (II.22.8). */
    public static final class ClassLayoutColumns {
        public static final int PACKING_SIZE = 0;
        public static final int CLASS_SIZE = 1;
        public static final int PARENT = 2;

        private ClassLayoutColumns() {
        }
    }

    /** FieldLayout (II.22.16). */
    public static final class FieldLayoutColumns {
        public static final int OFFSET = 0;
        public static final int FIELD = 1;

        private FieldLayoutColumns() {
        }
    }

    /** StandAloneSig (II.22.36). */
    public static final class StandAloneSigColumns {
        public static final int SIGNATURE = 0;

        private StandAloneSigColumns() {
        }
    }

    /** EventMap (II.22.12). */
    public static final class EventMapColumns {
        public static final int PARENT = 0;
        public static final int EVENT_LIST = 1;

        private EventMapColumns() {
        }
    }

    /** EventPtr (uncompressed #- streams only). */
    public static final class EventPtrColumns {
        public static final int EVENT = 0;

        private EventPtrColumns() {
        }
    }

    /** Event (II.22.13). */
    public static final class EventColumns {
        public static final int EVENT_FLAGS = 0;
        public static final int NAME = 1;
        public static final int EVENT_TYPE = 2;

        private EventColumns() {
        }
    }

    /** PropertyMap (II.22.35). */
    public static final class PropertyMapColumns {
        public static final int PARENT = 0;
        public static final int PROPERTY_LIST = 1;

        private PropertyMapColumns() {
        }
    }

    /** PropertyPtr (uncompressed #- streams only). */
    public static final class PropertyPtrColumns {
        public static final int PROPERTY = 0;

        private PropertyPtrColumns() {
        }
    }

    /** Property (II.22.34). */
    public static final class PropertyColumns {
        public static final int FLAGS = 0;
        public static final int NAME = 1;
        public static final int TYPE = 2;

        private PropertyColumns() {
        }
    }

    /** MethodSemantics (II.22.28). */
    public static final class MethodSemanticsColumns {
        public static final int SEMANTICS = 0;
        public static final int METHOD = 1;
        public static final int ASSOCIATION = 2;

        private MethodSemanticsColumns() {
        }
    }

    /** MethodImpl (II.22.27). */
    public static final class MethodImplColumns {
        public static final int CLASS = 0;
        public static final int METHOD_BODY = 1;
        public static final int METHOD_DECLARATION = 2;

        private MethodImplColumns() {
        }
    }

    /** ModuleRef (II.22.31). */
    public static final class ModuleRefColumns {
        public static final int NAME = 0;

        private ModuleRefColumns() {
        }
    }

    /** TypeSpec (II.22.39). */
    public static final class TypeSpecColumns {
        public static final int SIGNATURE = 0;

        private TypeSpecColumns() {
        }
    }

    /** ImplMap (II.22.22). */
    public static final class ImplMapColumns {
        public static final int MAPPING_FLAGS = 0;
        public static final int MEMBER_FORWARDED = 1;
        public static final int IMPORT_NAME = 2;
        public static final int IMPORT_SCOPE = 3;

        private ImplMapColumns() {
        }
    }

    /** FieldRVA (II.22.18). */
    public static final class FieldRVAColumns {
        public static final int RVA = 0;
        public static final int FIELD = 1;

        private FieldRVAColumns() {
        }
    }

    /** EncLog (edit-and-continue log). */
    public static final class EncLogColumns {
        public static final int TOKEN = 0;
        public static final int FUNC_CODE = 1;

        private EncLogColumns() {
        }
    }

    /** EncMap (edit-and-continue token map). */
    public static final class EncMapColumns {
        public static final int TOKEN = 0;

        private EncMapColumns() {
        }
    }

    /** Assembly (II.22.2). */
    public static final class AssemblyColumns {
        public static final int HASH_ALG_ID = 0;
        public static final int MAJOR_VERSION = 1;
        public static final int MINOR_VERSION = 2;
        public static final int BUILD_NUMBER = 3;
        public static final int REVISION_NUMBER = 4;
        public static final int FLAGS = 5;
        public static final int PUBLIC_KEY = 6;
        public static final int NAME = 7;
        public static final int CULTURE = 8;

        private AssemblyColumns() {
        }
    }

    /** AssemblyProcessor (II.22.4). */
    public static final class AssemblyProcessorColumns {
        public static final int PROCESSOR = 0;

        private AssemblyProcessorColumns() {
        }
    }

    /** AssemblyOS (II.22.3). */
    public static final class AssemblyOSColumns {
        public static final int OS_PLATFORM_ID = 0;
        public static final int OS_MAJOR_VERSION = 1;
        public static final int OS_MINOR_VERSION = 2;

        private AssemblyOSColumns() {
        }
    }

    /** AssemblyRef (II.22.5). */
    public static final class AssemblyRefColumns {
        public static final int MAJOR_VERSION = 0;
        public static final int MINOR_VERSION = 1;
        public static final int BUILD_NUMBER = 2;
        public static final int REVISION_NUMBER = 3;
        public static final int FLAGS = 4;
        public static final int PUBLIC_KEY_OR_TOKEN = 5;
        public static final int NAME = 6;
        public static final int CULTURE = 7;
        public static final int HASH_VALUE = 8;

        private AssemblyRefColumns() {
        }
    }

    /** AssemblyRefProcessor (II.22.7). */
    public static final class AssemblyRefProcessorColumns {
        public static final int PROCESSOR = 0;
        public static final int ASSEMBLY_REF = 1;

        private AssemblyRefProcessorColumns() {
        }
    }

    /** AssemblyRefOS (II.22.6). */
    public static final class AssemblyRefOSColumns {
        public static final int OS_PLATFORM_ID = 0;
        public static final int OS_MAJOR_VERSION = 1;
        public static final int OS_MINOR_VERSION = 2;
        public static final int ASSEMBLY_REF = 3;

        private AssemblyRefOSColumns() {
        }
    }

    /** File (II.22.19). */
    public static final class FileColumns {
        public static final int FLAGS = 0;
        public static final int NAME = 1;
        public static final int HASH_VALUE = 2;

        private FileColumns() {
        }
    }

    /** ExportedType (II.22.14). */
    public static final class ExportedTypeColumns {
        public static final int FLAGS = 0;
        public static final int TYPE_DEF_ID = 1;
        public static final int TYPE_NAME = 2;
        public static final int TYPE_NAMESPACE = 3;
        public static final int IMPLEMENTATION = 4;

        private ExportedTypeColumns() {
        }
    }

    /** ManifestResource (II.22.24). */
    public static final class ManifestResourceColumns {
        public static final int OFFSET = 0;
        public static final int FLAGS = 1;
        public static final int NAME = 2;
        public static final int IMPLEMENTATION = 3;

        private ManifestResourceColumns() {
        }
    }

    /** NestedClass (II.22.32). */
    public static final class NestedClassColumns {
        public static final int NESTED_CLASS = 0;
        public static final int ENCLOSING_CLASS = 1;

        private NestedClassColumns() {
        }
    }

    /** GenericParam (II.22.20). */
    public static final class GenericParamColumns {
        public static final int NUMBER = 0;
        public static final int FLAGS = 1;
        public static final int OWNER = 2;
        public static final int NAME = 3;

        private GenericParamColumns() {
        }
    }

    /** MethodSpec (II.22.29). */
    public static final class MethodSpecColumns {
        public static final int METHOD = 0;
        public static final int INSTANTIATION = 1;

        private MethodSpecColumns() {
        }
    }

    /** GenericParamConstraint (II.22.21). */
    public static final class GenericParamConstraintColumns {
        public static final int OWNER = 0;
        public static final int CONSTRAINT = 1;

        private GenericParamConstraintColumns() {
        }
    }

    static {
        def(MODULE, c(ModuleColumns.GENERATION, "Generation", U16), c(ModuleColumns.NAME, "Name", STRING),
                c(ModuleColumns.MVID, "Mvid", GUID), c(ModuleColumns.ENC_ID, "EncId", GUID),
                c(ModuleColumns.ENC_BASE_ID, "EncBaseId", GUID));
        def(TYPEREF, c(TypeRefColumns.RESOLUTION_SCOPE, "ResolutionScope", CodedIndex.RESOLUTION_SCOPE),
                c(TypeRefColumns.TYPE_NAME, "TypeName", STRING),
                c(TypeRefColumns.TYPE_NAMESPACE, "TypeNamespace", STRING));
        def(TYPEDEF, c(TypeDefColumns.FLAGS, "Flags", U32), c(TypeDefColumns.TYPE_NAME, "TypeName", STRING),
                c(TypeDefColumns.TYPE_NAMESPACE, "TypeNamespace", STRING),
                c(TypeDefColumns.EXTENDS, "Extends", CodedIndex.TYPE_DEF_OR_REF),
                c(TypeDefColumns.FIELD_LIST, "FieldList", FIELD),
                c(TypeDefColumns.METHOD_LIST, "MethodList", METHODDEF));
        def(FIELDPTR, c(FieldPtrColumns.FIELD, "Field", FIELD));
        def(FIELD, c(FieldColumns.FLAGS, "Flags", U16), c(FieldColumns.NAME, "Name", STRING),
                c(FieldColumns.SIGNATURE, "Signature", BLOB));
        def(METHODPTR, c(MethodPtrColumns.METHOD, "Method", METHODDEF));
        def(METHODDEF, c(MethodDefColumns.RVA, "RVA", U32), c(MethodDefColumns.IMPL_FLAGS, "ImplFlags", U16),
                c(MethodDefColumns.FLAGS, "Flags", U16), c(MethodDefColumns.NAME, "Name", STRING),
                c(MethodDefColumns.SIGNATURE, "Signature", BLOB), c(MethodDefColumns.PARAM_LIST, "ParamList", PARAM));
        def(PARAMPTR, c(ParamPtrColumns.PARAM, "Param", PARAM));
        def(PARAM, c(ParamColumns.FLAGS, "Flags", U16), c(ParamColumns.SEQUENCE, "Sequence", U16),
                c(ParamColumns.NAME, "Name", STRING));
        def(INTERFACEIMPL, c(InterfaceImplColumns.CLASS, "Class", TYPEDEF),
                c(InterfaceImplColumns.INTERFACE, "Interface", CodedIndex.TYPE_DEF_OR_REF));
        def(MEMBERREF, c(MemberRefColumns.CLASS, "Class", CodedIndex.MEMBER_REF_PARENT),
                c(MemberRefColumns.NAME, "Name", STRING), c(MemberRefColumns.SIGNATURE, "Signature", BLOB));
        def(CONSTANT, c(ConstantColumns.TYPE, "Type", U16),
                c(ConstantColumns.PARENT, "Parent", CodedIndex.HAS_CONSTANT),
                c(ConstantColumns.VALUE, "Value", BLOB));
        def(CUSTOMATTRIBUTE, c(CustomAttributeColumns.PARENT, "Parent", CodedIndex.HAS_CUSTOM_ATTRIBUTE),
                c(CustomAttributeColumns.TYPE, "Type", CodedIndex.CUSTOM_ATTRIBUTE_TYPE),
                c(CustomAttributeColumns.VALUE, "Value", BLOB));
        def(FIELDMARSHAL, c(FieldMarshalColumns.PARENT, "Parent", CodedIndex.HAS_FIELD_MARSHAL),
                c(FieldMarshalColumns.NATIVE_TYPE, "NativeType", BLOB));
        def(DECLSECURITY, c(DeclSecurityColumns.ACTION, "Action", U16),
                c(DeclSecurityColumns.PARENT, "Parent", CodedIndex.HAS_DECL_SECURITY),
                c(DeclSecurityColumns.PERMISSION_SET, "PermissionSet", BLOB));
        def(CLASSLAYOUT, c(ClassLayoutColumns.PACKING_SIZE, "PackingSize", U16),
                c(ClassLayoutColumns.CLASS_SIZE, "ClassSize", U32), c(ClassLayoutColumns.PARENT, "Parent", TYPEDEF));
        def(FIELDLAYOUT, c(FieldLayoutColumns.OFFSET, "Offset", U32), c(FieldLayoutColumns.FIELD, "Field", FIELD));
        def(STANDALONESIG, c(StandAloneSigColumns.SIGNATURE, "Signature", BLOB));
        def(EVENTMAP, c(EventMapColumns.PARENT, "Parent", TYPEDEF), c(EventMapColumns.EVENT_LIST, "EventList", EVENT));
        def(EVENTPTR, c(EventPtrColumns.EVENT, "Event", EVENT));
        def(EVENT, c(EventColumns.EVENT_FLAGS, "EventFlags", U16), c(EventColumns.NAME, "Name", STRING),
                c(EventColumns.EVENT_TYPE, "EventType", CodedIndex.TYPE_DEF_OR_REF));
        def(PROPERTYMAP, c(PropertyMapColumns.PARENT, "Parent", TYPEDEF),
                c(PropertyMapColumns.PROPERTY_LIST, "PropertyList", PROPERTY));
        def(PROPERTYPTR, c(PropertyPtrColumns.PROPERTY, "Property", PROPERTY));
        def(PROPERTY, c(PropertyColumns.FLAGS, "Flags", U16), c(PropertyColumns.NAME, "Name", STRING),
                c(PropertyColumns.TYPE, "Type", BLOB));
        def(METHODSEMANTICS, c(MethodSemanticsColumns.SEMANTICS, "Semantics", U16),
                c(MethodSemanticsColumns.METHOD, "Method", METHODDEF),
                c(MethodSemanticsColumns.ASSOCIATION, "Association", CodedIndex.HAS_SEMANTICS));
        def(METHODIMPL, c(MethodImplColumns.CLASS, "Class", TYPEDEF),
                c(MethodImplColumns.METHOD_BODY, "MethodBody", CodedIndex.METHOD_DEF_OR_REF),
                c(MethodImplColumns.METHOD_DECLARATION, "MethodDeclaration", CodedIndex.METHOD_DEF_OR_REF));
        def(MODULEREF, c(ModuleRefColumns.NAME, "Name", STRING));
        def(TYPESPEC, c(TypeSpecColumns.SIGNATURE, "Signature", BLOB));
        def(IMPLMAP, c(ImplMapColumns.MAPPING_FLAGS, "MappingFlags", U16),
                c(ImplMapColumns.MEMBER_FORWARDED, "MemberForwarded", CodedIndex.MEMBER_FORWARDED),
                c(ImplMapColumns.IMPORT_NAME, "ImportName", STRING),
                c(ImplMapColumns.IMPORT_SCOPE, "ImportScope", MODULEREF));
        def(FIELDRVA, c(FieldRVAColumns.RVA, "RVA", U32), c(FieldRVAColumns.FIELD, "Field", FIELD));
        def(ENCLOG, c(EncLogColumns.TOKEN, "Token", U32), c(EncLogColumns.FUNC_CODE, "FuncCode", U32));
        def(ENCMAP, c(EncMapColumns.TOKEN, "Token", U32));
        def(ASSEMBLY, c(AssemblyColumns.HASH_ALG_ID, "HashAlgId", U32),
                c(AssemblyColumns.MAJOR_VERSION, "MajorVersion", U16),
                c(AssemblyColumns.MINOR_VERSION, "MinorVersion", U16),
                c(AssemblyColumns.BUILD_NUMBER, "BuildNumber", U16),
                c(AssemblyColumns.REVISION_NUMBER, "RevisionNumber", U16), c(AssemblyColumns.FLAGS, "Flags", U32),
                c(AssemblyColumns.PUBLIC_KEY, "PublicKey", BLOB), c(AssemblyColumns.NAME, "Name", STRING),
                c(AssemblyColumns.CULTURE, "Culture", STRING));
        def(ASSEMBLYPROCESSOR, c(AssemblyProcessorColumns.PROCESSOR, "Processor", U32));
        def(ASSEMBLYOS, c(AssemblyOSColumns.OS_PLATFORM_ID, "OSPlatformID", U32),
                c(AssemblyOSColumns.OS_MAJOR_VERSION, "OSMajorVersion", U32),
                c(AssemblyOSColumns.OS_MINOR_VERSION, "OSMinorVersion", U32));
        def(ASSEMBLYREF, c(AssemblyRefColumns.MAJOR_VERSION, "MajorVersion", U16),
                c(AssemblyRefColumns.MINOR_VERSION, "MinorVersion", U16),
                c(AssemblyRefColumns.BUILD_NUMBER, "BuildNumber", U16),
                c(AssemblyRefColumns.REVISION_NUMBER, "RevisionNumber", U16),
                c(AssemblyRefColumns.FLAGS, "Flags", U32),
                c(AssemblyRefColumns.PUBLIC_KEY_OR_TOKEN, "PublicKeyOrToken", BLOB),
                c(AssemblyRefColumns.NAME, "Name", STRING), c(AssemblyRefColumns.CULTURE, "Culture", STRING),
                c(AssemblyRefColumns.HASH_VALUE, "HashValue", BLOB));
        def(ASSEMBLYREFPROCESSOR, c(AssemblyRefProcessorColumns.PROCESSOR, "Processor", U32),
                c(AssemblyRefProcessorColumns.ASSEMBLY_REF, "AssemblyRef", ASSEMBLYREF));
        def(ASSEMBLYREFOS, c(AssemblyRefOSColumns.OS_PLATFORM_ID, "OSPlatformID", U32),
                c(AssemblyRefOSColumns.OS_MAJOR_VERSION, "OSMajorVersion", U32),
                c(AssemblyRefOSColumns.OS_MINOR_VERSION, "OSMinorVersion", U32),
                c(AssemblyRefOSColumns.ASSEMBLY_REF, "AssemblyRef", ASSEMBLYREF));
        def(FILE, c(FileColumns.FLAGS, "Flags", U32), c(FileColumns.NAME, "Name", STRING),
                c(FileColumns.HASH_VALUE, "HashValue", BLOB));
        def(EXPORTEDTYPE, c(ExportedTypeColumns.FLAGS, "Flags", U32),
                c(ExportedTypeColumns.TYPE_DEF_ID, "TypeDefId", U32),
                c(ExportedTypeColumns.TYPE_NAME, "TypeName", STRING),
                c(ExportedTypeColumns.TYPE_NAMESPACE, "TypeNamespace", STRING),
                c(ExportedTypeColumns.IMPLEMENTATION, "Implementation", CodedIndex.IMPLEMENTATION));
        def(MANIFESTRESOURCE, c(ManifestResourceColumns.OFFSET, "Offset", U32),
                c(ManifestResourceColumns.FLAGS, "Flags", U32), c(ManifestResourceColumns.NAME, "Name", STRING),
                c(ManifestResourceColumns.IMPLEMENTATION, "Implementation", CodedIndex.IMPLEMENTATION));
        def(NESTEDCLASS, c(NestedClassColumns.NESTED_CLASS, "NestedClass", TYPEDEF),
                c(NestedClassColumns.ENCLOSING_CLASS, "EnclosingClass", TYPEDEF));
        def(GENERICPARAM, c(GenericParamColumns.NUMBER, "Number", U16), c(GenericParamColumns.FLAGS, "Flags", U16),
                c(GenericParamColumns.OWNER, "Owner", CodedIndex.TYPE_OR_METHOD_DEF),
                c(GenericParamColumns.NAME, "Name", STRING));
        def(METHODSPEC, c(MethodSpecColumns.METHOD, "Method", CodedIndex.METHOD_DEF_OR_REF),
                c(MethodSpecColumns.INSTANTIATION, "Instantiation", BLOB));
        def(GENERICPARAMCONSTRAINT, c(GenericParamConstraintColumns.OWNER, "Owner", GENERICPARAM),
                c(GenericParamConstraintColumns.CONSTRAINT, "Constraint", CodedIndex.TYPE_DEF_OR_REF));
        for (int t = 0; t < COLUMNS.length; t++) {
            if (COLUMNS[t] == null) {
                throw new AssertionError("no schema for table " + t);
            }
        }
    }

    private TableSchema() {
    }

    static int coded(CodedIndex c) {
        return CODED_BASE + c.ordinal();
    }

    private static Column c(int position, String name, int kind) {
        return new Column(position, name, kind);
    }

    private static Column c(int position, String name, CodedIndex kind) {
        return new Column(position, name, coded(kind));
    }

    /** The columns are listed in file order; each must sit at the position its constant names. */
    private static void def(int table, Column... columns) {
        for (int i = 0; i < columns.length; i++) {
            if (columns[i].position() != i) {
                throw new AssertionError(MetadataTable.name(table) + "." + columns[i].name() + " is column " + i
                        + ", not " + columns[i].position());
            }
        }
        COLUMNS[table] = columns;
    }

    /** Columns of an ECMA-335 table, or null for ids 0x2D..0x3F. */
    static Column[] columns(int table) {
        return table >= 0 && table < COLUMNS.length ? COLUMNS[table] : null;
    }
}
