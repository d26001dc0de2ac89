/* tg-provider-selector.c: the providers the catalogue knows, their models and
 * prices, and whether a key is stored for each.
 *
 * One AdwExpanderRow per provider; expanding it shows one AdwActionRow per model.
 * Key status comes from a single tg_secret_store_list_async() call: the widget
 * never loads a secret, so no key can end up in a label.
 *
 * With the services set (tg_provider_selector_set_services()) it is also the
 * place to choose: a radio button on every provider and model row saves the
 * default through TgConfigService at once (there is no Save button to
 * forget), each provider row shows its TgHealthRow, updated from
 * TgHealthMonitor's signals for that provider only, and a "Fallback Order"
 * group shows where requests go when the default is down. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <adwaita.h>

#include "tg-format.h"
#include "tg-health-row.h"
#include "tg-money.h"
#include "tg-provider-selector.h"
#include "tg-provider-selector-private.h"

/* How often "checked 2 min ago" is rewritten: minutes are its finest unit. */
#define AGE_TICK_S 30

typedef enum {
  KEYRING_UNKNOWN,      /* no answer yet, or no secret store */
  KEYRING_AVAILABLE,
  KEYRING_LOCKED,
  KEYRING_UNAVAILABLE,
} KeyringState;

/* The parts of a provider row that change with the key status, the health
 * and the default. The widgets belong to the list box; this only points at
 * them. */
typedef struct {
  char        *provider_id;
  gboolean     local;
  GtkWidget   *status_box;
  GtkWidget   *status_icon;
  GtkLabel    *status_label;
  GtkWidget   *check;
  GtkWidget   *default_badge;
  TgHealthRow *health_row;
} ProviderRow;

/* The same for a model row. */
typedef struct {
  char      *provider_id;
  char      *model_id;
  GtkWidget *check;
  GtkWidget *default_badge;
} ModelRow;

struct _TgProviderSelector
{
  GtkWidget      parent_instance;

  TgCatalog       *catalog;
  TgSecretStore   *secret_store;
  TgConfigService *config;
  TgHealthMonitor *health;

  GCancellable    *list_cancellable;
  KeyringState     keyring_state;
  GHashTable      *keyed_providers;  /* provider ids with a key: a set */
  GPtrArray       *rows;             /* ProviderRow*, in list order */
  GPtrArray       *model_rows;       /* ModelRow*, in list order */
  GtkCheckButton  *provider_group;   /* the first radio of each kind, which */
  GtkCheckButton  *model_group;      /* the others join; owned by the list */
  guint            age_timer;
  /* Set while the radios are made to match the preferences, so that their
   * ::toggled does not save the same choice back. */
  gboolean         syncing;

  /* Template children */
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkWidget       *keyring_message_box;
  GtkLabel        *keyring_message;
  GtkListBox      *provider_list;
  GtkWidget       *fallback_group;
  GtkListBox      *fallback_list;
};

G_DEFINE_FINAL_TYPE (TgProviderSelector, tg_provider_selector, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CATALOG,
  PROP_SECRET_STORE,
  N_PROPS
};

