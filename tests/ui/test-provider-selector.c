/* test-provider-selector.c: TgProviderSelector against a real catalogue, store
 * and keyring (run under tests/run-headless: Xvfb, a private session bus and an
 * unlocked gnome-keyring). */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-health-monitor.h"
#include "tg-health-row.h"
#include "tg-provider-selector.h"
#include "tg-provider-selector-private.h"
#include "tg-secret-store.h"
#include "tg-test-utils.h"

/* Three providers: a priced one with two models, one whose name would be bad
 * markup, and a local one with a free model. */
static const char fixture_json[] =
  "{\n"
  "  \"format_version\": 1,\n"
  "  \"providers\": [\n"
  "    {\n"
  "      \"id\": \"selector-alpha\", \"name\": \"Alpha AI\", \"wire_format\": \"openai\",\n"
  "      \"base_url\": \"https://alpha.invalid/v1\", \"auth\": \"bearer\", \"health_path\": \"/models\",\n"
  "      \"docs_url\": \"https://alpha.invalid/docs\", \"pricing_url\": \"https://alpha.invalid/pricing\",\n"
  "      \"prices_as_of\": \"2025-01-15\", \"local\": false, \"default_model\": \"alpha-large\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"alpha-large\", \"name\": \"Alpha Large\", \"context_window\": 1048576, \"max_output\": 16384,\n"
  "          \"price\": { \"input\": \"2.50\", \"output\": \"10.00\", \"cached_input\": \"1.25\" },\n"
  "          \"capabilities\": [\"streaming\", \"tools\", \"vision\", \"json\"] },\n"
  "        { \"id\": \"alpha-small\", \"name\": \"Alpha Small\", \"context_window\": 131072, \"max_output\": 8192,\n"
  "          \"price\": { \"input\": \"0.15\", \"output\": \"0.60\" },\n"
  "          \"capabilities\": [\"streaming\"] }\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"selector-beta\", \"name\": \"Beta & <Co>\", \"wire_format\": \"anthropic\",\n"
  "      \"base_url\": \"https://beta.invalid\", \"auth\": \"x-api-key\", \"health_path\": \"/v1/models\",\n"
  "      \"docs_url\": \"https://beta.invalid/docs\", \"pricing_url\": \"https://beta.invalid/pricing\",\n"
  "      \"prices_as_of\": \"2025-02-01\", \"local\": false, \"default_model\": \"beta-one\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"beta-one\", \"name\": \"Beta One\", \"context_window\": 200000, \"max_output\": 64000,\n"
  "          \"price\": { \"input\": \"3.00\", \"output\": \"15.00\", \"cached_input\": \"0.30\" },\n"
  "          \"capabilities\": [\"streaming\", \"tools\"] }\n"
  "      ]\n"
  "    },\n"
  "    {\n"
  "      \"id\": \"selector-homebox\", \"name\": \"Home Box\", \"wire_format\": \"ollama\",\n"
  "      \"base_url\": \"http://localhost:11434\", \"auth\": \"none\", \"health_path\": \"/api/tags\",\n"
  "      \"docs_url\": \"https://homebox.invalid/docs\", \"pricing_url\": \"https://homebox.invalid/license\",\n"
  "      \"prices_as_of\": \"2025-03-01\", \"local\": true, \"default_model\": \"tiny\",\n"
  "      \"models\": [\n"
  "        { \"id\": \"tiny\", \"name\": \"Tiny 1B\", \"context_window\": 32768, \"max_output\": 32768,\n"
  "          \"price\": { \"input\": \"0\", \"output\": \"0\" },\n"
  "          \"capabilities\": [\"streaming\", \"json\"] }\n"
  "      ]\n"
  "    }\n"
  "  ]\n"
  "}\n";

static const char *fixture_titles[] = { "Alpha AI", "Beta & <Co>", "Home Box" };

/* Only ever written to the keyring; it must never show up in the widget. */
#define TEST_KEY "sk-test-DO-NOT-SHOW-7f3a9c0e51"

static char *system_data_dirs;

typedef struct {
  char          *data_dir;
  TgDb          *db;
  TgCatalog     *catalog;
  TgSecretStore *secret_store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  /* G_TEST_OPTION_ISOLATE_DIRS replaced XDG_DATA_DIRS too, which hides the
   * icon themes; the widgets should look up icons as they do for real. */
  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);

  fixture->data_dir = tg_test_make_data_dir ();

  path = g_build_filename (fixture->data_dir, "fixture-catalog.json", NULL);
  g_assert_true (g_file_set_contents (path, fixture_json, -1, &error));
  g_assert_no_error (error);
  file = g_file_new_for_path (path);

  fixture->catalog = tg_catalog_new ();
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->db);
  g_assert_true (tg_catalog_sync_to_db (fixture->catalog, fixture->db, &error));
  g_assert_no_error (error);

  fixture->secret_store = tg_secret_store_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->secret_store);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers: the widget tree */

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, out);
}

static GPtrArray *
find_widgets (GtkWidget *root,
              GType      type)
{
  GPtrArray *out = g_ptr_array_new ();

  collect_widgets (root, type, out);
  return out;
}

static GtkWidget *
find_row (GtkWidget  *root,
          GType       type,
          const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, type);

  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (adw_preferences_row_get_title (row), title) == 0)
        return GTK_WIDGET (row);
    }

  g_error ("no row titled “%s”", title);
  return NULL;
}

/* The provider rows in list order: model rows are action rows, so every
 * expander row is a provider. */
