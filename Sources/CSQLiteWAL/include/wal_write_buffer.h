#ifndef SWITCHBOARD_WAL_WRITE_BUFFER_H
#define SWITCHBOARD_WAL_WRITE_BUFFER_H

/// Registers the SQLite VFS "switchboard-wal": the default (unix) VFS, except that a
/// WAL file gathers the frames of a transaction and writes them with one pwrite when
/// the commit frame arrives, instead of two writes per frame (header, page).
/// Returns an SQLite result code; calling it again does nothing.
int sb_wal_write_buffer_register(void);

/// The name to pass to sqlite3_open_v2.
extern const char *const sb_wal_write_buffer_vfs_name;

struct sqlite3;

/// Makes every rollback on `db` drop what its WAL has gathered (frames no commit covers,
/// which written later would overwrite another connection's). Call once per connection
/// opened with the VFS; it takes the connection's rollback hook.
void sb_wal_write_buffer_install(struct sqlite3 *db);

#endif
