package r2rlab.emu.unicorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emu.unicorn.Snippets.CODE;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;

import java.lang.reflect.Field;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** One watchdog per run: it stops the engine once the deadline passes, whenever a slice is running. */
class RunDeadlineTest {
    private static Unicorn spinning() {
        Unicorn uc = Unicorn.x86_64();
        uc.memMap(CODE, 0x1000, UC_PROT_ALL);
        uc.memWrite(CODE, new byte[] {(byte) 0xeb, (byte) 0xfe}); // jmp .
        return uc;
    }

    @Test
    void theWatchdogStopsAnEndlessSliceAtTheDeadline() {
        try (Unicorn uc = spinning(); RunDeadline d = RunDeadline.start(uc, 100_000)) {
            assertFalse(d.expired());
            d.check(CODE); // before the deadline: nothing
            uc.emuStart(CODE, CODE + 2); // jmp . forever, until the watchdog stops it
            assertTrue(d.expired(), "the slice ended because the deadline passed");
            assertEquals(CODE, uc.pc());
            EmuTimeoutException e = assertThrows(EmuTimeoutException.class, () -> d.check(uc.pc()));
            assertEquals("the run exceeded its time limit of 100 ms (pc=0x100000)", e.getMessage());
            assertEquals(100_000, e.timeoutMicros());
            assertEquals(CODE, e.pc());
        }
    }

    /** A stop that lands between two slices is lost; the watchdog repeats it, so a later slice still ends. */
    @Test
    void aSliceStartedAfterTheDeadlineIsStoppedToo() {
        try (Unicorn uc = spinning(); RunDeadline d = RunDeadline.start(uc, 1_000)) {
            LockSupport.parkNanos(50_000_000L);
            assertTrue(d.expired());
            uc.emuStart(CODE, CODE + 2);
            uc.emuStart(CODE, CODE + 2);
            assertEquals(CODE, uc.pc());
        }
    }

    @Test
    void closingJoinsTheWatchdog() throws Exception {
        try (Unicorn uc = spinning()) {
            RunDeadline d = RunDeadline.start(uc, 60_000_000);
            Field f = RunDeadline.class.getDeclaredField("watchdog");
            f.setAccessible(true);
            Thread watchdog = (Thread) f.get(d);
            assertTrue(watchdog.isAlive() && watchdog.isDaemon());
            d.close();
            assertFalse(watchdog.isAlive(), "the watchdog ended before close returned");
        }
    }

    @Test
    void limitsAreWrittenAsPeopleWriteThem() {
        assertEquals("10 s", RunDeadline.describe(10_000_000));
        assertEquals("250 ms", RunDeadline.describe(250_000));
        assertEquals("1500 us", RunDeadline.describe(1_500));
        try (Unicorn uc = spinning()) {
            assertThrows(IllegalArgumentException.class, () -> RunDeadline.start(uc, 0));
        }
    }

    /** The watchdog's stop after the engine closed does nothing (it never reaches a freed engine). */
    @Test
    void interruptAfterCloseIsANoOp() {
        Unicorn uc = spinning();
        uc.close();
        uc.interrupt();
        assertTrue(uc.isClosed());
    }
}
