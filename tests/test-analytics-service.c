/* test-analytics-service.c: TgAnalyticsService with an injected clock and fixed zones. */

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tg-analytics-service.h"
#include "tg-usage-writer.h"
#include "tg-test-utils.h"
#include "tg-usage-test-utils.h"

#define HOUR_MS_FOR_TEST G_GINT64_CONSTANT (3600000)
#define DAY_MS_FOR_TEST  G_GINT64_CONSTANT (86400000)

/* Helpers */

typedef struct {
  gint64 now;
} TestClock;

static gint64
test_clock (gpointer user_data)
{
  return ((TestClock *) user_data)->now;
}

/* A store, a (fake until merge) config service and the service under test,
 * with a clock and a zone, logging the signals as "u" (usage-recorded),
 * "t50" (threshold 50 %) and "x" (exceeded), space-separated. */
typedef struct {
  TgDb               *db;
  TgCatalog          *catalog;
  TgConfigService    *config;
  TgAnalyticsService *service;
  GTimeZone          *tz;
  TestClock           clock;
  GString            *log;
  TgBudgetStatus      last_status;
} Env;

static void
on_usage_recorded (TgAnalyticsService *service,
                   TgUsageRecord      *record,
                   Env                *env)
{
  g_assert_cmpint (record->id, >, 0);
  g_string_append (env->log, "u ");
}

static void
on_threshold_crossed (TgAnalyticsService *service,
                      guint               percent,
                      TgBudgetStatus     *status,
                      Env                *env)
{
  guint i;

  /* The status says the threshold is crossed, with the spend that crossed it. */
  for (i = 0; i < status->n_thresholds && status->thresholds[i] != percent; i++)
    ;
  g_assert_cmpuint (i, <, status->n_thresholds);
  g_assert_true (status->crossed_mask & (1u << i));
  g_assert_cmpint (status->spent_micros * 100, >=, status->budget_micros * percent);
  env->last_status = *status;
  g_string_append_printf (env->log, "t%u ", percent);
}

static void
on_exceeded (TgAnalyticsService *service,
             TgBudgetStatus     *status,
             Env                *env)
{
  g_assert_true (status->exceeded);
  g_assert_cmpint (status->spent_micros, >=, status->budget_micros);
  env->last_status = *status;
  g_string_append (env->log, "x ");
}

static void
env_start_services (Env *env)
{
  env->config = tg_config_service_new (env->db, env->catalog);
  env->service = tg_analytics_service_new (env->db, env->catalog, env->config);
  tg_analytics_service_set_clock (env->service, test_clock, &env->clock);
  tg_analytics_service_set_timezone (env->service, env->tz);
  tg_analytics_service_set_week_start (env->service, G_DATE_MONDAY);
  g_signal_connect (env->service, "usage-recorded", G_CALLBACK (on_usage_recorded), env);
  g_signal_connect (env->service, "budget-threshold-crossed", G_CALLBACK (on_threshold_crossed), env);
  g_signal_connect (env->service, "budget-exceeded", G_CALLBACK (on_exceeded), env);
}

static void
env_init (Env        *env,
          const char *zone)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GError) error = NULL;

  memset (env, 0, sizeof *env);
  env->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  env->catalog = tg_catalog_new ();
  env->tz = g_time_zone_new_identifier (zone);
  g_assert_nonnull (env->tz);
  env->log = g_string_new (NULL);
  env_start_services (env);
}

/* A restart: new service objects on the same store. */
static void
env_restart (Env *env)
{
  g_clear_object (&env->service);
  g_clear_object (&env->config);
  env_start_services (env);
}

static void
env_clear (Env *env)
{
  g_clear_object (&env->service);
  g_clear_object (&env->config);
  g_clear_object (&env->catalog);
  g_clear_object (&env->db);
  g_clear_pointer (&env->tz, g_time_zone_unref);
  g_string_free (env->log, TRUE);
}

static const char *
env_take_log (Env *env)
{
  static char *last;

  g_free (last);
  last = g_strdup (env->log->str);
  g_string_truncate (env->log, 0);
  return g_strchomp (last);
}

static void
set_budget (Env            *env,
            gint64          budget_micros,
            TgBudgetPeriod  period,
            gboolean        hard_limit)
{
  g_autoptr(TgPreferences) prefs = tg_preferences_copy (tg_config_service_get_preferences (env->config));
  g_autoptr(GError) error = NULL;

  prefs->budget_micros = budget_micros;
  prefs->budget_period = period;
  prefs->hard_limit = hard_limit;
  prefs->alert_thresholds[0] = 50;
  prefs->alert_thresholds[1] = 80;
  prefs->alert_thresholds[2] = 100;
  prefs->n_alert_thresholds = 3;
  g_assert_true (tg_config_service_apply (env->config, prefs, &error));
  g_assert_no_error (error);
}

/* Records an "ok" attempt costing @cost_micros at the clock's time. */
static void
spend (Env    *env,
       gint64  cost_micros)
{
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (env->clock.now, "openai", "gpt-5", "ok",
                                                10, 10, 0, FALSE, cost_micros);
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_analytics_service_record (env->service, record, &error));
  g_assert_no_error (error);
  g_assert_cmpint (record->id, >, 0);
}

static void
record_usage (Env           *env,
              TgUsageRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_analytics_service_record (env->service, record, &error));
  g_assert_no_error (error);
}

/* The fixed data set (UTC):
 *   10 Jan 00:05  openai/gpt-5          ok            100/10/0     1000
 *   10 Jan 00:20  openai/gpt-5-mini     rate-limited  0/0/0        0
 *   10 Jan 01:00  anthropic/claude      ok (est.)     200/20/50    3000
 *   10 Jan 23:59:59.999 openai/gpt-5    ok            300/30/0     5000
 *   11 Jan 00:00  gemini/flash          server (est.) 10/0/0       7
 *   12 Jan 12:34:56.789 anthropic/claude ok           400/40/100   11000
 *   13 Jan 00:00  openai/gpt-5          ok            1/1/0        100000   (outside [10, 13) Jan) */
static void
record_fixed_usage (Env *env)
{
  const struct {
    gint64 time_ms;
    const char *provider, *model, *outcome;
    gint64 input, output, cached;
    gboolean estimated;
    gint64 cost;
    gint64 latency;
  } rows[] = {
    { tg_test_utc_ms (2026, 1, 10, 0, 5, 0, 0), "openai", "gpt-5", "ok", 100, 10, 0, FALSE, 1000, 300 },
    { tg_test_utc_ms (2026, 1, 10, 0, 20, 0, 0), "openai", "gpt-5-mini", "rate-limited", 0, 0, 0, FALSE, 0, 5 },
    { tg_test_utc_ms (2026, 1, 10, 1, 0, 0, 0), "anthropic", "claude", "ok", 200, 20, 50, TRUE, 3000, 100 },
    { tg_test_utc_ms (2026, 1, 10, 23, 59, 59, 999), "openai", "gpt-5", "ok", 300, 30, 0, FALSE, 5000, 200 },
    { tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), "gemini", "flash", "server", 10, 0, 0, TRUE, 7, 9000 },
    { tg_test_utc_ms (2026, 1, 12, 12, 34, 56, 789), "anthropic", "claude", "ok", 400, 40, 100, FALSE, 11000, 400 },
    { tg_test_utc_ms (2026, 1, 13, 0, 0, 0, 0), "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 100000, 500 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (rows[i].time_ms, rows[i].provider, rows[i].model,
                                                    rows[i].outcome, rows[i].input, rows[i].output,
                                                    rows[i].cached, rows[i].estimated, rows[i].cost);

      record->latency_total_ms = rows[i].latency;
      record_usage (env, record);
    }
}

