/* tg-chart.c: the cost dashboard's charts, drawn with Cairo.
 *
 * Geometry is computed in one place (chart_layout()) from the size and the
 * widget's font, and drawing, hit testing and the tests' queries all read it,
 * so what the pointer is over is always what was drawn there. Colours come
 * from the style: text and grid from the widget's foreground colour, series
 * from the GNOME palette in a light or a dark variant, so the chart is right
 * in both styles without knowing the background. Figures on screen are
 * rounded to be readable; tooltips and the accessible description give them
 * exactly. */

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "tg-chart.h"
#include "tg-chart-private.h"
#include "tg-format.h"
#include "tg-money.h"

#define PAD             4.0   /* around the drawing */
#define GAP             8.0   /* between a label and what it labels */
#define LABEL_GAP      12.0   /* the least space between two category labels */
#define SWATCH         12.0   /* legend colour square */
#define SWATCH_GAP      6.0
#define LEGEND_GAP     16.0   /* between legend entries */
#define LEGEND_ROW_GAP  4.0
#define MAX_INTERVALS   6     /* value axis: more lines than this is noise */
#define MAX_COLUMN     48.0   /* a few columns should not turn into slabs */
#define MAX_BAR        24.0   /* the same for horizontal bars */

typedef struct {
  char   *name;
  gint64 *values;
  guint   n_values;
  gint64  total;
  guint   color;    /* palette index */
} Series;

struct _TgChart
{
  GtkWidget         parent_instance;

  TgChartKind       kind;
  TgChartUnit       unit;
  char             *title;
  char             *empty_text;
  char             *description;

  GStrv             categories;
  guint             n_categories;
  GPtrArray        *series;        /* Series* */

  /* Under the pointer: shaded, so the tooltip's figures point somewhere. */
  guint             hover_category;
  guint             hover_series;
};

