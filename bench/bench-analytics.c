/* bench-analytics.c: TgAnalyticsService with a big usage history.
 *
 * Inserts N usage rows (default 1 000 000; argv[1] overrides) over 90 days
 * with the generator bench-db uses, then times every query the cost
 * dashboard makes over the last 30 days (totals, by provider, by model,
 * hourly and daily series, the daily series by provider, latency
 * percentiles, budget status, the hard-limit check; the hourly series by
 * provider over 2 days) in the local zone (TZ): best and median of 5 runs. Last, record() throughput: M more attempts (default 10 000; argv[2])
 * one by one through the whole service as TgAiClient makes them, each its own
 * transaction, with a monthly budget, alerts and the hard limit set so every
 * record also checks the budget. Everything lives in a temporary folder that
 * is removed at the end.
 *
 *   bench-analytics [ROWS [RECORDS]]
 */

#include <stdlib.h>


#include "tg-analytics-service.h"
#include "tg-bench-data.h"

#define RUNS 5

typedef struct {
  gint64 now;
} BenchClock;

static gint64
bench_clock (gpointer user_data)
{
  return ((BenchClock *) user_data)->now;
}

typedef enum {
  QUERY_TOTALS,
  QUERY_PROVIDER,
  QUERY_MODEL,
  QUERY_HOURLY,
  QUERY_DAILY,
  QUERY_DAILY_BY_PROVIDER,
  QUERY_HOURLY_BY_PROVIDER_2_DAYS,
  QUERY_LATENCY,
  QUERY_BUDGET_STATUS,
  QUERY_CHECK_BUDGET,
  N_QUERIES
} Query;

static const char * const query_names[] = {
  [QUERY_TOTALS] = "get_totals",
  [QUERY_PROVIDER] = "get_by_provider",
  [QUERY_MODEL] = "get_by_model",
  [QUERY_HOURLY] = "get_time_series hour",
  [QUERY_DAILY] = "get_time_series day",
  [QUERY_DAILY_BY_PROVIDER] = "get_time_series_by_provider day",
  [QUERY_HOURLY_BY_PROVIDER_2_DAYS] = "by_provider hour, last 2 days",
  [QUERY_LATENCY] = "get_latency",
  [QUERY_BUDGET_STATUS] = "get_budget_status",
  [QUERY_CHECK_BUDGET] = "check_budget",
};

