/* tg-preferences-window.c: the preferences, on four pages.
 *
 * Providers: one expander row per catalogue provider with its key, whether it
 * is enabled, its address and a connection test; then the user's custom
 * endpoints. Budget, Fallback and Health edit TgConfigService preferences.
 *
 * Every change is saved at once through the services; a refused value shows
 * the service's message and the control goes back to the stored value.
 * Key status comes from tg_secret_store_list_async(): no secret is ever loaded,
 * and a typed key leaves the entry as soon as it is applied, so no widget holds
 * a key for longer than the typing. */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-chart.h"
#include "tg-money.h"
#include "tg-preferences-window.h"
#include "tg-preferences-window-private.h"

/* How many checks a provider's history chart shows. */
#define HISTORY_LIMIT 24

typedef enum {
  KEYRING_UNKNOWN,
  KEYRING_AVAILABLE,
  KEYRING_LOCKED,
  KEYRING_UNAVAILABLE,
} KeyringState;

/* The parts of one provider's expander row. The widgets belong to the group. */
typedef struct {
  char                *provider_id;
  gboolean             keyless;
  gboolean             local;
  AdwExpanderRow      *row;
  GtkImage            *status_icon;
  AdwPasswordEntryRow *key_row;
  AdwActionRow        *remove_key_row;
  GtkButton           *remove_key_button;
  GtkSwitch           *enabled_switch;
  AdwEntryRow         *base_url_row;
  AdwActionRow        *test_row;
  GtkImage            *test_icon;
  GtkSpinner          *test_spinner;
  GtkButton           *test_button;
} ProviderWidgets;

/* The parts of one provider's rows on the Fallback page. */
typedef struct {
  char         *provider_id;
  AdwActionRow *row;
  GtkButton    *up_button;
  GtkButton    *down_button;
  AdwComboRow  *model_row;
  GPtrArray    *model_ids;   /* char*, the combo's entries after "Automatic" */
} FallbackWidgets;

struct _TgPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  TgConfigService      *config;
  TgCatalog            *catalog;
  TgSecretStore        *secret_store;
  TgHealthMonitor      *health;
  TgDb                 *db;

  GCancellable         *cancellable;
  guint                 n_pending;
  gboolean              updating;      /* widgets follow the stored values: no saving */
  KeyringState          keyring_state;
  GHashTable           *keyed;         /* provider ids with a key: a set */

  GHashTable           *providers;     /* id -> ProviderWidgets* */
  GPtrArray            *provider_rows; /* GtkWidget*, the expander rows in the group */
  GHashTable           *custom_rows;   /* id -> AdwActionRow* */
  GHashTable           *fallback;      /* id -> FallbackWidgets* */
  GPtrArray            *fallback_rows; /* GtkWidget*, rows of both fallback groups */
  GPtrArray            *add_ids;       /* char*, behind add_fallback_row's entries */
  GHashTable           *charts;        /* id -> TgChart* */
  GPtrArray            *history_boxes; /* GtkWidget* in history_box */
  GtkWindow            *dialog;        /* the dialog on screen, or NULL */

  guint                 fallback_idle;
  guint                 history_idle;
  char                 *focus_after_rebuild; /* "id:up" / "id:down" */

  GSettings            *settings;      /* nullable: no schema installed */
  TgStatusNotifier     *tray;          /* nullable: no session bus */

  /* Template children */
  AdwPreferencesGroup  *background_group;
  GtkSwitch            *run_in_background_switch;
  GtkSwitch            *start_at_login_switch;
  GtkSwitch            *notifications_switch;
  AdwActionRow         *no_tray_row;
  AdwPreferencesGroup  *providers_group;
  AdwPreferencesGroup  *custom_group;
  GtkButton            *add_endpoint_button;
  AdwActionRow         *no_custom_row;
  AdwActionRow         *budget_state_row;
  AdwEntryRow          *budget_row;
  AdwComboRow          *period_row;
  AdwEntryRow          *thresholds_row;
  GtkSwitch            *hard_limit_switch;
  GtkWidget            *budget_error_box;
  GtkLabel             *budget_error;
  AdwPreferencesGroup  *order_group;
  AdwPreferencesGroup  *models_group;
  AdwComboRow          *add_fallback_row;
  GtkButton            *add_fallback_button;
  GtkAdjustment        *interval_adjustment;
  GtkSpinButton        *interval_spin;
  GtkSwitch            *pause_switch;
  AdwPreferencesGroup  *history_group;
  AdwActionRow         *no_history_row;
  GtkBox               *history_box;
};

G_DEFINE_FINAL_TYPE (TgPreferencesWindow, tg_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_CATALOG,
  PROP_SECRET_STORE,
  PROP_HEALTH,
  PROP_DB,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void rebuild_providers   (TgPreferencesWindow *self);
static void rebuild_fallback    (TgPreferencesWindow *self);
static void rebuild_history     (TgPreferencesWindow *self);
static void refresh_keys        (TgPreferencesWindow *self);

static void
provider_widgets_free (ProviderWidgets *widgets)
{
  g_free (widgets->provider_id);
  g_free (widgets);
}

static void
fallback_widgets_free (FallbackWidgets *widgets)
{
  g_free (widgets->provider_id);
  g_clear_pointer (&widgets->model_ids, g_ptr_array_unref);
  g_free (widgets);
}

/* Asynchronous calls hold the window and name the provider by id: the rows
 * may be rebuilt, or the window closed, before the answer comes. */
typedef struct {
  TgPreferencesWindow *self;
  char                *provider_id;
} AsyncData;

static AsyncData *
async_data_new (TgPreferencesWindow *self,
                const char          *provider_id)
{
  AsyncData *data = g_new0 (AsyncData, 1);

  data->self = g_object_ref (self);
  data->provider_id = g_strdup (provider_id);
  self->n_pending++;
  return data;
}

static void
async_data_free (AsyncData *data)
{
  data->self->n_pending--;
  g_object_unref (data->self);
  g_free (data->provider_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AsyncData, async_data_free)

static gboolean
async_is_stale (AsyncData    *data,
                const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_cancellable_is_cancelled (data->self->cancellable);
}

static void
toast (TgPreferencesWindow *self,
       const char          *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static const char *
provider_name (TgPreferencesWindow *self,
               const char          *provider_id)
{
  const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, provider_id);

  return provider != NULL ? provider->name : provider_id;
}

static void
label_control (GtkWidget  *control,
               const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GtkWidget *
icon_button (const char *icon_name,
             const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  label_control (button, label);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
remove_rows (AdwPreferencesGroup *group,
             GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

/* Confirmation dialogs */

typedef void (*ConfirmFunc) (TgPreferencesWindow *self,
                             const char          *provider_id);

static void
dialog_destroyed_cb (TgPreferencesWindow *self,
                     GtkWidget           *dialog)
{
  if (self->dialog == GTK_WINDOW (dialog))
    self->dialog = NULL;
}

static void
track_dialog (TgPreferencesWindow *self,
              GtkWindow           *dialog)
{
  self->dialog = dialog;
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroyed_cb), self, G_CONNECT_SWAPPED);
}

static void
confirm_response_cb (AdwMessageDialog    *dialog,
                     const char          *response,
                     TgPreferencesWindow *self)
{
  ConfirmFunc func = g_object_get_data (G_OBJECT (dialog), "confirm-func");
  const char *provider_id = g_object_get_data (G_OBJECT (dialog), "provider-id");

  if (g_str_equal (response, "remove"))
    func (self, provider_id);
}

static void
confirm (TgPreferencesWindow *self,
         const char          *heading,
         const char          *body,
         const char          *provider_id,
         ConfirmFunc          func)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "provider-id", g_strdup (provider_id), g_free);
  g_object_set_data (G_OBJECT (dialog), "confirm-func", func);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  track_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Providers: key status */

static void
update_key_status (TgPreferencesWindow *self,
                   ProviderWidgets     *widgets)
{
  gboolean keyed = g_hash_table_contains (self->keyed, widgets->provider_id);
  const char *icon_name;
  const char *text;

  if (widgets->keyless)
    {
      icon_name = "computer-symbolic";
      text = widgets->local ? _("Local, no key needed") : _("No key needed");
    }
  else if (self->keyring_state == KEYRING_LOCKED)
    {
      icon_name = "dialog-warning-symbolic";
      text = _("Keyring locked");
    }
  else if (self->keyring_state == KEYRING_UNAVAILABLE)
    {
      icon_name = "dialog-warning-symbolic";
      text = _("Keyring unavailable");
    }
  else if (keyed)
    {
      icon_name = "emblem-ok-symbolic";
      text = _("Key stored");
    }
  else
    {
      icon_name = "dialog-password-symbolic";
      text = self->keyring_state == KEYRING_UNKNOWN ? "" : _("No key");
    }

  adw_expander_row_set_subtitle (widgets->row, text);
  gtk_image_set_from_icon_name (widgets->status_icon, icon_name);
  label_control (GTK_WIDGET (widgets->status_icon), text);
  gtk_widget_set_visible (GTK_WIDGET (widgets->status_icon), text[0] != '\0');

  if (widgets->key_row != NULL)
    {
      /* The title stands in for a placeholder: the stored key is never loaded. */
      const char *title = keyed ? _("A key is stored; type a new one to replace it") : _("API Key");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widgets->key_row), title);
      /* The whole sentence, where a narrow window cuts the title. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (widgets->key_row), title);
      gtk_widget_set_visible (GTK_WIDGET (widgets->remove_key_row), keyed);
    }
}

/* Which providers are in use: the explicit list, or when it is empty, every
 * provider with a key and every keyless one (TgConfigService's meaning). */
static gboolean
provider_is_enabled (TgPreferencesWindow *self,
                     const char          *provider_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  const TgCatalogProvider *provider;

  if (prefs->enabled_providers[0] != NULL)
    return g_strv_contains ((const char * const *) prefs->enabled_providers, provider_id);

  provider = tg_catalog_get_provider (self->catalog, provider_id);
  return provider != NULL &&
         (provider->auth_style == TG_AUTH_STYLE_NONE || g_hash_table_contains (self->keyed, provider_id));
}

static void
sync_enabled_switches (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  /* With the implicit list, what is on depends on the keys: wait for them. */
  gboolean known = self->keyring_state != KEYRING_UNKNOWN || prefs->enabled_providers[0] != NULL;
  gboolean was_updating = self->updating;
  GHashTableIter iter;
  ProviderWidgets *widgets;

  self->updating = TRUE;
  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &widgets))
    {
      gtk_switch_set_active (widgets->enabled_switch, provider_is_enabled (self, widgets->provider_id));
      gtk_widget_set_sensitive (GTK_WIDGET (widgets->enabled_switch), known);
    }
  self->updating = was_updating;
}

