/* test-cost-dashboard.c: TgCostDashboard on real analytics and config services
 * over a test store, with a fixed clock (run under tests/run-headless).
 *
 * Usage goes in through tg_analytics_service_record(), as TgAiClient records
 * it; the page must follow by itself, so no test calls a refresh. The zone is
 * UTC, so buckets and their labels are known. Prices are those of
 * tests/data/catalog-recommendations.json. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-analytics-service.h"
#include "tg-budget-bar-private.h"
#include "tg-catalog.h"
#include "tg-chart-private.h"
#include "tg-config-service.h"
#include "tg-cost-dashboard.h"
#include "tg-cost-dashboard-private.h"
#include "tg-db.h"
#include "tg-test-utils.h"
#include "tg-usage-test-utils.h"
#include "tg-ui-test-utils.h"

/* Thursday 2026-01-15 12:30 UTC: mid-month, off any hour boundary. */
#define NOW_MS  G_GINT64_CONSTANT (1768480200000)
#define HOUR_MS G_GINT64_CONSTANT (3600000)
#define DAY_MS  G_GINT64_CONSTANT (86400000)

typedef struct {
  char               *data_dir;
  TgDb               *db;
  TgCatalog          *catalog;
  TgConfigService    *config;
  TgAnalyticsService *analytics;
  TgCostDashboard    *dashboard;  /* floating ref sunk, owned here */
  gint64              now_ms;
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now_ms;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "catalog-recommendations.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  fixture->data_dir = tg_test_make_data_dir ();
  fixture->now_ms = NOW_MS;

  fixture->catalog = tg_catalog_new ();
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);

  fixture->config = tg_config_service_new (fixture->db, fixture->catalog);
  fixture->analytics = tg_analytics_service_new (fixture->db, fixture->catalog, fixture->config);
  tg_analytics_service_set_clock (fixture->analytics, fixture_clock, fixture);

  fixture->dashboard = g_object_ref_sink (TG_COST_DASHBOARD (tg_cost_dashboard_new ()));
  tg_cost_dashboard_set_clock (fixture->dashboard, fixture_clock, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->dashboard);
  g_clear_object (&fixture->analytics);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

/* Records @usage (transfer full) as TgAiClient does. */
static void
record (Fixture       *fixture,
        TgUsageRecord *usage)
{
  g_autoptr(TgUsageRecord) owned = usage;
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_analytics_service_record (fixture->analytics, owned, &error));
  g_assert_no_error (error);
}

static void
record_ok (Fixture    *fixture,
           gint64      time_ms,
           const char *provider_id,
           gint64      cost_micros)
{
  record (fixture, tg_test_make_usage (time_ms, provider_id,
                                       provider_id[0] == 'a' ? "alpha-pro" : "beta-vision",
                                       "ok", 1000, 200, 0, FALSE, cost_micros));
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until a refresh after @n_before has completed. The
 * timeout only catches a hang: under valgrind a refresh with a window to
 * draw takes seconds. */
static void
wait_for_refresh (Fixture *fixture,
                  guint    n_before)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);

  while (tg_cost_dashboard_get_n_refreshes (fixture->dashboard) <= n_before && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
}

static void
attach (Fixture *fixture)
{
  guint n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);

  tg_cost_dashboard_set_services (fixture->dashboard, fixture->analytics, fixture->config,
                                  fixture->catalog, NULL);
  wait_for_refresh (fixture, n);
}

static const char *
card_value (Fixture    *fixture,
            TgCostCard  card)
{
  return tg_cost_dashboard_get_card_value (fixture->dashboard, card);
}

static const char *
card_detail (Fixture    *fixture,
             TgCostCard  card)
{
  return tg_cost_dashboard_get_card_detail (fixture->dashboard, card);
}

static void
set_range (Fixture     *fixture,
           TgCostRange  range)
{
  guint n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);

  tg_cost_dashboard_set_range (fixture->dashboard, range);
  wait_for_refresh (fixture, n);
}

