/* test-budget-bar.c: TgBudgetBar's figures, marks, states and drawing (run
 * under tests/run-headless: Xvfb). */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-budget-bar.h"
#include "tg-budget-bar-private.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

/* 2026-11-19 12:00 and 2026-12-01 00:00 UTC, in ms. */
#define NOV_19_NOON  G_GINT64_CONSTANT (1795089600000)
#define DEC_1        G_GINT64_CONSTANT (1796083200000)
#define HOUR_MS      G_GINT64_CONSTANT (3600000)
#define DAY_MS       (24 * HOUR_MS)

/* Helpers */

static TgBudgetStatus
make_status (gint64 spent_micros,
             gint64 budget_micros)
{
  TgBudgetStatus status = { 0 };

  status.period = TG_BUDGET_PERIOD_MONTHLY;
  status.period_start_ms = DEC_1 - 30 * DAY_MS;
  status.period_end_ms = DEC_1;
  status.budget_micros = budget_micros;
  status.spent_micros = spent_micros;
  status.fraction = budget_micros > 0 ? (double) spent_micros / budget_micros : 0;
  status.thresholds[0] = 50;
  status.thresholds[1] = 80;
  status.thresholds[2] = 100;
  status.n_thresholds = 3;
  status.exceeded = budget_micros > 0 && spent_micros >= budget_micros;
  return status;
}

/* The bar shows times in the local zone: the tests pin it. */
static GtkWidget *
create_bar (void)
{
  g_free (tg_test_make_data_dir ());
  return g_object_ref_sink (tg_budget_bar_new ());
}