static GPtrArray *
find_provider_rows (GtkWidget *selector)
{
  g_autoptr(GPtrArray) all = find_widgets (selector, ADW_TYPE_EXPANDER_ROW);

  g_assert_cmpuint (all->len, >, 0);
  return g_steal_pointer (&all);
}

static GtkLabel *
find_label_with_class (GtkWidget  *root,
                       const char *css_class)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);
  GtkLabel *found = NULL;

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (gtk_widget_has_css_class (label, css_class))
        {
          g_assert_null (found);
          found = GTK_LABEL (label);
        }
    }

  return found;
}

/* The key status text a provider row shows, NULL when it shows none. */
static const char *
get_key_status (GtkWidget  *selector,
                const char *provider_title)
{
  GtkWidget *row = find_row (selector, ADW_TYPE_EXPANDER_ROW, provider_title);
  GtkLabel *label = find_label_with_class (row, "key-status-label");

  g_assert_nonnull (label);
  if (!gtk_widget_is_visible (GTK_WIDGET (label)))
    return NULL;
  return gtk_label_get_text (label);
}

/* Every string the tree shows or tells assistive technologies. */
static void
assert_text_absent (GtkWidget  *widget,
                    const char *needle)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (GTK_IS_LABEL (widget))
    {
      g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (widget)), needle));
      g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (widget)), needle));
    }
  if (GTK_IS_EDITABLE (widget))
    g_assert_null (strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), needle));
  if (ADW_IS_PREFERENCES_ROW (widget))
    g_assert_null (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), needle));
  if (tooltip != NULL)
    g_assert_null (strstr (tooltip, needle));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_text_absent (child, needle);
}

/* Helpers: the main loop */

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static void
wait_for_keys (GtkWidget *selector)
{
  gboolean refreshed = FALSE;
  gboolean timed_out = FALSE;
  gulong handler;
  guint timeout;

  handler = g_signal_connect_swapped (selector, "keys-refreshed", G_CALLBACK (set_flag), &refreshed);
  timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);

  while (!refreshed && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout);
  g_signal_handler_disconnect (selector, handler);
}

static void
store_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
store_key (TgSecretStore *store,
           const char    *provider_id,
           const char    *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tg_secret_store_store_async (store, provider_id, key, NULL, store_key_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (tg_secret_store_store_finish (store, result, &error));
  g_assert_no_error (error);
}

/* Object data is freed in finalize, not in dispose (unlike weak pointers,
 * which g_object_run_dispose() already clears): it tells when an object is
 * really gone. */
static void
mark_finalized (gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
watch_finalize (gpointer  object,
                gboolean *finalized)
{
  *finalized = FALSE;
  g_object_set_data_full (G_OBJECT (object), "test-finalize-watch", finalized, mark_finalized);
}

/* Drops the last reference and checks that it was the last: no pending
 * keyring call or signal handler keeps the widget alive. */
static void
assert_finalizes (gpointer object)
{
  gboolean finalized;

  watch_finalize (object, &finalized);
  g_object_unref (object);
  g_assert_true (finalized);
}

static GtkWidget *
create_selector (Fixture *fixture)
{
  GtkWidget *selector = tg_provider_selector_new (fixture->catalog, fixture->secret_store);

  g_object_ref_sink (selector);
  return selector;
}

static void
set_services (Fixture          *fixture,
              GtkWidget        *selector,
              TgConfigService **config,
              TgHealthMonitor **monitor)
{
  *config = tg_config_service_new (fixture->db, fixture->catalog);
  *monitor = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secret_store);
  tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), *config, *monitor);
  g_assert_true (tg_provider_selector_get_config (TG_PROVIDER_SELECTOR (selector)) == *config);
  g_assert_true (tg_provider_selector_get_health_monitor (TG_PROVIDER_SELECTOR (selector)) == *monitor);
}

/* Tests: formatting */

static void
test_format_limits (void)
{
  TgModelCapabilities model = { 0 };
  g_autofree char *both = NULL;
  g_autofree char *million = NULL;
  g_autofree char *context_only = NULL;
  g_autofree char *none = NULL;

  model.context_window = 128000;
  model.max_output = 16384;
  both = tg_format_model_limits (&model);
  g_assert_cmpstr (both, ==, "128K context · 16K output");

  model.context_window = 1048576;
  model.max_output = 65536;
  million = tg_format_model_limits (&model);
  g_assert_cmpstr (million, ==, "1.05M context · 66K output");

  model.context_window = 200000;
  model.max_output = 0;
  context_only = tg_format_model_limits (&model);
  g_assert_cmpstr (context_only, ==, "200K context");

  model.context_window = 0;
  none = tg_format_model_limits (&model);
  g_assert_null (none);
}

static void
test_format_prices (void)
{
  TgModelCapabilities model = { 0 };
  g_autofree char *cached = NULL;
  g_autofree char *no_discount = NULL;
  g_autofree char *free_model = NULL;

  model.price_input_micros = 2500000;
  model.price_output_micros = 10000000;
  model.price_cached_input_micros = 1250000;
  cached = tg_format_model_prices (&model);
  g_assert_cmpstr (cached, ==, "$2.50 in · $10.00 out · $1.25 cached / 1M tokens");

  model.price_input_micros = 590000;
  model.price_output_micros = 790000;
  model.price_cached_input_micros = 590000;
  no_discount = tg_format_model_prices (&model);
  g_assert_cmpstr (no_discount, ==, "$0.59 in · $0.79 out / 1M tokens");

  model.price_input_micros = 0;
  model.price_output_micros = 0;
  model.price_cached_input_micros = 0;
  free_model = tg_format_model_prices (&model);
  g_assert_cmpstr (free_model, ==, "Free");
}