enum {
  KEYS_REFRESHED,
  TOAST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
provider_row_free (ProviderRow *row)
{
  g_free (row->provider_id);
  g_free (row);
}

static void
model_row_free (ModelRow *row)
{
  g_free (row->provider_id);
  g_free (row->model_id);
  g_free (row);
}

/* Formatting */

char *
tg_format_model_limits (const TgModelCapabilities *model)
{
  g_autofree char *context = NULL;
  g_autofree char *output = NULL;

  g_return_val_if_fail (model != NULL, NULL);

  /* Zero means the catalogue does not know. */
  if (model->context_window > 0)
    context = tg_format_token_count (model->context_window);
  if (model->max_output > 0)
    output = tg_format_token_count (model->max_output);

  if (context != NULL && output != NULL)
    /* Translators: the largest prompt and the longest answer of a model, e.g. "128K context · 16K output" */
    return g_strdup_printf (_("%s context · %s output"), context, output);
  else if (context != NULL)
    return g_strdup_printf (_("%s context"), context);
  else if (output != NULL)
    return g_strdup_printf (_("%s output"), output);

  return NULL;
}

char *
tg_format_model_prices (const TgModelCapabilities *model)
{
  g_autofree char *input = NULL;
  g_autofree char *output = NULL;

  g_return_val_if_fail (model != NULL, NULL);

  if (model->price_input_micros == 0 &&
      model->price_output_micros == 0 &&
      model->price_cached_input_micros == 0)
    return g_strdup (_("Free"));

  input = tg_money_format (model->price_input_micros);
  output = tg_money_format (model->price_output_micros);

  if (model->price_cached_input_micros != model->price_input_micros)
    {
      g_autofree char *cached = tg_money_format (model->price_cached_input_micros);

      /* Translators: prices per million tokens of the prompt, the answer and
       * the prompt tokens read from the provider's cache */
      return g_strdup_printf (_("%s in · %s out · %s cached / 1M tokens"), input, output, cached);
    }

  /* Translators: prices per million tokens of the prompt and the answer */
  return g_strdup_printf (_("%s in · %s out / 1M tokens"), input, output);
}

static const char *
wire_format_label (TgWireFormat format)
{
  switch (format)
    {
    case TG_WIRE_FORMAT_OPENAI:
      return _("OpenAI-compatible API");
    case TG_WIRE_FORMAT_ANTHROPIC:
      return _("Anthropic Messages API");
    case TG_WIRE_FORMAT_GEMINI:
      return _("Gemini API");
    case TG_WIRE_FORMAT_OLLAMA:
      return _("Ollama API");
    default:
      return tg_wire_format_to_string (format);
    }
}

/* The catalogue stores YYYY-MM-DD; people read a date. */
static char *
format_catalog_date (const char *iso_date)
{
  int year, month, day;

  if (sscanf (iso_date, "%4d-%2d-%2d", &year, &month, &day) == 3 &&
      g_date_valid_dmy (day, month, year))
    {
      g_autoptr(GDateTime) date = g_date_time_new_utc (year, month, day, 0, 0, 0);

      /* Translators: the date a provider's prices were read, in
       * g_date_time_format() syntax. xgettext:no-c-format */
      return g_date_time_format (date, _("%B %-d, %Y"));
    }

  return g_strdup (iso_date);
}

static char *
format_provider_subtitle (const TgCatalogProvider *provider)
{
  const char *api = wire_format_label (provider->wire_format);

  /* A local server's prices are zero: the date they were read says nothing. */
  if (provider->local)
    /* Translators: a provider that runs on this computer, then the API it speaks */
    return g_strdup_printf (_("Local · %s"), api);

  if (provider->prices_as_of != NULL && provider->prices_as_of[0] != '\0')
    {
      g_autofree char *date = format_catalog_date (provider->prices_as_of);

      /* Translators: the API a provider speaks, then the date its prices were read */
      return g_strdup_printf (_("%s · Prices as of %s"), api, date);
    }

  return g_strdup (api);
}

/* Rows */

static void
provider_row_update_status (TgProviderSelector *self,
                            ProviderRow        *row)
{
  const char *icon_name;
  const char *text;
  const char *style;

  if (row->local)
    {
      icon_name = "computer-symbolic";
      text = _("No key needed");
      style = "dim-label";
    }
  else
    {
      switch (self->keyring_state)
        {
        case KEYRING_AVAILABLE:
          if (g_hash_table_contains (self->keyed_providers, row->provider_id))
            {
              icon_name = "emblem-ok-symbolic";
              text = _("Key stored");
              style = "success";
            }
          else
            {
              icon_name = "dialog-password-symbolic";
              text = _("No key");
              style = "dim-label";
            }
          break;

        case KEYRING_LOCKED:
          icon_name = "dialog-warning-symbolic";
          text = _("Keyring locked");
          style = "warning";
          break;

        case KEYRING_UNAVAILABLE:
          icon_name = "dialog-warning-symbolic";
          text = _("Keyring unavailable");
          style = "warning";
          break;

        case KEYRING_UNKNOWN:
        default:
          /* Nothing known yet: say nothing rather than something wrong. */
          gtk_widget_set_visible (row->status_box, FALSE);
          return;
        }
    }

  gtk_image_set_from_icon_name (GTK_IMAGE (row->status_icon), icon_name);
  gtk_widget_set_css_classes (row->status_icon, (const char *[]) { style, NULL });
  gtk_label_set_label (row->status_label, text);
  gtk_widget_set_visible (row->status_box, TRUE);
}

static void
tg_provider_selector_update_key_status (TgProviderSelector *self)
{
  gboolean show_message = FALSE;

  if (self->rows != NULL)
    {
      for (guint i = 0; i < self->rows->len; i++)
        provider_row_update_status (self, g_ptr_array_index (self->rows, i));
    }

  if (self->keyring_state == KEYRING_LOCKED)
    {
      gtk_label_set_label (self->keyring_message,
                           _("The keyring is locked, so Tollgate cannot tell which providers have a key. Unlock it and try again."));
      show_message = TRUE;
    }
  else if (self->keyring_state == KEYRING_UNAVAILABLE)
    {
      gtk_label_set_label (self->keyring_message,
                           _("The keyring is not available, so Tollgate cannot tell which providers have a key. Make sure a keyring service such as GNOME Keyring is running."));
      show_message = TRUE;
    }

  if (self->keyring_message_box != NULL)
    gtk_widget_set_visible (self->keyring_message_box, show_message);
}

static GtkWidget *
create_capability_badges (TgCapabilities capabilities)
{
  static const struct {
    TgCapabilities  flag;
    const char     *label;
  } badges[] = {
    { TG_CAPABILITY_STREAMING, N_("Streaming") },
    { TG_CAPABILITY_TOOLS,     N_("Tools") },
    { TG_CAPABILITY_VISION,    N_("Vision") },
    { TG_CAPABILITY_JSON,      N_("JSON") },
  };
  GtkWidget *grid;
  guint n = 0;

  /* Two pills a line: compact beside the model's text at 900 px and still
   * fitting at 360 px, where a line of four would not. (A GtkFlowBox cannot
   * reflow inside the row's horizontal box: it is measured for the row's
   * height.) */
  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 4);
  gtk_widget_set_valign (grid, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (grid, "capability-badges");
  gtk_accessible_update_property (GTK_ACCESSIBLE (grid),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Capabilities"),
                                  -1);

  for (guint i = 0; i < G_N_ELEMENTS (badges); i++)
    {
      GtkWidget *label;

      if ((capabilities & badges[i].flag) == 0)
        continue;

      label = gtk_label_new (_(badges[i].label));
      gtk_widget_add_css_class (label, "capability-badge");
      gtk_grid_attach (GTK_GRID (grid), label, n % 2, n / 2, 1, 1);
      n++;
    }

  return grid;
}

/* "★ Default": an icon and a word, shown on the default provider and model. */
static GtkWidget *
create_default_badge (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *icon;

  gtk_widget_add_css_class (box, "default-badge");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (box, GTK_ALIGN_END);
  icon = g_object_new (GTK_TYPE_IMAGE,
                       "icon-name", "starred-symbolic",
                       "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                       NULL);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), gtk_label_new (_("Default")));
  gtk_widget_set_visible (box, FALSE);

  return box;
}

/* A radio button in the row's prefix: one group for the providers, one for
 * the models, so exactly one of each is the default. */
static GtkWidget *
create_radio (GtkCheckButton **group,
              const char      *accessible_label)
{
  GtkWidget *check = gtk_check_button_new ();

  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label,
                                  -1);
  if (*group == NULL)
    *group = GTK_CHECK_BUTTON (check);
  else
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), *group);

  return check;
}