static GtkWidget *
find_child_by_type (GtkWidget *root,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child_by_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Visible, and not on a stack page in the background. */
static gboolean
is_shown (GtkWidget *widget)
{
  for (; widget != NULL; widget = gtk_widget_get_parent (widget))
    if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
      return FALSE;
  return TRUE;
}

/* The shown label reading exactly @text, or NULL. */
static GtkLabel *
find_visible_label (GtkWidget  *root,
                    const char *text)
{
  if (GTK_IS_LABEL (root) && is_shown (root) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_visible_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static cairo_surface_t *
render (GtkWidget *bar,
        int        width,
        int        height)
{
  return tg_ui_test_render ((TgUiTestDrawFunc) tg_budget_bar_draw, bar, width, height);
}

#define pixel_at tg_ui_test_pixel_at

/* The bar's middle row: 3 px of mark overhang, then 10 px of bar. */
#define BAR_Y 8

static GtkWidget *
present_in_window (GtkWidget *child,
                   int        width)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, -1);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  tg_ui_test_wait_until_mapped (child);
  return window;
}

/* Tests */

static void
test_format_reset (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) plus2 = g_time_zone_new_identifier ("+02:00");
  static const struct { gint64 now, end; gboolean plus2; const char *text; } cases[] = {
    { NOV_19_NOON, DEC_1, FALSE, "Resets in 12 days" },
    { DEC_1 - 26 * HOUR_MS, DEC_1, FALSE, "Resets in 2 days" },
    { DEC_1 - HOUR_MS, DEC_1, FALSE, "Resets at midnight" },
    { DEC_1 - DAY_MS, DEC_1, FALSE, "Resets at midnight" },          /* 00:00 on the last day */
    { DEC_1 - DAY_MS - 1, DEC_1, FALSE, "Resets in 2 days" },        /* one ms earlier: the day before */
    { DEC_1 - 10 * HOUR_MS, DEC_1 + 14 * HOUR_MS, FALSE, "Resets tomorrow" }, /* not at midnight */
    { DEC_1 - 10 * HOUR_MS, DEC_1 - HOUR_MS, FALSE, "Resets today" },
    { DEC_1, DEC_1, FALSE, "Resets now" },
    { DEC_1 + 5, DEC_1, FALSE, "Resets now" },
    /* Local midnight of 1 December at +02:00 is 22:00 UTC the day before. */
    { DEC_1 - 2 * HOUR_MS - 30 * 60000, DEC_1 - 2 * HOUR_MS, TRUE, "Resets at midnight" },
    { DEC_1 - 2 * HOUR_MS - 30 * 60000, DEC_1 - 2 * HOUR_MS, FALSE, "Resets today" },
  };

  g_assert_nonnull (plus2);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tg_budget_format_reset (cases[i].now, cases[i].end, cases[i].plus2 ? plus2 : utc);

      g_test_message ("case %u", i);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_normal (void)
{
  GtkWidget *bar = create_bar ();
  TgBudgetStatus status = make_status (12400000, 25000000);
  static const double positions[] = { 0.5, 0.8, 1.0 };
  cairo_surface_t *surface;
  guint32 fill, trough, mark;
  GtkWidget *meter;

  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);

  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_fraction (TG_BUDGET_BAR (bar)), 0.496, 1e-9);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_fill (TG_BUDGET_BAR (bar)), 0.496, 1e-9);
  g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_NORMAL);
  g_assert_cmpstr (tg_budget_bar_get_amount_text (TG_BUDGET_BAR (bar)), ==, "$12.40 of $25.00 this month");
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "49 %");
  g_assert_cmpstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), ==, "First alert at 50 %");
  g_assert_true (g_str_has_prefix (tg_budget_bar_get_reset_text (TG_BUDGET_BAR (bar)), "Resets "));

  /* One mark per threshold, where the threshold is. */
  g_assert_cmpuint (tg_budget_bar_get_n_marks (TG_BUDGET_BAR (bar)), ==, G_N_ELEMENTS (positions));
  for (guint i = 0; i < G_N_ELEMENTS (positions); i++)
    g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (TG_BUDGET_BAR (bar), i), positions[i], 1e-9);

  /* The labels on screen say it. */
  g_assert_nonnull (find_visible_label (bar, "$12.40 of $25.00 this month"));
  g_assert_nonnull (find_visible_label (bar, "49 %"));
  g_assert_nonnull (find_visible_label (bar, "First alert at 50 %"));
  g_assert_null (find_visible_label (bar, "No budget set"));

  /* Accessible: a labelled group, its description the whole picture, and
   * the bar a meter. */
  {
    g_autofree char *expected = g_strdup_printf ("$12.40 of $25.00 spent this month, 49 %%. "
                                                 "Alerts at 50, 80 and 100 %%. %s.",
                                                 tg_budget_bar_get_reset_text (TG_BUDGET_BAR (bar)));

    g_assert_cmpstr (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)), ==, expected);
    gtk_test_accessible_assert_role (bar, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_LABEL, "Budget");
    gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, expected);
  }
  meter = find_child_by_type (bar, GTK_TYPE_DRAWING_AREA);
  g_assert_nonnull (meter);
  gtk_test_accessible_assert_role (meter, GTK_ACCESSIBLE_ROLE_METER);
  gtk_test_accessible_assert_property (meter, GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, 49.0);
  /* (Through the getter: the macro pastes its arguments into a format.) */
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "49 %");
  gtk_test_accessible_assert_property (meter, GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                       tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)));

  /* Drawn: the fill up to 49.6 %, the trough after it, a mark at 80 %. */
  surface = render (bar, 400, 40);
  fill = pixel_at (surface, 100, BAR_Y);
  trough = pixel_at (surface, 300, BAR_Y);
  mark = pixel_at (surface, 320, 1);
  g_assert_cmphex (fill >> 24, ==, 0xff);
  g_assert_cmphex (trough >> 24, <, 0x80);
  g_assert_cmphex (trough >> 24, >, 0);
  g_assert_cmphex (mark >> 24, >, 0x80);
  g_assert_cmphex (pixel_at (surface, 340, 1) >> 24, ==, 0);   /* nothing between marks above the bar */
  /* Mark labels under the bar. */
  {
    guint painted = 0;

    for (int y = 18; y < 40; y++)
      for (int x = 180; x < 220; x++)
        painted += (pixel_at (surface, x, y) >> 24) != 0;
    g_assert_cmpuint (painted, >, 10);
  }
  cairo_surface_destroy (surface);

  g_object_unref (bar);
}

