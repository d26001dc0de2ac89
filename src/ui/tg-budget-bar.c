/* tg-budget-bar.c: the current budget period at a glance.
 *
 * Labels say everything (spent of budget, percentage, state, reset); the bar
 * repeats it as a picture: the fill in the accent colour, then the warning
 * colour once an alert threshold is passed, then the error colour once the
 * budget is spent, with a mark and its percentage at each threshold. The bar
 * is Cairo rather than a GtkLevelBar, whose offsets only recolour the fill
 * and cannot draw marks at arbitrary points. */

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "tg-budget-bar.h"
#include "tg-budget-bar-private.h"
#include "tg-money.h"

#define BAR_HEIGHT   10.0
#define MARK_OVERHANG 3.0   /* marks reach past the bar, so they show on the fill */
#define MARK_WIDTH    2.0
#define LABEL_GAP     6.0   /* the least space between two mark labels */

struct _TgBudgetBar
{
  GtkWidget       parent_instance;

  TgBudgetStatus  status;
  gboolean        has_budget;
  TgBudgetLevel   level;
  char           *reset_text;
  char           *state_text;
  char           *description;

  /* Template children */
  GtkStack       *stack;
  GtkLabel       *amount_label;
  GtkLabel       *percent_label;
  GtkDrawingArea *bar_area;
  GtkLabel       *reset_label;
  GtkLabel       *state_label;
  GtkLabel       *hint_label;
};

G_DEFINE_FINAL_TYPE (TgBudgetBar, tg_budget_bar, GTK_TYPE_WIDGET)

/* Figures */

/* The whole percentage spent, rounded down: 99.6 % is not yet "100 %". */
static guint64
percent_spent (const TgBudgetStatus *status)
{
  if (status->budget_micros <= 0 || status->spent_micros <= 0)
    return 0;
  if (status->spent_micros <= G_MAXINT64 / 100)
    return (guint64) (status->spent_micros * 100 / status->budget_micros);
  return (guint64) floor (100.0 * ((double) status->spent_micros / (double) status->budget_micros));
}

/* Whether @percent of the budget has been spent, without overflow. */
static gboolean
passed (const TgBudgetStatus *status,
        guint                 percent)
{
  return (double) status->spent_micros * 100.0 >= (double) percent * (double) status->budget_micros;
}

static char *
format_percent (guint64 percent)
{
  /* Translators: a percentage, e.g. "49 %"; the space is a narrow no-break
   * space (U+202F), so that the sign never wraps onto a line of its own */
  return g_strdup_printf (_("%u %%"), (guint) MIN (percent, G_MAXUINT));
}

char *
tg_budget_format_reset (gint64     now_ms,
                        gint64     end_ms,
                        GTimeZone *tz)
{
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) now_utc = NULL;
  g_autoptr(GDateTime) end_utc = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) end = NULL;
  GDate now_date, end_date;
  int year, month, day;
  int days;

  if (end_ms <= now_ms)
    return g_strdup (_("Resets now"));

  if (tz == NULL)
    tz = local = g_time_zone_new_local ();

  now_utc = g_date_time_new_from_unix_utc (now_ms / 1000);
  end_utc = g_date_time_new_from_unix_utc (end_ms / 1000);
  if (now_utc == NULL || end_utc == NULL)
    return g_strdup (_("Resets later"));
  now = g_date_time_to_timezone (now_utc, tz);
  end = g_date_time_to_timezone (end_utc, tz);

  /* Calendar days, not 24-hour spans: at 23:00 a monthly budget ending at
   * midnight resets "at midnight", not "in 0 days". */
  g_date_time_get_ymd (now, &year, &month, &day);
  g_date_clear (&now_date, 1);
  g_date_set_dmy (&now_date, day, month, year);
  g_date_time_get_ymd (end, &year, &month, &day);
  g_date_clear (&end_date, 1);
  g_date_set_dmy (&end_date, day, month, year);
  days = g_date_days_between (&now_date, &end_date);

  if (days <= 0)
    return g_strdup (_("Resets today"));
  if (days == 1 && g_date_time_get_hour (end) == 0 && g_date_time_get_minute (end) == 0)
    return g_strdup (_("Resets at midnight"));
  if (days == 1)
    return g_strdup (_("Resets tomorrow"));

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Resets in %d day", "Resets in %d days", days), days);
}

