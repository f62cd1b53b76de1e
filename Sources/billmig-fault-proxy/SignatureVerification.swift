import ArgumentParser
import FaultProxy

extension FaultProxyCommand {
    /// The sink's signature check for the credentials given, or nil to check none.
    func signatureVerifier() throws -> (any SignatureVerifier)? {
        let credentials = try credentials()
        guard !credentials.isEmpty else { return nil }
        // TODO(h-aws): build SigV4SignatureVerifier from AWSSigV4 once that target lands.
        throw ValidationError("signature checks need the AWSSigV4 target, which is not built yet")
    }
}