G_DEFINE_FINAL_TYPE (TgChart, tg_chart, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (TgChartKind, tg_chart_kind,
                    G_DEFINE_ENUM_VALUE (TG_CHART_KIND_STACKED_COLUMNS, "stacked-columns"),
                    G_DEFINE_ENUM_VALUE (TG_CHART_KIND_BARS, "bars"))

G_DEFINE_ENUM_TYPE (TgChartUnit, tg_chart_unit,
                    G_DEFINE_ENUM_VALUE (TG_CHART_UNIT_MONEY, "money"),
                    G_DEFINE_ENUM_VALUE (TG_CHART_UNIT_COUNT, "count"))

enum {
  PROP_0,
  PROP_KIND,
  PROP_UNIT,
  PROP_TITLE,
  PROP_EMPTY_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The GNOME palette (HIG), ordered so that neighbours in a stack differ in
 * hue and lightness. Light style: the darker shades, which keep 3:1 against
 * the window background; dark style: lighter shades of the same hues. */
#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0f, ((hex) >> 8 & 0xff) / 255.0f, ((hex) & 0xff) / 255.0f, 1.0f }

static const GdkRGBA palette_light[] = {
  RGB (0x3584e4), /* blue 3 */
  RGB (0xe66100), /* orange 4 */
  RGB (0x26a269), /* green 5 */
  RGB (0x9141ac), /* purple 3 */
  RGB (0xe5a50a), /* yellow 5 */
  RGB (0xc01c28), /* red 4 */
  RGB (0x2190a4), /* teal */
  RGB (0x986a44), /* brown 3 */
  RGB (0xd56199), /* pink */
  RGB (0x6f8396), /* slate */
};

static const GdkRGBA palette_dark[] = {
  RGB (0x62a0ea), /* blue 2 */
  RGB (0xffa348), /* orange 2 */
  RGB (0x57e389), /* green 2 */
  RGB (0xc061cb), /* purple 2 */
  RGB (0xf8e45c), /* yellow 2 */
  RGB (0xf66151), /* red 1 */
  RGB (0x5bc8dc), /* teal, lighter */
  RGB (0xcdab8f), /* brown 1 */
  RGB (0xf0a0c8), /* pink, lighter */
  RGB (0xa6b8c8), /* slate, lighter */
};

G_STATIC_ASSERT (G_N_ELEMENTS (palette_light) == G_N_ELEMENTS (palette_dark));

static void
series_free (Series *series)
{
  g_free (series->name);
  g_free (series->values);
  g_free (series);
}

/* Sums that cannot wrap: 10^15 micro-dollars a day for years stays exact,
 * and anything beyond saturates instead of turning negative. */
static gint64
add_saturating (gint64 a,
                gint64 b)
{
  return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

static gint64
series_value (const Series *series,
              guint         index)
{
  return index < series->n_values ? series->values[index] : 0;
}

static Series *
get_series (TgChart *self,
            guint    index)
{
  return g_ptr_array_index (self->series, index);
}

static guint
get_n_columns (TgChart *self)
{
  guint n = self->n_categories;

  for (guint i = 0; i < self->series->len; i++)
    n = MAX (n, get_series (self, i)->n_values);
  return n;
}

static gint64
column_total (TgChart *self,
              guint    column)
{
  gint64 total = 0;

  for (guint i = 0; i < self->series->len; i++)
    total = add_saturating (total, series_value (get_series (self, i), column));
  return total;
}

static gint64
grand_total (TgChart *self)
{
  gint64 total = 0;

  for (guint i = 0; i < self->series->len; i++)
    total = add_saturating (total, get_series (self, i)->total);
  return total;
}

/* A column's label; columns past the given labels are numbered. */
static char *
dup_category_label (TgChart *self,
                    guint    column)
{
  if (column < self->n_categories)
    return g_strdup (self->categories[column]);
  return g_strdup_printf ("%u", column + 1);
}

static gboolean
is_empty (TgChart *self)
{
  return self->series->len == 0 ||
         (self->kind == TG_CHART_KIND_STACKED_COLUMNS && get_n_columns (self) == 0);
}

/* Formatting */

void
tg_chart_nice_ticks (gint64  max_value,
                     guint   max_intervals,
                     gint64 *out_step,
                     guint  *out_n_intervals)
{
  static const gint64 multipliers[] = { 1, 2, 5 };
  gint64 power = 1;

  g_return_if_fail (out_step != NULL);
  g_return_if_fail (out_n_intervals != NULL);

  max_value = MAX (max_value, 1);
  max_intervals = MAX (max_intervals, 1);

  /* The smallest 1/2/5 × 10^n step that covers the maximum in few enough
   * intervals. Integer maths: a step of one micro-dollar stays exact. */
  for (;;)
    {
      for (guint i = 0; i < G_N_ELEMENTS (multipliers); i++)
        {
          gint64 step = multipliers[i] * power;
          gint64 n = max_value / step + (max_value % step != 0);

          if (n <= (gint64) max_intervals)
            {
              *out_step = step;
              *out_n_intervals = (guint) n;
              return;
            }
        }

      /* 10^19 would wrap: near the end of the range, one interval. */
      if (power > G_MAXINT64 / 10)
        {
          *out_step = max_value;
          *out_n_intervals = 1;
          return;
        }
      power *= 10;
    }
}

guint
tg_chart_label_stride (double slot_width,
                       double label_width,
                       double gap)
{
  double stride;

  if (!(slot_width > 0))
    return 1;

  stride = ceil ((MAX (label_width, 0) + MAX (gap, 0)) / slot_width);
  return stride < 1 ? 1 : stride > G_MAXUINT ? G_MAXUINT : (guint) stride;
}

/* Whole dollars as "20K", "1.5M" (tg_format_token_count()), which is exact
 * for the round tick values it is given. */
static char *
format_compact_dollars (gint64 dollars)
{
  g_autofree char *number = tg_format_token_count (dollars);

  return g_strdup_printf ("$%s", number);
}

char *
tg_chart_format_tick (TgChartUnit unit,
                      gint64      value,
                      gint64      step)
{
  if (unit == TG_CHART_UNIT_MONEY)
    {
      /* With steps of whole thousands of dollars, the cents are noise. */
      if (step >= 1000 * TG_MICROS_PER_DOLLAR && step % (1000 * TG_MICROS_PER_DOLLAR) == 0)
        return format_compact_dollars (value / TG_MICROS_PER_DOLLAR);
      return tg_money_format (value);
    }

  /* Below a step of 1000, "1K" and "1.2K" would be the same label. */
  if (step >= 1000 && step % 1000 == 0)
    return tg_format_token_count (value);
  return g_strdup_printf ("%'" G_GINT64_FORMAT, value);
}

char *
tg_chart_format_exact (TgChartUnit unit,
                       gint64      value)
{
  if (unit == TG_CHART_UNIT_MONEY)
    return tg_money_format (value);
  return g_strdup_printf ("%'" G_GINT64_FORMAT, value);
}

/* A bar's value label: readable at a glance. */
static char *
format_short (TgChartUnit unit,
              gint64      value)
{
  if (unit == TG_CHART_UNIT_MONEY)
    return tg_money_format_cents (value);
  return tg_format_token_count (value);
}

static guint
percent_of (gint64 part,
            gint64 whole)
{
  if (whole <= 0)
    return 0;
  return (guint) floor (100.0 * (double) part / (double) whole + 0.5);
}

/* Geometry */

typedef struct {
  graphene_rect_t swatch;
  graphene_rect_t text;
} LegendItem;

typedef struct {
  int              width;
  int              height;
  double           line_height;
  gboolean         empty;

  /* STACKED_COLUMNS */
  GArray          *legend;         /* LegendItem, one per series */
  guint            legend_rows;
  double           legend_height;
  gint64           step;
  guint            n_intervals;
  gint64           top;            /* the value at the top of the plot */
  double           tick_width;     /* widest value axis label */
  guint            n_columns;
  double           slot;
  double           column_width;
  double           label_width;    /* widest category label */
  guint            stride;

  /* BARS */
  double           name_width;
  double           value_width;
  double           row_height;
  double           bar_thickness;
  gint64           max_total;

  graphene_rect_t  plot;           /* where columns or bars go */
} Geometry;

static void
geometry_clear (Geometry *g)
{
  g_clear_pointer (&g->legend, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Geometry, geometry_clear)

/* The value of the @i-th horizontal grid line; the last is the top. */
static gint64
tick_value (const Geometry *g,
            guint           i)
{
  return i == g->n_intervals ? g->top : g->step * i;
}

/* Logical size of @text in @layout's font; @max_width > 0 ellipsizes. */
static void
text_size (PangoLayout *layout,
           const char  *text,
           double       max_width,
           double      *width,
           double      *height)
{
  PangoRectangle logical;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  /* In the middle: names that differ at the end ("… 1", "… 2") stay apart. */
  pango_layout_set_ellipsize (layout, max_width > 0 ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = logical.width;
  if (height != NULL)
    *height = logical.height;
}

static double
text_width (PangoLayout *layout,
            const char  *text)
{
  double width;

  text_size (layout, text, -1, &width, NULL);
  return width;
}

/* Legend entries flow left to right and wrap, so a narrow chart gets more
 * rows instead of clipped names; a name wider than the chart is ellipsized. */
static void
layout_legend (TgChart     *self,
               PangoLayout *layout,
               double       width,
               double       line_height,
               Geometry    *g)
{
  double x = 0, y = 0;

  g->legend = g_array_sized_new (FALSE, TRUE, sizeof (LegendItem), self->series->len);
  g->legend_rows = self->series->len > 0 ? 1 : 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      LegendItem item;
      double name_width = text_width (layout, get_series (self, i)->name);
      double item_width;

      name_width = MIN (name_width, MAX (width - SWATCH - SWATCH_GAP, 1));
      item_width = SWATCH + SWATCH_GAP + name_width;

      if (x > 0 && x + item_width > width)
        {
          x = 0;
          y += line_height + LEGEND_ROW_GAP;
          g->legend_rows++;
        }

      graphene_rect_init (&item.swatch, x, y + floor ((line_height - SWATCH) / 2), SWATCH, SWATCH);
      graphene_rect_init (&item.text, x + SWATCH + SWATCH_GAP, y, name_width, line_height);
      g_array_append_val (g->legend, item);
      x += item_width + LEGEND_GAP;
    }

  g->legend_height = g->legend_rows > 0 ? y + line_height : 0;
}

static void
layout_columns (TgChart     *self,
                PangoLayout *layout,
                Geometry    *g)
{
  double plot_top, plot_bottom, plot_height;
  double left, right, plot_width;
  gint64 max_total = 0;
  guint max_intervals;

  layout_legend (self, layout, g->width, g->line_height, g);

  /* Half a line above the plot for the top tick label, the category labels
   * below it, clear of the half of the "0" label that hangs under the axis. */
  plot_top = g->legend_height + (g->legend_rows > 0 ? GAP + 4 : 0) + ceil (g->line_height / 2);
  plot_bottom = g->height - g->line_height - ceil (g->line_height / 2) - 2;
  plot_height = MAX (plot_bottom - plot_top, 1);

  g->n_columns = get_n_columns (self);
  for (guint c = 0; c < g->n_columns; c++)
    max_total = MAX (max_total, column_total (self, c));

  /* A label every two lines at least. All zeros still get an axis: up to
   * $1 or 10, rather than one micro-dollar. */
  max_intervals = CLAMP ((guint) (plot_height / (g->line_height * 2)), 1, MAX_INTERVALS);
  if (max_total == 0)
    max_total = self->unit == TG_CHART_UNIT_MONEY ? TG_MICROS_PER_DOLLAR : 10;
  tg_chart_nice_ticks (max_total, max_intervals, &g->step, &g->n_intervals);
  /* Near the end of the range the top tick would not fit: it is the end. */
  g->top = g->step > G_MAXINT64 / g->n_intervals ? G_MAXINT64 : g->step * g->n_intervals;

  g->tick_width = 0;
  for (guint i = 0; i <= g->n_intervals; i++)
    {
      gint64 value = tick_value (g, i);
      g_autofree char *tick = tg_chart_format_tick (self->unit, value, g->step);

      g->tick_width = MAX (g->tick_width, text_width (layout, tick));
    }

  g->label_width = 0;
  for (guint c = 0; c < g->n_columns; c++)
    {
      g_autofree char *label = dup_category_label (self, c);

      g->label_width = MAX (g->label_width, text_width (layout, label));
    }

  /* The first and last category labels are centred on their columns and may
   * reach past the plot: the margins make room, two rounds settle them. */
  left = g->tick_width + GAP;
  right = PAD;
  for (guint pass = 0; pass < 2; pass++)
    {
      double slot = MAX (g->width - left - right, 1) / g->n_columns;

      left = MAX (g->tick_width + GAP, g->label_width / 2 - slot / 2);
      right = MAX (PAD, g->label_width / 2 - slot / 2);
    }

  plot_width = MAX (g->width - left - right, 1);
  g->slot = plot_width / g->n_columns;
  g->column_width = MAX (MIN (g->slot * 0.7, MAX_COLUMN), MIN (g->slot, 1));
  g->stride = tg_chart_label_stride (g->slot, g->label_width, LABEL_GAP);
  graphene_rect_init (&g->plot, left, plot_top, plot_width, plot_height);
}

static void
layout_bars (TgChart     *self,
             PangoLayout *layout,
             Geometry    *g)
{
  guint n = self->series->len;
  double row;

  g->name_width = 0;
  g->value_width = 0;
  g->max_total = 1;
  for (guint i = 0; i < n; i++)
    {
      Series *series = get_series (self, i);
      g_autofree char *value = format_short (self->unit, series->total);

      g->name_width = MAX (g->name_width, text_width (layout, series->name));
      g->value_width = MAX (g->value_width, text_width (layout, value));
      g->max_total = MAX (g->max_total, series->total);
    }

  /* Long names are ellipsized rather than squeezing the bars away. */
  g->name_width = MIN (g->name_width, floor (g->width * 0.35));

  row = (g->height - 2 * PAD) / n;
  g->row_height = CLAMP (row, g->line_height + 6, 2 * g->line_height + 8);
  g->bar_thickness = MIN (g->row_height - 6, MAX_BAR);

  graphene_rect_init (&g->plot,
                      g->name_width + GAP,
                      PAD,
                      MAX (g->width - g->name_width - 2 * GAP - g->value_width - PAD, 1),
                      g->row_height * n);
}

static void
chart_layout (TgChart     *self,
              PangoLayout *layout,
              int          width,
              int          height,
              Geometry    *g)
{
  memset (g, 0, sizeof *g);
  g->width = MAX (width, 1);
  g->height = MAX (height, 1);
  text_size (layout, "0Ag", -1, NULL, &g->line_height);
  g->empty = is_empty (self);

  if (g->empty)
    return;

  if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    layout_columns (self, layout, g);
  else
    layout_bars (self, layout, g);
}

static double
value_to_y (const Geometry *g,
            gint64          value)
{
  double fraction = (double) value / (double) g->top;

  return g->plot.origin.y + g->plot.size.height * (1 - CLAMP (fraction, 0, 1));
}

/* Where series @s of @column is drawn. A cost that is not zero gets at
 * least a pixel, so that no usage ever disappears from the chart. */
static gboolean
segment_rect (TgChart         *self,
              const Geometry  *g,
              guint            column,
              guint            s,
              graphene_rect_t *out)
{
  gint64 below = 0;
  gint64 value;
  double y_low, y_high;

  if (column >= g->n_columns || s >= self->series->len)
    return FALSE;
  value = series_value (get_series (self, s), column);
  if (value <= 0)
    return FALSE;

  for (guint i = 0; i < s; i++)
    below = add_saturating (below, series_value (get_series (self, i), column));

  /* Whole pixels: crisp edges, and neighbours neither overlap nor leave
   * a hairline between them. */
  y_low = round (value_to_y (g, below));
  y_high = round (value_to_y (g, add_saturating (below, value)));
  if (y_low - y_high < 1)
    y_high = y_low - 1;

  graphene_rect_init (out,
                      round (g->plot.origin.x + g->slot * (column + 0.5) - g->column_width / 2),
                      y_high,
                      MAX (round (g->column_width), 1),
                      y_low - y_high);
  return TRUE;
}

static gboolean
bar_rect (TgChart         *self,
          const Geometry  *g,
          guint            s,
          graphene_rect_t *out)
{
  gint64 total;
  double length;

  if (s >= self->series->len)
    return FALSE;
  total = get_series (self, s)->total;
  if (total <= 0)
    return FALSE;

  length = MAX (round (g->plot.size.width * ((double) total / (double) g->max_total)), 1);
  graphene_rect_init (out,
                      round (g->plot.origin.x),
                      round (g->plot.origin.y + g->row_height * s + (g->row_height - g->bar_thickness) / 2),
                      length,
                      round (g->bar_thickness));
  return TRUE;
}

/* Drawing */

typedef struct {
  cairo_t     *cr;        /* NULL: only the text boxes are wanted */
  PangoLayout *layout;
  GArray      *boxes;     /* graphene_rect_t, or NULL */
  GdkRGBA      fg;
} Painter;

static gboolean
style_is_dark (TgChart *self)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));

  return display != NULL && adw_style_manager_get_dark (adw_style_manager_get_for_display (display));
}

void
tg_chart_get_series_color (TgChart *self,
                           guint    index,
                           GdkRGBA *out_color)
{
  g_return_if_fail (TG_IS_CHART (self));
  g_return_if_fail (out_color != NULL);

  if (index < self->series->len)
    index = get_series (self, index)->color;
  /* More series than colours repeat them; the legend still tells them apart. */
  *out_color = (style_is_dark (self) ? palette_dark : palette_light)[index % G_N_ELEMENTS (palette_light)];
}

static void
set_fg (Painter *p,
        double   alpha)
{
  if (p->cr != NULL)
    cairo_set_source_rgba (p->cr, p->fg.red, p->fg.green, p->fg.blue, p->fg.alpha * alpha);
}

/* Draws @text with its top left corner at (@x, @y), ellipsized to
 * @max_width when that is > 0, and records its box. */
static void
paint_text (Painter    *p,
            const char *text,
            double      x,
            double      y,
            double      max_width)
{
  double width, height;

  text_size (p->layout, text, max_width, &width, &height);

  if (p->boxes != NULL)
    {
      graphene_rect_t box = GRAPHENE_RECT_INIT (x, y, width, height);

      g_array_append_val (p->boxes, box);
    }

  if (p->cr != NULL)
    {
      cairo_move_to (p->cr, x, y);
      pango_cairo_show_layout (p->cr, p->layout);
    }
}

static void
paint_rect (Painter               *p,
            const graphene_rect_t *rect,
            const GdkRGBA         *color)
{
  if (p->cr == NULL)
    return;
  gdk_cairo_set_source_rgba (p->cr, color);
  cairo_rectangle (p->cr, rect->origin.x, rect->origin.y, rect->size.width, rect->size.height);
  cairo_fill (p->cr);
}

/* A one-pixel line on the pixel grid, so it stays sharp. */
static void
paint_line (Painter *p,
            double   x0,
            double   y0,
            double   x1,
            double   y1)
{
  if (p->cr == NULL)
    return;
  cairo_set_line_width (p->cr, 1);
  cairo_move_to (p->cr, floor (x0) + 0.5, floor (y0) + 0.5);
  cairo_line_to (p->cr, floor (x1) + 0.5, floor (y1) + 0.5);
  cairo_stroke (p->cr);
}

static void
paint_empty (TgChart        *self,
             Painter        *p,
             const Geometry *g)
{
  const char *text = self->empty_text != NULL ? self->empty_text : "";
  PangoRectangle logical;
  double x, y;

  /* Wrapped and centred; the only text, so it may use the whole area. */
  pango_layout_set_text (p->layout, text, -1);
  pango_layout_set_width (p->layout, (int) ((g->width - 2 * PAD) * PANGO_SCALE));
  pango_layout_set_ellipsize (p->layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_wrap (p->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (p->layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_extents (p->layout, NULL, &logical);

  x = PAD;
  y = MAX (floor ((g->height - logical.height) / 2), 0);

  if (p->boxes != NULL && text[0] != '\0')
    {
      graphene_rect_t box = GRAPHENE_RECT_INIT (x + logical.x, y, logical.width, logical.height);

      g_array_append_val (p->boxes, box);
    }

  if (p->cr != NULL)
    {
      set_fg (p, 0.55);
      cairo_move_to (p->cr, x, y);
      pango_cairo_show_layout (p->cr, p->layout);
    }

  pango_layout_set_wrap (p->layout, PANGO_WRAP_WORD);
  pango_layout_set_alignment (p->layout, PANGO_ALIGN_LEFT);
}

static void
paint_columns (TgChart        *self,
               Painter        *p,
               const Geometry *g,
               gboolean        high_contrast)
{
  const graphene_rect_t *plot = &g->plot;
  double plot_bottom = plot->origin.y + plot->size.height;

  /* Legend */
  for (guint i = 0; i < g->legend->len; i++)
    {
      const LegendItem *item = &g_array_index (g->legend, LegendItem, i);
      GdkRGBA color;

      tg_chart_get_series_color (self, i, &color);
      paint_rect (p, &item->swatch, &color);
      set_fg (p, 1);
      paint_text (p, get_series (self, i)->name, item->text.origin.x, item->text.origin.y, item->text.size.width);
    }

  /* Value axis: grid lines and their labels, right-aligned. */
  for (guint i = 0; i <= g->n_intervals; i++)
    {
      gint64 value = tick_value (g, i);
      g_autofree char *tick = tg_chart_format_tick (self->unit, value, g->step);
      double y = value_to_y (g, value);
      double width = text_width (p->layout, tick);

      set_fg (p, i == 0 ? 0.5 : high_contrast ? 0.3 : 0.12);
      if (i > 0)
        paint_line (p, plot->origin.x, y, plot->origin.x + plot->size.width, y);
      set_fg (p, 0.75);
      paint_text (p, tick, plot->origin.x - GAP - width, y - g->line_height / 2, -1);
    }

  /* The hovered column's slot, faintly. */
  if (self->hover_category < g->n_columns)
    {
      set_fg (p, 0.08);
      if (p->cr != NULL)
        {
          cairo_rectangle (p->cr, round (plot->origin.x + g->slot * self->hover_category), plot->origin.y,
                           MAX (round (g->slot), 1), plot->size.height);
          cairo_fill (p->cr);
        }
    }

  /* Columns, the first series at the bottom. */
  for (guint c = 0; c < g->n_columns; c++)
    for (guint s = 0; s < self->series->len; s++)
      {
        graphene_rect_t rect;
        GdkRGBA color;

        if (!segment_rect (self, g, c, s, &rect))
          continue;
        tg_chart_get_series_color (self, s, &color);
        paint_rect (p, &rect, &color);
      }

  /* The axis line over the columns' feet. */
  set_fg (p, 0.5);
  paint_line (p, plot->origin.x, plot_bottom, plot->origin.x + plot->size.width, plot_bottom);

  /* Category labels: every stride-th, centred under its column, kept inside. */
  set_fg (p, 0.75);
  for (guint c = 0; c < g->n_columns; c += g->stride)
    {
      g_autofree char *label = dup_category_label (self, c);
      double width = text_width (p->layout, label);
      double x = plot->origin.x + g->slot * (c + 0.5) - width / 2;

      x = CLAMP (x, 0, MAX (g->width - width, 0));
      paint_text (p, label, x, plot_bottom + ceil (g->line_height / 2) + 2, -1);
    }
}

static void
paint_bars (TgChart        *self,
            Painter        *p,
            const Geometry *g)
{
  const graphene_rect_t *plot = &g->plot;

  /* The hovered row, faintly. */
  if (self->hover_series < self->series->len && p->cr != NULL)
    {
      set_fg (p, 0.08);
      cairo_rectangle (p->cr, 0, round (plot->origin.y + g->row_height * self->hover_series),
                       g->width, round (g->row_height));
      cairo_fill (p->cr);
    }

  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = get_series (self, s);
      g_autofree char *value = format_short (self->unit, series->total);
      double row_top = plot->origin.y + g->row_height * s;
      double text_top = row_top + (g->row_height - g->line_height) / 2;
      double name_width, value_x;
      graphene_rect_t rect;
      GdkRGBA color;

      /* Names right-aligned against the bars, ellipsized when too long. */
      text_size (p->layout, series->name, g->name_width, &name_width, NULL);
      set_fg (p, 1);
      paint_text (p, series->name, MAX (g->name_width - name_width, 0), text_top, g->name_width);

      value_x = plot->origin.x + GAP;
      if (bar_rect (self, g, s, &rect))
        {
          tg_chart_get_series_color (self, s, &color);
          paint_rect (p, &rect, &color);
          value_x = rect.origin.x + rect.size.width + GAP;
        }

      set_fg (p, 0.75);
      paint_text (p, value, value_x, text_top, -1);
    }

  set_fg (p, 0.5);
  paint_line (p, plot->origin.x, plot->origin.y, plot->origin.x, plot->origin.y + plot->size.height);
}

static void
chart_paint (TgChart *self,
             cairo_t *cr,
             int      width,
             int      height,
             GArray  *boxes)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  g_auto(Geometry) g = { 0 };
  Painter p = { cr, layout, boxes, { 0, 0, 0, 1 } };
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
  gboolean high_contrast = FALSE;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &p.fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  if (display != NULL)
    high_contrast = adw_style_manager_get_high_contrast (adw_style_manager_get_for_display (display));

  chart_layout (self, layout, width, height, &g);

  if (cr != NULL)
    cairo_save (cr);

  if (g.empty)
    paint_empty (self, &p, &g);
  else if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    paint_columns (self, &p, &g, high_contrast);
  else
    paint_bars (self, &p, &g);

  if (cr != NULL)
    cairo_restore (cr);
}

void
tg_chart_draw (TgChart *self,
               cairo_t *cr,
               int      width,
               int      height)
{
  g_return_if_fail (TG_IS_CHART (self));
  g_return_if_fail (cr != NULL);

  chart_paint (self, cr, width, height, NULL);
}

GArray *
tg_chart_get_text_boxes (TgChart *self,
                         int      width,
                         int      height)
{
  GArray *boxes;

  g_return_val_if_fail (TG_IS_CHART (self), NULL);

  boxes = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  chart_paint (self, NULL, width, height, boxes);
  return boxes;
}

/* Runs chart_layout() for a query at @width × @height. */
static void
query_layout (TgChart  *self,
              int       width,
              int       height,
              Geometry *g)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  chart_layout (self, layout, width, height, g);
}

gboolean
tg_chart_get_bar_rect (TgChart         *self,
                       int              width,
                       int              height,
                       guint            category,
                       guint            series,
                       graphene_rect_t *out_rect)
{
  g_auto(Geometry) g = { 0 };

  g_return_val_if_fail (TG_IS_CHART (self), FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);

  query_layout (self, width, height, &g);
  if (g.empty)
    return FALSE;
  if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    return segment_rect (self, &g, category, series, out_rect);
  return bar_rect (self, &g, series, out_rect);
}

guint
tg_chart_get_label_stride (TgChart *self,
                           int      width,
                           int      height)
{
  g_auto(Geometry) g = { 0 };

  g_return_val_if_fail (TG_IS_CHART (self), 0);

  query_layout (self, width, height, &g);
  return g.stride;
}

guint
tg_chart_get_legend_rows (TgChart *self,
                          int      width)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_auto(Geometry) g = { 0 };
  double line_height;

  g_return_val_if_fail (TG_IS_CHART (self), 0);

  if (self->kind != TG_CHART_KIND_STACKED_COLUMNS || is_empty (self))
    return 0;

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  text_size (layout, "0Ag", -1, NULL, &line_height);
  layout_legend (self, layout, MAX (width, 1), line_height, &g);
  return g.legend_rows;
}

