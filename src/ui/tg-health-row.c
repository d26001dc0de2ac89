/* tg-health-row.c: one provider's health in a line or two.
 *
 * "✓ Healthy" above "p50 120 ms · checked 2 min ago". The status is an icon
 * with a colour class and a word, never colour alone. The icons are standard
 * symbolic ones from the icon theme (emblem-ok, dialog-warning, network-error,
 * dialog-question): they read at 16 px and follow the theme, where the tray's
 * Tollgate-{healthy,…} icons are drawn for the panel, not for a list. The age
 * is rewritten by the owner's single timer (tg_health_row_update_age()), so a
 * page of twenty providers runs one timer, not twenty. */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tg-health-row.h"
#include "tg-health-row-private.h"
#include "tg-provider-adapter.h"

#define MINUTE_MS G_GINT64_CONSTANT (60000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

struct _TgHealthRow
{
  GtkWidget         parent_instance;

  TgProviderHealth *health;
  gint64            now_ms;

  /* Template children */
  GtkWidget        *box;
  GtkImage         *status_icon;
  GtkLabel         *status_label;
  GtkLabel         *detail_label;
};

G_DEFINE_FINAL_TYPE (TgHealthRow, tg_health_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HEALTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Formatting */

char *
tg_health_row_format_age (gint64 last_check_ms,
                          gint64 now_ms)
{
  gint64 age = now_ms - last_check_ms;

  if (last_check_ms <= 0)
    return g_strdup (_("never checked"));

  if (age < MINUTE_MS)
    return g_strdup (_("checked just now"));

  if (age < HOUR_MS)
    {
      int minutes = (int) (age / MINUTE_MS);

      /* Translators: how long ago a provider's health was last checked */
      return g_strdup_printf (ngettext ("checked %d min ago", "checked %d min ago", minutes), minutes);
    }

  if (age < DAY_MS)
    {
      int hours = (int) (age / HOUR_MS);

      return g_strdup_printf (ngettext ("checked %d hour ago", "checked %d hours ago", hours), hours);
    }

  if (age < 7 * DAY_MS)
    {
      int days = (int) (age / DAY_MS);

      return g_strdup_printf (ngettext ("checked %d day ago", "checked %d days ago", days), days);
    }

  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (last_check_ms / 1000);
    g_autoptr(GDateTime) local = g_date_time_to_local (utc);
    /* Translators: a day in g_date_time_format() syntax, e.g. "Nov 28".
     * xgettext:no-c-format */
    g_autofree char *day = g_date_time_format (local, _("%b %-d"));

    /* Translators: %s is a day, e.g. "checked Nov 28" */
    return g_strdup_printf (_("checked %s"), day);
  }
}

char *
tg_health_row_format_latency (gint64 latency_ms)
{
  if (latency_ms < 0)
    return NULL;

  if (latency_ms < 1000)
    /* Translators: the median latency of a provider, in milliseconds */
    return g_strdup_printf (_("p50 %d ms"), (int) latency_ms);

  /* Translators: the median latency of a provider, in seconds */
  return g_strdup_printf (_("p50 %.1f s"), latency_ms / 1000.0);
}

const char *
tg_health_row_get_icon_name (TgHealthStatus status)
{
  switch (status)
    {
    case TG_HEALTH_STATUS_HEALTHY:  return "emblem-ok-symbolic";
    case TG_HEALTH_STATUS_DEGRADED: return "dialog-warning-symbolic";
    case TG_HEALTH_STATUS_DOWN:     return "network-error-symbolic";
    case TG_HEALTH_STATUS_UNKNOWN:
    default:                        return "dialog-question-symbolic";
    }
}

const char *
tg_health_row_get_style_class (TgHealthStatus status)
{
  switch (status)
    {
    case TG_HEALTH_STATUS_HEALTHY:  return "success";
    case TG_HEALTH_STATUS_DEGRADED: return "warning";
    case TG_HEALTH_STATUS_DOWN:     return "error";
    case TG_HEALTH_STATUS_UNKNOWN:
    default:                        return "dim-label";
    }
}

const char *
tg_health_row_describe_error (const char *error_class)
{
  TgErrorClass value;

  if (error_class == NULL || !tg_error_class_from_string (error_class, &value))
    return NULL;

  switch (value)
    {
    case TG_ERROR_CLASS_RATE_LIMITED:
      return _("The provider asked for fewer requests.");
    case TG_ERROR_CLASS_OVERLOADED:
      return _("The provider is overloaded.");
    case TG_ERROR_CLASS_SERVER:
      return _("The provider’s server failed.");
    case TG_ERROR_CLASS_TIMEOUT:
      return _("The provider did not answer in time.");
    case TG_ERROR_CLASS_NETWORK:
      return _("The provider could not be reached.");
    case TG_ERROR_CLASS_BAD_RESPONSE:
      return _("The provider’s answer could not be read.");
    case TG_ERROR_CLASS_AUTH:
      return _("The provider refused the key.");
    case TG_ERROR_CLASS_BAD_REQUEST:
    case TG_ERROR_CLASS_CANCELLED:
    default:
      return NULL;
    }
}