static void
list_keys_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AsyncData) data = user_data;
  TgPreferencesWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_finish (TG_SECRET_STORE (source), result, &error);
  GHashTableIter iter;
  ProviderWidgets *widgets;

  if (async_is_stale (data, error))
    return;

  g_hash_table_remove_all (self->keyed);
  if (error != NULL)
    self->keyring_state = g_error_matches (error, TG_SECRET_STORE_ERROR, TG_SECRET_STORE_ERROR_LOCKED)
                          ? KEYRING_LOCKED : KEYRING_UNAVAILABLE;
  else
    self->keyring_state = KEYRING_AVAILABLE;

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    g_hash_table_add (self->keyed, g_strdup (ids[i]));

  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &widgets))
    update_key_status (self, widgets);
  sync_enabled_switches (self);
}

static void
refresh_keys (TgPreferencesWindow *self)
{
  tg_secret_store_list_async (self->secret_store, self->cancellable, list_keys_cb,
                              async_data_new (self, NULL));
}

/* Providers: storing and removing keys */

/* After a keyring change (@stored: a key was stored, else removed): says how
 * it went, then asks for the key list again. */
static void
key_changed (AsyncData    *data,
             const GError *error,
             gboolean      stored)
{
  const char *name = provider_name (data->self, data->provider_id);
  g_autofree char *message = NULL;

  if (async_is_stale (data, error))
    return;
  if (error != NULL)
    message = stored ? g_strdup_printf (_("The key for %s was not stored: %s"), name, error->message)
                     : g_strdup_printf (_("The key for %s was not removed: %s"), name, error->message);
  else
    message = stored ? g_strdup_printf (_("Key stored for %s"), name)
                     : g_strdup_printf (_("Key removed for %s"), name);
  toast (data->self, message);
  refresh_keys (data->self);
}

static void
store_key_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AsyncData) data = user_data;
  g_autoptr(GError) error = NULL;

  tg_secret_store_store_finish (TG_SECRET_STORE (source), result, &error);
  key_changed (data, error, TRUE);
}

static void
key_apply_cb (AdwPasswordEntryRow *row,
              TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (row), "provider-id");
  g_autofree char *key = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  /* Out of the widget before anything else: it only lives in the keyring. */
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  if (key[0] != '\0')
    tg_secret_store_store_async (self->secret_store, provider_id, key, self->cancellable,
                                 store_key_cb, async_data_new (self, provider_id));
  memset (key, 0, strlen (key));
}

static void
delete_key_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AsyncData) data = user_data;
  g_autoptr(GError) error = NULL;

  tg_secret_store_delete_finish (TG_SECRET_STORE (source), result, NULL, &error);
  key_changed (data, error, FALSE);
}

static void
remove_key_confirmed (TgPreferencesWindow *self,
                      const char          *provider_id)
{
  tg_secret_store_delete_async (self->secret_store, provider_id, self->cancellable,
                                delete_key_cb, async_data_new (self, provider_id));
}

static void
remove_key_clicked_cb (GtkButton           *button,
                       TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (button), "provider-id");
  g_autofree char *heading = g_strdup_printf (_("Remove the Key for %s?"), provider_name (self, provider_id));

  confirm (self, heading, _("Tollgate can no longer use this provider until you store a key again."),
           provider_id, remove_key_confirmed);
}

/* Providers: enabled switch, address, connection test */

static void
enabled_toggled_cb (GtkSwitch           *sw,
                    GParamSpec          *pspec,
                    TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (sw), "provider-id");
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *providers = tg_catalog_get_providers (self->catalog);
  gboolean active = gtk_switch_get_active (sw);

  if (self->updating)
    return;

  /* The switches write the explicit list of what stays on, in catalogue
   * order; an empty list would mean "every provider with a key", so turning
   * the last one off is refused instead. */
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      gboolean on = g_str_equal (provider->id, provider_id) ? active : provider_is_enabled (self, provider->id);

      if (on)
        g_ptr_array_add (ids, provider->id);
    }
  g_ptr_array_add (ids, NULL);

  if (ids->len == 1)
    g_set_error_literal (&error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_VALUE,
                         _("Keep at least one provider enabled."));
  else
    tg_config_service_set_enabled_providers (self->config, (const char * const *) ids->pdata, &error);

  if (error != NULL)
    {
      toast (self, error->message);
      sync_enabled_switches (self);
    }
}

static void
base_url_apply_cb (AdwEntryRow         *row,
                   TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (row), "provider-id");
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(GError) error = NULL;
  const TgCatalogProvider *provider;

  if (!tg_catalog_set_base_url (self->catalog, provider_id, url, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      toast (self, error->message);
      return;
    }
  if (self->db != NULL && !tg_catalog_sync_to_db (self->catalog, self->db, &error))
    toast (self, error->message);

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  provider = tg_catalog_get_provider (self->catalog, provider_id);
  gtk_editable_set_text (GTK_EDITABLE (row), provider->base_url);
  toast (self, url[0] != '\0' ? _("Address saved") : _("Back to the catalogue’s address"));
}

