extension String {
    /// Without leading and trailing spaces and tabs. Foundation's `trimmingCharacters(in:)`
    /// goes through NSString and ICU on Linux, which showed up on the webhook hot path.
    var trimmedSpaces: String {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 32 && $0 != 9 }) else { return "" }
        guard let last = bytes.lastIndex(where: { $0 != 32 && $0 != 9 }) else { return "" }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return self }
        return String(self[first...last])
    }
}