/* Only the starts and costs of a time series. */
static void
assert_series (GPtrArray    *got,
               const gint64 *starts,
               const gint64 *costs,
               guint         n)
{
  g_assert_nonnull (got);
  g_assert_cmpuint (got->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const TgUsageAggregate *agg = g_ptr_array_index (got, i);

      g_assert_null (agg->key);
      g_assert_cmpint (agg->bucket_start_ms, ==, starts[i]);
      g_assert_cmpint (agg->cost_micros, ==, costs[i]);
    }
}

/* No store */

static void
on_export_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  struct { gboolean done; gint64 rows; GError *error; } *out = user_data;

  out->rows = tg_analytics_service_export_csv_finish (TG_ANALYTICS_SERVICE (source), result, &out->error);
  out->done = TRUE;
}

/* Runs an export to the end; returns the rows written or -1 with @error. */
static gint64
export_csv (TgAnalyticsService  *service,
            GFile               *file,
            gint64               from_ms,
            gint64               to_ms,
            GCancellable        *cancellable,
            GError             **error)
{
  struct { gboolean done; gint64 rows; GError *error; } out = { 0 };

  tg_analytics_service_export_csv_async (service, file, from_ms, to_ms, cancellable, on_export_done, &out);
  while (!out.done)
    g_main_context_iteration (NULL, TRUE);

  if (out.error != NULL)
    g_propagate_error (error, out.error);
  return out.rows;
}