/* Tests: the widget */

static void
test_rows (Fixture       *fixture,
           gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(GPtrArray) provider_rows = find_provider_rows (selector);
  g_autoptr(GPtrArray) badges = NULL;
  g_auto(GStrv) lines = NULL;
  GtkWidget *provider_row;
  GtkWidget *model_row;
  GtkWidget *free_row;
  g_autofree char *badge_text = NULL;
  GString *joined = g_string_new (NULL);

  /* One row per provider, in catalogue order. */
  g_assert_cmpuint (provider_rows->len, ==, G_N_ELEMENTS (fixture_titles));
  for (guint i = 0; i < provider_rows->len; i++)
    g_assert_cmpstr (adw_preferences_row_get_title (g_ptr_array_index (provider_rows, i)), ==, fixture_titles[i]);

  provider_row = g_ptr_array_index (provider_rows, 0);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (provider_row)), ==,
                   "OpenAI-compatible API · Prices as of January 15, 2025");
  g_assert_cmpstr (adw_expander_row_get_subtitle (g_ptr_array_index (provider_rows, 2)), ==,
                   "Local · Ollama API");

  /* A model row: id, limits and prices, one per line. */
  model_row = find_row (provider_row, ADW_TYPE_ACTION_ROW, "Alpha Large");
  lines = g_strsplit (adw_action_row_get_subtitle (ADW_ACTION_ROW (model_row)), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "alpha-large");
  g_assert_cmpstr (lines[1], ==, "1.05M context · 16K output");
  g_assert_cmpstr (lines[2], ==, "$2.50 in · $10.00 out · $1.25 cached / 1M tokens");

  /* Capability badges are text. */
  badges = find_widgets (model_row, GTK_TYPE_LABEL);
  for (guint i = 0; i < badges->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (badges, i);

      if (gtk_widget_has_css_class (label, "capability-badge"))
        g_string_append_printf (joined, "%s%s", joined->len > 0 ? "," : "", gtk_label_get_text (GTK_LABEL (label)));
    }
  badge_text = g_string_free (joined, FALSE);
  g_assert_cmpstr (badge_text, ==, "Streaming,Tools,Vision,JSON");

  /* No cache discount: no cached price. */
  model_row = find_row (provider_row, ADW_TYPE_ACTION_ROW, "Alpha Small");
  g_assert_true (g_str_has_suffix (adw_action_row_get_subtitle (ADW_ACTION_ROW (model_row)),
                                   "\n$0.15 in · $0.60 out / 1M tokens"));

  /* A local model costs nothing. */
  free_row = find_row (g_ptr_array_index (provider_rows, 2), ADW_TYPE_ACTION_ROW, "Tiny 1B");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (free_row)), ==,
                   "tiny\n33K context · 33K output\nFree");

  wait_for_keys (selector);
  assert_finalizes (selector);
}

