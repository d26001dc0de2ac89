/* test-preferences-window.c: TgPreferencesWindow with the real services on a
 * test store, the test keyring and the mock provider (run under
 * tests/run-headless). Provider ids that get keys are unique to this file
 * ("prefs-…"): the test binaries share one keyring. */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-catalog.h"
#include "tg-chart-private.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-mock-provider.h"
#include "tg-preferences-window.h"
#include "tg-preferences-window-private.h"
#include "tg-secret-store.h"
#include "tg-test-utils.h"
#include "tg-ui-test-utils.h"

#define SECRET "sk-prefs-secret-7431-do-not-show"

/* Fixture data: the keyring is unreachable, so nothing to clean up there. */
static const char no_keyring[] = "no-keyring";
#define NO_KEYRING ((gconstpointer) no_keyring)

typedef struct {
  char            *dir;
  TgMockProvider  *mock;
  TgDb            *db;
  TgCatalog       *catalog;
  TgConfigService *config;
  TgSecretStore   *secrets;
  TgHealthMonitor *health;
  GtkWidget       *window;
} Fixture;

/* prefs-openai: a user provider at the mock that wants a key. "local" so the
 * check does not depend on the machine's network state. */
static void
write_overrides (Fixture *fixture)
{
  g_autofree char *base = tg_mock_provider_get_base_url (fixture->mock, TG_MOCK_FORMAT_OPENAI);
  g_autofree char *path = g_build_filename (fixture->dir, "catalog-overrides.json", NULL);
  g_autofree char *json = g_strdup_printf (
    "{\"format_version\":1,\"providers\":[{\"id\":\"prefs-openai\",\"name\":\"Prefs Mock\","
    "\"wire_format\":\"openai\",\"base_url\":\"%s\",\"auth\":\"bearer\",\"health_path\":\"/models\","
    "\"docs_url\":\"https://example.com/docs\",\"pricing_url\":\"https://example.com/pricing\","
    "\"prices_as_of\":\"2026-11-01\",\"local\":true,\"default_model\":\"prefs-model\","
    "\"models\":[{\"id\":\"prefs-model\",\"name\":\"Prefs Model\",\"context_window\":128000,"
    "\"max_output\":8192,\"price\":{\"input\":\"2.00\",\"output\":\"8.00\",\"cached_input\":\"0.50\"},"
    "\"capabilities\":[\"streaming\"]}]}]}", base);

  g_assert_true (g_file_set_contents (path, json, -1, NULL));
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_idle (Fixture *fixture)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (tg_preferences_window_is_busy (TG_PREFERENCES_WINDOW (fixture->window)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
open_window (Fixture *fixture)
{
  fixture->window = tg_preferences_window_new (NULL, fixture->config, fixture->catalog,
                                               fixture->secrets, fixture->health, fixture->db);
  gtk_window_present (GTK_WINDOW (fixture->window));
  tg_ui_test_wait_until_mapped (fixture->window);
  wait_idle (fixture);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = tg_test_make_data_dir ();
  fixture->mock = tg_mock_provider_new ();
  g_assert_true (tg_mock_provider_start (fixture->mock, 0, &error));
  g_assert_no_error (error);
  write_overrides (fixture);

  fixture->catalog = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);
  fixture->config = tg_config_service_new (fixture->db, fixture->catalog);
  fixture->secrets = tg_secret_store_new ();
  /* A key an earlier, failed run may have left behind. */
  if (user_data != NO_KEYRING)
    {
      tg_secret_store_delete_sync (fixture->secrets, "prefs-openai", NULL, NULL, &error);
      g_assert_no_error (error);
    }
  fixture->health = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secrets);
  open_window (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (fixture->window != NULL)
    {
      gboolean timed_out = FALSE;
      guint timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);

      /* Closed, the window goes: nothing (a pending call, a handler) keeps it. */
      g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
      gtk_window_destroy (GTK_WINDOW (fixture->window));
      while (fixture->window != NULL && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      g_assert_false (timed_out);
      g_source_remove (timeout);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (user_data != NO_KEYRING)
    tg_secret_store_delete_sync (fixture->secrets, "prefs-openai", NULL, NULL, NULL);
  g_clear_object (&fixture->health);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  tg_mock_provider_stop (fixture->mock);
  g_clear_object (&fixture->mock);
  g_clear_pointer (&fixture->dir, g_free);
}

static TgPreferencesWindow *
window (Fixture *fixture)
{
  return TG_PREFERENCES_WINDOW (fixture->window);
}

static TgConfigService *
reopen_config (Fixture *fixture)
{
  return tg_config_service_new (fixture->db, fixture->catalog);
}

static void
apply_text (gpointer    row,
            const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

/* No widget anywhere under @widget shows @needle: labels, entries, titles. */
static void
assert_text_nowhere (GtkWidget  *widget,
                     const char *needle)
{
  if (GTK_IS_EDITABLE (widget))
    g_assert_null (strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), needle));
  if (GTK_IS_LABEL (widget))
    g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (widget)), needle));
  if (ADW_IS_PREFERENCES_ROW (widget))
    g_assert_null (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), needle));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_text_nowhere (child, needle);
}

