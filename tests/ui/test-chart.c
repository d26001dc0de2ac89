/* test-chart.c: TgChart's axis maths, geometry, drawing, tooltips and
 * accessible description (run under tests/run-headless: Xvfb). */

#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "tg-chart.h"
#include "tg-chart-private.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

#define MICROS(dollars) ((gint64) ((dollars) * 1000000.0 + 0.5))

/* Helpers */

static GtkWidget *
create_chart (TgChartKind kind,
              TgChartUnit unit)
{
  g_free (tg_test_make_data_dir ());
  return g_object_ref_sink (tg_chart_new (kind, unit));
}

static const char * const week[] = { "Mon 24", "Tue 25", "Wed 26", "Thu 27", "Fri 28", "Sat 29", "Sun 30", NULL };

/* Three providers over a week, with known figures. */
static GtkWidget *
create_week_chart (void)
{
  static const gint64 openai[] = { 1234567, 2000000, 0, 500000, 4000000, 0, 1000000 };
  static const gint64 anthropic[] = { 500000, 250000, 0, 0, 500000, 0, 3500000 };
  static const gint64 gemini[] = { 10000, 0, 0, 0, 0, 0, 0 };
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);

  tg_chart_set_title (TG_CHART (chart), "Cost per day");
  tg_chart_set_categories (TG_CHART (chart), week);
  tg_chart_add_series (TG_CHART (chart), "OpenAI", openai, G_N_ELEMENTS (openai));
  tg_chart_add_series (TG_CHART (chart), "Anthropic", anthropic, G_N_ELEMENTS (anthropic));
  tg_chart_add_series (TG_CHART (chart), "Gemini", gemini, G_N_ELEMENTS (gemini));
  return chart;
}

/* Thirty days of three providers, as the dashboard shows a month. */
static GtkWidget *
create_month_chart (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  static const char *days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *names[] = { "OpenAI", "Anthropic", "Google Gemini" };
  gint64 values[30];

  for (guint d = 0; d < 30; d++)
    g_ptr_array_add (labels, g_strdup_printf ("%s %u", days[d % 7], d + 1));
  g_ptr_array_add (labels, NULL);
  tg_chart_set_categories (TG_CHART (chart), (const char * const *) labels->pdata);

  for (guint s = 0; s < G_N_ELEMENTS (names); s++)
    {
      for (guint d = 0; d < 30; d++)
        values[d] = (gint64) ((d * 7919 + s * 104729) % 2000000) + 100000 * (3 - s);
      tg_chart_add_series (TG_CHART (chart), names[s], values, G_N_ELEMENTS (values));
    }
  return chart;
}

static cairo_surface_t *
render (GtkWidget *chart,
        int        width,
        int        height)
{
  return tg_ui_test_render ((TgUiTestDrawFunc) tg_chart_draw, chart, width, height);
}

#define pixel_at tg_ui_test_pixel_at

static guint32
rgba_to_pixel (const GdkRGBA *color)
{
  return 0xff000000u |
         (guint32) (color->red * 255 + 0.5) << 16 |
         (guint32) (color->green * 255 + 0.5) << 8 |
         (guint32) (color->blue * 255 + 0.5);
}

/* Pixels in a rectangle that are not transparent. */
static guint
count_painted (cairo_surface_t       *surface,
               const graphene_rect_t *rect)
{
  guint count = 0;

  for (int y = (int) rect->origin.y; y < (int) (rect->origin.y + rect->size.height); y++)
    for (int x = (int) rect->origin.x; x < (int) (rect->origin.x + rect->size.width); x++)
      if ((pixel_at (surface, x, y) >> 24) != 0)
        count++;
  return count;
}

/* The middle of series @series's segment (or bar) is painted in its colour. */
static void
assert_bar_painted (GtkWidget       *chart,
                    cairo_surface_t *surface,
                    guint            category,
                    guint            series)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  graphene_rect_t rect;
  GdkRGBA color;
  int x, y;

  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, category, series, &rect));
  g_assert_cmpfloat (rect.size.width, >=, 1);
  g_assert_cmpfloat (rect.size.height, >=, 1);
  g_assert_cmpfloat (rect.origin.x, >=, 0);
  g_assert_cmpfloat (rect.origin.y, >=, 0);
  g_assert_cmpfloat (rect.origin.x + rect.size.width, <=, width);
  g_assert_cmpfloat (rect.origin.y + rect.size.height, <=, height);

  x = (int) (rect.origin.x + rect.size.width / 2);
  y = (int) (rect.origin.y + rect.size.height / 2);
  tg_chart_get_series_color (TG_CHART (chart), series, &color);
  g_assert_cmphex (pixel_at (surface, x, y), ==, rgba_to_pixel (&color));
}