/* Display */

static void
tg_health_row_update_detail (TgHealthRow *self)
{
  g_autofree char *latency = NULL;
  g_autofree char *age = NULL;
  g_autofree char *detail = NULL;
  gint64 last_check_ms = self->health != NULL ? self->health->last_check_ms : 0;

  age = tg_health_row_format_age (last_check_ms, self->now_ms);
  if (self->health != NULL)
    latency = tg_health_row_format_latency (self->health->latency_p50_ms);

  if (latency != NULL)
    /* Translators: the median latency, then how long ago it was checked:
     * "p50 120 ms · checked 2 min ago" */
    detail = g_strdup_printf (_("%s · %s"), latency, age);
  else
    detail = g_steal_pointer (&age);

  gtk_label_set_label (self->detail_label, detail);
}

static void
tg_health_row_update (TgHealthRow *self)
{
  TgHealthStatus status = tg_health_row_get_status (self);
  const char *label = tg_health_status_get_label (status);
  const char *error = NULL;
  g_autofree char *accessible = NULL;

  gtk_image_set_from_icon_name (self->status_icon, tg_health_row_get_icon_name (status));
  gtk_widget_set_css_classes (GTK_WIDGET (self->status_icon),
                              (const char *[]) { tg_health_row_get_style_class (status), NULL });
  gtk_label_set_label (self->status_label, label);
  tg_health_row_update_detail (self);

  /* A passive failure has only a class; an active check has a sentence. */
  if (self->health != NULL)
    error = self->health->last_error != NULL ? self->health->last_error
                                             : tg_health_row_describe_error (self->health->last_error_class);

  /* Why it is not healthy, for whoever wants to know; never on a healthy row,
   * where an old error would only confuse. */
  if (status == TG_HEALTH_STATUS_DEGRADED || status == TG_HEALTH_STATUS_DOWN)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), error);
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);

  /* Translators: the accessible name of a provider's health, e.g. "Health: Down" */
  accessible = g_strdup_printf (_("Health: %s"), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, gtk_label_get_label (self->detail_label),
                                  -1);
}

/* GObject */

static void
tg_health_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TG_TYPE_HEALTH_ROW);

  G_OBJECT_CLASS (tg_health_row_parent_class)->dispose (object);
}

static void
tg_health_row_finalize (GObject *object)
{
  TgHealthRow *self = TG_HEALTH_ROW (object);

  g_clear_pointer (&self->health, tg_provider_health_free);

  G_OBJECT_CLASS (tg_health_row_parent_class)->finalize (object);
}

static void
tg_health_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TgHealthRow *self = TG_HEALTH_ROW (object);

  switch (prop_id)
    {
    case PROP_HEALTH:
      g_value_set_boxed (value, self->health);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_health_row_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TgHealthRow *self = TG_HEALTH_ROW (object);

  switch (prop_id)
    {
    case PROP_HEALTH:
      tg_health_row_set_health (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_health_row_class_init (TgHealthRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_health_row_dispose;
  object_class->finalize = tg_health_row_finalize;
  object_class->get_property = tg_health_row_get_property;
  object_class->set_property = tg_health_row_set_property;

  /* Notified on every set, even of equal figures: a new result arrived. */
  properties[PROP_HEALTH] =
    g_param_spec_boxed ("health", NULL, NULL,
                        TG_TYPE_PROVIDER_HEALTH,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-health-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TgHealthRow, box);
  gtk_widget_class_bind_template_child (widget_class, TgHealthRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, TgHealthRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TgHealthRow, detail_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "healthrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tg_health_row_init (TgHealthRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->now_ms = g_get_real_time () / 1000;
  tg_health_row_update (self);
}

GtkWidget *
tg_health_row_new (void)
{
  return g_object_new (TG_TYPE_HEALTH_ROW, NULL);
}

void
tg_health_row_set_health (TgHealthRow            *self,
                          const TgProviderHealth *health)
{
  g_return_if_fail (TG_IS_HEALTH_ROW (self));

  g_clear_pointer (&self->health, tg_provider_health_free);
  if (health != NULL)
    self->health = tg_provider_health_copy (health);

  /* A fresh result is measured against the time now, not the last tick. */
  self->now_ms = g_get_real_time () / 1000;
  tg_health_row_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEALTH]);
}

const TgProviderHealth *
tg_health_row_get_health (TgHealthRow *self)
{
  g_return_val_if_fail (TG_IS_HEALTH_ROW (self), NULL);

  return self->health;
}

TgHealthStatus
tg_health_row_get_status (TgHealthRow *self)
{
  g_return_val_if_fail (TG_IS_HEALTH_ROW (self), TG_HEALTH_STATUS_UNKNOWN);

  return self->health != NULL ? self->health->status : TG_HEALTH_STATUS_UNKNOWN;
}

void
tg_health_row_update_age (TgHealthRow *self,
                          gint64       now_ms)
{
  g_return_if_fail (TG_IS_HEALTH_ROW (self));

  self->now_ms = now_ms;
  tg_health_row_update_detail (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, gtk_label_get_label (self->detail_label),
                                  -1);
}