static void
test_no_store (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgAnalyticsService) service = tg_analytics_service_new (NULL, NULL, NULL);
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(GFile) file = g_file_new_build_filename (dir, "usage.csv", NULL);
  g_autoptr(GError) error = NULL;
  TgLatencyStats stats;

  g_assert_false (tg_analytics_service_record (service, record, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_assert_nonnull (strstr (error->message, "database"));
  g_clear_error (&error);

  g_assert_null (tg_analytics_service_get_totals (service, 0, 1000, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_by_provider (service, 0, 1000, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_by_model (service, 0, 1000, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_time_series (service, 0, 1000, TG_TIME_BUCKET_HOUR, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_time_series_by_provider (service, 0, 1000, TG_TIME_BUCKET_DAY, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_false (tg_analytics_service_get_latency (service, 0, 1000, NULL, &stats, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_budget_status (service, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);

  g_assert_cmpint (export_csv (service, file, 0, 1000, NULL, &error), ==, -1);
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_NO_STORE);
  g_clear_error (&error);
  g_assert_false (g_file_query_exists (file, NULL));

  /* Without a budget there is nothing to refuse. */
  g_assert_true (tg_analytics_service_check_budget (service, &error));
  g_assert_no_error (error);
}

static void
test_invalid_range (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  TgLatencyStats stats;

  env_init (&env, "UTC");

  g_assert_null (tg_analytics_service_get_totals (env.service, 1000, 1000, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_by_provider (env.service, 2000, 1000, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_time_series (env.service, 2000, 1000, TG_TIME_BUCKET_DAY, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_clear_error (&error);
  g_assert_false (tg_analytics_service_get_latency (env.service, 5, 5, "openai", &stats, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  /* "Everything" is fine for sums but not as hourly chart points. */
  g_assert_null (tg_analytics_service_get_time_series (env.service, 0, G_MAXINT64, TG_TIME_BUCKET_HOUR, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_assert_nonnull (strstr (error->message, "100000"));
  g_clear_error (&error);
  g_assert_null (tg_analytics_service_get_time_series_by_provider (env.service, 0, G_MAXINT64,
                                                                   TG_TIME_BUCKET_HOUR, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);
  g_clear_error (&error);

  {
    g_autoptr(TgUsageAggregate) all = tg_analytics_service_get_totals (env.service, 0, G_MAXINT64, &error);

    g_assert_no_error (error);
    g_assert_cmpint (all->requests, ==, 0);
  }

  env_clear (&env);
}

/* Aggregates */

static void
test_aggregates (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  gint64 from = tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0);
  gint64 to = tg_test_utc_ms (2026, 1, 13, 0, 0, 0, 0);

  env_init (&env, "UTC");
  record_fixed_usage (&env);
  g_assert_cmpstr (env_take_log (&env), ==, "u u u u u u u");

  {
    const TgTestExpected expected = { NULL, 0, 6, 2, 2, 1010, 100, 150, 20007 };
    g_autoptr(TgUsageAggregate) got = tg_analytics_service_get_totals (env.service, from, to, &error);

    g_assert_no_error (error);
    tg_test_assert_aggregate (got, &expected);
  }

  {
    /* A range inside one 15-minute bucket and ending a millisecond early. */
    const TgTestExpected expected = { NULL, 0, 1, 0, 0, 300, 30, 0, 5000 };
    g_autoptr(TgUsageAggregate) got = tg_analytics_service_get_totals (env.service,
                                                                       tg_test_utc_ms (2026, 1, 10, 23, 59, 59, 999),
                                                                       tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0),
                                                                       &error);
    g_assert_no_error (error);
    tg_test_assert_aggregate (got, &expected);
  }

  {
    /* By cost, most expensive first. */
    const TgTestExpected expected[] = {
      { "anthropic", 0, 2, 0, 1, 600, 60, 150, 14000 },
      { "openai", 0, 3, 1, 0, 400, 40, 0, 6000 },
      { "gemini", 0, 1, 1, 1, 10, 0, 0, 7 },
    };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_by_provider (env.service, from, to, &error);

    g_assert_no_error (error);
    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { "anthropic/claude", 0, 2, 0, 1, 600, 60, 150, 14000 },
      { "openai/gpt-5", 0, 2, 0, 0, 400, 40, 0, 6000 },
      { "gemini/flash", 0, 1, 1, 1, 10, 0, 0, 7 },
      { "openai/gpt-5-mini", 0, 1, 1, 0, 0, 0, 0, 0 },
    };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_by_model (env.service, from, to, &error);

    g_assert_no_error (error);
    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    /* Every day of the range, the 13th being outside it. */
    const TgTestExpected expected[] = {
      { NULL, tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0), 4, 1, 1, 600, 60, 50, 9000 },
      { NULL, tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), 1, 1, 1, 10, 0, 0, 7 },
      { NULL, tg_test_utc_ms (2026, 1, 12, 0, 0, 0, 0), 1, 0, 0, 400, 40, 100, 11000 },
    };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, from, to,
                                                                     TG_TIME_BUCKET_DAY, &error);
    g_assert_no_error (error);
    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    /* Latency of the successful attempts only: 100, 200, 300, 400 (the
     * 13th is outside); nearest rank: p50 = 2nd, p95 = p99 = 4th. */
    TgLatencyStats stats;

    g_assert_true (tg_analytics_service_get_latency (env.service, from, to, NULL, &stats, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (stats.n_samples, ==, 4);
    g_assert_cmpint (stats.p50_ms, ==, 200);
    g_assert_cmpint (stats.p95_ms, ==, 400);
    g_assert_cmpint (stats.p99_ms, ==, 400);

    g_assert_true (tg_analytics_service_get_latency (env.service, from, to, "anthropic", &stats, &error));
    g_assert_cmpuint (stats.n_samples, ==, 2);
    g_assert_cmpint (stats.p50_ms, ==, 100);
    g_assert_cmpint (stats.p95_ms, ==, 400);

    /* gemini only failed: no samples. */
    g_assert_true (tg_analytics_service_get_latency (env.service, from, to, "gemini", &stats, &error));
    g_assert_cmpuint (stats.n_samples, ==, 0);
    g_assert_cmpint (stats.p50_ms, ==, -1);
    g_assert_cmpint (stats.p95_ms, ==, -1);
    g_assert_cmpint (stats.p99_ms, ==, -1);
  }

  env_clear (&env);
}

static void
test_latency_percentiles (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  TgLatencyStats stats;
  gint64 t0 = tg_test_utc_ms (2026, 5, 1, 0, 0, 0, 0);

  env_init (&env, "UTC");

  /* Latencies 1 … 200 ms in shuffled order: nearest rank gives p50 = 100,
   * p95 = 190, p99 = 198. */
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (t0 + i, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);

      record->latency_total_ms = (i * 7) % 200 + 1;
      record_usage (&env, record);
    }

  g_assert_true (tg_analytics_service_get_latency (env.service, t0, t0 + 200, "openai", &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_samples, ==, 200);
  g_assert_cmpint (stats.p50_ms, ==, 100);
  g_assert_cmpint (stats.p95_ms, ==, 190);
  g_assert_cmpint (stats.p99_ms, ==, 198);

  /* One sample is every percentile. */
  g_assert_true (tg_analytics_service_get_latency (env.service, t0 + 3, t0 + 4, NULL, &stats, &error));
  g_assert_cmpuint (stats.n_samples, ==, 1);
  g_assert_cmpint (stats.p50_ms, ==, 22);
  g_assert_cmpint (stats.p99_ms, ==, 22);

  env_clear (&env);
}

static void
test_time_series_empty_buckets (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  gint64 base = tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0);

  env_init (&env, "UTC");
  record_fixed_usage (&env);

  {
    /* From 23:30 on the 9th to 02:10 on the 10th: four hours, from the one
     * holding the start to the one holding the last millisecond; the empty
     * ones are zeros. */
    const TgTestExpected expected[] = {
      { NULL, base - HOUR_MS_FOR_TEST, 0, 0, 0, 0, 0, 0, 0 },
      { NULL, base, 2, 1, 0, 100, 10, 0, 1000 },
      { NULL, base + HOUR_MS_FOR_TEST, 1, 0, 1, 200, 20, 50, 3000 },
      { NULL, base + 2 * HOUR_MS_FOR_TEST, 0, 0, 0, 0, 0, 0, 0 },
    };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service,
                                                                     base - 30 * 60000,
                                                                     base + 2 * HOUR_MS_FOR_TEST + 10 * 60000,
                                                                     TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    /* Ending exactly on an hour: that hour is not part of the range. */
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, base,
                                                                     base + 2 * HOUR_MS_FOR_TEST,
                                                                     TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 2);
  }

  {
    /* A week with usage on three days only. */
    const gint64 starts[] = {
      base - 2 * DAY_MS_FOR_TEST, base - DAY_MS_FOR_TEST, base, base + DAY_MS_FOR_TEST,
      base + 2 * DAY_MS_FOR_TEST, base + 3 * DAY_MS_FOR_TEST, base + 4 * DAY_MS_FOR_TEST,
    };
    const gint64 costs[] = { 0, 0, 9000, 7, 11000, 100000, 0 };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, base - 2 * DAY_MS_FOR_TEST,
                                                                     base + 5 * DAY_MS_FOR_TEST,
                                                                     TG_TIME_BUCKET_DAY, &error);
    g_assert_no_error (error);
    assert_series (got, starts, costs, G_N_ELEMENTS (starts));
  }

  {
    /* A range with no usage at all is still all its buckets. */
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, tg_test_utc_ms (2025, 1, 1, 0, 0, 0, 0),
                                                                     tg_test_utc_ms (2025, 1, 2, 0, 0, 0, 0),
                                                                     TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 24);
    for (guint i = 0; i < got->len; i++)
      {
        const TgUsageAggregate *agg = g_ptr_array_index (got, i);

        g_assert_cmpint (agg->bucket_start_ms, ==, tg_test_utc_ms (2025, 1, 1, 0, 0, 0, 0) + i * HOUR_MS_FOR_TEST);
        g_assert_cmpint (agg->requests, ==, 0);
      }
  }

  env_clear (&env);
}

/* Europe/Berlin: 2026-03-29 is 23 hours long (02:00 CET -> 03:00 CEST at
 * 01:00Z), 2026-10-25 is 25 hours long (03:00 CEST -> 02:00 CET at 01:00Z). */
static void
test_time_series_dst (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  const struct { gint64 time_ms; gint64 cost; } rows[] = {
    { tg_test_utc_ms (2026, 3, 28, 23, 10, 0, 0), 1 },     /* 00:10 CET, 29 March */
    { tg_test_utc_ms (2026, 3, 29, 0, 59, 59, 999), 2 },   /* 01:59:59 CET */
    { tg_test_utc_ms (2026, 3, 29, 1, 0, 0, 0), 4 },       /* 03:00 CEST */
    { tg_test_utc_ms (2026, 3, 29, 21, 59, 0, 0), 8 },     /* 23:59 CEST, 29 March */
    { tg_test_utc_ms (2026, 10, 25, 0, 30, 0, 0), 16 },    /* 02:30 CEST, 25 October */
    { tg_test_utc_ms (2026, 10, 25, 1, 30, 0, 0), 32 },    /* 02:30 CET, the same hour again */
    { tg_test_utc_ms (2026, 10, 25, 22, 59, 0, 0), 64 },   /* 23:59 CET */
  };

  env_init (&env, "Europe/Berlin");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (rows[i].time_ms, "openai", "gpt-5", "ok", 1, 1, 0,
                                                    FALSE, rows[i].cost);
      record_usage (&env, record);
    }

  {
    /* Three local days around the spring change: 24, 23 and 24 hours. */
    const gint64 starts[] = {
      tg_test_utc_ms (2026, 3, 27, 23, 0, 0, 0),
      tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0),
      tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0),
    };
    const gint64 costs[] = { 0, 15, 0 };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, starts[0],
                                                                     tg_test_utc_ms (2026, 3, 30, 22, 0, 0, 0),
                                                                     TG_TIME_BUCKET_DAY, &error);
    g_assert_no_error (error);
    assert_series (got, starts, costs, G_N_ELEMENTS (starts));
  }

  {
    /* The 29th of March hour by hour: 23 buckets, no 02:00. */
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service,
                                                                     tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0),
                                                                     tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0),
                                                                     TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 23);
    for (guint i = 0; i < got->len; i++)
      {
        const TgUsageAggregate *agg = g_ptr_array_index (got, i);

        g_assert_cmpint (agg->bucket_start_ms, ==, tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0) + i * HOUR_MS_FOR_TEST);
      }
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 1))->cost_micros, ==, 2);
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 2))->cost_micros, ==, 4);
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 22))->cost_micros, ==, 8);
  }

  {
    /* The 25th of October: 25 hours, 02:00 twice (CEST, then CET). */
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service,
                                                                     tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0),
                                                                     tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0),
                                                                     TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 25);
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 2))->bucket_start_ms, ==,
                     tg_test_utc_ms (2026, 10, 25, 0, 0, 0, 0));
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 2))->cost_micros, ==, 16);
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 3))->bucket_start_ms, ==,
                     tg_test_utc_ms (2026, 10, 25, 1, 0, 0, 0));
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 3))->cost_micros, ==, 32);
    g_assert_cmpint (((TgUsageAggregate *) g_ptr_array_index (got, 24))->cost_micros, ==, 64);
  }

  {
    /* And as one day of 25 hours. */
    const gint64 starts[] = { tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0), tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0) };
    const gint64 costs[] = { 112, 0 };
    g_autoptr(GPtrArray) got = tg_analytics_service_get_time_series (env.service, starts[0],
                                                                     starts[1] + 1, TG_TIME_BUCKET_DAY,
                                                                     &error);
    g_assert_no_error (error);
    assert_series (got, starts, costs, G_N_ELEMENTS (starts));
  }

  env_clear (&env);
}

