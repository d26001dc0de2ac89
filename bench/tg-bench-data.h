/* tg-bench-data.h: the usage history the benchmarks share.
 *
 * Nine providers and thirty models shaped like the shipped catalogue, 4 %
 * failures of which half are retried on another provider, 1 % estimated
 * token counts: a plausible year of heavy use, reproducible from a seed. */
#pragma once

#include "tg-db.h"

G_BEGIN_DECLS

#define TG_BENCH_DAY_MS  G_GINT64_CONSTANT (86400000)
#define TG_BENCH_BATCH   10000
/* Where the history ends: an instant off any bucket or day boundary, so the
 * ranges the benchmarks ask for have ragged edges like the app's. */
#define TG_BENCH_END_MS  G_GINT64_CONSTANT (1780000000123)

/* Inserts @n_rows usage rows spread over [@start_ms, @end_ms) through
 * tg_db_insert_usage(), in transactions of TG_BENCH_BATCH; the retry of a
 * failure follows it (fallback_of set). Returns the rows inserted, -1 on error;
 * *@fallbacks (nullable) counts the retries. */
gint64 tg_bench_fill_usage        (TgDb    *db,
                                   GRand   *rand,
                                   gint64   n_rows,
                                   gint64   start_ms,
                                   gint64   end_ms,
                                   gint64  *fallbacks,
                                   GError **error);
/* One random attempt at @time_ms (reuses @record's strings' storage). */
void   tg_bench_fill_record       (TgUsageRecord *record,
                                   GRand         *rand,
                                   gint64         time_ms,
                                   gint64         fallback_of);
guint  tg_bench_n_providers       (void);
/* For qsort() of doubles. */
int    tg_bench_compare_double    (gconstpointer a,
                                   gconstpointer b);
/* A new database in a new temporary folder (*@out_dir, for
 * tg_bench_remove_folder()). NULL with @error. */
TgDb  *tg_bench_open_temp_db      (char   **out_dir,
                                   GError **error);
/* Removes a flat folder and its files. */
void   tg_bench_remove_folder     (const char *path);

G_END_DECLS