/* Every text lies inside the drawing and no two overlap. */
static void
assert_text_fits (GtkWidget *chart,
                  int        width,
                  int        height)
{
  g_autoptr(GArray) boxes = tg_chart_get_text_boxes (TG_CHART (chart), width, height);

  g_assert_cmpuint (boxes->len, >, 0);
  for (guint i = 0; i < boxes->len; i++)
    {
      const graphene_rect_t *a = &g_array_index (boxes, graphene_rect_t, i);

      g_assert_cmpfloat (a->origin.x, >=, 0);
      g_assert_cmpfloat (a->origin.y, >=, 0);
      g_assert_cmpfloat (a->origin.x + a->size.width, <=, width);
      g_assert_cmpfloat (a->origin.y + a->size.height, <=, height);

      for (guint j = i + 1; j < boxes->len; j++)
        {
          const graphene_rect_t *b = &g_array_index (boxes, graphene_rect_t, j);
          graphene_rect_t overlap;

          if (graphene_rect_intersection (a, b, &overlap) &&
              overlap.size.width > 0.5 && overlap.size.height > 0.5)
            g_error ("text boxes %u (%g,%g %gx%g) and %u (%g,%g %gx%g) overlap at %d×%d",
                     i, a->origin.x, a->origin.y, a->size.width, a->size.height,
                     j, b->origin.x, b->origin.y, b->size.width, b->size.height, width, height);
        }
    }
}

static gboolean
is_nice_step (gint64 step)
{
  while (step % 10 == 0)
    step /= 10;
  return step == 1 || step == 2 || step == 5;
}

static void
set_dark (gboolean dark)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_assert_true (adw_style_manager_get_dark (adw_style_manager_get_default ()) == dark);
}

/* Tests: pure functions */

static void
test_nice_ticks (void)
{
  static const struct { gint64 max; guint max_intervals; gint64 step; guint n; } cases[] = {
    { 0, 5, 1, 1 },                      /* nothing: one unit */
    { -5, 5, 1, 1 },
    { 1, 5, 1, 1 },                      /* one micro-dollar */
    { 7, 5, 2, 4 },
    { 10, 5, 2, 5 },
    { 11, 5, 5, 3 },
    { 45, 5, 10, 5 },
    { 4500000, 5, 1000000, 5 },          /* $4.50: $1 steps */
    { 4500000, 3, 2000000, 3 },
    { 999999, 5, 200000, 5 },            /* $0.20 steps */
    { 1234567, 6, 500000, 3 },
    { G_GINT64_CONSTANT (1000000000000000), 5, G_GINT64_CONSTANT (200000000000000), 5 },
    { G_GINT64_CONSTANT (1000000000000001), 5, G_GINT64_CONSTANT (500000000000000), 3 },
    { G_MAXINT64, 5, G_GINT64_CONSTANT (2000000000000000000), 5 },
    { G_MAXINT64, 1, G_MAXINT64, 1 },    /* no nice step left: one interval */
    { 3, 0, 5, 1 },                      /* zero intervals asked: one */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 step = 0;
      guint n = 0;

      g_test_message ("max %" G_GINT64_FORMAT ", %u intervals", cases[i].max, cases[i].max_intervals);
      tg_chart_nice_ticks (cases[i].max, cases[i].max_intervals, &step, &n);
      g_assert_cmpint (step, ==, cases[i].step);
      g_assert_cmpuint (n, ==, cases[i].n);
    }

  /* Over many ranges: a 1/2/5 step, the top covers the maximum, no spare
   * interval, at most as many intervals as asked, and no smaller nice step
   * would do. */
  for (gint64 max = 1; max < G_GINT64_CONSTANT (100000000000000000); max = max * 3 + max / 7 + 1)
    for (guint max_intervals = 1; max_intervals <= 8; max_intervals++)
      {
        gint64 step;
        guint n;

        tg_chart_nice_ticks (max, max_intervals, &step, &n);
        g_assert_true (is_nice_step (step));
        g_assert_cmpuint (n, >=, 1);
        g_assert_cmpuint (n, <=, max_intervals);
        g_assert_cmpint (step * n, >=, max);
        g_assert_cmpint (step * (n - 1), <, max);
        if (step > 1)
          {
            gint64 smaller = is_nice_step (step / 2) && step % 2 == 0 ? step / 2 : step * 2 / 5;

            g_assert_true (is_nice_step (smaller));
            g_assert_cmpint ((max + smaller - 1) / smaller, >, max_intervals);
          }
      }
}

static void
test_label_stride (void)
{
  g_assert_cmpuint (tg_chart_label_stride (100, 45, 12), ==, 1);
  g_assert_cmpuint (tg_chart_label_stride (57, 45, 12), ==, 1);
  g_assert_cmpuint (tg_chart_label_stride (56.9, 45, 12), ==, 2);
  g_assert_cmpuint (tg_chart_label_stride (10, 45, 12), ==, 6);
  g_assert_cmpuint (tg_chart_label_stride (0.5, 45, 12), ==, 114);
  /* Degenerate sizes never divide by zero. */
  g_assert_cmpuint (tg_chart_label_stride (0, 45, 12), ==, 1);
  g_assert_cmpuint (tg_chart_label_stride (-3, 45, 12), ==, 1);
  g_assert_cmpuint (tg_chart_label_stride (10, 0, 0), ==, 1);
}