/* Hover */

gboolean
tg_chart_hit_test (TgChart *self,
                   double   x,
                   double   y,
                   int      width,
                   int      height,
                   guint   *category,
                   guint   *series)
{
  g_auto(Geometry) g = { 0 };
  const graphene_rect_t *plot;
  guint hit_category = TG_CHART_NONE;
  guint hit_series = TG_CHART_NONE;

  g_return_val_if_fail (TG_IS_CHART (self), FALSE);

  query_layout (self, width, height, &g);
  if (g.empty)
    return FALSE;
  plot = &g.plot;

  if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    {
      /* The whole slot counts, and its label below, not only the column:
       * thin columns would be hard to hit. */
      if (x < plot->origin.x || x >= plot->origin.x + plot->size.width ||
          y < plot->origin.y || y > plot->origin.y + plot->size.height + 1.5 * g.line_height)
        return FALSE;

      hit_category = MIN ((guint) ((x - plot->origin.x) / g.slot), g.n_columns - 1);
      for (guint s = 0; s < self->series->len; s++)
        {
          graphene_rect_t rect;

          if (segment_rect (self, &g, hit_category, s, &rect) &&
              y >= rect.origin.y && y < rect.origin.y + rect.size.height)
            hit_series = s;
        }
    }
  else
    {
      /* A whole row, name and value included. */
      if (y < plot->origin.y || y >= plot->origin.y + plot->size.height || x < 0 || x >= g.width)
        return FALSE;
      hit_series = MIN ((guint) ((y - plot->origin.y) / g.row_height), self->series->len - 1);
    }

  if (category != NULL)
    *category = hit_category;
  if (series != NULL)
    *series = hit_series;
  return TRUE;
}

