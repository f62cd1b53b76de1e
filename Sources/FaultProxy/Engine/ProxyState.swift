import NIOCore

/// The failure faults; a request suffers at most one of them.
enum FailureFault: CaseIterable {
    case dropBeforeForward, throttle, internalError, serviceUnavailable, unprocessedItems, dropAfterForward
}

/// The faults drawn for one request.
struct FaultDraw {
    var failure: FailureFault?
    var delay: TimeAmount?
}

/// Everything mutable the connections share: draws, capacity, tables, counters. One lock
/// guards all of it (see `ProxyEngine.state`); every operation here is short.
struct ProxyState {
    var generator: SeededGenerator
    var bucket: WriteCapacityBucket?
    var tables = SinkTables()
    var stats = FaultProxyStats()
    /// When the stats were last reset (monotonic nanoseconds).
    var statsEpoch: UInt64
    var requestSerial: UInt64 = 0

    init(configuration: FaultProxyConfiguration, nowNanoseconds: UInt64) {
        generator = SeededGenerator(seed: configuration.faults.seed)
        bucket = configuration.writeCapacity.map { WriteCapacityBucket($0, nowNanoseconds: nowNanoseconds) }
        statsEpoch = nowNanoseconds
    }

    /// Counts a data-plane request and hands out its serial number.
    mutating func recordRequest(_ service: ServiceRequest) -> UInt64 {
        requestSerial += 1
        stats.requests += 1
        stats.requestsByOperation[service.statsName, default: 0] += 1
        return requestSerial
    }

    mutating func draw(_ faults: FaultConfiguration) -> FaultDraw {
        var result = FaultDraw()
        if faults.totalFailureShare > 0 {
            let roll = generator.nextUnit()
            var upper = 0.0
            for fault in FailureFault.allCases {
                upper += faults.share(of: fault)
                if roll < upper {
                    result.failure = fault
                    break
                }
            }
        }
        if let latency = faults.latency, latency.share > 0, generator.nextUnit() < latency.share {
            let minimum = latency.minimum.nanoseconds
            let spread = latency.maximum.nanoseconds - minimum
            let extra = spread > 0 ? Int64(Double(spread) * generator.nextUnit()) : 0
            result.delay = .nanoseconds(minimum + extra)
        }
        return result
    }

    /// Picks which write requests of a batch the unprocessed-items fault holds back: at least
    /// one, never all (a batch of one cannot be split and is left alone).
    mutating func chooseWithheld(count: Int) -> [Bool]? {
        guard count >= 2 else { return nil }
        let withheldCount = Int.random(in: 1..<count, using: &generator)
        var positions = Array(0..<count)
        positions.shuffle(using: &generator)
        var withheld = Array(repeating: false, count: count)
        for position in positions.prefix(withheldCount) { withheld[position] = true }
        return withheld
    }

    /// Books consumed write units in the totals and in the current second's slot.
    mutating func consume(writeUnits: Int, nowNanoseconds: UInt64) {
        guard writeUnits > 0 else { return }
        stats.consumedWriteUnits += writeUnits
        let second = Int((nowNanoseconds &- statsEpoch) / 1_000_000_000)
        if stats.consumedWriteUnitsPerSecond.count <= second {
            stats.consumedWriteUnitsPerSecond.append(
                contentsOf: repeatElement(0, count: second + 1 - stats.consumedWriteUnitsPerSecond.count))
        }
        stats.consumedWriteUnitsPerSecond[second] += writeUnits
    }

    func snapshot(nowNanoseconds: UInt64) -> FaultProxyStats {
        var copy = stats
        copy.elapsedSeconds = Double(nowNanoseconds &- statsEpoch) / 1e9
        return copy
    }

    mutating func resetStats(nowNanoseconds: UInt64) {
        stats = FaultProxyStats()
        statsEpoch = nowNanoseconds
    }
}

extension FaultConfiguration {
    func share(of fault: FailureFault) -> Double {
        switch fault {
        case .dropBeforeForward: dropBeforeForwardShare
        case .throttle: throttleShare
        case .internalError: internalErrorShare
        case .serviceUnavailable: serviceUnavailableShare
        case .unprocessedItems: unprocessedItemsShare
        case .dropAfterForward: dropAfterForwardShare
        }
    }

    func applies(to service: ServiceRequest) -> Bool {
        switch (scope, service) {
        case (.all, _): true
        case (.s3, .s3): true
        case (.dynamoDB(let operations), .dynamoDB(let operation)):
            operations.isEmpty || operations.contains(operation.name)
        // The Streams calls only when named: faults meant for the table's writes and reads
        // leave reverse replication's reads alone.
        case (.dynamoDB(let operations), .dynamoDBStreams(let operation)):
            operations.contains(operation)
        default: false
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
