import Store

/// What a contact remembers about the values written into its fields as UTM touches
/// (`writeUTM`): per field the time its value is from (`utm_times`), where it came from
/// (`utm_sources`: a call's id, or `hand`), and the value last set by hand with its time
/// (`utm_hand`, `utm_hand_times`), which last touch gives back when the call that replaced it
/// turns out to have started before the edit.
struct UTMTouches {
    static let hand = "hand"
    /// The columns, in the order `init(row:)` reads and `values` gives them.
    static let columns = "utm_times, utm_sources, utm_hand, utm_hand_times"

    var times: [String: String] = [:]
    var sources: [String: String] = [:]
    var handValues: [String: String] = [:]
    var handTimes: [String: String] = [:]

    init() {}

    init(row: Row?) {
        times = JSONText.decodeDictionary(row?.string("utm_times"))
        sources = JSONText.decodeDictionary(row?.string("utm_sources"))
        handValues = JSONText.decodeDictionary(row?.string("utm_hand"))
        handTimes = JSONText.decodeDictionary(row?.string("utm_hand_times"))
    }

    /// Fields set by hand at `at`: touches of their own, from then; a field emptied is no touch.
    mutating func setByHand(_ changes: [String: String], at: String) {
        for (field, value) in changes {
            let touched = !value.isEmpty
            (times[field], sources[field]) = touched ? (at, Self.hand) : (nil, nil)
            (handValues[field], handTimes[field]) = touched ? (value, at) : (nil, nil)
        }
    }

    /// The four columns as stored.
    var values: (String, String, String, String) {
        (JSONText.string(times), JSONText.string(sources), JSONText.string(handValues), JSONText.string(handTimes))
    }
}
