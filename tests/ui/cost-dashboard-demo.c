/* cost-dashboard-demo.c: the Usage page on realistic data. Not a test; run
 * by hand under a display:
 *
 *   tests/run-headless build/tests/cost-dashboard-demo shots DIR
 *     a month of four providers, a budget about 60 % spent and a
 *     recommendation, in the light and dark styles at 900 and 360 px, into
 *     DIR/usage-*.png (docs/screenshots/);
 *
 *   tests/run-headless build/tests/cost-dashboard-demo bench [ROWS]
 *     how long a refresh takes on a store of ROWS attempts (default
 *     1 000 000 over 90 days, bench/tg-bench-data.c), per range: on the main
 *     thread and in the worker. Set TZ to try other zones. */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tg-analytics-service.h"
#include "tg-bench-data.h"
#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-cost-dashboard.h"
#include "tg-cost-dashboard-private.h"
#include "tg-money.h"
#include "tg-ui-test-utils.h"

#define HOUR_MS G_GINT64_CONSTANT (3600000)
#define DAY_MS  G_GINT64_CONSTANT (86400000)

static gint64 demo_now_ms;

static gint64
demo_clock (gpointer user_data)
{
  return demo_now_ms;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_for_refresh (TgCostDashboard *dashboard,
                  guint            n_before)
{
  while (tg_cost_dashboard_get_n_refreshes (dashboard) <= n_before)
    g_main_context_iteration (NULL, TRUE);
}

static void
die_on_error (GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

/* Screenshots */

typedef struct {
  const char *provider_id;
  const char *model_id;
  guint       per_day;       /* requests on a weekday */
  gint64      input;         /* tokens per request */
  gint64      cached;
  gint64      output;
} Workload;

/* What one person might send in a month, with the cache in use where it is
 * discounted. Each model but gpt-5 is its provider's cheapest with its
 * capabilities, so gpt-5 is the one recommendation (to gpt-5-nano). */
static const Workload workloads[] = {
  { "openai", "gpt-5", 20, 8000, 3000, 1200 },
  { "anthropic", "claude-haiku-4-5", 15, 12000, 6000, 1500 },
  { "gemini", "gemini-2.5-flash-lite", 40, 30000, 15000, 2500 },
  { "mistral", "mistral-small-2506", 10, 40000, 0, 2000 },
};

static void
fill_demo (TgAnalyticsService *analytics,
           TgCatalog          *catalog,
           gint64              now_ms)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260320);

  for (int day = 30; day >= 0; day--)
    for (guint w = 0; w < G_N_ELEMENTS (workloads); w++)
      {
        const Workload *work = &workloads[w];
        const TgModelCapabilities *model = tg_catalog_get_model (catalog, work->provider_id, work->model_id);
        g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_ms / 1000);
        g_autoptr(GDateTime) then = g_date_time_add_days (now, -day);
        g_autoptr(GDateTime) date = g_date_time_new_local (g_date_time_get_year (then),
                                                           g_date_time_get_month (then),
                                                           g_date_time_get_day_of_month (then), 8, 0, 0);
        gint64 day_start = g_date_time_to_unix (date) * 1000;
        gboolean weekend = g_date_time_get_day_of_week (date) >= 6;
        guint n = weekend ? work->per_day / 4 : work->per_day + g_rand_int_range (rand, 0, work->per_day / 2 + 1);

        g_assert (model != NULL);
        for (guint i = 0; i < n; i++)
          {
            g_autoptr(TgUsageRecord) record = tg_usage_record_new ();
            g_autoptr(GError) error = NULL;
            double scale = g_rand_double_range (rand, 0.5, 1.6);

            /* Between 08:00 and 22:00 local. */
            record->time_ms = day_start + g_rand_int_range (rand, 0, 14 * 3600) * G_GINT64_CONSTANT (1000);
            if (record->time_ms >= now_ms)
              continue;
            record->provider_id = g_strdup (work->provider_id);
            record->model_id = g_strdup (work->model_id);
            record->request_kind = g_strdup ("chat");
            record->input_tokens = (gint64) (work->input * scale);
            record->cached_tokens = (gint64) (work->cached * scale);
            record->output_tokens = (gint64) (work->output * scale);
            record->cost_micros = tg_money_cost_micros (record->input_tokens - record->cached_tokens,
                                                        model->price_input_micros)
                                  + tg_money_cost_micros (record->cached_tokens, model->price_cached_input_micros)
                                  + tg_money_cost_micros (record->output_tokens, model->price_output_micros);
            record->latency_first_token_ms = 400;
            record->latency_total_ms = 2500;
            record->outcome = g_strdup (g_rand_int_range (rand, 0, 40) == 0 ? "rate-limited" : "ok");
            record->http_status = g_str_equal (record->outcome, "ok") ? 200 : 429;
            if (!g_str_equal (record->outcome, "ok"))
              record->cost_micros = 0;
            tg_analytics_service_record (analytics, record, &error);
            die_on_error (error);
          }
      }
}

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The whole page, not only what the scrolled window shows, on the window's
 * background colour. */
