package r2rlab.format.r2r;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/** One pair of the HotColdMap section (120): a cold part's runtime function index and its method's hot one. */
public record HotColdMapEntry(long coldRuntimeFunction, long hotRuntimeFunction) {
    public static final int COLD_RUNTIME_FUNCTION_OFFSET = 0;
    public static final int HOT_RUNTIME_FUNCTION_OFFSET = 4;
    public static final int SIZE = 8;

    public static HotColdMapEntry read(ByteReader file, long offset) {
        String s = "HotColdMap";
        file.require(s, offset, SIZE);
        return new HotColdMapEntry(file.u32(s, offset + COLD_RUNTIME_FUNCTION_OFFSET), file.u32(s, offset + HOT_RUNTIME_FUNCTION_OFFSET));
    }

    public void write(BlobBuilder b) {
        b.u32(coldRuntimeFunction).u32(hotRuntimeFunction);
    }
}