static void on_provider_toggled (GtkCheckButton     *check,
                                 TgProviderSelector *self);
static void on_model_toggled    (GtkCheckButton     *check,
                                 TgProviderSelector *self);

static GtkWidget *
create_model_row (TgProviderSelector        *self,
                  const TgModelCapabilities *model)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  g_autofree char *use_label = NULL;
  GtkWidget *row;
  GtkWidget *suffix;
  ModelRow *model_row;
  char *limits;
  const char *title;

  title = model->display_name != NULL && model->display_name[0] != '\0'
        ? model->display_name : model->model_id;

  if (g_strcmp0 (title, model->model_id) != 0)
    g_ptr_array_add (lines, g_strdup (model->model_id));
  if ((limits = tg_format_model_limits (model)) != NULL)
    g_ptr_array_add (lines, limits);
  g_ptr_array_add (lines, tg_format_model_prices (model));
  g_ptr_array_add (lines, NULL);
  subtitle = g_strjoinv ("\n", (char **) lines->pdata);

  row = adw_action_row_new ();
  /* Catalogue text is plain text, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (row, "model-row");

  model_row = g_new0 (ModelRow, 1);
  model_row->provider_id = g_strdup (model->provider_id);
  model_row->model_id = g_strdup (model->model_id);

  /* Translators: the accessible name of the radio button that makes a model the default */
  use_label = g_strdup_printf (_("Use %s"), title);
  model_row->check = create_radio (&self->model_group, use_label);
  g_object_set_data (G_OBJECT (model_row->check), "tg-model-row", model_row);
  g_signal_connect_object (model_row->check, "toggled", G_CALLBACK (on_model_toggled), self, 0);
  gtk_widget_set_visible (model_row->check, self->config != NULL);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), model_row->check);
  /* Clicking anywhere on the row chooses the model. */
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), model_row->check);

  /* The marker above the capabilities, in their column: beside them it
   * would squeeze the model's text at 360 px. */
  suffix = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_valign (suffix, GTK_ALIGN_CENTER);
  model_row->default_badge = create_default_badge ();
  gtk_box_append (GTK_BOX (suffix), model_row->default_badge);
  if (model->capabilities != TG_CAPABILITY_NONE)
    gtk_box_append (GTK_BOX (suffix), create_capability_badges (model->capabilities));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix);

  g_ptr_array_add (self->model_rows, model_row);

  return row;
}