static TgBudgetLevel
compute_level (const TgBudgetStatus *status)
{
  if (status->spent_micros >= status->budget_micros)
    return TG_BUDGET_LEVEL_EXCEEDED;

  for (guint i = 0; i < MIN (status->n_thresholds, TG_MAX_ALERT_THRESHOLDS); i++)
    if (passed (status, status->thresholds[i]))
      return TG_BUDGET_LEVEL_WARNING;

  return TG_BUDGET_LEVEL_NORMAL;
}

static char *
build_amount_text (const TgBudgetStatus *status)
{
  g_autofree char *spent = tg_money_format_cents (status->spent_micros);
  g_autofree char *budget = tg_money_format_cents (status->budget_micros);

  switch (status->period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      /* Translators: spent of the budget, e.g. "$12.40 of $25.00 today" */
      return g_strdup_printf (_("%s of %s today"), spent, budget);
    case TG_BUDGET_PERIOD_WEEKLY:
      /* Translators: spent of the budget, e.g. "$12.40 of $25.00 this week" */
      return g_strdup_printf (_("%s of %s this week"), spent, budget);
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      /* Translators: spent of the budget, e.g. "$12.40 of $25.00 this month" */
      return g_strdup_printf (_("%s of %s this month"), spent, budget);
    }
}

static char *
build_state_text (const TgBudgetStatus *status,
                  TgBudgetLevel         level)
{
  guint n = MIN (status->n_thresholds, TG_MAX_ALERT_THRESHOLDS);
  g_autofree char *state = NULL;

  switch (level)
    {
    case TG_BUDGET_LEVEL_EXCEEDED:
      if (status->spent_micros > status->budget_micros)
        {
          g_autofree char *over = tg_money_format_cents (status->spent_micros - status->budget_micros);

          /* Translators: e.g. "Over budget by $3.00" */
          state = g_strdup_printf (_("Over budget by %s"), over);
        }
      else
        state = g_strdup (_("Budget used up"));

      if (status->hard_limit)
        /* Translators: the state of an exceeded budget with the hard limit
         * on, e.g. "Over budget by $3.00, requests are blocked" */
        return g_strdup_printf (_("%s, requests are blocked"), state);
      return g_steal_pointer (&state);

    case TG_BUDGET_LEVEL_WARNING:
      for (guint i = n; i-- > 0;)
        if (passed (status, status->thresholds[i]))
          {
            g_autofree char *percent = format_percent (status->thresholds[i]);

            /* Translators: the highest alert threshold passed, e.g. "Past the 80 % alert" */
            return g_strdup_printf (_("Past the %s alert"), percent);
          }
      return NULL;

    case TG_BUDGET_LEVEL_NORMAL:
      if (n > 0)
        {
          g_autofree char *percent = format_percent (status->thresholds[0]);

          /* Translators: the first alert threshold, none passed yet, e.g. "First alert at 50 %" */
          return g_strdup_printf (_("First alert at %s"), percent);
        }
      return NULL;

    case TG_BUDGET_LEVEL_NONE:
    default:
      return NULL;
    }
}

/* "Alerts at 50, 80 and 100 %." */
static char *
build_thresholds_sentence (const TgBudgetStatus *status)
{
  guint n = MIN (status->n_thresholds, TG_MAX_ALERT_THRESHOLDS);
  g_autoptr(GString) first = g_string_new (NULL);

  if (n == 0)
    return g_strdup (_("No alerts."));
  if (n == 1)
    /* Translators: the only alert threshold, e.g. "Alert at 80 %." */
    return g_strdup_printf (_("Alert at %u %%."), status->thresholds[0]);

  for (guint i = 0; i + 1 < n; i++)
    g_string_append_printf (first, "%s%u", i > 0 ? ", " : "", status->thresholds[i]);

  /* Translators: the alert thresholds: all but the last, comma-separated,
   * then the last, e.g. "Alerts at 50, 80 and 100 %." */
  return g_strdup_printf (_("Alerts at %s and %u %%."), first->str, status->thresholds[n - 1]);
}