static void
set_test_result (ProviderWidgets *widgets,
                 const char      *icon_name,
                 const char      *text)
{
  gtk_spinner_stop (widgets->test_spinner);
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_spinner), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (widgets->test_button), TRUE);
  gtk_image_set_from_icon_name (widgets->test_icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_icon), icon_name != NULL);
  adw_action_row_set_subtitle (widgets->test_row, text);
}

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(AsyncData) data = user_data;
  TgPreferencesWindow *self = data->self;
  TgHealthMonitor *health = TG_HEALTH_MONITOR (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgProviderHealth) state = NULL;
  g_autoptr(GPtrArray) last = NULL;
  g_autofree char *text = NULL;
  ProviderWidgets *widgets;
  gint64 latency = -1;

  if (!tg_health_monitor_check_finish (health, result, &error) && async_is_stale (data, error))
    return;
  widgets = g_hash_table_lookup (self->providers, data->provider_id);
  if (widgets == NULL)
    return;

  state = tg_health_monitor_get_health (health, data->provider_id);
  if (error == NULL && state->last_error != NULL && state->last_ok_ms < state->last_check_ms)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, state->last_error);
  if (error != NULL)
    {
      text = g_strdup_printf (_("Failed: %s"), error->message);
      set_test_result (widgets, "dialog-error-symbolic", text);
      return;
    }

  /* This check's own latency; the window's median without a store. */
  last = tg_health_monitor_list_history (health, data->provider_id, 1);
  latency = last->len > 0 ? ((TgHealthRecord *) last->pdata[0])->latency_ms : state->latency_p50_ms;
  if (latency >= 0)
    {
      /* Formatted apart: xgettext cannot read G_GINT64_FORMAT in a message. */
      g_autofree char *ms = g_strdup_printf ("%" G_GINT64_FORMAT, latency);

      /* TRANSLATORS: a health status, then a latency: "Healthy · 142 ms" */
      text = g_strdup_printf (_("%s · %s ms"), tg_health_status_get_label (state->status), ms);
    }
  else
    text = g_strdup (tg_health_status_get_label (state->status));
  set_test_result (widgets, state->status == TG_HEALTH_STATUS_HEALTHY ? "emblem-ok-symbolic"
                                                                     : "dialog-warning-symbolic", text);
}

static void
test_clicked_cb (GtkButton           *button,
                 TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (button), "provider-id");
  ProviderWidgets *widgets = g_hash_table_lookup (self->providers, provider_id);

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_icon), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_spinner), TRUE);
  gtk_spinner_start (widgets->test_spinner);
  adw_action_row_set_subtitle (widgets->test_row, _("Checking…"));
  tg_health_monitor_check_async (self->health, provider_id, self->cancellable, check_cb,
                                 async_data_new (self, provider_id));
}

/* Providers: rows */

static GtkWidget *
add_row (AdwExpanderRow *expander,
         GtkWidget      *row,
         const char     *provider_id)
{
  g_object_set_data_full (G_OBJECT (row), "provider-id", g_strdup (provider_id), g_free);
  adw_expander_row_add_row (expander, row);
  return row;
}

static GtkWidget *
switch_row (const char  *title,
            const char  *subtitle,
            GtkSwitch  **out_switch)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *sw = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  *out_switch = GTK_SWITCH (sw);
  return row;
}

static ProviderWidgets *
build_provider (TgPreferencesWindow     *self,
                const TgCatalogProvider *provider)
{
  ProviderWidgets *widgets = g_new0 (ProviderWidgets, 1);
  const char *id = provider->id;
  GtkWidget *row;
  GtkWidget *button;

  widgets->provider_id = g_strdup (id);
  widgets->keyless = provider->auth_style == TG_AUTH_STYLE_NONE;
  widgets->local = provider->local;
  widgets->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widgets->row), provider->name);
  widgets->status_icon = GTK_IMAGE (gtk_image_new ());
  adw_expander_row_add_prefix (widgets->row, GTK_WIDGET (widgets->status_icon));

  if (!widgets->keyless)
    {
      row = adw_password_entry_row_new ();
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      g_signal_connect_object (row, "apply", G_CALLBACK (key_apply_cb), self, 0);
      widgets->key_row = ADW_PASSWORD_ENTRY_ROW (add_row (widgets->row, row, id));

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Stored Key"));
      button = gtk_button_new_with_mnemonic (_("Remove _Key"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "destructive-action");
      g_object_set_data_full (G_OBJECT (button), "provider-id", g_strdup (id), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (remove_key_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      widgets->remove_key_button = GTK_BUTTON (button);
      widgets->remove_key_row = ADW_ACTION_ROW (add_row (widgets->row, row, id));
    }

  row = switch_row (_("_Enabled"), _("Send requests here and check its health"), &widgets->enabled_switch);
  g_object_set_data_full (G_OBJECT (widgets->enabled_switch), "provider-id", g_strdup (id), g_free);
  {
    /* Many rows say "Enabled": the label says which. */
    g_autofree char *label = g_strdup_printf (_("%s Enabled"), provider->name);
    label_control (GTK_WIDGET (widgets->enabled_switch), label);
  }
  gtk_switch_set_active (widgets->enabled_switch, provider_is_enabled (self, id));
  gtk_widget_set_sensitive (GTK_WIDGET (widgets->enabled_switch),
                            self->keyring_state != KEYRING_UNKNOWN ||
                            tg_config_service_get_preferences (self->config)->enabled_providers[0] != NULL);
  g_signal_connect_object (widgets->enabled_switch, "notify::active", G_CALLBACK (enabled_toggled_cb), self, 0);
  add_row (widgets->row, row, id);

  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 provider->user_defined ? _("Address")
                                                        : _("Address (empty: the catalogue’s)"));
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row), GTK_INPUT_PURPOSE_URL);
  gtk_editable_set_text (GTK_EDITABLE (row), provider->base_url);
  g_signal_connect_object (row, "apply", G_CALLBACK (base_url_apply_cb), self, 0);
  widgets->base_url_row = ADW_ENTRY_ROW (add_row (widgets->row, row, id));

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Connection"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Not tested"));
  widgets->test_icon = GTK_IMAGE (gtk_image_new ());
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_icon), FALSE);
  /* A suffix: a hidden prefix would still indent the title. */
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (widgets->test_icon));
  widgets->test_spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (widgets->test_spinner), FALSE);
  label_control (GTK_WIDGET (widgets->test_spinner), _("Checking"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (widgets->test_spinner));
  button = gtk_button_new_with_mnemonic (_("_Test Connection"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "provider-id", g_strdup (id), g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (test_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  widgets->test_button = GTK_BUTTON (button);
  widgets->test_row = ADW_ACTION_ROW (add_row (widgets->row, row, id));

  update_key_status (self, widgets);
  return widgets;
}

/* Custom endpoints */

static void
remove_endpoint_confirmed (TgPreferencesWindow *self,
                           const char          *provider_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) order = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) enabled = g_strv_builder_new ();
  g_auto(GStrv) order_ids = NULL;
  g_auto(GStrv) enabled_ids = NULL;
  g_autofree char *name = g_strdup (provider_name (self, provider_id));
  g_autofree char *message = NULL;

  /* The preferences first, so that they never name a provider that is gone.
   * Everything is read before the first change: that replaces @prefs. */
  gboolean in_order = g_strv_contains ((const char * const *) prefs->fallback_order, provider_id);
  gboolean in_enabled = g_strv_contains ((const char * const *) prefs->enabled_providers, provider_id);
  gboolean is_default = g_strcmp0 (prefs->default_provider, provider_id) == 0;
  gboolean is_mapped = g_hash_table_contains (prefs->fallback_models, provider_id);

  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    if (!g_str_equal (prefs->fallback_order[i], provider_id))
      g_strv_builder_add (order, prefs->fallback_order[i]);
  for (guint i = 0; prefs->enabled_providers[i] != NULL; i++)
    if (!g_str_equal (prefs->enabled_providers[i], provider_id))
      g_strv_builder_add (enabled, prefs->enabled_providers[i]);
  order_ids = g_strv_builder_end (order);
  enabled_ids = g_strv_builder_end (enabled);
  prefs = NULL;

  if ((is_mapped && !tg_config_service_set_fallback_model (self->config, provider_id, NULL, &error)) ||
      (in_order && !tg_config_service_set_fallback_order (self->config, (const char * const *) order_ids, &error)) ||
      (in_enabled && !tg_config_service_set_enabled_providers (self->config, (const char * const *) enabled_ids, &error)) ||
      (is_default && !tg_config_service_set_default_provider (self->config, NULL, NULL, &error)))
    {
      toast (self, error->message);
      return;
    }

  if (!tg_catalog_remove_user_provider (self->catalog, self->db, provider_id, &error))
    {
      toast (self, error->message);
      return;
    }

  message = g_strdup_printf (_("Removed %s"), name);
  toast (self, message);
  rebuild_providers (self);
  rebuild_fallback (self);
  rebuild_history (self);
}

static void
remove_endpoint_clicked_cb (GtkButton           *button,
                            TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (button), "provider-id");
  g_autofree char *heading = g_strdup_printf (_("Remove %s?"), provider_name (self, provider_id));

  confirm (self, heading, _("Its models go from Tollgate. The usage already recorded stays."),
           provider_id, remove_endpoint_confirmed);
}

