import Store

/// Every migration, in order. Never edit a shipped one; append.
enum Schema {
    static let migrations: [Migration] = [
        Migration("001_agents", """
            CREATE TABLE agents (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('manager', 'supervisor', 'quality-control')),
                phones TEXT NOT NULL DEFAULT '[]',
                sip_logins TEXT NOT NULL DEFAULT '[]',
                receives_new_clients INTEGER NOT NULL DEFAULT 0,
                api_key_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at TEXT NOT NULL);
            """),
    ]
}