static void
test_format (void)
{
  static const struct { TgChartUnit unit; gint64 value, step; const char *text; } ticks[] = {
    { TG_CHART_UNIT_MONEY, 0, 500000, "$0.00" },
    { TG_CHART_UNIT_MONEY, 500000, 500000, "$0.50" },
    { TG_CHART_UNIT_MONEY, 2000000, 1000000, "$2.00" },
    { TG_CHART_UNIT_MONEY, 5, 1, "$0.000005" },
    { TG_CHART_UNIT_MONEY, G_GINT64_CONSTANT (20000000000), G_GINT64_CONSTANT (10000000000), "$20K" },
    { TG_CHART_UNIT_MONEY, G_GINT64_CONSTANT (1200000000000000), G_GINT64_CONSTANT (200000000000000), "$1200M" },
    { TG_CHART_UNIT_MONEY, G_GINT64_CONSTANT (1500000000), G_GINT64_CONSTANT (500000000), "$1500.00" },
    { TG_CHART_UNIT_COUNT, 1200, 200, "1200" },
    { TG_CHART_UNIT_COUNT, 20000, 5000, "20K" },
    { TG_CHART_UNIT_COUNT, 1200000, 200000, "1.2M" },
  };
  g_autofree char *exact_money = tg_chart_format_exact (TG_CHART_UNIT_MONEY, 1234567);
  g_autofree char *exact_cents = tg_chart_format_exact (TG_CHART_UNIT_MONEY, 12400000);
  g_autofree char *exact_count = tg_chart_format_exact (TG_CHART_UNIT_COUNT, 1234567);

  for (guint i = 0; i < G_N_ELEMENTS (ticks); i++)
    {
      g_autofree char *text = tg_chart_format_tick (ticks[i].unit, ticks[i].value, ticks[i].step);
      g_assert_cmpstr (text, ==, ticks[i].text);
    }

  g_assert_cmpstr (exact_money, ==, "$1.234567");
  g_assert_cmpstr (exact_cents, ==, "$12.40");
  g_assert_cmpstr (exact_count, ==, "1234567");

  /* Whatever the range, the ticks of one axis never read the same. */
  for (TgChartUnit unit = TG_CHART_UNIT_MONEY; unit <= TG_CHART_UNIT_COUNT; unit++)
    for (gint64 max = 1; max < G_GINT64_CONSTANT (1000000000000000000); max = max * 2 + max / 3 + 1)
      for (guint max_intervals = 2; max_intervals <= 6; max_intervals++)
        {
          g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          gint64 step;
          guint n;

          tg_chart_nice_ticks (max, max_intervals, &step, &n);
          for (guint i = 0; i <= n; i++)
            {
              char *text = tg_chart_format_tick (unit, step * i, step);

              if (!g_hash_table_add (seen, text))
                g_error ("tick %s repeats (max %" G_GINT64_FORMAT ", step %" G_GINT64_FORMAT ")",
                         text, max, step);
            }
        }
}

/* Tests: drawing */

static void
test_draw_empty (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  g_autoptr(GArray) boxes = NULL;
  cairo_surface_t *surface;
  graphene_rect_t text_box;

  /* The template's default, then the page's own. */
  g_assert_cmpstr (tg_chart_get_empty_text (TG_CHART (chart)), ==, "No usage in this period");
  tg_chart_set_empty_text (TG_CHART (chart), "No requests yet");

  /* No series: only the empty text, centred. */
  boxes = tg_chart_get_text_boxes (TG_CHART (chart), 360, 240);
  g_assert_cmpuint (boxes->len, ==, 1);
  text_box = g_array_index (boxes, graphene_rect_t, 0);
  g_assert_cmpfloat (fabs (text_box.origin.x + text_box.size.width / 2 - 180), <, 2);
  g_assert_cmpfloat (fabs (text_box.origin.y + text_box.size.height / 2 - 120), <, 2);

  surface = render (chart, 360, 240);
  g_assert_cmpuint (count_painted (surface, &text_box), >, 20);
  /* Nothing outside the text. */
  g_assert_cmpuint (count_painted (surface, &GRAPHENE_RECT_INIT (0, 0, 360, text_box.origin.y - 1)), ==, 0);
  cairo_surface_destroy (surface);

  g_assert_false (tg_chart_hit_test (TG_CHART (chart), 180, 120, 360, 240, NULL, NULL));
  g_assert_cmpuint (tg_chart_get_legend_rows (TG_CHART (chart), 360), ==, 0);

  /* Categories without series are still empty; so are bars. */
  tg_chart_set_categories (TG_CHART (chart), week);
  g_clear_pointer (&boxes, g_array_unref);
  boxes = tg_chart_get_text_boxes (TG_CHART (chart), 360, 240);
  g_assert_cmpuint (boxes->len, ==, 1);
  tg_chart_set_kind (TG_CHART (chart), TG_CHART_KIND_BARS);
  g_clear_pointer (&boxes, g_array_unref);
  boxes = tg_chart_get_text_boxes (TG_CHART (chart), 360, 240);
  g_assert_cmpuint (boxes->len, ==, 1);

  /* A long text wraps within a narrow chart. */
  tg_chart_set_empty_text (TG_CHART (chart), "Nothing was spent in this period, on any provider, by any model at all");
  assert_text_fits (chart, 160, 200);

  g_object_unref (chart);
}

