/// A task executor that runs jobs on a gateway's I/O thread, between its
/// reads. A task that prefers it (`withTaskExecutorPreference`) is resumed
/// by the very thread that read the item it waited for: no hand-off to
/// another thread per item. Once the I/O thread has ended, jobs go to
/// Swift's global concurrent executor.
public final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    let wakeup: IOWakeup
    private let jobs = Locked((queue: [UnownedJob](), running: true))
    /// The batch taken last, touched by the I/O thread alone. It and the
    /// queue swap buffers, so that taking a batch allocates nothing.
    private var taken: [UnownedJob] = []

    init(wakeup: IOWakeup) {
        self.wakeup = wakeup
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = jobs.withLock { jobs in
            guard jobs.running else { return false }
            jobs.queue.append(job)
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    /// Takes every job queued so far, to be run with ``runTaken()``; how
    /// many. I/O thread only.
    func takePending() -> Int {
        jobs.withLock { swap(&$0.queue, &taken) }
        return taken.count
    }

    /// Runs the jobs ``takePending()`` took. I/O thread only.
    func runTaken() {
        for job in taken { job.runSynchronously(on: asUnownedTaskExecutor()) }
        taken.removeAll(keepingCapacity: true)
    }

    var hasPending: Bool { jobs.withLock { !$0.queue.isEmpty } }

    /// The I/O thread is ending: what is queued and what comes later runs elsewhere.
    func stop() {
        let pending = jobs.withLock { jobs in
            jobs.running = false
            defer { jobs.queue = [] }
            return jobs.queue
        }
        for job in pending { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