char *
tg_chart_get_tooltip_text (TgChart *self,
                           guint    category,
                           guint    series)
{
  GString *text;

  g_return_val_if_fail (TG_IS_CHART (self), NULL);

  if (self->kind == TG_CHART_KIND_BARS)
    {
      Series *s;
      g_autofree char *value = NULL;
      g_autofree char *total = NULL;

      if (series >= self->series->len)
        return NULL;
      s = get_series (self, series);
      value = tg_chart_format_exact (self->unit, s->total);
      if (self->series->len == 1)
        /* Translators: a bar's tooltip: a provider and its exact total, e.g. "OpenAI: $12.345678" */
        return g_strdup_printf (_("%s: %s"), s->name, value);

      total = tg_chart_format_exact (self->unit, grand_total (self));
      /* Translators: a bar's tooltip: a provider, its exact total, its share
       * of the total of all bars and that total, e.g. "OpenAI: $12.40 · 62 % of $20.00" */
      return g_strdup_printf (_("%s: %s · %u %% of %s"), s->name, value,
                              percent_of (s->total, grand_total (self)), total);
    }

  if (category >= get_n_columns (self))
    return NULL;

  {
    g_autofree char *label = dup_category_label (self, category);
    g_autofree char *total = tg_chart_format_exact (self->unit, column_total (self, category));

    text = g_string_new (NULL);
    if (series < self->series->len)
      {
        Series *s = get_series (self, series);
        g_autofree char *value = tg_chart_format_exact (self->unit, series_value (s, category));

        /* Translators: a column segment's tooltip: the day or hour, the
         * provider and its exact figure, e.g. "Mon 30 · OpenAI: $1.234567" */
        g_string_append_printf (text, _("%s · %s: %s"), label, s->name, value);
      }
    else
      {
        /* Over the column but above its segments: all of them. */
        g_string_append (text, label);
        for (guint i = 0; i < self->series->len; i++)
          {
            Series *s = get_series (self, i);
            g_autofree char *value = tg_chart_format_exact (self->unit, series_value (s, category));

            g_string_append_c (text, '\n');
            g_string_append_printf (text, _("%s: %s"), s->name, value);
          }
      }

    if (self->series->len > 1)
      {
        g_string_append_c (text, '\n');
        /* Translators: the sum of a column's segments, e.g. "Total: $4.50" */
        g_string_append_printf (text, _("Total: %s"), total);
      }
  }

  return g_string_free (text, FALSE);
}

