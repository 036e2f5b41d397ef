#ifndef SWITCHBOARD_PAGE_CACHE_STAND_IN_H
#define SWITCHBOARD_PAGE_CACHE_STAND_IN_H

/// Installs, process-wide, a page cache that forwards every call to SQLite's default one
/// except that the page number SQLite borrows while it reorders the pages of a B-tree split
/// (the lock-byte page) is held under a number just above the pages in the cache. Must run
/// before SQLite initializes (before the first connection opens). Returns an SQLite result
/// code; calling it again does nothing.
int sb_page_cache_install(void);

/// How many times, in this process, a page was parked at a stand-in number instead of the
/// spare one (for tests and diagnostics).
unsigned long long sb_page_cache_stand_ins(void);

#endif