/* The range button labelled @label (with its mnemonic). */
static GtkToggleButton *
find_range_button (GtkWidget  *widget,
                   const char *label)
{
  if (GTK_IS_TOGGLE_BUTTON (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return GTK_TOGGLE_BUTTON (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkToggleButton *found = find_range_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Tests */

static void
test_no_services (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCostDashboard) dashboard = g_object_ref_sink (TG_COST_DASHBOARD (tg_cost_dashboard_new ()));

  g_assert_true (tg_cost_dashboard_get_empty_visible (dashboard));
  tg_cost_dashboard_refresh (dashboard);
  g_assert_true (tg_cost_dashboard_get_empty_visible (dashboard));
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (dashboard), ==, 0);
}

static void
test_empty_store (Fixture       *fixture,
                  gconstpointer  user_data)
{
  attach (fixture);

  /* A new user: the page says what to do first, not a page of zeros. */
  g_assert_true (tg_cost_dashboard_get_empty_visible (fixture->dashboard));
  g_assert_cmpstr (tg_cost_dashboard_get_visible_page (fixture->dashboard), ==, "empty");
  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), ==, 0);
}

static void
test_broken_store (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(TgAnalyticsService) broken = tg_analytics_service_new (NULL, fixture->catalog, fixture->config);

  tg_cost_dashboard_set_services (fixture->dashboard, broken, fixture->config, fixture->catalog, NULL);
  /* Said at once: there is nothing to ask a worker. */
  g_assert_cmpstr (tg_cost_dashboard_get_visible_page (fixture->dashboard), ==, "empty");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpstr (tg_cost_dashboard_get_visible_page (fixture->dashboard), ==, "error");
  g_assert_false (tg_cost_dashboard_get_empty_visible (fixture->dashboard));
}

static void
test_live_update (Fixture       *fixture,
                  gconstpointer  user_data)
{
  TgChart *time_chart = tg_cost_dashboard_get_time_chart (fixture->dashboard);
  TgChart *provider_chart = tg_cost_dashboard_get_provider_chart (fixture->dashboard);
  g_autofree char *tooltip = NULL;
  guint n;

  attach (fixture);
  g_assert_true (tg_cost_dashboard_get_empty_visible (fixture->dashboard));

  /* One request, as the Prompt page's client records it: no reload. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  record (fixture, tg_test_make_usage (NOW_MS - HOUR_MS, "alpha", "alpha-pro",
                                       "ok", 1000, 200, 100, FALSE, 1234567));
  wait_for_refresh (fixture, n);

  g_assert_cmpstr (tg_cost_dashboard_get_visible_page (fixture->dashboard), ==, "usage");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_COST), ==, "$1.23");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_COST), ==, "$1.23 per request");
  g_assert_cmpstr (tg_cost_dashboard_get_card_tooltip (fixture->dashboard, TG_COST_CARD_COST), ==,
                   "Exactly $1.234567");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "1");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_REQUESTS), ==, "1 answered");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_TOKENS), ==, "1200");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_TOKENS), ==, "1000 in · 200 out · 100 cached");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_FAILURES), ==, "0");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_FAILURES), ==, "No failures");
  g_assert_cmpuint (tg_chart_get_n_series (time_chart), ==, 1);
  g_assert_cmpuint (tg_chart_get_n_series (provider_chart), ==, 1);
  g_assert_cmpstr (tg_chart_get_title (time_chart), ==, "Cost per day");
  /* The last day holds it, named from the catalogue, to the micro-dollar. */
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 30);
  tooltip = tg_chart_get_tooltip_text (time_chart, 29, 0);
  g_assert_cmpstr (tooltip, ==, "Thu 15 · Alpha AI: $1.234567");
  g_clear_pointer (&tooltip, g_free);
  tooltip = tg_chart_get_tooltip_text (time_chart, 28, TG_CHART_NONE);
  g_assert_nonnull (tooltip);
  g_assert_null (strstr (tooltip, "Alpha AI: $1"));
  g_clear_pointer (&tooltip, g_free);

  /* A failure elsewhere, with estimated tokens: the cards say both. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  record (fixture, tg_test_make_usage (NOW_MS - 2 * HOUR_MS, "beta", "beta-vision",
                                       "server", 500, 0, 0, TRUE, 10000));
  wait_for_refresh (fixture, n);

  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_COST), ==, "~$1.24");
  g_assert_cmpstr (tg_cost_dashboard_get_card_tooltip (fixture->dashboard, TG_COST_CARD_COST), ==,
                   "Approximate: the provider did not report the tokens of 1 request, so they were estimated");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "2");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_FAILURES), ==, "1");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_FAILURES), ==, "50.0 % of requests");
  g_assert_cmpuint (tg_chart_get_n_series (time_chart), ==, 2);
  g_assert_cmpuint (tg_chart_get_n_series (provider_chart), ==, 2);
  tooltip = tg_chart_get_tooltip_text (provider_chart, TG_CHART_NONE, 1);
  g_assert_cmpstr (tooltip, ==, "Beta Labs: $0.01 · 1 % of $1.244567");
}

static void
test_coalesced (Fixture       *fixture,
                gconstpointer  user_data)
{
  gboolean settled = FALSE;
  gint64 start_us;
  guint n, max_refreshes;

  record_ok (fixture, NOW_MS - DAY_MS, "alpha", 1000);
  attach (fixture);
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "1");

  /* A burst of 100 records, the main loop running between them as it would
   * between requests: a refresh every 250 ms at most, not a hundred. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  start_us = g_get_monotonic_time ();
  for (guint i = 0; i < 100; i++)
    {
      record_ok (fixture, NOW_MS - HOUR_MS - i * 1000, "alpha", 1000);
      g_main_context_iteration (NULL, FALSE);
    }
  wait_for_refresh (fixture, n);

  /* Settle: the last refresh must see all 101. */
  g_timeout_add (3 * 250, timeout_cb, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "101");
  /* One at once, then one per 250 ms that passed (a slow machine, valgrind). */
  max_refreshes = 1 + (guint) ((g_get_monotonic_time () - start_us) / (250 * 1000)) + 1;
  g_test_message ("%u refreshes, at most %u", tg_cost_dashboard_get_n_refreshes (fixture->dashboard) - n,
                  max_refreshes);
  g_assert_cmpuint (tg_cost_dashboard_get_n_refreshes (fixture->dashboard) - n, <=, max_refreshes);
  g_assert_cmpuint (tg_cost_dashboard_get_n_refreshes (fixture->dashboard) - n, <, 100);
}

