package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;

/**
 * The object types of r2rlab's scenario language ({@code new Box(v)}, {@code new Pair(a, b)}) as emitted code
 * allocates them (NewObject with the MethodTable of a TypeHandle fixup naming the type's TypeDef) and the emulated
 * runtime lays them out: the MethodTable pointer, then one 8-byte field after another. Box holds an integer; Pair holds
 * two references to Boxes (or null), the reference fields a collector must trace and a store into goes through the
 * WriteBarrier helper.
 */
public enum LabObject {
    BOX("Box", new Field("value", null)),
    PAIR("Pair", new Field("first", BOX), new Field("second", BOX));

    /** The namespace of the emitted TypeDefs. */
    public static final String NAMESPACE = "R2RLab";
    /** Size of the MethodTable pointer that precedes the fields. */
    public static final int HEADER = 8;

    /** A field: its name and, for a reference field, the type it refers to (null: a 64-bit integer). */
    public record Field(String name, LabObject referenceType) {
        public boolean isReference() {
            return referenceType != null;
        }
    }

    public final String typeName;
    private final List<Field> fields;

    LabObject(String typeName, Field... fields) {
        this.typeName = typeName;
        this.fields = List.of(fields);
    }

    public List<Field> fields() {
        return fields;
    }

    /** The index of the field named {@code name}, or -1. */
    public int fieldIndex(String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Offset of field {@code index} from the object reference. */
    public int fieldOffset(int index) {
        return HEADER + 8 * index;
    }

    /** The object's size: the MethodTable pointer and the fields (the runtime's base size, without an object header). */
    public int baseSize() {
        return HEADER + 8 * fields.size();
    }

    /** Offsets, from the object reference, of the fields that hold references, ascending. */
    public List<Integer> referenceOffsets() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).isReference()) {
                out.add(fieldOffset(i));
            }
        }
        return out;
    }

    /** {@code R2RLab.Box}. */
    public String fullName() {
        return NAMESPACE + "." + typeName;
    }

    /** The type named {@code name} as a scenario writes it ({@code Box}), or null. */
    public static LabObject named(String name) {
        for (LabObject o : values()) {
            if (o.typeName.equals(name)) {
                return o;
            }
        }
        return null;
    }
}