static void
save_png (GtkWidget  *dashboard,
          const char *path)
{
  /* The usage page scrolls: its clamp holds all of it. */
  GtkWidget *clamp = g_str_equal (tg_cost_dashboard_get_visible_page (TG_COST_DASHBOARD (dashboard)), "usage")
                     ? find_type (dashboard, ADW_TYPE_CLAMP) : NULL;
  GtkWidget *widget = clamp != NULL ? clamp : dashboard;
  GdkRGBA background;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (dashboard), "window_bg_color", &background))
    gdk_rgba_parse (&background, "white");
G_GNUC_END_IGNORE_DEPRECATIONS
  tg_ui_test_save_png (widget, &background, path);
}

static void
shoot (TgAnalyticsService *analytics,
       TgConfigService    *config,
       TgCatalog          *catalog,
       const char         *outdir,
       const char         *name,
       TgCostRange         range)
{
  static const struct { int width, height; } sizes[] = { { 900, 800 }, { 360, 800 } };
  /* The window's and the application's actions the page's buttons name, so
   * they look as they would in the app. */
  static const GActionEntry entries[] = {
    { .name = "preferences" },
    { .name = "show-page", .parameter_type = "s" },
  };
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries), NULL);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int dark = 0; dark <= 1; dark++)
      {
        GtkWidget *window = gtk_window_new ();
        TgCostDashboard *dashboard = TG_COST_DASHBOARD (tg_cost_dashboard_new ());
        g_autofree char *file = g_strdup_printf ("%s-%s-%d.png", name, dark ? "dark" : "light", sizes[s].width);
        g_autofree char *path = g_build_filename (outdir, file, NULL);

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
        tg_cost_dashboard_set_clock (dashboard, demo_clock, NULL);
        tg_cost_dashboard_set_range (dashboard, range);
        tg_cost_dashboard_set_services (dashboard, analytics, config, catalog, NULL);
        /* Keys for none but the providers used: the recommendations stay
         * within each provider. */
        tg_cost_dashboard_set_keyed_providers (dashboard, (const char * const[]) { NULL });
        wait_for_refresh (dashboard, 0);
        settle (300);
        gtk_widget_insert_action_group (window, "app", G_ACTION_GROUP (actions));
        gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (actions));
        gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
        gtk_window_set_default_size (GTK_WINDOW (window), sizes[s].width, sizes[s].height);
        gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (dashboard));
        gtk_window_present (GTK_WINDOW (window));
        settle (400);
        save_png (GTK_WIDGET (dashboard), path);
        gtk_window_destroy (GTK_WINDOW (window));
      }
}

