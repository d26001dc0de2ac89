/* tg-chart-private.h: TgChart's geometry and drawing, shared with its tests
 * and the screenshot tool only. */
#pragma once

#include <gtk/gtk.h>

#include "tg-chart.h"

G_BEGIN_DECLS

/* What a hit test or a rectangle query does not refer to. */
#define TG_CHART_NONE G_MAXUINT

/* Axis ticks 0, step, 2 step … @n_intervals × step: step is 1, 2 or 5 × 10^n
 * (at least 1), the top tick is at least @max_value (values <= 0 count as 1),
 * and there are at most @max_intervals intervals (at least 1). */
void      tg_chart_nice_ticks              (gint64       max_value,
                                            guint        max_intervals,
                                            gint64      *out_step,
                                            guint       *out_n_intervals);

/* Label thinning: draw every k-th label so that labels @label_width wide,
 * centred on slots @slot_width apart, keep @gap between them. At least 1. */
guint     tg_chart_label_stride            (double       slot_width,
                                            double       label_width,
                                            double       gap);

/* A tick label on the value axis: "$0.50", "$250.00", "$20K" (whole
 * thousands of dollars), "1,500" or "20K" tokens. */
char     *tg_chart_format_tick             (TgChartUnit  unit,
                                            gint64       value,
                                            gint64       step);
/* An exact figure, for tooltips and the accessible description:
 * "$1.234567", "1,234,567". */
char     *tg_chart_format_exact            (TgChartUnit  unit,
                                            gint64       value);

/* Draws the chart as its snapshot does, at @width × @height. */
void      tg_chart_draw                    (TgChart     *self,
                                            cairo_t     *cr,
                                            int          width,
                                            int          height);

/* The boxes of every text tg_chart_draw() draws at that size (axis labels,
 * legend, values, the empty text), as graphene_rect_t, in drawing order. */
GArray   *tg_chart_get_text_boxes          (TgChart     *self,
                                            int          width,
                                            int          height);

/* The drawn rectangle of @series in @category (STACKED_COLUMNS), or of the
 * bar of @series (BARS, @category ignored). FALSE when nothing is drawn there
 * (a zero value, no such series). */
gboolean  tg_chart_get_bar_rect            (TgChart         *self,
                                            int              width,
                                            int              height,
                                            guint            category,
                                            guint            series,
                                            graphene_rect_t *out_rect);

/* Every k-th category label is drawn at that width (STACKED_COLUMNS). */
guint     tg_chart_get_label_stride        (TgChart     *self,
                                            int          width,
                                            int          height);
/* Rows the legend takes at that width (0 without a legend). */
guint     tg_chart_get_legend_rows         (TgChart     *self,
                                            int          width);

/* What is under (@x, @y) when drawn at @width × @height: the column and the
 * series segment (TG_CHART_NONE above the stack) for STACKED_COLUMNS, the
 * series of the bar (category TG_CHART_NONE) for BARS. FALSE when nothing. */
gboolean  tg_chart_hit_test                (TgChart     *self,
                                            double       x,
                                            double       y,
                                            int          width,
                                            int          height,
                                            guint       *category,
                                            guint       *series);

/* Shades the column (STACKED_COLUMNS) or the row of the series (BARS) as
 * under the pointer; TG_CHART_NONE for none. The pointer's motion calls it. */
void      tg_chart_set_hover               (TgChart     *self,
                                            guint        category,
                                            guint        series);

/* The tooltip for a hit test result: "Mon 30 · OpenAI: $1.234567\nTotal: $1.50". */
char     *tg_chart_get_tooltip_text        (TgChart     *self,
                                            guint        category,
                                            guint        series);

/* The accessible description, as set on the widget. */
const char *tg_chart_get_description       (TgChart     *self);

/* The colour series @index is drawn in, in the current style (past the
 * series: palette colour @index). */
void      tg_chart_get_series_color        (TgChart     *self,
                                            guint        index,
                                            GdkRGBA     *out_color);

G_END_DECLS