void
tg_chart_set_hover (TgChart *self,
                    guint    category,
                    guint    series)
{
  g_return_if_fail (TG_IS_CHART (self));

  /* Bars have rows, columns have slots: only one of the two counts. */
  if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    series = TG_CHART_NONE;
  else
    category = TG_CHART_NONE;

  if (self->hover_category == category && self->hover_series == series)
    return;

  self->hover_category = category;
  self->hover_series = series;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           TgChart                  *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint category, series;

  if (tg_chart_hit_test (self, x, y, gtk_widget_get_width (widget), gtk_widget_get_height (widget),
                         &category, &series))
    tg_chart_set_hover (self, category, series);
  else
    tg_chart_set_hover (self, TG_CHART_NONE, TG_CHART_NONE);
}

static void
on_leave (GtkEventControllerMotion *controller,
          TgChart                  *self)
{
  tg_chart_set_hover (self, TG_CHART_NONE, TG_CHART_NONE);
}

static gboolean
tg_chart_query_tooltip (GtkWidget  *widget,
                        int         x,
                        int         y,
                        gboolean    keyboard_tooltip,
                        GtkTooltip *tooltip)
{
  TgChart *self = TG_CHART (widget);
  g_autofree char *text = NULL;
  guint category, series;

  if (keyboard_tooltip)
    return FALSE;
  if (!tg_chart_hit_test (self, x, y, gtk_widget_get_width (widget), gtk_widget_get_height (widget),
                          &category, &series))
    return FALSE;

  text = tg_chart_get_tooltip_text (self, category, series);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Accessibility */

/* The figures the chart shows, in words: what a screen reader says instead
 * of the picture. */
static char *
build_description (TgChart *self)
{
  GString *text = g_string_new (NULL);

  if (self->title != NULL && self->title[0] != '\0')
    {
      g_string_append (text, self->title);
      if (!g_str_has_suffix (self->title, "."))
        g_string_append_c (text, '.');
    }

  if (is_empty (self))
    {
      if (self->empty_text != NULL && self->empty_text[0] != '\0')
        g_string_append_printf (text, "%s%s", text->len > 0 ? " " : "", self->empty_text);
      return g_string_free (text, FALSE);
    }

  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = get_series (self, i);
      g_autofree char *value = tg_chart_format_exact (self->unit, s->total);

      g_string_append (text, i == 0 ? (text->len > 0 ? " " : "") : "; ");
      if (self->kind == TG_CHART_KIND_BARS && self->series->len > 1)
        /* Translators: one bar in the chart's description, e.g. "OpenAI: $12.40 (62 %)" */
        g_string_append_printf (text, _("%s: %s (%u %%)"), s->name, value,
                                percent_of (s->total, grand_total (self)));
      else
        /* Translators: one series in the chart's description, e.g. "OpenAI: $12.40 in all" */
        g_string_append_printf (text, _("%s: %s in all"), s->name, value);
    }
  g_string_append_c (text, '.');

  if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    {
      guint n_columns = get_n_columns (self);
      guint highest = 0;
      gint64 highest_total = column_total (self, 0);

      for (guint c = 1; c < n_columns; c++)
        {
          gint64 total = column_total (self, c);

          if (total > highest_total)
            {
              highest = c;
              highest_total = total;
            }
        }

      if (highest_total > 0)
        {
          g_autofree char *label = dup_category_label (self, highest);
          g_autofree char *value = tg_chart_format_exact (self->unit, highest_total);

          g_string_append_c (text, ' ');
          /* Translators: the column with the largest total in the chart's
           * description, e.g. "Highest: Mon 30, $4.50." */
          g_string_append_printf (text, _("Highest: %s, %s."), label, value);
        }
    }

  return g_string_free (text, FALSE);
}