static gboolean
has_label_containing (GtkWidget  *widget,
                      const char *needle)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_containing (child, needle))
      return TRUE;
  return FALSE;
}

static guint
count_editables (GtkWidget *widget)
{
  guint n = GTK_IS_EDITABLE (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_editables (child);
  return n;
}

/* What a click does, at once (activating a button waits for its animation). */
static void
click (gpointer button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
respond (Fixture    *fixture,
         const char *response)
{
  GtkWindow *dialog = tg_preferences_window_get_dialog (window (fixture));

  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_destroy (dialog);
  wait_idle (fixture);
}

typedef gboolean (*MatchFunc) (GtkWidget *widget, gconstpointer data);
static GtkWidget *find_first (GtkWidget *widget, MatchFunc match, gconstpointer data);

static gboolean
has_tooltip (GtkWidget     *widget,
             gconstpointer  tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static void
test_keys (Fixture       *fixture,
           gconstpointer  user_data)
{
  AdwExpanderRow *row = tg_preferences_window_get_provider_row (window (fixture), "prefs-openai");
  AdwPasswordEntryRow *key_row = tg_preferences_window_get_key_row (window (fixture), "prefs-openai");
  GtkButton *remove = tg_preferences_window_get_remove_key_button (window (fixture), "prefs-openai");
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;

  g_assert_nonnull (row);
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "No key");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (key_row)), ==, "API Key");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_ancestor (GTK_WIDGET (remove), ADW_TYPE_ACTION_ROW)));
  /* Keyless providers need none and get no key row. */
  g_assert_cmpstr (adw_expander_row_get_subtitle (tg_preferences_window_get_provider_row (window (fixture), "ollama")),
                   ==, "Local, no key needed");
  g_assert_null (tg_preferences_window_get_key_row (window (fixture), "ollama"));

  apply_text (key_row, SECRET);
  /* Out of the entry at once, before the keyring answers. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key_row)), ==, "");
  wait_idle (fixture);

  stored = tg_secret_store_lookup_sync (fixture->secrets, "prefs-openai", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, SECRET);
  tg_secret_store_free_key (g_steal_pointer (&stored));

  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "Key stored");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key_row)), ==, "");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (key_row)), ==,
                   "A key is stored; type a new one to replace it");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_ancestor (GTK_WIDGET (remove), ADW_TYPE_ACTION_ROW)));
  g_assert_cmpuint (count_editables (fixture->window), >, 10);
  assert_text_nowhere (fixture->window, SECRET);
  assert_text_nowhere (fixture->window, "7431");

  /* Cancelled: the key stays. */
  click (remove);
  respond (fixture, "cancel");
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "Key stored");

  click (remove);
  respond (fixture, "remove");
  stored = tg_secret_store_lookup_sync (fixture->secrets, "prefs-openai", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (stored);
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "No key");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (key_row)), ==, "API Key");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_ancestor (GTK_WIDGET (remove), ADW_TYPE_ACTION_ROW)));

  /* Blank input stores nothing. */
  apply_text (key_row, "   ");
  wait_idle (fixture);
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "No key");
}

static void
test_enabled (Fixture       *fixture,
              gconstpointer  user_data)
{
  GtkSwitch *openai = tg_preferences_window_get_enabled_switch (window (fixture), "openai");
  GtkSwitch *ollama = tg_preferences_window_get_enabled_switch (window (fixture), "ollama");
  const TgPreferences *prefs = tg_config_service_get_preferences (fixture->config);
  GPtrArray *providers = tg_catalog_get_providers (fixture->catalog);

  /* An empty list: every keyless provider is on, keyless OpenAI off. */
  g_assert_cmpuint (g_strv_length (prefs->enabled_providers), ==, 0);
  g_assert_true (gtk_switch_get_active (ollama));
  g_assert_false (gtk_switch_get_active (openai));

  gtk_switch_set_active (openai, TRUE);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_true (g_strv_contains ((const char * const *) prefs->enabled_providers, "openai"));
  g_assert_true (g_strv_contains ((const char * const *) prefs->enabled_providers, "ollama"));
  g_assert_false (g_strv_contains ((const char * const *) prefs->enabled_providers, "anthropic"));

  gtk_switch_set_active (openai, FALSE);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_false (g_strv_contains ((const char * const *) prefs->enabled_providers, "openai"));
  g_assert_true (g_strv_contains ((const char * const *) prefs->enabled_providers, "ollama"));

  /* Persisted. */
  {
    g_autoptr(TgConfigService) again = reopen_config (fixture);
    g_assert_true (g_strv_contains ((const char * const *) tg_config_service_get_preferences (again)->enabled_providers,
                                    "ollama"));
  }

  /* Every switch off: the last one is refused and stays on. */
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      gtk_switch_set_active (tg_preferences_window_get_enabled_switch (window (fixture), provider->id), FALSE);
    }
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_cmpuint (g_strv_length (prefs->enabled_providers), ==, 1);
  g_assert_true (gtk_switch_get_active (tg_preferences_window_get_enabled_switch (window (fixture),
                                                                                  prefs->enabled_providers[0])));
}

