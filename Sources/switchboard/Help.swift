/// Help texts, one per command.
enum Help {
    static let main = """
    switchboard — calls and WhatsApp conversations on one CRM timeline.

    Usage: switchboard <command> [options]

    Commands:
      serve              run the daemon (HTTP server, webhooks, API, live events)
      migrate            create or upgrade the database schema, then exit
      agents add|list|update|rotate-key|remove   manage team members and their API keys
      integrations add|list|rotate-secret|remove   connect call platforms (webhook secrets and URLs)
      channels add|list|rotate-secret|remove   connect WhatsApp business numbers (Meta Cloud API or Wazzup)
      sip list           SIP accounts with presence (online, on a call)
      rebuild            recompute contacts, calls, deals, tasks and timeline from raw events
      version            print the version

    Common options:
      --config FILE      JSON configuration file (or SWITCHBOARD_CONFIG)
      --help             help for any command

    Every configuration key can be set by environment variable, e.g.
    SWITCHBOARD_LISTEN=127.0.0.1:8080 SWITCHBOARD_DATABASE=./switchboard.db
    """

    static let version = """
    Usage: switchboard version

    Prints the version (as `switchboard --version` does).
    """

    static let serve = """
    Usage: switchboard serve [--config FILE]

    Runs the daemon until SIGTERM or SIGINT, then stops gracefully: stops
    accepting, finishes in-flight requests, ends event streams, commits queued
    writes, checkpoints the database and exits 0.
    """

    static let migrate = """
    Usage: switchboard migrate [--config FILE]

    Applies pending schema migrations to the configured database and exits.
    """

    static let agents = """
    Usage:
      switchboard agents add --name NAME --role ROLE [--phone E164]... [--sip LOGIN]...
                             [--receives-new-clients] [--json] [--config FILE]
      switchboard agents list [--json] [--config FILE]
      switchboard agents update ID [--name NAME] [--role ROLE] [--phone E164... | --no-phone] [--sip LOGIN... | --no-sip]
                                [--receives-new-clients | --no-receives-new-clients] [--json] [--config FILE]
      switchboard agents rotate-key ID [--json] [--config FILE]
      switchboard agents remove ID [--hand-over-to AGENT_ID] [--config FILE]

    ROLE is manager, supervisor or quality-control. Calls find agents by SIP
    login, not by --phone (kept for reference only). `add` prints the agent's
    API key once; it is stored only as a hash and cannot be shown again.
    `update` changes what it is given (--phone and --sip, repeated, replace the
    whole list; --no-phone and --no-sip empty it) and keeps the agent's id, key,
    clients and tasks.
    `rotate-key` gives the agent a new key (printed once) and the old one stops
    working at once. `remove` refuses (exit 65) an agent who owns clients or has
    open tasks unless --hand-over-to names who takes them over; integrations that
    send missed-call tasks to the agent send them to that agent, or to each
    client's owner.
    """

    static let integrations = """
    Usage:
      switchboard integrations add --name NAME --provider native|twilio|zadarma|ringostat|aircall
                                   [--region CC] [--provider-secret SECRET] [--settings JSON] [--json]
      switchboard integrations list [--json]
      switchboard integrations rotate-secret ID|NAME [--json]
      switchboard integrations remove ID|NAME

    `add` prints the integration's webhook secret once, with the URLs to give
    the provider. --provider-secret is the provider's signing key (Twilio auth
    token, Zadarma API secret, Aircall webhook token). --settings takes the
    settings JSON (missedCallTask, utm, dialer, timeZone), see README.md;
    settings that are not JSON, have an unknown key or cannot work exit 65
    naming the setting.

    `rotate-secret` gives it a new webhook secret, printed once with the new
    URLs to give the provider; the old secret is refused at once (by a running
    daemon within 5 seconds).

    `remove` stops the integration's webhooks (a running daemon refuses them
    within 5 seconds) and frees its name; its calls stay, and its id is never
    given to another integration.
    """

    static let rebuild = """
    Usage: switchboard rebuild [--config FILE]

    Recomputes contacts, calls, deals, tasks and the timeline from the stored raw
    events, in one transaction, printing progress. Run it with the daemon stopped.
    """

    static let sip = """
    Usage: switchboard sip list [--json] [--config FILE]

    Lists the SIP accounts of every integration that places calls, with their
    presence as the provider reports it now (online, on a call) and their owner.
    """

    static let channels = """
    Usage:
      switchboard channels add --name NAME [--provider meta|wazzup] [--phone-number-id ID] [--display-number N]
                               [--region CC] [--app-secret S] [--verify-token T] [--access-token T]
                               [--settings JSON] [--json]
      switchboard channels list [--json]
      switchboard channels rotate-secret ID|NAME [--json]
      switchboard channels remove ID|NAME

    One channel per business number. For Meta, --phone-number-id is the Cloud API
    phone_number_id, --app-secret signs webhooks (X-Hub-Signature-256),
    --verify-token answers the subscription handshake and --access-token sends.
    For Wazzup, --access-token is the API key and the printed webhook URL carries
    a secret; `rotate-secret` replaces it and prints the new URL for Wazzup. --settings takes the channel settings JSON (syncFilter, exceptions,
    pipeline, stage, createAs, closedDealsPolicy, distribution, apiBase,
    apiVersion), see README.md.
    """
}