static void
test_key_status (Fixture       *fixture,
                 gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;

  /* With every part of the page filled in: the key reaches none of it. */
  set_services (fixture, selector, &config, &monitor);
  g_assert_true (tg_config_service_set_default_provider (config, "selector-beta", NULL, NULL));
  tg_health_monitor_report (monitor, "selector-beta", TRUE, 200, 200, NULL);
  wait_for_keys (selector);
  g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

  store_key (fixture->secret_store, "selector-beta", TEST_KEY);

  /* Nothing changes until asked. */
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "No key");

  tg_provider_selector_refresh_keys (TG_PROVIDER_SELECTOR (selector));
  wait_for_keys (selector);
  g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "No key");
  g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "Key stored");
  g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

  /* The key itself never reaches the widget, expanded or not. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture_titles); i++)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find_row (selector, ADW_TYPE_EXPANDER_ROW, fixture_titles[i])), TRUE);
  assert_text_absent (selector, TEST_KEY);

  /* No keyring message while the keyring answers. */
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (find_label_with_class (selector, "warning"))));

  g_assert_true (tg_secret_store_delete_sync (fixture->secret_store, "selector-beta", &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);

  /* Dropped while a refresh is under way: the call is cancelled, and its
   * answer releases the widget instead of updating it. */
  {
    gboolean finalized;
    gboolean timed_out = FALSE;
    guint timeout;

    tg_provider_selector_refresh_keys (TG_PROVIDER_SELECTOR (selector));
    watch_finalize (selector, &finalized);
    g_object_run_dispose (G_OBJECT (selector));
    g_object_unref (selector);

    timeout = g_timeout_add_seconds (30, timeout_cb, &timed_out);
    while (!finalized && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (finalized);
    g_source_remove (timeout);
  }
}


/* Tests: choosing, health and fallbacks (with the services) */

/* The radio button in a row's prefix. */
static GtkCheckButton *
find_radio (GtkWidget *row)
{
  g_autoptr(GPtrArray) checks = find_widgets (row, GTK_TYPE_CHECK_BUTTON);

  g_assert_cmpuint (checks->len, >, 0);
  return g_ptr_array_index (checks, 0);
}

/* Whether a row shows the "Default" marker: a visible badge with a star and
 * the word. Model rows are searched in a provider row only when asked for. */
static gboolean
shows_default (GtkWidget *row)
{
  g_autoptr(GPtrArray) boxes = find_widgets (row, GTK_TYPE_BOX);
  gboolean found = FALSE;

  for (guint i = 0; i < boxes->len; i++)
    {
      GtkWidget *box = g_ptr_array_index (boxes, i);
      GtkWidget *icon, *label;

      if (!gtk_widget_has_css_class (box, "default-badge"))
        continue;
      /* A provider row's own badge, not one of its model rows'. (The
       * expander's header is an action row too.) */
      if (ADW_IS_EXPANDER_ROW (row))
        {
          GtkWidget *inner = gtk_widget_get_ancestor (box, ADW_TYPE_ACTION_ROW);

          if (inner != NULL && gtk_widget_has_css_class (inner, "model-row"))
            continue;
        }

      icon = gtk_widget_get_first_child (box);
      label = gtk_widget_get_next_sibling (icon);
      g_assert_true (GTK_IS_IMAGE (icon));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Default");
      g_assert_false (found);
      found = gtk_widget_get_visible (box);
    }

  return found;
}

/* What a fresh start would see: a new connection and a new service. */
static void
assert_saved_default (Fixture    *fixture,
                      const char *provider_id,
                      const char *model_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_db_open_default (&error);
  g_autoptr(TgConfigService) config = NULL;
  const TgPreferences *prefs;

  g_assert_no_error (error);
  config = tg_config_service_new (db, fixture->catalog);
  g_assert_true (tg_config_service_is_stored (config));
  prefs = tg_config_service_get_preferences (config);
  g_assert_cmpstr (prefs->default_provider, ==, provider_id);
  g_assert_cmpstr (prefs->default_model, ==, model_id);
}

static void
count_changes (guint *counter)
{
  (*counter)++;
}

static void
test_choose_provider (Fixture       *fixture,
                      gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  GtkWidget *alpha, *beta, *home;
  GtkWidget *beta_one, *alpha_large;
  guint changes = 0;

  /* No services: nothing to choose with. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (find_radio (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Alpha AI")))));

  set_services (fixture, selector, &config, &monitor);
  g_signal_connect_swapped (config, "changed::default-provider", G_CALLBACK (count_changes), &changes);
  alpha = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Alpha AI");
  beta = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>");
  home = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Home Box");
  beta_one = find_row (beta, ADW_TYPE_ACTION_ROW, "Beta One");
  alpha_large = find_row (alpha, ADW_TYPE_ACTION_ROW, "Alpha Large");

  /* First run: no default yet, nothing chosen. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (find_radio (alpha))));
  for (GtkWidget **row = (GtkWidget *[]) { alpha, beta, home, beta_one, alpha_large, NULL }; *row != NULL; row++)
    {
      g_assert_false (gtk_check_button_get_active (find_radio (*row)));
      g_assert_false (shows_default (*row));
    }

  /* Choosing is saving: no other step. */
  gtk_check_button_set_active (find_radio (beta), TRUE);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_provider, ==, "selector-beta");
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_model, ==, "beta-one");
  assert_saved_default (fixture, "selector-beta", "beta-one");

  /* The provider and its default model are marked, nothing else. */
  g_assert_true (gtk_check_button_get_active (find_radio (beta)));
  g_assert_true (shows_default (beta));
  g_assert_true (gtk_check_button_get_active (find_radio (beta_one)));
  g_assert_true (shows_default (beta_one));
  g_assert_false (gtk_check_button_get_active (find_radio (alpha)));
  g_assert_false (shows_default (alpha));
  g_assert_false (shows_default (alpha_large));

  /* Another provider: the radios are one group. */
  gtk_check_button_set_active (find_radio (alpha), TRUE);
  assert_saved_default (fixture, "selector-alpha", "alpha-large");
  g_assert_false (gtk_check_button_get_active (find_radio (beta)));
  g_assert_false (shows_default (beta));
  g_assert_false (shows_default (beta_one));
  g_assert_true (shows_default (alpha));
  g_assert_true (shows_default (alpha_large));
  g_assert_cmpuint (changes, ==, 2);

  /* A change made elsewhere (the CLI, the preferences window) shows at
   * once, and is not saved back a second time. */
  g_assert_true (tg_config_service_set_default_provider (config, "selector-homebox", NULL, NULL));
  g_assert_cmpuint (changes, ==, 3);
  g_assert_true (gtk_check_button_get_active (find_radio (home)));
  g_assert_true (shows_default (home));
  g_assert_false (gtk_check_button_get_active (find_radio (alpha)));
  g_assert_false (shows_default (alpha));
  g_assert_false (gtk_check_button_get_active (find_radio (alpha_large)));

  /* No default at all. */
  g_assert_true (tg_config_service_set_default_provider (config, NULL, NULL, NULL));
  g_assert_false (gtk_check_button_get_active (find_radio (home)));
  g_assert_false (shows_default (home));
  g_assert_cmpuint (changes, ==, 4);

  wait_for_keys (selector);
  assert_finalizes (selector);
}