static void
test_budget (Fixture       *fixture,
             gconstpointer  user_data)
{
  AdwEntryRow *amount = tg_preferences_window_get_budget_row (window (fixture));
  AdwComboRow *period = tg_preferences_window_get_period_row (window (fixture));
  AdwEntryRow *thresholds = tg_preferences_window_get_thresholds_row (window (fixture));
  GtkSwitch *hard_limit = tg_preferences_window_get_hard_limit_switch (window (fixture));
  GtkLabel *error_label = tg_preferences_window_get_budget_error (window (fixture));
  g_autoptr(TgConfigService) again = NULL;
  const TgPreferences *prefs;

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (amount)), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (thresholds)), ==, "50, 80, 100");

  apply_text (amount, "12.50");
  adw_combo_row_set_selected (period, TG_BUDGET_PERIOD_WEEKLY);
  apply_text (thresholds, "25, 75%");
  gtk_switch_set_active (hard_limit, TRUE);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (error_label))));

  again = reopen_config (fixture);
  prefs = tg_config_service_get_preferences (again);
  g_assert_cmpint (prefs->budget_micros, ==, 12500000);
  g_assert_cmpint (prefs->budget_period, ==, TG_BUDGET_PERIOD_WEEKLY);
  g_assert_cmpuint (prefs->n_alert_thresholds, ==, 2);
  g_assert_cmpuint (prefs->alert_thresholds[0], ==, 25);
  g_assert_cmpuint (prefs->alert_thresholds[1], ==, 75);
  g_assert_true (prefs->hard_limit);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (thresholds)), ==, "25, 75");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (amount)), ==, "12.50");

  /* The service refuses: its message is shown and the old value comes back. */
  apply_text (thresholds, "80, 50");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (error_label))));
  g_assert_cmpstr (gtk_label_get_text (error_label), !=, "");
  g_test_message ("thresholds error: %s", gtk_label_get_text (error_label));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (thresholds)), ==, "25, 75");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (thresholds), "error"));
  g_assert_cmpuint (tg_config_service_get_preferences (fixture->config)->n_alert_thresholds, ==, 2);

  /* Not numbers at all: our own message, the same way. */
  apply_text (thresholds, "fifty");
  g_assert_nonnull (strstr (gtk_label_get_text (error_label), "fifty"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (thresholds)), ==, "25, 75");

  apply_text (amount, "12.5.0");
  g_assert_nonnull (strstr (gtk_label_get_text (error_label), "12.5.0"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (amount)), ==, "12.50");
  g_assert_cmpint (tg_config_service_get_preferences (fixture->config)->budget_micros, ==, 12500000);

  /* A good value clears the error. */
  apply_text (amount, "$30");
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (error_label))));
  g_assert_cmpint (tg_config_service_get_preferences (fixture->config)->budget_micros, ==, 30000000);

  /* Empty: no budget. */
  apply_text (amount, "");
  g_clear_object (&again);
  again = reopen_config (fixture);
  g_assert_cmpint (tg_config_service_get_preferences (again)->budget_micros, ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (amount)), ==, "");

  /* Changed elsewhere: the page follows. */
  g_assert_true (tg_config_service_set_hard_limit (fixture->config, FALSE, NULL));
  g_assert_false (gtk_switch_get_active (hard_limit));
}

