import AsyncHTTPClient
import BillingModel
import BillingService
import BillingStores
import CutoverCore
import Foundation
import MySQLSource
import NIOCore
import Telemetry
import TrafficSwitch

/// CloudWatch alarm states of the alarms the operator named (`--alarm`).
public struct CloudWatchAlarms: AlarmStateSource {
    let cloudWatch: CloudWatchClient
    let names: [String]

    public init(cloudWatch: CloudWatchClient, names: [String]) {
        self.cloudWatch = cloudWatch
        self.names = names
    }

    public func alarms() async throws -> [CutoverObservations.Alarm] {
        guard !names.isEmpty else { return [] }
        let states = try await cloudWatch.alarmStates(names: names)
        let unknown = names.filter { states[$0] == nil }
        // A mistyped name must not pass as "not in ALARM".
        guard unknown.isEmpty else { throw CutoverExecutorError("CloudWatch has no alarm named \(unknown.joined(separator: ", "))") }
        return names.map { CutoverObservations.Alarm(name: $0, state: states[$0]!) }
    }
}

/// No alarm watched.
public struct NoAlarms: AlarmStateSource {
    public init() {}
    public func alarms() async throws -> [CutoverObservations.Alarm] { [] }
}

/// MySQL's binlog end over one pooled connection.
public struct MySQLBinlogPosition: MySQLPositionSource {
    let pool: MySQLConnectionPool

    public init(pool: MySQLConnectionPool) {
        self.pool = pool
    }

    public func currentPosition() async throws -> SourcePosition {
        guard let end = try await pool.withConnection({ connection in try connection.binlogEnd() }) else {
            throw CutoverExecutorError("MySQL's binary log is off (SHOW MASTER STATUS is empty): the cutover needs the binlog position")
        }
        return end.sourcePosition(rowIndex: 0)
    }
}

/// No MySQL given: every gate or drain that needs its position says so.
public struct MissingMySQLPosition: MySQLPositionSource {
    public init() {}

    public func currentPosition() async throws -> SourcePosition {
        throw CutoverExecutorError("this step needs MySQL's binlog position: give --mysql mysql://USER@HOST:PORT/DATABASE")
    }
}

/// The billing services' HTTP endpoints: `/health/ready` and `/metrics`.
public struct ServiceEndpoints: Sendable {
    public var blue: [String]
    public var green: [String]
    public var timeout: Duration

    public init(blue: [String], green: [String], timeout: Duration = .seconds(2)) {
        self.blue = blue.map(Self.trimmed)
        self.green = green.map(Self.trimmed)
        self.timeout = timeout
    }

    static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func get(_ url: String) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url), timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (response.status.code, String(buffer: body))
    }

    /// How many of `urls` answer `/health/ready` with 200.
    public func readiness(_ urls: [String]) async -> CutoverObservations.Readiness {
        var ready = 0
        for url in urls {
            if (try? await get(url + "/health/ready").status) == 200 { ready += 1 }
        }
        return .init(ready: ready, total: urls.count)
    }

    /// The sum of `urls`' metrics; nil when none answered.
    public func metrics(_ urls: [String]) async -> ServiceMetricsSnapshot? {
        var sum: ServiceMetricsSnapshot?
        for url in urls {
            guard let answer = try? await get(url + "/metrics"), answer.status == 200 else { continue }
            sum = (sum ?? ServiceMetricsSnapshot()) + ServiceMetricsSnapshot(prometheusText: answer.body)
        }
        return sum
    }
}

/// Measures the gates' inputs from the control items, MySQL and the services.
public struct LiveCutoverObserver: CutoverObserver {
    let control: any CutoverControlStore
    let mysql: any MySQLPositionSource
    let validation: any ValidationRunSource
    let services: ServiceEndpoints
    let alarms: any AlarmStateSource
    let maxLag: Duration
    let pollInterval: Duration

    public init(
        control: any CutoverControlStore, mysql: any MySQLPositionSource, validation: any ValidationRunSource, services: ServiceEndpoints,
        alarms: any AlarmStateSource = NoAlarms(), maxLag: Duration, pollInterval: Duration = .milliseconds(100)
    ) {
        self.control = control
        self.mysql = mysql
        self.validation = validation
        self.services = services
        self.alarms = alarms
        self.maxLag = maxLag
        self.pollInterval = pollInterval
    }

    public func observe(_ gates: [CutoverGate]) async -> CutoverObservations {
        var observed = CutoverObservations(now: Date().timeIntervalSince1970)
        if gates.contains(.streamLag) { observed.streamLagMilliseconds = await streamLag() }
        if gates.contains(.recentValidation) { observed.lastValidation = try? await validation.lastValidation() }
        if gates.contains(.shadowClean) {
            observed.shadow = await services.metrics(services.blue + services.green).map {
                .init(compares: Int($0.shadowCompares), mismatches: Int($0.shadowMismatches))
            }
        }
        if gates.contains(.greenReady) { observed.greenReady = await services.readiness(services.green) }
        // nil (unreadable) refuses the gate with what to check.
        if gates.contains(.noAlarm) { observed.alarms = try? await alarms.alarms() }
        return observed
    }

    /// The time the forward stream takes to publish MySQL's position of now, waited
    /// for up to the bound and a second (its checkpoint interval counts in it).
    /// nil when unknown: no MySQL, or the stream never published.
    func streamLag() async -> Double? {
        guard let target = try? await mysql.currentPosition() else { return nil }
        let wanted = ReplicationPosition(orderingKey: target.orderingKey)
        let start = ContinuousClock.now
        while true {
            guard let applied = try? await control.forwardStreamPosition() else { return nil }
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            if applied >= wanted || elapsed > maxLag + .seconds(1) { return milliseconds }
            try? await Task.sleep(for: pollInterval)
        }
    }
}

/// Green's health between samples: requests, 5xx and p99 from the green
/// instances' `/metrics`, readiness from their `/health/ready` and the load
/// balancer's health check (its 5xx count too, when it keeps one).
public actor LiveGreenHealthProbe: GreenHealthProbe {
    let services: ServiceEndpoints
    let traffic: any TrafficSwitch
    let alarms: any AlarmStateSource
    var lastMetrics = ServiceMetricsSnapshot()
    var lastStatus: TrafficStatus?

    public init(services: ServiceEndpoints, traffic: any TrafficSwitch, alarms: any AlarmStateSource = NoAlarms()) {
        self.services = services
        self.traffic = traffic
        self.alarms = alarms
    }

    public func sample() async -> HealthSample {
        let metrics = await services.metrics(services.green) ?? lastMetrics
        let (requests, errors, p99) = metrics.since(lastMetrics)
        lastMetrics = metrics
        let readiness = await services.readiness(services.green)
        let status = try? await traffic.status()
        var balancerErrors = 0
        if let status, let lastStatus, let delta = status.greenDelta(since: lastStatus) { balancerErrors = delta.errors }
        lastStatus = status
        // A balancer that registers no targets (an ALB whose health lives elsewhere) does not veto.
        let balancerHealthy = status.map { $0.green.totalTargets == 0 || $0.green.isHealthy } ?? false
        let ready = readiness.total > 0 && readiness.ready == readiness.total && balancerHealthy
        // An alarm that cannot be read counts as firing: the ramp must not go on blind.
        let firing = (try? await alarms.alarms()).map { $0.filter { $0.state == "ALARM" }.map(\.name) } ?? ["(alarm states unreadable)"]
        return HealthSample(
            requests: requests, errors: max(errors, balancerErrors), p99Milliseconds: p99, ready: ready, alarmsFiring: firing)
    }
}