static char *
build_description (TgBudgetBar *self)
{
  const TgBudgetStatus *status = &self->status;
  g_autofree char *spent = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *percent = NULL;
  g_autofree char *thresholds = NULL;
  g_autofree char *sentence = NULL;

  if (!self->has_budget)
    return g_strdup_printf ("%s. %s", _("No budget set"), gtk_label_get_text (self->hint_label));

  spent = tg_money_format_cents (status->spent_micros);
  budget = tg_money_format_cents (status->budget_micros);
  percent = format_percent (percent_spent (status));
  thresholds = build_thresholds_sentence (status);

  switch (status->period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      /* Translators: e.g. "$12.40 of $25.00 spent today, 49 %." */
      sentence = g_strdup_printf (_("%s of %s spent today, %s."), spent, budget, percent);
      break;
    case TG_BUDGET_PERIOD_WEEKLY:
      sentence = g_strdup_printf (_("%s of %s spent this week, %s."), spent, budget, percent);
      break;
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      sentence = g_strdup_printf (_("%s of %s spent this month, %s."), spent, budget, percent);
      break;
    }

  if (self->level == TG_BUDGET_LEVEL_EXCEEDED || self->level == TG_BUDGET_LEVEL_WARNING)
    return g_strdup_printf ("%s %s. %s %s.", sentence, self->state_text, thresholds, self->reset_text);
  return g_strdup_printf ("%s %s %s.", sentence, thresholds, self->reset_text);
}

/* Drawing */

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              guint32     fallback,
              GdkRGBA    *out)
{
  /* libadwaita's named colours follow light, dark and high contrast. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, out))
    return;
  G_GNUC_END_IGNORE_DEPRECATIONS

  out->red = (fallback >> 16 & 0xff) / 255.0f;
  out->green = (fallback >> 8 & 0xff) / 255.0f;
  out->blue = (fallback & 0xff) / 255.0f;
  out->alpha = 1.0f;
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   width,
              double   height)
{
  double r = MIN (height, width) / 2;

  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + width - r, y + height - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + height - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static PangoLayout *
create_mark_layout (TgBudgetBar *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->bar_area), NULL);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  return layout;
}

void
tg_budget_bar_draw (TgBudgetBar *self,
                    cairo_t     *cr,
                    int          width,
                    int          height)
{
  GtkWidget *widget = GTK_WIDGET (self->bar_area);
  g_autoptr(PangoLayout) layout = NULL;
  const TgBudgetStatus *status = &self->status;
  double bar_top = MARK_OVERHANG;
  double label_right = G_MAXDOUBLE;
  double fill;
  GdkRGBA fg, color;
  guint n;

  g_return_if_fail (TG_IS_BUDGET_BAR (self));
  g_return_if_fail (cr != NULL);

  if (!self->has_budget || width <= 0 || height <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cairo_save (cr);

  /* The trough, as libadwaita draws level bars: the text colour, faint. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.15);
  rounded_rect (cr, 0, bar_top, width, BAR_HEIGHT);
  cairo_fill (cr);

  fill = tg_budget_bar_get_fill (self);
  if (fill > 0)
    {
      switch (self->level)
        {
        case TG_BUDGET_LEVEL_EXCEEDED:
          lookup_color (widget, "error_bg_color", 0xe01b24, &color);
          break;
        case TG_BUDGET_LEVEL_WARNING:
          lookup_color (widget, "warning_bg_color", 0xe5a50a, &color);
          break;
        case TG_BUDGET_LEVEL_NORMAL:
        case TG_BUDGET_LEVEL_NONE:
        default:
          lookup_color (widget, "accent_bg_color", 0x3584e4, &color);
          break;
        }
      gdk_cairo_set_source_rgba (cr, &color);
      /* Never thinner than the rounded end, so a little spending shows. */
      rounded_rect (cr, 0, bar_top, MAX (width * fill, BAR_HEIGHT), BAR_HEIGHT);
      cairo_fill (cr);
    }

  /* Marks and their percentages, from the highest down: where two labels
   * would touch, the higher one is kept. */
  layout = create_mark_layout (self);
  n = tg_budget_bar_get_n_marks (self);
  for (guint i = n; i-- > 0;)
    {
      double x = tg_budget_bar_get_mark_position (self, i) * width;
      g_autofree char *text = format_percent (status->thresholds[i]);
      PangoRectangle logical;
      double label_x;

      x = CLAMP (x, MARK_WIDTH / 2, width - MARK_WIDTH / 2);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.8);
      cairo_rectangle (cr, x - MARK_WIDTH / 2, 0, MARK_WIDTH, BAR_HEIGHT + 2 * MARK_OVERHANG);
      cairo_fill (cr);

      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_extents (layout, NULL, &logical);
      label_x = CLAMP (x - logical.width / 2.0, 0, MAX (width - logical.width, 0));
      if (label_x + logical.width + LABEL_GAP > label_right)
        continue;

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.75);
      cairo_move_to (cr, label_x, BAR_HEIGHT + 2 * MARK_OVERHANG + 2);
      pango_cairo_show_layout (cr, layout);
      label_right = label_x;
    }

  cairo_restore (cr);
}