static void
test_time_series_by_provider (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) got = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 from = tg_test_utc_ms (2026, 1, 9, 0, 0, 0, 0);
  gint64 to = tg_test_utc_ms (2026, 1, 14, 0, 0, 0, 0);
  GPtrArray *series;

  env_init (&env, "UTC");
  record_fixed_usage (&env);

  got = tg_analytics_service_get_time_series_by_provider (env.service, from, to, TG_TIME_BUCKET_DAY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (got), ==, 3);

  {
    const TgTestExpected expected[] = {
      { NULL, tg_test_utc_ms (2026, 1, 9, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
      { NULL, tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0), 3, 1, 0, 400, 40, 0, 6000 },
      { NULL, tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
      { NULL, tg_test_utc_ms (2026, 1, 12, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
      { NULL, tg_test_utc_ms (2026, 1, 13, 0, 0, 0, 0), 1, 0, 0, 1, 1, 0, 100000 },
    };

    series = g_hash_table_lookup (got, "openai");
    tg_test_assert_aggregates (series, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { NULL, tg_test_utc_ms (2026, 1, 9, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
      { NULL, tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0), 1, 0, 1, 200, 20, 50, 3000 },
      { NULL, tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
      { NULL, tg_test_utc_ms (2026, 1, 12, 0, 0, 0, 0), 1, 0, 0, 400, 40, 100, 11000 },
      { NULL, tg_test_utc_ms (2026, 1, 13, 0, 0, 0, 0), 0, 0, 0, 0, 0, 0, 0 },
    };

    series = g_hash_table_lookup (got, "anthropic");
    tg_test_assert_aggregates (series, expected, G_N_ELEMENTS (expected));
  }

  /* The providers' series add up to the whole one, bucket by bucket. */
  all = tg_analytics_service_get_time_series (env.service, from, to, TG_TIME_BUCKET_DAY, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      const TgUsageAggregate *whole = g_ptr_array_index (all, i);
      gint64 cost = 0, requests = 0;
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, got);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          const TgUsageAggregate *part = g_ptr_array_index ((GPtrArray *) value, i);

          g_assert_cmpint (part->bucket_start_ms, ==, whole->bucket_start_ms);
          cost += part->cost_micros;
          requests += part->requests;
        }
      g_assert_cmpint (cost, ==, whole->cost_micros);
      g_assert_cmpint (requests, ==, whole->requests);
    }

  {
    /* Hourly, over a range without usage: no providers. */
    g_autoptr(GHashTable) none = tg_analytics_service_get_time_series_by_provider (env.service,
                                                                                   tg_test_utc_ms (2025, 1, 1, 0, 0, 0, 0),
                                                                                   tg_test_utc_ms (2025, 1, 2, 0, 0, 0, 0),
                                                                                   TG_TIME_BUCKET_HOUR, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_hash_table_size (none), ==, 0);
  }

  env_clear (&env);
}

/* The stacked series against the store's own per-provider sums of each
 * bucket's exact range, in zones east and west of UTC, on half hours, past
 * the date line, over a DST change, with ragged range ends. */
static void
check_provider_series (TgAnalyticsService *service,
                       gint64              from,
                       gint64              to,
                       TgTimeBucket        bucket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) got = tg_analytics_service_get_time_series_by_provider (service, from, to, bucket, &error);
  g_autoptr(GPtrArray) whole = tg_analytics_service_get_time_series (service, from, to, bucket, &error);
  g_autoptr(GPtrArray) providers = tg_analytics_service_get_by_provider (service, from, to, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (got), ==, providers->len);

  for (guint i = 0; i < whole->len; i++)
    {
      gint64 start = MAX (from, ((TgUsageAggregate *) g_ptr_array_index (whole, i))->bucket_start_ms);
      gint64 end = i + 1 < whole->len ? ((TgUsageAggregate *) g_ptr_array_index (whole, i + 1))->bucket_start_ms : to;
      g_autoptr(GPtrArray) expected = tg_analytics_service_get_by_provider (service, start, end, &error);
      GHashTableIter iter;
      gpointer key, value;
      guint seen = 0;

      g_assert_no_error (error);
      g_hash_table_iter_init (&iter, got);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const TgUsageAggregate *agg = g_ptr_array_index ((GPtrArray *) value, i);
          TgTestExpected want = { NULL, ((TgUsageAggregate *) g_ptr_array_index (whole, i))->bucket_start_ms };

          g_assert_cmpuint (((GPtrArray *) value)->len, ==, whole->len);
          for (guint j = 0; j < expected->len; j++)
            {
              const TgUsageAggregate *e = g_ptr_array_index (expected, j);

              if (g_str_equal (e->key, key))
                {
                  want.requests = e->requests;
                  want.failures = e->failures;
                  want.estimated = e->estimated;
                  want.input = e->input_tokens;
                  want.output = e->output_tokens;
                  want.cached = e->cached_tokens;
                  want.cost = e->cost_micros;
                  seen++;
                }
            }
          tg_test_assert_aggregate (agg, &want);
        }
      g_assert_cmpuint (seen, ==, expected->len);
    }
}

static void
test_time_series_by_provider_zones (void)
{
  const char * const zones[] = {
    "UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland", "Pacific/Chatham",
  };
  const char * const providers[] = { "openai", "anthropic", "gemini", "a,b" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autoptr(GError) error = NULL;
  gint64 base = tg_test_utc_ms (2026, 10, 15, 0, 0, 0, 0);
  Env env;

  env_init (&env, "UTC");

  /* 3000 attempts over 20 days around the October DST change. */
  g_assert_true (tg_db_begin (env.db, &error));
  for (guint i = 0; i < 3000; i++)
    {
      gint64 time_ms = base + g_rand_int_range (rand, 0, 20 * 24 * 60) * G_GINT64_CONSTANT (60000);
      gboolean ok = g_rand_int_range (rand, 0, 10) != 0;
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (time_ms, providers[g_rand_int_range (rand, 0, 4)],
                                                            g_rand_boolean (rand) ? "m1" : "m2",
                                                            ok ? "ok" : "server",
                                                            g_rand_int_range (rand, 0, 1000),
                                                            g_rand_int_range (rand, 0, 100),
                                                            g_rand_int_range (rand, 0, 10),
                                                            g_rand_int_range (rand, 0, 20) == 0,
                                                            g_rand_int_range (rand, 0, 100000));

      g_assert_true (tg_db_insert_usage (env.db, record, &error));
    }
  g_assert_true (tg_db_commit (env.db, &error));
  g_assert_no_error (error);

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zones[z]);

      g_assert_nonnull (tz);
      tg_analytics_service_set_timezone (env.service, tz);
      /* Ragged ends, and ends on UTC midnights. */
      check_provider_series (env.service, base + 7 * HOUR_MS_FOR_TEST + 123, base + 18 * DAY_MS_FOR_TEST - 5 * 60000,
                             TG_TIME_BUCKET_DAY);
      check_provider_series (env.service, base, base + 21 * DAY_MS_FOR_TEST, TG_TIME_BUCKET_DAY);
      check_provider_series (env.service, base - 3 * DAY_MS_FOR_TEST, base + 2 * HOUR_MS_FOR_TEST, TG_TIME_BUCKET_DAY);
      check_provider_series (env.service, base + 9 * DAY_MS_FOR_TEST + 11 * 60000, base + 11 * DAY_MS_FOR_TEST + 7,
                             TG_TIME_BUCKET_HOUR);
    }

  env_clear (&env);
}