static void
test_choose_model (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  GtkWidget *alpha, *beta, *alpha_small, *alpha_large, *beta_one;

  set_services (fixture, selector, &config, &monitor);
  g_assert_true (tg_config_service_set_default_provider (config, "selector-beta", NULL, NULL));
  alpha = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Alpha AI");
  beta = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>");
  alpha_small = find_row (alpha, ADW_TYPE_ACTION_ROW, "Alpha Small");
  alpha_large = find_row (alpha, ADW_TYPE_ACTION_ROW, "Alpha Large");
  beta_one = find_row (beta, ADW_TYPE_ACTION_ROW, "Beta One");
  g_assert_true (shows_default (beta_one));

  /* Activating a model row of another provider (a click or Enter on it)
   * makes both the default, and saves them. */
  g_assert_true (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (alpha_small)) == GTK_WIDGET (find_radio (alpha_small)));
  adw_action_row_activate (ADW_ACTION_ROW (alpha_small));
  assert_saved_default (fixture, "selector-alpha", "alpha-small");
  g_assert_true (gtk_check_button_get_active (find_radio (alpha_small)));
  g_assert_true (shows_default (alpha_small));
  g_assert_true (gtk_check_button_get_active (find_radio (alpha)));
  g_assert_true (shows_default (alpha));
  g_assert_false (gtk_check_button_get_active (find_radio (beta_one)));
  g_assert_false (shows_default (beta_one));
  g_assert_false (shows_default (beta));

  /* Another model of the same provider. */
  adw_action_row_activate (ADW_ACTION_ROW (alpha_large));
  assert_saved_default (fixture, "selector-alpha", "alpha-large");
  g_assert_false (shows_default (alpha_small));
  g_assert_true (shows_default (alpha_large));
  g_assert_true (shows_default (alpha));

  /* The model alone changed elsewhere. */
  g_assert_true (tg_config_service_set_default_model (config, "alpha-small", NULL));
  g_assert_true (gtk_check_button_get_active (find_radio (alpha_small)));
  g_assert_false (gtk_check_button_get_active (find_radio (alpha_large)));

  wait_for_keys (selector);
  assert_finalizes (selector);
}

static void
save_toast (char       **out,
            const char  *message)
{
  g_free (*out);
  *out = g_strdup (message);
}

/* A store that cannot save: the choice is refused with a toast, and the rows
 * go back to what is saved. */
static void
test_choose_error (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = tg_config_service_new (NULL, fixture->catalog);
  g_autofree char *toast = NULL;
  GtkWidget *beta;

  tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), config, NULL);
  g_signal_connect_swapped (selector, "toast", G_CALLBACK (save_toast), &toast);
  beta = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>");

  gtk_check_button_set_active (find_radio (beta), TRUE);
  g_assert_nonnull (toast);
  g_assert_cmpstr (toast, !=, "");
  g_assert_null (tg_config_service_get_preferences (config)->default_provider);
  g_assert_false (gtk_check_button_get_active (find_radio (beta)));
  g_assert_false (shows_default (beta));

  /* Without a monitor the rows show no health. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (find_widgets (beta, TG_TYPE_HEALTH_ROW)->pdata[0])));

  wait_for_keys (selector);
  assert_finalizes (selector);
}

/* Choosing a provider that has no key saves it, and says that requests will
 * fail; one with a key, or a local one, says nothing. */