static void
bar_draw_cb (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  tg_budget_bar_draw (TG_BUDGET_BAR (user_data), cr, width, height);
}

/* Room for the bar, its marks and one line of mark labels. */
static void
update_bar_height (TgBudgetBar *self)
{
  g_autoptr(PangoLayout) layout = create_mark_layout (self);
  PangoRectangle logical;

  pango_layout_set_text (layout, "100 %", -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  gtk_drawing_area_set_content_height (self->bar_area,
                                       (int) (BAR_HEIGHT + 2 * MARK_OVERHANG + 2 + logical.height));
}

/* Update */

static void
set_level_class (GtkWidget     *widget,
                 TgBudgetLevel  level)
{
  gtk_widget_remove_css_class (widget, "warning");
  gtk_widget_remove_css_class (widget, "error");
  if (level == TG_BUDGET_LEVEL_WARNING)
    gtk_widget_add_css_class (widget, "warning");
  else if (level == TG_BUDGET_LEVEL_EXCEEDED)
    gtk_widget_add_css_class (widget, "error");
}

void
tg_budget_bar_set_status (TgBudgetBar          *self,
                          const TgBudgetStatus *status,
                          gint64                now_ms)
{
  g_autofree char *amount = NULL;
  g_autofree char *percent = NULL;
  guint64 percent_value;

  g_return_if_fail (TG_IS_BUDGET_BAR (self));

  g_clear_pointer (&self->reset_text, g_free);
  g_clear_pointer (&self->state_text, g_free);
  memset (&self->status, 0, sizeof self->status);
  self->has_budget = status != NULL && status->budget_micros > 0;

  if (!self->has_budget)
    {
      self->level = TG_BUDGET_LEVEL_NONE;
      gtk_stack_set_visible_child_name (self->stack, "none");
    }
  else
    {
      self->status = *status;
      self->status.n_thresholds = MIN (status->n_thresholds, TG_MAX_ALERT_THRESHOLDS);
      self->status.spent_micros = MAX (status->spent_micros, 0);
      self->level = compute_level (&self->status);
      self->reset_text = tg_budget_format_reset (now_ms, status->period_end_ms, NULL);
      self->state_text = build_state_text (&self->status, self->level);

      amount = build_amount_text (&self->status);
      percent_value = percent_spent (&self->status);
      percent = format_percent (percent_value);

      gtk_label_set_text (self->amount_label, amount);
      gtk_label_set_text (self->percent_label, percent);
      gtk_label_set_text (self->reset_label, self->reset_text);
      gtk_label_set_text (self->state_label, self->state_text != NULL ? self->state_text : "");
      gtk_widget_set_visible (GTK_WIDGET (self->state_label), self->state_text != NULL);
      set_level_class (GTK_WIDGET (self->percent_label), self->level);
      set_level_class (GTK_WIDGET (self->state_label), self->level);

      /* The bar itself is a meter for assistive technologies. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->bar_area),
                                      GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                      GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                      GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) percent_value,
                                      GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, percent,
                                      -1);
      gtk_stack_set_visible_child_name (self->stack, "budget");
    }

  g_free (self->description);
  self->description = build_description (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self->bar_area));
}

/* Queries */

double
tg_budget_bar_get_fraction (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), 0);

  if (!self->has_budget)
    return 0;
  return (double) self->status.spent_micros / (double) self->status.budget_micros;
}

double
tg_budget_bar_get_fill (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), 0);

  /* The bar is the budget: beyond it the text tells by how much. */
  return CLAMP (tg_budget_bar_get_fraction (self), 0, 1);
}

