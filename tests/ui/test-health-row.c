/* test-health-row.c: TgHealthRow's formatting and display. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-health-row.h"
#include "tg-health-row-private.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

/* 2026-11-28 12:00 UTC: noon, so the day is the same in any time zone the
 * tests may run in. */
#define NOON_MS G_GINT64_CONSTANT (1795867200000)

static GtkWidget *
find_child (GtkWidget *root,
            GType      type,
            const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      (css_class == NULL || gtk_widget_has_css_class (root, css_class)))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, type, css_class);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static const char *
status_text (GtkWidget *row)
{
  return gtk_label_get_text (GTK_LABEL (find_child (row, GTK_TYPE_LABEL, "health-status-label")));
}

static const char *
detail_text (GtkWidget *row)
{
  return gtk_label_get_text (GTK_LABEL (find_child (row, GTK_TYPE_LABEL, "health-detail-label")));
}

static GtkWidget *
status_icon (GtkWidget *row)
{
  return find_child (row, GTK_TYPE_IMAGE, NULL);
}

static void
count (guint *counter)
{
  (*counter)++;
}

static void
test_format_age (void)
{
  static const struct {
    gint64      age_ms;
    const char *expected;
  } cases[] = {
    { 0,                        "checked just now" },
    { 59 * 1000,                "checked just now" },
    { MINUTE_MS,                "checked 1 min ago" },
    { 2 * MINUTE_MS + 30000,    "checked 2 min ago" },
    { 59 * MINUTE_MS,           "checked 59 min ago" },
    { HOUR_MS,                  "checked 1 hour ago" },
    { 5 * HOUR_MS,              "checked 5 hours ago" },
    { DAY_MS,                   "checked 1 day ago" },
    { 3 * DAY_MS,               "checked 3 days ago" },
    /* A clock that went back: not "-2 min ago". */
    { -2 * MINUTE_MS,           "checked just now" },
  };
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *never = NULL;
  g_autofree char *old = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tg_health_row_format_age (NOON_MS - cases[i].age_ms, NOON_MS);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  never = tg_health_row_format_age (0, NOON_MS);
  g_assert_cmpstr (never, ==, "never checked");

  /* A week or more: the day. */
  old = tg_health_row_format_age (NOON_MS, NOON_MS + 10 * DAY_MS);
  g_assert_cmpstr (old, ==, "checked Nov 28");
}

static void
test_format_latency (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *none = NULL;
  g_autofree char *zero = NULL;
  g_autofree char *ms = NULL;
  g_autofree char *seconds = NULL;

  none = tg_health_row_format_latency (-1);
  g_assert_null (none);
  zero = tg_health_row_format_latency (0);
  g_assert_cmpstr (zero, ==, "p50 0 ms");
  ms = tg_health_row_format_latency (120);
  g_assert_cmpstr (ms, ==, "p50 120 ms");
  seconds = tg_health_row_format_latency (2450);
  g_assert_cmpstr (seconds, ==, "p50 2.5 s");
}

