import BillingModel

/// The change-sequence column `billmig stage` writes into DMS-format change files,
/// in the role of DMS's `$AR_H_CHANGE_SEQ`: a fixed-width decimal number whose
/// order is the binlog's order, so that `apply` orders changes by it whatever
/// order the files arrive in. Ten digits of the binlog file's sequence number,
/// twenty of the event's end position, six of the row within the event, and one
/// step within the row (37 digits; `SourcePosition.changeSequence` compares
/// sequences up to 40 digits).
///
/// The step exists for an update that moves a row to another item, written as a
/// delete of the old row and an insert of the new one: the delete sorts first.
public enum BinlogChangeSequence {
    public static let columnName = "AR_H_CHANGE_SEQ"
    public static let digits = 37

    /// Steps within one row change.
    public enum Step: Int, Sendable {
        /// The delete half of a primary-key change.
        case before = 0
        /// Every other change, and the insert half of a primary-key change.
        case change = 1
    }

    /// The sequence of a binlog change, or nil for a position of another kind.
    public static func sequence(of position: SourcePosition, step: Step = .change) -> String? {
        guard case .binlog(let file, let position, let row) = position else { return nil }
        return pad(file, 10) + pad(position, 20) + pad(row, 6) + String(step.rawValue)
    }

    private static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
