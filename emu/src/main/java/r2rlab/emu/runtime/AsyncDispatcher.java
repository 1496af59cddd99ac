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
import r2rlab.format.r2r.CoreLibMethod;
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
    /** The Flags split of the runtime this one models: the R2R 18.5 images' (Exception bits 3-4, Result from bit 7). */
    static final ContinuationFlags FLAGS = ContinuationFlags.R2R_18_5;

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
    /** The MethodTable of ExecutionContext objects. */
    final long executionContextMethodTable;
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
        this.executionContextMethodTable = methodTable(16);
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

    /** The address of a continuation's Exception slot as its Flags name it, or 0 when it has none. */
    long exceptionSlot(long continuation) {
        int flags = read32(continuation + CONTINUATION.flags());
        return slot(continuation, flags, FLAGS.exceptionIndex(flags), "Exception");
    }

    /** The address of a continuation's Result slot as its Flags name it, or 0 when it has none. */
    long resultSlot(long continuation) {
        int flags = read32(continuation + CONTINUATION.flags());
        return slot(continuation, flags, FLAGS.resultIndex(flags), "Result");
    }

    /**
     * The address of data slot {@code index}, or 0 for index 0 (absent). A slot outside the object means code and
     * runtime disagree on the Flags split: the real runtime would write past the object, this one stops with the
     * continuation, its Flags and its size.
     */
    private long slot(long continuation, int flags, int index, String what) {
        if (index == 0) {
            return 0;
        }
        int offset = CONTINUATION.slot(index);
        int size = read32(uc.readLong(continuation) + 4);
        if (offset + CONTINUATION.pointerSize() > size) {
            throw new IllegalStateException(String.format("continuation 0x%X (%d bytes) has Flags 0x%X, whose %s index %d names +0x%X,"
                    + " outside the object: the code wrote Flags with another split than the %s the runtime reads",
                    continuation, size, flags, what, index, offset, FLAGS.name()));
        }
        return continuation + offset;
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
        rt.coreLib().provide(CoreLibMethod.TASK_FROM_RESULT, (r, call) -> taskFromResult())
                .provide(CoreLibMethod.TASK_GET_COMPLETED_TASK, (r, call) -> completedTask())
                .provide(CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK_OF_T, (r, call) -> finalizeTaskReturningThunk())
                .provide(CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK, (r, call) -> finalizeTaskReturningThunk())
                .provide(CoreLibMethod.YIELD, (r, call) -> yieldSuspend());
    }

    private long arg(int i) {
        return uc.regRead(rt.abi().argumentRegister(i));
    }

    /** A Task of the runtime's, completed with {@code value}. */
    private long completed(long value) {
        long task = allocateObject(taskMethodTable);
        uc.writeLong(task + TASK_STATUS, COMPLETED);
        uc.writeLong(task + TASK_RESULT, value);
        return task;
    }

    /** {@code Task.FromResult<T>(T)} (an exact instantiation over a value type: the value is the only argument). */
    private void taskFromResult() {
        long value = arg(0);
        long task = completed(value);
        rt.event(String.format("Task.FromResult %d -> completed Task 0x%X", value, task));
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /** {@code Task.get_CompletedTask}: a completed Task without a value. */
    private void completedTask() {
        long task = completed(0);
        rt.event(String.format("Task.get_CompletedTask -> completed Task 0x%X", task));
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /**
     * {@code AsyncHelpers.FinalizeTaskReturningThunk[<T>]()}: a new Task, and HandleSuspended, which takes the
     * suspended chain from the thread's state (the sentinel continuation's Next: here the leaf Yield recorded),
     * not from an argument.
     */
    private void finalizeTaskReturningThunk() {
        long head = suspensionHead;
        suspensionHead = 0;
        if (head == 0) {
            throw new IllegalStateException("FinalizeTaskReturningThunk: no suspended continuation chain on this thread");
        }
        long task = allocateObject(taskMethodTable);
        uc.writeLong(task + TASK_STATUS, PENDING);
        rt.event(String.format("FinalizeTaskReturningThunk -> pending Task 0x%X (chain head 0x%X)", task, head));
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

    /**
     * CORINFO_HELP_ALLOC_CONTINUATION(prev, MT): allocate, link prev.Next = new, return new. A null MethodTable comes
     * from a ContinuationLayout cell that was never resolved: the calling method's fixups have not run.
     */
    void allocContinuation(TrapCall call) {
        long prev = arg(0);
        long mt = arg(1);
        if (mt == 0) {
            throw FixupsNotRunException.at(rt, rt.returnAddress(), "AllocContinuation got a null MethodTable");
        }
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
        rt.contexts().startRun();
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
            runWorkItem(threadPool.removeFirst());
        }
    }

    /**
     * A thread-pool work item: DispatchContinuations on a pool thread, whose contexts are none until resumed code
     * restores its own; the thread's contexts are saved before and restored after (ExecutionAndSyncBlockStore).
     */
    private void runWorkItem(long task) {
        ThreadContexts.Saved saved = rt.contexts().enterThreadPool();
        try {
            dispatchContinuations(task);
        } finally {
            rt.contexts().leaveThreadPool(saved);
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
            long resultLocation = next != 0 ? resultSlot(next) : task + TASK_RESULT;
            long resumeInfo = uc.readLong(cur + CONTINUATION.resumeInfo());
            long resume = uc.readLong(resumeInfo);
            GuestException thrown = null;
            long newContinuation = 0;
            if (resume == yieldResumeAddress) {
                rt.event(String.format("resume Yield continuation 0x%X: completes immediately", cur));
            } else {
                int state = read32(cur + CONTINUATION.state());
                MethodDesc stub = rt.info().jitManager().methodForCodeAddress(resume - rt.imageBase());
                if (rt.info().methodDescForEntryPoint(resume - rt.imageBase()) == null) {
                    rt.event(String.format("resume through 0x%X, which is no registered resumption stub (no ResumptionStubEntryPoint"
                            + " fixup for it has run)", resume));
                }
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
                while (target != 0 && exceptionSlot(target) == 0) {
                    rt.event(String.format("exception %d passes continuation 0x%X (no Exception slot)", thrown.code(), target));
                    target = next(target);
                }
                if (target == 0) {
                    uc.writeLong(task + TASK_EXCEPTION, obj);
                    uc.writeLong(task + TASK_STATUS, FAULTED);
                    rt.event(String.format("Task 0x%X faulted with exception %d", task, thrown.code()));
                    return;
                }
                uc.writeLong(exceptionSlot(target), obj);
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