static void
provider_row_update_health (TgProviderSelector *self,
                            ProviderRow        *row)
{
  g_autoptr(TgProviderHealth) health = NULL;

  if (self->health == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (row->health_row), FALSE);
      return;
    }

  health = tg_health_monitor_get_health (self->health, row->provider_id);
  tg_health_row_set_health (row->health_row, health);
  gtk_widget_set_visible (GTK_WIDGET (row->health_row), TRUE);
}

static GtkWidget *
create_provider_row (TgProviderSelector      *self,
                     const TgCatalogProvider *provider)
{
  g_autofree char *subtitle = format_provider_subtitle (provider);
  g_autofree char *use_label = NULL;
  ProviderRow *row;
  GtkWidget *expander;
  GtkWidget *status_column;
  GtkWidget *label;

  expander = adw_expander_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), provider->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);

  row = g_new0 (ProviderRow, 1);
  row->provider_id = g_strdup (provider->id);
  row->local = provider->local;

  /* Translators: the accessible name of the radio button that makes a provider the default */
  use_label = g_strdup_printf (_("Use %s"), provider->name);
  row->check = create_radio (&self->provider_group, use_label);
  g_object_set_data (G_OBJECT (row->check), "tg-provider-row", row);
  g_signal_connect_object (row->check, "toggled", G_CALLBACK (on_provider_toggled), self, 0);
  gtk_widget_set_visible (row->check, self->config != NULL);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (expander), row->check);

  /* Default, health and key, one above the other: side by side they would
   * crowd the provider's name out at 360 px. Aligned to the end, so that
   * the column lines up with the expander arrows from row to row. */
  status_column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_valign (status_column, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (status_column, 8);
  gtk_widget_set_margin_bottom (status_column, 8);
  gtk_widget_add_css_class (status_column, "provider-status");

  row->default_badge = create_default_badge ();
  gtk_box_append (GTK_BOX (status_column), row->default_badge);

  row->health_row = TG_HEALTH_ROW (tg_health_row_new ());
  gtk_widget_set_halign (GTK_WIDGET (row->health_row), GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (status_column), GTK_WIDGET (row->health_row));

  /* Icon and text: the status never rests on colour alone. */
  row->status_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (row->status_box, GTK_ALIGN_END);
  gtk_widget_add_css_class (row->status_box, "key-status");
  row->status_icon = g_object_new (GTK_TYPE_IMAGE,
                                   "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                   NULL);
  gtk_box_append (GTK_BOX (row->status_box), row->status_icon);
  /* Short texts: wrapping would break "No key" into two lines. */
  label = gtk_label_new (NULL);
  gtk_widget_add_css_class (label, "key-status-label");
  gtk_box_append (GTK_BOX (row->status_box), label);
  row->status_label = GTK_LABEL (label);
  gtk_box_append (GTK_BOX (status_column), row->status_box);

  adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), status_column);

  if (provider->models != NULL && provider->models->len > 0)
    {
      for (guint i = 0; i < provider->models->len; i++)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                  create_model_row (self, g_ptr_array_index (provider->models, i)));
    }
  else
    {
      GtkWidget *empty = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (empty),
                                     provider->local ? _("Models are discovered on the local server")
                                                     : _("The catalogue lists no models"));
      gtk_widget_add_css_class (empty, "dim-label");
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), empty);
    }

  g_ptr_array_add (self->rows, row);
  provider_row_update_status (self, row);
  provider_row_update_health (self, row);

  return expander;
}

/* The default */

/* Makes the radios and badges match the preferences. */
static void
tg_provider_selector_sync_default (TgProviderSelector *self)
{
  const TgPreferences *prefs = NULL;
  const char *provider_id = NULL;
  const char *model_id = NULL;

  if (self->config != NULL)
    {
      prefs = tg_config_service_get_preferences (self->config);
      provider_id = prefs->default_provider;
      model_id = prefs->default_model;
    }

  self->syncing = TRUE;

  for (guint i = 0; i < self->rows->len; i++)
    {
      ProviderRow *row = g_ptr_array_index (self->rows, i);
      gboolean is_default = provider_id != NULL && g_str_equal (row->provider_id, provider_id);

      gtk_widget_set_visible (row->check, self->config != NULL);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (row->check), is_default);
      gtk_widget_set_visible (row->default_badge, is_default);
    }

  for (guint i = 0; i < self->model_rows->len; i++)
    {
      ModelRow *row = g_ptr_array_index (self->model_rows, i);
      gboolean is_default = provider_id != NULL && model_id != NULL &&
                            g_str_equal (row->provider_id, provider_id) &&
                            g_str_equal (row->model_id, model_id);

      gtk_widget_set_visible (row->check, self->config != NULL);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (row->check), is_default);
      gtk_widget_set_visible (row->default_badge, is_default);
    }

  self->syncing = FALSE;
}