static void
test_ranges (Fixture       *fixture,
             gconstpointer  user_data)
{
  record_ok (fixture, NOW_MS - HOUR_MS, "alpha", 1000);
  record_ok (fixture, NOW_MS - 3 * DAY_MS, "alpha", 2000);
  record_ok (fixture, NOW_MS - 20 * DAY_MS, "beta", 4000);
  record_ok (fixture, NOW_MS - 60 * DAY_MS, "beta", 8000);
  attach (fixture);

  /* The default: 30 days, daily. */
  g_assert_cmpint (tg_cost_dashboard_get_range (fixture->dashboard), ==, TG_COST_RANGE_MONTH);
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 30);
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 0), ==, "Wed 17");
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 29), ==, "Thu 15");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "3");
  g_assert_cmpuint (tg_chart_get_n_series (tg_cost_dashboard_get_time_chart (fixture->dashboard)), ==, 2);

  set_range (fixture, TG_COST_RANGE_DAY);
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 24);
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 0), ==, "13:00");
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 23), ==, "12:00");
  g_assert_cmpstr (tg_chart_get_title (tg_cost_dashboard_get_time_chart (fixture->dashboard)), ==, "Cost per hour");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "1");
  g_assert_cmpuint (tg_chart_get_n_series (tg_cost_dashboard_get_provider_chart (fixture->dashboard)), ==, 1);

  /* The buttons choose the range, and follow it when it is set. */
  {
    GtkToggleButton *week = find_range_button (GTK_WIDGET (fixture->dashboard), "_Week");
    GtkToggleButton *day = find_range_button (GTK_WIDGET (fixture->dashboard), "_Day");
    guint n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);

    g_assert_nonnull (week);
    g_assert_nonnull (day);
    g_assert_true (gtk_toggle_button_get_active (day));
    gtk_toggle_button_set_active (week, TRUE);
    g_assert_false (gtk_toggle_button_get_active (day));
    g_assert_cmpint (tg_cost_dashboard_get_range (fixture->dashboard), ==, TG_COST_RANGE_WEEK);
    wait_for_refresh (fixture, n);
  }
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 7);
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 0), ==, "Fri 9");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "2");

  /* The default period is monthly: all of January, days to come included. */
  set_range (fixture, TG_COST_RANGE_BUDGET_PERIOD);
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 31);
  g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 0), ==, "Thu 1");
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "2");

  /* A daily budget period is drawn by the hour. */
  {
    g_autoptr(GError) error = NULL;
    guint n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);

    g_assert_true (tg_config_service_set_budget (fixture->config, 5000000, TG_BUDGET_PERIOD_DAILY, &error));
    g_assert_no_error (error);
    wait_for_refresh (fixture, n);
    g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 24);
    g_assert_cmpstr (tg_cost_dashboard_get_bucket_label (fixture->dashboard, 0), ==, "00:00");
    g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "1");
  }

  /* Nothing in the range, usage before it: the figures, not the empty state. */
  fixture->now_ms = NOW_MS + 10 * DAY_MS;
  set_range (fixture, TG_COST_RANGE_DAY);
  g_assert_false (tg_cost_dashboard_get_empty_visible (fixture->dashboard));
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "0");
  g_assert_cmpstr (card_detail (fixture, TG_COST_CARD_REQUESTS), ==, "No requests in the last 24 hours");
  g_assert_cmpuint (tg_chart_get_n_series (tg_cost_dashboard_get_time_chart (fixture->dashboard)), ==, 0);
  g_assert_cmpuint (tg_cost_dashboard_get_n_buckets (fixture->dashboard), ==, 24);
}