/* Periods */

static void
assert_bounds (TgAnalyticsService *service,
               TgBudgetPeriod      period,
               gint64              now,
               gint64              start,
               gint64              end)
{
  gint64 got_start = 0, got_end = 0;

  tg_analytics_service_get_period_bounds (service, period, now, &got_start, &got_end);
  g_assert_cmpint (got_start, ==, start);
  g_assert_cmpint (got_end, ==, end);
}

static void
test_periods (void)
{
  Env env;

  env_init (&env, "Europe/Berlin");

  /* Daily: local midnight to local midnight; 23 and 25 hours on DST days. */
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 3, 29, 10, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0), tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 10, 25, 10, 0, 0, 0),
                 tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0), tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0));
  /* 23:30 UTC is already the next local day. */
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 1, 14, 23, 30, 0, 0),
                 tg_test_utc_ms (2026, 1, 14, 23, 0, 0, 0), tg_test_utc_ms (2026, 1, 15, 23, 0, 0, 0));
  /* The period's first millisecond belongs to it, its end to the next. */
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 1, 14, 23, 0, 0, 0),
                 tg_test_utc_ms (2026, 1, 14, 23, 0, 0, 0), tg_test_utc_ms (2026, 1, 15, 23, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 1, 14, 22, 59, 59, 999),
                 tg_test_utc_ms (2026, 1, 13, 23, 0, 0, 0), tg_test_utc_ms (2026, 1, 14, 23, 0, 0, 0));

  /* Monthly: month end in local time, and a month that changes offset. */
  assert_bounds (env.service, TG_BUDGET_PERIOD_MONTHLY, tg_test_utc_ms (2026, 1, 31, 22, 59, 59, 999),
                 tg_test_utc_ms (2025, 12, 31, 23, 0, 0, 0), tg_test_utc_ms (2026, 1, 31, 23, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_MONTHLY, tg_test_utc_ms (2026, 1, 31, 23, 30, 0, 0),
                 tg_test_utc_ms (2026, 1, 31, 23, 0, 0, 0), tg_test_utc_ms (2026, 2, 28, 23, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_MONTHLY, tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0),
                 tg_test_utc_ms (2026, 2, 28, 23, 0, 0, 0), tg_test_utc_ms (2026, 3, 31, 22, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_MONTHLY, tg_test_utc_ms (2026, 12, 31, 23, 0, 0, 0),
                 tg_test_utc_ms (2026, 12, 31, 23, 0, 0, 0), tg_test_utc_ms (2027, 1, 31, 23, 0, 0, 0));

  /* Weekly from Monday: Sunday 29 March (a DST day) is the week's last day,
   * a week of 167 hours. */
  tg_analytics_service_set_week_start (env.service, G_DATE_MONDAY);
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 3, 29, 10, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 22, 23, 0, 0, 0), tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0), tg_test_utc_ms (2026, 4, 5, 22, 0, 0, 0));

  /* Weekly from Sunday: the same instant starts a week. */
  tg_analytics_service_set_week_start (env.service, G_DATE_SUNDAY);
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 3, 29, 10, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0), tg_test_utc_ms (2026, 4, 4, 22, 0, 0, 0));
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 3, 28, 12, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 21, 23, 0, 0, 0), tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0));

  /* Saturday start (some locales), across a year end. */
  tg_analytics_service_set_week_start (env.service, G_DATE_SATURDAY);
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 1, 1, 12, 0, 0, 0),
                 tg_test_utc_ms (2025, 12, 26, 23, 0, 0, 0), tg_test_utc_ms (2026, 1, 2, 23, 0, 0, 0));

#ifdef __GLIBC__
  /* 0: the locale's. The tests run in the C locale, whose weeks start on Sunday. */
  tg_analytics_service_set_week_start (env.service, 0);
  assert_bounds (env.service, TG_BUDGET_PERIOD_WEEKLY, tg_test_utc_ms (2026, 3, 28, 12, 0, 0, 0),
                 tg_test_utc_ms (2026, 3, 21, 23, 0, 0, 0), tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0));
#endif

  env_clear (&env);

  /* A zone east of UTC by a fraction of an hour. */
  env_init (&env, "Asia/Kolkata");
  assert_bounds (env.service, TG_BUDGET_PERIOD_DAILY, tg_test_utc_ms (2026, 6, 1, 20, 0, 0, 0),
                 tg_test_utc_ms (2026, 6, 1, 18, 30, 0, 0), tg_test_utc_ms (2026, 6, 2, 18, 30, 0, 0));
  env_clear (&env);
}

/* Budgets */

