import Store

extension Schema {
    /// Media fetching (when to try a row again, when it was stored) and the index the
    /// conversation views read a thread's last inbound and outbound messages from.
    static let mediaViews = Migration("006_whatsapp_media_views", """
        ALTER TABLE wa_media ADD COLUMN next_attempt_at TEXT;
        ALTER TABLE wa_media ADD COLUMN stored_at TEXT;
        CREATE INDEX wa_media_due ON wa_media(state, next_attempt_at);
        CREATE INDEX wa_messages_thread ON wa_messages(contact_id, channel_id, direction, sent_at);
        CREATE INDEX wa_messages_agent ON wa_messages(agent_id, contact_id) WHERE agent_id IS NOT NULL;
        """)
}