static void
test_fallback (Fixture       *fixture,
               gconstpointer  user_data)
{
  const char *order[] = { "openai", "anthropic", "gemini", NULL };
  g_autoptr(TgConfigService) again = NULL;
  const TgPreferences *prefs;
  AdwComboRow *models;
  AdwComboRow *add_row;
  g_autofree char *automatic = NULL;
  GListModel *entries;
  GtkButton *up;

  g_assert_true (tg_config_service_set_fallback_order (fixture->config, order, NULL));
  wait_idle (fixture);
  g_assert_nonnull (tg_preferences_window_get_fallback_row (window (fixture), "gemini"));
  g_assert_null (tg_preferences_window_get_fallback_row (window (fixture), "mistral"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (tg_preferences_window_get_move_up_button (window (fixture),
                                                                                                  "openai"))));

  up = tg_preferences_window_get_move_up_button (window (fixture), "gemini");
  click (up);
  wait_idle (fixture);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_cmpstr (prefs->fallback_order[0], ==, "openai");
  g_assert_cmpstr (prefs->fallback_order[1], ==, "gemini");
  g_assert_cmpstr (prefs->fallback_order[2], ==, "anthropic");
  /* The rows were rebuilt; focus stays on the moved provider's button. */
  up = tg_preferences_window_get_move_up_button (window (fixture), "gemini");
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (fixture->window)) == GTK_WIDGET (up));
  g_assert_cmpstr (adw_action_row_get_subtitle (tg_preferences_window_get_fallback_row (window (fixture), "gemini")),
                   ==, "2 of 3");

  /* Add one from the list of the others. */
  add_row = tg_preferences_window_get_add_fallback_row (window (fixture));
  entries = adw_combo_row_get_model (add_row);
  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      const char *name = gtk_string_list_get_string (GTK_STRING_LIST (entries), i);

      g_assert_cmpstr (name, !=, "OpenAI");
      if (g_str_equal (name, "Mistral AI") || g_str_equal (name, "Mistral"))
        adw_combo_row_set_selected (add_row, i);
    }
  click (tg_preferences_window_get_add_fallback_button (window (fixture)));
  wait_idle (fixture);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_cmpuint (g_strv_length (prefs->fallback_order), ==, 4);
  g_assert_cmpstr (prefs->fallback_order[3], ==, "mistral");

  /* Model mapping: "Automatic (…)" first, then the provider's models. */
  models = tg_preferences_window_get_fallback_model_row (window (fixture), "anthropic");
  entries = adw_combo_row_get_model (models);
  g_assert_true (g_str_has_prefix (gtk_string_list_get_string (GTK_STRING_LIST (entries), 0), "Automatic"));
  g_assert_cmpuint (adw_combo_row_get_selected (models), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (entries), ==,
                    tg_catalog_get_provider (fixture->catalog, "anthropic")->models->len + 1);
  automatic = g_strdup (gtk_string_list_get_string (GTK_STRING_LIST (entries), 0));
  adw_combo_row_set_selected (models, 2);
  wait_idle (fixture);

  /* Rebuilt (the order changes): the choice shows, and "Automatic" still
   * names what it would pick, not the choice. */
  click (tg_preferences_window_get_move_up_button (window (fixture), "anthropic"));
  wait_idle (fixture);
  models = tg_preferences_window_get_fallback_model_row (window (fixture), "anthropic");
  g_assert_cmpuint (adw_combo_row_get_selected (models), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (models)), 0), ==, automatic);

  again = reopen_config (fixture);
  prefs = tg_config_service_get_preferences (again);
  g_assert_cmpstr (g_hash_table_lookup (prefs->fallback_models, "anthropic"), ==,
                   ((TgModelCapabilities *) tg_catalog_get_provider (fixture->catalog, "anthropic")->models->pdata[1])->model_id);
  g_assert_cmpstr (prefs->fallback_order[1], ==, "anthropic");

  /* Back to automatic. */
  models = tg_preferences_window_get_fallback_model_row (window (fixture), "anthropic");
  adw_combo_row_set_selected (models, 0);
  g_assert_null (g_hash_table_lookup (tg_config_service_get_preferences (fixture->config)->fallback_models,
                                      "anthropic"));

  /* Remove, by the row's own button. */
  click (find_first (GTK_WIDGET (tg_preferences_window_get_fallback_row (window (fixture), "gemini")),
                     has_tooltip, "Remove Google Gemini from the Fallback Order"));
  wait_idle (fixture);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_false (g_strv_contains ((const char * const *) prefs->fallback_order, "gemini"));
  g_assert_cmpuint (g_strv_length (prefs->fallback_order), ==, 3);
  g_assert_null (tg_preferences_window_get_fallback_row (window (fixture), "gemini"));
}

static void
test_health (Fixture       *fixture,
             gconstpointer  user_data)
{
  GtkSpinButton *spin = tg_preferences_window_get_interval_spin (window (fixture));
  GtkSwitch *pause = tg_preferences_window_get_pause_switch (window (fixture));
  g_autoptr(TgConfigService) again = NULL;
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (spin);

  g_assert_cmpfloat (gtk_adjustment_get_lower (adjustment), ==, TG_CONFIG_MIN_CHECK_INTERVAL_S);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, TG_CONFIG_MAX_CHECK_INTERVAL_S);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==,
                   (int) tg_config_service_get_preferences (fixture->config)->health_check_interval_s);

  gtk_spin_button_set_value (spin, 600);
  gtk_switch_set_active (pause, TRUE);
  again = reopen_config (fixture);
  g_assert_cmpuint (tg_config_service_get_preferences (again)->health_check_interval_s, ==, 600);
  g_assert_true (tg_config_service_get_preferences (again)->health_checks_paused);

  /* Out of range never reaches the service: the spin button clamps. */
  gtk_spin_button_set_value (spin, 5);
  g_assert_cmpuint (tg_config_service_get_preferences (fixture->config)->health_check_interval_s, ==,
                    TG_CONFIG_MIN_CHECK_INTERVAL_S);

  g_assert_true (tg_config_service_set_checks_paused (fixture->config, FALSE, NULL));
  g_assert_false (gtk_switch_get_active (pause));
}

