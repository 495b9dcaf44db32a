/// Wall-clock timing on the monotonic `ContinuousClock`.
///
/// One warm-up iteration, then iterations until both `minTime` has elapsed
/// and `minReps` iterations are done. Each iteration is timed on its own;
/// the figure reported is the median iteration time (best is kept too).
struct Measurement {
    /// Seconds per iteration, in the order they ran.
    var seconds: [Double]

    var median: Double {
        let sorted = seconds.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    var best: Double { seconds.min() ?? .nan }

    /// Throughput in MB/s (10^6 bytes) for `bytes` per iteration, from the median.
    func megabytesPerSecond(bytes: Int) -> Double { Double(bytes) / 1e6 / median }
}

struct TimingPolicy {
    var minTime: Double = 1.0
    var minReps: Int = 7
    var warmups: Int = 1
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// Runs `iteration`, which times its own critical section (so that setup
/// and teardown such as releasing a decoded value stay outside) and returns
/// that duration.
func measure(_ policy: TimingPolicy, _ iteration: () throws -> Duration) rethrows -> Measurement {
    for _ in 0..<policy.warmups { _ = try iteration() }
    var seconds: [Double] = []
    var total = 0.0
    while seconds.count < policy.minReps || total < policy.minTime {
        let elapsed = try iteration().seconds
        seconds.append(elapsed)
        total += elapsed
    }
    return Measurement(seconds: seconds)
}
