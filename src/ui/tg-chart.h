/* tg-chart.h: the cost dashboard's charts, drawn with Cairo: cost over time
 * stacked by provider, and a breakdown by provider (DESIGN §5). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  TG_CHART_KIND_STACKED_COLUMNS, /* one column per category, the series stacked in it */
  TG_CHART_KIND_BARS,            /* one horizontal bar per series: its total over all categories */
} TgChartKind;

typedef enum {
  TG_CHART_UNIT_MONEY, /* micro-dollars */
  TG_CHART_UNIT_COUNT, /* tokens, requests */
} TgChartUnit;

#define TG_TYPE_CHART_KIND (tg_chart_kind_get_type ())
GType tg_chart_kind_get_type (void) G_GNUC_CONST;
#define TG_TYPE_CHART_UNIT (tg_chart_unit_get_type ())
GType tg_chart_unit_get_type (void) G_GNUC_CONST;

#define TG_TYPE_CHART (tg_chart_get_type ())
G_DECLARE_FINAL_TYPE (TgChart, tg_chart, TG, CHART, GtkWidget)

GtkWidget   *tg_chart_new            (TgChartKind         kind,
                                      TgChartUnit         unit);

TgChartKind  tg_chart_get_kind       (TgChart            *self);
void         tg_chart_set_kind       (TgChart            *self,
                                      TgChartKind         kind);
TgChartUnit  tg_chart_get_unit       (TgChart            *self);
void         tg_chart_set_unit       (TgChart            *self,
                                      TgChartUnit         unit);
/* What the chart shows, e.g. "Cost per day": its accessible label and the
 * start of its accessible description. Not drawn (the page has a heading). */
const char  *tg_chart_get_title      (TgChart            *self);
void         tg_chart_set_title      (TgChart            *self,
                                      const char         *title);
/* Drawn instead of the chart when there is no series. */
const char  *tg_chart_get_empty_text (TgChart            *self);
void         tg_chart_set_empty_text (TgChart            *self,
                                      const char         *empty_text);

/* The labels along the time axis ("Mon 30", "14:00"), one per column. NULL:
 * none (columns are then as many as the longest series has values). */
void         tg_chart_set_categories (TgChart            *self,
                                      const char * const *labels);
/* Removes every series (the categories stay). */
void         tg_chart_clear          (TgChart            *self);
/* A series, drawn in the next palette colour and named in the legend;
 * @values[i] belongs to category i. Negative values count as zero. */
void         tg_chart_add_series     (TgChart            *self,
                                      const char         *name,
                                      const gint64       *values,
                                      guint               n_values);
/* The same with a given palette colour: a series keeps its colour across
 * charts when it has the same @color_index in each (e.g. the provider's
 * place in the catalogue). TG_CHART_COLOR_AUTO: its position, as above.
 * Indices past the palette wrap around. */
#define TG_CHART_COLOR_AUTO G_MAXUINT
void         tg_chart_add_series_full (TgChart           *self,
                                       const char        *name,
                                       const gint64      *values,
                                       guint              n_values,
                                       guint              color_index);
guint        tg_chart_get_n_series   (TgChart            *self);

G_END_DECLS
