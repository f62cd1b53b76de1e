// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: pure core (DynamoDBModel, BillingModel, MigrationCore, CutoverCore) <- I/O adapters
// (AWSSigV4 <- AWSCore <- DynamoDB/S3/ELBv2, DMSStaging, MySQLSource, TrafficSwitch) <- Migration <- billmig.
let package = Package(
    name: "billmig",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "billmig", targets: ["billmig"]),
        .executable(name: "billmig-fault-proxy", targets: ["billmig-fault-proxy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: Pure core (no I/O)
        .target(name: "DynamoDBModel"),
        // Day numbers of the Gregorian calendar, shared by every date format in the tool.
        .target(name: "CivilCalendar"),
        .target(name: "BillingModel", dependencies: ["DynamoDBModel", "CivilCalendar"]),
        .target(name: "MigrationCore", dependencies: ["BillingModel", "DynamoDBModel", "Backoff", "CivilCalendar"]),
        // The one exponential backoff (full jitter or none) every retry loop uses.
        .target(name: "Backoff"),
        // The plan's figures (issue 16): sketches (distinct counts, heavy hitters,
        // sizes), the report, its costs, warnings and advice.
        .target(name: "PlanCore", dependencies: ["BillingModel", "DynamoDBModel"]),
        // The cutover's pure parts: workflow, gates, audit trail, traffic ramp (issue 12).
        .target(name: "CutoverCore", dependencies: ["BillingModel"]),
        // The links to the data centre as AWS reports them and as probes find them, judged (issue 13).
        .target(name: "NetworkCore"),

        // MARK: AWS layer
        .target(name: "AWSSigV4", dependencies: ["CivilCalendar", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "AWSCore",
            dependencies: [
                "AWSSigV4",
                "Backoff",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "DynamoDB", dependencies: ["AWSCore", "DynamoDBModel", "Backoff"]),
        .target(name: "S3", dependencies: ["AWSCore"]),
        // SQS (JSON protocol) and the S3 event notifications it carries: the workers' queue (issue 14).
        .target(name: "SQS", dependencies: ["AWSCore"]),
        .target(name: "ELBv2", dependencies: ["AWSCore"]),
        // VPN and Direct Connect states (EC2, Direct Connect APIs) and TCP route probes.
        .target(
            name: "NetworkMonitor",
            dependencies: [
                "AWSCore", "NetworkCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        // MARK: Sources
        .target(
            name: "DMSStaging",
            dependencies: [
                "BillingModel",
                "SampleData",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        // Deterministic sample billing data (pure: no I/O).
        .target(name: "SampleData", dependencies: ["BillingModel", "CivilCalendar"]),

        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        // Fixed-signature wrappers for libmariadb's variadic functions and macros.
        .target(name: "CMariaDBShim", dependencies: ["CMariaDB"]),
        .target(name: "MySQLSource", dependencies: ["CMariaDB", "CMariaDBShim", "BillingModel", "CivilCalendar", "Backoff"]),
        // Filling MySQL: sample data (`generate --to mysql://`) and the change workload (`workload`).
        .target(name: "MySQLWorkload", dependencies: ["MySQLSource", "SampleData", "BillingModel", "MigrationCore"]),

        // MARK: Pipeline
        .target(
            name: "Migration",
            dependencies: [
                "BillingModel", "DynamoDBModel", "MigrationCore", "DynamoDB", "S3", "SQS", "DMSStaging", "AWSCore", "MySQLSource", "Backoff",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Planning (issue 16): the plan's reading pass, and the per-entity pacing `load --plan` applies
        .target(
            name: "Planning",
            dependencies: ["PlanCore", "BillingModel", "DynamoDBModel", "DMSStaging", "MySQLSource", "Migration", "MigrationCore"],
            resources: [.copy("Resources/dynamodb-prices.json")]
        ),

        // MARK: Infrastructure (issue 17): the metric catalogue, and what the CloudFormation stacks take from the code
        .target(
            name: "Telemetry",
            dependencies: [
                "AWSCore", "MigrationCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(name: "Infrastructure", dependencies: ["BillingModel", "DynamoDB", "S3", "SQS", "DMSStaging", "Telemetry", "NetworkMonitor"]),

        // MARK: Validation (issue 4): the pure comparison, and its MySQL and DynamoDB driver
        .target(name: "ValidationCore", dependencies: ["BillingModel", "DynamoDBModel"]),
        .target(
            name: "Validation",
            dependencies: [
                "ValidationCore", "Migration", "MigrationCore", "BillingModel", "DynamoDBModel", "DynamoDB", "AWSCore",
                "MySQLSource",
            ]
        ),

        // MARK: The billing service (issue 11): pure core, its two stores, and the HTTP server
        .target(name: "BillingService", dependencies: ["BillingModel", "DynamoDBModel", "CivilCalendar", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "BillingStores",
            dependencies: ["BillingService", "BillingModel", "DynamoDBModel", "DynamoDB", "AWSCore", "MySQLSource", "Backoff"]
        ),
        .target(
            name: "BillingServer",
            dependencies: [
                "BillingService", "BillingStores",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: Cutover (issue 12): the load balancers behind one protocol
        .target(
            name: "TrafficSwitch",
            dependencies: ["CutoverCore", "ELBv2"]
        ),
        // The executor: runs a cutover plan against the control items, MySQL, the services and a TrafficSwitch.
        .target(
            name: "Cutover",
            dependencies: [
                "CutoverCore", "TrafficSwitch", "BillingModel", "BillingService", "BillingStores", "DynamoDB", "DynamoDBModel",
                "MySQLSource", "ValidationCore", "Telemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: Edges
        .executableTarget(
            name: "billmig",
            dependencies: [
                "Migration", "MigrationCore", "BillingModel", "DynamoDBModel", "DMSStaging", "SampleData",
                "AWSCore", "DynamoDB", "S3", "SQS", "MySQLSource", "MySQLWorkload",
                "Validation", "ValidationCore", "PlanCore", "Planning", "Infrastructure", "Telemetry", "BillingService", "BillingStores", "BillingServer",
                "Cutover", "CutoverCore", "TrafficSwitch", "ELBv2", "NetworkCore", "NetworkMonitor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FaultProxy",
            dependencies: [
                "AWSSigV4",
                "CivilCalendar",
                "DynamoDBModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "billmig-fault-proxy",
            dependencies: ["FaultProxy", "AWSSigV4", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: Tests
        .testTarget(name: "DynamoDBModelTests", dependencies: ["DynamoDBModel"]),
        .testTarget(name: "BillingModelTests", dependencies: ["BillingModel"]),
        .testTarget(name: "CivilCalendarTests", dependencies: ["CivilCalendar"]),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], resources: [.copy("Vectors")]),
        // Test doubles for the AWS layer (a scripted transport), shared by unit and integration tests.
        .target(
            name: "AWSTestSupport",
            dependencies: ["AWSCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            path: "Tests/AWSTestSupport"
        ),
        .testTarget(
            name: "AWSCoreTests",
            dependencies: [
                "AWSCore", "AWSTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .testTarget(name: "SQSTests", dependencies: ["SQS", "AWSCore", "AWSTestSupport"]),
        .testTarget(
            name: "InfrastructureTests", dependencies: [
                "Infrastructure", "DynamoDB", "BillingModel", "Telemetry", "MigrationCore", "AWSTestSupport", "AWSCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "NetworkCoreTests", dependencies: ["NetworkCore", "NetworkMonitor", "AWSTestSupport", "AWSCore"]),
        .testTarget(name: "DMSStagingTests", dependencies: ["DMSStaging", "SampleData", "BillingModel"]),
        .testTarget(name: "SampleDataTests", dependencies: ["SampleData", "BillingModel"]),
        .testTarget(name: "MigrationCoreTests", dependencies: ["MigrationCore", "SampleData", "Backoff"]),
        .testTarget(name: "PlanCoreTests", dependencies: ["PlanCore", "BillingModel", "SampleData"]),
        .testTarget(
            name: "PlanningTests",
            dependencies: [
                "Planning", "PlanCore", "Migration", "DMSStaging", "SampleData", "BillingModel", "DynamoDBModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "CutoverCoreTests", dependencies: ["CutoverCore", "BillingModel"]),
        .testTarget(name: "TrafficSwitchTests", dependencies: ["TrafficSwitch"]),
        .testTarget(name: "CutoverTests", dependencies: ["Cutover", "CutoverCore", "TrafficSwitch", "BillingService", "BillingModel"]),
        // Test helpers both the unit and the integration tests of change application use.
        .target(
            name: "MigrationTestSupport",
            dependencies: ["Migration", "BillingModel", "DynamoDBModel", "SampleData"],
            path: "Tests/MigrationTestSupport"
        ),
        .testTarget(name: "MigrationTests", dependencies: ["Migration", "SampleData", "MigrationTestSupport", "MySQLSource", "DMSStaging", "AWSTestSupport", "DynamoDB", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "FaultProxyTests",
            dependencies: [
                "FaultProxy",
                "AWSSigV4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Starts the project's private MariaDB for the live tests (or uses BILLMIG_MYSQL_URL).
        .target(name: "MariaDBTestSupport", dependencies: ["MySQLSource"], path: "Tests/MariaDBTestSupport"),
        .testTarget(
            name: "MySQLSourceTests", dependencies: ["MySQLSource", "BillingModel", "MariaDBTestSupport", "MySQLWorkload", "SampleData"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MySQLWorkloadTests", dependencies: ["MySQLWorkload", "SampleData", "BillingModel"]),
        .testTarget(
            name: "BillingServiceTests",
            dependencies: [
                "BillingService", "BillingServer", "BillingModel", "SampleData", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ValidationCoreTests", dependencies: ["ValidationCore", "BillingModel", "DynamoDBModel"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Migration", "MigrationCore", "FaultProxy", "AWSCore", "DynamoDB", "S3", "SQS", "DMSStaging", "BillingModel",
                "DynamoDBModel", "SampleData", "MigrationTestSupport", "AWSTestSupport", "MariaDBTestSupport", "MySQLSource", "MySQLWorkload",
                "Validation", "ValidationCore", "PlanCore", "BillingService", "BillingStores", "BillingServer", "CutoverCore", "TrafficSwitch", "ELBv2", "Cutover", "Telemetry", "NetworkCore", "NetworkMonitor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