static void
add_custom_row (TgPreferencesWindow     *self,
                const TgCatalogProvider *provider)
{
  g_autofree char *label = g_strdup_printf (_("Remove %s"), provider->name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = icon_button ("user-trash-symbolic", label);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), provider->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), provider->base_url);
  g_object_set_data_full (G_OBJECT (button), "provider-id", g_strdup (provider->id), g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (remove_endpoint_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (self->custom_group, row);
  g_hash_table_insert (self->custom_rows, g_strdup (provider->id), row);
}

static void
rebuild_providers (TgPreferencesWindow *self)
{
  GPtrArray *providers = tg_catalog_get_providers (self->catalog);
  GHashTableIter iter;
  GtkWidget *row;

  remove_rows (self->providers_group, self->provider_rows);
  g_hash_table_remove_all (self->providers);
  g_hash_table_iter_init (&iter, self->custom_rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    adw_preferences_group_remove (self->custom_group, row);
  g_hash_table_remove_all (self->custom_rows);

  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      ProviderWidgets *widgets = build_provider (self, provider);

      adw_preferences_group_add (self->providers_group, GTK_WIDGET (widgets->row));
      g_ptr_array_add (self->provider_rows, widgets->row);
      g_hash_table_insert (self->providers, widgets->provider_id, widgets);
      if (provider->user_defined)
        add_custom_row (self, provider);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_custom_row), g_hash_table_size (self->custom_rows) == 0);
}

/* The "Add Endpoint" dialog */

typedef struct {
  AdwEntryRow *name;
  AdwEntryRow *id;
  AdwEntryRow *base_url;
  AdwEntryRow *model;
  AdwEntryRow *input_price;
  AdwEntryRow *output_price;
  GtkSwitch   *needs_key;
  GtkLabel    *error;
} EndpointForm;

static const char *
form_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
parse_dollars (const char *text,
               gint64     *out_micros)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  const char *digits = copy[0] == '$' ? copy + 1 : copy;

  if (digits[0] == '\0')
    {
      *out_micros = 0;
      return TRUE;
    }
  return tg_money_parse_micros (digits, out_micros);
}

static gboolean
id_is_valid (const char *id)
{
  if (id[0] == '\0')
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && strchr ("-_.", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
add_endpoint (TgPreferencesWindow *self,
              EndpointForm        *form,
              GError             **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *id = g_strstrip (g_strdup (form_text (form->id)));
  g_autofree char *name = g_strstrip (g_strdup (form_text (form->name)));
  g_autofree char *base_url = g_strstrip (g_strdup (form_text (form->base_url)));
  g_autofree char *model_id = g_strstrip (g_strdup (form_text (form->model)));
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_model_capabilities_free);
  TgModelCapabilities *model = tg_model_capabilities_new ();
  TgCatalogProvider provider = { 0 };

  g_ptr_array_add (models, model);
  if (!id_is_valid (id))
    {
      g_set_error_literal (error, TG_CATALOG_ERROR, TG_CATALOG_ERROR_INVALID,
                           _("The ID may use only lowercase letters, digits, “-”, “_” and “.”, and must not be empty."));
      return FALSE;
    }
  if (!g_str_has_prefix (base_url, "http://") && !g_str_has_prefix (base_url, "https://"))
    {
      g_set_error_literal (error, TG_CATALOG_ERROR, TG_CATALOG_ERROR_INVALID,
                           _("The address must start with http:// or https://, such as http://localhost:8080/v1."));
      return FALSE;
    }
  if (model_id[0] == '\0')
    {
      g_set_error_literal (error, TG_CATALOG_ERROR, TG_CATALOG_ERROR_INVALID,
                           _("Name the model the server runs, such as “llama3.1:8b”."));
      return FALSE;
    }
  if (!parse_dollars (form_text (form->input_price), &model->price_input_micros) ||
      !parse_dollars (form_text (form->output_price), &model->price_output_micros))
    {
      g_set_error_literal (error, TG_CATALOG_ERROR, TG_CATALOG_ERROR_INVALID,
                           _("Prices are dollars per million tokens, such as 0.50, or empty for free."));
      return FALSE;
    }

  /* As `tollgate provider add` does: an OpenAI-compatible server, by default
   * one that wants no key, with generous limits since they are unknown. */
  model->provider_id = g_strdup (id);
  model->model_id = g_strdup (model_id);
  model->display_name = g_strdup (model_id);
  model->price_cached_input_micros = model->price_input_micros;
  model->context_window = 131072;
  model->max_output = 131072;
  model->capabilities = TG_CAPABILITY_STREAMING;
  model->source = TG_CAPABILITY_SOURCE_USER;

  provider.id = id;
  provider.name = name[0] != '\0' ? name : id;
  provider.wire_format = TG_WIRE_FORMAT_OPENAI;
  provider.base_url = base_url;
  provider.auth_style = gtk_switch_get_active (form->needs_key) ? TG_AUTH_STYLE_BEARER : TG_AUTH_STYLE_NONE;
  provider.health_path = (char *) "/models";
  provider.prices_as_of = today;
  provider.local = g_str_has_prefix (base_url, "http://127.") ||
                   g_str_has_prefix (base_url, "http://localhost") ||
                   g_str_has_prefix (base_url, "http://[::1]");
  provider.default_model = model_id;
  provider.user_defined = TRUE;
  provider.models = models;

  if (!tg_catalog_save_user_provider (self->catalog, &provider, error))
    return FALSE;
  return self->db == NULL || tg_catalog_sync_to_db (self->catalog, self->db, error);
}

static void
endpoint_add_clicked_cb (GtkButton           *button,
                         TgPreferencesWindow *self)
{
  GtkWindow *dialog = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button)));
  EndpointForm *form = g_object_get_data (G_OBJECT (dialog), "form");
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = NULL;

  if (!add_endpoint (self, form, &error))
    {
      gtk_label_set_text (form->error, error->message);
      gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (form->error)), TRUE);
      return;
    }

  name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->name)));
  message = g_strdup_printf (_("Added %s"), name[0] != '\0' ? name : form_text (form->id));
  gtk_window_destroy (dialog);
  toast (self, message);
  rebuild_providers (self);
  rebuild_fallback (self);
}

static AdwEntryRow *
form_row (AdwPreferencesGroup *group,
          const char          *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  /* Enter in any field adds, as the default button would. */
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  adw_preferences_group_add (group, row);
  return ADW_ENTRY_ROW (row);
}

static void
add_endpoint_clicked_cb (TgPreferencesWindow *self)
{
  EndpointForm *form = g_new0 (EndpointForm, 1);
  GtkWidget *dialog = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *add = gtk_button_new_with_mnemonic (_("_Add"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *prices = adw_preferences_group_new ();
  GtkWidget *errors = adw_preferences_group_new ();
  GtkWidget *error_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *error_label = gtk_label_new (NULL);
  GtkEventController *shortcuts;

  gtk_window_set_title (GTK_WINDOW (dialog), _("Add Endpoint"));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 480, 680);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_object_set_data_full (G_OBJECT (dialog), "form", form, g_free);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), dialog);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  gtk_widget_add_css_class (add, "suggested-action");
  g_signal_connect_object (add, "clicked", G_CALLBACK (endpoint_add_clicked_cb), self, 0);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), add);
  gtk_window_set_default_widget (GTK_WINDOW (dialog), add);
  gtk_box_append (GTK_BOX (box), header);

  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("A server with an OpenAI-compatible API, such as llama.cpp, vLLM or LM Studio."));
  form->name = form_row (ADW_PREFERENCES_GROUP (group), _("_Name"));
  form->id = form_row (ADW_PREFERENCES_GROUP (group), _("_ID (lowercase, such as my-server)"));
  form->base_url = form_row (ADW_PREFERENCES_GROUP (group), _("_Address, such as http://localhost:8080/v1"));
  adw_entry_row_set_input_purpose (form->base_url, GTK_INPUT_PURPOSE_URL);
  form->model = form_row (ADW_PREFERENCES_GROUP (group), _("_Model"));
  {
    GtkWidget *row = switch_row (_("Needs an API _Key"), _("Sent as a bearer token; store it on the Providers page"),
                                 &form->needs_key);

    label_control (GTK_WIDGET (form->needs_key), _("Needs an API Key"));
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (prices), _("Prices (optional)"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (prices), _("US dollars per million tokens; empty for free."));
  form->input_price = form_row (ADW_PREFERENCES_GROUP (prices), _("_Input"));
  form->output_price = form_row (ADW_PREFERENCES_GROUP (prices), _("_Output"));

  gtk_widget_add_css_class (error_box, "error");
  gtk_widget_set_visible (error_box, FALSE);
  gtk_box_append (GTK_BOX (error_box), gtk_image_new_from_icon_name ("dialog-error-symbolic"));
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_set_hexpand (error_label, TRUE);
  gtk_box_append (GTK_BOX (error_box), error_label);
  form->error = GTK_LABEL (error_label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (errors), error_box);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (prices));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (errors));
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (dialog), box);

  /* Escape cancels, as in a dialog. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (dialog, shortcuts);

  track_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (form->name));
}

/* Budget */