/* Data changed: new figures for assistive technologies, a new picture, and
 * maybe a new size (legend rows, bar count). */
static void
tg_chart_data_changed (TgChart *self)
{
  /* What was under the pointer may be gone. */
  self->hover_category = TG_CHART_NONE;
  self->hover_series = TG_CHART_NONE;

  g_free (self->description);
  self->description = build_description (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

const char *
tg_chart_get_description (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), NULL);

  return self->description;
}

/* GtkWidget */

static void
tg_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  chart_paint (TG_CHART (widget), cr, width, height, NULL);
  cairo_destroy (cr);
}

static GtkSizeRequestMode
tg_chart_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
tg_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  TgChart *self = TG_CHART (widget);
  g_autoptr(PangoLayout) layout = NULL;
  double line_height;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Narrow phones (360 px) minus the page's margins must fit. */
      *minimum = 160;
      *natural = 480;
      return;
    }

  layout = gtk_widget_create_pango_layout (widget, NULL);
  text_size (layout, "0Ag", -1, NULL, &line_height);

  if (is_empty (self))
    {
      *minimum = (int) ceil (3 * line_height);
      *natural = MAX (*minimum, 160);
    }
  else if (self->kind == TG_CHART_KIND_STACKED_COLUMNS)
    {
      g_auto(Geometry) g = { 0 };
      double legend;

      layout_legend (self, layout, for_size > 0 ? for_size : 480, line_height, &g);
      legend = g.legend_height + GAP + 4;
      /* Room for a few grid lines, then more for a comfortable chart. */
      *minimum = (int) ceil (legend + 8 * line_height);
      *natural = (int) ceil (legend + 14 * line_height);
    }
  else
    {
      guint n = self->series->len;

      *minimum = (int) ceil (n * (line_height + 6) + 2 * PAD);
      *natural = (int) ceil (n * (1.6 * line_height + 8) + 2 * PAD);
    }
}