/* Saves a choice, or says why it cannot be saved and shows the saved one. */
static void
tg_provider_selector_choose (TgProviderSelector *self,
                             const char         *provider_id,
                             const char         *model_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (prefs->default_provider, provider_id) == 0 &&
      (model_id == NULL || g_strcmp0 (prefs->default_model, model_id) == 0))
    return;

  if (!tg_config_service_set_default_provider (self->config, provider_id, model_id, &error))
    {
      g_signal_emit (self, signals[TOAST], 0, error->message);
      tg_provider_selector_sync_default (self);
      return;
    }

  /* Saved, but requests would fail: say so now rather than at the first
   * request. Only when the keyring has answered; a local server needs none. */
  if (self->keyring_state == KEYRING_AVAILABLE &&
      !g_hash_table_contains (self->keyed_providers, provider_id))
    {
      const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, provider_id);

      if (provider != NULL && !provider->local)
        {
          g_autofree char *message = NULL;

          /* Translators: %s is a provider's name, e.g. "OpenAI" */
          message = g_strdup_printf (_("%s has no API key yet: requests will fail until one is added"),
                                     provider->name);
          g_signal_emit (self, signals[TOAST], 0, message);
        }
    }
}

static void
on_provider_toggled (GtkCheckButton     *check,
                     TgProviderSelector *self)
{
  ProviderRow *row = g_object_get_data (G_OBJECT (check), "tg-provider-row");

  if (self->syncing || self->config == NULL || !gtk_check_button_get_active (check))
    return;

  tg_provider_selector_choose (self, row->provider_id, NULL);
}

static void
on_model_toggled (GtkCheckButton     *check,
                  TgProviderSelector *self)
{
  ModelRow *row = g_object_get_data (G_OBJECT (check), "tg-model-row");

  if (self->syncing || self->config == NULL || !gtk_check_button_get_active (check))
    return;

  tg_provider_selector_choose (self, row->provider_id, row->model_id);
}

/* The fallback order */

static const char *
provider_name (TgProviderSelector *self,
               const char         *provider_id)
{
  const TgCatalogProvider *provider = NULL;

  if (self->catalog != NULL)
    provider = tg_catalog_get_provider (self->catalog, provider_id);

  return provider != NULL ? provider->name : provider_id;
}

static const char *
model_name (TgProviderSelector *self,
            const char         *provider_id,
            const char         *model_id)
{
  const TgModelCapabilities *model = NULL;

  if (self->catalog != NULL)
    model = tg_catalog_get_model (self->catalog, provider_id, model_id);

  if (model != NULL && model->display_name != NULL && model->display_name[0] != '\0')
    return model->display_name;
  return model_id;
}

/* "→ Claude Haiku (automatic)": the model a request for the default model
 * would use on @provider_id. */
static char *
format_fallback_model (TgProviderSelector *self,
                       const char         *provider_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  const TgModelCapabilities *requested = NULL;
  g_autofree char *model_id = NULL;
  gboolean is_explicit = FALSE;

  if (self->catalog != NULL && prefs->default_provider != NULL && prefs->default_model != NULL)
    requested = tg_catalog_get_model (self->catalog, prefs->default_provider, prefs->default_model);

  if (requested != NULL)
    model_id = tg_config_service_get_fallback_model (self->config, provider_id, requested, &is_explicit);
  else if ((model_id = g_strdup (g_hash_table_lookup (prefs->fallback_models, provider_id))) != NULL)
    is_explicit = TRUE;

  if (model_id == NULL && requested != NULL)
    return g_strdup (_("No model here can do what the default model does"));
  if (model_id == NULL)
    return g_strdup (_("A model that can do what the request needs"));

  if (is_explicit)
    /* Translators: the model a fallback uses, as the user chose it */
    return g_strdup_printf (_("→ %s (chosen)"), model_name (self, provider_id, model_id));

  /* Translators: the model a fallback uses, picked by Tollgate: the cheapest
   * that can do what the default model does */
  return g_strdup_printf (_("→ %s (automatic)"), model_name (self, provider_id, model_id));
}

static void
tg_provider_selector_rebuild_fallback (TgProviderSelector *self)
{
  const TgPreferences *prefs;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fallback_list))) != NULL)
    gtk_list_box_remove (self->fallback_list, child);

  gtk_widget_set_visible (self->fallback_group, self->config != NULL);
  if (self->config == NULL)
    return;

  prefs = tg_config_service_get_preferences (self->config);

  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    {
      const char *provider_id = prefs->fallback_order[i];
      g_autofree char *title = NULL;
      g_autofree char *subtitle = format_fallback_model (self, provider_id);
      GtkWidget *row = adw_action_row_new ();

      /* Translators: a place in the fallback order and a provider: "1. Anthropic" */
      title = g_strdup_printf (_("%u. %s"), i + 1, provider_name (self, provider_id));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_add_css_class (row, "fallback-row");
      gtk_list_box_append (self->fallback_list, row);
    }

  if (prefs->fallback_order[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No fallback providers"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("When the default provider is down, requests fail."));
      gtk_widget_add_css_class (row, "fallback-row");
      gtk_list_box_append (self->fallback_list, row);
    }
}

