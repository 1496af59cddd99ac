package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The Continuation object's offsets and the two Flags splits, against values read in the real images and runtime-async.md C.2. */
class ContinuationCodecTest {
    @Test
    void objectOffsets_64And32Bit() {
        ContinuationObject c8 = ContinuationObject.POINTER_SIZE_8;
        assertEquals(8, c8.next());
        assertEquals(16, c8.resumeInfo());
        assertEquals(24, c8.flags());
        assertEquals(28, c8.state());
        assertEquals(32, c8.data());
        assertEquals(-1, c8.slot(0));
        assertEquals(0x20, c8.slot(1)); // ZipFile clears the exception slot at [rcx+0x20]
        assertEquals(0x28, c8.slot(2)); // ... and reads the result at +0x28
        ContinuationObject c4 = new ContinuationObject(4);
        assertEquals(4, c4.next());
        assertEquals(8, c4.resumeInfo());
        assertEquals(12, c4.flags());
        assertEquals(16, c4.state());
        assertEquals(20, c4.data());
        assertEquals(8, c4.resumeInfoSize());
    }

    @Test
    void r2r185Split_decodesTheRealImagesValues() {
        ContinuationFlags f = ContinuationFlags.R2R_18_5;
        // ZipFile RVA 0x70BB stores 0x109: ContinueOnThreadPool, exception index 1, result index 2.
        assertEquals(1, f.exceptionIndex(0x109));
        assertEquals(2, f.resultIndex(0x109));
        assertEquals(0, f.continuationContextIndex(0x109));
        assertEquals(0x109, f.encode(ContinuationFlags.CONTINUE_ON_THREAD_POOL, 1, 0, 2));
        // Ping writes 0x80 (result index 1), Tar writes 9 (exception index 1); 0x1C8 has all three fields.
        assertEquals(1, f.resultIndex(0x80));
        assertEquals(0, f.exceptionIndex(0x80));
        assertEquals(1, f.exceptionIndex(9));
        assertEquals(1, f.exceptionIndex(0x1C8));
        assertEquals(2, f.continuationContextIndex(0x1C8));
        assertEquals(3, f.resultIndex(0x1C8));
        assertEquals(0, f.executionContextIndex(0x1C8));
    }

    @Test
    void coreLibMainSplit_isTheOtherLayout() {
        ContinuationFlags f = ContinuationFlags.CORELIB_MAIN;
        assertEquals(0x880, f.encode(0, 1, 0, 2));
        assertEquals(1, f.exceptionIndex(0x880));
        assertEquals(2, f.resultIndex(0x880));
        // The same bits read with the other split: what a mismatched runtime would see.
        assertEquals(0, ContinuationFlags.R2R_18_5.exceptionIndex(0x880));
        assertEquals(0x11, ContinuationFlags.R2R_18_5.resultIndex(0x880));
        assertEquals(1, f.executionContextIndex(0x8));
    }

    @Test
    void indexTooLargeForItsField_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> ContinuationFlags.R2R_18_5.encode(0, 4, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ContinuationFlags.R2R_18_5.encode(8, 0, 0, 0));
    }
}
