import Foundation

/// HyperLogLog (Flajolet et al. 2007) over 64-bit hashes, with linear counting
/// for small cardinalities. `precision` p uses 2^p one-byte registers; the
/// relative standard error is 1.04 / sqrt(2^p) (0.81% at the default 14,
/// in 16 KiB).
public struct HyperLogLog: Sendable, Hashable {
    public let precision: Int
    private var registers: [UInt8]

    public init(precision: Int = 14) {
        precondition((4...18).contains(precision), "HyperLogLog precision is 4...18")
        self.precision = precision
        self.registers = [UInt8](repeating: 0, count: 1 << precision)
    }

    /// 1.04 / sqrt(m): one standard deviation of `estimate` relative to the true count.
    public var relativeStandardError: Double { 1.04 / Double(registers.count).squareRoot() }

    public mutating func add(hash value: UInt64) {
        // Mixed again: the hashes it is given are not uniform in every use (a sampled
        // plan keeps the partition keys whose hash is small, whose top bits, the
        // register index, would then fill only the sample's share of the registers).
        let hash = StableHash.mix(value ^ 0x5851_f42d_4c95_7f2d)
        let index = Int(hash >> UInt64(64 - precision))
        // The rank of the first 1 bit in the remaining 64 - p bits (1-based);
        // the sentinel bit bounds it when they are all zero.
        let rest = (hash << UInt64(precision)) | (UInt64(1) << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    public mutating func merge(_ other: HyperLogLog) {
        precondition(other.precision == precision, "merging sketches of different precision")
        for index in registers.indices where other.registers[index] > registers[index] {
            registers[index] = other.registers[index]
        }
    }

    public var estimate: Double {
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        // Small range: linear counting is far more accurate while registers are empty.
        if raw <= 2.5 * m, zeros > 0 {
            return m * log(m / Double(zeros))
        }
        return raw
    }
}