static void
test_levels (void)
{
  GtkWidget *bar = create_bar ();
  TgBudgetStatus status = make_status (12400000, 25000000);
  cairo_surface_t *surface;
  guint32 normal, warning, exceeded;
  GtkLabel *percent;

  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  surface = render (bar, 400, 40);
  normal = pixel_at (surface, 50, BAR_Y);
  cairo_surface_destroy (surface);

  /* Exactly 80 %: past the 80 % alert. */
  status = make_status (20000000, 25000000);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_WARNING);
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "80 %");
  g_assert_cmpstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), ==, "Past the 80 % alert");
  percent = find_visible_label (bar, "80 %");
  g_assert_nonnull (percent);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (percent), "warning"));
  g_assert_nonnull (strstr (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)), "Past the 80 % alert."));
  surface = render (bar, 400, 40);
  warning = pixel_at (surface, 50, BAR_Y);
  cairo_surface_destroy (surface);

  /* 99.99 % is not yet 100 %. */
  status = make_status (24997500, 25000000);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "99 %");
  g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_WARNING);

  /* 112 %: the bar is full, the text says by how much. */
  status = make_status (28000000, 25000000);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_fraction (TG_BUDGET_BAR (bar)), 1.12, 1e-9);
  g_assert_cmpfloat (tg_budget_bar_get_fill (TG_BUDGET_BAR (bar)), ==, 1.0);
  g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_EXCEEDED);
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "112 %");
  g_assert_cmpstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), ==, "Over budget by $3.00");
  percent = find_visible_label (bar, "112 %");
  g_assert_nonnull (percent);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (percent), "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (percent), "warning"));
  surface = render (bar, 400, 40);
  exceeded = pixel_at (surface, 50, BAR_Y);
  g_assert_cmphex (pixel_at (surface, 395, BAR_Y) >> 24, ==, 0xff);   /* full */
  cairo_surface_destroy (surface);

  /* Three levels, three colours (and the texts above). */
  g_assert_cmphex (normal, !=, warning);
  g_assert_cmphex (warning, !=, exceeded);
  g_assert_cmphex (normal, !=, exceeded);

  /* With the hard limit, requests stop: say so. */
  status.hard_limit = TRUE;
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), ==, "Over budget by $3.00, requests are blocked");
  g_assert_true (g_str_has_prefix (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)),
                                   "$28.00 of $25.00 spent this month, 112 %. Over budget by $3.00, requests are blocked. "));

  /* Exactly spent. */
  status = make_status (25000000, 25000000);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), ==, "Budget used up");
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "100 %");

  g_object_unref (bar);
}

static void
test_periods_and_thresholds (void)
{
  GtkWidget *bar = create_bar ();
  TgBudgetStatus status = make_status (1000000, 2000000);
  cairo_surface_t *surface;

  status.period = TG_BUDGET_PERIOD_DAILY;
  status.thresholds[0] = 90;
  status.n_thresholds = 1;
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, DEC_1 - HOUR_MS);
  g_assert_cmpstr (tg_budget_bar_get_amount_text (TG_BUDGET_BAR (bar)), ==, "$1.00 of $2.00 today");
  g_assert_cmpuint (tg_budget_bar_get_n_marks (TG_BUDGET_BAR (bar)), ==, 1);
  g_assert_cmpfloat_with_epsilon (tg_budget_bar_get_mark_position (TG_BUDGET_BAR (bar), 0), 0.9, 1e-9);
  g_assert_true (g_str_has_prefix (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)),
                                   "$1.00 of $2.00 spent today, 50 %. Alert at 90 %. Resets "));

  status.period = TG_BUDGET_PERIOD_WEEKLY;
  status.n_thresholds = 0;
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, DEC_1 - HOUR_MS);
  g_assert_cmpstr (tg_budget_bar_get_amount_text (TG_BUDGET_BAR (bar)), ==, "$1.00 of $2.00 this week");
  g_assert_cmpuint (tg_budget_bar_get_n_marks (TG_BUDGET_BAR (bar)), ==, 0);
  g_assert_null (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)));
  g_assert_true (g_str_has_prefix (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)),
                                   "$1.00 of $2.00 spent this week, 50 %. No alerts. Resets "));

  /* Bad input: more thresholds than the store holds, negative spending,
   * thresholds past 100 %. Nothing reads outside the array. */
  status = make_status (-5, 2000000);
  status.n_thresholds = 1000;
  for (guint i = 0; i < TG_MAX_ALERT_THRESHOLDS; i++)
    status.thresholds[i] = 10 + 20 * i;
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpuint (tg_budget_bar_get_n_marks (TG_BUDGET_BAR (bar)), ==, TG_MAX_ALERT_THRESHOLDS);
  g_assert_cmpfloat (tg_budget_bar_get_mark_position (TG_BUDGET_BAR (bar), TG_MAX_ALERT_THRESHOLDS - 1), ==, 1.0);
  g_assert_cmpfloat (tg_budget_bar_get_fraction (TG_BUDGET_BAR (bar)), ==, 0);
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "0 %");
  /* Close marks: their labels never overlap, the drawing survives a tiny width. */
  surface = render (bar, 360, 40);
  cairo_surface_destroy (surface);
  surface = render (bar, 3, 3);
  cairo_surface_destroy (surface);

  /* A huge budget, spent huge. */
  status = make_status (G_GINT64_CONSTANT (1000000000000000), G_MAXINT64);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpstr (tg_budget_bar_get_percent_text (TG_BUDGET_BAR (bar)), ==, "0 %");
  status = make_status (G_MAXINT64, 1);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_EXCEEDED);
  g_assert_cmpfloat (tg_budget_bar_get_fill (TG_BUDGET_BAR (bar)), ==, 1.0);

  g_object_unref (bar);
}

