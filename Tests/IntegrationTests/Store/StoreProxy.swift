import AWSCore
import FaultProxy

/// A fresh store-mode fault proxy and a client of it (no signature check, no retries), for
/// the store's own behaviour; comparisons with moto_server sign and check instead.
enum StoreProxy {
    static func withClient(_ body: (AWSClient) async throws -> Void) async throws {
        try await FaultProxy.withRunning(FaultProxyConfiguration(mode: .store(SinkConfiguration()))) { proxy in
            let local = AWSConfiguration(
                region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIDSTORE", secretAccessKey: "secret"),
                endpoint: AWSEndpoint(url: "http://127.0.0.1:\(proxy.port)")!, retryPolicy: .none)
            try await AWSClient.withClient(local, body)
        }
    }
}