/* Runs @query once; returns how many results it gave, -1 on error. */
static gint64
run_query (TgAnalyticsService  *service,
           Query                query,
           gint64               from_ms,
           gint64               to_ms,
           GError             **error)
{
  switch (query)
    {
    case QUERY_TOTALS:
      {
        g_autoptr(TgUsageAggregate) totals = tg_analytics_service_get_totals (service, from_ms, to_ms, error);
        return totals != NULL ? 1 : -1;
      }

    case QUERY_PROVIDER:
    case QUERY_MODEL:
    case QUERY_HOURLY:
    case QUERY_DAILY:
      {
        g_autoptr(GPtrArray) rows = NULL;

        if (query == QUERY_PROVIDER)
          rows = tg_analytics_service_get_by_provider (service, from_ms, to_ms, error);
        else if (query == QUERY_MODEL)
          rows = tg_analytics_service_get_by_model (service, from_ms, to_ms, error);
        else
          rows = tg_analytics_service_get_time_series (service, from_ms, to_ms,
                                                       query == QUERY_HOURLY ? TG_TIME_BUCKET_HOUR
                                                                             : TG_TIME_BUCKET_DAY,
                                                       error);
        return rows != NULL ? (gint64) rows->len : -1;
      }

    case QUERY_DAILY_BY_PROVIDER:
    case QUERY_HOURLY_BY_PROVIDER_2_DAYS:
      {
        gboolean hourly = query == QUERY_HOURLY_BY_PROVIDER_2_DAYS;
        g_autoptr(GHashTable) series = NULL;

        series = tg_analytics_service_get_time_series_by_provider (service,
                                                                   hourly ? to_ms - 2 * TG_BENCH_DAY_MS : from_ms,
                                                                   to_ms,
                                                                   hourly ? TG_TIME_BUCKET_HOUR : TG_TIME_BUCKET_DAY,
                                                                   error);
        return series != NULL ? (gint64) g_hash_table_size (series) : -1;
      }

    case QUERY_LATENCY:
      {
        TgLatencyStats stats;

        return tg_analytics_service_get_latency (service, from_ms, to_ms, NULL, &stats, error)
               ? (gint64) stats.n_samples : -1;
      }

    case QUERY_BUDGET_STATUS:
      {
        g_autoptr(TgBudgetStatus) status = tg_analytics_service_get_budget_status (service, error);
        return status != NULL ? 1 : -1;
      }

    case QUERY_CHECK_BUDGET:
      return tg_analytics_service_check_budget (service, error) ? 1 : -1;

    case N_QUERIES:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_count (const char *text,
             gint64     *out)
{
  char *rest = NULL;

  *out = g_ascii_strtoll (text, &rest, 10);
  return rest != text && *rest == '\0' && *out > 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgAnalyticsService) service = NULL;
  g_autoptr(TgPreferences) prefs = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260329);
  g_autoptr(TgUsageRecord) record = tg_usage_record_new ();
  g_autofree char *dir = NULL;
  gint64 n_rows = 1000000, n_records = 10000;
  gint64 end_ms, start_ms, from_ms;
  gint64 inserted, began;
  double insert_s, record_s;
  BenchClock clock;
  int status = EXIT_FAILURE;

  if ((argc > 1 && !parse_count (argv[1], &n_rows)) ||
      (argc > 2 && !parse_count (argv[2], &n_records)) || argc > 3)
    {
      g_printerr ("Usage: %s [ROWS [RECORDS]]\n", argv[0]);
      return EXIT_FAILURE;
    }

  db = tg_bench_open_temp_db (&dir, &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  /* The same 90 days as bench-db. */
  end_ms = TG_BENCH_END_MS;
  start_ms = end_ms - 90 * TG_BENCH_DAY_MS;
  from_ms = end_ms - 30 * TG_BENCH_DAY_MS;

  g_print ("Tollgate analytics benchmark: %" G_GINT64_FORMAT " usage rows over 90 days, %u providers\n",
           n_rows, tg_bench_n_providers ());

  began = g_get_monotonic_time ();
  inserted = tg_bench_fill_usage (db, rand, n_rows, start_ms, end_ms, NULL, &error);
  insert_s = (g_get_monotonic_time () - began) / 1e6;
  if (inserted < 0)
    goto out;
  g_print ("Generated in %.1f s\n", insert_s);

  /* A monthly budget far above the spend so far, the default thresholds and
   * the hard limit: each record() checks the budget, and check_budget() has
   * to read the spend. */
  config = tg_config_service_new (db, catalog);
  prefs = tg_preferences_copy (tg_config_service_get_preferences (config));
  prefs->budget_micros = G_GINT64_CONSTANT (1000000000000);
  prefs->budget_period = TG_BUDGET_PERIOD_MONTHLY;
  prefs->hard_limit = TRUE;
  if (!tg_config_service_apply (config, prefs, &error))
    goto out;

  service = tg_analytics_service_new (db, catalog, config);
  clock.now = end_ms;
  tg_analytics_service_set_clock (service, bench_clock, &clock);

  {
    g_autoptr(GTimeZone) local = g_time_zone_new_local ();

    g_print ("\nDashboard queries over the last 30 days, %d runs each (time zone %s):\n\n", RUNS,
             g_time_zone_get_identifier (local));
  }
  g_print ("%-32s  %8s  %10s  %10s\n", "query", "results", "best ms", "median ms");
  g_print ("%-32s  %8s  %10s  %10s\n", "--------------------------------", "--------",
           "----------", "----------");

  for (Query query = 0; query < N_QUERIES; query++)
    {
      double ms[RUNS];
      gint64 n_results = 0;

      for (guint run = 0; run < RUNS; run++)
        {
          gint64 t0 = g_get_monotonic_time ();

          n_results = run_query (service, query, from_ms, end_ms + 60000, &error);
          ms[run] = (g_get_monotonic_time () - t0) / 1000.0;
          if (n_results < 0)
            goto out;
        }

      qsort (ms, RUNS, sizeof ms[0], tg_bench_compare_double);
      g_print ("%-32s  %8" G_GINT64_FORMAT "  %10.2f  %10.2f\n",
               query_names[query], n_results, ms[0], ms[RUNS / 2]);
    }

  /* record() as TgAiClient calls it: one attempt at a time, each committed
   * on its own, the clock moving with the records. */
  began = g_get_monotonic_time ();
  for (gint64 i = 0; i < n_records; i++)
    {
      clock.now = end_ms + 60000 + i * 1000;
      tg_bench_fill_record (record, rand, clock.now, 0);
      if (!tg_analytics_service_record (service, record, &error))
        goto out;
    }
  record_s = (g_get_monotonic_time () - began) / 1e6;

  g_print ("\nrecord(): %" G_GINT64_FORMAT " attempts in %.2f s: %.0f records/s "
           "(each its own transaction, budget checked every time)\n",
           n_records, record_s, n_records / record_s);

  status = EXIT_SUCCESS;

out:
  if (error != NULL)
    g_printerr ("%s\n", error->message);
  g_clear_object (&service);
  g_clear_object (&config);
  g_clear_object (&catalog);
  g_clear_object (&db);
  tg_bench_remove_folder (dir);
  return status;
}
