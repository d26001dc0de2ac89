/* bench-db.c: TgDb with a big usage history.
 *
 * Inserts N usage rows (default 1 000 000; argv[1] overrides) spread over 90
 * days through tg_db_insert_usage() in transactions of 10 000, then times
 * tg_db_aggregate_usage() for every grouping over the last 30 days and over all
 * 90 days: best and median of 5 runs. Everything lives in a temporary folder
 * that is removed at the end.
 *
 *   bench-db [ROWS]
 */

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tg-bench-data.h"
#include "tg-db.h"

#define RUNS       5

static const char * const group_names[] = {
  [TG_USAGE_GROUP_NONE] = "totals",
  [TG_USAGE_GROUP_PROVIDER] = "provider",
  [TG_USAGE_GROUP_MODEL] = "model",
  [TG_USAGE_GROUP_HOUR] = "hour",
  [TG_USAGE_GROUP_DAY] = "day",
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260329);
  g_autofree char *dir = NULL;
  gint64 n_rows = 1000000;
  gint64 end_ms, start_ms;
  gint64 inserted = 0, fallbacks = 0;
  gint64 began;
  double insert_s;
  struct { const char *name; gint64 from_ms; } ranges[2];

  if (argc > 1)
    {
      char *rest = NULL;

      n_rows = g_ascii_strtoll (argv[1], &rest, 10);
      if (rest == argv[1] || *rest != '\0' || n_rows <= 0)
        {
          g_printerr ("Usage: %s [ROWS]\n", argv[0]);
          return EXIT_FAILURE;
        }
    }

  db = tg_bench_open_temp_db (&dir, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  end_ms = TG_BENCH_END_MS;
  start_ms = end_ms - 90 * TG_BENCH_DAY_MS;

  g_print ("Tollgate database benchmark: %" G_GINT64_FORMAT " usage rows over 90 days, "
           "%u providers, SQLite %s\n", n_rows, tg_bench_n_providers (), sqlite3_libversion ());

  began = g_get_monotonic_time ();
  inserted = tg_bench_fill_usage (db, rand, n_rows, start_ms, end_ms, &fallbacks, &error);
  insert_s = (g_get_monotonic_time () - began) / 1e6;

  if (inserted < 0)
    {
      g_printerr ("%s\n", error->message);
      g_clear_object (&db);
      tg_bench_remove_folder (dir);
      return EXIT_FAILURE;
    }

  g_print ("\nInsert: %" G_GINT64_FORMAT " rows (%" G_GINT64_FORMAT " fallbacks) in %.2f s: %.0f rows/s "
           "(tg_db_insert_usage, %d per transaction)\n",
           inserted, fallbacks, insert_s, inserted / insert_s, TG_BENCH_BATCH);

  ranges[0].name = "last 30 days";
  ranges[0].from_ms = end_ms - 30 * TG_BENCH_DAY_MS;
  ranges[1].name = "all 90 days";
  ranges[1].from_ms = start_ms;

  g_print ("\ntg_db_aggregate_usage, %d runs each (local time zone for hour and day):\n\n", RUNS);
  g_print ("%-9s  %-13s  %8s  %12s  %10s  %10s\n", "group", "range", "results", "requests", "best ms", "median ms");
  g_print ("%-9s  %-13s  %8s  %12s  %10s  %10s\n", "---------", "-------------", "--------",
           "------------", "----------", "----------");

  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      for (TgUsageGroup group = TG_USAGE_GROUP_NONE; group <= TG_USAGE_GROUP_DAY; group++)
        {
          double ms[RUNS];
          guint n_results = 0;
          gint64 requests = 0;

          for (guint run = 0; run < RUNS; run++)
            {
              g_autoptr(GPtrArray) result = NULL;
              gint64 t0 = g_get_monotonic_time ();

              /* A minute past the end takes in the last retries (latency < 30 s). */
              result = tg_db_aggregate_usage (db, ranges[r].from_ms, end_ms + 60000, group, &error);
              ms[run] = (g_get_monotonic_time () - t0) / 1000.0;
              if (result == NULL)
                {
                  g_printerr ("Aggregate failed: %s\n", error->message);
                  g_clear_object (&db);
                  tg_bench_remove_folder (dir);
                  return EXIT_FAILURE;
                }

              n_results = result->len;
              requests = 0;
              for (guint i = 0; i < result->len; i++)
                requests += ((TgUsageAggregate *) result->pdata[i])->requests;
            }

          qsort (ms, RUNS, sizeof ms[0], tg_bench_compare_double);
          g_print ("%-9s  %-13s  %8u  %12" G_GINT64_FORMAT "  %10.2f  %10.2f\n",
                   group_names[group], ranges[r].name, n_results, requests, ms[0], ms[RUNS / 2]);
        }
    }

  g_clear_object (&db);
  tg_bench_remove_folder (dir);

  return EXIT_SUCCESS;
}