static void
test_colors (Fixture       *fixture,
             gconstpointer  user_data)
{
  TgChart *time_chart = tg_cost_dashboard_get_time_chart (fixture->dashboard);
  TgChart *provider_chart = tg_cost_dashboard_get_provider_chart (fixture->dashboard);
  GdkRGBA in_time, in_bars, palette;

  /* Only beta, the catalogue's second provider: its colour is the second
   * palette colour in both charts, not the first. */
  record_ok (fixture, NOW_MS - HOUR_MS, "beta", 5000);
  attach (fixture);

  tg_chart_get_series_color (time_chart, 0, &in_time);
  tg_chart_get_series_color (provider_chart, 0, &in_bars);
  tg_chart_get_series_color (provider_chart, 1, &palette);
  g_assert_true (gdk_rgba_equal (&in_time, &in_bars));
  g_assert_true (gdk_rgba_equal (&in_time, &palette));
}

static void
test_budget (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  TgBudgetBar *bar = tg_cost_dashboard_get_budget_bar (fixture->dashboard);
  guint n;

  record_ok (fixture, NOW_MS - DAY_MS, "alpha", 6000000);
  attach (fixture);

  /* No budget: the bar says so and a button leads to Preferences. */
  g_assert_cmpint (tg_budget_bar_get_level (bar), ==, TG_BUDGET_LEVEL_NONE);
  g_assert_true (tg_cost_dashboard_get_budget_button_visible (fixture->dashboard));

  /* Setting one in Preferences shows at once. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  g_assert_true (tg_config_service_set_budget (fixture->config, 10000000, TG_BUDGET_PERIOD_MONTHLY, &error));
  g_assert_no_error (error);
  wait_for_refresh (fixture, n);
  g_assert_false (tg_cost_dashboard_get_budget_button_visible (fixture->dashboard));
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_fraction (bar), 0.6, 1e-9);
  g_assert_cmpuint (tg_budget_bar_get_n_marks (bar), ==, 3);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (bar, 0), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (bar, 1), 0.8, 1e-9);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (bar, 2), 1.0, 1e-9);
  g_assert_cmpstr (tg_budget_bar_get_amount_text (bar), ==, "$6.00 of $10.00 this month");

  /* New thresholds move the marks. */
  {
    const guint thresholds[] = { 25, 90 };

    n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
    g_assert_true (tg_config_service_set_alert_thresholds (fixture->config, thresholds, 2, &error));
    g_assert_no_error (error);
    wait_for_refresh (fixture, n);
    g_assert_cmpuint (tg_budget_bar_get_n_marks (bar), ==, 2);
    g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (bar, 0), 0.25, 1e-9);
  }

  /* Spending past it: the bar follows the recorded usage. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  record_ok (fixture, NOW_MS - HOUR_MS, "alpha", 5000000);
  wait_for_refresh (fixture, n);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_fraction (bar), 1.1, 1e-9);
  g_assert_cmpint (tg_budget_bar_get_level (bar), ==, TG_BUDGET_LEVEL_EXCEEDED);
}

static void
test_recommendations (Fixture       *fixture,
                      gconstpointer  user_data)
{
  /* Thirty days of alpha-pro for work alpha-nano can do: 9 000 in and 1 000
   * out a day (test-recommendations.c works the figures out). */
  for (guint i = 0; i < 30; i++)
    record (fixture, tg_test_make_usage (NOW_MS - HOUR_MS - i * DAY_MS, "alpha", "alpha-pro",
                                         "ok", 9000, 1000, 0, FALSE, 120000));
  attach (fixture);

  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), >=, 1);
}

