package r2rlab.format.r2r;

import java.nio.charset.StandardCharsets;

/**
 * The version-resilient hashes that key InstanceMethodEntryPoints and AvailableTypes
 * (versionresilienthashcode.cpp, typehashingalgorithms.h; r2r-format.md §8). All arithmetic is
 * 32-bit wrapping; name bytes are UTF-8, sign-extended as the runtime's {@code char} is.
 */
public final class VersionResilientHash {
    private VersionResilientHash() {
    }

    public static int nameHash(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0) {
            return 0;
        }
        int h1 = 0x6DA3B944;
        int h2 = 0;
        for (int i = 0; i < b.length; i += 2) {
            h1 = (h1 + Integer.rotateLeft(h1, 5)) ^ b[i];
            if (i + 1 >= b.length) {
                break;
            }
            h2 = (h2 + Integer.rotateLeft(h2, 5)) ^ b[i + 1];
        }
        h1 += Integer.rotateLeft(h1, 8);
        h2 += Integer.rotateLeft(h2, 8);
        return h1 ^ h2;
    }

    /** A named (non-nested) type: namespace and name are hashed separately. */
    public static int typeHash(String namespace, String name) {
        return nameHash(namespace) ^ nameHash(name);
    }

    /** A type nested in a type whose hash is {@code enclosing}. */
    public static int nestedTypeHash(int enclosing, String namespace, String name) {
        return (enclosing + Integer.rotateLeft(enclosing, 11)) ^ typeHash(namespace, name);
    }

    /** A generic instantiation of the definition whose hash is {@code definition}. */
    public static int genericInstanceHash(int definition, int... arguments) {
        int h = definition;
        for (int a : arguments) {
            h = (h + Integer.rotateLeft(h, 13)) ^ a;
        }
        return h + Integer.rotateLeft(h, 15);
    }

    /** An array of {@code rank} (1 for SZ arrays) of the element type whose hash is {@code element}. */
    public static int arrayHash(int element, int rank) {
        int h = 0xD5313556 + rank;
        h = (h + Integer.rotateLeft(h, 13)) ^ element;
        return h + Integer.rotateLeft(h, 15);
    }

    public static int pointerHash(int pointee) {
        return (pointee + Integer.rotateLeft(pointee, 5)) ^ 0x12D0;
    }

    public static int byrefHash(int target) {
        return (target + Integer.rotateLeft(target, 7)) ^ 0x4C85;
    }

    /**
     * A method: the owning type's hash XOR the method name's (a generic method instantiates the
     * name hash). Async variants hash like their Task-returning method; the AsyncVariant signature
     * flag tells them apart.
     */
    public static int methodHash(int owningType, String methodName, int... methodInstantiation) {
        int name = nameHash(methodName);
        if (methodInstantiation.length > 0) {
            name = genericInstanceHash(name, methodInstantiation);
        }
        return owningType ^ name;
    }
}