static void
test_usage_recorded (void)
{
  Env env;
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (5000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 10);
  g_autoptr(TgUsageRecord) bad = tg_test_make_usage (5000, "openai", "gpt-5", "no-such-outcome", 1, 1, 0, FALSE, 10);
  g_autoptr(GError) error = NULL;

  env_init (&env, "UTC");
  env.clock.now = 6000;

  record_usage (&env, record);
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  record->id = 0;
  record_usage (&env, record);
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  /* A record the store refuses is not announced. */
  g_assert_false (tg_analytics_service_record (env.service, bad, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_assert_cmpstr (env_take_log (&env), ==, "");

  env_clear (&env);
}

static void
record_async_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TgUsageRecord **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tg_analytics_service_record_finish (TG_ANALYTICS_SERVICE (source), result, &error);
  g_assert_no_error (error);
}

/* Off the main thread: while another process holds the write lock the row
 * waits, its cost already counts against the budget (a hard limit holds),
 * and the signals and alerts follow once it is in the store. */
static void
test_record_async (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) other = NULL;
  g_autoptr(TgUsageRecord) record = NULL;
  g_autoptr(TgUsageRecord) written = NULL;
  g_autoptr(TgBudgetStatus) status = NULL;

  env_init (&env, "UTC");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_DAILY, TRUE);
  spend (&env, 400000);
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  other = tg_db_open (tg_db_get_path (env.db), TG_DB_OPEN_NO_MIGRATE, &error);
  g_assert_no_error (error);
  g_assert_true (tg_db_begin (other, &error));
  g_assert_no_error (error);

  record = tg_test_make_usage (env.clock.now, "openai", "gpt-5", "ok", 10, 10, 0, FALSE, 600000);
  tg_analytics_service_record_async (env.service, record, record_async_cb, &written);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* Still waiting for the lock: nothing told, but the spend is counted. */
  g_assert_null (written);
  g_assert_cmpstr (env_take_log (&env), ==, "");
  status = tg_analytics_service_get_budget_status (env.service, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->spent_micros, ==, 1000000);
  g_assert_true (status->exceeded);
  g_assert_false (tg_analytics_service_check_budget (env.service, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED);
  g_clear_error (&error);
  g_clear_pointer (&status, tg_budget_status_free);

  g_assert_true (tg_db_commit (other, &error));
  g_assert_no_error (error);
  tg_usage_writer_flush (tg_db_get_usage_writer (env.db));
  while (written == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (written->id, >, 0);
  g_assert_cmpint (written->cost_micros, ==, 600000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50 t80 t100 x");

  /* Counted once: written, it is no longer pending. */
  status = tg_analytics_service_get_budget_status (env.service, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->spent_micros, ==, 1000000);

  env_clear (&env);
}

static void
test_thresholds_once (void)
{
  Env env;
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  env_init (&env, "Europe/Berlin");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);
  g_assert_cmpstr (env_take_log (&env), ==, "");

  spend (&env, 400000);                           /* 40 % */
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 99999);                            /* one micro-dollar short of 50 % */
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 1);                                /* 50 % exactly */
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");
  g_assert_cmpint (env.last_status.spent_micros, ==, 500000);
  g_assert_cmpint (env.last_status.period_start_ms, ==, tg_test_utc_ms (2026, 2, 28, 23, 0, 0, 0));
  g_assert_cmpuint (env.last_status.crossed_mask, ==, 0x1);
  spend (&env, 0);
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 350000);                           /* 85 % */
  g_assert_cmpstr (env_take_log (&env), ==, "u t80");
  spend (&env, 100000);                           /* 95 % */
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 50000);                            /* 100 %: the last threshold and the budget */
  g_assert_cmpstr (env_take_log (&env), ==, "u t100 x");
  g_assert_cmpuint (env.last_status.crossed_mask, ==, 0x7);
  spend (&env, 500000);                           /* 150 % */
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  status = tg_analytics_service_get_budget_status (env.service, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->period, ==, TG_BUDGET_PERIOD_MONTHLY);
  g_assert_cmpint (status->spent_micros, ==, 1500000);
  g_assert_cmpint (status->budget_micros, ==, 1000000);
  g_assert_cmpfloat_with_epsilon (status->fraction, 1.5, 1e-9);
  g_assert_true (status->exceeded);
  g_assert_false (status->hard_limit);
  g_assert_cmpuint (status->n_thresholds, ==, 3);
  g_assert_cmpuint (status->thresholds[1], ==, 80);
  g_assert_cmpuint (status->crossed_mask, ==, 0x7);
  g_assert_cmpint (status->period_end_ms, ==, tg_test_utc_ms (2026, 3, 31, 22, 0, 0, 0));

  /* A usage row from the previous month does not count. */
  {
    g_autoptr(TgUsageRecord) old = tg_test_make_usage (tg_test_utc_ms (2026, 2, 28, 22, 59, 59, 999), "openai", "gpt-5",
                                               "ok", 1, 1, 0, FALSE, 7000000);
    g_autoptr(TgBudgetStatus) again = NULL;

    record_usage (&env, old);
    again = tg_analytics_service_get_budget_status (env.service, &error);
    g_assert_cmpint (again->spent_micros, ==, 1500000);
  }

  env_clear (&env);
}

static void
test_thresholds_several_at_once (void)
{
  Env env;

  env_init (&env, "UTC");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 2000000, TG_BUDGET_PERIOD_DAILY, FALSE);

  /* One expensive request passes two thresholds: both fire, in order. */
  spend (&env, 1700000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50 t80");
  spend (&env, 400000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t100 x");

  env_clear (&env);
}

static void
test_thresholds_next_period (void)
{
  Env env;

  env_init (&env, "Europe/Berlin");
  env.clock.now = tg_test_utc_ms (2026, 3, 31, 21, 0, 0, 0);          /* 23:00 CEST, 31 March */
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);

  spend (&env, 600000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");

  /* 00:30 CEST on 1 April is a new month: the spend starts again at zero and
   * the thresholds are armed again. */
  env.clock.now = tg_test_utc_ms (2026, 3, 31, 22, 30, 0, 0);
  spend (&env, 400000);
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 100000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");
  spend (&env, 500000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t80 t100 x");

  env_clear (&env);
}

static void
test_thresholds_survive_restart (void)
{
  Env env;
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  env_init (&env, "Europe/Berlin");
  env.clock.now = tg_test_utc_ms (2026, 3, 29, 10, 0, 0, 0);
  tg_analytics_service_set_week_start (env.service, G_DATE_MONDAY);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_WEEKLY, FALSE);

  spend (&env, 850000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50 t80");

  /* Quit and start again in the same week: nothing fires twice. */
  env_restart (&env);
  status = tg_analytics_service_get_budget_status (env.service, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status->crossed_mask, ==, 0x3);
  g_assert_false (status->exceeded);
  spend (&env, 1);
  g_assert_cmpstr (env_take_log (&env), ==, "u");
  spend (&env, 149999);
  g_assert_cmpstr (env_take_log (&env), ==, "u t100 x");

  env_restart (&env);
  spend (&env, 1);
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  /* The next week (Monday 00:00 CEST) starts afresh, also after a restart. */
  env.clock.now = tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0);
  env_restart (&env);
  spend (&env, 500000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");

  env_clear (&env);
}

/* Two processes on one store (the window and `tollgate ask`): each counts
 * the other's spend, and an alert fires in only one of them. */
static void
test_thresholds_other_process (void)
{
  Env env;
  g_autoptr(TgConfigService) other_config = NULL;
  g_autoptr(TgAnalyticsService) other = NULL;
  g_autoptr(GString) other_log = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  env_init (&env, "UTC");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);
  spend (&env, 400000);
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  /* A row written behind the service's back. */
  {
    g_autoptr(TgUsageRecord) record = tg_test_make_usage (env.clock.now, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 100000);

    g_assert_true (tg_db_insert_usage (env.db, record, &error));
    g_assert_no_error (error);
  }
  spend (&env, 0);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");

  /* A second service on the same store takes the 80 % alert first. */
  other_config = tg_config_service_new (env.db, env.catalog);
  other = tg_analytics_service_new (env.db, env.catalog, other_config);
  tg_analytics_service_set_clock (other, test_clock, &env.clock);
  tg_analytics_service_set_timezone (other, env.tz);
  {
    g_autoptr(TgUsageRecord) record = tg_test_make_usage (env.clock.now, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 300000);
    Env other_env = { .log = other_log };

    g_signal_connect (other, "budget-threshold-crossed", G_CALLBACK (on_threshold_crossed), &other_env);
    g_assert_true (tg_analytics_service_record (other, record, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (other_log->str, ==, "t80 ");
    g_signal_handlers_disconnect_by_data (other, &other_env);
  }

  /* The first one counts that spend and does not fire 80 % again. */
  spend (&env, 200000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t100 x");

  env_clear (&env);
}

static void
test_budget_change_rearms (void)
{
  Env env;

  env_init (&env, "UTC");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);
  spend (&env, 600000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");

  /* Raised: 30 % of the new budget, nothing yet; 50 % of it fires again. */
  set_budget (&env, 2000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);
  g_assert_cmpstr (env_take_log (&env), ==, "");
  spend (&env, 400000);
  g_assert_cmpstr (env_take_log (&env), ==, "u t50");

  /* Lowered back below what is spent: the thresholds now passed fire at the
   * change, not at the next request; 50 % of $1 had fired already. */
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_MONTHLY, FALSE);
  g_assert_cmpstr (env_take_log (&env), ==, "t80 t100 x");
  spend (&env, 1);
  g_assert_cmpstr (env_take_log (&env), ==, "u");

  /* Switching to a daily budget is another period. */
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_DAILY, FALSE);
  g_assert_cmpstr (env_take_log (&env), ==, "t50 t80 t100 x");

  /* Only the hard limit changed: no alert. */
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_DAILY, TRUE);
  g_assert_cmpstr (env_take_log (&env), ==, "");

  env_clear (&env);
}

static void
test_no_budget_never_alerts (void)
{
  Env env;
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  env_init (&env, "UTC");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 0, TG_BUDGET_PERIOD_DAILY, TRUE);

  spend (&env, 50000000);
  spend (&env, 50000000);
  g_assert_cmpstr (env_take_log (&env), ==, "u u");

  g_assert_true (tg_analytics_service_check_budget (env.service, &error));
  g_assert_no_error (error);

  status = tg_analytics_service_get_budget_status (env.service, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->budget_micros, ==, 0);
  g_assert_cmpint (status->spent_micros, ==, 100000000);
  g_assert_cmpfloat (status->fraction, ==, 0.0);
  g_assert_false (status->exceeded);
  g_assert_cmpuint (status->crossed_mask, ==, 0);
  g_assert_cmpint (status->period_start_ms, ==, tg_test_utc_ms (2026, 3, 15, 0, 0, 0, 0));
  g_assert_cmpint (status->period_end_ms, ==, tg_test_utc_ms (2026, 3, 16, 0, 0, 0, 0));

  env_clear (&env);
}

