package r2rlab.emu.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.LongUnaryOperator;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.ExceptionObject;
import r2rlab.loader.runtime.MethodDesc;

/**
 * The runtime-async side of the emulated runtime (runtime-async.md C): the AsyncHelpers CoreLib
 * methods the emitted code calls, the continuation allocator, Task objects, and the dispatcher
 * ({@code RuntimeAsyncTask.DispatchContinuations}) that resumes continuation chains innermost first.
 * The thread pool is a FIFO queue of suspended Tasks, run by {@link #runThreadPool}: it has no cap
 * on work items (a program may suspend a million times); the run's time limit bounds it instead.
 * The runtime's own Yield continuations are dead once the dispatcher passes them, so they are reused,
 * as a collector would reclaim them.
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

    static final int EXCEPTION_SIZE = ExceptionObject.SIZE;
    static final int EXCEPTION_CODE = ExceptionObject.CODE_OFFSET;
    static final int EXCEPTION_STACK_TRACE = ExceptionObject.STACK_TRACE_OFFSET;
    /** A stack trace array: MethodTable, count, then the count frames' return addresses. */
    static final int STACK_TRACE_HEADER = 16;
    /** Frames a stack trace keeps at most: a loop that rethrows grows it no further. */
    static final int STACK_TRACE_MAX_FRAMES = 1024;

    /** Bound on the walk from a chain's leaf to its outermost continuation (a cyclic chain must not hang it). */
    static final int MAX_CHAIN_WALK = 100_000;

    private final EmulatedRuntime rt;
    private final CpuEngine uc;
    final long taskMethodTable;
    /** The MethodTable of a Task whose result is a reference (Task&lt;Box&gt;): its result field is traced; made when first needed. */
    private long taskOfReferenceMethodTable;
    final long exceptionMethodTable;
    /** The array type of the stack traces a dispatch records in exception objects. */
    /** Exceptions whose object a collection forgot (weakly held themselves: the runtime may drop them too). */
    private final Set<GuestException> collectedExceptions = Collections.newSetFromMap(new WeakHashMap<>());
    final long stackTraceMethodTable;
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
    /** Yield continuations the dispatcher has passed: nothing refers to them any more. */
    private final ArrayDeque<Long> deadYieldContinuations = new ArrayDeque<>();
    /** Thread-local leaf-suspension state (the sentinel's Next): the innermost continuation of the chain being built. */
    private long suspensionHead;

    /** The Task the run waits for (where a collection moved it). */
    private long runTask;
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
        this.exceptionMethodTable = MethodTableLayout.allocate(rt, EXCEPTION_SIZE, List.of(EXCEPTION_STACK_TRACE));
        this.stackTraceMethodTable = methodTable(STACK_TRACE_HEADER);
        this.executionContextMethodTable = methodTable(16);
        this.yieldContinuationMethodTable = methodTable(CONTINUATION.data());
        // The result cell holds the integer the language's Tasks complete with.
        rt.gcHeap().register(taskMethodTable, new GcHeap.Layout("Task", TASK_SIZE, List.of(TASK_HEAD, TASK_EXCEPTION)));

        rt.gcHeap().register(exceptionMethodTable, new GcHeap.Layout("System.Exception", EXCEPTION_SIZE, List.of(EXCEPTION_STACK_TRACE)));
        rt.gcHeap().register(stackTraceMethodTable, new GcHeap.Layout("StackTrace", STACK_TRACE_HEADER, List.of()));
        rt.gcHeap().register(yieldContinuationMethodTable, new GcHeap.Layout("Continuation (Yield)", CONTINUATION.data(),
                List.of(CONTINUATION.next())));
        this.yieldResumeAddress = yieldResumeAddress;
        this.yieldResumeInfo = rt.allocate(16);
        uc.writeLong(yieldResumeInfo, yieldResumeAddress);
        uc.writeLong(yieldResumeInfo + 8, yieldResumeAddress);
    }

    /** A trace event, formatted only when someone takes the trace. */
    private void event(String format, Object... args) {
        if (rt.tracing()) {
            rt.event(String.format(format, args));
        }
    }

    /** A MethodTable the heap sizes objects by: the base size at +4; the object holds no references the GC traces. */
    long methodTable(int baseSize) {
        return MethodTableLayout.allocate(rt, baseSize, List.of());
    }

    // ---- memory

    int read32(long address) {
        return uc.readInt(address);
    }

    void write32(long address, int v) {
        uc.memWrite(address, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    /**
     * Allocates an object of {@code mt} (zeroed, MethodTable* at +0, size from MethodTable+4) in the GC heap; when
     * the semispace is full at a safepoint, after a collection. The space is zeroed as it is allocated.
     */
    long allocateObject(long mt) {
        int size = read32(mt + 4);
        if (size < 8 || size > (1 << 20)) {
            throw new IllegalStateException(String.format("MethodTable 0x%X has base size %d", mt, size));
        }
        return allocate(mt, size);
    }

    /** An object of {@code mt} of {@code size} bytes (an array: its base size and its elements), as {@link #allocateObject}. */
    private long allocate(long mt, int size) {
        long obj = rt.gcHeap().allocate(mt, size);
        if (obj == 0 && rt.collectForAllocation()) {
            obj = rt.gcHeap().allocate(mt, size);
        }
        if (obj == 0) {
            throw new IllegalStateException("emulated GC heap exhausted (" + rt.gcHeap().spaceLimit() + " bytes a semispace)");
        }
        byte[] zero = new byte[size];
        putLong(zero, 0, mt);
        uc.memWrite(obj, zero);
        return obj;
    }

    /** The references the dispatcher holds (queued Tasks, the chain being dispatched), for a collection. */
    void relocateRoots(LongUnaryOperator relocate) {
        List<Long> queued = new ArrayList<>(threadPool);
        threadPool.clear();
        queued.forEach(t -> threadPool.addLast(relocate.applyAsLong(t)));
        deadYieldContinuations.clear(); // dead: the collection reclaims them
        suspensionHead = relocate.applyAsLong(suspensionHead);
        runTask = relocate.applyAsLong(runTask);
        task = relocate.applyAsLong(task);
        cur = relocate.applyAsLong(cur);
        next = relocate.applyAsLong(next);
        resultLocation = relocate.applyAsLong(resultLocation);
    }

    /**
     * The exception objects the dispatcher knows (for a rethrow's identity and stack trace) are weak references: after
     * a collection, {@code survivor} gives an object's new address, or 0 when nothing else kept it alive.
     */
    void relocateWeakRoots(LongUnaryOperator survivor) {
        Map<Long, GuestException> byObject = new HashMap<>(exceptionsByObject);
        exceptionsByObject.clear();
        byObject.forEach((obj, e) -> {
            long moved = survivor.applyAsLong(obj);
            if (moved != 0) {
                exceptionsByObject.put(moved, e);
                objectsByException.put(e, moved);
            } else {
                objectsByException.remove(e);
                collectedExceptions.add(e);
            }
        });
    }

    private static void putLong(byte[] bytes, int offset, long value) {
        for (int i = 0; i < 8; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
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

    /**
     * Appends the return addresses of the frames a dispatch's first pass visited ({@code frames}, innermost first) to
     * the stack trace of {@code e}'s exception object, as the runtime's StackTraceInfo does for each dispatch (a throw
     * of an object starts afresh: {@link #resetStackTrace}): a new array of the old frames and these, stored into the
     * object through the runtime's barrier. At {@link #STACK_TRACE_MAX_FRAMES} the oldest frames are kept and new ones
     * dropped. The allocation may collect; the object is found again by {@code e}. Returns its (possibly new) address.
     */
    long appendStackTrace(GuestException e, List<Long> frames) {
        long obj = objectOf(e);
        long old = uc.readLong(obj + EXCEPTION_STACK_TRACE);
        int have = old == 0 ? 0 : (int) uc.readLong(old + 8);
        int count = Math.min(STACK_TRACE_MAX_FRAMES, have + frames.size());
        if (count == have) {
            return obj;
        }
        long array = allocate(stackTraceMethodTable, STACK_TRACE_HEADER + 8 * count);
        obj = objectOf(e);
        old = uc.readLong(obj + EXCEPTION_STACK_TRACE);
        byte[] bytes = new byte[8 + 8 * count];
        putLong(bytes, 0, count);
        if (have > 0) {
            System.arraycopy(uc.memRead(old + STACK_TRACE_HEADER, 8 * have), 0, bytes, 8, 8 * have);
        }
        for (int i = have; i < count; i++) {
            putLong(bytes, 8 + 8 * i, frames.get(i - have));
        }
        uc.memWrite(array + 8, bytes);
        rt.storeReference(obj + EXCEPTION_STACK_TRACE, array);
        return obj;
    }

    /**
     * The return addresses the stack trace of {@code e}'s exception object holds, innermost first of each dispatch;
     * empty when the object has none, or when a collection forgot the object (nothing kept it alive).
     */
    List<Long> stackTrace(GuestException e) {
        Long obj = objectsByException.get(e);
        long array = obj == null ? 0 : uc.readLong(obj + EXCEPTION_STACK_TRACE);
        List<Long> out = new ArrayList<>();
        if (array != 0) {
            int count = (int) Math.min(STACK_TRACE_MAX_FRAMES, uc.readLong(array + 8));
            for (int i = 0; i < count; i++) {
                out.add(uc.readLong(array + STACK_TRACE_HEADER + 8L * i));
            }
        }
        return out;
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

    /** The object of {@code e}, made now for an exception that has none yet. */
    long objectOf(GuestException e) {
        Long obj = objectsByException.get(e);
        if (obj != null) {
            return obj;
        }
        if (collectedExceptions.contains(e)) {
            // The runtime still holds the exception, so its object must be alive: a root the collector missed.
            throw new IllegalStateException("the object of exception " + e.code() + " was collected while the runtime still held the exception");
        }
        return newException(e);
    }

    /** A throw (Throw, not a rethrow) of an object that already carries a trace starts a new one, as the runtime's does. */
    void resetStackTrace(long obj) {
        if (uc.readLong(obj + EXCEPTION_STACK_TRACE) != 0) {
            rt.storeReference(obj + EXCEPTION_STACK_TRACE, 0);
        }
    }

    // ---- CoreLib AsyncHelpers and the AllocContinuation helper

    void install() {
        rt.coreLib().provide(CoreLibMethod.TASK_FROM_RESULT, (r, call) -> taskFromResult(taskMethodTable))
                .provide(referenceKey(CoreLibMethod.TASK_FROM_RESULT), (r, call) -> taskFromResult(taskOfReferenceMethodTable()))
                .provide(referenceKey(CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK_OF_T),
                        (r, call) -> uc.regWrite(rt.abi().resultRegister, pendingTask("FinalizeTaskReturningThunk", taskOfReferenceMethodTable())))
                .provide(CoreLibMethod.TASK_GET_COMPLETED_TASK, (r, call) -> completedTask())
                .provide(CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK_OF_T, (r, call) -> finalizeTaskReturningThunk())
                .provide(CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK, (r, call) -> finalizeTaskReturningThunk())
                .provide(CoreLibMethod.TASK_FROM_EXCEPTION_OF_T, (r, call) -> taskFromException())
                .provide(CoreLibMethod.TASK_FROM_EXCEPTION, (r, call) -> taskFromException())
                .provide(CoreLibMethod.YIELD, (r, call) -> yieldSuspend());
    }

    private long arg(int i) {
        return uc.regRead(rt.abi().argumentRegister(i));
    }

    /** A Task of the runtime's, completed with {@code value}. */
    /**
     * The key a generic CoreLib method is provided under for an instantiation over a class ({@code Task<Box>}): its Task
     * has the MethodTable whose result field the collector traces.
     */
    private long taskOfReferenceMethodTable() {
        if (taskOfReferenceMethodTable == 0) {
            taskOfReferenceMethodTable = methodTable(TASK_SIZE);
            rt.gcHeap().register(taskOfReferenceMethodTable, new GcHeap.Layout("Task<object>", TASK_SIZE,
                    List.of(TASK_RESULT, TASK_HEAD, TASK_EXCEPTION)));
        }
        return taskOfReferenceMethodTable;
    }

    static String referenceKey(CoreLibMethod method) {
        return method.key() + "<object>";
    }

    long completed(long value) {
        return completed(value, taskMethodTable);
    }

    private long completed(long value, long methodTable) {
        long task = allocateObject(methodTable);
        uc.writeLong(task + TASK_STATUS, COMPLETED);
        uc.writeLong(task + TASK_RESULT, value);
        return task;
    }

    /** {@code Task.FromResult<T>(T)} (an exact instantiation over a value type: the value is the only argument). */
    private void taskFromResult(long methodTable) {
        long task = completed(0, methodTable);
        long value = arg(0); // read after the allocation, which may have moved a reference
        uc.writeLong(task + TASK_RESULT, value);
        event("Task.FromResult %d -> completed Task 0x%X%s", value, task, methodTable == taskOfReferenceMethodTable ? " (of a reference)" : "");
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /**
     * {@code AsyncHelpers.TaskFromException[<T>](Exception)}: a Task faulted with the exception (the catch funclet of a
     * Task-returning method; an exact instantiation over a value type, so the exception is the only argument).
     */
    private void taskFromException() {
        long task = allocateObject(taskMethodTable);
        long exception = arg(0); // read after the allocation, which may have moved it
        uc.writeLong(task + TASK_STATUS, FAULTED);
        rt.storeReference(task + TASK_EXCEPTION, exception);
        suspensionHead = 0; // the chain the throw cut short is not the Task's
        event("TaskFromException 0x%X -> faulted Task 0x%X", exception, task);
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /** {@code Task.get_CompletedTask}: a completed Task without a value. */
    private void completedTask() {
        long task = completed(0);
        event("Task.get_CompletedTask -> completed Task 0x%X", task);
        uc.regWrite(rt.abi().resultRegister, task);
    }

    /**
     * {@code AsyncHelpers.FinalizeTaskReturningThunk[<T>]()}: a new Task, and HandleSuspended, which takes the
     * suspended chain from the thread's state (the sentinel continuation's Next: here the leaf Yield recorded),
     * not from an argument.
     */
    private void finalizeTaskReturningThunk() {
        uc.regWrite(rt.abi().resultRegister, pendingTaskOfSuspension("FinalizeTaskReturningThunk"));
    }

    /** A Task of the runtime's, faulted with the exception object {@code exception}. */
    long faulted(long exception) {
        long task = allocateObject(taskMethodTable);
        uc.writeLong(task + TASK_STATUS, FAULTED);
        rt.storeReference(task + TASK_EXCEPTION, exception);
        return task;
    }

    /** The pending Task a Finalize*ReturningThunk returns: HandleSuspended over the chain the thread's suspension left. */
    long pendingTaskOfSuspension(String caller) {
        return pendingTask(caller, taskMethodTable);
    }

    private long pendingTask(String caller, long methodTable) {
        if (suspensionHead == 0) {
            throw new IllegalStateException(caller + ": no suspended continuation chain on this thread");
        }
        long task = allocateObject(methodTable);
        long head = suspensionHead; // where the allocation's collection left it
        suspensionHead = 0;
        uc.writeLong(task + TASK_STATUS, PENDING);
        event("%s -> pending Task 0x%X (chain head 0x%X)", caller, task, head);
        handleSuspended(task, head);
        return task;
    }

    /** AsyncHelpers.Yield with the async calling convention: always suspends with a runtime continuation. */
    private void yieldSuspend() {
        long incoming = arg(0); // the hidden continuation argument: null on a normal call
        if (incoming != 0) {
            throw new IllegalStateException(String.format("Yield called with continuation 0x%X (it is never resumed by a stub)", incoming));
        }
        int size = CONTINUATION.data();
        long cont = deadYieldContinuations.isEmpty() ? allocateObject(yieldContinuationMethodTable) : deadYieldContinuations.removeLast();
        byte[] bytes = new byte[size];
        putLong(bytes, 0, yieldContinuationMethodTable);
        putLong(bytes, CONTINUATION.resumeInfo(), yieldResumeInfo);
        uc.memWrite(cont, bytes);
        suspensionHead = cont; // TransparentSuspend…: the sentinel's Next
        yields++;
        event("Yield suspends: runtime continuation 0x%X", cont);
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
        rt.allocating();
        long cont = allocateObject(mt);
        prev = arg(0); // the allocation's collection updated the argument register
        if (prev != 0) {
            rt.storeReference(prev + CONTINUATION.next(), cont);
        }
        continuationsAllocated++;
        event("AllocContinuation prev 0x%X MT 0x%X -> 0x%X", prev, mt, cont);
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
        for (int i = 0; c != 0 && i < MAX_CHAIN_WALK; i++) {
            if (c == outermost) {
                return head;
            }
            c = next(c);
        }
        event("suspension head 0x%X does not lead to continuation 0x%X; using the latter", head, outermost);
        return outermost;
    }

    /** HandleSuspended: record the chain's head in the Task and queue the Task on the thread pool. */
    private void handleSuspended(long task, long head) {
        rt.storeReference(task + TASK_HEAD, head);
        suspensions++;
        threadPool.addLast(task);
        event("suspended: Task 0x%X queued, head 0x%X", task, head);
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
        task = 0;
        threadPool.clear(); // Tasks a run left behind (it timed out or faulted) are not continued by the next run
        rt.contexts().startRun();
    }

    AsyncRun finishRun(RunOutcome.Completed outcome, long task, boolean sync) {
        return new AsyncRun(outcome, task, sync, suspensions, yields, continuationsAllocated, List.copyOf(resumptions),
                exceptionsRouted);
    }

    boolean isTask(long address) {
        if (!rt.gcHeap().isObject(address)) {
            return false;
        }
        long mt = uc.readLong(address);
        return mt == taskMethodTable || mt != 0 && mt == taskOfReferenceMethodTable;
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

    /**
     * Runs queued Tasks in FIFO order until the queue is empty (or the run's time limit ends it). The
     * resumption stubs are called as one chain of calls ({@link Runner#callChain}): when a stub returns
     * or throws, the next step is taken inside the exit trap and the next stub is entered from there,
     * so the whole drain is one emulation slice rather than one per resumption.
     */
    void runThreadPool(long runTask) {
        this.runTask = runTask;
        Runner.Call first = advance();
        if (first != null) {
            rt.callChain(first, outcome -> {
                resumed(outcome);
                return advance();
            });
        }
    }

    // RuntimeAsyncTask.DispatchContinuations (runtime-async.md C.4), one step at a time: the Task being
    // dispatched (0 between Tasks) with the pool thread's saved contexts, the continuation being resumed,
    // its Next and where its result goes, and the stub call in flight.
    private long task;
    private ThreadContexts.Saved savedContexts;
    private long cur;
    private long next;
    private long resultLocation;
    private int resumedState;
    private long resumedResumeInfo;
    private long resumedStub;
    private MethodDesc resumedStubDesc;

    /**
     * Takes dispatcher steps until a resumption stub must be called (returned) or the thread pool is empty (null).
     * Each Task is a work item on a pool thread, whose contexts are none until resumed code restores its own; the
     * thread's contexts are saved when the item starts and restored when it ends (ExecutionAndSyncBlockStore).
     */
    private Runner.Call advance() {
        while (true) {
            rt.checkDeadline(); // a broken (cyclic) chain ends with the run's time limit
            if (task == 0) {
                if (threadPool.isEmpty()) {
                    return null;
                }
                task = threadPool.removeFirst();
                savedContexts = rt.contexts().enterThreadPool();
                cur = uc.readLong(task + TASK_HEAD);
                rt.storeReference(task + TASK_HEAD, 0);
            }
            next = next(cur);
            resultLocation = next != 0 ? resultSlot(next) : task + TASK_RESULT;
            long resumeInfo = uc.readLong(cur + CONTINUATION.resumeInfo());
            long resume = uc.readLong(resumeInfo);
            if (resume == yieldResumeAddress) {
                event("resume Yield continuation 0x%X: completes immediately", cur);
                deadYieldContinuations.addLast(cur);
                afterResume(null, 0);
                continue;
            }
            resumedState = read32(cur + CONTINUATION.state());
            resumedResumeInfo = resumeInfo;
            resumedStub = resume;
            resumedStubDesc = rt.info().jitManager().methodForCodeAddress(resume - rt.imageBase());
            if (rt.tracing() && rt.info().methodDescForEntryPoint(resume - rt.imageBase()) == null) {
                event("resume through 0x%X, which is no registered resumption stub (no ResumptionStubEntryPoint fixup for it has run)",
                        resume);
            }
            event("resume continuation 0x%X state %d through stub 0x%X (%s), result at 0x%X",
                    cur, resumedState, resume, resumedStubDesc == null ? "?" : resumedStubDesc.name(), resultLocation);
            suspensionHead = 0;
            return new Runner.Call(resume, cur, resultLocation);
        }
    }

    /** The Task the run waits for, where it is now. */
    long runTask() {
        return runTask;
    }

    /** The resumed stub returned (a new continuation, or null) or threw: record the resumption and route its outcome. */
    private void resumed(RunOutcome.Completed r) {
        GuestException thrown = null;
        long newContinuation = 0;
        if (r instanceof RunOutcome.Threw t) {
            thrown = t.exception();
        } else {
            newContinuation = ((RunOutcome.Returned) r).value();
        }
        resumptions.add(new AsyncRun.Resumption(cur, resumedState, resumedResumeInfo, resumedStub, resumedStubDesc, thrown != null, newContinuation));
        // between resumptions no managed frame is on the stack: an allocation may collect with the runtime's roots alone
        GuestException exception = thrown;
        long continuation = newContinuation;
        rt.withoutManagedFrames(() -> afterResume(exception, continuation));
    }

    /**
     * The rest of a step: store an exception in the first continuation with an Exception slot (or fault
     * the Task), queue a re-suspended Task, complete the Task, or move on to Next.
     */
    private void afterResume(GuestException thrown, long newContinuation) {
        if (thrown != null) {
            long obj = objectOf(thrown);
            long target = next;
            while (target != 0 && exceptionSlot(target) == 0) {
                event("exception %d passes continuation 0x%X (no Exception slot)", thrown.code(), target);
                target = next(target);
            }
            if (target == 0) {
                rt.storeReference(task + TASK_EXCEPTION, obj);
                uc.writeLong(task + TASK_STATUS, FAULTED);
                event("Task 0x%X faulted with exception %d", task, thrown.code());
                endWorkItem();
                return;
            }
            rt.storeReference(exceptionSlot(target), obj);
            exceptionsRouted++;
            event("exception %d stored in continuation 0x%X", thrown.code(), target);
            cur = target;
            return;
        }
        if (newContinuation != 0) {
            long linked = next(newContinuation);
            if (linked != 0 && linked != next) {
                event("new continuation 0x%X already links to 0x%X; relinking to 0x%X", newContinuation, linked, next);
            }
            rt.storeReference(newContinuation + CONTINUATION.next(), next);
            long suspended = task;
            endWorkItem();
            handleSuspended(suspended, takeSuspensionHead(newContinuation));
            return;
        }
        if (next == 0) {
            uc.writeLong(task + TASK_STATUS, COMPLETED);
            event("Task 0x%X completed with %d", task, result(task));
            endWorkItem();
            return;
        }
        cur = next;
    }

    /** The work item's Task is done with for now: the pool thread gets its contexts back. */
    private void endWorkItem() {
        task = 0;
        rt.contexts().leaveThreadPool(savedContexts);
        savedContexts = null;
    }
}
