import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// Quality control and managers named on different moments of one to three calls of a client:
/// every arrival order gives the same calls (agent, owner candidate), owner and tasks, a rebuild
/// gives them again, and quality control never owns the client nor gets its task.
/// Seeded (SplitMix64, `SeededRandom`), so a failure reproduces.
extension CallMergeOrderTests {
    private struct OwnerMoment {
        let call: Int
        let kind: String
        let fields: [String: Any]
    }

    /// A scenario's moments: each call rings (maybe), then is answered (maybe twice, a transfer)
    /// and ends, or is missed; some moments come twice; each names nobody, a manager or quality
    /// control, by id or by SIP login. Calls start at one of a few instants, so some tie.
    private func ownerScenario(_ random: inout SeededRandom, agents: [(id: Int, sip: String)]) -> [OwnerMoment] {
        var moments: [OwnerMoment] = []
        let calls = 1 + random.next(3)
        for call in 0..<calls {
            let base = [0, 0, 600, 3_600][random.next(4)] + random.next(2) * 30
            func at(_ seconds: Int) -> String {
                let s = base + seconds
                return String(format: "2026-11-24T%02d:%02d:%02dZ", 10 + s / 3_600, s / 60 % 60, s % 60)
            }
            func named() -> [String: Any] {
                let pick = random.next(agents.count + 1)
                guard pick < agents.count else { return [:] }
                return random.next(2) == 0 ? ["agentId": agents[pick].id] : ["sipLogin": agents[pick].sip]
            }
            var kinds: [(String, Int)] = []
            if random.next(4) != 0 { kinds.append(("ringing", 0)) }
            if random.next(2) == 0 {
                kinds.append(("answered", 5 + random.next(10)))
                if random.next(3) == 0 { kinds.append(("answered", 20 + random.next(10))) }
                kinds.append(("ended", 40 + random.next(20)))
            } else {
                kinds.append(("missed", 30 + random.next(20)))
            }
            for (kind, offset) in kinds {
                var fields = named()
                fields["occurredAt"] = at(offset)
                let moment = OwnerMoment(call: call, kind: kind, fields: fields)
                moments.append(moment)
                if random.next(5) == 0 { moments.append(moment) }   // delivered twice
            }
        }
        return moments
    }

    /// The client's owner, created_at, each call's agent and owner candidate, each task.
    private func ownerState(_ number: String) throws -> String {
        try t.daemon.store.read { db in
            let contact = try db.queryOne("""
                SELECT owner_agent_id, created_at, updated_at FROM contacts WHERE id = (SELECT contact_id FROM contact_phones WHERE phone = ?)
                """, number)
            let calls = try db.query("""
                SELECT substr(provider_call_id, instr(provider_call_id, '-')) AS ref, agent_id, owner_candidate, answered_at, ended_at, missed_at
                FROM calls WHERE client_number = ? ORDER BY ref
                """, number).map { "\($0.values)" }
            let tasks = try db.query("""
                SELECT substr(c.provider_call_id, instr(c.provider_call_id, '-')) AS ref, t.state, t.assignee_agent_id, t.deadline,
                       t.created_at, t.closed_at
                FROM tasks t JOIN calls c ON c.id = t.call_id WHERE c.client_number = ? ORDER BY ref
                """, number).map { "\($0.values)" }
            return "contact \(contact?.values ?? []) calls \(calls) tasks \(tasks)"
        }
    }

    func testQualityControlAndManagersOnAClientsCallsGiveTheSameOwnerAndTasksInAnyOrder() throws {
        let managers = [try t.addAgent("Mia", role: .manager, sip: ["mia-1"]), try t.addAgent("Max", role: .manager, sip: ["max-1"])]
        let qc = [try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"]), try t.addAgent("Quade QC", role: .qualityControl, sip: ["qc-2"])]
        let agents = [(managers[0].id, "mia-1"), (managers[1].id, "max-1"), (qc[0].id, "qc-1"), (qc[1].id, "qc-2")]
        var random = SeededRandom(seed: 43)
        var numbers: [String] = []
        var client = 0
        for index in 0..<120 {
            let moments = ownerScenario(&random, agents: agents.map { (id: $0.0, sip: $0.1) })
            var orders = [Array(moments.indices), Array(moments.indices.reversed())]
            var shuffled = Array(moments.indices)
            shuffled.shuffle(using: &random)
            orders.append(shuffled)
            var states: [String] = []
            for (o, order) in orders.enumerated() {
                client += 1
                let number = String(format: "+40722%06d", client)
                numbers.append(number)
                for i in order {
                    var fields = moments[i].fields
                    fields["callId"] = "s\(index)o\(o)-c\(moments[i].call)"
                    fields["clientNumber"] = number
                    let response = try t.call(moments[i].kind, secret: secret, fields)
                    XCTAssertEqual(response.status, 200, response.text)
                }
                states.append(try ownerState(number))
            }
            let described = moments.map { "\($0.call) \($0.kind) \($0.fields)" }.joined(separator: "; ")
            for (o, s) in states.enumerated().dropFirst() {
                XCTAssertEqual(s, states[0], "scenario \(index) order \(orders[o]) vs \(orders[0]): \(described)")
            }
        }
        // Quality control owns nobody and has no task.
        let qcIds = qc.map(\.id).map(String.init).joined(separator: ",")
        XCTAssertEqual(try t.count("contacts", "owner_agent_id IN (\(qcIds))"), 0)
        XCTAssertEqual(try t.count("tasks", "assignee_agent_id IN (\(qcIds))"), 0)
        XCTAssertGreaterThan(try t.count("calls", "agent_id IN (\(qcIds))"), 0, "calls still name quality control")
        XCTAssertGreaterThan(try t.count("contacts", "owner_agent_id IS NOT NULL"), 0)
        XCTAssertGreaterThan(try t.count("tasks", "assignee_agent_id IS NOT NULL"), 0)

        // A rebuild gives every client again.
        let live = try numbers.map(ownerState)
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        let rebuilt = try numbers.map(ownerState)
        for (i, number) in numbers.enumerated() where live[i] != rebuilt[i] {
            XCTFail("\(number) live \(live[i]) rebuilt \(rebuilt[i])")
        }
    }
}