static char *
format_dollars (gint64 micros)
{
  g_autofree char *text = tg_money_format (micros);

  /* The row's title says the currency. */
  return g_strdup (text[0] == '$' ? text + 1 : text);
}

static void
sync_budget (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  g_autoptr(GString) thresholds = g_string_new (NULL);
  g_autofree char *amount = NULL;
  g_autofree char *state = NULL;
  gboolean was_updating = self->updating;

  self->updating = TRUE;
  if (prefs->budget_micros > 0)
    {
      g_autofree char *money = tg_money_format (prefs->budget_micros);

      amount = format_dollars (prefs->budget_micros);
      switch (prefs->budget_period)
        {
        case TG_BUDGET_PERIOD_DAILY:  state = g_strdup_printf (_("%s a day"), money); break;
        case TG_BUDGET_PERIOD_WEEKLY: state = g_strdup_printf (_("%s a week"), money); break;
        default:                      state = g_strdup_printf (_("%s a month"), money); break;
        }
    }
  gtk_editable_set_text (GTK_EDITABLE (self->budget_row), amount != NULL ? amount : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->budget_state_row), state != NULL ? state : _("No budget"));
  adw_combo_row_set_selected (self->period_row, (guint) prefs->budget_period);

  for (guint i = 0; i < prefs->n_alert_thresholds; i++)
    g_string_append_printf (thresholds, "%s%u", i > 0 ? ", " : "", prefs->alert_thresholds[i]);
  gtk_editable_set_text (GTK_EDITABLE (self->thresholds_row), thresholds->str);
  gtk_switch_set_active (self->hard_limit_switch, prefs->hard_limit);
  self->updating = was_updating;
}

/* Shows @error under the budget rows (NULL: clears it) and puts the rows
 * back to what is stored. */
static void
budget_result (TgPreferencesWindow *self,
               GtkWidget           *row,
               const GError        *error)
{
  gtk_label_set_text (self->budget_error, error != NULL ? error->message : "");
  gtk_widget_set_visible (self->budget_error_box, error != NULL);
  if (error != NULL)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
  sync_budget (self);
}

/* set_budget() refuses 0; the whole preferences accept it as "no budget". */
static void
save_budget (TgPreferencesWindow *self,
             gint64               micros,
             TgBudgetPeriod       period,
             GError             **error)
{
  g_autoptr(TgPreferences) prefs = tg_preferences_copy (tg_config_service_get_preferences (self->config));

  prefs->budget_micros = micros;
  prefs->budget_period = period;
  tg_config_service_apply (self->config, prefs, error);
}

static void
budget_apply_cb (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->budget_row));
  g_autoptr(GError) error = NULL;
  gint64 micros = 0;

  if (!parse_dollars (text, &micros))
    g_set_error (&error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_BUDGET,
                 _("“%s” is not an amount in dollars, such as 25 or 12.50."), text);
  else
    save_budget (self, micros, prefs->budget_period, &error);
  budget_result (self, GTK_WIDGET (self->budget_row), error);
}

static void
period_selected_cb (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  g_autoptr(GError) error = NULL;

  if (self->updating)
    return;
  save_budget (self, prefs->budget_micros, (TgBudgetPeriod) adw_combo_row_get_selected (self->period_row), &error);
  budget_result (self, GTK_WIDGET (self->period_row), error);
}

/* "50, 80, 100" or "50 80 100"; the service checks order and range. */
static gboolean
parse_thresholds (const char  *text,
                  guint       *percents,
                  guint       *n_percents,
                  GError     **error)
{
  g_auto(GStrv) parts = g_regex_split_simple ("[,;\\s]+", text, 0, 0);
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *number = NULL;
      guint64 value;

      if (parts[i][0] == '\0')
        continue;
      if (n == TG_MAX_ALERT_THRESHOLDS)
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_THRESHOLDS,
                       _("At most %d alert thresholds, such as 50, 80, 100."), TG_MAX_ALERT_THRESHOLDS);
          return FALSE;
        }
      /* "80%" reads as 80. */
      number = g_str_has_suffix (parts[i], "%") ? g_strndup (parts[i], strlen (parts[i]) - 1) : g_strdup (parts[i]);
      if (!g_ascii_string_to_unsigned (number, 10, 0, 1000, &value, NULL))
        {
          g_set_error (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_INVALID_THRESHOLDS,
                       _("“%s” is not a whole percentage: write thresholds such as 50, 80, 100."), parts[i]);
          return FALSE;
        }
      percents[n++] = (guint) value;
    }
  *n_percents = n;
  return TRUE;
}

static void
thresholds_apply_cb (TgPreferencesWindow *self)
{
  guint percents[TG_MAX_ALERT_THRESHOLDS];
  guint n = 0;
  g_autoptr(GError) error = NULL;

  if (parse_thresholds (gtk_editable_get_text (GTK_EDITABLE (self->thresholds_row)), percents, &n, &error))
    tg_config_service_set_alert_thresholds (self->config, percents, n, &error);
  budget_result (self, GTK_WIDGET (self->thresholds_row), error);
}

static void
hard_limit_toggled_cb (TgPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating)
    return;
  tg_config_service_set_hard_limit (self->config, gtk_switch_get_active (self->hard_limit_switch), &error);
  budget_result (self, GTK_WIDGET (self->hard_limit_switch), error);
}

/* Fallback */

static gboolean
fallback_idle_cb (gpointer user_data)
{
  TgPreferencesWindow *self = user_data;

  self->fallback_idle = 0;
  rebuild_fallback (self);
  return G_SOURCE_REMOVE;
}

/* Rebuilds happen later when a change may come from a widget in the rows. */
static void
schedule_fallback_rebuild (TgPreferencesWindow *self)
{
  if (self->fallback_idle == 0)
    self->fallback_idle = g_idle_add (fallback_idle_cb, self);
}

static void
move_fallback (TgPreferencesWindow *self,
               const char          *provider_id,
               int                  to)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length (prefs->fallback_order);

  for (guint i = 0; i < n; i++)
    if (!g_str_equal (prefs->fallback_order[i], provider_id))
      g_ptr_array_add (order, prefs->fallback_order[i]);
  /* @to < 0: removed. */
  if (to >= 0)
    g_ptr_array_insert (order, MIN ((guint) to, order->len), (gpointer) provider_id);
  g_ptr_array_add (order, NULL);

  if (!tg_config_service_set_fallback_order (self->config, (const char * const *) order->pdata, &error))
    toast (self, error->message);
}

static int
fallback_index (TgPreferencesWindow *self,
                const char          *provider_id)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);

  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    if (g_str_equal (prefs->fallback_order[i], provider_id))
      return (int) i;
  return -1;
}

static void
move_clicked_cb (GtkButton           *button,
                 TgPreferencesWindow *self)
{
  const char *provider_id = g_object_get_data (G_OBJECT (button), "provider-id");
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "delta"));
  int index = fallback_index (self, provider_id);

  if (index < 0)
    return;
  g_free (self->focus_after_rebuild);
  self->focus_after_rebuild = g_strdup_printf ("%s:%s", provider_id, delta < 0 ? "up" : "down");
  move_fallback (self, provider_id, index + delta);
}

static void
remove_fallback_clicked_cb (GtkButton           *button,
                            TgPreferencesWindow *self)
{
  move_fallback (self, g_object_get_data (G_OBJECT (button), "provider-id"), -1);
}

static void
add_fallback_clicked_cb (TgPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->add_fallback_row);

  if (selected >= self->add_ids->len)
    return;
  move_fallback (self, g_ptr_array_index (self->add_ids, selected), G_MAXINT);
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkWidget     *row)
{
  return gdk_content_provider_new_typed (G_TYPE_STRING, g_object_get_data (G_OBJECT (row), "provider-id"));
}

