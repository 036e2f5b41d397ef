// A page cache that forwards to SQLite's default one (pcache1), with one change.
//
// When a B-tree split leaves its sibling pages out of page-number order, SQLite swaps
// their numbers through a spare number, the lock-byte page's (1 GiB / page size + 1,
// 262145 with 4 KiB pages), which no database page ever uses. pcache1 remembers the
// largest number a cache has held, and every commit ends by dropping the pages past the
// end of the database; when that largest number is far past the end, pcache1 visits every
// bucket of its hash table (one per page the cache can hold: 16,384 for the writer's
// 64 MiB), not only the buckets past the end. With random keys in the indexes a split
// happens in nearly every commit, so every commit paid for that visit (12% of the
// writer's time in bench/ingest).
//
// Here the page SQLite parks at the spare number is parked instead at a number just above
// every page the cache holds (`standIn`), so pcache1's largest number stays next to the
// end of the database. The stand-in lasts only while SQLite holds the page there: SQLite
// moves it on (or drops it) before doing anything else with the cache. Should anything
// reach the stand-in's own number first, or truncate the cache, the page goes back to the
// spare number before the call is forwarded, which is exactly what pcache1 alone would
// hold at that moment.
#include "page_cache_stand_in.h"

#include <sqlite3.h>
#include <stddef.h>

typedef struct StandInCache {
    sqlite3_pcache *real;
    unsigned spareKey;             // the lock-byte page's number for this page size
    unsigned maxKey;               // no page the cache holds has a larger number
    unsigned standIn;              // where the page SQLite parked at spareKey is (0: none)
    sqlite3_pcache_page *parked;
} StandInCache;

static sqlite3_pcache_methods2 realMethods;
static int installed;
static unsigned long long standIns;

enum { LOCK_BYTE_OFFSET = 0x40000000 };   // SQLite's PENDING_BYTE

static int standInInit(void *arg) {
    (void)arg;
    return realMethods.xInit ? realMethods.xInit(realMethods.pArg) : SQLITE_OK;
}

static void standInShutdown(void *arg) {
    (void)arg;
    if (realMethods.xShutdown) realMethods.xShutdown(realMethods.pArg);
}

static sqlite3_pcache *standInCreate(int szPage, int szExtra, int bPurgeable) {
    StandInCache *cache = sqlite3_malloc(sizeof *cache);
    if (cache == NULL) return NULL;
    cache->real = realMethods.xCreate(szPage, szExtra, bPurgeable);
    if (cache->real == NULL) {
        sqlite3_free(cache);
        return NULL;
    }
    cache->spareKey = szPage > 0 ? (unsigned)(LOCK_BYTE_OFFSET / szPage) + 1 : 0;
    cache->maxKey = 0;
    cache->standIn = 0;
    cache->parked = NULL;
    return (sqlite3_pcache *)cache;
}

/// Puts the parked page back at the spare number, where pcache1 alone would have it.
static void unpark(StandInCache *cache) {
    if (cache->standIn == 0) return;
    realMethods.xRekey(cache->real, cache->parked, cache->standIn, cache->spareKey);
    cache->standIn = 0;
    cache->parked = NULL;
}

static void noteKey(StandInCache *cache, unsigned key) {
    if (key > cache->maxKey && key != cache->spareKey) cache->maxKey = key;
}

static void standInCachesize(sqlite3_pcache *p, int nCachesize) {
    realMethods.xCachesize(((StandInCache *)p)->real, nCachesize);
}

static int standInPagecount(sqlite3_pcache *p) {
    return realMethods.xPagecount(((StandInCache *)p)->real);
}

static sqlite3_pcache_page *standInFetch(sqlite3_pcache *p, unsigned key, int createFlag) {
    StandInCache *cache = (StandInCache *)p;
    if (cache->standIn != 0) {
        if (key == cache->spareKey) return realMethods.xFetch(cache->real, cache->standIn, createFlag);
        if (key == cache->standIn) unpark(cache);
    }
    sqlite3_pcache_page *page = realMethods.xFetch(cache->real, key, createFlag);
    if (page != NULL) noteKey(cache, key);
    return page;
}