static void
test_no_recommendations (Fixture       *fixture,
                         gconstpointer  user_data)
{
  /* Already the cheapest model that can do it, without cache discount. */
  record (fixture, tg_test_make_usage (NOW_MS - HOUR_MS, "alpha", "alpha-text", "ok", 1000, 100, 0, FALSE, 65));
  attach (fixture);

  g_assert_cmpstr (tg_cost_dashboard_get_visible_page (fixture->dashboard), ==, "usage");
  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), ==, 0);
}

static void
test_recommendations_throttled (Fixture       *fixture,
                                gconstpointer  user_data)
{
  guint n;

  record (fixture, tg_test_make_usage (NOW_MS - 2 * HOUR_MS, "alpha", "alpha-text",
                                       "ok", 1000, 100, 0, FALSE, 65));
  attach (fixture);
  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), ==, 0);

  /* A month of alpha-pro arrives: the cards follow at once, the
   * recommendations (30 days of raw rows) only at their own pace... */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  for (guint i = 0; i < 30; i++)
    record (fixture, tg_test_make_usage (NOW_MS - HOUR_MS - i * DAY_MS, "alpha", "alpha-pro",
                                         "ok", 9000, 1000, 0, FALSE, 120000));
  wait_for_refresh (fixture, n);
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_REQUESTS), ==, "31");
  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), ==, 0);

  /* ...or when asked. */
  n = tg_cost_dashboard_get_n_refreshes (fixture->dashboard);
  tg_cost_dashboard_refresh (fixture->dashboard);
  wait_for_refresh (fixture, n);
  g_assert_cmpuint (tg_cost_dashboard_get_n_recommendations (fixture->dashboard), >=, 1);
}

static void
on_toast (TgCostDashboard *dashboard,
          const char      *message,
          char           **out)
{
  g_free (*out);
  *out = g_strdup (message);
}

static char *
export_and_wait (Fixture *fixture,
                 GFile   *file)
{
  char *message = NULL;
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);
  gulong handler = g_signal_connect (fixture->dashboard, "toast", G_CALLBACK (on_toast), &message);

  tg_cost_dashboard_export_to_file (fixture->dashboard, file);
  while (message == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  g_signal_handler_disconnect (fixture->dashboard, handler);
  return message;
}

static void
test_export (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->data_dir, "usage.csv", NULL);
  g_autofree char *bad_path = g_build_filename (fixture->data_dir, "no-such-folder", "usage.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad_path);
  g_autofree char *message = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    record_ok (fixture, NOW_MS - (i + 1) * HOUR_MS, "alpha", 1000);
  record_ok (fixture, NOW_MS - 40 * DAY_MS, "beta", 1000);
  attach (fixture);

  /* The selected range only: 30 days. */
  message = export_and_wait (fixture, file);
  g_assert_cmpstr (message, ==, "Exported 3 requests");
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\r\n", -1);
  /* A header, three rows, and the empty string after the last line end. */
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_true (g_str_has_prefix (lines[0], "id,time_utc,"));
  g_assert_nonnull (strstr (lines[1], "alpha"));
  g_clear_pointer (&message, g_free);

  set_range (fixture, TG_COST_RANGE_DAY);
  message = export_and_wait (fixture, file);
  g_assert_cmpstr (message, ==, "Exported 3 requests");
  g_clear_pointer (&message, g_free);

  /* A folder that does not exist: the reason, as a toast. */
  message = export_and_wait (fixture, bad_file);
  g_assert_true (g_str_has_prefix (message, "Could not export: "));
  g_assert_cmpuint (strlen (message), >, strlen ("Could not export: "));
}