static void
test_connection (Fixture       *fixture,
                 gconstpointer  user_data)
{
  AdwActionRow *row = tg_preferences_window_get_test_row (window (fixture), "prefs-openai");
  GtkButton *button = tg_preferences_window_get_test_button (window (fixture), "prefs-openai");
  AdwPasswordEntryRow *key_row = tg_preferences_window_get_key_row (window (fixture), "prefs-openai");
  TgMockReply failure = { .status = 500 };
  const char *subtitle;
  TgChart *chart;

  g_assert_null (tg_preferences_window_get_history_chart (window (fixture), "prefs-openai"));
  tg_mock_provider_set_expected_key (fixture->mock, TG_MOCK_FORMAT_OPENAI, SECRET);
  apply_text (key_row, SECRET);
  wait_idle (fixture);

  click (button);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "Checking…");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  wait_idle (fixture);

  subtitle = adw_action_row_get_subtitle (row);
  g_test_message ("result: %s", subtitle);
  g_assert_true (g_str_has_prefix (subtitle, "Healthy · "));
  g_assert_true (g_str_has_suffix (subtitle, " ms"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, TG_MOCK_FORMAT_OPENAI,
                                                        TG_MOCK_ENDPOINT_LIST_MODELS), ==, 1);
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, TG_MOCK_FORMAT_OPENAI,
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 0);

  /* The Health page charts the check. */
  chart = tg_preferences_window_get_history_chart (window (fixture), "prefs-openai");
  g_assert_nonnull (chart);
  g_assert_cmpuint (tg_chart_get_n_series (chart), ==, 1);

  /* A failing server. */
  tg_mock_provider_enqueue_list_models (fixture->mock, TG_MOCK_FORMAT_OPENAI, &failure);
  click (button);
  wait_idle (fixture);
  subtitle = adw_action_row_get_subtitle (row);
  g_test_message ("result: %s", subtitle);
  g_assert_false (g_str_has_prefix (subtitle, "Healthy"));
  g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, TG_MOCK_FORMAT_OPENAI,
                                                        TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
  chart = tg_preferences_window_get_history_chart (window (fixture), "prefs-openai");
  g_assert_cmpuint (tg_chart_get_n_series (chart), ==, 2);
  assert_text_nowhere (fixture->window, SECRET);
}

static void
test_base_url (Fixture       *fixture,
               gconstpointer  user_data)
{
  AdwEntryRow *row = tg_preferences_window_get_base_url_row (window (fixture), "openai");
  g_autofree char *shipped = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row)));

  g_assert_cmpstr (shipped, ==, tg_catalog_get_provider (fixture->catalog, "openai")->base_url);

  apply_text (row, "ftp://proxy.example.com");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  /* The catalogue's message, in a toast. */
  g_assert_true (has_label_containing (fixture->window, "is not a web address"));
  g_assert_cmpstr (tg_catalog_get_provider (fixture->catalog, "openai")->base_url, ==, shipped);

  apply_text (row, "https://proxy.example.com/v1");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_cmpstr (tg_catalog_get_provider (fixture->catalog, "openai")->base_url, ==, "https://proxy.example.com/v1");
  {
    g_autoptr(TgCatalog) reloaded = tg_catalog_new_default (NULL);
    g_assert_cmpstr (tg_catalog_get_provider (reloaded, "openai")->base_url, ==, "https://proxy.example.com/v1");
  }

  /* Empty: the catalogue's own address again, shown in the row. */
  apply_text (row, "");
  g_assert_cmpstr (tg_catalog_get_provider (fixture->catalog, "openai")->base_url, ==, shipped);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, shipped);
}

/* The @n-th widget under @widget (depth first) that @match accepts. */