static void
test_choose_without_key (Fixture       *fixture,
                         gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *toast = NULL;
  gboolean deleted = FALSE;

  store_key (fixture->secret_store, "selector-beta", TEST_KEY);
  set_services (fixture, selector, &config, &monitor);
  wait_for_keys (selector);
  g_signal_connect_swapped (selector, "toast", G_CALLBACK (save_toast), &toast);

  gtk_check_button_set_active (find_radio (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Alpha AI")), TRUE);
  assert_saved_default (fixture, "selector-alpha", "alpha-large");
  g_assert_cmpstr (toast, ==, "Alpha AI has no API key yet: requests will fail until one is added");
  g_clear_pointer (&toast, g_free);

  gtk_check_button_set_active (find_radio (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>")), TRUE);
  assert_saved_default (fixture, "selector-beta", "beta-one");
  g_assert_null (toast);

  gtk_check_button_set_active (find_radio (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Home Box")), TRUE);
  assert_saved_default (fixture, "selector-homebox", "tiny");
  g_assert_null (toast);

  g_assert_true (tg_secret_store_delete_sync (fixture->secret_store, "selector-beta", &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (deleted);
  assert_finalizes (selector);
}

static TgHealthRow *
find_health_row (GtkWidget  *selector,
                 const char *provider_title)
{
  GtkWidget *row = find_row (selector, ADW_TYPE_EXPANDER_ROW, provider_title);
  g_autoptr(GPtrArray) found = find_widgets (row, TG_TYPE_HEALTH_ROW);

  g_assert_cmpuint (found->len, ==, 1);
  g_assert_true (gtk_widget_get_visible (g_ptr_array_index (found, 0)));
  return g_ptr_array_index (found, 0);
}

/* The status text and icon a provider row shows. */
static void
assert_health_shown (GtkWidget  *selector,
                     const char *provider_title,
                     const char *text,
                     const char *icon_name,
                     const char *style)
{
  TgHealthRow *health_row = find_health_row (selector, provider_title);
  GtkLabel *label = find_label_with_class (GTK_WIDGET (health_row), "health-status-label");
  g_autoptr(GPtrArray) images = find_widgets (GTK_WIDGET (health_row), GTK_TYPE_IMAGE);
  GtkWidget *icon = g_ptr_array_index (images, 0);

  g_assert_cmpstr (gtk_label_get_text (label), ==, text);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, icon_name);
  g_assert_true (gtk_widget_has_css_class (icon, style));
}

static const char *
health_detail (GtkWidget  *selector,
               const char *provider_title)
{
  TgHealthRow *health_row = find_health_row (selector, provider_title);

  return gtk_label_get_text (find_label_with_class (GTK_WIDGET (health_row), "health-detail-label"));
}

static void
test_health (Fixture       *fixture,
             gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  guint alpha_updates = 0, beta_updates = 0, home_updates = 0;

  set_services (fixture, selector, &config, &monitor);
  wait_for_keys (selector);

  for (guint i = 0; i < G_N_ELEMENTS (fixture_titles); i++)
    {
      assert_health_shown (selector, fixture_titles[i], "Unknown", "dialog-question-symbolic", "dim-label");
      g_assert_cmpstr (health_detail (selector, fixture_titles[i]), ==, "never checked");
    }

  g_signal_connect_swapped (find_health_row (selector, "Alpha AI"), "notify::health", G_CALLBACK (count_changes), &alpha_updates);
  g_signal_connect_swapped (find_health_row (selector, "Beta & <Co>"), "notify::health", G_CALLBACK (count_changes), &beta_updates);
  g_signal_connect_swapped (find_health_row (selector, "Home Box"), "notify::health", G_CALLBACK (count_changes), &home_updates);

  /* A request that went well: healthy, checked just now. */
  tg_health_monitor_report (monitor, "selector-alpha", TRUE, 250, 200, NULL);
  assert_health_shown (selector, "Alpha AI", "Healthy", "emblem-ok-symbolic", "success");
  g_assert_cmpstr (health_detail (selector, "Alpha AI"), ==, "checked just now");
  g_assert_cmpuint (alpha_updates, >, 0);

  /* The page's timer ages every row's text, from the same result. */
  {
    gint64 checked = tg_health_row_get_health (find_health_row (selector, "Alpha AI"))->last_check_ms;

    g_assert_cmpint (checked, >, 0);
    tg_provider_selector_update_ages (TG_PROVIDER_SELECTOR (selector), checked + 3 * 60000 + 1000);
    g_assert_cmpstr (health_detail (selector, "Alpha AI"), ==, "checked 3 min ago");
    g_assert_cmpstr (health_detail (selector, "Beta & <Co>"), ==, "never checked");
    tg_provider_selector_update_ages (TG_PROVIDER_SELECTOR (selector), checked + 2 * 3600000);
    g_assert_cmpstr (health_detail (selector, "Alpha AI"), ==, "checked 2 hours ago");
    assert_health_shown (selector, "Alpha AI", "Healthy", "emblem-ok-symbolic", "success");
  }

  /* Failed requests until the circuit opens: down at once, on that row. */
  for (guint i = 0; i < 5 && tg_health_monitor_get_status (monitor, "selector-alpha") != TG_HEALTH_STATUS_DOWN; i++)
    tg_health_monitor_report (monitor, "selector-alpha", FALSE, 1200, 503, "server");
  g_assert_cmpint (tg_health_monitor_get_status (monitor, "selector-alpha"), ==, TG_HEALTH_STATUS_DOWN);
  assert_health_shown (selector, "Alpha AI", "Down", "network-error-symbolic", "error");
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (find_health_row (selector, "Alpha AI"))));

  /* No other row was touched. */
  g_assert_cmpuint (beta_updates, ==, 0);
  g_assert_cmpuint (home_updates, ==, 0);
  assert_health_shown (selector, "Beta & <Co>", "Unknown", "dialog-question-symbolic", "dim-label");
  assert_health_shown (selector, "Home Box", "Unknown", "dialog-question-symbolic", "dim-label");

  /* And the other way: only beta's row changes. */
  alpha_updates = 0;
  tg_health_monitor_report (monitor, "selector-beta", TRUE, 300, 200, NULL);
  assert_health_shown (selector, "Beta & <Co>", "Healthy", "emblem-ok-symbolic", "success");
  g_assert_cmpuint (beta_updates, >, 0);
  g_assert_cmpuint (alpha_updates, ==, 0);
  assert_health_shown (selector, "Alpha AI", "Down", "network-error-symbolic", "error");

  /* A new selector on the same monitor starts from its state. */
  {
    GtkWidget *other = create_selector (fixture);

    tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (other), config, monitor);
    assert_health_shown (other, "Alpha AI", "Down", "network-error-symbolic", "error");
    wait_for_keys (other);
    assert_finalizes (other);
  }

  /* Taking the monitor away hides the health and disconnects: reports no
   * longer reach the rows. */
  tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), config, NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (find_widgets (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>"), TG_TYPE_HEALTH_ROW)->pdata[0])));
  beta_updates = 0;
  tg_health_monitor_report (monitor, "selector-beta", FALSE, 300, 503, "server");
  g_assert_cmpuint (beta_updates, ==, 0);

  assert_finalizes (selector);
}

/* The window may hand over the services before the catalogue, and reload the
 * catalogue later: the rows built then show the default and the health. */
static void
test_services_first (Fixture       *fixture,
                     gconstpointer  user_data)
{
  GtkWidget *selector = g_object_ref_sink (tg_provider_selector_new (NULL, NULL));
  g_autoptr(TgConfigService) config = tg_config_service_new (fixture->db, fixture->catalog);
  g_autoptr(TgHealthMonitor) monitor = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secret_store);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  GtkWidget *beta;

  g_assert_true (tg_config_service_set_default_provider (config, "selector-beta", NULL, NULL));
  tg_health_monitor_report (monitor, "selector-beta", TRUE, 200, 200, NULL);

  tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), config, monitor);
  before = find_widgets (selector, ADW_TYPE_EXPANDER_ROW);
  g_assert_cmpuint (before->len, ==, 0);

  tg_provider_selector_set_catalog (TG_PROVIDER_SELECTOR (selector), fixture->catalog);
  beta = find_row (selector, ADW_TYPE_EXPANDER_ROW, "Beta & <Co>");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (find_radio (beta))));
  g_assert_true (gtk_check_button_get_active (find_radio (beta)));
  g_assert_true (shows_default (beta));
  g_assert_true (shows_default (find_row (beta, ADW_TYPE_ACTION_ROW, "Beta One")));
  assert_health_shown (selector, "Beta & <Co>", "Healthy", "emblem-ok-symbolic", "success");

  /* A reload builds new rows; they still follow the services. */
  tg_provider_selector_set_catalog (TG_PROVIDER_SELECTOR (selector), NULL);
  tg_provider_selector_set_catalog (TG_PROVIDER_SELECTOR (selector), fixture->catalog);
  after = find_widgets (selector, ADW_TYPE_EXPANDER_ROW);
  g_assert_cmpuint (after->len, ==, G_N_ELEMENTS (fixture_titles));
  for (guint i = 0; i < 5; i++)
    tg_health_monitor_report (monitor, "selector-beta", FALSE, 200, 503, "server");
  assert_health_shown (selector, "Beta & <Co>", "Down", "network-error-symbolic", "error");
  gtk_check_button_set_active (find_radio (find_row (selector, ADW_TYPE_EXPANDER_ROW, "Alpha AI")), TRUE);
  assert_saved_default (fixture, "selector-alpha", "alpha-large");

  assert_finalizes (selector);
}