static void
test_draw_one (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  static const gint64 values[] = { 1000000, 3000000, 0, 2000000 };
  cairo_surface_t *surface;
  graphene_rect_t a, b;

  tg_chart_set_categories (TG_CHART (chart), (const char * const[]) { "Mon", "Tue", "Wed", "Thu", NULL });
  tg_chart_add_series (TG_CHART (chart), "OpenAI", values, G_N_ELEMENTS (values));

  surface = render (chart, 400, 240);
  assert_bar_painted (chart, surface, 0, 0);
  assert_bar_painted (chart, surface, 1, 0);
  assert_bar_painted (chart, surface, 3, 0);
  /* Nothing drawn for a zero. */
  g_assert_false (tg_chart_get_bar_rect (TG_CHART (chart), 400, 240, 2, 0, &a));

  /* Heights are proportional, and the columns stand on the same axis. */
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 400, 240, 0, 0, &a));
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 400, 240, 1, 0, &b));
  g_assert_cmpfloat (fabs (b.size.height - 3 * a.size.height), <=, 1);   /* whole pixels */
  g_assert_cmpfloat (fabs ((a.origin.y + a.size.height) - (b.origin.y + b.size.height)), <, 0.01);
  g_assert_cmpfloat (b.origin.x, >, a.origin.x);

  assert_text_fits (chart, 400, 240);
  assert_text_fits (chart, 360, 200);
  /* One legend entry. */
  g_assert_cmpuint (tg_chart_get_legend_rows (TG_CHART (chart), 400), ==, 1);

  cairo_surface_destroy (surface);
  g_object_unref (chart);
}

static void
test_draw_many (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_COUNT);
  cairo_surface_t *surface;
  GdkRGBA first, eleventh, second;

  /* More series than palette colours, with long names. */
  for (guint s = 0; s < 12; s++)
    {
      g_autofree char *name = g_strdup_printf ("Provider number %u with a long name", s + 1);
      gint64 values[5];

      for (guint c = 0; c < G_N_ELEMENTS (values); c++)
        values[c] = 1000 + 250 * ((s + c) % 4);
      tg_chart_add_series (TG_CHART (chart), name, values, G_N_ELEMENTS (values));
    }
  g_assert_cmpuint (tg_chart_get_n_series (TG_CHART (chart)), ==, 12);

  /* The legend wraps to more rows when narrower. */
  g_assert_cmpuint (tg_chart_get_legend_rows (TG_CHART (chart), 360), >, tg_chart_get_legend_rows (TG_CHART (chart), 900));
  g_assert_cmpuint (tg_chart_get_legend_rows (TG_CHART (chart), 360), >=, 6);

  surface = render (chart, 900, 600);
  for (guint s = 0; s < 12; s++)
    assert_bar_painted (chart, surface, s % 5, s);
  assert_text_fits (chart, 900, 600);
  assert_text_fits (chart, 360, 600);
  cairo_surface_destroy (surface);

  /* Colours repeat only after the palette's ten; neighbours differ. */
  tg_chart_get_series_color (TG_CHART (chart), 0, &first);
  tg_chart_get_series_color (TG_CHART (chart), 1, &second);
  tg_chart_get_series_color (TG_CHART (chart), 10, &eleventh);
  g_assert_false (gdk_rgba_equal (&first, &second));
  g_assert_true (gdk_rgba_equal (&first, &eleventh));

  /* A given colour: the same provider looks the same in every chart. */
  {
    GtkWidget *other = create_chart (TG_CHART_KIND_BARS, TG_CHART_UNIT_COUNT);
    GdkRGBA fourth, given;

    tg_chart_add_series_full (TG_CHART (other), "Provider number 4", (const gint64[]) { 5 }, 1, 3);
    tg_chart_add_series_full (TG_CHART (other), "Provider number 1", (const gint64[]) { 5 }, 1, 0);
    tg_chart_get_series_color (TG_CHART (chart), 3, &fourth);
    tg_chart_get_series_color (TG_CHART (other), 0, &given);
    g_assert_true (gdk_rgba_equal (&fourth, &given));
    tg_chart_get_series_color (TG_CHART (other), 1, &given);
    g_assert_true (gdk_rgba_equal (&first, &given));
    surface = render (other, 300, 100);
    assert_bar_painted (other, surface, TG_CHART_NONE, 0);
    assert_bar_painted (other, surface, TG_CHART_NONE, 1);
    cairo_surface_destroy (surface);
    g_object_unref (other);
  }

  /* Cleared: back to the empty text. */
  tg_chart_clear (TG_CHART (chart));
  g_assert_cmpuint (tg_chart_get_n_series (TG_CHART (chart)), ==, 0);
  {
    g_autoptr(GArray) boxes = tg_chart_get_text_boxes (TG_CHART (chart), 360, 200);
    g_assert_cmpuint (boxes->len, ==, 1);
  }

  g_object_unref (chart);
}

