package r2rlab.loader;

import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.format.gcinfo.GcInfoEncoding;
import r2rlab.format.pe.Machine;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.x64.X64UnwindInfo;

/**
 * Where a method's GcInfo sits and how to read it, as the runtime's {@code ReadyToRunJitManager::GetGCInfoToken}
 * finds it: right after the unwind record of the method's first runtime function and the personality-routine RVA
 * (x64: ALIGN_UP(4 + 2·CountOfUnwindCodes, 4) + 4; ARM64: the .xdata's header, extension word, epilog scopes and
 * code words + 4), in the GcInfo version the R2R header's version implies. Funclets and cold parts have no GcInfo
 * of their own: the runtime walks back to the method start and uses the method's (CodeLength covers them); a
 * resumption stub is a method start of its own. Identical records are shared, so several methods may name one
 * GcInfo.
 *
 * @param label         the method's label (for errors)
 * @param rva           the GcInfo's RVA
 * @param fileOffset    its file offset
 * @param version       the GcInfo version
 * @param encoding      x64 or ARM64
 */
public record MethodGcInfo(String label, long rva, long fileOffset, int version, GcInfoEncoding encoding) {

    /** The GcInfo encoding of the image's machine, or null where r2rlab has none (x86, ARM). */
    public static GcInfoEncoding encoding(R2RImage img) {
        Machine m = img.pe().machine();
        return m == Machine.AMD64 ? GcInfoEncoding.X64 : m == Machine.ARM64 ? GcInfoEncoding.ARM64 : null;
    }

    /** The GcInfo version of the image (ReadyToRunVersionToGcInfoVersion of the header's major and minor version). */
    public static int version(R2RImage img) {
        return GcInfo.versionForReadyToRun(img.header().majorVersion(), img.header().minorVersion());
    }

    /** The RVA of the GcInfo after the unwind record of the method-start runtime function {@code rf}. */
    public static long rvaAfterUnwind(R2RImage img, RuntimeFunction rf) {
        ByteReader file = img.pe().file();
        GcInfoEncoding enc = encoding(img);
        if (enc == null) {
            throw new FormatException("GcInfo", -1, "no GcInfo decoding for " + img.pe().machine().archName);
        }
        if (enc == GcInfoEncoding.X64) {
            long off = img.pe().rvaToOffset("UNWIND_INFO", rf.unwindRva(), X64UnwindInfo.HEADER_SIZE);
            return rf.unwindRva() + X64UnwindInfo.sizeOf(file, off) + 4;
        }
        if ((rf.unwindRva() & 3) != 0) {
            throw new FormatException(".xdata", -1, String.format("runtime function %d has packed unwind data, no .xdata and no GcInfo",
                    rf.index()));
        }
        long off = img.pe().rvaToOffset(".xdata", rf.unwindRva(), 4);
        return rf.unwindRva() + Arm64UnwindInfo.unwindSize(file, off) + 4;
    }

    /** Where {@code method}'s GcInfo is: after its entry runtime function's unwind record. */
    public static MethodGcInfo of(R2RImage img, ReadyToRunMethod method) {
        return atMethodStart(img, method.entryRuntimeFunction(), method.label());
    }

    /** Where the GcInfo of the method starting at runtime function {@code index} is; {@code label} names it in errors. */
    public static MethodGcInfo atMethodStart(R2RImage img, int index, String label) {
        long rva = rvaAfterUnwind(img, img.runtimeFunctions().get(index));
        long offset = img.pe().rvaToOffset("GcInfo of " + label, rva, 1);
        return new MethodGcInfo(label, rva, offset, version(img), encoding(img));
    }

    /** Decodes it; errors name the method and the bit position. */
    public GcInfo.Decoded decode(R2RImage img) {
        return GcInfo.decode(img.pe().file().array(), fileOffset, encoding, version, "GcInfo of " + label);
    }
}
