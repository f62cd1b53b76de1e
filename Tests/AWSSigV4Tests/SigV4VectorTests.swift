import AWSSigV4
import Foundation
import Testing

@Suite("AWS SigV4 test suite vectors")
struct SigV4VectorTests {
    static let cases = SigV4SuiteCase.all()

    @Test func theSuiteIsPresent() {
        // The suite has 34 cases; fewer means the resource folder did not load.
        #expect(Self.cases.count == 34)
    }

    @Test(arguments: cases)
    func canonicalRequest(_ vector: SigV4SuiteCase) {
        let signer = SigV4Signer(credentials: vector.credentials, region: SigV4SuiteCase.region,
                                 service: SigV4SuiteCase.service, options: vector.options)
        var request = vector.request
        let signature = signer.sign(&request, payload: .bytes(vector.body), date: SigV4SuiteCase.date)
        #expect(signature.canonicalRequest == vector.canonicalRequest)
    }

    @Test(arguments: cases)
    func stringToSign(_ vector: SigV4SuiteCase) {
        let signer = SigV4Signer(credentials: vector.credentials, region: SigV4SuiteCase.region,
                                 service: SigV4SuiteCase.service, options: vector.options)
        var request = vector.request
        let signature = signer.sign(&request, payload: .bytes(vector.body), date: SigV4SuiteCase.date)
        #expect(signature.stringToSign == vector.stringToSign)
    }

    @Test(arguments: cases)
    func authorization(_ vector: SigV4SuiteCase) {
        let signer = SigV4Signer(credentials: vector.credentials, region: SigV4SuiteCase.region,
                                 service: SigV4SuiteCase.service, options: vector.options)
        var request = vector.request
        let signature = signer.sign(&request, payload: .bytes(vector.body), date: SigV4SuiteCase.date)
        #expect(signature.authorization == vector.authorization)
        #expect(request.header("Authorization") == vector.authorization)
    }

    /// The signed request carries the same headers as the suite's `.sreq`.
    @Test(arguments: cases)
    func signedRequest(_ vector: SigV4SuiteCase) {
        let signer = SigV4Signer(credentials: vector.credentials, region: SigV4SuiteCase.region,
                                 service: SigV4SuiteCase.service, options: vector.options)
        var request = vector.request
        signer.sign(&request, payload: .bytes(vector.body), date: SigV4SuiteCase.date)
        func normalized(_ request: SigV4Request, dropAuthorization: Bool) -> [String] {
            request.headers
                .filter { !dropAuthorization || $0.name.lowercased() != "authorization" }
                .map { $0.name.lowercased() + ":" + SigV4Encoding.canonicalHeaderValue($0.value) }
                .sorted()
        }
        let stale = SigV4SuiteCase.staleSignedRequest.contains(vector.name)
        #expect(normalized(request, dropAuthorization: stale) == normalized(vector.signedRequest, dropAuthorization: stale))
        #expect(request.method == vector.signedRequest.method)
        #expect(request.path == vector.signedRequest.path)
        #expect(request.query == vector.signedRequest.query)
    }

    /// The verifier accepts each suite's signed request, as a server would.
    @Test(arguments: cases)
    func verifierAcceptsSignedRequest(_ vector: SigV4SuiteCase) throws {
        var signedRequest = vector.signedRequest
        if SigV4SuiteCase.staleSignedRequest.contains(vector.name) {
            signedRequest.setHeader("Authorization", vector.authorization)
        }
        let verifier = SigV4Verifier(credentials: [vector.credentials])
        let verified = try verifier.verify(signedRequest, body: vector.body, now: SigV4SuiteCase.date)
        #expect(verified.accessKeyID == "AKIDEXAMPLE")
        #expect(verified.service == "service")
        #expect(verified.region == "us-east-1")
    }
}