static void
drag_begin_cb (GtkDragSource *source,
               GdkDrag       *drag,
               GtkWidget     *row)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, paintable, 0, 0);
}

static gboolean
drop_cb (GtkDropTarget       *target,
         const GValue        *value,
         double               x,
         double               y,
         TgPreferencesWindow *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  const char *dragged = g_value_get_string (value);
  int to = fallback_index (self, g_object_get_data (G_OBJECT (row), "provider-id"));

  if (dragged == NULL || to < 0 || fallback_index (self, dragged) < 0)
    return FALSE;
  move_fallback (self, dragged, to);
  return TRUE;
}

static void
fallback_model_selected_cb (AdwComboRow         *row,
                            GParamSpec          *pspec,
                            TgPreferencesWindow *self)
{
  FallbackWidgets *widgets = g_object_get_data (G_OBJECT (row), "widgets");
  guint selected = adw_combo_row_get_selected (row);
  const char *model_id = NULL;
  g_autoptr(GError) error = NULL;

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected > 0 && selected - 1 < widgets->model_ids->len)
    model_id = g_ptr_array_index (widgets->model_ids, selected - 1);
  if (!tg_config_service_set_fallback_model (self->config, widgets->provider_id, model_id, &error))
    {
      toast (self, error->message);
      /* Back to the stored choice, later: this row is emitting. */
      schedule_fallback_rebuild (self);
    }
}

/* The model a fallback replaces: the user's default, else the provider's own
 * default stands in for "a typical request". */
static const TgModelCapabilities *
reference_model (TgPreferencesWindow     *self,
                 const TgCatalogProvider *provider)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  const TgModelCapabilities *model = NULL;

  if (prefs->default_provider != NULL && prefs->default_model != NULL)
    model = tg_catalog_get_model (self->catalog, prefs->default_provider, prefs->default_model);
  if (model == NULL)
    model = tg_catalog_get_model (self->catalog, provider->id, provider->default_model);
  return model;
}

/* @automatic: a service with no stored mappings, whose answer is always the
 * automatic choice (self->config answers the user's mapping when there is one). */
static AdwComboRow *
build_model_row (TgPreferencesWindow     *self,
                 TgConfigService         *automatic,
                 const TgCatalogProvider *provider,
                 FallbackWidgets         *widgets)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  const char *explicit_id = g_hash_table_lookup (prefs->fallback_models, provider->id);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *auto_label = NULL;
  g_autofree char *auto_model = NULL;
  const TgModelCapabilities *reference = reference_model (self, provider);
  GtkWidget *row = adw_combo_row_new ();
  guint selected = 0;

  if (reference != NULL)
    auto_model = tg_config_service_get_fallback_model (automatic, provider->id, reference, NULL);
  if (reference == NULL)
    auto_label = g_strdup (_("Automatic"));
  else if (auto_model != NULL)
    auto_label = g_strdup_printf (_("Automatic (%s)"), auto_model);
  else
    auto_label = g_strdup (_("Automatic (none suitable)"));
  gtk_string_list_append (names, auto_label);

  widgets->model_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < provider->models->len; i++)
    {
      const TgModelCapabilities *model = g_ptr_array_index (provider->models, i);

      gtk_string_list_append (names, model->display_name != NULL ? model->display_name : model->model_id);
      g_ptr_array_add (widgets->model_ids, g_strdup (model->model_id));
      if (g_strcmp0 (explicit_id, model->model_id) == 0)
        selected = i + 1;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), provider->name);
  /* The choice under the name, where it has the row's width: model names are
   * long ("Automatic (gemini-2.5-flash-lite)"). */
  adw_combo_row_set_use_subtitle (ADW_COMBO_ROW (row), TRUE);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
  g_object_set_data (G_OBJECT (row), "widgets", widgets);
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (fallback_model_selected_cb), self, 0);
  return ADW_COMBO_ROW (row);
}

static void
build_fallback_row (TgPreferencesWindow     *self,
                    TgConfigService         *automatic,
                    const TgCatalogProvider *provider,
                    guint                    index,
                    guint                    n)
{
  FallbackWidgets *widgets = g_new0 (FallbackWidgets, 1);
  g_autofree char *up_label = g_strdup_printf (_("Move %s Up"), provider->name);
  g_autofree char *down_label = g_strdup_printf (_("Move %s Down"), provider->name);
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s from the Fallback Order"), provider->name);
  g_autofree char *position = g_strdup_printf (_("%u of %u"), index + 1, n);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *handle = gtk_image_new_from_icon_name ("list-drag-handle-symbolic");
  GtkWidget *buttons[3];
  GtkDragSource *drag = gtk_drag_source_new ();
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_MOVE);

  widgets->provider_id = g_strdup (provider->id);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), provider->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), position);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), handle);
  g_object_set_data_full (G_OBJECT (row), "provider-id", g_strdup (provider->id), g_free);

  buttons[0] = icon_button ("go-up-symbolic", up_label);
  buttons[1] = icon_button ("go-down-symbolic", down_label);
  buttons[2] = icon_button ("list-remove-symbolic", remove_label);
  g_object_set_data (G_OBJECT (buttons[0]), "delta", GINT_TO_POINTER (-1));
  g_object_set_data (G_OBJECT (buttons[1]), "delta", GINT_TO_POINTER (1));
  gtk_widget_set_sensitive (buttons[0], index > 0);
  gtk_widget_set_sensitive (buttons[1], index + 1 < n);
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      g_object_set_data_full (G_OBJECT (buttons[i]), "provider-id", g_strdup (provider->id), g_free);
      g_signal_connect_object (buttons[i], "clicked",
                               i < 2 ? G_CALLBACK (move_clicked_cb) : G_CALLBACK (remove_fallback_clicked_cb),
                               self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), buttons[i]);
    }
  widgets->up_button = GTK_BUTTON (buttons[0]);
  widgets->down_button = GTK_BUTTON (buttons[1]);

  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
  g_signal_connect (drag, "prepare", G_CALLBACK (drag_prepare_cb), row);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (drag));
  g_signal_connect_object (drop, "drop", G_CALLBACK (drop_cb), self, 0);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (drop));

  widgets->row = ADW_ACTION_ROW (row);
  adw_preferences_group_add (self->order_group, row);
  g_ptr_array_add (self->fallback_rows, row);

  widgets->model_row = build_model_row (self, automatic, provider, widgets);
  adw_preferences_group_add (self->models_group, GTK_WIDGET (widgets->model_row));
  g_ptr_array_add (self->fallback_rows, widgets->model_row);
  g_hash_table_insert (self->fallback, widgets->provider_id, widgets);
}

static void
rebuild_fallback (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  GPtrArray *providers = tg_catalog_get_providers (self->catalog);
  g_autoptr(GtkStringList) addable = gtk_string_list_new (NULL);
  g_autoptr(TgConfigService) automatic = tg_config_service_new (NULL, self->catalog);
  guint n = g_strv_length (prefs->fallback_order);
  gboolean was_updating = self->updating;

  self->updating = TRUE;
  g_clear_handle_id (&self->fallback_idle, g_source_remove);
  for (guint i = 0; i < self->fallback_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->fallback_rows, i);

      adw_preferences_group_remove (ADW_IS_COMBO_ROW (row) ? self->models_group : self->order_group, row);
    }
  g_ptr_array_set_size (self->fallback_rows, 0);
  g_hash_table_remove_all (self->fallback);

  for (guint i = 0; i < n; i++)
    {
      const TgCatalogProvider *provider = tg_catalog_get_provider (self->catalog, prefs->fallback_order[i]);

      if (provider != NULL)
        build_fallback_row (self, automatic, provider, i, n);
    }

  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("No fallback: a failed request is not sent elsewhere"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->order_group, row);
      g_ptr_array_add (self->fallback_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->models_group), n > 0);

  g_ptr_array_set_size (self->add_ids, 0);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (g_strv_contains ((const char * const *) prefs->fallback_order, provider->id))
        continue;
      gtk_string_list_append (addable, provider->name);
      g_ptr_array_add (self->add_ids, g_strdup (provider->id));
    }
  adw_combo_row_set_model (self->add_fallback_row, G_LIST_MODEL (addable));
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_fallback_row), self->add_ids->len > 0);

  /* Keyboard users keep their place after Move Up / Move Down. */
  if (self->focus_after_rebuild != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (self->focus_after_rebuild, ":", 2);
      FallbackWidgets *widgets = g_hash_table_lookup (self->fallback, parts[0]);

      if (widgets != NULL)
        {
          GtkWidget *button = GTK_WIDGET (g_str_equal (parts[1], "up") ? widgets->up_button : widgets->down_button);

          gtk_widget_grab_focus (gtk_widget_get_sensitive (button) ? button : GTK_WIDGET (widgets->row));
        }
      g_clear_pointer (&self->focus_after_rebuild, g_free);
    }
  self->updating = was_updating;
}

