/* chart-demo.c: renders TgChart and TgBudgetBar with realistic figures, in
 * the light and dark styles, at 900 and 360 px, into PNGs for looking at
 * (docs/screenshots/). Not a test: run it by hand under a display, e.g.
 *
 *   tests/run-headless build/tests/chart-demo /tmp/chart-shots
 */

#include "config.h"

#include <adwaita.h>

#include "tg-budget-bar.h"
#include "tg-chart.h"
#include "tg-ui-test-utils.h"

#define DAY_MS G_GINT64_CONSTANT (86400000)

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

/* A page of the window's background colour, as the dashboard would be. */
static GtkWidget *
page_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_widget_add_css_class (box, "background");
  gtk_widget_set_margin_top (box, 0);
  return box;
}

static GtkWidget *
padded (GtkWidget *page)
{
  GtkWidget *frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_widget_add_css_class (frame, "background");
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_top (page, 12);
  gtk_widget_set_margin_bottom (page, 12);
  gtk_box_append (GTK_BOX (frame), page);
  return frame;
}

static GtkWidget *
create_charts (void)
{
  static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const struct { const char *name; double base, weekday_extra; } providers[] = {
    { "OpenAI", 1.10, 2.40 },
    { "Anthropic", 0.80, 1.60 },
    { "Google Gemini", 0.15, 0.45 },
  };
  static const struct { const char *name; gint64 micros; } breakdown[] = {
    { "OpenAI", 48123456 },
    { "Anthropic", 31400000 },
    { "Google Gemini", 12750000 },
    { "Mistral", 6200000 },
    { "Groq", 2350000 },
    { "OpenRouter", 1100000 },
    { "Ollama (local)", 0 },
  };
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *page = page_new ();
  GtkWidget *series_chart = tg_chart_new (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  GtkWidget *bars_chart = tg_chart_new (TG_CHART_KIND_BARS, TG_CHART_UNIT_MONEY);

  /* November 2026 began on a Sunday. */
  for (guint d = 0; d < 30; d++)
    g_ptr_array_add (labels, g_strdup_printf ("%s %u", days[d % 7], d + 1));
  g_ptr_array_add (labels, NULL);
  tg_chart_set_title (TG_CHART (series_chart), "Cost per day");
  tg_chart_set_categories (TG_CHART (series_chart), (const char * const *) labels->pdata);

  for (guint p = 0; p < G_N_ELEMENTS (providers); p++)
    {
      gint64 values[30];

      for (guint d = 0; d < 30; d++)
        {
          gboolean weekend = d % 7 == 0 || d % 7 == 6;
          /* A little irregular, as real spending is. */
          double noise = ((d * 37 + p * 11) % 17) / 17.0;

          values[d] = (gint64) ((providers[p].base + (weekend ? 0 : providers[p].weekday_extra) * (0.5 + noise)) * 1e6);
        }
      tg_chart_add_series (TG_CHART (series_chart), providers[p].name, values, G_N_ELEMENTS (values));
    }

  tg_chart_set_title (TG_CHART (bars_chart), "Cost by provider");
  for (guint p = 0; p < G_N_ELEMENTS (breakdown); p++)
    tg_chart_add_series (TG_CHART (bars_chart), breakdown[p].name, &breakdown[p].micros, 1);

  gtk_box_append (GTK_BOX (page), heading ("Cost per day"));
  gtk_box_append (GTK_BOX (page), series_chart);
  gtk_box_append (GTK_BOX (page), heading ("Cost by provider"));
  gtk_box_append (GTK_BOX (page), bars_chart);
  return padded (page);
}

/* The hard cases, to look at: many series with long names, a billion
 * dollars next to a micro-dollar, an empty chart. */
static GtkWidget *
create_stress (void)
{
  GtkWidget *page = page_new ();
  GtkWidget *many = tg_chart_new (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  GtkWidget *bars = tg_chart_new (TG_CHART_KIND_BARS, TG_CHART_UNIT_COUNT);
  GtkWidget *empty = tg_chart_new (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  static const char * const hours[] = { "00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00",
                                        "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00",
                                        "16:00", "17:00", "18:00", "19:00", "20:00", "21:00", "22:00", "23:00", NULL };

  tg_chart_set_categories (TG_CHART (many), hours);
  for (guint s = 0; s < 12; s++)
    {
      g_autofree char *name = g_strdup_printf ("Provider with a long name %u", s + 1);
      gint64 values[24];

      for (guint h = 0; h < 24; h++)
        values[h] = s == 0 ? G_GINT64_CONSTANT (1000000000000000) * (h % 5) / 4 : (s == 1 ? 1 : (gint64) (h * s) * 1000000000);
      tg_chart_add_series (TG_CHART (many), name, values, G_N_ELEMENTS (values));
    }

  for (guint s = 0; s < 4; s++)
    {
      g_autofree char *name = g_strdup_printf ("A provider whose name goes on and on %u", s + 1);
      gint64 tokens = s == 0 ? G_GINT64_CONSTANT (1234567890123) : (gint64) (s * 123456);

      tg_chart_add_series (TG_CHART (bars), name, &tokens, 1);
    }

  gtk_box_append (GTK_BOX (page), heading ("Many series, huge and tiny"));
  gtk_box_append (GTK_BOX (page), many);
  gtk_box_append (GTK_BOX (page), heading ("Tokens by provider"));
  gtk_box_append (GTK_BOX (page), bars);
  gtk_box_append (GTK_BOX (page), heading ("Empty"));
  gtk_box_append (GTK_BOX (page), empty);
  return padded (page);
}

static GtkWidget *
budget_card (const TgBudgetStatus *status,
             gint64                now_ms)
{
  GtkWidget *bar = tg_budget_bar_new ();

  tg_budget_bar_set_status (TG_BUDGET_BAR (bar), status, now_ms);
  gtk_widget_add_css_class (bar, "card");
  gtk_widget_set_margin_start (gtk_widget_get_first_child (bar), 12);
  gtk_widget_set_margin_end (gtk_widget_get_first_child (bar), 12);
  gtk_widget_set_margin_top (gtk_widget_get_first_child (bar), 12);
  gtk_widget_set_margin_bottom (gtk_widget_get_first_child (bar), 12);
  return bar;
}

static GtkWidget *
create_budget_bars (void)
{
  g_autoptr(GDateTime) now_dt = g_date_time_new_local (2026, 11, 19, 15, 0, 0);
  g_autoptr(GDateTime) end_dt = g_date_time_new_local (2026, 12, 1, 0, 0, 0);
  gint64 now_ms = g_date_time_to_unix (now_dt) * 1000;
  GtkWidget *page = page_new ();
  TgBudgetStatus status = { 0 };

  status.period = TG_BUDGET_PERIOD_MONTHLY;
  status.period_end_ms = g_date_time_to_unix (end_dt) * 1000;
  status.period_start_ms = status.period_end_ms - 30 * DAY_MS;
  status.budget_micros = 25000000;
  status.thresholds[0] = 50;
  status.thresholds[1] = 80;
  status.thresholds[2] = 100;
  status.n_thresholds = 3;

  status.spent_micros = 12400000;
  gtk_box_append (GTK_BOX (page), budget_card (&status, now_ms));

  status.spent_micros = 21300000;
  gtk_box_append (GTK_BOX (page), budget_card (&status, now_ms));

  status.spent_micros = 28000000;
  status.hard_limit = TRUE;
  status.exceeded = TRUE;
  gtk_box_append (GTK_BOX (page), budget_card (&status, now_ms));

  gtk_box_append (GTK_BOX (page), budget_card (NULL, now_ms));
  return padded (page);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
settle (void)
{
  gboolean done = FALSE;

  /* A few frames for layout and the style switch to land. */
  g_timeout_add (300, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
shoot (GtkWidget  *(*create) (void),
       const char  *outdir,
       const char  *name)
{
  static const int widths[] = { 900, 360 };

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    for (int dark = 0; dark <= 1; dark++)
      {
        GtkWidget *window = gtk_window_new ();
        GtkWidget *content = create ();
        g_autofree char *file = g_strdup_printf ("%s-%s-%d.png", name, dark ? "dark" : "light", widths[w]);
        g_autofree char *path = g_build_filename (outdir, file, NULL);

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
        gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
        gtk_window_set_default_size (GTK_WINDOW (window), widths[w], -1);
        gtk_window_set_child (GTK_WINDOW (window), content);
        gtk_window_present (GTK_WINDOW (window));
        settle ();
        tg_ui_test_save_png (content, NULL, path);
        gtk_window_destroy (GTK_WINDOW (window));
      }
}

int
main (int   argc,
      char *argv[])
{
  const char *outdir = argc > 1 ? argv[1] : ".";

  gtk_init ();
  adw_init ();
  g_mkdir_with_parents (outdir, 0755);

  shoot (create_charts, outdir, "chart");
  shoot (create_budget_bars, outdir, "budget-bar");
  shoot (create_stress, outdir, "stress");
  return 0;
}
