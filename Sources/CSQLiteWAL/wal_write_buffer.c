// A shim VFS over SQLite's default VFS that coalesces WAL writes.
//
// SQLite writes each WAL frame as two writes, the 24-byte frame header and the page,
// so a commit of 26 pages costs 52 pwrite calls. Here the writes to a WAL file that
// continue one another are gathered in memory and written together (one pwrite per
// 124 KiB):
//   - when the commit frame's page has been gathered (the frame header carries the
//     database size only on a commit frame), so the xWrite that completes the
//     transaction also writes it and returns the write's error to SQLite, before
//     SQLite publishes the new frames in the wal-index;
//   - before any other operation on that file (read, sync, truncate, size, lock,
//     file control) and before a write that does not continue the run; such
//     a write (a restarted log's header, a page rewritten in place, checksums
//     rewritten after the commit frame) goes to the file at once, in order;
//   - when 4 MiB are gathered.
// What is gathered when a transaction rolls back, or the file closes, is dropped: no commit
// covers it, and written later it would overwrite frames another connection committed at the
// same offsets (sb_wal_write_buffer_install hooks every rollback). A WAL whose device lacks
// powersafe overwrite (where SQLite pads commits) is not gathered at all.
// Other files, and everything else, go straight to the default VFS. Frames never
// become visible to other connections before they are in the file: readers only use
// frames the wal-index header lists, and SQLite writes that header after the commit
// frame's xWrite has returned.
#include "wal_write_buffer.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

const char *const sb_wal_write_buffer_vfs_name = "switchboard-wal";

enum { FRAME_HEADER_BYTES = 24, MAX_GATHERED = 4 << 20, MAX_WRITE = 124 * 1024 };

typedef struct GatherFile {
    sqlite3_file base;
    sqlite3_file *real;           // the default VFS's file, stored right after this struct
    int isWAL;
    int flushAfterNextWrite;      // the last write gathered was a commit frame's header
    sqlite3_int64 nextAppend;     // where a write continuing the last one starts
    unsigned char *bytes;
    sqlite3_int64 start;          // file offset of bytes[0]
    int length;
    int capacity;
} GatherFile;

static sqlite3_vfs *realVFS;
static sqlite3_vfs gatherVFS;

static int flushGathered(GatherFile *f) {
    if (f->length == 0) return SQLITE_OK;
    int length = f->length;
    f->length = 0;
    f->flushAfterNextWrite = 0;
    // The unix VFS writes at most 128 KiB - 1 per call (it masks larger lengths), so
    // bigger runs go in pieces.
    for (int done = 0; done < length; done += MAX_WRITE) {
        int piece = length - done < MAX_WRITE ? length - done : MAX_WRITE;
        int rc = f->real->pMethods->xWrite(f->real, f->bytes + done, piece, f->start + done);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

// Every method flushes first (for files other than WALs there is never anything gathered).
#define FLUSH_OR_RETURN(f) do { int flushed = flushGathered(f); if (flushed != SQLITE_OK) return flushed; } while (0)

// Appends to the gathered run; the caller has checked that `offset` continues it.
static int gather(GatherFile *f, const void *data, int amount, sqlite3_int64 offset) {
    if (f->length + amount > MAX_GATHERED) {
        int rc = flushGathered(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (f->length + amount > f->capacity) {
        int capacity = f->capacity ? f->capacity : 256 * 1024;
        while (capacity < f->length + amount) capacity *= 2;
        unsigned char *grown = sqlite3_realloc64(f->bytes, (sqlite3_uint64)capacity);
        if (!grown) {
            int rc = flushGathered(f);
            if (rc != SQLITE_OK) return rc;
            rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
            if (rc == SQLITE_OK) f->nextAppend = offset + amount;
            return rc;
        }
        f->bytes = grown;
        f->capacity = capacity;
    }
    if (f->length == 0) f->start = offset;
    memcpy(f->bytes + f->length, data, (size_t)amount);
    f->length += amount;
    f->nextAppend = offset + amount;
    return SQLITE_OK;
}

// What is still gathered when a transaction ends without committing (or the file closes)
// belongs to frames no commit covers: a commit flushes its own. Written later, those frames
// would land over frames another connection committed at the same offsets meanwhile, so
// they are dropped, never written.
static void discardGathered(GatherFile *f) {
    f->length = 0;
    f->flushAfterNextWrite = 0;
    f->nextAppend = -1;
}

static int gClose(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    discardGathered(f);
    int rc = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->bytes);
    f->bytes = NULL;
    f->capacity = 0;
    return rc;
}

static int gRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

static int gWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    GatherFile *f = (GatherFile *)file;
    if (!f->isWAL) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    int commitEnds = f->flushAfterNextWrite;
    f->flushAfterNextWrite = 0;
    if (offset != f->nextAppend) {
        // Not an append (the WAL header of a restarted log, a page rewritten in place,
        // checksums rewritten after the commit frame, or the first frame a connection writes
        // into a WAL that already holds frames): straight to the file, in order.
        FLUSH_OR_RETURN(f);
        int rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
        if (rc != SQLITE_OK) return rc;
        f->nextAppend = offset + amount;
    } else {
        int rc = gather(f, data, amount, offset);
        if (rc != SQLITE_OK) return rc;
        if (commitEnds) return flushGathered(f);   // the commit frame's page: the transaction is complete
    }
    // A commit frame's header, however it was written, makes the next write (its page) flush:
    // a header that went straight to the file once left its page gathered after the commit
    // returned, for other connections to read stale bytes in its place.
    if (amount == FRAME_HEADER_BYTES) {
        // A frame header: page number (4 bytes), then the database size after a commit, else 0.
        const unsigned char *h = data;
        if ((h[4] | h[5] | h[6] | h[7]) != 0) f->flushAfterNextWrite = 1;
    }
    return SQLITE_OK;
}

static int gTruncate(sqlite3_file *file, sqlite3_int64 size) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xTruncate(f->real, size);
}

static int gSync(sqlite3_file *file, int flags) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xSync(f->real, flags);
}

