#ifndef SWITCHBOARD_CSQLITE_SHIM_H
#define SWITCHBOARD_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast Swift cannot import.
static inline sqlite3_destructor_type sb_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// Process-wide settings, before the first connection opens (sqlite3_config is variadic).
/// Each connection is used by one thread at a time, so SQLite's own mutexes around
/// every call and the global memory-statistics lock around every allocation are waste.
static inline int sb_sqlite_configure_process(void) {
    int code = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (code == SQLITE_OK) code = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return code;
}
#endif