static void
tg_provider_selector_rebuild (TgProviderSelector *self)
{
  GPtrArray *providers = NULL;
  GtkWidget *child;

  /* Removing the rows ungroups their radios; nothing of that is a choice. */
  self->syncing = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->provider_list))) != NULL)
    gtk_list_box_remove (self->provider_list, child);
  self->syncing = FALSE;
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->model_rows, 0);
  self->provider_group = NULL;
  self->model_group = NULL;

  if (self->catalog != NULL)
    providers = tg_catalog_get_providers (self->catalog);

  if (providers == NULL || providers->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < providers->len; i++)
    gtk_list_box_append (self->provider_list,
                         create_provider_row (self, g_ptr_array_index (providers, i)));

  tg_provider_selector_sync_default (self);
  tg_provider_selector_rebuild_fallback (self);
  gtk_stack_set_visible_child_name (self->stack, "providers");
}

/* Live updates */

static ProviderRow *
find_provider_row (TgProviderSelector *self,
                   const char         *provider_id)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      ProviderRow *row = g_ptr_array_index (self->rows, i);

      if (g_strcmp0 (row->provider_id, provider_id) == 0)
        return row;
    }

  return NULL;
}

/* Only the row of the provider the news is about. */
static void
refresh_health (TgProviderSelector *self,
                const char         *provider_id)
{
  ProviderRow *row = find_provider_row (self, provider_id);

  if (row != NULL)
    provider_row_update_health (self, row);
}

static void
on_health_status_changed (TgHealthMonitor    *monitor,
                          const char         *provider_id,
                          int                 old_status,
                          int                 new_status,
                          TgProviderSelector *self)
{
  refresh_health (self, provider_id);
}

/* Also a new latency and age when the status stays the same. */
static void
on_health_check_completed (TgHealthMonitor    *monitor,
                           const char         *provider_id,
                           gpointer            record,
                           TgProviderSelector *self)
{
  refresh_health (self, provider_id);
}

static void
on_config_changed (TgConfigService    *config,
                   const char         *key,
                   TgProviderSelector *self)
{
  if (g_strcmp0 (key, TG_CONFIG_KEY_DEFAULT_PROVIDER) == 0 ||
      g_strcmp0 (key, TG_CONFIG_KEY_DEFAULT_MODEL) == 0)
    {
      tg_provider_selector_sync_default (self);
      /* The automatic fallback models follow the default model. */
      tg_provider_selector_rebuild_fallback (self);
    }
  else if (g_strcmp0 (key, TG_CONFIG_KEY_FALLBACK_ORDER) == 0 ||
           g_strcmp0 (key, TG_CONFIG_KEY_FALLBACK_MODELS) == 0)
    {
      tg_provider_selector_rebuild_fallback (self);
    }
}

void
tg_provider_selector_update_ages (TgProviderSelector *self,
                                  gint64              now_ms)
{
  g_return_if_fail (TG_IS_PROVIDER_SELECTOR (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      ProviderRow *row = g_ptr_array_index (self->rows, i);

      tg_health_row_update_age (row->health_row, now_ms);
    }
}

static gboolean
on_age_tick (gpointer user_data)
{
  tg_provider_selector_update_ages (user_data, g_get_real_time () / 1000);

  return G_SOURCE_CONTINUE;
}

/* Keys */

typedef struct {
  TgProviderSelector *self;
  GCancellable       *cancellable;
} ListKeysRequest;

static void
list_keys_request_free (ListKeysRequest *request)
{
  g_clear_object (&request->self);
  g_clear_object (&request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ListKeysRequest, list_keys_request_free)

static void
list_keys_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ListKeysRequest) request = user_data;
  TgProviderSelector *self = request->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) provider_ids = NULL;

  provider_ids = tg_secret_store_list_finish (TG_SECRET_STORE (object), result, &error);

  /* Superseded by a newer refresh, or the widget went away. */
  if (g_cancellable_is_cancelled (request->cancellable))
    return;

  g_clear_object (&self->list_cancellable);
  g_hash_table_remove_all (self->keyed_providers);

  if (error != NULL)
    {
      /* The message is for people debugging; the UI explains it in words. */
      g_debug ("Cannot list the providers with a key: %s", error->message);
      if (g_error_matches (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_LOCKED))
        self->keyring_state = KEYRING_LOCKED;
      else
        self->keyring_state = KEYRING_UNAVAILABLE;
    }
  else
    {
      self->keyring_state = KEYRING_AVAILABLE;
      for (guint i = 0; provider_ids != NULL && provider_ids[i] != NULL; i++)
        g_hash_table_add (self->keyed_providers, g_strdup (provider_ids[i]));
    }

  tg_provider_selector_update_key_status (self);
  g_signal_emit (self, signals[KEYS_REFRESHED], 0);
}