static void
test_hard_limit (void)
{
  Env env;
  g_autoptr(GError) error = NULL;

  env_init (&env, "Europe/Berlin");
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 12, 0, 0, 0);
  set_budget (&env, 1000000, TG_BUDGET_PERIOD_DAILY, FALSE);

  spend (&env, 999999);
  g_assert_true (tg_analytics_service_check_budget (env.service, &error));
  g_assert_no_error (error);

  /* Over the budget, but only a soft one: requests go on. */
  spend (&env, 200001);
  g_assert_true (tg_analytics_service_check_budget (env.service, &error));
  g_assert_no_error (error);

  set_budget (&env, 1000000, TG_BUDGET_PERIOD_DAILY, TRUE);
  g_assert_false (tg_analytics_service_check_budget (env.service, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED);
  g_assert_nonnull (strstr (error->message, "$1.20"));
  g_assert_nonnull (strstr (error->message, "$1.00"));
  g_assert_nonnull (strstr (error->message, "2026-03-16 00:00"));
  g_clear_error (&error);

  /* Raised above the spend: allowed again. */
  set_budget (&env, 1500000, TG_BUDGET_PERIOD_DAILY, TRUE);
  g_assert_true (tg_analytics_service_check_budget (env.service, &error));
  g_assert_no_error (error);

  /* Exactly at the budget is refused. */
  spend (&env, 300000);
  g_assert_false (tg_analytics_service_check_budget (env.service, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED);
  g_clear_error (&error);

  /* A monthly budget names its own period and reset. */
  set_budget (&env, 1500000, TG_BUDGET_PERIOD_MONTHLY, TRUE);
  g_assert_false (tg_analytics_service_check_budget (env.service, &error));
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_BUDGET_EXHAUSTED);
  g_assert_nonnull (strstr (error->message, "month"));
  g_assert_nonnull (strstr (error->message, "2026-04-01 00:00"));
  g_clear_error (&error);

  /* The next day the daily budget is fresh. */
  set_budget (&env, 1500000, TG_BUDGET_PERIOD_DAILY, TRUE);
  env.clock.now = tg_test_utc_ms (2026, 3, 15, 23, 0, 0, 0);
  g_assert_true (tg_analytics_service_check_budget (env.service, &error));
  g_assert_no_error (error);

  env_clear (&env);
}

/* CSV export */

static char *
read_file (GFile *file)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_load_contents (file, NULL, &contents, NULL, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

static char *
list_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **) names->pdata);
}