/* The rows of the "Fallback Order" group, as "title\nsubtitle". */
static char *
fallback_text (GtkWidget *selector)
{
  g_autoptr(GPtrArray) rows = find_widgets (selector, ADW_TYPE_ACTION_ROW);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (!gtk_widget_has_css_class (row, "fallback-row"))
        continue;
      g_assert_true (gtk_widget_is_visible (row));
      g_string_append_printf (text, "%s%s\n%s",
                              text->len > 0 ? "\n" : "",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
    }

  return g_string_free (text, FALSE);
}

static void
test_fallback (Fixture       *fixture,
               gconstpointer  user_data)
{
  GtkWidget *selector = create_selector (fixture);
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *two = NULL;
  g_autofree char *chosen = NULL;
  g_autofree char *larger = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) buttons = NULL;
  gboolean edit_found = FALSE;

  set_services (fixture, selector, &config, &monitor);

  /* The group is there, with its way to the preferences. */
  groups = find_widgets (selector, ADW_TYPE_PREFERENCES_GROUP);
  g_assert_cmpuint (groups->len, ==, 1);
  g_assert_true (gtk_widget_get_visible (g_ptr_array_index (groups, 0)));
  g_assert_cmpstr (adw_preferences_group_get_title (g_ptr_array_index (groups, 0)), ==, "Fallback Order");
  buttons = find_widgets (g_ptr_array_index (groups, 0), GTK_TYPE_BUTTON);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (g_ptr_array_index (buttons, i)), "app.preferences") == 0)
      edit_found = TRUE;
  g_assert_true (edit_found);

  empty = fallback_text (selector);
  g_assert_cmpstr (empty, ==, "No fallback providers\nWhen the default provider is down, requests fail.");

  /* Alpha Small streams with 131K of context: Beta One can do that, Tiny's
   * 33K cannot. */
  g_assert_true (tg_config_service_set_default_provider (config, "selector-alpha", "alpha-small", NULL));
  g_assert_true (tg_config_service_set_fallback_order (config, (const char *[]) { "selector-beta", "selector-homebox", NULL }, NULL));
  two = fallback_text (selector);
  g_assert_cmpstr (two, ==,
                   "1. Beta & <Co>\n→ Beta One (automatic)\n"
                   "2. Home Box\nNo model here can do what the default model does");

  /* The automatic choice follows the default model: nothing of Beta's has
   * Alpha Large's million tokens of context. */
  g_assert_true (tg_config_service_set_default_model (config, "alpha-large", NULL));
  larger = fallback_text (selector);
  g_assert_cmpstr (larger, ==,
                   "1. Beta & <Co>\nNo model here can do what the default model does\n"
                   "2. Home Box\nNo model here can do what the default model does");

  /* An explicit mapping, and a new order. */
  g_assert_true (tg_config_service_set_default_model (config, "alpha-small", NULL));
  g_assert_true (tg_config_service_set_fallback_order (config, (const char *[]) { "selector-homebox", "selector-beta", NULL }, NULL));
  g_assert_true (tg_config_service_set_fallback_model (config, "selector-beta", "beta-one", NULL));
  chosen = fallback_text (selector);
  g_assert_cmpstr (chosen, ==,
                   "1. Home Box\nNo model here can do what the default model does\n"
                   "2. Beta & <Co>\n→ Beta One (chosen)");

  /* No configuration service: no group. */
  tg_provider_selector_set_services (TG_PROVIDER_SELECTOR (selector), NULL, monitor);
  g_assert_false (gtk_widget_get_visible (g_ptr_array_index (groups, 0)));

  wait_for_keys (selector);
  assert_finalizes (selector);
}

static void
test_empty (void)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(TgCatalog) catalog = NULL;
  GtkWidget *selectors[2];

  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);
  data_dir = tg_test_make_data_dir ();
  catalog = tg_catalog_new ();

  /* No catalogue at all, and one with no providers. */
  selectors[0] = g_object_ref_sink (tg_provider_selector_new (NULL, NULL));
  selectors[1] = g_object_ref_sink (tg_provider_selector_new (catalog, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (selectors); i++)
    {
      g_autoptr(GPtrArray) pages = find_widgets (selectors[i], ADW_TYPE_STATUS_PAGE);
      g_autoptr(GPtrArray) rows = find_widgets (selectors[i], ADW_TYPE_EXPANDER_ROW);
      AdwStatusPage *page;

      g_assert_cmpuint (pages->len, ==, 1);
      page = g_ptr_array_index (pages, 0);
      g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (page)));
      g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Providers");
      g_assert_cmpuint (rows->len, ==, 0);

      assert_finalizes (selectors[i]);
    }
}