static int
run_shots (const char *outdir)
{
  g_autofree char *dir = g_dir_make_tmp ("tollgate-demo-XXXXXX", NULL);
  g_autofree char *db_path = g_build_filename (dir, "tollgate.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgAnalyticsService) analytics = NULL;
  g_autoptr(TgUsageAggregate) month = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 3, 20, 16, 40, 0);
  gint64 start_ms, end_ms;

  /* The shipped catalogue only, not this machine's overrides. */
  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);
  g_mkdir_with_parents (outdir, 0755);
  demo_now_ms = g_date_time_to_unix (now) * 1000;

  catalog = tg_catalog_new_default (&error);
  die_on_error (error);
  db = tg_db_open (db_path, TG_DB_OPEN_DEFAULT, &error);
  die_on_error (error);
  tg_catalog_sync_to_db (catalog, db, &error);
  die_on_error (error);
  config = tg_config_service_new (db, catalog);
  analytics = tg_analytics_service_new (db, catalog, config);
  tg_analytics_service_set_clock (analytics, demo_clock, NULL);
  fill_demo (analytics, catalog, demo_now_ms);

  /* A budget this month's spending is about 60 % of, in whole dollars. */
  tg_analytics_service_get_period_bounds (analytics, TG_BUDGET_PERIOD_MONTHLY, demo_now_ms, &start_ms, &end_ms);
  month = tg_analytics_service_get_totals (analytics, start_ms, end_ms, &error);
  die_on_error (error);
  tg_config_service_set_budget (config, (month->cost_micros * 10 / 6 / TG_MICROS_PER_DOLLAR + 1) * TG_MICROS_PER_DOLLAR,
                                TG_BUDGET_PERIOD_MONTHLY, &error);
  die_on_error (error);

  shoot (analytics, config, catalog, outdir, "usage", TG_COST_RANGE_MONTH);
  shoot (analytics, config, catalog, outdir, "usage-day", TG_COST_RANGE_DAY);

  /* The empty state: a new store. */
  {
    g_autofree char *empty_path = g_build_filename (dir, "empty.db", NULL);
    g_autoptr(TgDb) empty_db = tg_db_open (empty_path, TG_DB_OPEN_DEFAULT, &error);
    g_autoptr(TgConfigService) empty_config = NULL;
    g_autoptr(TgAnalyticsService) empty = NULL;

    die_on_error (error);
    empty_config = tg_config_service_new (empty_db, catalog);
    empty = tg_analytics_service_new (empty_db, catalog, empty_config);
    shoot (empty, empty_config, catalog, outdir, "usage-empty", TG_COST_RANGE_MONTH);
  }

  g_clear_object (&analytics);
  g_clear_object (&config);
  g_clear_object (&db);
  tg_bench_remove_folder (dir);
  return 0;
}