static void
test_draw_extremes (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  static const gint64 huge[] = { G_GINT64_CONSTANT (1000000000000000), G_GINT64_CONSTANT (400000000000000), 0 };
  static const gint64 tiny[] = { 1, 1, 1 };
  static const gint64 zeros[] = { 0, 0, 0 };
  static const gint64 overflow[] = { G_MAXINT64, G_MAXINT64, -5 };
  cairo_surface_t *surface;
  graphene_rect_t rect;

  tg_chart_set_categories (TG_CHART (chart), (const char * const[]) { "Mon", "Tue", "Wed", NULL });

  /* 10^15 micro-dollars ($1 billion) with one micro-dollar on top: the tiny
   * cost still gets its pixel. */
  tg_chart_add_series (TG_CHART (chart), "Huge", huge, G_N_ELEMENTS (huge));
  tg_chart_add_series (TG_CHART (chart), "Tiny", tiny, G_N_ELEMENTS (tiny));
  for (int width = 360; width <= 900; width += 540)
    {
      surface = render (chart, width, 300);
      assert_bar_painted (chart, surface, 0, 0);
      assert_bar_painted (chart, surface, 0, 1);
      assert_bar_painted (chart, surface, 2, 1);
      g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, 300, 0, 1, &rect));
      g_assert_cmpfloat (rect.size.height, >=, 1);
      assert_text_fits (chart, width, 300);
      cairo_surface_destroy (surface);
    }

  /* Only tiny values: the axis goes down to micro-dollars. */
  tg_chart_clear (TG_CHART (chart));
  tg_chart_add_series (TG_CHART (chart), "Tiny", tiny, G_N_ELEMENTS (tiny));
  surface = render (chart, 360, 240);
  assert_bar_painted (chart, surface, 1, 0);
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 360, 240, 1, 0, &rect));
  g_assert_cmpfloat (rect.size.height, >, 50);   /* it is the whole scale */
  assert_text_fits (chart, 360, 240);
  cairo_surface_destroy (surface);

  /* All zeros: an axis, no columns, no division by zero. */
  tg_chart_clear (TG_CHART (chart));
  tg_chart_add_series (TG_CHART (chart), "Idle", zeros, G_N_ELEMENTS (zeros));
  surface = render (chart, 360, 240);
  g_assert_false (tg_chart_get_bar_rect (TG_CHART (chart), 360, 240, 0, 0, &rect));
  assert_text_fits (chart, 360, 240);
  cairo_surface_destroy (surface);

  /* Sums past the range saturate; negative values count as zero. */
  tg_chart_add_series (TG_CHART (chart), "Overflow", overflow, G_N_ELEMENTS (overflow));
  tg_chart_add_series (TG_CHART (chart), "Overflow again", overflow, G_N_ELEMENTS (overflow));
  surface = render (chart, 360, 240);
  assert_bar_painted (chart, surface, 0, 1);
  g_assert_false (tg_chart_get_bar_rect (TG_CHART (chart), 360, 240, 2, 1, &rect));
  assert_text_fits (chart, 360, 240);
  cairo_surface_destroy (surface);

  /* Absurd sizes draw nothing wrong. */
  surface = render (chart, 1, 1);
  cairo_surface_destroy (surface);
  surface = render (chart, 40, 30);
  cairo_surface_destroy (surface);

  g_object_unref (chart);
}

static void
test_thinning (void)
{
  GtkWidget *chart = create_month_chart ();
  guint narrow = tg_chart_get_label_stride (TG_CHART (chart), 360, 280);
  guint wide = tg_chart_get_label_stride (TG_CHART (chart), 900, 280);
  g_autoptr(GArray) boxes = NULL;

  /* Thirty "Mon 1" … labels cannot all fit in 360 px, or even 900. */
  g_assert_cmpuint (narrow, >, 1);
  g_assert_cmpuint (wide, >=, 1);
  g_assert_cmpuint (narrow, >, wide);

  assert_text_fits (chart, 360, 280);
  assert_text_fits (chart, 900, 280);
  assert_text_fits (chart, 320, 280);

  /* A week fits whole at 900 px. */
  g_object_unref (chart);
  chart = create_week_chart ();
  g_assert_cmpuint (tg_chart_get_label_stride (TG_CHART (chart), 900, 280), ==, 1);
  boxes = tg_chart_get_text_boxes (TG_CHART (chart), 900, 280);
  /* 3 legend names, the axis labels (at least $0 and one more), 7 days. */
  g_assert_cmpuint (boxes->len, >=, 3 + 2 + 7);
  g_object_unref (chart);
}