/* Health */

static void
sync_health (TgPreferencesWindow *self)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (self->config);
  gboolean was_updating = self->updating;

  self->updating = TRUE;
  gtk_adjustment_set_lower (self->interval_adjustment, TG_CONFIG_MIN_CHECK_INTERVAL_S);
  gtk_adjustment_set_upper (self->interval_adjustment, TG_CONFIG_MAX_CHECK_INTERVAL_S);
  gtk_adjustment_set_value (self->interval_adjustment, prefs->health_check_interval_s);
  gtk_switch_set_active (self->pause_switch, prefs->health_checks_paused);
  self->updating = was_updating;
}

static void
interval_changed_cb (TgPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating)
    return;
  if (!tg_config_service_set_check_interval (self->config, (guint) gtk_spin_button_get_value_as_int (self->interval_spin),
                                             &error))
    {
      toast (self, error->message);
      sync_health (self);
    }
}

static void
pause_toggled_cb (TgPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->updating)
    return;
  if (!tg_config_service_set_checks_paused (self->config, gtk_switch_get_active (self->pause_switch), &error))
    {
      toast (self, error->message);
      sync_health (self);
    }
}

static GtkWidget *
build_history (TgPreferencesWindow     *self,
               const TgCatalogProvider *provider,
               GPtrArray               *records)
{
  g_autoptr(TgProviderHealth) health = tg_health_monitor_get_health (self->health, provider->id);
  g_autofree gint64 *ok = g_new0 (gint64, records->len);
  g_autofree gint64 *failed = g_new0 (gint64, records->len);
  g_autofree char *title = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (provider->name);
  GtkWidget *caption;
  GtkWidget *chart = tg_chart_new (TG_CHART_KIND_STACKED_COLUMNS, TG_CHART_UNIT_COUNT);
  guint n_failed = 0;
  gint64 slowest_ok = 0;

  for (guint i = 0; i < records->len; i++)
    {
      const TgHealthRecord *record = g_ptr_array_index (records, i);

      if (record->ok)
        slowest_ok = MAX (slowest_ok, record->latency_ms);
    }

  /* Oldest first, left to right. A failed check is drawn up to the slowest
   * answered one: a 10 s timeout would otherwise flatten every other column
   * (and one without an answer has no latency at all); the caption counts
   * the failures. */
  for (guint i = 0; i < records->len; i++)
    {
      const TgHealthRecord *record = g_ptr_array_index (records, records->len - 1 - i);
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (record->time_ms / 1000);
      gint64 latency = MAX (record->latency_ms, 0);

      g_ptr_array_add (labels, g_date_time_format (time, "%H:%M"));
      if (record->ok)
        ok[i] = latency;
      else
        {
          failed[i] = slowest_ok > 0 ? slowest_ok : MAX (latency, 1);
          n_failed++;
        }
    }
  g_ptr_array_add (labels, NULL);

  title = g_strdup_printf (_("%s: latency of the last checks in milliseconds"), provider->name);
  tg_chart_set_title (TG_CHART (chart), title);
  tg_chart_set_categories (TG_CHART (chart), (const char * const *) labels->pdata);
  tg_chart_add_series_full (TG_CHART (chart), _("Answered"), ok, records->len, 2);
  if (n_failed > 0)
    tg_chart_add_series_full (TG_CHART (chart), _("Failed"), failed, records->len, 5);
  gtk_widget_set_size_request (chart, -1, 140);

  summary = g_strdup_printf (ngettext ("%s · %u of the last %u check failed",
                                          "%s · %u of the last %u checks failed", records->len),
                             tg_health_status_get_label (health->status), n_failed, records->len);
  caption = gtk_label_new (summary);
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");

  /* Margins, not CSS: the card reads the same wherever it is shown. */
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (GTK_BOX (box), chart);
  gtk_widget_add_css_class (card, "card");
  gtk_box_append (GTK_BOX (card), box);
  g_hash_table_insert (self->charts, g_strdup (provider->id), chart);
  return card;
}

static void
rebuild_history (TgPreferencesWindow *self)
{
  GPtrArray *providers = tg_catalog_get_providers (self->catalog);

  g_clear_handle_id (&self->history_idle, g_source_remove);
  for (guint i = 0; i < self->history_boxes->len; i++)
    gtk_box_remove (self->history_box, g_ptr_array_index (self->history_boxes, i));
  g_ptr_array_set_size (self->history_boxes, 0);
  g_hash_table_remove_all (self->charts);

  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      g_autoptr(GPtrArray) records = tg_health_monitor_list_history (self->health, provider->id, HISTORY_LIMIT);
      GtkWidget *box;

      if (records->len == 0)
        continue;
      box = build_history (self, provider, records);
      gtk_box_append (self->history_box, box);
      g_ptr_array_add (self->history_boxes, box);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_history_row), self->history_boxes->len == 0);
}

static gboolean
history_idle_cb (gpointer user_data)
{
  TgPreferencesWindow *self = user_data;

  self->history_idle = 0;
  rebuild_history (self);
  return G_SOURCE_REMOVE;
}

static void
check_completed_cb (TgPreferencesWindow *self)
{
  /* Checks come in bursts: one rebuild for the lot. */
  if (self->history_idle == 0)
    self->history_idle = g_idle_add (history_idle_cb, self);
}

/* Preferences changed elsewhere (or by us) */

static void
config_changed_cb (TgPreferencesWindow *self,
                   const char          *key)
{
  if (g_str_equal (key, TG_CONFIG_KEY_BUDGET) || g_str_equal (key, TG_CONFIG_KEY_BUDGET_PERIOD) ||
      g_str_equal (key, TG_CONFIG_KEY_ALERT_THRESHOLDS) || g_str_equal (key, TG_CONFIG_KEY_HARD_LIMIT))
    {
      if (!self->updating)
        sync_budget (self);
    }
  else if (g_str_equal (key, TG_CONFIG_KEY_CHECK_INTERVAL) || g_str_equal (key, TG_CONFIG_KEY_CHECKS_PAUSED))
    {
      if (!self->updating)
        sync_health (self);
    }
  else if (g_str_equal (key, TG_CONFIG_KEY_ENABLED_PROVIDERS))
    sync_enabled_switches (self);
  else if (g_str_equal (key, TG_CONFIG_KEY_FALLBACK_ORDER) || g_str_equal (key, TG_CONFIG_KEY_DEFAULT_MODEL) ||
           g_str_equal (key, TG_CONFIG_KEY_DEFAULT_PROVIDER))
    schedule_fallback_rebuild (self);
}

/* GObject */

static void
tg_preferences_window_constructed (GObject *object)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (tg_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (self->config != NULL && self->catalog != NULL &&
                    self->secret_store != NULL && self->health != NULL);

  g_signal_connect_object (self->config, "changed", G_CALLBACK (config_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->health, "check-completed", G_CALLBACK (check_completed_cb), self,
                           G_CONNECT_SWAPPED);

  rebuild_providers (self);
  sync_budget (self);
  rebuild_fallback (self);
  sync_health (self);
  rebuild_history (self);
  refresh_keys (self);
}

static void
tg_preferences_window_dispose (GObject *object)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fallback_idle, g_source_remove);
  g_clear_handle_id (&self->history_idle, g_source_remove);
  if (self->dialog != NULL)
    gtk_window_destroy (g_steal_pointer (&self->dialog));

  g_clear_pointer (&self->providers, g_hash_table_unref);
  g_clear_pointer (&self->fallback, g_hash_table_unref);
  g_clear_pointer (&self->custom_rows, g_hash_table_unref);
  g_clear_pointer (&self->charts, g_hash_table_unref);
  g_clear_pointer (&self->provider_rows, g_ptr_array_unref);
  g_clear_pointer (&self->fallback_rows, g_ptr_array_unref);
  g_clear_pointer (&self->history_boxes, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->tray);
  g_clear_object (&self->config);
  g_clear_object (&self->catalog);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->health);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (tg_preferences_window_parent_class)->dispose (object);
}

