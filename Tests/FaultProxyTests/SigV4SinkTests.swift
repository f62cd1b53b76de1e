import AWSSigV4
import AsyncHTTPClient
import Foundation
import Testing

@testable import FaultProxy

private let knownCredentials = AWSCredentials(accessKeyID: "AKIDBILLMIGTEST", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

extension HTTPClient {
    /// A DynamoDB call signed with SigV4 as an SDK would sign it, for `host`; `tamper`
    /// changes the body after signing.
    func signedDynamoDB(
        _ endpoint: String,
        _ operation: String,
        _ json: String,
        credentials: AWSCredentials = knownCredentials,
        host: String = "dynamodb.us-east-1.amazonaws.com",
        tamper: ((String) -> String)? = nil
    ) async throws -> ClientResponse {
        var request = SigV4Request(method: "POST", path: "/", headers: [
            ("Host", host),
            ("X-Amz-Target", "DynamoDB_20120810.\(operation)"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ])
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "dynamodb")
        signer.sign(&request, payload: .bytes(Array(json.utf8)), date: Date())
        let body = tamper?(json) ?? json
        return try await send(.POST, endpoint + "/", headers: request.headers.map { ($0.name, $0.value) }, body: Array(body.utf8))
    }
}

@Suite("Sink mode with SigV4")
struct SigV4SinkTests {
    private let sink = FaultProxyConfiguration(mode: .sink(SinkConfiguration(
        signatureVerifier: SigV4SignatureVerifier(credentials: [knownCredentials]), tables: ["BillingSystem"])))

    @Test("a correctly signed request is accepted; wrong secret, tampered body, unknown key and no signature are not")
    func verdicts() async throws {
        try await FaultProxy.withRunning(sink) { proxy in
            try await withTestClient { client in
                let body = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(5))
                let good = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", body)
                #expect(good.status == .ok)
                #expect(good.text == #"{"UnprocessedItems":{}}"#)

                let wrongSecret = AWSCredentials(accessKeyID: knownCredentials.accessKeyID, secretAccessKey: "not-the-secret")
                let forged = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", body, credentials: wrongSecret)
                #expect(forged.status == .forbidden)
                #expect(forged.errorType == "InvalidSignatureException")

                let tampered = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", body) {
                    $0.replacingOccurrences(of: "BAN#1", with: "BAN#9")
                }
                #expect(tampered.status == .forbidden)
                #expect(tampered.errorType == "InvalidSignatureException")

                let stranger = AWSCredentials(accessKeyID: "AKIDSTRANGER", secretAccessKey: "x")
                let unknown = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", body, credentials: stranger)
                #expect(unknown.errorType == "UnrecognizedClientException")

                let unsigned = try await client.dynamoDB(proxy.endpoint, "BatchWriteItem", body)
                #expect(unsigned.errorType == "MissingAuthenticationTokenException")

                let stats = proxy.stats
                #expect(stats.signatureRejections == 4)
                #expect(stats.itemsWritten == 5)
            }
        }
    }

    @Test("through a forwarding proxy the client's signature still holds: Host and body travel unchanged")
    func signatureSurvivesForwarding() async throws {
        try await FaultProxy.withRunning(sink) { sink in
            let front = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: sink.endpoint)))
            try await FaultProxy.withRunning(front) { proxy in
                try await withTestClient { client in
                    let response = try await client.signedDynamoDB(proxy.endpoint, "DescribeTable", #"{"TableName":"BillingSystem"}"#)
                    #expect(response.status == .ok)
                    #expect(sink.stats.signatureRejections == 0)
                }
            }
        }
    }

    @Test("rewritten batches fail a checking upstream unless the proxy signs them again")
    func resigningRewrittenBatches() async throws {
        try await FaultProxy.withRunning(sink) { sink in
            let faults = FaultConfiguration(unprocessedItemsShare: 1, seed: 2)
            let stale = FaultProxyConfiguration(mode: .forward(ForwardConfiguration(upstream: sink.endpoint)), faults: faults)
            try await FaultProxy.withRunning(stale) { proxy in
                try await withTestClient { client in
                    let response = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(6)))
                    #expect(response.status == .forbidden)
                    #expect(sink.stats.signatureRejections == 1)
                }
            }
            sink.resetStats()
            let resigning = FaultProxyConfiguration(
                mode: .forward(ForwardConfiguration(upstream: sink.endpoint, resigningCredentials: knownCredentials)),
                faults: faults)
            try await FaultProxy.withRunning(resigning) { proxy in
                try await withTestClient { client in
                    var withheld = 0
                    for call in 0..<10 {
                        let body = DynamoDBJSON.batchWrite(keys: DynamoDBJSON.keys(6, prefix: "R\(call)#"))
                        let response = try await client.signedDynamoDB(proxy.endpoint, "BatchWriteItem", body)
                        #expect(response.status == .ok)
                        withheld += DynamoDBJSON.putKeys(in: response.json["UnprocessedItems"]).count
                    }
                    #expect(withheld > 0)
                    #expect(sink.stats.signatureRejections == 0)
                    #expect(sink.stats.itemsWritten == 60 - withheld)
                }
            }
        }
    }
}