static void
test_no_budget (void)
{
  GtkWidget *bar = create_bar ();
  TgBudgetStatus none = make_status (5000000, 0);
  TgBudgetStatus some = make_status (5000000, 10000000);
  cairo_surface_t *surface;

  /* New, NULL, or a budget of 0: no budget, and a hint where to set one. */
  for (guint round = 0; round < 3; round++)
    {
      if (round == 1)
        tg_budget_bar_set_status (TG_BUDGET_BAR (bar), NULL, NOV_19_NOON);
      else if (round == 2)
        tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &none, NOV_19_NOON);

      g_assert_cmpint (tg_budget_bar_get_level (TG_BUDGET_BAR (bar)), ==, TG_BUDGET_LEVEL_NONE);
      g_assert_cmpfloat (tg_budget_bar_get_fraction (TG_BUDGET_BAR (bar)), ==, 0);
      g_assert_cmpuint (tg_budget_bar_get_n_marks (TG_BUDGET_BAR (bar)), ==, 0);
      g_assert_null (tg_budget_bar_get_amount_text (TG_BUDGET_BAR (bar)));
      g_assert_nonnull (find_visible_label (bar, "No budget set"));
      g_assert_nonnull (strstr (tg_budget_bar_get_state_text (TG_BUDGET_BAR (bar)), "Preferences"));
      g_assert_true (g_str_has_prefix (tg_budget_bar_get_description (TG_BUDGET_BAR (bar)), "No budget set. Set a budget"));
      gtk_test_accessible_assert_property (bar, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                           tg_budget_bar_get_description (TG_BUDGET_BAR (bar)));
      g_assert_null (find_visible_label (bar, "0 %"));

      /* Nothing to draw. */
      surface = render (bar, 100, 20);
      for (int x = 0; x < 100; x++)
        g_assert_cmphex (pixel_at (surface, x, BAR_Y), ==, 0);
      cairo_surface_destroy (surface);
    }

  /* And back. */
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &some, NOV_19_NOON);
  g_assert_null (find_visible_label (bar, "No budget set"));
  g_assert_nonnull (find_visible_label (bar, "50 %"));

  g_object_unref (bar);
}

/* A real window at 360 px, in light and dark: laid out, drawn, no warning,
 * and the trough follows the style. */
static void
test_widget (void)
{
  GtkWidget *bar = create_bar ();
  TgBudgetStatus status = make_status (12400000, 25000000);
  AdwStyleManager *manager = adw_style_manager_get_default ();
  GtkWidget *window;
  cairo_surface_t *surface;
  guint32 light_trough, dark_trough;
  int minimum;

  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  gtk_widget_measure (bar, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 336);

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  window = present_in_window (g_object_ref (bar), 360);
  g_assert_cmpint (gtk_widget_get_width (window), ==, 360);
  surface = render (bar, 300, 40);
  light_trough = pixel_at (surface, 250, BAR_Y);
  cairo_surface_destroy (surface);

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  surface = render (bar, 300, 40);
  dark_trough = pixel_at (surface, 250, BAR_Y);
  cairo_surface_destroy (surface);

  /* A faint dark trough on light, a faint light one on dark. */
  g_assert_cmphex (light_trough, !=, dark_trough);
  g_assert_cmphex (dark_trough & 0xff, >, light_trough & 0xff);

  /* Over budget while shown. */
  status = make_status (28000000, 25000000);
  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), &status, NOV_19_NOON);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (bar);
}

int
main (int   argc,
      char *argv[])
{
  tg_ui_test_init (&argc, &argv);
  g_test_add_func ("/budget-bar/format-reset", test_format_reset);
  g_test_add_func ("/budget-bar/normal", test_normal);
  g_test_add_func ("/budget-bar/levels", test_levels);
  g_test_add_func ("/budget-bar/periods-and-thresholds", test_periods_and_thresholds);
  g_test_add_func ("/budget-bar/no-budget", test_no_budget);
  g_test_add_func ("/budget-bar/widget", test_widget);

  return g_test_run ();
}
