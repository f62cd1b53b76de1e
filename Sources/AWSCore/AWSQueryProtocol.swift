import NIOCore

extension AWSClient {
    /// One call of a query-protocol service (IAM, STS, ELBv2, CloudWatch, EC2):
    /// `Action`, `Version` and the parameters form-encoded in a POST body, XML answer.
    /// List parameters are flattened by the caller (`Names.member.1`).
    public func executeQuery(
        _ service: AWSService, action: String, version: String, parameters: [(name: String, value: String)]
    ) async throws -> AWSXMLElement {
        let form = ([("Action", action), ("Version", version)] + parameters.map { ($0.name, $0.value) })
            .map { SigV4Encoding.uriEncode($0.0) + "=" + SigV4Encoding.uriEncode($0.1) }
            .joined(separator: "&")
        let response = try await execute(
            AWSRequest(
                service: service, operation: action, method: .POST, path: "/",
                headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"], body: ByteBuffer(string: form)))
        do {
            return try AWSXMLElement.parse(Array(response.body.readableBytesView))
        } catch {
            throw AWSError(service: service.id, operation: action, status: response.status, code: "MalformedResponse", message: "unreadable XML: \(error)")
        }
    }
}