static GtkWidget *
find_widget (GtkWidget     *widget,
             MatchFunc      match,
             gconstpointer  data,
             guint         *n)
{
  if (match (widget, data) && (*n)-- == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data, n);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_entry_row (GtkWidget     *widget,
              gconstpointer  data)
{
  return ADW_IS_ENTRY_ROW (widget);
}

static gboolean
is_switch (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_SWITCH (widget);
}

static gboolean
is_text (GtkWidget     *widget,
         gconstpointer  data)
{
  return GTK_IS_TEXT (widget);
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_error_label (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (gtk_widget_get_parent (widget), "error");
}

static GtkWidget *
find_first (GtkWidget     *widget,
            MatchFunc      match,
            gconstpointer  data)
{
  guint n = 0;

  return find_widget (widget, match, data, &n);
}

static void
fill (GtkWindow  *dialog,
      guint       index,
      const char *text)
{
  GtkWidget *row = find_widget (GTK_WIDGET (dialog), is_entry_row, NULL, &index);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
test_custom_endpoint (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;
  GtkWidget *add;
  GtkLabel *message;

  /* The one from the overrides file is listed. */
  g_assert_nonnull (tg_preferences_window_get_custom_row (window (fixture), "prefs-openai"));
  g_assert_null (tg_preferences_window_get_custom_row (window (fixture), "openai"));

  click (tg_preferences_window_get_add_endpoint_button (window (fixture)));
  dialog = tg_preferences_window_get_dialog (window (fixture));
  g_assert_nonnull (dialog);
  g_assert_false (ADW_IS_MESSAGE_DIALOG (dialog));
  {
    guint first = 0;

    /* Typing starts in the first field. */
    g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (dialog),
                                           find_widget (GTK_WIDGET (dialog), is_entry_row, NULL, &first)));
  }
  add = find_first (GTK_WIDGET (dialog), is_button_labelled, "_Add");
  g_assert_nonnull (add);
  message = GTK_LABEL (find_first (GTK_WIDGET (dialog), is_error_label, NULL));
  g_assert_nonnull (message);

  /* Name, ID, address, model, input price, output price. */
  fill (dialog, 0, "My Server");
  fill (dialog, 1, "Bad ID");
  fill (dialog, 2, "http://localhost:8080/v1");
  fill (dialog, 3, "llama3.1:8b");
  click (add);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (message))));
  g_assert_nonnull (strstr (gtk_label_get_text (message), "lowercase"));

  fill (dialog, 1, "prefs-server");
  fill (dialog, 4, "abc");
  click (add);
  g_assert_nonnull (strstr (gtk_label_get_text (message), "dollars"));

  /* A catalogue id is refused by the catalogue, with its message. */
  fill (dialog, 4, "0.10");
  fill (dialog, 5, "$0.20");
  fill (dialog, 1, "openai");
  click (add);
  g_assert_nonnull (strstr (gtk_label_get_text (message), "openai"));
  g_assert_true (tg_preferences_window_get_dialog (window (fixture)) == dialog);

  /* A hosted endpoint that wants a key. Enter in a field adds, like the button. */
  gtk_switch_set_active (GTK_SWITCH (find_first (GTK_WIDGET (dialog), is_switch, NULL)), TRUE);
  fill (dialog, 1, "prefs-server");
  {
    guint first = 0;
    GtkWidget *name_row = find_widget (GTK_WIDGET (dialog), is_entry_row, NULL, &first);
    GtkWidget *text = find_first (name_row, is_text, NULL);
    gboolean timed_out = FALSE;
    guint timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);

    g_signal_emit_by_name (text, "activate");
    while (tg_preferences_window_get_dialog (window (fixture)) != NULL && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (timed_out);
    g_source_remove (timeout);
  }
  wait_idle (fixture);
  g_assert_nonnull (tg_preferences_window_get_custom_row (window (fixture), "prefs-server"));
  g_assert_nonnull (tg_preferences_window_get_provider_row (window (fixture), "prefs-server"));
  g_assert_cmpstr (tg_catalog_get_provider (fixture->catalog, "prefs-server")->name, ==, "My Server");
  g_assert_cmpint (tg_catalog_get_provider (fixture->catalog, "prefs-server")->auth_style, ==, TG_AUTH_STYLE_BEARER);
  g_assert_nonnull (tg_preferences_window_get_key_row (window (fixture), "prefs-server"));
  g_assert_cmpint (tg_catalog_get_model (fixture->catalog, "prefs-server", "llama3.1:8b")->price_output_micros, ==, 200000);
  rows = tg_db_list_capabilities (fixture->db, "prefs-server", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* The preferences that name it: they must not outlive it. */
  {
    const char *order[] = { "openai", "prefs-server", NULL };
    const char *enabled[] = { "prefs-server", "openai", NULL };

    g_assert_true (tg_config_service_set_fallback_order (fixture->config, order, NULL));
    g_assert_true (tg_config_service_set_enabled_providers (fixture->config, enabled, NULL));
    g_assert_true (tg_config_service_set_default_provider (fixture->config, "prefs-server", NULL, NULL));
    g_assert_true (tg_config_service_set_fallback_model (fixture->config, "prefs-server", "llama3.1:8b", NULL));
    wait_idle (fixture);
  }

  /* Removing asks first. */
  {
    AdwActionRow *row = tg_preferences_window_get_custom_row (window (fixture), "prefs-server");
    /* The row's only button, an icon. */
    GtkWidget *button = find_first (GTK_WIDGET (row), is_button_labelled, NULL);

    g_assert_true (GTK_IS_BUTTON (button));
    click (button);
  }
  respond (fixture, "remove");
  g_assert_null (tg_catalog_get_provider (fixture->catalog, "prefs-server"));
  g_assert_null (tg_preferences_window_get_custom_row (window (fixture), "prefs-server"));
  g_assert_null (tg_preferences_window_get_provider_row (window (fixture), "prefs-server"));
  g_assert_null (tg_preferences_window_get_fallback_row (window (fixture), "prefs-server"));
  {
    g_autoptr(TgConfigService) again = reopen_config (fixture);
    const TgPreferences *prefs = tg_config_service_get_preferences (again);

    g_assert_cmpuint (g_strv_length (prefs->fallback_order), ==, 1);
    g_assert_cmpstr (prefs->fallback_order[0], ==, "openai");
    g_assert_cmpuint (g_strv_length (prefs->enabled_providers), ==, 1);
    g_assert_cmpstr (prefs->enabled_providers[0], ==, "openai");
    g_assert_null (prefs->default_provider);
    g_assert_false (g_hash_table_contains (prefs->fallback_models, "prefs-server"));
  }
  rows = tg_db_list_capabilities (fixture->db, "prefs-server", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
}

static void
test_pages (Fixture       *fixture,
            gconstpointer  user_data)
{
  const char *pages[] = { "budget", "fallback", "health", "providers" };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      tg_preferences_window_show_page (window (fixture), pages[i]);
      g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (fixture->window)),
                       ==, pages[i]);
    }

  /* Every page fits the narrowest window GNOME asks for. */
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      int minimum = 0;

      tg_preferences_window_show_page (window (fixture), pages[i]);
      /* The page, not the window: that adds its decorations to the 360. */
      gtk_widget_measure (GTK_WIDGET (adw_preferences_window_get_visible_page (ADW_PREFERENCES_WINDOW (fixture->window))),
                          GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      g_test_message ("%s: at least %d px wide", pages[i], minimum);
      g_assert_cmpint (minimum, <=, 360);
    }
}