static void standInUnpin(sqlite3_pcache *p, sqlite3_pcache_page *page, int discard) {
    StandInCache *cache = (StandInCache *)p;
    // A parked page SQLite lets go of without dropping goes back to the spare number first.
    if (cache->standIn != 0 && page == cache->parked) {
        if (discard) {
            cache->standIn = 0;
            cache->parked = NULL;
        } else {
            unpark(cache);
        }
    }
    realMethods.xUnpin(cache->real, page, discard);
}

static void standInRekey(sqlite3_pcache *p, sqlite3_pcache_page *page, unsigned oldKey, unsigned newKey) {
    StandInCache *cache = (StandInCache *)p;
    if (cache->standIn != 0 && oldKey == cache->spareKey && page == cache->parked) {
        // The parked page moves on: from its stand-in number, not the spare one. That number
        // is free again, so the next swap reuses it rather than creeping one higher each time.
        oldKey = cache->standIn;
        if (cache->maxKey == cache->standIn) cache->maxKey = cache->standIn - 1;
        cache->standIn = 0;
        cache->parked = NULL;
    } else if (cache->standIn != 0 && (newKey == cache->standIn || newKey == cache->spareKey)) {
        unpark(cache);
    }
    // (Compared without maxKey + 1, which would wrap at the largest key.)
    if (newKey == cache->spareKey && newKey != 0 && cache->standIn == 0 && cache->maxKey < cache->spareKey - 1) {
        cache->standIn = cache->maxKey + 1;
        cache->parked = page;
        __atomic_add_fetch(&standIns, 1, __ATOMIC_RELAXED);
        realMethods.xRekey(cache->real, page, oldKey, cache->standIn);
        cache->maxKey = cache->standIn;
        return;
    }
    realMethods.xRekey(cache->real, page, oldKey, newKey);
    noteKey(cache, newKey);
}

static void standInTruncate(sqlite3_pcache *p, unsigned iLimit) {
    StandInCache *cache = (StandInCache *)p;
    unpark(cache);
    realMethods.xTruncate(cache->real, iLimit);
    if (iLimit == 0) cache->maxKey = 0;
    else if (cache->maxKey >= iLimit) cache->maxKey = iLimit - 1;
}

static void standInDestroy(sqlite3_pcache *p) {
    StandInCache *cache = (StandInCache *)p;
    realMethods.xDestroy(cache->real);
    sqlite3_free(cache);
}

static void standInShrink(sqlite3_pcache *p) {
    realMethods.xShrink(((StandInCache *)p)->real);
}

unsigned long long sb_page_cache_stand_ins(void) {
    return __atomic_load_n(&standIns, __ATOMIC_RELAXED);
}

static sqlite3_pcache_methods2 standInMethods = {
    .iVersion = 1,
    .xInit = standInInit, .xShutdown = standInShutdown, .xCreate = standInCreate,
    .xCachesize = standInCachesize, .xPagecount = standInPagecount, .xFetch = standInFetch,
    .xUnpin = standInUnpin, .xRekey = standInRekey, .xTruncate = standInTruncate,
    .xDestroy = standInDestroy, .xShrink = standInShrink,
};

int sb_page_cache_install(void) {
    if (installed) return SQLITE_OK;
    int code = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &realMethods);
    if (code != SQLITE_OK) return code;
    if (realMethods.iVersion < 1 || realMethods.xCreate == NULL || realMethods.xRekey == NULL) return SQLITE_ERROR;
    code = sqlite3_config(SQLITE_CONFIG_PCACHE2, &standInMethods);
    if (code == SQLITE_OK) installed = 1;
    return code;
}
