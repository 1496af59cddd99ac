package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import r2rlab.format.FormatException;

/**
 * Renders type signatures (II.23.2.12) of TypeSpec and MethodSpec blobs as text. Reads straight from
 * the file bytes between {@code pos} and {@code end}, so positions are file offsets.
 */
final class SignatureFormatter {
    private static final int MAX_DEPTH = 64;
    private static final int MAX_RANK = 32;

    private final Metadata metadata;
    private final byte[] data;
    private final int start;
    private final int end;
    private final String structure;
    private final int specDepth;
    private int pos;

    SignatureFormatter(Metadata metadata, byte[] data, int start, int end, String structure, int specDepth) {
        this.metadata = metadata;
        this.data = data;
        this.start = start;
        this.end = end;
        this.structure = structure;
        this.specDepth = specDepth;
        this.pos = start;
    }

    String typeSignature() {
        StringBuilder sb = new StringBuilder();
        type(sb, 0);
        return sb.toString();
    }

    /** "&lt;A,B&gt;" of a MethodSpec instantiation blob (0x0A, count, types). */
    String methodInstantiation() {
        int kind = u8();
        if (kind != 0x0A) {
            throw fail(pos - 1, String.format("MethodSpec blob starts with 0x%02X instead of 0x0A", kind));
        }
        int count = count("generic argument count");
        StringBuilder sb = new StringBuilder("<");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(',');
            }
            type(sb, 1);
        }
        return sb.append('>').toString();
    }

    private FormatException fail(int at, String problem) {
        return new FormatException(structure, at, problem + " (signature blob at file offset 0x"
                + Integer.toHexString(start) + ", " + (end - start) + " bytes)");
    }

    private int u8() {
        if (pos >= end) {
            throw fail(pos, "signature ends early");
        }
        return data[pos++] & 0xFF;
    }

    private int peek() {
        if (pos >= end) {
            throw fail(pos, "signature ends early");
        }
        return data[pos] & 0xFF;
    }

    private int compressed() {
        int at = pos;
        int b0 = u8();
        if ((b0 & 0x80) == 0) {
            return b0;
        }
        if ((b0 & 0xC0) == 0x80) {
            return (b0 & 0x3F) << 8 | u8();
        }
        if ((b0 & 0xE0) == 0xC0) {
            return (b0 & 0x1F) << 24 | u8() << 16 | u8() << 8 | u8();
        }
        throw fail(at, String.format("0x%02X does not start a compressed integer", b0));
    }

    /** A count of items that each take at least one more byte of the signature. */
    private int count(String what) {
        int at = pos;
        int n = compressed();
        if (n > end - pos) {
            throw fail(at, what + " " + n + " exceeds the " + (end - pos) + " bytes left in the signature");
        }
        return n;
    }

    private int typeDefOrRefEncoded() {
        int at = pos;
        int value = compressed();
        int tag = value & 3;
        int rid = value >>> 2;
        if (tag == 3) {
            throw fail(at, String.format("TypeDefOrRefOrSpecEncoded 0x%X has tag 3", value));
        }
        int table = tag == 0 ? TYPEDEF : tag == 1 ? TYPEREF : TYPESPEC;
        if (rid == 0 || rid > metadata.rowCount(table)) {
            throw fail(at, "type token refers to " + MetadataTable.name(table) + " row " + rid + " but that table has "
                    + metadata.rowCount(table) + " rows");
        }
        return token(table, rid);
    }

    private void type(StringBuilder sb, int depth) {
        if (depth > MAX_DEPTH) {
            throw fail(pos, "type signature nests deeper than " + MAX_DEPTH + " levels");
        }
        int at = pos;
        int et = u8();
        switch (et) {
            case 0x01 -> sb.append("System.Void");
            case 0x02 -> sb.append("System.Boolean");
            case 0x03 -> sb.append("System.Char");
            case 0x04 -> sb.append("System.SByte");
            case 0x05 -> sb.append("System.Byte");
            case 0x06 -> sb.append("System.Int16");
            case 0x07 -> sb.append("System.UInt16");
            case 0x08 -> sb.append("System.Int32");
            case 0x09 -> sb.append("System.UInt32");
            case 0x0A -> sb.append("System.Int64");
            case 0x0B -> sb.append("System.UInt64");
            case 0x0C -> sb.append("System.Single");
            case 0x0D -> sb.append("System.Double");
            case 0x0E -> sb.append("System.String");
            case 0x16 -> sb.append("System.TypedReference");
            case 0x18 -> sb.append("System.IntPtr");
            case 0x19 -> sb.append("System.UIntPtr");
            case 0x1C -> sb.append("System.Object");
            case 0x0F -> {
                type(sb, depth + 1);
                sb.append('*');
            }
            case 0x10 -> {
                type(sb, depth + 1);
                sb.append('&');
            }
            case 0x11, 0x12 -> sb.append(metadata.typeDefOrRefName(typeDefOrRefEncoded(), specDepth));
            case 0x13 -> sb.append('!').append(compressed());
            case 0x1E -> sb.append("!!").append(compressed());
            case 0x14 -> {
                type(sb, depth + 1);
                int rankAt = pos;
                int rank = compressed();
                if (rank == 0 || rank > MAX_RANK) {
                    throw fail(rankAt, "array rank " + rank + " is not in 1.." + MAX_RANK);
                }
                int sizes = count("array size count");
                for (int i = 0; i < sizes; i++) {
                    compressed();
                }
                int bounds = count("array lower bound count");
                for (int i = 0; i < bounds; i++) {
                    compressed(); // signed, but only its length matters here
                }
                sb.append('[').append(",".repeat(rank - 1)).append(']');
            }
            case 0x15 -> {
                type(sb, depth + 1);
                int argsAt = pos;
                int n = count("generic argument count");
                if (n == 0) {
                    throw fail(argsAt, "generic instantiation has no arguments");
                }
                sb.append('<');
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    type(sb, depth + 1);
                }
                sb.append('>');
            }
            case 0x1D -> {
                type(sb, depth + 1);
                sb.append("[]");
            }
            case 0x1B -> methodSignature(sb, depth + 1);
            case 0x1F, 0x20 -> {
                // Custom modifiers precede the type they modify; they are not rendered.
                typeDefOrRefEncoded();
                type(sb, depth + 1);
            }
            case 0x45 -> type(sb, depth + 1); // pinned
            default -> throw fail(at, String.format("element type 0x%02X is not valid in a type signature", et));
        }
    }

    /** A function pointer's MethodRefSig, as "method Ret *(A,B)". */
    private void methodSignature(StringBuilder sb, int depth) {
        int conv = u8();
        if ((conv & 0x10) != 0) {
            compressed(); // generic parameter count
        }
        int params = count("parameter count");
        sb.append("method ");
        type(sb, depth);
        sb.append(" *(");
        for (int i = 0; i < params; i++) {
            if (i > 0) {
                sb.append(',');
            }
            if (peek() == 0x41) { // sentinel: vararg part follows
                pos++;
                sb.append("...,");
            }
            type(sb, depth);
        }
        sb.append(')');
    }
}