static void
test_bars (void)
{
  GtkWidget *chart = create_chart (TG_CHART_KIND_BARS, TG_CHART_UNIT_MONEY);
  static const gint64 a[] = { 10000000, 2400000 };   /* $12.40 */
  static const gint64 b[] = { 3100000 };             /* $3.10 */
  static const gint64 c[] = { 0 };
  cairo_surface_t *surface;
  graphene_rect_t ra, rb;
  guint category, series;
  g_autofree char *tooltip = NULL;

  tg_chart_set_title (TG_CHART (chart), "Cost by provider");
  tg_chart_add_series (TG_CHART (chart), "OpenAI", a, G_N_ELEMENTS (a));
  tg_chart_add_series (TG_CHART (chart), "A provider with a name far too long for a phone", b, G_N_ELEMENTS (b));
  tg_chart_add_series (TG_CHART (chart), "Local", c, G_N_ELEMENTS (c));

  surface = render (chart, 360, 160);
  assert_bar_painted (chart, surface, TG_CHART_NONE, 0);
  assert_bar_painted (chart, surface, TG_CHART_NONE, 1);
  g_assert_false (tg_chart_get_bar_rect (TG_CHART (chart), 360, 160, TG_CHART_NONE, 2, &ra));

  /* Lengths are proportional to the totals, from one baseline. */
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 360, 160, TG_CHART_NONE, 0, &ra));
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 360, 160, TG_CHART_NONE, 1, &rb));
  g_assert_cmpfloat (fabs (rb.size.width / ra.size.width - 3.1 / 12.4), <, 0.01);
  g_assert_cmpfloat (ra.origin.x, ==, rb.origin.x);
  g_assert_cmpfloat (rb.origin.y, >, ra.origin.y);
  /* The long name is ellipsized, not pushing the bars off. */
  assert_text_fits (chart, 360, 160);
  assert_text_fits (chart, 900, 160);

  /* Hover: a row is its series. */
  g_assert_true (tg_chart_hit_test (TG_CHART (chart), 5, rb.origin.y + rb.size.height / 2, 360, 160, &category, &series));
  g_assert_cmpuint (category, ==, TG_CHART_NONE);
  g_assert_cmpuint (series, ==, 1);
  g_assert_false (tg_chart_hit_test (TG_CHART (chart), 100, 159, 360, 160, NULL, NULL));

  tooltip = tg_chart_get_tooltip_text (TG_CHART (chart), TG_CHART_NONE, 0);
  g_assert_cmpstr (tooltip, ==, "OpenAI: $12.40 · 80 % of $15.50");

  g_assert_cmpstr (tg_chart_get_description (TG_CHART (chart)), ==,
                   "Cost by provider. OpenAI: $12.40 (80 %); "
                   "A provider with a name far too long for a phone: $3.10 (20 %); Local: $0.00 (0 %).");

  cairo_surface_destroy (surface);
  g_object_unref (chart);
}

/* Tests: interaction and accessibility */