static void
test_export_content (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  const char *expected =
    "id,time_utc,provider,model,request_kind,input_tokens,output_tokens,cached_tokens,"
    "tokens_estimated,cost_usd,latency_first_token_ms,latency_total_ms,outcome,http_status,"
    "fallback_of,source\r\n"
    "2,2024-02-29T12:34:56.789Z,openai,gpt-5,chat,100,10,0,false,1.234567,20,100,ok,200,,app\r\n"
    "3,2026-03-01T00:00:00.000Z,\"odd,provider\",\"m\"\"x\",chat,0,0,0,false,0.000000,,100,rate-limited,,2,cli\r\n"
    "4,2026-12-31T23:59:59.999Z,\"new\nline\",m,\"chat, again\",5,6,7,true,12.000042,20,100,ok,200,,gateway\r\n";

  env_init (&env, "Europe/Berlin");
  folder = g_build_filename (g_getenv ("TOLLGATE_DATA_DIR"), "export", NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  file = g_file_new_build_filename (folder, "usage.csv", NULL);

  {
    g_autoptr(TgUsageRecord) before = tg_test_make_usage (tg_test_utc_ms (2023, 12, 31, 23, 59, 59, 999), "openai", "gpt-5",
                                                  "ok", 1, 1, 0, FALSE, 1);
    g_autoptr(TgUsageRecord) leap = tg_test_make_usage (tg_test_utc_ms (2024, 2, 29, 12, 34, 56, 789), "openai", "gpt-5",
                                                "ok", 100, 10, 0, FALSE, 1234567);
    g_autoptr(TgUsageRecord) odd = tg_test_make_usage (tg_test_utc_ms (2026, 3, 1, 0, 0, 0, 0), "odd,provider", "m\"x",
                                               "rate-limited", 0, 0, 0, FALSE, 0);
    g_autoptr(TgUsageRecord) newline = tg_test_make_usage (tg_test_utc_ms (2026, 12, 31, 23, 59, 59, 999), "new\nline", "m",
                                                   "ok", 5, 6, 7, TRUE, 12000042);
    g_autoptr(TgUsageRecord) after = tg_test_make_usage (tg_test_utc_ms (2027, 1, 1, 0, 0, 0, 0), "openai", "gpt-5",
                                                 "ok", 1, 1, 0, FALSE, 1);

    record_usage (&env, before);
    record_usage (&env, leap);
    odd->fallback_of = leap->id;
    odd->source = TG_USAGE_SOURCE_CLI;
    record_usage (&env, odd);
    g_free (newline->request_kind);
    newline->request_kind = g_strdup ("chat, again");
    newline->source = TG_USAGE_SOURCE_GATEWAY;
    record_usage (&env, newline);
    record_usage (&env, after);
  }

  g_assert_cmpint (export_csv (env.service, file, tg_test_utc_ms (2024, 1, 1, 0, 0, 0, 0),
                               tg_test_utc_ms (2027, 1, 1, 0, 0, 0, 0), NULL, &error), ==, 3);
  g_assert_no_error (error);
  contents = read_file (file);
  g_assert_cmpstr (contents, ==, expected);

  /* Again over the existing file, now an empty range: only the header, and
   * no temporary file left behind. */
  g_assert_cmpint (export_csv (env.service, file, 0, 1000, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  contents = read_file (file);
  g_assert_true (g_str_has_prefix (expected, contents));
  g_assert_true (g_str_has_suffix (contents, "source\r\n"));
  listing = list_folder (folder);
  g_assert_cmpstr (listing, ==, "usage.csv");

  /* A range the wrong way round. */
  g_assert_cmpint (export_csv (env.service, file, 1000, 0, NULL, &error), ==, -1);
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_INVALID_RANGE);

  env_clear (&env);
}

static void
test_export_unwritable (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) folder_file = NULL;
  g_autofree char *folder = NULL;

  env_init (&env, "UTC");
  spend (&env, 1);

  /* A folder that does not exist. */
  path = g_build_filename (g_getenv ("TOLLGATE_DATA_DIR"), "no-such-folder", "usage.csv", NULL);
  file = g_file_new_for_path (path);
  g_assert_cmpint (export_csv (env.service, file, 0, G_MAXINT64, NULL, &error), ==, -1);
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_EXPORT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* A folder where the file should be. */
  folder = g_build_filename (g_getenv ("TOLLGATE_DATA_DIR"), "a-folder", NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  folder_file = g_file_new_for_path (folder);
  g_assert_cmpint (export_csv (env.service, folder_file, 0, G_MAXINT64, NULL, &error), ==, -1);
  g_assert_error (error, TG_ANALYTICS_ERROR, TG_ANALYTICS_ERROR_EXPORT);
  g_assert_nonnull (strstr (error->message, folder));
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

  env_clear (&env);
}

typedef struct {
  char         *folder;
  const char   *needle;
  GCancellable *cancellable;
} CancelWatch;

/* Cancels once the file being written (a name containing @needle) has
 * appeared, so the cancellation lands in the middle of writing. */
static gboolean
cancel_when_writing (gpointer user_data)
{
  CancelWatch *watch = user_data;
  g_autofree char *listing = list_folder (watch->folder);

  if (strstr (listing, watch->needle) == NULL)
    return G_SOURCE_CONTINUE;

  g_cancellable_cancel (watch->cancellable);
  return G_SOURCE_REMOVE;
}

static void
test_export_cancel (void)
{
  Env env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GFile) file = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  gint64 t0 = tg_test_utc_ms (2026, 5, 1, 0, 0, 0, 0);
  CancelWatch watch;

  env_init (&env, "UTC");
  folder = g_build_filename (g_getenv ("TOLLGATE_DATA_DIR"), "export", NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  file = g_file_new_build_filename (folder, "usage.csv", NULL);
  g_assert_true (g_file_replace_contents (file, "old\n", 4, NULL, FALSE, G_FILE_CREATE_NONE,
                                          NULL, NULL, &error));

  /* Cancelled before it starts. */
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (export_csv (env.service, file, 0, G_MAXINT64, cancellable, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  contents = read_file (file);
  g_assert_cmpstr (contents, ==, "old\n");

  /* Cancelled while writing: enough rows that the export takes a while.
   * Written in one statement by SQLite itself: 200 000 calls through TgDb
   * take minutes under ASan's slow unwinder. */
  {
    g_autofree char *sql = g_strdup_printf (
      "WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999) "
      "INSERT INTO ai_usage_analytics (time_ms, provider_id, model_id, request_kind, input_tokens, "
      "output_tokens, cost_micros, latency_first_token_ms, latency_total_ms, outcome, http_status) "
      "SELECT %" G_GINT64_FORMAT " + i, 'openai', 'gpt-5', 'chat', 1, 1, 1, 20, 100, 'ok', 200 FROM n",
      t0);
    sqlite3 *raw = NULL;

    g_assert_cmpint (sqlite3_open_v2 (tg_db_get_path (env.db), &raw, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout (raw, 5000);
    g_assert_cmpint (sqlite3_exec (raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_close (raw), ==, SQLITE_OK);
  }

  /* Over an existing file, the writing goes to a temporary one. */
  g_cancellable_reset (cancellable);
  watch.folder = folder;
  watch.needle = ".goutputstream-";
  watch.cancellable = cancellable;
  g_idle_add (cancel_when_writing, &watch);
  g_assert_cmpint (export_csv (env.service, file, 0, G_MAXINT64, cancellable, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (g_cancellable_is_cancelled (cancellable));

  /* The old file is untouched and the temporary one is gone. */
  g_clear_pointer (&contents, g_free);
  contents = read_file (file);
  g_assert_cmpstr (contents, ==, "old\n");
  listing = list_folder (folder);
  g_assert_cmpstr (listing, ==, "usage.csv");

  /* A new file is written in place, and removed when cancelled. */
  g_assert_true (g_file_delete (file, NULL, &error));
  g_cancellable_reset (cancellable);
  watch.needle = "usage.csv";
  g_idle_add (cancel_when_writing, &watch);
  g_assert_cmpint (export_csv (env.service, file, 0, G_MAXINT64, cancellable, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_clear_pointer (&listing, g_free);
  listing = list_folder (folder);
  g_assert_cmpstr (listing, ==, "");

  env_clear (&env);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/analytics/no-store", test_no_store);
  g_test_add_func ("/analytics/invalid-range", test_invalid_range);
  g_test_add_func ("/analytics/aggregates", test_aggregates);
  g_test_add_func ("/analytics/latency-percentiles", test_latency_percentiles);
  g_test_add_func ("/analytics/time-series/empty-buckets", test_time_series_empty_buckets);
  g_test_add_func ("/analytics/time-series/dst", test_time_series_dst);
  g_test_add_func ("/analytics/time-series/by-provider", test_time_series_by_provider);
  g_test_add_func ("/analytics/time-series/by-provider-zones", test_time_series_by_provider_zones);
  g_test_add_func ("/analytics/periods", test_periods);
  g_test_add_func ("/analytics/usage-recorded", test_usage_recorded);
  g_test_add_func ("/analytics/record-async", test_record_async);
  g_test_add_func ("/analytics/budget/thresholds-once", test_thresholds_once);
  g_test_add_func ("/analytics/budget/several-at-once", test_thresholds_several_at_once);
  g_test_add_func ("/analytics/budget/next-period", test_thresholds_next_period);
  g_test_add_func ("/analytics/budget/restart", test_thresholds_survive_restart);
  g_test_add_func ("/analytics/budget/other-process", test_thresholds_other_process);
  g_test_add_func ("/analytics/budget/change-rearms", test_budget_change_rearms);
  g_test_add_func ("/analytics/budget/none", test_no_budget_never_alerts);
  g_test_add_func ("/analytics/budget/hard-limit", test_hard_limit);
  g_test_add_func ("/analytics/export/content", test_export_content);
  g_test_add_func ("/analytics/export/unwritable", test_export_unwritable);
  g_test_add_func ("/analytics/export/cancel", test_export_cancel);

  return g_test_run ();
}