void
tg_provider_selector_refresh_keys (TgProviderSelector *self)
{
  ListKeysRequest *request;

  g_return_if_fail (TG_IS_PROVIDER_SELECTOR (self));

  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);

  if (self->secret_store == NULL)
    {
      self->keyring_state = KEYRING_UNKNOWN;
      g_hash_table_remove_all (self->keyed_providers);
      tg_provider_selector_update_key_status (self);
      g_signal_emit (self, signals[KEYS_REFRESHED], 0);
      return;
    }

  self->list_cancellable = g_cancellable_new ();

  request = g_new0 (ListKeysRequest, 1);
  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->list_cancellable);

  tg_secret_store_list_async (self->secret_store,
                              self->list_cancellable,
                              list_keys_cb,
                              request);
}

static void
on_try_again_clicked (TgProviderSelector *self)
{
  tg_provider_selector_refresh_keys (self);
}

/* GObject */

static void
tg_provider_selector_dispose (GObject *object)
{
  TgProviderSelector *self = TG_PROVIDER_SELECTOR (object);

  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  g_clear_handle_id (&self->age_timer, g_source_remove);

  if (self->config != NULL)
    g_signal_handlers_disconnect_by_data (self->config, self);
  if (self->health != NULL)
    g_signal_handlers_disconnect_by_data (self->health, self);

  /* Removing the rows ungroups their radios: no choice to save. */
  self->syncing = TRUE;
  /* The rows point at widgets that the template disposal destroys. */
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->model_rows, g_ptr_array_unref);
  self->provider_group = NULL;
  self->model_group = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_PROVIDER_SELECTOR);

  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->config);
  g_clear_object (&self->health);

  G_OBJECT_CLASS (tg_provider_selector_parent_class)->dispose (object);
}

static void
tg_provider_selector_finalize (GObject *object)
{
  TgProviderSelector *self = TG_PROVIDER_SELECTOR (object);

  g_clear_pointer (&self->keyed_providers, g_hash_table_unref);

  G_OBJECT_CLASS (tg_provider_selector_parent_class)->finalize (object);
}

static void
tg_provider_selector_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TgProviderSelector *self = TG_PROVIDER_SELECTOR (object);

  switch (prop_id)
    {
    case PROP_CATALOG:
      g_value_set_object (value, self->catalog);
      break;

    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secret_store);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_provider_selector_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TgProviderSelector *self = TG_PROVIDER_SELECTOR (object);

  switch (prop_id)
    {
    case PROP_CATALOG:
      tg_provider_selector_set_catalog (self, g_value_get_object (value));
      break;

    case PROP_SECRET_STORE:
      tg_provider_selector_set_secret_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_provider_selector_class_init (TgProviderSelectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_provider_selector_dispose;
  object_class->finalize = tg_provider_selector_finalize;
  object_class->get_property = tg_provider_selector_get_property;
  object_class->set_property = tg_provider_selector_set_property;

  properties[PROP_CATALOG] =
    g_param_spec_object ("catalog", NULL, NULL,
                         TG_TYPE_CATALOG,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL,
                         TG_TYPE_SECRET_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TgProviderSelector::keys-refreshed:
   *
   * The key status of every row is current: the keyring answered (or could
   * not be reached) after tg_provider_selector_refresh_keys().
   */
  signals[KEYS_REFRESHED] =
    g_signal_new ("keys-refreshed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * TgProviderSelector::toast:
   * @message: a sentence for people
   *
   * Something the user should know about what they just did: the
   * configuration service refused or could not save a choice, or the chosen
   * provider has no key yet. The window shows @message as a toast.
   */
  signals[TOAST] =
    g_signal_new ("toast",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_STRING);

  g_type_ensure (TG_TYPE_HEALTH_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-provider-selector.ui");
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, stack);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, keyring_message_box);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, keyring_message);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, provider_list);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, fallback_group);
  gtk_widget_class_bind_template_child (widget_class, TgProviderSelector, fallback_list);
  gtk_widget_class_bind_template_callback (widget_class, on_try_again_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "providerselector");
}

