/// A message for the live stream, computed inside a write and published after its commit.
struct LiveUpdate: Sendable {
    enum Audience: Sendable {
        /// These agents only.
        case agents([Int])
        /// Everyone allowed to see the contact (supervisors, quality control, the owner).
        case contactViewers(ownerAgentId: Int?)
    }

    let event: String
    let data: String
    let audience: Audience

    /// Whether `agent` receives it.
    func isFor(_ agent: Agent) -> Bool {
        switch audience {
        case .agents(let ids): return ids.contains(agent.id)
        case .contactViewers(let owner):
            return agent.role != .manager || owner == nil || owner == agent.id
        }
    }
}