static void
on_style_changed (TgChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* GObject */

static void
tg_chart_finalize (GObject *object)
{
  TgChart *self = TG_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->categories, g_strfreev);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->empty_text, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (tg_chart_parent_class)->finalize (object);
}

static void
tg_chart_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TgChart *self = TG_CHART (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_UNIT:
      g_value_set_enum (value, self->unit);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_EMPTY_TEXT:
      g_value_set_string (value, self->empty_text);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_chart_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TgChart *self = TG_CHART (object);

  switch (prop_id)
    {
    case PROP_KIND:
      tg_chart_set_kind (self, g_value_get_enum (value));
      break;

    case PROP_UNIT:
      tg_chart_set_unit (self, g_value_get_enum (value));
      break;

    case PROP_TITLE:
      tg_chart_set_title (self, g_value_get_string (value));
      break;

    case PROP_EMPTY_TEXT:
      tg_chart_set_empty_text (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_chart_class_init (TgChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tg_chart_finalize;
  object_class->get_property = tg_chart_get_property;
  object_class->set_property = tg_chart_set_property;

  widget_class->snapshot = tg_chart_snapshot;
  widget_class->measure = tg_chart_measure;
  widget_class->get_request_mode = tg_chart_get_request_mode;
  widget_class->query_tooltip = tg_chart_query_tooltip;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       TG_TYPE_CHART_KIND,
                       TG_CHART_KIND_STACKED_COLUMNS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_UNIT] =
    g_param_spec_enum ("unit", NULL, NULL,
                       TG_TYPE_CHART_UNIT,
                       TG_CHART_UNIT_MONEY,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_EMPTY_TEXT] =
    g_param_spec_string ("empty-text", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-chart.ui");
  gtk_widget_class_set_css_name (widget_class, "chart");
  /* A picture whose content is in its description. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tg_chart_init (TgChart *self)
{
  GdkDisplay *display = gdk_display_get_default ();

  GtkEventController *motion;

  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->hover_category = TG_CHART_NONE;
  self->hover_series = TG_CHART_NONE;

  gtk_widget_init_template (GTK_WIDGET (self));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  /* The series colours follow the style; g_signal_connect_object() drops the
   * handler with the widget (the style manager lives as long as the display). */
  if (display != NULL)
    g_signal_connect_object (adw_style_manager_get_for_display (display), "notify::dark",
                             G_CALLBACK (on_style_changed), self, G_CONNECT_SWAPPED);

  tg_chart_data_changed (self);
}

/* Public API */

GtkWidget *
tg_chart_new (TgChartKind kind,
              TgChartUnit unit)
{
  return g_object_new (TG_TYPE_CHART,
                       "kind", kind,
                       "unit", unit,
                       NULL);
}

TgChartKind
tg_chart_get_kind (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), TG_CHART_KIND_STACKED_COLUMNS);

  return self->kind;
}

void
tg_chart_set_kind (TgChart     *self,
                   TgChartKind  kind)
{
  g_return_if_fail (TG_IS_CHART (self));
  g_return_if_fail (kind == TG_CHART_KIND_STACKED_COLUMNS || kind == TG_CHART_KIND_BARS);

  if (self->kind == kind)
    return;

  self->kind = kind;
  tg_chart_data_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

TgChartUnit
tg_chart_get_unit (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), TG_CHART_UNIT_MONEY);

  return self->unit;
}