static int gFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xFileSize(f->real, size);
}

static int gLock(sqlite3_file *file, int level) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xLock(f->real, level);
}

static int gUnlock(sqlite3_file *file, int level) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xUnlock(f->real, level);
}

static int gCheckReservedLock(sqlite3_file *file, int *result) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xCheckReservedLock(f->real, result);
}

static int gFileControl(sqlite3_file *file, int op, void *arg) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int gSectorSize(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int gDeviceCharacteristics(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

// The wal-index methods are called on the database file, never on a WAL file.
static int gShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

static int gShmLock(sqlite3_file *file, int offset, int n, int flags) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void gShmBarrier(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static int gShmUnmap(sqlite3_file *file, int deleteFlag) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

static int gFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    GatherFile *f = (GatherFile *)file;
    FLUSH_OR_RETURN(f);
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int gUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xUnfetch(f->real, offset, page);
}

static const sqlite3_io_methods gatherMethods = {
    3, gClose, gRead, gWrite, gTruncate, gSync, gFileSize, gLock, gUnlock, gCheckReservedLock,
    gFileControl, gSectorSize, gDeviceCharacteristics, gShmMap, gShmLock, gShmBarrier, gShmUnmap,
    gFetch, gUnfetch,
};

static int gOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    GatherFile *f = (GatherFile *)file;
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)&f[1];
    int rc = realVFS->xOpen(realVFS, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK || f->real->pMethods == NULL) {
        f->base.pMethods = NULL;   // SQLite does not close a file whose open failed
        return rc;
    }
    // Methods of version 3 are forwarded as they are; the default VFS has all of them.
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        f->base.pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    // Without powersafe overwrite SQLite pads a synced commit with copies of its last frame,
    // split around the sync point, and the tail after it carries no commit mark: such a WAL
    // is never gathered.
    int powersafe = (f->real->pMethods->xDeviceCharacteristics(f->real) & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
    f->isWAL = (flags & SQLITE_OPEN_WAL) != 0 && powersafe;
    f->base.pMethods = &gatherMethods;
    return SQLITE_OK;
}

// Drops what `db`'s WAL has gathered; run on every rollback (see sb_wal_write_buffer_install).
static void discardOnRollback(void *context) {
    sqlite3 *db = context;
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK || file == NULL) return;
    if (file->pMethods != &gatherMethods) return;
    discardGathered((GatherFile *)file);
}

void sb_wal_write_buffer_install(sqlite3 *db) {
    sqlite3_rollback_hook(db, discardOnRollback, db);
}

// VFS-level calls go straight to the default VFS.
static int gDelete(sqlite3_vfs *v, const char *name, int syncDir) { (void)v; return realVFS->xDelete(realVFS, name, syncDir); }
static int gAccess(sqlite3_vfs *v, const char *name, int flags, int *out) { (void)v; return realVFS->xAccess(realVFS, name, flags, out); }
static int gFullPathname(sqlite3_vfs *v, const char *name, int n, char *out) { (void)v; return realVFS->xFullPathname(realVFS, name, n, out); }
static void *gDlOpen(sqlite3_vfs *v, const char *name) { (void)v; return realVFS->xDlOpen(realVFS, name); }
static void gDlError(sqlite3_vfs *v, int n, char *out) { (void)v; realVFS->xDlError(realVFS, n, out); }
static void (*gDlSym(sqlite3_vfs *v, void *handle, const char *symbol))(void) { (void)v; return realVFS->xDlSym(realVFS, handle, symbol); }
static void gDlClose(sqlite3_vfs *v, void *handle) { (void)v; realVFS->xDlClose(realVFS, handle); }
static int gRandomness(sqlite3_vfs *v, int n, char *out) { (void)v; return realVFS->xRandomness(realVFS, n, out); }
static int gSleep(sqlite3_vfs *v, int micros) { (void)v; return realVFS->xSleep(realVFS, micros); }
static int gCurrentTime(sqlite3_vfs *v, double *out) { (void)v; return realVFS->xCurrentTime(realVFS, out); }
static int gGetLastError(sqlite3_vfs *v, int n, char *out) { (void)v; return realVFS->xGetLastError(realVFS, n, out); }
static int gCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *out) { (void)v; return realVFS->xCurrentTimeInt64(realVFS, out); }

int sb_wal_write_buffer_register(void) {
    if (realVFS) return SQLITE_OK;
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (!base || base->iVersion < 2) return SQLITE_ERROR;
    realVFS = base;
    gatherVFS = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(GatherFile) + base->szOsFile,
        .mxPathname = base->mxPathname,
        .zName = sb_wal_write_buffer_vfs_name,
        .xOpen = gOpen, .xDelete = gDelete, .xAccess = gAccess, .xFullPathname = gFullPathname,
        .xDlOpen = gDlOpen, .xDlError = gDlError, .xDlSym = gDlSym, .xDlClose = gDlClose,
        .xRandomness = gRandomness, .xSleep = gSleep, .xCurrentTime = gCurrentTime,
        .xGetLastError = gGetLastError, .xCurrentTimeInt64 = gCurrentTimeInt64,
    };
    return sqlite3_vfs_register(&gatherVFS, 0);
}