static void
test_narrow (Fixture       *fixture,
             gconstpointer  user_data)
{
  GtkWidget *selector = tg_provider_selector_new (fixture->catalog, fixture->secret_store);
  GtkWidget *window = gtk_window_new ();
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  gboolean timed_out = FALSE;
  gboolean finalized;
  guint timeout;
  int minimum;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  gtk_window_set_child (GTK_WINDOW (window), selector);

  /* Every part shown: radios, Default badges, health with the longest
   * texts, and the fallback order. */
  set_services (fixture, selector, &config, &monitor);
  g_assert_true (tg_config_service_set_default_provider (config, "selector-alpha", "alpha-large", NULL));
  g_assert_true (tg_config_service_set_fallback_order (config, (const char *[]) { "selector-beta", "selector-homebox", NULL }, NULL));
  tg_health_monitor_report (monitor, "selector-alpha", TRUE, 250, 200, NULL);
  for (guint i = 0; i < 5; i++)
    tg_health_monitor_report (monitor, "selector-beta", FALSE, 250, 503, "server");

  /* Everything expanded: the longest texts are in the model rows. */
  for (guint i = 0; i < G_N_ELEMENTS (fixture_titles); i++)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (find_row (selector, ADW_TYPE_EXPANDER_ROW, fixture_titles[i])), TRUE);
  wait_for_keys (selector);

  gtk_widget_measure (selector, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);

  /* A real layout at 360 px: any GTK warning on the way aborts the test, and
   * the window must not have grown to fit its content. */
  gtk_window_present (GTK_WINDOW (window));
  timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (gtk_widget_get_width (selector) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (gtk_widget_get_width (window), ==, 360);
  g_assert_cmpint (gtk_widget_get_width (selector), ==, 360);

  watch_finalize (selector, &finalized);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (finalized);
}

/* Runs in a child process whose session bus address leads nowhere (see main()). */
static void
test_keyring_unavailable (Fixture       *fixture,
                          gconstpointer  user_data)
{
  if (g_test_subprocess ())
    {
      GtkWidget *selector = create_selector (fixture);
      GtkLabel *message;

      wait_for_keys (selector);
      g_assert_cmpstr (get_key_status (selector, "Alpha AI"), ==, "Keyring unavailable");
      g_assert_cmpstr (get_key_status (selector, "Beta & <Co>"), ==, "Keyring unavailable");
      /* A local provider needs no key, keyring or not. */
      g_assert_cmpstr (get_key_status (selector, "Home Box"), ==, "No key needed");

      message = find_label_with_class (selector, "warning");
      g_assert_nonnull (message);
      g_assert_true (gtk_widget_is_visible (GTK_WIDGET (message)));
      g_assert_true (gtk_label_get_wrap (message));
      g_assert_nonnull (strstr (gtk_label_get_text (message), "keyring is not available"));

      assert_finalizes (selector);
      return;
    }

  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");

  /* Saved before the per-test isolation replaces it. */
  system_data_dirs = g_strdup (data_dirs != NULL && data_dirs[0] != '\0' ? data_dirs : "/usr/local/share:/usr/share");

  tg_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  /* The only child process is the keyring-less case: point it at a bus that
   * does not exist before anything (libadwaita's settings portal, libsecret)
   * connects to the session bus and caches the connection. */
  if (g_test_subprocess ())
    {
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tollgate-test-bus", TRUE);
      /* GTK's accessibility bridge would warn that it has no bus. */
      g_setenv ("GTK_A11Y", "none", TRUE);
    }

  /* tg_test_init() isolated XDG_DATA_DIRS too, which hides the GSettings
   * schemas libadwaita looks up when it starts. */
  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);

  /* Month names and number formats as asserted, whatever the caller's locale. */
  gtk_disable_setlocale ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/provider-selector/format/limits", test_format_limits);
  g_test_add_func ("/provider-selector/format/prices", test_format_prices);
  g_test_add ("/provider-selector/rows", Fixture, NULL, fixture_set_up, test_rows, fixture_tear_down);
  g_test_add ("/provider-selector/key-status", Fixture, NULL, fixture_set_up, test_key_status, fixture_tear_down);
  g_test_add ("/provider-selector/choose-provider", Fixture, NULL, fixture_set_up, test_choose_provider, fixture_tear_down);
  g_test_add ("/provider-selector/choose-model", Fixture, NULL, fixture_set_up, test_choose_model, fixture_tear_down);
  g_test_add ("/provider-selector/choose-error", Fixture, NULL, fixture_set_up, test_choose_error, fixture_tear_down);
  g_test_add ("/provider-selector/choose-without-key", Fixture, NULL, fixture_set_up, test_choose_without_key, fixture_tear_down);
  g_test_add ("/provider-selector/health", Fixture, NULL, fixture_set_up, test_health, fixture_tear_down);
  g_test_add ("/provider-selector/services-first", Fixture, NULL, fixture_set_up, test_services_first, fixture_tear_down);
  g_test_add ("/provider-selector/fallback", Fixture, NULL, fixture_set_up, test_fallback, fixture_tear_down);
  g_test_add_func ("/provider-selector/empty", test_empty);
  g_test_add ("/provider-selector/narrow", Fixture, NULL, fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add ("/provider-selector/keyring-unavailable", Fixture, NULL, fixture_set_up, test_keyring_unavailable, fixture_tear_down);

  return g_test_run ();
}