/* Benchmark */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static int
run_bench (gint64 n_rows)
{
  static const struct { TgCostRange range; const char *name; } ranges[] = {
    { TG_COST_RANGE_DAY, "24 hours" },
    { TG_COST_RANGE_WEEK, "7 days" },
    { TG_COST_RANGE_MONTH, "30 days" },
    { TG_COST_RANGE_BUDGET_PERIOD, "budget period (month)" },
  };
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_bench_open_temp_db (&dir, &error);
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgAnalyticsService) analytics = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  TgCostDashboard *dashboard;
  gint64 start_us;

  die_on_error (error);
  g_setenv ("XDG_CONFIG_HOME", dir, TRUE);
  catalog = tg_catalog_new_default (&error);
  die_on_error (error);
  tg_catalog_sync_to_db (catalog, db, &error);
  die_on_error (error);

  start_us = g_get_monotonic_time ();
  if (tg_bench_fill_usage (db, rand, n_rows, TG_BENCH_END_MS - 90 * TG_BENCH_DAY_MS, TG_BENCH_END_MS,
                           NULL, &error) < 0)
    die_on_error (error);
  g_print ("%" G_GINT64_FORMAT " rows over 90 days in %.1f s, TZ=%s\n", n_rows,
           (g_get_monotonic_time () - start_us) / 1e6, g_getenv ("TZ") ? g_getenv ("TZ") : "(local)");

  config = tg_config_service_new (db, catalog);
  tg_config_service_set_budget (config, 5000 * TG_MICROS_PER_DOLLAR, TG_BUDGET_PERIOD_MONTHLY, &error);
  die_on_error (error);
  analytics = tg_analytics_service_new (db, catalog, config);
  demo_now_ms = TG_BENCH_END_MS;
  tg_analytics_service_set_clock (analytics, demo_clock, NULL);

  dashboard = g_object_ref_sink (TG_COST_DASHBOARD (tg_cost_dashboard_new ()));
  tg_cost_dashboard_set_clock (dashboard, demo_clock, NULL);
  tg_cost_dashboard_set_services (dashboard, analytics, config, catalog, NULL);
  wait_for_refresh (dashboard, 0);

  g_print ("| Range | main thread, median (max) | worker, median (max) |\n|---|---|---|\n");
  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      double main_ms[5], worker_ms[5];

      tg_cost_dashboard_set_range (dashboard, ranges[r].range);
      wait_for_refresh (dashboard, tg_cost_dashboard_get_n_refreshes (dashboard));
      for (guint i = 0; i < G_N_ELEMENTS (main_ms); i++)
        {
          guint n = tg_cost_dashboard_get_n_refreshes (dashboard);

          tg_cost_dashboard_refresh (dashboard);
          wait_for_refresh (dashboard, n);
          tg_cost_dashboard_get_last_timings (dashboard, &main_ms[i], &worker_ms[i]);
        }
      qsort (main_ms, G_N_ELEMENTS (main_ms), sizeof (double), compare_double);
      qsort (worker_ms, G_N_ELEMENTS (worker_ms), sizeof (double), compare_double);
      g_print ("| %s | %.1f ms (%.1f) | %.0f ms (%.0f) |\n", ranges[r].name,
               main_ms[2], main_ms[4], worker_ms[2], worker_ms[4]);
    }

  /* Where the worker's time goes: each query on its own, 30 days. */
  {
    gint64 to = TG_BENCH_END_MS, from = to - 30 * TG_BENCH_DAY_MS;
    g_autoptr(GPtrArray) recs = NULL;
    g_autoptr(GPtrArray) by_provider = NULL;
    g_autoptr(GHashTable) hourly = NULL;
    g_autoptr(GHashTable) daily = NULL;
    g_autoptr(TgUsageAggregate) ever = NULL;

    start_us = g_get_monotonic_time ();
    ever = tg_analytics_service_get_totals (analytics, 0, G_MAXINT64, &error);
    g_print ("all-time totals: %.0f ms\n", (g_get_monotonic_time () - start_us) / 1000.0);
    start_us = g_get_monotonic_time ();
    by_provider = tg_analytics_service_get_by_provider (analytics, from, to, &error);
    g_print ("by provider, 30 days: %.0f ms\n", (g_get_monotonic_time () - start_us) / 1000.0);
    start_us = g_get_monotonic_time ();
    daily = tg_analytics_service_get_time_series_by_provider (analytics, from, to, TG_TIME_BUCKET_DAY, &error);
    g_print ("daily series by provider, 30 days: %.0f ms\n", (g_get_monotonic_time () - start_us) / 1000.0);
    start_us = g_get_monotonic_time ();
    hourly = tg_analytics_service_get_time_series_by_provider (analytics, to - TG_BENCH_DAY_MS, to,
                                                               TG_TIME_BUCKET_HOUR, &error);
    g_print ("hourly series by provider, 24 hours: %.0f ms\n", (g_get_monotonic_time () - start_us) / 1000.0);
    start_us = g_get_monotonic_time ();
    recs = tg_analytics_service_get_recommendations (analytics, NULL, &error);
    g_print ("recommendations: %.0f ms\n", (g_get_monotonic_time () - start_us) / 1000.0);
    die_on_error (error);
  }

  g_object_unref (dashboard);
  g_clear_object (&analytics);
  g_clear_object (&config);
  g_clear_object (&db);
  tg_bench_remove_folder (dir);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = NULL;

  gtk_init ();
  adw_init ();
  /* What AdwApplication would load for the app. */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/tollgate/Tollgate/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  if (argc >= 3 && g_str_equal (argv[1], "shots"))
    return run_shots (argv[2]);
  if (argc >= 2 && g_str_equal (argv[1], "bench"))
    return run_bench (argc >= 3 ? g_ascii_strtoll (argv[2], NULL, 10) : 1000000);

  g_printerr ("Usage: %s shots DIR | bench [ROWS]\n", argv[0]);
  return 2;
}