TgBudgetLevel
tg_budget_bar_get_level (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), TG_BUDGET_LEVEL_NONE);

  return self->level;
}

guint
tg_budget_bar_get_n_marks (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), 0);

  return self->has_budget ? self->status.n_thresholds : 0;
}

double
tg_budget_bar_get_mark_position (TgBudgetBar *self,
                                 guint        index)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), 0);
  g_return_val_if_fail (index < tg_budget_bar_get_n_marks (self), 0);

  return MIN (self->status.thresholds[index], 100) / 100.0;
}

const char *
tg_budget_bar_get_amount_text (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), NULL);

  return self->has_budget ? gtk_label_get_text (self->amount_label) : NULL;
}

const char *
tg_budget_bar_get_percent_text (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), NULL);

  return self->has_budget ? gtk_label_get_text (self->percent_label) : NULL;
}

const char *
tg_budget_bar_get_reset_text (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), NULL);

  return self->reset_text;
}

const char *
tg_budget_bar_get_state_text (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), NULL);

  if (!self->has_budget)
    return gtk_label_get_text (self->hint_label);
  return self->state_text;
}

const char *
tg_budget_bar_get_description (TgBudgetBar *self)
{
  g_return_val_if_fail (TG_IS_BUDGET_BAR (self), NULL);

  return self->description;
}

/* GObject */

static void
on_style_changed (TgBudgetBar *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->bar_area));
}

static void
tg_budget_bar_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TG_TYPE_BUDGET_BAR);

  G_OBJECT_CLASS (tg_budget_bar_parent_class)->dispose (object);
}

static void
tg_budget_bar_finalize (GObject *object)
{
  TgBudgetBar *self = TG_BUDGET_BAR (object);

  g_clear_pointer (&self->reset_text, g_free);
  g_clear_pointer (&self->state_text, g_free);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (tg_budget_bar_parent_class)->finalize (object);
}

static void
tg_budget_bar_class_init (TgBudgetBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_budget_bar_dispose;
  object_class->finalize = tg_budget_bar_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-budget-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, stack);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, amount_label);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, percent_label);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, bar_area);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, reset_label);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, state_label);
  gtk_widget_class_bind_template_child (widget_class, TgBudgetBar, hint_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "budgetbar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tg_budget_bar_init (TgBudgetBar *self)
{
  GdkDisplay *display = gdk_display_get_default ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drawing_area_set_draw_func (self->bar_area, bar_draw_cb, self, NULL);
  update_bar_height (self);

  /* The colours are looked up when drawing; a style switch must redraw. */
  if (display != NULL)
    g_signal_connect_object (adw_style_manager_get_for_display (display), "notify::dark",
                             G_CALLBACK (on_style_changed), self, G_CONNECT_SWAPPED);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Budget"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->bar_area),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Budget spent"),
                                  -1);
  tg_budget_bar_set_status (self, NULL, 0);
}

GtkWidget *
tg_budget_bar_new (void)
{
  return g_object_new (TG_TYPE_BUDGET_BAR, NULL);
}