void
tg_chart_set_unit (TgChart     *self,
                   TgChartUnit  unit)
{
  g_return_if_fail (TG_IS_CHART (self));
  g_return_if_fail (unit == TG_CHART_UNIT_MONEY || unit == TG_CHART_UNIT_COUNT);

  if (self->unit == unit)
    return;

  self->unit = unit;
  tg_chart_data_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNIT]);
}

const char *
tg_chart_get_title (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), NULL);

  return self->title;
}

void
tg_chart_set_title (TgChart    *self,
                    const char *title)
{
  g_return_if_fail (TG_IS_CHART (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;

  g_free (self->title);
  self->title = g_strdup (title);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title != NULL ? title : "",
                                  -1);
  tg_chart_data_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
tg_chart_get_empty_text (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), NULL);

  return self->empty_text;
}

void
tg_chart_set_empty_text (TgChart    *self,
                         const char *empty_text)
{
  g_return_if_fail (TG_IS_CHART (self));

  if (g_strcmp0 (self->empty_text, empty_text) == 0)
    return;

  g_free (self->empty_text);
  self->empty_text = g_strdup (empty_text);

  tg_chart_data_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY_TEXT]);
}

void
tg_chart_set_categories (TgChart            *self,
                         const char * const *labels)
{
  g_return_if_fail (TG_IS_CHART (self));

  g_clear_pointer (&self->categories, g_strfreev);
  self->categories = g_strdupv ((char **) labels);
  self->n_categories = labels != NULL ? g_strv_length (self->categories) : 0;
  tg_chart_data_changed (self);
}

void
tg_chart_clear (TgChart *self)
{
  g_return_if_fail (TG_IS_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  tg_chart_data_changed (self);
}

void
tg_chart_add_series (TgChart      *self,
                     const char   *name,
                     const gint64 *values,
                     guint         n_values)
{
  tg_chart_add_series_full (self, name, values, n_values, TG_CHART_COLOR_AUTO);
}

void
tg_chart_add_series_full (TgChart      *self,
                          const char   *name,
                          const gint64 *values,
                          guint         n_values,
                          guint         color_index)
{
  Series *series;

  g_return_if_fail (TG_IS_CHART (self));
  g_return_if_fail (values != NULL || n_values == 0);

  series = g_new0 (Series, 1);
  series->name = g_strdup (name != NULL ? name : "");
  series->values = g_new0 (gint64, MAX (n_values, 1));
  series->n_values = n_values;
  series->color = color_index != TG_CHART_COLOR_AUTO ? color_index : self->series->len;
  for (guint i = 0; i < n_values; i++)
    {
      /* Costs and counts are never negative; a bad figure draws as nothing
       * rather than pulling the stack below the axis. */
      series->values[i] = MAX (values[i], 0);
      series->total = add_saturating (series->total, series->values[i]);
    }
  g_ptr_array_add (self->series, series);

  tg_chart_data_changed (self);
}

guint
tg_chart_get_n_series (TgChart *self)
{
  g_return_val_if_fail (TG_IS_CHART (self), 0);

  return self->series->len;
}
