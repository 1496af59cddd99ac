package r2rlab.emu.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.loader.runtime.MethodDesc;

/**
 * The runtime-async side of the emulated runtime (runtime-async.md C): the AsyncHelpers CoreLib
 * methods the emitted code calls, the continuation allocator, Task objects, and the dispatcher
 * ({@code RuntimeAsyncTask.DispatchContinuations}) that resumes continuation chains innermost first.
 * The thread pool is a FIFO queue of suspended Tasks, run by {@link #runThreadPool}.
 *
 * <p>Objects in the managed heap (MethodTable* at +0, base size at MethodTable+4):
 * Continuation {Next +8, ResumeInfo +16, Flags +24, State +28, data +32};
 * Task {status +8 (0 pending, 1 completed, 2 faulted), result +16, head continuation +24, exception +32};
 * exception {code +8}.
 */
final class AsyncDispatcher {
    /** The Continuation object of a 64-bit runtime. */
    static final ContinuationObject CONTINUATION = ContinuationObject.POINTER_SIZE_8;
    /** The Flags split of the CoreLib this runtime models. */
    static final ContinuationFlags FLAGS = ContinuationFlags.CORELIB_MAIN;

    static final int TASK_STATUS = 8;
    static final int TASK_RESULT = 16;
    static final int TASK_HEAD = 24;
    static final int TASK_EXCEPTION = 32;
    static final int TASK_SIZE = 40;
    static final long PENDING = 0;
    static final long COMPLETED = 1;
    static final long FAULTED = 2;

    static final int EXCEPTION_SIZE = 16;
    static final int EXCEPTION_CODE = 8;

    /** Bound on dispatcher steps in one run (a broken chain must not loop forever). */
    static final int MAX_STEPS = 100_000;

    private final EmulatedRuntime rt;
    private final CpuEngine uc;
    final long taskMethodTable;
    final long exceptionMethodTable;
    /** The MethodTable of the runtime's own Yield continuation (no data). */
    final long yieldContinuationMethodTable;
    /** The runtime's ResumeInfo record for Yield continuations: {Resume, DiagnosticIP}. */
    final long yieldResumeInfo;
    /** The Resume "function" of Yield continuations: the dispatcher completes them without a call. */
    final long yieldResumeAddress;

    private final ArrayDeque<Long> threadPool = new ArrayDeque<>();
    private final Map<Long, GuestException> exceptionsByObject = new HashMap<>();
    private final Map<GuestException, Long> objectsByException = new IdentityHashMap<>();
    /** Thread-local leaf-suspension state (the sentinel's Next): the innermost continuation of the chain being built. */
    private long suspensionHead;

    // per-run facts
    private int suspensions;
    private int yields;
    private int continuationsAllocated;
    private int exceptionsRouted;
    private List<AsyncRun.Resumption> resumptions = new ArrayList<>();

    AsyncDispatcher(EmulatedRuntime rt, long yieldResumeAddress) {
        this.rt = rt;
        this.uc = rt.engine();
        this.taskMethodTable = methodTable(TASK_SIZE);
        this.exceptionMethodTable = methodTable(EXCEPTION_SIZE);
        this.yieldContinuationMethodTable = methodTable(CONTINUATION.data());
        this.yieldResumeAddress = yieldResumeAddress;
        this.yieldResumeInfo = rt.allocate(16);
        uc.writeLong(yieldResumeInfo, yieldResumeAddress);
        uc.writeLong(yieldResumeInfo + 8, yieldResumeAddress);
    }

    private long methodTable(int baseSize) {
        long mt = rt.allocate(64);
        write32(mt + 4, baseSize);
        return mt;
    }

    // ---- memory