static void
test_hidden_page (Fixture       *fixture,
                  gconstpointer  user_data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *stack = gtk_stack_new ();

  /* In a window behind another page, as in the window's view stack. */
  gtk_stack_add_named (GTK_STACK (stack), gtk_label_new ("Prompt"), "prompt");
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (fixture->dashboard), "usage");
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "prompt");
  gtk_window_set_child (GTK_WINDOW (window), stack);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 600);
  gtk_window_present (GTK_WINDOW (window));
  tg_ui_test_wait_until_mapped (stack);

  /* Nothing is asked while it is hidden, however much is recorded. */
  tg_cost_dashboard_set_services (fixture->dashboard, fixture->analytics, fixture->config,
                                  fixture->catalog, NULL);
  record_ok (fixture, NOW_MS - HOUR_MS, "alpha", 2500000);
  {
    gboolean timed_out = FALSE;

    g_timeout_add (500, timeout_cb, &timed_out);
    while (!timed_out)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_cmpuint (tg_cost_dashboard_get_n_refreshes (fixture->dashboard), ==, 0);

  /* Shown: up to date at once. */
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "usage");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fixture->dashboard)));
  wait_for_refresh (fixture, 0);
  g_assert_cmpstr (card_value (fixture, TG_COST_CARD_COST), ==, "$2.50");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_narrow_dark (Fixture       *fixture,
                  gconstpointer  user_data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *window = gtk_window_new ();
  int minimum, natural;

  record_ok (fixture, NOW_MS - HOUR_MS, "alpha", 1500000);
  record_ok (fixture, NOW_MS - 5 * DAY_MS, "beta", 700000);
  record (fixture, tg_test_make_usage (NOW_MS - 2 * DAY_MS, "beta", "beta-vision",
                                       "timeout", 100, 0, 0, TRUE, 0));
  attach (fixture);

  /* The window's width-request is 360 px: the page must fit inside it. */
  gtk_widget_measure (GTK_WIDGET (fixture->dashboard), GTK_ORIENTATION_HORIZONTAL, -1,
                      &minimum, &natural, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (fixture->dashboard));
  gtk_window_present (GTK_WINDOW (window));
  tg_ui_test_wait_until_mapped (GTK_WIDGET (fixture->dashboard));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (fixture->dashboard)), <=, 360);

  /* Tab reaches the range buttons and the other controls, never a card. */
  {
    gboolean saw_range = FALSE;

    for (guint i = 0; i < 40; i++)
      {
        GtkWidget *focus;

        gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD);
        focus = gtk_root_get_focus (GTK_ROOT (window));
        g_assert_false (focus != NULL && GTK_IS_FLOW_BOX_CHILD (focus));
        saw_range |= focus != NULL && GTK_IS_TOGGLE_BUTTON (focus);
      }
    g_assert_true (saw_range);
  }

  /* Every range lays out at that width (any GTK warning fails the test). */
  set_range (fixture, TG_COST_RANGE_DAY);
  set_range (fixture, TG_COST_RANGE_BUDGET_PERIOD);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* Buckets and their labels in a known zone. */
  g_setenv ("TZ", "UTC", TRUE);
  tg_ui_test_init (&argc, &argv);

  g_test_add_func ("/cost-dashboard/no-services", test_no_services);
#define ADD(path, func) \
  g_test_add ("/cost-dashboard/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("empty-store", test_empty_store);
  ADD ("broken-store", test_broken_store);
  ADD ("live-update", test_live_update);
  ADD ("coalesced", test_coalesced);
  ADD ("ranges", test_ranges);
  ADD ("colors", test_colors);
  ADD ("budget", test_budget);
  ADD ("recommendations", test_recommendations);
  ADD ("no-recommendations", test_no_recommendations);
  ADD ("recommendations-throttled", test_recommendations_throttled);
  ADD ("export", test_export);
  ADD ("hidden-page", test_hidden_page);
  ADD ("narrow-dark", test_narrow_dark);
#undef ADD

  return g_test_run ();
}
