/// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or values
/// above U+10FFFF). ASCII is checked eight bytes a step: most fields are ASCII.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = bytes.count
    if let base = bytes.baseAddress {
        while index + 8 <= count, UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            index += 8
        }
    }
    while index < count {
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        if lead < 0xC2 { return false }  // continuation byte or overlong 2-byte lead
        if lead < 0xE0 {
            guard index + 1 < count, bytes[index + 1] & 0xC0 == 0x80 else { return false }
            index += 2
            continue
        }
        if lead < 0xF0 {
            guard index + 2 < count else { return false }
            let second = bytes[index + 1]
            guard second & 0xC0 == 0x80, bytes[index + 2] & 0xC0 == 0x80 else { return false }
            if lead == 0xE0 && second < 0xA0 { return false }  // overlong
            if lead == 0xED && second >= 0xA0 { return false }  // UTF-16 surrogate
            index += 3
            continue
        }
        if lead < 0xF5 {
            guard index + 3 < count else { return false }
            let second = bytes[index + 1]
            guard second & 0xC0 == 0x80, bytes[index + 2] & 0xC0 == 0x80, bytes[index + 3] & 0xC0 == 0x80 else {
                return false
            }
            if lead == 0xF0 && second < 0x90 { return false }  // overlong
            if lead == 0xF4 && second >= 0x90 { return false }  // above U+10FFFF
            index += 4
            continue
        }
        return false
    }
    return true
}