static void
test_hit_test (void)
{
  GtkWidget *chart = create_week_chart ();
  const int width = 700, height = 300;
  graphene_rect_t openai, anthropic, gemini;
  guint category, series;

  /* Monday: OpenAI at the bottom, then Anthropic, then Gemini. */
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, 0, 0, &openai));
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, 0, 1, &anthropic));
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, 0, 2, &gemini));
  g_assert_cmpfloat (anthropic.origin.y + anthropic.size.height, <=, openai.origin.y + 0.01);
  g_assert_cmpfloat (gemini.origin.y + gemini.size.height, <=, anthropic.origin.y + 0.01);

  g_assert_true (tg_chart_hit_test (TG_CHART (chart), openai.origin.x + 2, openai.origin.y + openai.size.height / 2,
                                    width, height, &category, &series));
  g_assert_cmpuint (category, ==, 0);
  g_assert_cmpuint (series, ==, 0);

  g_assert_true (tg_chart_hit_test (TG_CHART (chart), anthropic.origin.x + anthropic.size.width - 1,
                                    anthropic.origin.y + anthropic.size.height / 2,
                                    width, height, &category, &series));
  g_assert_cmpuint (category, ==, 0);
  g_assert_cmpuint (series, ==, 1);

  /* Above the stack: the column, no segment. */
  g_assert_true (tg_chart_hit_test (TG_CHART (chart), gemini.origin.x + 2, gemini.origin.y - 5,
                                    width, height, &category, &series));
  g_assert_cmpuint (category, ==, 0);
  g_assert_cmpuint (series, ==, TG_CHART_NONE);

  /* Sunday, the last column: Anthropic over OpenAI. */
  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, 6, 1, &anthropic));
  g_assert_true (tg_chart_hit_test (TG_CHART (chart), anthropic.origin.x + anthropic.size.width / 2,
                                    anthropic.origin.y + 1, width, height, &category, &series));
  g_assert_cmpuint (category, ==, 6);
  g_assert_cmpuint (series, ==, 1);

  /* Hovered, the column's slot is shaded above the stack too; data changes
   * forget it. */
  {
    cairo_surface_t *surface;
    int x = (int) (gemini.origin.x + gemini.size.width / 2);
    int y = (int) gemini.origin.y - 10;

    surface = render (chart, width, height);
    g_assert_cmphex (pixel_at (surface, x, y) >> 24, ==, 0);
    cairo_surface_destroy (surface);

    tg_chart_set_hover (TG_CHART (chart), 0, TG_CHART_NONE);
    surface = render (chart, width, height);
    g_assert_cmphex (pixel_at (surface, x, y) >> 24, >, 0);
    /* Not another column's: Wednesday, two slots on, spent nothing. */
    {
      graphene_rect_t tuesday;

      g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), width, height, 1, 0, &tuesday));
      g_assert_cmphex (pixel_at (surface, x + 2 * (int) (tuesday.origin.x - openai.origin.x), y) >> 24, ==, 0);
    }
    cairo_surface_destroy (surface);

    tg_chart_set_title (TG_CHART (chart), "Cost per day, again");
    surface = render (chart, width, height);
    g_assert_cmphex (pixel_at (surface, x, y) >> 24, ==, 0);
    cairo_surface_destroy (surface);
  }

  /* Outside the plot: the legend, the axis labels, past the right edge. */
  g_assert_false (tg_chart_hit_test (TG_CHART (chart), 10, 5, width, height, &category, &series));
  g_assert_false (tg_chart_hit_test (TG_CHART (chart), 2, height / 2, width, height, NULL, NULL));
  g_assert_false (tg_chart_hit_test (TG_CHART (chart), width - 0.5, height / 2, width, height, NULL, NULL));

  g_object_unref (chart);
}

static void
test_tooltip (void)
{
  GtkWidget *chart = create_week_chart ();
  g_autofree char *segment = tg_chart_get_tooltip_text (TG_CHART (chart), 0, 0);
  g_autofree char *column = tg_chart_get_tooltip_text (TG_CHART (chart), 4, TG_CHART_NONE);
  g_autofree char *outside = tg_chart_get_tooltip_text (TG_CHART (chart), 7, 0);
  g_autofree char *single = NULL;
  static const gint64 one[] = { 42 };

  /* Exact figures, to the micro-dollar, and the column's total. */
  g_assert_cmpstr (segment, ==, "Mon 24 · OpenAI: $1.234567\nTotal: $1.744567");
  g_assert_cmpstr (column, ==, "Fri 28\nOpenAI: $4.00\nAnthropic: $0.50\nGemini: $0.00\nTotal: $4.50");
  g_assert_null (outside);

  /* One series: no total to repeat; counts are plain numbers. */
  g_object_unref (chart);
  chart = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_COUNT);
  tg_chart_add_series (TG_CHART (chart), "Tokens", one, 1);
  single = tg_chart_get_tooltip_text (TG_CHART (chart), 0, 0);
  /* Without category labels the columns are numbered. */
  g_assert_cmpstr (single, ==, "1 · Tokens: 42");

  g_object_unref (chart);
}

static void
test_description (void)
{
  GtkWidget *chart = create_week_chart ();

  /* Totals per series, then the highest column. */
  g_assert_cmpstr (tg_chart_get_description (TG_CHART (chart)), ==,
                   "Cost per day. OpenAI: $8.734567 in all; Anthropic: $4.75 in all; Gemini: $0.01 in all. "
                   "Highest: Fri 28, $4.50.");
  gtk_test_accessible_assert_role (chart, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, "Cost per day");
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       tg_chart_get_description (TG_CHART (chart)));

  /* It follows the data. */
  tg_chart_clear (TG_CHART (chart));
  g_assert_cmpstr (tg_chart_get_description (TG_CHART (chart)), ==, "Cost per day. No usage in this period");
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Cost per day. No usage in this period");

  tg_chart_set_unit (TG_CHART (chart), TG_CHART_UNIT_COUNT);
  tg_chart_set_title (TG_CHART (chart), "Tokens per hour.");
  tg_chart_add_series (TG_CHART (chart), "OpenAI", (const gint64[]) { 0, 0 }, 2);
  /* No highest column when all are zero; no doubled full stop. */
  g_assert_cmpstr (tg_chart_get_description (TG_CHART (chart)), ==, "Tokens per hour. OpenAI: 0 in all.");
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL, "Tokens per hour.");

  g_object_unref (chart);
}