static void
tg_preferences_window_finalize (GObject *object)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyed, g_hash_table_unref);
  g_clear_pointer (&self->add_ids, g_ptr_array_unref);
  g_clear_pointer (&self->focus_after_rebuild, g_free);

  G_OBJECT_CLASS (tg_preferences_window_parent_class)->finalize (object);
}

static void
tg_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_CATALOG:
      g_value_set_object (value, self->catalog);
      break;
    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secret_store);
      break;
    case PROP_HEALTH:
      g_value_set_object (value, self->health);
      break;
    case PROP_DB:
      g_value_set_object (value, self->db);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  TgPreferencesWindow *self = TG_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_CATALOG:
      self->catalog = g_value_dup_object (value);
      break;
    case PROP_SECRET_STORE:
      self->secret_store = g_value_dup_object (value);
      break;
    case PROP_HEALTH:
      self->health = g_value_dup_object (value);
      break;
    case PROP_DB:
      self->db = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_preferences_window_class_init (TgPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tg_preferences_window_constructed;
  object_class->dispose = tg_preferences_window_dispose;
  object_class->finalize = tg_preferences_window_finalize;
  object_class->get_property = tg_preferences_window_get_property;
  object_class->set_property = tg_preferences_window_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, TG_TYPE_CONFIG_SERVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CATALOG] =
    g_param_spec_object ("catalog", NULL, NULL, TG_TYPE_CATALOG,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL, TG_TYPE_SECRET_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_HEALTH] =
    g_param_spec_object ("health", NULL, NULL, TG_TYPE_HEALTH_MONITOR,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DB] =
    g_param_spec_object ("db", NULL, NULL, TG_TYPE_DB,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TG_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tollgate/Tollgate/ui/tg-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, providers_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, custom_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, add_endpoint_button);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, no_custom_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, budget_state_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, budget_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, period_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, thresholds_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, hard_limit_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, budget_error_box);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, budget_error);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, order_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, models_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, add_fallback_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, add_fallback_button);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, interval_adjustment);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, pause_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, background_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, run_in_background_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, start_at_login_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, no_tray_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, history_group);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, no_history_row);
  gtk_widget_class_bind_template_child (widget_class, TgPreferencesWindow, history_box);
  gtk_widget_class_bind_template_callback (widget_class, add_endpoint_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, budget_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, period_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, thresholds_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, hard_limit_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_fallback_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, interval_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_toggled_cb);
}

static void
tg_preferences_window_init (TgPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->keyed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->providers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) provider_widgets_free);
  self->fallback = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fallback_widgets_free);
  self->custom_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->charts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->provider_rows = g_ptr_array_new ();
  self->fallback_rows = g_ptr_array_new ();
  self->history_boxes = g_ptr_array_new ();
  self->add_ids = g_ptr_array_new_with_free_func (g_free);

  /* The template's signal handlers fire while it is built: nothing to save yet. */
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->updating = FALSE;
}

GtkWidget *
tg_preferences_window_new (GtkWindow       *parent,
                           TgConfigService *config,
                           TgCatalog       *catalog,
                           TgSecretStore   *secret_store,
                           TgHealthMonitor *health,
                           TgDb            *db)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TG_IS_CONFIG_SERVICE (config), NULL);
  g_return_val_if_fail (TG_IS_CATALOG (catalog), NULL);
  g_return_val_if_fail (TG_IS_SECRET_STORE (secret_store), NULL);
  g_return_val_if_fail (TG_IS_HEALTH_MONITOR (health), NULL);
  g_return_val_if_fail (db == NULL || TG_IS_DB (db), NULL);

  return g_object_new (TG_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "config", config,
                       "catalog", catalog,
                       "secret-store", secret_store,
                       "health", health,
                       "db", db,
                       NULL);
}

void
tg_preferences_window_set_session (TgPreferencesWindow *self,
                                   GSettings           *settings,
                                   TgStatusNotifier    *tray)
{
  g_return_if_fail (TG_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_return_if_fail (tray == NULL || TG_IS_STATUS_NOTIFIER (tray));

  g_set_object (&self->settings, settings);
  g_set_object (&self->tray, tray);

  /* Without the schema these settings cannot be kept: shown, but off. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->background_group), settings != NULL);
  if (settings != NULL)
    {
      g_settings_bind (settings, "run-in-background", self->run_in_background_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "start-at-login", self->start_at_login_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "notifications", self->notifications_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
    }

  /* The one place the user learns that the tray icon has nowhere to show. */
  if (tray != NULL)
    g_object_bind_property (tray, "host-available", self->no_tray_row, "visible",
                            G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  else
    gtk_widget_set_visible (GTK_WIDGET (self->no_tray_row), TRUE);
}

void
tg_preferences_window_show_page (TgPreferencesWindow *self,
                                 const char          *page_name)
{
  g_return_if_fail (TG_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (page_name != NULL);

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), page_name);
}

/* For the tests */

gboolean
tg_preferences_window_is_busy (TgPreferencesWindow *self)
{
  return self->n_pending > 0 || self->fallback_idle != 0 || self->history_idle != 0;
}

#define PROVIDER_PART(type, name, field)                                         \
  type *                                                                         \
  tg_preferences_window_get_##name (TgPreferencesWindow *self,                   \
                                    const char          *provider_id)            \
  {                                                                              \
    ProviderWidgets *widgets = g_hash_table_lookup (self->providers, provider_id); \
    return widgets != NULL ? widgets->field : NULL;                              \
  }

PROVIDER_PART (AdwExpanderRow, provider_row, row)
PROVIDER_PART (AdwPasswordEntryRow, key_row, key_row)
PROVIDER_PART (GtkButton, remove_key_button, remove_key_button)
PROVIDER_PART (GtkSwitch, enabled_switch, enabled_switch)
PROVIDER_PART (AdwEntryRow, base_url_row, base_url_row)
PROVIDER_PART (GtkButton, test_button, test_button)
PROVIDER_PART (AdwActionRow, test_row, test_row)

#define FALLBACK_PART(type, name, field)                                         \
  type *                                                                         \
  tg_preferences_window_get_##name (TgPreferencesWindow *self,                   \
                                    const char          *provider_id)            \
  {                                                                              \
    FallbackWidgets *widgets = g_hash_table_lookup (self->fallback, provider_id); \
    return widgets != NULL ? widgets->field : NULL;                              \
  }

FALLBACK_PART (AdwActionRow, fallback_row, row)
FALLBACK_PART (GtkButton, move_up_button, up_button)
FALLBACK_PART (AdwComboRow, fallback_model_row, model_row)

AdwActionRow *
tg_preferences_window_get_custom_row (TgPreferencesWindow *self,
                                      const char          *provider_id)
{
  return g_hash_table_lookup (self->custom_rows, provider_id);
}

GtkWindow *
tg_preferences_window_get_dialog (TgPreferencesWindow *self)
{
  return self->dialog;
}

AdwEntryRow *
tg_preferences_window_get_budget_row (TgPreferencesWindow *self)
{
  return self->budget_row;
}

AdwComboRow *
tg_preferences_window_get_period_row (TgPreferencesWindow *self)
{
  return self->period_row;
}

AdwEntryRow *
tg_preferences_window_get_thresholds_row (TgPreferencesWindow *self)
{
  return self->thresholds_row;
}

GtkSwitch *
tg_preferences_window_get_hard_limit_switch (TgPreferencesWindow *self)
{
  return self->hard_limit_switch;
}

GtkLabel *
tg_preferences_window_get_budget_error (TgPreferencesWindow *self)
{
  return self->budget_error;
}

GtkSpinButton *
tg_preferences_window_get_interval_spin (TgPreferencesWindow *self)
{
  return self->interval_spin;
}

GtkSwitch *
tg_preferences_window_get_pause_switch (TgPreferencesWindow *self)
{
  return self->pause_switch;
}

TgChart *
tg_preferences_window_get_history_chart (TgPreferencesWindow *self,
                                         const char          *provider_id)
{
  return g_hash_table_lookup (self->charts, provider_id);
}

GtkButton *
tg_preferences_window_get_add_endpoint_button (TgPreferencesWindow *self)
{
  return self->add_endpoint_button;
}

AdwComboRow *
tg_preferences_window_get_add_fallback_row (TgPreferencesWindow *self)
{
  return self->add_fallback_row;
}

GtkButton *
tg_preferences_window_get_add_fallback_button (TgPreferencesWindow *self)
{
  return self->add_fallback_button;
}
