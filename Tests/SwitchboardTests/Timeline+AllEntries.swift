@testable import Switchboard

extension Timeline {
    /// Every entry of every contact (`id`, `contact_id`, `at`, `kind`, `ref_id`) as a subquery, the
    /// calls read from `calls` as `Timeline.page` reads them: for tests that compare whole timelines.
    static let allEntriesSQL = """
        SELECT id, contact_id, \(CallRecord.startSQL) AS at, 'call' AS kind, id AS ref_id FROM calls WHERE contact_id IS NOT NULL
        UNION ALL SELECT id, contact_id, at, kind, ref_id FROM timeline
        """
}