static void
test_keyring_unavailable (void)
{
  if (g_test_subprocess ())
    {
      Fixture fixture_data = { 0 };
      Fixture *fixture = &fixture_data;
      AdwPasswordEntryRow *key_row;

      fixture_set_up (fixture, NO_KEYRING);

      g_assert_cmpstr (adw_expander_row_get_subtitle (tg_preferences_window_get_provider_row (window (fixture), "prefs-openai")),
                       ==, "Keyring unavailable");
      g_assert_cmpstr (adw_expander_row_get_subtitle (tg_preferences_window_get_provider_row (window (fixture), "ollama")),
                       ==, "Local, no key needed");
      /* The switches still work: only keyless providers count as on. */
      g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (tg_preferences_window_get_enabled_switch (window (fixture), "ollama"))));

      key_row = tg_preferences_window_get_key_row (window (fixture), "prefs-openai");
      apply_text (key_row, SECRET);
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key_row)), ==, "");
      wait_idle (fixture);
      /* Said in a toast, naming the provider; the key is nowhere. */
      g_assert_true (has_label_containing (fixture->window, "The key for Prefs Mock was not stored"));
      assert_text_nowhere (fixture->window, SECRET);

      fixture_tear_down (fixture, NO_KEYRING);
      return;
    }

  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
}

static void
test_accessible_labels (Fixture       *fixture,
                        gconstpointer  user_data)
{
  const char *order[] = { "openai", "anthropic", NULL };

  g_assert_true (tg_config_service_set_fallback_order (fixture->config, order, NULL));
  wait_idle (fixture);

  gtk_test_accessible_assert_property (tg_preferences_window_get_hard_limit_switch (window (fixture)),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Hard Limit");
  gtk_test_accessible_assert_property (tg_preferences_window_get_pause_switch (window (fixture)),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Pause Checks");
  gtk_test_accessible_assert_property (tg_preferences_window_get_interval_spin (window (fixture)),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Check Interval in Seconds");
  gtk_test_accessible_assert_property (tg_preferences_window_get_enabled_switch (window (fixture), "openai"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "OpenAI Enabled");
  gtk_test_accessible_assert_property (tg_preferences_window_get_move_up_button (window (fixture), "anthropic"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Move Anthropic Up");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (tg_preferences_window_get_move_up_button (window (fixture),
                                                                                                      "anthropic"))),
                   ==, "Move Anthropic Up");
}

/* Closed while a check and a key store are under way: the answers find the
 * window gone and do nothing (the tear-down checks that it is finalized). */
static void
test_close_while_busy (Fixture       *fixture,
                       gconstpointer  user_data)
{
  TgMockReply slow = { .first_byte_delay_ms = 500 };

  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &slow);
  click (tg_preferences_window_get_test_button (window (fixture), "prefs-openai"));
  apply_text (tg_preferences_window_get_key_row (window (fixture), "prefs-openai"), SECRET);
  g_assert_true (tg_preferences_window_is_busy (window (fixture)));
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;
    }
  return NULL;
}

/* Drag and drop, through the rows' own controllers: the source offers the
 * provider id, a drop on another row moves the dragged one to its place. */
static void
test_drag_and_drop (Fixture       *fixture,
                    gconstpointer  user_data)
{
  const char *order[] = { "openai", "anthropic", "gemini", NULL };
  const TgPreferences *prefs;
  GtkEventController *source;
  GtkEventController *target;
  g_autoptr(GdkContentProvider) content = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean dropped = FALSE;

  g_assert_true (tg_config_service_set_fallback_order (fixture->config, order, NULL));
  wait_idle (fixture);

  source = find_controller (GTK_WIDGET (tg_preferences_window_get_fallback_row (window (fixture), "openai")),
                            GTK_TYPE_DRAG_SOURCE);
  g_assert_nonnull (source);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_nonnull (content);
  g_value_init (&value, G_TYPE_STRING);
  g_assert_true (gdk_content_provider_get_value (content, &value, NULL));
  g_assert_cmpstr (g_value_get_string (&value), ==, "openai");

  /* OpenAI dropped on Gemini: last. */
  target = find_controller (GTK_WIDGET (tg_preferences_window_get_fallback_row (window (fixture), "gemini")),
                            GTK_TYPE_DROP_TARGET);
  g_assert_nonnull (target);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_assert_true (dropped);
  wait_idle (fixture);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_cmpstr (prefs->fallback_order[0], ==, "anthropic");
  g_assert_cmpstr (prefs->fallback_order[1], ==, "gemini");
  g_assert_cmpstr (prefs->fallback_order[2], ==, "openai");

  /* Gemini dropped on Anthropic: first. */
  g_value_set_string (&value, "gemini");
  target = find_controller (GTK_WIDGET (tg_preferences_window_get_fallback_row (window (fixture), "anthropic")),
                            GTK_TYPE_DROP_TARGET);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_assert_true (dropped);
  wait_idle (fixture);
  prefs = tg_config_service_get_preferences (fixture->config);
  g_assert_cmpstr (prefs->fallback_order[0], ==, "gemini");
  g_assert_cmpstr (prefs->fallback_order[1], ==, "anthropic");

  /* A provider that is not in the list is refused. */
  g_value_set_string (&value, "mistral");
  target = find_controller (GTK_WIDGET (tg_preferences_window_get_fallback_row (window (fixture), "anthropic")),
                            GTK_TYPE_DROP_TARGET);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_assert_false (dropped);
  g_assert_cmpuint (g_strv_length (tg_config_service_get_preferences (fixture->config)->fallback_order), ==, 3);
}