static void
test_style (void)
{
  GtkWidget *chart = create_week_chart ();
  cairo_surface_t *light, *dark;
  graphene_rect_t rect;
  GdkRGBA light_color, dark_color;
  guint32 light_pixel, dark_pixel;
  int x, y;

  g_assert_true (tg_chart_get_bar_rect (TG_CHART (chart), 600, 300, 4, 0, &rect));
  x = (int) (rect.origin.x + rect.size.width / 2);
  y = (int) (rect.origin.y + rect.size.height / 2);

  set_dark (FALSE);
  tg_chart_get_series_color (TG_CHART (chart), 0, &light_color);
  light = render (chart, 600, 300);
  set_dark (TRUE);
  tg_chart_get_series_color (TG_CHART (chart), 0, &dark_color);
  dark = render (chart, 600, 300);

  /* The series take the lighter shades on a dark background… */
  light_pixel = pixel_at (light, x, y);
  dark_pixel = pixel_at (dark, x, y);
  g_assert_cmphex (light_pixel, ==, rgba_to_pixel (&light_color));
  g_assert_cmphex (dark_pixel, ==, rgba_to_pixel (&dark_color));
  g_assert_cmphex (light_pixel, !=, dark_pixel);
  g_assert_cmpfloat (dark_color.red + dark_color.green + dark_color.blue, >,
                     light_color.red + light_color.green + light_color.blue);

  cairo_surface_destroy (light);
  cairo_surface_destroy (dark);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  g_object_unref (chart);
}

/* The widget in a real window at the narrowest width: measured, laid out,
 * drawn, and any GTK warning on the way fails the test. */
static void
test_widget (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *columns = create_month_chart ();
  GtkWidget *bars = create_chart (TG_CHART_KIND_BARS, TG_CHART_UNIT_MONEY);
  GtkWidget *empty = create_chart (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_MONEY);
  int minimum, bars_minimum, natural;

  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *name = g_strdup_printf ("Provider %u", i + 1);
      gint64 value = MICROS (10.0 / (i + 1));

      tg_chart_add_series (TG_CHART (bars), name, &value, 1);
    }

  gtk_widget_measure (columns, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 336);
  /* Narrower means more legend rows, so taller. */
  gtk_widget_measure (columns, GTK_ORIENTATION_VERTICAL, 900, &minimum, NULL, NULL, NULL);
  gtk_widget_measure (columns, GTK_ORIENTATION_VERTICAL, 200, &natural, NULL, NULL, NULL);
  g_assert_cmpint (natural, >, minimum);
  /* Bars need a row each. */
  gtk_widget_measure (bars, GTK_ORIENTATION_VERTICAL, 360, &bars_minimum, &natural, NULL, NULL);
  g_assert_cmpint (bars_minimum, >=, 7 * 16);
  g_assert_cmpint (natural, >=, bars_minimum);

  gtk_box_append (GTK_BOX (box), columns);
  gtk_box_append (GTK_BOX (box), bars);
  gtk_box_append (GTK_BOX (box), empty);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 900);
  gtk_window_present (GTK_WINDOW (window));

  tg_ui_test_wait_until_mapped (columns);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (gtk_widget_get_width (window), ==, 360);
  g_assert_true (gtk_widget_get_has_tooltip (columns));
  assert_text_fits (columns, gtk_widget_get_width (columns), gtk_widget_get_height (columns));
  assert_text_fits (bars, gtk_widget_get_width (bars), gtk_widget_get_height (bars));

  /* A style switch while shown redraws without complaint. */
  set_dark (TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (columns);
  g_object_unref (bars);
  g_object_unref (empty);
}

int
main (int   argc,
      char *argv[])
{
  tg_ui_test_init (&argc, &argv);
  g_test_add_func ("/chart/nice-ticks", test_nice_ticks);
  g_test_add_func ("/chart/label-stride", test_label_stride);
  g_test_add_func ("/chart/format", test_format);
  g_test_add_func ("/chart/draw/empty", test_draw_empty);
  g_test_add_func ("/chart/draw/one", test_draw_one);
  g_test_add_func ("/chart/draw/many", test_draw_many);
  g_test_add_func ("/chart/draw/extremes", test_draw_extremes);
  g_test_add_func ("/chart/thinning", test_thinning);
  g_test_add_func ("/chart/bars", test_bars);
  g_test_add_func ("/chart/hit-test", test_hit_test);
  g_test_add_func ("/chart/tooltip", test_tooltip);
  g_test_add_func ("/chart/description", test_description);
  g_test_add_func ("/chart/style", test_style);
  g_test_add_func ("/chart/widget", test_widget);

  return g_test_run ();
}