static void
tg_provider_selector_init (TgProviderSelector *self)
{
  g_autoptr(GFile) overrides = tg_catalog_get_overrides_file ();
  g_autofree char *overrides_path = NULL;
  g_autofree char *description = NULL;

  self->keyed_providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) provider_row_free);
  self->model_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) model_row_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Say where providers come from, so the empty page leads somewhere. */
  overrides_path = overrides != NULL ? g_file_get_parse_name (overrides) : NULL;
  /* The status page reads its description as markup. */
  if (overrides_path != NULL)
    description = g_markup_printf_escaped (_("The provider catalogue is empty. Providers can be added in %s."), overrides_path);
  else
    description = g_markup_escape_text (_("The provider catalogue is empty."), -1);
  adw_status_page_set_description (self->empty_page, description);

  tg_provider_selector_rebuild (self);
}

GtkWidget *
tg_provider_selector_new (TgCatalog     *catalog,
                          TgSecretStore *secret_store)
{
  g_return_val_if_fail (catalog == NULL || TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (secret_store == NULL || TG_IS_SECRET_STORE (secret_store), NULL);

  return g_object_new (TG_TYPE_PROVIDER_SELECTOR,
                       "catalog", catalog,
                       "secret-store", secret_store,
                       NULL);
}

TgCatalog *
tg_provider_selector_get_catalog (TgProviderSelector *self)
{
  g_return_val_if_fail (TG_IS_PROVIDER_SELECTOR (self), NULL);

  return self->catalog;
}

void
tg_provider_selector_set_catalog (TgProviderSelector *self,
                                  TgCatalog          *catalog)
{
  g_return_if_fail (TG_IS_PROVIDER_SELECTOR (self));
  g_return_if_fail (catalog == NULL || TG_IS_CATALOG (catalog));

  if (g_set_object (&self->catalog, catalog))
    {
      tg_provider_selector_rebuild (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATALOG]);
    }
}

TgSecretStore *
tg_provider_selector_get_secret_store (TgProviderSelector *self)
{
  g_return_val_if_fail (TG_IS_PROVIDER_SELECTOR (self), NULL);

  return self->secret_store;
}

void
tg_provider_selector_set_secret_store (TgProviderSelector *self,
                                       TgSecretStore      *secret_store)
{
  g_return_if_fail (TG_IS_PROVIDER_SELECTOR (self));
  g_return_if_fail (secret_store == NULL || TG_IS_SECRET_STORE (secret_store));

  if (g_set_object (&self->secret_store, secret_store))
    {
      tg_provider_selector_refresh_keys (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECRET_STORE]);
    }
}

/**
 * tg_provider_selector_set_services:
 * @config: (nullable): where the default provider and model are saved
 * @health: (nullable): whose status each provider row shows
 *
 * Without @config the rows show no radio buttons and no fallback order;
 * without @health they show no health.
 */
void
tg_provider_selector_set_services (TgProviderSelector *self,
                                   TgConfigService    *config,
                                   TgHealthMonitor    *health)
{
  g_return_if_fail (TG_IS_PROVIDER_SELECTOR (self));
  g_return_if_fail (config == NULL || TG_IS_CONFIG_SERVICE (config));
  g_return_if_fail (health == NULL || TG_IS_HEALTH_MONITOR (health));

  if (self->config != config)
    {
      if (self->config != NULL)
        g_signal_handlers_disconnect_by_data (self->config, self);
      g_set_object (&self->config, config);
      if (config != NULL)
        g_signal_connect_object (config, "changed", G_CALLBACK (on_config_changed), self, 0);

      tg_provider_selector_sync_default (self);
      tg_provider_selector_rebuild_fallback (self);
    }

  if (self->health != health)
    {
      if (self->health != NULL)
        g_signal_handlers_disconnect_by_data (self->health, self);
      g_set_object (&self->health, health);
      if (health != NULL)
        {
          g_signal_connect_object (health, "status-changed", G_CALLBACK (on_health_status_changed), self, 0);
          g_signal_connect_object (health, "check-completed", G_CALLBACK (on_health_check_completed), self, 0);
        }

      for (guint i = 0; i < self->rows->len; i++)
        provider_row_update_health (self, g_ptr_array_index (self->rows, i));

      /* One timer for the page, only while there is health to age. */
      g_clear_handle_id (&self->age_timer, g_source_remove);
      if (health != NULL)
        self->age_timer = g_timeout_add_seconds (AGE_TICK_S, on_age_tick, self);
    }
}

TgConfigService *
tg_provider_selector_get_config (TgProviderSelector *self)
{
  g_return_val_if_fail (TG_IS_PROVIDER_SELECTOR (self), NULL);

  return self->config;
}

TgHealthMonitor *
tg_provider_selector_get_health_monitor (TgProviderSelector *self)
{
  g_return_val_if_fail (TG_IS_PROVIDER_SELECTOR (self), NULL);

  return self->health;
}