static void
test_widget (void)
{
  static const struct {
    TgHealthStatus  status;
    const char     *text;
    const char     *icon;
    const char     *style;
  } states[] = {
    { TG_HEALTH_STATUS_HEALTHY,  "Healthy",  "emblem-ok-symbolic",       "success" },
    { TG_HEALTH_STATUS_DEGRADED, "Degraded", "dialog-warning-symbolic",  "warning" },
    { TG_HEALTH_STATUS_DOWN,     "Down",     "network-error-symbolic",   "error" },
    { TG_HEALTH_STATUS_UNKNOWN,  "Unknown",  "dialog-question-symbolic", "dim-label" },
  };
  g_autofree char *data_dir = tg_test_make_data_dir ();
  GtkWidget *row;
  TgProviderHealth health = { 0 };
  guint notified = 0;
  gint64 now = g_get_real_time () / 1000;

  row = g_object_ref_sink (tg_health_row_new ());
  g_signal_connect_swapped (row, "notify::health", G_CALLBACK (count), &notified);

  /* Nothing known yet. */
  g_assert_cmpint (tg_health_row_get_status (TG_HEALTH_ROW (row)), ==, TG_HEALTH_STATUS_UNKNOWN);
  g_assert_null (tg_health_row_get_health (TG_HEALTH_ROW (row)));
  g_assert_cmpstr (status_text (row), ==, "Unknown");
  g_assert_cmpstr (detail_text (row), ==, "never checked");
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (status_icon (row))), ==, "dialog-question-symbolic");

  health.provider_id = (char *) "alpha";
  health.latency_p50_ms = 120;
  health.latency_p95_ms = 300;
  health.last_check_ms = now - 2 * MINUTE_MS - 5000;
  health.last_error = (char *) "The server answered 503.";

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      GtkWidget *icon;

      health.status = states[i].status;
      tg_health_row_set_health (TG_HEALTH_ROW (row), &health);
      icon = status_icon (row);

      /* Icon, colour and word together. */
      g_assert_cmpstr (status_text (row), ==, states[i].text);
      g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, states[i].icon);
      g_assert_true (gtk_widget_has_css_class (icon, states[i].style));
      for (guint j = 0; j < G_N_ELEMENTS (states); j++)
        if (j != i)
          g_assert_false (gtk_widget_has_css_class (icon, states[j].style));
      g_assert_cmpstr (detail_text (row), ==, "p50 120 ms · checked 2 min ago");
      g_assert_cmpint (tg_health_row_get_status (TG_HEALTH_ROW (row)), ==, states[i].status);

      /* Why it failed, only where it matters. */
      if (states[i].status == TG_HEALTH_STATUS_DOWN || states[i].status == TG_HEALTH_STATUS_DEGRADED)
        g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, "The server answered 503.");
      else
        g_assert_null (gtk_widget_get_tooltip_text (row));
    }
  g_assert_cmpuint (notified, ==, G_N_ELEMENTS (states));

  /* The row keeps a copy, not the caller's pointer. */
  g_assert_true (tg_health_row_get_health (TG_HEALTH_ROW (row)) != &health);
  g_assert_cmpstr (tg_health_row_get_health (TG_HEALTH_ROW (row))->provider_id, ==, "alpha");

  /* The owner's timer ages the text; the figures stay. */
  tg_health_row_update_age (TG_HEALTH_ROW (row), health.last_check_ms + 3 * HOUR_MS);
  g_assert_cmpstr (detail_text (row), ==, "p50 120 ms · checked 3 hours ago");
  g_assert_cmpstr (status_text (row), ==, "Unknown");

  /* No samples: no latency. */
  health.latency_p50_ms = -1;
  health.status = TG_HEALTH_STATUS_DOWN;
  tg_health_row_set_health (TG_HEALTH_ROW (row), &health);
  tg_health_row_update_age (TG_HEALTH_ROW (row), health.last_check_ms + 30000);
  g_assert_cmpstr (detail_text (row), ==, "checked just now");

  /* A passive failure has only a class. */
  health.last_error = NULL;
  health.last_error_class = (char *) "timeout";
  tg_health_row_set_health (TG_HEALTH_ROW (row), &health);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, "The provider did not answer in time.");
  g_assert_null (tg_health_row_describe_error ("no-such-class"));
  g_assert_null (tg_health_row_describe_error (NULL));
  g_assert_cmpstr (tg_health_row_describe_error ("server"), ==, "The provider’s server failed.");

  /* Back to nothing known. */
  tg_health_row_set_health (TG_HEALTH_ROW (row), NULL);
  g_assert_cmpstr (status_text (row), ==, "Unknown");
  g_assert_cmpstr (detail_text (row), ==, "never checked");
  g_assert_null (gtk_widget_get_tooltip_text (row));

  g_object_unref (row);
}

int
main (int   argc,
      char *argv[])
{
  tg_ui_test_init (&argc, &argv);
  g_test_add_func ("/health-row/format-age", test_format_age);
  g_test_add_func ("/health-row/format-latency", test_format_latency);
  g_test_add_func ("/health-row/widget", test_widget);

  return g_test_run ();
}