    int read32(long address) {
        byte[] b = uc.memRead(address, 4);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    void write32(long address, int v) {
        uc.memWrite(address, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    /** Allocates an object of {@code mt} (zeroed, MethodTable* at +0, size from MethodTable+4). */
    long allocateObject(long mt) {
        int size = read32(mt + 4);
        if (size < 8 || size > (1 << 20)) {
            throw new IllegalStateException(String.format("MethodTable 0x%X has base size %d", mt, size));
        }
        long obj = rt.allocate(size);
        uc.memWrite(obj, new byte[size]);
        uc.writeLong(obj, mt);
        return obj;
    }

    static int exceptionIndex(int flags) {
        return FLAGS.exceptionIndex(flags);
    }

    static int resultIndex(int flags) {
        return FLAGS.resultIndex(flags);
    }

    /** The address of data slot {@code index} (1-based) of a continuation, or 0 for index 0 (absent). */
    static long slot(long continuation, int index) {
        return index == 0 ? 0 : continuation + CONTINUATION.slot(index);
    }

    long next(long continuation) {
        return uc.readLong(continuation + CONTINUATION.next());
    }

    // ---- exceptions

    /** The managed exception object for a throw of {@code code}; registers it with {@code e}. */
    long newException(GuestException e) {
        long obj = allocateObject(exceptionMethodTable);
        uc.writeLong(obj + EXCEPTION_CODE, e.code());
        exceptionsByObject.put(obj, e);
        objectsByException.put(e, obj);
        return obj;
    }

    /** The exception a rethrow (ThrowExact) of {@code obj} raises: the original one when the object is known. */
    GuestException exceptionOf(long obj, String helper) {
        GuestException e = exceptionsByObject.get(obj);
        if (e == null) {
            e = new GuestException(obj == 0 ? 0 : uc.readLong(obj + EXCEPTION_CODE), helper);
            exceptionsByObject.put(obj, e);
            objectsByException.put(e, obj);
        }
        return e;
    }

    long objectOf(GuestException e) {
        Long obj = objectsByException.get(e);
        return obj != null ? obj : newException(e);
    }

    // ---- CoreLib AsyncHelpers and the AllocContinuation helper

    void install() {
        rt.provide("CaptureContexts", (r, call) -> captureContexts());
        rt.provide("RestoreContexts", (r, call) -> restoreContexts());
        rt.provide("TaskFromResult", (r, call) -> taskFromResult());
        rt.provide("FinalizeTaskReturningThunk", (r, call) -> finalizeTaskReturningThunk());
        rt.provide("Yield", (r, call) -> yieldSuspend());
    }

    private long arg(int i) {
        return uc.regRead(rt.abi().argumentRegister(i));
    }

    private void captureContexts() {
        long ec = arg(0);
        long sc = arg(1);
        uc.writeLong(ec, 0);
        uc.writeLong(sc, 0);
        rt.event(String.format("CaptureContexts [0x%X] [0x%X] = null, null", ec, sc));
    }

    private void restoreContexts() {
        rt.event(String.format("RestoreContexts suspended=%d ec=0x%X sc=0x%X", arg(0), arg(1), arg(2)));
    }

    private void taskFromResult() {
        long value = arg(0);
        long task = allocateObject(taskMethodTable);
        uc.writeLong(task + TASK_STATUS, COMPLETED);
        uc.writeLong(task + TASK_RESULT, value);
        rt.event(String.format("TaskFromResult %d -> completed Task 0x%X", value, task));
        uc.regWrite(rt.abi().resultRegister, task);
    }

    private void finalizeTaskReturningThunk() {
        long continuation = arg(0);
        long task = allocateObject(taskMethodTable);
        uc.writeLong(task + TASK_STATUS, PENDING);
        long head = takeSuspensionHead(continuation);
        rt.event(String.format("FinalizeTaskReturningThunk continuation 0x%X -> pending Task 0x%X (chain head 0x%X)",
                continuation, task, head));
        handleSuspended(task, head);
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /** AsyncHelpers.Yield with the async calling convention: always suspends with a runtime continuation. */
    private void yieldSuspend() {
        long incoming = arg(0); // the hidden continuation argument: null on a normal call
        if (incoming != 0) {
            throw new IllegalStateException(String.format("Yield called with continuation 0x%X (it is never resumed by a stub)", incoming));
        }
        long cont = allocateObject(yieldContinuationMethodTable);
        uc.writeLong(cont + CONTINUATION.resumeInfo(), yieldResumeInfo);
        suspensionHead = cont; // TransparentSuspend…: the sentinel's Next
        yields++;
        rt.event(String.format("Yield suspends: runtime continuation 0x%X", cont));
        uc.regWrite(rt.abi().resultRegister, 0);
        uc.regWrite(rt.abi().continuationRegister, cont);
    }

    /** CORINFO_HELP_ALLOC_CONTINUATION(prev, MT): allocate, link prev.Next = new, return new. */
    void allocContinuation(TrapCall call) {
        long prev = arg(0);
        long mt = arg(1);
        rt.allocating();
        long cont = allocateObject(mt);
        if (prev != 0) {
            uc.writeLong(prev + CONTINUATION.next(), cont);
        }
        continuationsAllocated++;
        rt.event(String.format("AllocContinuation prev 0x%X MT 0x%X -> 0x%X", prev, mt, cont));
        uc.regWrite(rt.abi().resultRegister, cont);
    }

    /**
     * The innermost continuation of the chain whose outermost is {@code outermost}: the leaf recorded
     * by Yield when that chain reaches {@code outermost}, else {@code outermost} itself. Clears the state.
     */
    private long takeSuspensionHead(long outermost) {
        long head = suspensionHead;
        suspensionHead = 0;
        if (head == 0) {
            return outermost;
        }
        long c = head;
        for (int i = 0; c != 0 && i < MAX_STEPS; i++) {
            if (c == outermost) {
                return head;
            }
            c = next(c);
        }
        rt.event(String.format("suspension head 0x%X does not lead to continuation 0x%X; using the latter", head, outermost));
        return outermost;
    }

    /** HandleSuspended: record the chain's head in the Task and queue the Task on the thread pool. */
    private void handleSuspended(long task, long head) {
        uc.writeLong(task + TASK_HEAD, head);
        suspensions++;
        threadPool.addLast(task);
        rt.event(String.format("suspended: Task 0x%X queued, head 0x%X", task, head));
        rt.suspended(suspensions);
    }

    // ---- runs

    void resetRun() {
        suspensions = 0;
        yields = 0;
        continuationsAllocated = 0;
        exceptionsRouted = 0;
        resumptions = new ArrayList<>();
        suspensionHead = 0;
    }

    AsyncRun finishRun(RunOutcome.Completed outcome, long task, boolean sync) {
        return new AsyncRun(outcome, task, sync, suspensions, yields, continuationsAllocated, List.copyOf(resumptions),
                exceptionsRouted);
    }

    boolean isTask(long address) {
        return address >= EmulatedRuntime.HEAP_BASE && address < EmulatedRuntime.HEAP_BASE + EmulatedRuntime.HEAP_SIZE
                && uc.readLong(address) == taskMethodTable;
    }

    long status(long task) {
        return uc.readLong(task + TASK_STATUS);
    }

    long result(long task) {
        return uc.readLong(task + TASK_RESULT);
    }

    GuestException faultOf(long task) {
        long obj = uc.readLong(task + TASK_EXCEPTION);
        return exceptionOf(obj, "Task fault");
    }

    /** Runs queued Tasks in FIFO order until the queue is empty. */
    void runThreadPool() {
        int steps = 0;
        while (!threadPool.isEmpty()) {
            if (++steps > MAX_STEPS) {
                throw new IllegalStateException("the thread pool did not drain after " + MAX_STEPS + " work items");
            }
            dispatchContinuations(threadPool.removeFirst());
        }
    }

    /** RuntimeAsyncTask.DispatchContinuations (runtime-async.md C.4). */
    private void dispatchContinuations(long task) {
        long cur = uc.readLong(task + TASK_HEAD);
        uc.writeLong(task + TASK_HEAD, 0);
        for (int step = 0; ; step++) {
            if (step > MAX_STEPS) {
                throw new IllegalStateException("continuation chain of Task 0x" + Long.toHexString(task) + " does not end");
            }
            long next = next(cur);
            long resultLocation = next != 0 ? slot(next, resultIndex(read32(next + CONTINUATION.flags()))) : task + TASK_RESULT;
            long resumeInfo = uc.readLong(cur + CONTINUATION.resumeInfo());
            long resume = uc.readLong(resumeInfo);
            GuestException thrown = null;
            long newContinuation = 0;
            if (resume == yieldResumeAddress) {
                rt.event(String.format("resume Yield continuation 0x%X: completes immediately", cur));
            } else {
                int state = read32(cur + CONTINUATION.state());
                MethodDesc stub = rt.info().jitManager().methodForCodeAddress(resume - rt.imageBase());
                rt.event(String.format("resume continuation 0x%X state %d through stub 0x%X (%s), result at 0x%X",
                        cur, state, resume, stub == null ? "?" : stub.name(), resultLocation));
                suspensionHead = 0;
                RunOutcome.Completed r = rt.callAddress(resume, cur, resultLocation);
                if (r instanceof RunOutcome.Threw t) {
                    thrown = t.exception();
                } else {
                    newContinuation = ((RunOutcome.Returned) r).value();
                }
                resumptions.add(new AsyncRun.Resumption(cur, state, resume, stub, thrown != null, newContinuation));
            }
            if (thrown != null) {
                long obj = objectOf(thrown);
                long target = next;
                while (target != 0 && exceptionIndex(read32(target + CONTINUATION.flags())) == 0) {
                    rt.event(String.format("exception %d passes continuation 0x%X (no Exception slot)", thrown.code(), target));
                    target = next(target);
                }
                if (target == 0) {
                    uc.writeLong(task + TASK_EXCEPTION, obj);
                    uc.writeLong(task + TASK_STATUS, FAULTED);
                    rt.event(String.format("Task 0x%X faulted with exception %d", task, thrown.code()));
                    return;
                }
                uc.writeLong(slot(target, exceptionIndex(read32(target + CONTINUATION.flags()))), obj);
                exceptionsRouted++;
                rt.event(String.format("exception %d stored in continuation 0x%X", thrown.code(), target));
                cur = target;
                continue;
            }
            if (newContinuation != 0) {
                long linked = next(newContinuation);
                if (linked != 0 && linked != next) {
                    rt.event(String.format("new continuation 0x%X already links to 0x%X; relinking to 0x%X", newContinuation, linked, next));
                }
                uc.writeLong(newContinuation + CONTINUATION.next(), next);
                handleSuspended(task, takeSuspensionHead(newContinuation));
                return;
            }
            if (next == 0) {
                uc.writeLong(task + TASK_STATUS, COMPLETED);
                rt.event(String.format("Task 0x%X completed with %d", task, result(task)));
                return;
            }
            cur = next;
        }
    }
}
