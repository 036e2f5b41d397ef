#ifndef SWITCHBOARD_CSQLITE_SHIM_H
#define SWITCHBOARD_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast Swift cannot import.
static inline sqlite3_destructor_type sb_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// SQLITE_STATIC: SQLite keeps the pointer; the caller keeps the bytes until the next bind.
static inline sqlite3_destructor_type sb_sqlite_static(void) { return SQLITE_STATIC; }

/// Process-wide settings, before the first connection opens (sqlite3_config is variadic).
/// Each connection is used by one thread at a time, so SQLite's own mutexes around
/// every call and the global memory-statistics lock around every allocation are waste.
static inline int sb_sqlite_configure_process(void) {
    int code = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (code == SQLITE_OK) code = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return code;
}

static int sb_sqlite_count_wal_frames(void *counter, sqlite3 *db, const char *name, int frames) {
    (void)db; (void)name;
    *(int *)counter = frames;
    return SQLITE_OK;
}

/// Replaces SQLite's autocheckpoint on `db`: after each commit `*counter` holds the
/// number of frames in the WAL, and nothing is checkpointed (the caller decides when).
static inline void sb_sqlite_track_wal_frames(sqlite3 *db, int *counter) {
    sqlite3_wal_hook(db, sb_sqlite_count_wal_frames, counter);
}
#endif