/* The Health page's chart: failed checks are drawn up to the slowest answered
 * one, and the caption counts them. Results come as passive reports. */
static void
test_history_chart (Fixture       *fixture,
                    gconstpointer  user_data)
{
  TgChart *chart;
  const char *description;

  tg_health_monitor_report (fixture->health, "prefs-openai", TRUE, 100, 200, NULL);
  tg_health_monitor_report (fixture->health, "prefs-openai", FALSE, 10000, 0, "timeout");
  tg_health_monitor_report (fixture->health, "prefs-openai", TRUE, 300, 200, NULL);
  tg_health_monitor_report (fixture->health, "prefs-openai", FALSE, -1, 503, "server");
  wait_idle (fixture);

  chart = tg_preferences_window_get_history_chart (window (fixture), "prefs-openai");
  g_assert_nonnull (chart);
  g_assert_cmpuint (tg_chart_get_n_series (chart), ==, 2);
  description = tg_chart_get_description (chart);
  g_test_message ("%s", description);
  g_assert_nonnull (strstr (description, "Answered: 400 in all"));
  g_assert_nonnull (strstr (description, "Failed: 600 in all"));
  g_assert_true (has_label_containing (fixture->window, "2 of the last 4 checks failed"));
  g_assert_null (tg_preferences_window_get_history_chart (window (fixture), "openai"));
}

static AdwActionRow *
row_titled (Fixture    *fixture,
            const char *title)
{
  g_autoptr(GPtrArray) rows = tg_ui_test_find_widgets (fixture->window, ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), title) == 0)
      return g_ptr_array_index (rows, i);
  g_error ("No row titled “%s”", title);
}

/* The Health page's Background group: the switches are the GSettings keys,
 * and a missing tray is said there. */
static void
test_background (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  AdwActionRow *run_row, *notify_row, *no_tray_row;
  GtkSwitch *run_switch, *notify_switch;

  g_settings_set_boolean (settings, "run-in-background", FALSE);
  g_settings_set_boolean (settings, "notifications", TRUE);
  open_window (fixture);

  /* Before the session is known: no tray, and switches that keep nothing. */
  tg_preferences_window_set_session (TG_PREFERENCES_WINDOW (fixture->window), NULL, NULL);
  run_row = row_titled (fixture, "_Run in Background");
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (run_row)));
  no_tray_row = row_titled (fixture, "Your desktop shows no tray icons");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (no_tray_row)));

  tg_preferences_window_set_session (TG_PREFERENCES_WINDOW (fixture->window), settings, NULL);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (run_row)));
  run_switch = GTK_SWITCH (adw_action_row_get_activatable_widget (run_row));
  notify_row = row_titled (fixture, "_Notifications");
  notify_switch = GTK_SWITCH (adw_action_row_get_activatable_widget (notify_row));
  g_assert_false (gtk_switch_get_active (run_switch));
  g_assert_true (gtk_switch_get_active (notify_switch));

  /* Both ways. */
  gtk_switch_set_active (run_switch, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "run-in-background"));
  g_settings_set_boolean (settings, "notifications", FALSE);
  g_assert_false (gtk_switch_get_active (notify_switch));
}

int
main (int   argc,
      char *argv[])
{
  /* The keyring-less case runs in a child: point it at a bus that does not
   * exist before anything connects to the session bus. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--GTestSubprocess"))
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tollgate-test-bus", TRUE);

  tg_ui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/preferences/keys", test_keys);
  ADD ("/preferences/enabled", test_enabled);
  ADD ("/preferences/budget", test_budget);
  ADD ("/preferences/fallback", test_fallback);
  ADD ("/preferences/drag-and-drop", test_drag_and_drop);
  ADD ("/preferences/health", test_health);
  ADD ("/preferences/history-chart", test_history_chart);
  ADD ("/preferences/connection", test_connection);
  ADD ("/preferences/base-url", test_base_url);
  ADD ("/preferences/custom-endpoint", test_custom_endpoint);
  ADD ("/preferences/pages", test_pages);
  ADD ("/preferences/accessible-labels", test_accessible_labels);
  ADD ("/preferences/close-while-busy", test_close_while_busy);
  ADD ("/preferences/background", test_background);
  g_test_add_func ("/preferences/keyring-unavailable", test_keyring_unavailable);

  return g_test_run ();
}
