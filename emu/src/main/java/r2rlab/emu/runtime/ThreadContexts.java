package r2rlab.emu.runtime;

import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.format.r2r.CoreLibMethod;

/**
 * The thread's ExecutionContext and SynchronizationContext, and the AsyncHelpers methods that capture and restore
 * them, with the meanings of CoreLib's source: CaptureContexts on entry to an async variant; RestoreContexts(resumed,
 * ...) on its returns and RestoreContextsOnSuspension(resumed, ...) on its suspensions, both restoring only when
 * {@code resumed} is false (a resumed invocation leaves the dispatcher's contexts alone); CaptureExecutionContext
 * into the continuation at suspension; RestoreExecutionContext from it when the state resumes.
 *
 * <p>The thread that starts a run has an ExecutionContext of its own (a heap object, so that its flow through
 * continuations can be observed); the thread-pool thread that runs the dispatcher starts each work item with no
 * contexts, so code after an await sees the run's ExecutionContext only if its resumption restored it.
 */
final class ThreadContexts {
    private final EmulatedRuntime rt;
    private final CpuEngine uc;
    /** The ExecutionContext of the thread that starts a run. */
    final long callerExecutionContext;
    private long executionContext;
    private long synchronizationContext;

    /** The contexts a dispatcher work item saved (ExecutionAndSyncBlockStore.Push) and restores (Pop). */
    record Saved(long executionContext, long synchronizationContext) {
    }

    ThreadContexts(EmulatedRuntime rt, long executionContextMethodTable) {
        this.rt = rt;
        this.uc = rt.engine();
        this.callerExecutionContext = rt.allocate(16);
        uc.writeLong(callerExecutionContext, executionContextMethodTable);
        this.executionContext = callerExecutionContext;
    }

    void install(CoreLibMethods coreLib) {
        coreLib.provide(CoreLibMethod.CAPTURE_CONTEXTS, (r, call) -> captureContexts())
                .provide(CoreLibMethod.RESTORE_CONTEXTS, (r, call) -> restoreContexts("RestoreContexts"))
                .provide(CoreLibMethod.RESTORE_CONTEXTS_ON_SUSPENSION, (r, call) -> restoreContexts("RestoreContextsOnSuspension"))
                .provide(CoreLibMethod.CAPTURE_EXECUTION_CONTEXT, (r, call) -> captureExecutionContext())
                .provide(CoreLibMethod.RESTORE_EXECUTION_CONTEXT, (r, call) -> restoreExecutionContext())
                .provide(CoreLibMethod.EXECUTION_AND_SYNC_BLOCK_STORE_PUSH, (r, call) -> push(arg(0)))
                .provide(CoreLibMethod.EXECUTION_AND_SYNC_BLOCK_STORE_POP, (r, call) -> pop(arg(0)));
    }

    long executionContext() {
        return executionContext;
    }

    long synchronizationContext() {
        return synchronizationContext;
    }

    /** A run starts on the calling thread, with its own ExecutionContext and no SynchronizationContext. */
    void startRun() {
        executionContext = callerExecutionContext;
        synchronizationContext = 0;
    }

    /** A thread-pool work item begins: the thread's contexts are saved and the pool thread's (none) are in force. */
    Saved enterThreadPool() {
        Saved saved = new Saved(executionContext, synchronizationContext);
        executionContext = 0;
        synchronizationContext = 0;
        return saved;
    }

    /** The work item ends: the saved contexts are back. */
    void leaveThreadPool(Saved saved) {
        executionContext = saved.executionContext();
        synchronizationContext = saved.synchronizationContext();
    }

    private long arg(int i) {
        return uc.regRead(rt.abi().argumentRegister(i));
    }

    /**
     * {@code ExecutionAndSyncBlockStore.Push()} on the struct at {@code this}: the thread's ExecutionContext and
     * SynchronizationContext into its first two fields (a Task-returning method's entry).
     */
    void push(long store) {
        uc.writeLong(store, executionContext);
        uc.writeLong(store + 8, synchronizationContext);
        uc.writeLong(store + 16, 0); // _thread: the model has no Thread object (the GC reports the slot: never garbage)
        rt.event(String.format("ExecutionAndSyncBlockStore.Push [0x%X] = ec 0x%X, sc 0x%X", store, executionContext, synchronizationContext));
    }

    /** {@code ExecutionAndSyncBlockStore.Pop()}: the thread's contexts back from the struct (on every way out: a finally). */
    void pop(long store) {
        long ec = uc.readLong(store);
        long sc = uc.readLong(store + 8);
        rt.event(String.format("ExecutionAndSyncBlockStore.Pop [0x%X]: thread ec 0x%X -> 0x%X", store, executionContext, ec));
        executionContext = ec;
        synchronizationContext = sc;
    }

    /** CaptureContexts(out ExecutionContext, out SynchronizationContext). */
    private void captureContexts() {
        long ec = arg(0);
        long sc = arg(1);
        uc.writeLong(ec, executionContext);
        uc.writeLong(sc, synchronizationContext);
        rt.event(String.format("CaptureContexts [0x%X] = ec 0x%X, [0x%X] = sc 0x%X", ec, executionContext, sc, synchronizationContext));
    }

    /** RestoreContexts / RestoreContextsOnSuspension(bool resumed, ExecutionContext, SynchronizationContext). */
    private void restoreContexts(String name) {
        boolean resumed = (arg(0) & 0xFF) != 0;
        long ec = arg(1);
        long sc = arg(2);
        if (resumed) {
            rt.event(String.format("%s resumed=1 ec=0x%X sc=0x%X: no change", name, ec, sc));
            return;
        }
        rt.event(String.format("%s resumed=0 ec=0x%X sc=0x%X: thread ec 0x%X -> 0x%X", name, ec, sc, executionContext, ec));
        executionContext = ec;
        synchronizationContext = sc;
    }

    /** CaptureExecutionContext(): the thread's ExecutionContext. */
    private void captureExecutionContext() {
        rt.event(String.format("CaptureExecutionContext -> 0x%X", executionContext));
        uc.regWrite(rt.abi().resultRegister, executionContext);
    }

    /** RestoreExecutionContext(ExecutionContext): the thread's ExecutionContext becomes the saved one. */
    private void restoreExecutionContext() {
        long ec = arg(0);
        rt.event(String.format("RestoreExecutionContext 0x%X: thread ec 0x%X -> 0x%X", ec, executionContext, ec));
        executionContext = ec;
    }
}
