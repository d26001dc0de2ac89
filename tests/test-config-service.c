/* test-config-service.c: TgConfigService — preferences, validation, ::changed, fallbacks. */

#include <string.h>

#include <sqlite3.h>

#include "tg-config-service.h"
#include "tg-test-utils.h"
#include "tg-usage-test-utils.h"

/* A small catalogue whose prices make the fallback choice easy to reason about:
 * alpha's a-cheap and a-twin cost the same (0.50 per 1M in + out). */
static const char fallback_catalog[] =
  "{ \"format_version\": 1, \"providers\": ["
  "  { \"id\": \"alpha\", \"name\": \"Alpha\", \"wire_format\": \"openai\","
  "    \"base_url\": \"https://alpha.test/v1\", \"auth\": \"bearer\", \"health_path\": \"/models\","
  "    \"docs_url\": \"https://alpha.test/docs\", \"pricing_url\": \"https://alpha.test/pricing\","
  "    \"prices_as_of\": \"2026-01-01\", \"local\": false, \"default_model\": \"a-mid\","
  "    \"models\": ["
  "      { \"id\": \"a-big\", \"name\": \"A Big\", \"context_window\": 200000, \"max_output\": 8000,"
  "        \"price\": { \"input\": \"3.00\", \"output\": \"15.00\" },"
  "        \"capabilities\": [\"streaming\", \"tools\", \"vision\", \"json\"] },"
  "      { \"id\": \"a-mid\", \"name\": \"A Mid\", \"context_window\": 128000, \"max_output\": 8000,"
  "        \"price\": { \"input\": \"1.00\", \"output\": \"4.00\" },"
  "        \"capabilities\": [\"streaming\", \"tools\", \"json\"] },"
  "      { \"id\": \"a-twin\", \"name\": \"A Twin\", \"context_window\": 8000, \"max_output\": 4000,"
  "        \"price\": { \"input\": \"0.20\", \"output\": \"0.30\" },"
  "        \"capabilities\": [\"streaming\"] },"
  "      { \"id\": \"a-cheap\", \"name\": \"A Cheap\", \"context_window\": 8000, \"max_output\": 4000,"
  "        \"price\": { \"input\": \"0.10\", \"output\": \"0.40\" },"
  "        \"capabilities\": [\"streaming\"] } ] },"
  "  { \"id\": \"beta\", \"name\": \"Beta\", \"wire_format\": \"anthropic\","
  "    \"base_url\": \"https://beta.test\", \"auth\": \"x-api-key\", \"health_path\": \"/v1/models\","
  "    \"docs_url\": \"https://beta.test/docs\", \"pricing_url\": \"https://beta.test/pricing\","
  "    \"prices_as_of\": \"2026-01-01\", \"local\": false, \"default_model\": \"b-one\","
  "    \"models\": ["
  "      { \"id\": \"b-one\", \"name\": \"B One\", \"context_window\": 100000, \"max_output\": 8000,"
  "        \"price\": { \"input\": \"2.00\", \"output\": \"8.00\" },"
  "        \"capabilities\": [\"streaming\", \"tools\", \"vision\"] } ] },"
  "  { \"id\": \"home\", \"name\": \"Home\", \"wire_format\": \"ollama\","
  "    \"base_url\": \"http://localhost:11434\", \"auth\": \"none\", \"health_path\": \"/api/tags\","
  "    \"docs_url\": \"https://home.test/docs\", \"pricing_url\": \"https://home.test/pricing\","
  "    \"prices_as_of\": \"2026-01-01\", \"local\": true, \"default_model\": \"h-small\","
  "    \"models\": ["
  "      { \"id\": \"h-small\", \"name\": \"H Small\", \"context_window\": 4096, \"max_output\": 4096,"
  "        \"price\": { \"input\": \"0\", \"output\": \"0\" },"
  "        \"capabilities\": [\"streaming\"] } ] } ] }";

/* Helpers */

static TgDb *
open_db (void)
{
  g_autoptr(GError) error = NULL;
  TgDb *db = tg_db_open_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static TgCatalog *
shipped_catalog (void)
{
  g_autoptr(GError) error = NULL;
  TgCatalog *catalog = tg_catalog_new_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

static TgCatalog *
fallback_test_catalog (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "fallback-catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, fallback_catalog, -1, NULL));
  g_assert_true (tg_catalog_load_file (catalog, file, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&catalog);
}

/* Every key as "key=value", one per line: a whole-state snapshot. */
static char *
snapshot (TgConfigService *config)
{
  const char * const *keys = tg_config_service_list_keys ();
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = tg_config_service_get_string (config, keys[i], &error);

      g_assert_no_error (error);
      g_string_append_printf (text, "%s=%s\n", keys[i], value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_string (TgConfigService *config,
               const char      *key,
               const char      *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = tg_config_service_get_string (config, key, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
}

static void
set_string (TgConfigService *config,
            const char      *key,
            const char      *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_config_service_set_string (config, key, value, &error));
  g_assert_no_error (error);
}

/* Asserts @error is TG_CONFIG_ERROR/@code and its message mentions @needle. */
static void
assert_config_error (const GError *error,
                     int           code,
                     const char   *needle)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, TG_CONFIG_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, needle);
}

static void
record_key (TgConfigService *config,
            const char      *key,
            GPtrArray       *keys)
{
  g_ptr_array_add (keys, g_strdup (key));
}

static void
count (gpointer  instance,
       gpointer  arg,
       guint    *counter)
{
  (*counter)++;
}

/* The changed keys so far, comma-separated, and forgets them. */
static char *
take_keys (GPtrArray *keys)
{
  g_ptr_array_add (keys, NULL);
  {
    char *text = g_strjoinv (",", (char **) keys->pdata);
    g_ptr_array_set_size (keys, 0);
    return text;
  }
}

/* GLib 2.74's g_test_expect_message() does not see structured logging
 * (G_LOG_USE_STRUCTURED), so the messages and warnings of the repair are
 * captured here instead; outside a capture everything goes on as usual. */
static GPtrArray *captured;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (captured == NULL || !(log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING)))
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_ptr_array_add (captured, g_strdup_printf ("%s: %s", (log_level & G_LOG_LEVEL_WARNING) ? "warning" : "message",
                                                  (const char *) fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static void
start_capture (void)
{
  g_assert_null (captured);
  captured = g_ptr_array_new_with_free_func (g_free);
}

/* Ends the capture: exactly one line per pattern, in order. */
static void
assert_captured (const char * const *patterns)
{
  g_autoptr(GPtrArray) lines = g_steal_pointer (&captured);

  for (guint i = 0; i < lines->len; i++)
    g_test_message ("logged: %s", (const char *) g_ptr_array_index (lines, i));
  g_assert_cmpuint (lines->len, ==, g_strv_length ((char **) patterns));
  for (guint i = 0; patterns[i] != NULL; i++)
    if (!g_pattern_match_simple (patterns[i], g_ptr_array_index (lines, i)))
      g_error ("“%s” does not match “%s”", (const char *) g_ptr_array_index (lines, i), patterns[i]);
}

/* Loading and first run */

static void
test_first_run (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GError) error = NULL;
  const TgPreferences *prefs = tg_config_service_get_preferences (config);
  static const char * const none[] = { "nosuch", NULL };
  static const char * const keyed[] = { "ollama", "gemini", "anthropic", NULL };
  static const char * const later[] = { "openai", NULL };
  const TgCatalogProvider *anthropic = tg_catalog_get_provider (catalog, "anthropic");

  /* No row: the defaults, in memory only. */
  g_assert_false (tg_config_service_is_stored (config));
  g_assert_null (prefs->default_provider);
  g_assert_null (prefs->default_model);
  g_assert_cmpint (prefs->budget_micros, ==, 0);
  g_assert_cmpint (prefs->budget_period, ==, TG_BUDGET_PERIOD_MONTHLY);
  assert_string (config, TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,80,100");
  assert_string (config, TG_CONFIG_KEY_CHECK_INTERVAL, "300");
  assert_string (config, TG_CONFIG_KEY_BUDGET, "none");
  {
    g_autoptr(TgPreferences) row = tg_db_get_preferences (db, "default", &error);

    g_assert_null (row);
    g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* Nothing with a key: nothing chosen, nothing written. */
  g_assert_true (tg_config_service_choose_defaults (config, NULL, &error));
  g_assert_true (tg_config_service_choose_defaults (config, none, &error));
  g_assert_no_error (error);
  g_assert_false (tg_config_service_is_stored (config));
  g_assert_null (tg_config_service_get_preferences (config)->default_provider);

  /* The first keyed cloud provider in catalogue order, not the list's order;
   * the local one only if there is no cloud one. */
  g_assert_true (tg_config_service_choose_defaults (config, keyed, &error));
  g_assert_no_error (error);
  prefs = tg_config_service_get_preferences (config);
  g_assert_cmpstr (prefs->default_provider, ==, "anthropic");
  g_assert_cmpstr (prefs->default_model, ==, anthropic->default_model);
  g_assert_true (tg_config_service_is_stored (config));
  {
    g_autoptr(TgPreferences) stored = tg_db_get_preferences (db, "default", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (stored->default_provider, ==, "anthropic");
    g_assert_cmpstr (stored->default_model, ==, anthropic->default_model);
  }

  /* A default is set: later calls change nothing. */
  g_assert_true (tg_config_service_choose_defaults (config, later, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_provider, ==, "anthropic");
}

static void
test_first_run_local_only (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GError) error = NULL;
  static const char * const keyed[] = { "ollama", NULL };

  g_assert_true (tg_config_service_choose_defaults (config, keyed, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_provider, ==, "ollama");
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_model, ==,
                   tg_catalog_get_provider (catalog, "ollama")->default_model);
}

static void
test_persistence (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  static const struct { const char *key, *value; } values[] = {
    { TG_CONFIG_KEY_DEFAULT_PROVIDER, "gemini" },
    { TG_CONFIG_KEY_DEFAULT_MODEL, "gemini-2.5-pro" },
    { TG_CONFIG_KEY_FALLBACK_ORDER, "anthropic,openai" },
    { TG_CONFIG_KEY_FALLBACK_MODELS, "anthropic:claude-haiku-4-5" },
    { TG_CONFIG_KEY_ENABLED_PROVIDERS, "gemini,anthropic,openai" },
    { TG_CONFIG_KEY_BUDGET, "42.125" },
    { TG_CONFIG_KEY_BUDGET_PERIOD, "weekly" },
    { TG_CONFIG_KEY_ALERT_THRESHOLDS, "25,90" },
    { TG_CONFIG_KEY_HARD_LIMIT, "true" },
    { TG_CONFIG_KEY_CHECK_INTERVAL, "45" },
    { TG_CONFIG_KEY_CHECKS_PAUSED, "true" },
  };

  g_assert_cmpuint (G_N_ELEMENTS (values), ==, g_strv_length ((char **) tg_config_service_list_keys ()));

  {
    g_autoptr(TgDb) db = open_db ();
    g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);

    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        set_string (config, values[i].key, values[i].value);
        assert_string (config, values[i].key, values[i].value);
      }
    before = snapshot (config);
  }

  /* A restart: a new connection and a new service on the same data folder. */
  {
    g_autoptr(TgDb) db = open_db ();
    g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
    const TgPreferences *prefs = tg_config_service_get_preferences (config);

    g_assert_true (tg_config_service_is_stored (config));
    after = snapshot (config);
    g_assert_cmpstr (after, ==, before);
    g_assert_cmpint (prefs->budget_micros, ==, 42125000);
    g_assert_cmpint (prefs->created_at_ms, >, 0);
    g_assert_true (prefs->hard_limit);
    g_assert_true (prefs->health_checks_paused);
  }
}

/* Validation */

typedef struct {
  const char *key;
  const char *value;
  int         code;
  const char *needle;  /* the offending value, or what is allowed */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "colour", "blue", TG_CONFIG_ERROR_UNKNOWN_KEY, "“colour” is not a preference" },
  { TG_CONFIG_KEY_DEFAULT_PROVIDER, "nosuch", TG_CONFIG_ERROR_UNKNOWN_PROVIDER, "“nosuch”" },
  { TG_CONFIG_KEY_DEFAULT_PROVIDER, "OpenAI", TG_CONFIG_ERROR_UNKNOWN_PROVIDER, "Known providers: openai, anthropic" },
  { TG_CONFIG_KEY_DEFAULT_MODEL, "claude-haiku-4-5", TG_CONFIG_ERROR_UNKNOWN_MODEL, "OpenAI offers no model “claude-haiku-4-5”" },
  { TG_CONFIG_KEY_DEFAULT_MODEL, "gpt-6", TG_CONFIG_ERROR_UNKNOWN_MODEL, "gpt-5-mini" },
  { TG_CONFIG_KEY_BUDGET, "-5", TG_CONFIG_ERROR_INVALID_BUDGET, "more than zero, not -$5.00" },
  { TG_CONFIG_KEY_BUDGET, "ten", TG_CONFIG_ERROR_INVALID_BUDGET, "“ten”" },
  { TG_CONFIG_KEY_BUDGET, "1.0000001", TG_CONFIG_ERROR_INVALID_BUDGET, "six decimals" },
  { TG_CONFIG_KEY_BUDGET, "1e3", TG_CONFIG_ERROR_INVALID_BUDGET, "“1e3”" },
  { TG_CONFIG_KEY_BUDGET_PERIOD, "yearly", TG_CONFIG_ERROR_INVALID_VALUE, "daily, weekly or monthly" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "80,50", TG_CONFIG_ERROR_INVALID_THRESHOLDS, "50 % comes after 80 %" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,50", TG_CONFIG_ERROR_INVALID_THRESHOLDS, "must go up" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "0,50", TG_CONFIG_ERROR_INVALID_THRESHOLDS, "0 % is outside 1 to 100 %" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,101", TG_CONFIG_ERROR_INVALID_THRESHOLDS, "101 %" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "1,2,3,4,5,6,7,8,9", TG_CONFIG_ERROR_INVALID_THRESHOLDS, "At most 8" },
  { TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,eighty", TG_CONFIG_ERROR_INVALID_VALUE, "“eighty”" },
  { TG_CONFIG_KEY_CHECK_INTERVAL, "29", TG_CONFIG_ERROR_INVALID_INTERVAL, "29 seconds is outside the allowed 30 to 86400" },
  { TG_CONFIG_KEY_CHECK_INTERVAL, "86401", TG_CONFIG_ERROR_INVALID_INTERVAL, "86401" },
  { TG_CONFIG_KEY_CHECK_INTERVAL, "99999999999", TG_CONFIG_ERROR_INVALID_INTERVAL, "99999999999" },
  { TG_CONFIG_KEY_CHECK_INTERVAL, "-60", TG_CONFIG_ERROR_INVALID_VALUE, "“-60”" },
  { TG_CONFIG_KEY_CHECK_INTERVAL, "5m", TG_CONFIG_ERROR_INVALID_VALUE, "seconds" },
  { TG_CONFIG_KEY_FALLBACK_ORDER, "anthropic,nosuch", TG_CONFIG_ERROR_INVALID_FALLBACK, "“nosuch” in the fallback order" },
  { TG_CONFIG_KEY_FALLBACK_ORDER, "anthropic,gemini,anthropic", TG_CONFIG_ERROR_INVALID_FALLBACK, "“anthropic” appears twice" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, "nosuch:m", TG_CONFIG_ERROR_INVALID_FALLBACK, "“nosuch” cannot have a fallback model" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, "anthropic:gpt-5", TG_CONFIG_ERROR_INVALID_FALLBACK, "Anthropic offers no model “gpt-5” to fall back to" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, "anthropic", TG_CONFIG_ERROR_INVALID_VALUE, "provider:model pair" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, ":gpt-5", TG_CONFIG_ERROR_INVALID_VALUE, "“:gpt-5”" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, "gemini:", TG_CONFIG_ERROR_INVALID_VALUE, "“gemini:”" },
  { TG_CONFIG_KEY_FALLBACK_MODELS, "anthropic:claude-haiku-4-5,anthropic:claude-sonnet-5",
    TG_CONFIG_ERROR_INVALID_FALLBACK, "two fallback models" },
  { TG_CONFIG_KEY_ENABLED_PROVIDERS, "openai,nosuch", TG_CONFIG_ERROR_UNKNOWN_PROVIDER, "“nosuch” in the enabled providers" },
  { TG_CONFIG_KEY_ENABLED_PROVIDERS, "openai,openai", TG_CONFIG_ERROR_INVALID_VALUE, "appears twice" },
  { TG_CONFIG_KEY_HARD_LIMIT, "maybe", TG_CONFIG_ERROR_INVALID_VALUE, "hard-limit takes true or false, not “maybe”" },
  { TG_CONFIG_KEY_CHECKS_PAUSED, "2", TG_CONFIG_ERROR_INVALID_VALUE, "health-checks-paused takes true or false" },
};

static void
test_invalid_strings (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  guint notifies = 0;
  g_autofree char *before = NULL;

  set_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "openai");
  set_string (config, TG_CONFIG_KEY_BUDGET, "20");
  before = snapshot (config);
  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);
  g_signal_connect (config, "notify", G_CALLBACK (count), &notifies);

  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(TgPreferences) stored = NULL;
      g_autofree char *after = NULL;

      g_test_message ("%s = %s", c->key, c->value);
      g_assert_false (tg_config_service_set_string (config, c->key, c->value, &error));
      assert_config_error (error, c->code, c->needle);

      /* Nothing changed: in memory, in the store, and nobody was told. */
      after = snapshot (config);
      g_assert_cmpstr (after, ==, before);
      g_assert_cmpuint (keys->len, ==, 0);
      g_assert_cmpuint (notifies, ==, 0);
      stored = tg_db_get_preferences (db, "default", NULL);
      g_assert_cmpstr (stored->default_provider, ==, "openai");
      g_assert_cmpint (stored->budget_micros, ==, 20000000);
    }
}

static void
test_invalid_setters (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  static const guint too_many[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90 };
  static const guint descending[] = { 90, 50 };
  static const char * const unknown[] = { "openai", "nosuch", NULL };
  static const char * const twice[] = { "gemini", "gemini", NULL };

  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);
  before = snapshot (config);

  g_assert_false (tg_config_service_set_default_provider (config, "nosuch", NULL, &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_PROVIDER, "“nosuch”");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_default_provider (config, "openai", "claude-sonnet-5", &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_MODEL, "“claude-sonnet-5”");
  g_clear_error (&error);
  /* A model needs a provider. */
  g_assert_false (tg_config_service_set_default_model (config, "gpt-5", &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_MODEL, "set default-provider first");
  g_clear_error (&error);

  g_assert_false (tg_config_service_set_budget (config, 0, TG_BUDGET_PERIOD_DAILY, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_BUDGET, "not $0.00");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_budget (config, -1, TG_BUDGET_PERIOD_DAILY, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_BUDGET, "-$0.000001");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_budget (config, 1000000, (TgBudgetPeriod) 7, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_VALUE, "budget period 7");
  g_clear_error (&error);

  g_assert_false (tg_config_service_set_alert_thresholds (config, too_many, G_N_ELEMENTS (too_many), &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_THRESHOLDS, "not 9");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_alert_thresholds (config, descending, G_N_ELEMENTS (descending), &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_THRESHOLDS, "50 % comes after 90 %");
  g_clear_error (&error);

  g_assert_false (tg_config_service_set_check_interval (config, 0, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_INTERVAL, "0 seconds");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_check_interval (config, TG_CONFIG_MAX_CHECK_INTERVAL_S + 1, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_INTERVAL, "86401 seconds");
  g_clear_error (&error);

  g_assert_false (tg_config_service_set_fallback_order (config, unknown, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_FALLBACK, "“nosuch”");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_fallback_order (config, twice, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_FALLBACK, "“gemini” appears twice");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_fallback_model (config, "nosuch", NULL, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_FALLBACK, "“nosuch”");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_fallback_model (config, "gemini", "gpt-5", &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_FALLBACK, "Gemini");
  g_clear_error (&error);

  g_assert_false (tg_config_service_set_enabled_providers (config, unknown, &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_PROVIDER, "“nosuch”");
  g_clear_error (&error);
  g_assert_false (tg_config_service_set_enabled_providers (config, twice, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_VALUE, "“gemini”");
  g_clear_error (&error);

  after = snapshot (config);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (keys->len, ==, 0);
  g_assert_false (tg_config_service_is_stored (config));
}

static void
test_validate_struct (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (NULL, catalog);
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_config_service_validate (config, prefs, &error));
  g_assert_no_error (error);

  /* 0 is "no budget" in the struct; below is not. */
  prefs->budget_micros = -2500000;
  g_assert_false (tg_config_service_validate (config, prefs, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_BUDGET, "-$2.50");
  g_clear_error (&error);
  prefs->budget_micros = 0;

  prefs->default_model = g_strdup ("gpt-5");
  g_assert_false (tg_config_service_validate (config, prefs, &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_MODEL, "needs a default provider");
  g_clear_error (&error);
  prefs->default_provider = g_strdup ("openai");
  g_assert_true (tg_config_service_validate (config, prefs, &error));
  g_assert_no_error (error);

  prefs->n_alert_thresholds = TG_MAX_ALERT_THRESHOLDS + 1;
  g_assert_false (tg_config_service_validate (config, prefs, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_THRESHOLDS, "At most 8");
  g_clear_error (&error);
  prefs->n_alert_thresholds = 0;
  /* No thresholds: no alerts before the budget is spent. */
  g_assert_true (tg_config_service_validate (config, prefs, &error));
  g_assert_no_error (error);

  g_hash_table_insert (prefs->fallback_models, g_strdup ("openai"), g_strdup ("gpt-4.1"));
  g_hash_table_insert (prefs->fallback_models, g_strdup ("anthropic"), g_strdup ("gpt-4.1"));
  g_assert_false (tg_config_service_validate (config, prefs, &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_FALLBACK, "Anthropic offers no model “gpt-4.1”");
  g_clear_error (&error);
}

/* ::changed and properties */

static void
test_changed_signal (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint budget_changes = 0;
  static const guint thresholds[] = { 50, 80, 100 };
  static const char * const order[] = { "anthropic", "gemini", NULL };
  char *taken;

  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);
  g_signal_connect (config, "changed::" TG_CONFIG_KEY_BUDGET, G_CALLBACK (count), &budget_changes);

  set_string (config, TG_CONFIG_KEY_BUDGET, "25");
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "budget");
  g_free (taken);
  g_assert_cmpuint (budget_changes, ==, 1);

  /* The same amount spelled differently is no change. */
  set_string (config, TG_CONFIG_KEY_BUDGET, "$25.000");
  g_assert_true (tg_config_service_set_budget (config, 25000000, TG_BUDGET_PERIOD_MONTHLY, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 0);
  g_assert_cmpuint (budget_changes, ==, 1);

  /* One signal per key, in the order of the keys; the detail filters. */
  g_assert_true (tg_config_service_set_budget (config, 30000000, TG_BUDGET_PERIOD_WEEKLY, &error));
  g_assert_no_error (error);
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "budget,budget-period");
  g_free (taken);
  g_assert_cmpuint (budget_changes, ==, 2);

  g_assert_true (tg_config_service_set_default_provider (config, "openai", NULL, &error));
  g_assert_no_error (error);
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "default-provider,default-model");
  g_free (taken);

  /* The same provider again keeps the chosen model. */
  g_assert_true (tg_config_service_set_default_model (config, "gpt-5", &error));
  g_assert_true (tg_config_service_set_default_provider (config, "openai", NULL, &error));
  g_assert_no_error (error);
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "default-model");
  g_free (taken);
  g_assert_cmpstr (tg_config_service_get_preferences (config)->default_model, ==, "gpt-5");

  g_assert_true (tg_config_service_set_alert_thresholds (config, thresholds, G_N_ELEMENTS (thresholds), &error));
  g_assert_true (tg_config_service_set_fallback_order (config, order, &error));
  g_assert_true (tg_config_service_set_fallback_order (config, order, &error));
  g_assert_true (tg_config_service_set_fallback_model (config, "gemini", "gemini-2.5-pro", &error));
  g_assert_true (tg_config_service_set_fallback_model (config, "gemini", "gemini-2.5-pro", &error));
  g_assert_true (tg_config_service_set_fallback_model (config, "gemini", NULL, &error));
  g_assert_true (tg_config_service_set_enabled_providers (config, order, &error));
  g_assert_true (tg_config_service_set_hard_limit (config, TRUE, &error));
  g_assert_true (tg_config_service_set_check_interval (config, 600, &error));
  g_assert_true (tg_config_service_set_checks_paused (config, TRUE, &error));
  g_assert_true (tg_config_service_set_checks_paused (config, TRUE, &error));
  g_assert_no_error (error);
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "fallback-order,fallback-models,fallback-models,enabled-providers,"
                              "hard-limit,health-check-interval,health-checks-paused");
  g_free (taken);

  /* A failed change says nothing. */
  g_assert_false (tg_config_service_set_string (config, TG_CONFIG_KEY_BUDGET, "-1", &error));
  g_clear_error (&error);
  g_assert_cmpuint (keys->len, ==, 0);
  g_assert_cmpuint (budget_changes, ==, 2);

  /* apply() with several keys at once. */
  {
    g_autoptr(TgPreferences) prefs = tg_preferences_copy (tg_config_service_get_preferences (config));

    prefs->hard_limit = FALSE;
    prefs->budget_micros = 0;
    g_strfreev (prefs->enabled_providers);
    prefs->enabled_providers = g_new0 (char *, 1);
    g_assert_true (tg_config_service_apply (config, prefs, &error));
    g_assert_no_error (error);
    taken = take_keys (keys);
    g_assert_cmpstr (taken, ==, "enabled-providers,budget,hard-limit");
    g_free (taken);
    g_assert_true (tg_config_service_apply (config, prefs, &error));
    g_assert_cmpuint (keys->len, ==, 0);
  }

  /* No default provider: the model goes with it. */
  g_assert_true (tg_config_service_set_default_provider (config, NULL, NULL, &error));
  g_assert_no_error (error);
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "default-provider,default-model");
  g_free (taken);
  g_assert_null (tg_config_service_get_preferences (config)->default_model);
}

/* Reads the store back inside a ::changed handler: the change must be saved already. */
static void
check_saved (TgConfigService *config,
             const char      *key,
             TgDb            *db)
{
  g_autoptr(TgPreferences) stored = tg_db_get_preferences (db, "default", NULL);

  g_assert_nonnull (stored);
  g_assert_true (stored->hard_limit);
  g_assert_true (tg_config_service_get_preferences (config)->hard_limit);
}

static void
test_changed_after_save (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  g_signal_connect (config, "changed::hard-limit", G_CALLBACK (check_saved), db);
  g_signal_connect (config, "changed::hard-limit", G_CALLBACK (count), &calls);
  g_assert_true (tg_config_service_set_hard_limit (config, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 1);
}

static void
test_properties (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GError) error = NULL;
  g_autofree char *provider = NULL;
  g_autofree char *model = NULL;
  gint64 budget = -1;
  int period = -1;
  gboolean hard_limit = FALSE, paused = FALSE;
  guint interval = 0;
  static const char * const props[] = {
    "default-provider", "default-model", "budget-micros", "budget-period",
    "hard-limit", "health-check-interval", "health-checks-paused",
  };
  guint notified[G_N_ELEMENTS (props)] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    {
      g_autofree char *signal = g_strconcat ("notify::", props[i], NULL);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), props[i]);

      g_assert_nonnull (pspec);
      g_assert_true (pspec->flags & G_PARAM_READABLE);
      g_signal_connect (config, signal, G_CALLBACK (count), &notified[i]);
    }

  g_object_get (config, "default-provider", &provider, "budget-micros", &budget,
                "health-check-interval", &interval, NULL);
  g_assert_null (provider);
  g_assert_cmpint (budget, ==, 0);
  g_assert_cmpuint (interval, ==, 300);

  set_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "gemini");
  set_string (config, TG_CONFIG_KEY_BUDGET, "12.5");
  set_string (config, TG_CONFIG_KEY_BUDGET_PERIOD, "daily");
  set_string (config, TG_CONFIG_KEY_HARD_LIMIT, "yes");
  set_string (config, TG_CONFIG_KEY_CHECK_INTERVAL, "120");
  set_string (config, TG_CONFIG_KEY_CHECKS_PAUSED, "on");
  /* Unchanged values notify nothing. */
  set_string (config, TG_CONFIG_KEY_HARD_LIMIT, "true");
  set_string (config, TG_CONFIG_KEY_BUDGET, "12.50");

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    {
      g_test_message ("notify::%s", props[i]);
      g_assert_cmpuint (notified[i], ==, 1);
    }

  g_clear_pointer (&provider, g_free);
  g_object_get (config,
                "default-provider", &provider,
                "default-model", &model,
                "budget-micros", &budget,
                "budget-period", &period,
                "hard-limit", &hard_limit,
                "health-check-interval", &interval,
                "health-checks-paused", &paused,
                NULL);
  g_assert_cmpstr (provider, ==, "gemini");
  g_assert_cmpstr (model, ==, tg_catalog_get_provider (catalog, "gemini")->default_model);
  g_assert_cmpint (budget, ==, 12500000);
  g_assert_cmpint (period, ==, TG_BUDGET_PERIOD_DAILY);
  g_assert_true (hard_limit);
  g_assert_cmpuint (interval, ==, 120);
  g_assert_true (paused);
}

/* String forms */

static void
test_strings (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GError) error = NULL;
  const char * const *keys = tg_config_service_list_keys ();
  static const struct { const char *key, *in, *out; } cases[] = {
    { TG_CONFIG_KEY_BUDGET, "25.5", "25.50" },
    { TG_CONFIG_KEY_BUDGET, " $0.000125 ", "0.000125" },
    { TG_CONFIG_KEY_BUDGET, "1000000", "1000000.00" },
    { TG_CONFIG_KEY_BUDGET, "none", "none" },
    { TG_CONFIG_KEY_BUDGET, "7", "7.00" },
    { TG_CONFIG_KEY_BUDGET, "0", "none" },
    { TG_CONFIG_KEY_BUDGET, "7", "7.00" },
    { TG_CONFIG_KEY_BUDGET, "NONE", "none" },
    { TG_CONFIG_KEY_BUDGET_PERIOD, "weekly", "weekly" },
    { TG_CONFIG_KEY_BUDGET_PERIOD, " daily", "daily" },
    { TG_CONFIG_KEY_FALLBACK_ORDER, " anthropic , gemini ,,", "anthropic,gemini" },
    { TG_CONFIG_KEY_FALLBACK_ORDER, "", "" },
    { TG_CONFIG_KEY_FALLBACK_MODELS, "gemini:gemini-2.5-flash, anthropic : claude-haiku-4-5",
      "anthropic:claude-haiku-4-5,gemini:gemini-2.5-flash" },
    /* Model ids may hold a colon. */
    { TG_CONFIG_KEY_FALLBACK_MODELS, "ollama:llama3.1:8b", "ollama:llama3.1:8b" },
    { TG_CONFIG_KEY_FALLBACK_MODELS, "", "" },
    { TG_CONFIG_KEY_ENABLED_PROVIDERS, "openai, ollama", "openai,ollama" },
    { TG_CONFIG_KEY_ENABLED_PROVIDERS, " ", "" },
    { TG_CONFIG_KEY_ALERT_THRESHOLDS, "25%, 75 ,100 %", "25,75,100" },
    { TG_CONFIG_KEY_ALERT_THRESHOLDS, "1,2,3,4,5,6,7,100", "1,2,3,4,5,6,7,100" },
    { TG_CONFIG_KEY_ALERT_THRESHOLDS, "", "" },
    { TG_CONFIG_KEY_HARD_LIMIT, "yes", "true" },
    { TG_CONFIG_KEY_HARD_LIMIT, "OFF", "false" },
    { TG_CONFIG_KEY_HARD_LIMIT, "1", "true" },
    { TG_CONFIG_KEY_HARD_LIMIT, "no", "false" },
    { TG_CONFIG_KEY_CHECKS_PAUSED, "True", "true" },
    { TG_CONFIG_KEY_CHECKS_PAUSED, "0", "false" },
    { TG_CONFIG_KEY_CHECK_INTERVAL, " 30 ", "30" },
    { TG_CONFIG_KEY_CHECK_INTERVAL, "86400", "86400" },
    { TG_CONFIG_KEY_DEFAULT_PROVIDER, "anthropic", "anthropic" },
    { TG_CONFIG_KEY_DEFAULT_MODEL, "claude-haiku-4-5", "claude-haiku-4-5" },
    /* The provider's default. */
    { TG_CONFIG_KEY_DEFAULT_MODEL, "", "" },
    { TG_CONFIG_KEY_DEFAULT_PROVIDER, "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s = “%s”", cases[i].key, cases[i].in);
      set_string (config, cases[i].key, cases[i].in);
      assert_string (config, cases[i].key, cases[i].out);
    }

  /* Clearing the provider clears the model with it. */
  set_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "anthropic");
  assert_string (config, TG_CONFIG_KEY_DEFAULT_MODEL, tg_catalog_get_provider (catalog, "anthropic")->default_model);
  set_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "none");
  assert_string (config, TG_CONFIG_KEY_DEFAULT_MODEL, "");

  /* The budget is exact to the micro-dollar: no double in between. */
  set_string (config, TG_CONFIG_KEY_BUDGET, "0.1");
  g_assert_cmpint (tg_config_service_get_preferences (config)->budget_micros, ==, 100000);
  set_string (config, TG_CONFIG_KEY_BUDGET, "999999999.999999");
  g_assert_cmpint (tg_config_service_get_preferences (config)->budget_micros, ==, G_GINT64_CONSTANT (999999999999999));
  assert_string (config, TG_CONFIG_KEY_BUDGET, "999999999.999999");

  /* Every listed key has a string form; an unknown one is an error. */
  g_assert_cmpuint (g_strv_length ((char **) keys), ==, 11);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = tg_config_service_get_string (config, keys[i], &error);

      g_assert_no_error (error);
      g_assert_nonnull (value);
    }
  g_assert_null (tg_config_service_get_string (config, "budget-amount", &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_KEY, "The preferences are: default-provider, default-model");
}

/* Fallback model choice */

static void
test_fallback_model (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = fallback_test_catalog (dir);
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(TgModelCapabilities) wanted = tg_model_capabilities_new ();
  g_autoptr(GError) error = NULL;
  const TgModelCapabilities *b_one = tg_catalog_get_model (catalog, "beta", "b-one");
  gboolean is_explicit = TRUE;
  char *model;

  /* b-one (streaming, tools, vision; 100k): only a-big has all three. */
  model = tg_config_service_get_fallback_model (config, "alpha", b_one, &is_explicit);
  g_assert_cmpstr (model, ==, "a-big");
  g_assert_false (is_explicit);
  g_free (model);

  /* Streaming + tools at 100k: a-mid is cheaper than a-big and big enough. */
  wanted->model_id = g_strdup ("w");
  wanted->capabilities = TG_CAPABILITY_STREAMING | TG_CAPABILITY_TOOLS;
  wanted->context_window = 100000;
  model = tg_config_service_get_fallback_model (config, "alpha", wanted, NULL);
  g_assert_cmpstr (model, ==, "a-mid");
  g_free (model);

  /* The context window filters: 150k rules out a-mid. */
  wanted->context_window = 150000;
  model = tg_config_service_get_fallback_model (config, "alpha", wanted, NULL);
  g_assert_cmpstr (model, ==, "a-big");
  g_free (model);

  /* Streaming only: a-cheap and a-twin cost the same; the id breaks the tie. */
  wanted->capabilities = TG_CAPABILITY_STREAMING;
  wanted->context_window = 4000;
  model = tg_config_service_get_fallback_model (config, "alpha", wanted, NULL);
  g_assert_cmpstr (model, ==, "a-cheap");
  g_free (model);

  /* Nothing qualifies: NULL. */
  wanted->context_window = 300000;
  g_assert_null (tg_config_service_get_fallback_model (config, "alpha", wanted, NULL));
  g_assert_null (tg_config_service_get_fallback_model (config, "home", b_one, NULL));
  g_assert_null (tg_config_service_get_fallback_model (config, "nosuch", b_one, NULL));

  /* An unknown custom model: the provider's default. */
  model = tg_config_service_get_fallback_model (config, "alpha", NULL, &is_explicit);
  g_assert_cmpstr (model, ==, "a-mid");
  g_assert_false (is_explicit);
  g_free (model);

  /* The user's explicit choice wins, even where nothing would qualify. */
  g_assert_true (tg_config_service_set_fallback_model (config, "alpha", "a-twin", &error));
  g_assert_no_error (error);
  model = tg_config_service_get_fallback_model (config, "alpha", wanted, &is_explicit);
  g_assert_cmpstr (model, ==, "a-twin");
  g_assert_true (is_explicit);
  g_free (model);
  model = tg_config_service_get_fallback_model (config, "alpha", NULL, &is_explicit);
  g_assert_cmpstr (model, ==, "a-twin");
  g_assert_true (is_explicit);
  g_free (model);

  /* And back to automatic. */
  g_assert_true (tg_config_service_set_fallback_model (config, "alpha", NULL, &error));
  g_assert_no_error (error);
  model = tg_config_service_get_fallback_model (config, "alpha", b_one, &is_explicit);
  g_assert_cmpstr (model, ==, "a-big");
  g_assert_false (is_explicit);
  g_free (model);
}

/* Repair and broken stores */

static void
test_repair (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgPreferences) stored = tg_preferences_new ();
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(GError) error = NULL;
  const TgPreferences *prefs;

  /* What an older catalogue allowed: a provider since dropped, and values the
   * table accepts but the service does not. */
  stored->default_provider = g_strdup ("gone");
  stored->default_model = g_strdup ("gone-1");
  g_strfreev (stored->fallback_order);
  stored->fallback_order = g_strsplit ("openai,gone,openai,gemini", ",", -1);
  g_strfreev (stored->enabled_providers);
  stored->enabled_providers = g_strsplit ("gone,anthropic", ",", -1);
  g_hash_table_insert (stored->fallback_models, g_strdup ("gone"), g_strdup ("gone-1"));
  g_hash_table_insert (stored->fallback_models, g_strdup ("anthropic"), g_strdup ("claude-1"));
  g_hash_table_insert (stored->fallback_models, g_strdup ("gemini"), g_strdup ("gemini-2.5-flash"));
  stored->alert_thresholds[0] = 90;
  stored->alert_thresholds[1] = 40;
  stored->n_alert_thresholds = 2;
  stored->health_check_interval_s = 5;
  stored->budget_micros = 9000000;
  g_assert_true (tg_db_insert_preferences (db, stored, &error));
  g_assert_no_error (error);

  start_capture ();
  config = tg_config_service_new (db, catalog);
  assert_captured ((const char *[]) {
    "message: The default provider “gone” is not in the catalogue any more*",
    "message: Dropped “gone” from the fallback order*",
    "message: Dropped a repeated “openai” from the fallback order*",
    "message: Dropped “gone” from the enabled providers*",
    "message: Dropped the fallback model*",
    "message: Dropped the fallback model*",
    "message: The stored alert thresholds are not valid*",
    "message: The stored health check interval of 5 seconds is out of range; using 30.",
    NULL });

  prefs = tg_config_service_get_preferences (config);
  g_assert_true (tg_config_service_is_stored (config));
  g_assert_null (prefs->default_provider);
  g_assert_null (prefs->default_model);
  assert_string (config, TG_CONFIG_KEY_FALLBACK_ORDER, "openai,gemini");
  assert_string (config, TG_CONFIG_KEY_ENABLED_PROVIDERS, "anthropic");
  assert_string (config, TG_CONFIG_KEY_FALLBACK_MODELS, "gemini:gemini-2.5-flash");
  assert_string (config, TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,80,100");
  assert_string (config, TG_CONFIG_KEY_CHECK_INTERVAL, "30");
  assert_string (config, TG_CONFIG_KEY_BUDGET, "9.00");
  g_assert_true (tg_config_service_validate (config, prefs, &error));
  g_assert_no_error (error);

  /* Repaired in memory only, until the next change saves it all. */
  {
    g_autoptr(TgPreferences) row = tg_db_get_preferences (db, "default", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (row->default_provider, ==, "gone");
  }
  set_string (config, TG_CONFIG_KEY_HARD_LIMIT, "true");
  {
    g_autoptr(TgPreferences) row = tg_db_get_preferences (db, "default", &error);

    g_assert_no_error (error);
    g_assert_null (row->default_provider);
    g_assert_cmpuint (g_strv_length (row->fallback_order), ==, 2);
    g_assert_cmpuint (row->health_check_interval_s, ==, 30);
    g_assert_true (row->hard_limit);
  }
}

static void
test_repair_model (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgPreferences) stored = tg_preferences_new ();
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(GError) error = NULL;

  /* The provider is still there; the model was retired. */
  stored->default_provider = g_strdup ("openai");
  stored->default_model = g_strdup ("gpt-3.5-turbo");
  g_assert_true (tg_db_insert_preferences (db, stored, &error));
  g_assert_no_error (error);

  start_capture ();
  config = tg_config_service_new (db, catalog);
  assert_captured ((const char *[]) { "message: The default model “gpt-3.5-turbo” is not in the catalogue any more*", NULL });
  assert_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "openai");
  assert_string (config, TG_CONFIG_KEY_DEFAULT_MODEL, tg_catalog_get_provider (catalog, "openai")->default_model);
}

static void
test_repair_on_change (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = fallback_test_catalog (dir);
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *taken = NULL;

  set_string (config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "beta");
  set_string (config, TG_CONFIG_KEY_FALLBACK_ORDER, "alpha,home");

  /* The catalogue loses those providers while the service runs (as after
   * `tollgate provider remove`): other changes still go through, and carry
   * the repair with them. */
  g_assert_true (tg_catalog_load_resource (catalog, &error));
  g_assert_no_error (error);
  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);

  start_capture ();
  g_assert_true (tg_config_service_set_hard_limit (config, TRUE, &error));
  g_assert_no_error (error);
  assert_captured ((const char *[]) {
    "message: The default provider “beta” is not in the catalogue any more*",
    "message: Dropped “alpha” from the fallback order*",
    "message: Dropped “home” from the fallback order*",
    NULL });
  taken = take_keys (keys);
  g_assert_cmpstr (taken, ==, "default-provider,default-model,fallback-order,hard-limit");

  /* A stale default no longer blocks choosing a new one. */
  {
    static const char * const keyed[] = { "gemini", NULL };
    g_autoptr(TgConfigService) restarted = tg_config_service_new (db, catalog);

    g_assert_null (tg_config_service_get_preferences (restarted)->default_provider);
    g_assert_true (tg_config_service_choose_defaults (restarted, keyed, &error));
    g_assert_no_error (error);
    assert_string (restarted, TG_CONFIG_KEY_DEFAULT_PROVIDER, "gemini");
  }
}

static void
test_damaged_row (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgPreferences) stored = tg_preferences_new ();
  g_autoptr(GError) error = NULL;
  sqlite3 *raw = NULL;

  stored->budget_micros = 5000000;
  g_assert_true (tg_db_insert_preferences (db, stored, &error));
  g_assert_no_error (error);

  /* Valid JSON (the table's checks pass), but not a list of provider ids. */
  g_assert_cmpint (sqlite3_open (tg_db_get_path (db), &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "UPDATE user_ai_preferences SET fallback_order = '[1, 2]'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (raw);

  {
    g_autoptr(TgConfigService) config = NULL;

    start_capture ();
    config = tg_config_service_new (db, catalog);
    assert_captured ((const char *[]) { "warning: Using the default preferences: *damaged*", NULL });
    g_assert_true (tg_config_service_is_stored (config));
    assert_string (config, TG_CONFIG_KEY_BUDGET, "none");

    /* The damaged row is replaced by the next change. */
    set_string (config, TG_CONFIG_KEY_FALLBACK_ORDER, "gemini");
  }
  {
    g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);

    assert_string (config, TG_CONFIG_KEY_FALLBACK_ORDER, "gemini");
  }
}

/* Two services on two connections to one store: this process and another
 * one, such as `tollgate prefs set` or a second instance. */
typedef struct {
  char            *dir;
  TgCatalog       *catalog;
  TgDb            *db;
  TgDb            *other_db;
  TgConfigService *config;
  TgConfigService *other;
  GPtrArray       *keys;      /* what config's ::changed said */
} TwoProcesses;

static void
two_processes_setup (TwoProcesses  *f,
                     gconstpointer  data)
{
  f->dir = tg_test_make_data_dir ();
  f->catalog = shipped_catalog ();
  f->db = open_db ();
  f->other_db = open_db ();
  f->config = tg_config_service_new (f->db, f->catalog);
  f->other = tg_config_service_new (f->other_db, f->catalog);
  f->keys = g_ptr_array_new_with_free_func (g_free);
}

static void
two_processes_teardown (TwoProcesses  *f,
                        gconstpointer  data)
{
  g_clear_object (&f->config);
  g_clear_object (&f->other);
  g_clear_object (&f->db);
  g_clear_object (&f->other_db);
  g_clear_object (&f->catalog);
  g_clear_pointer (&f->keys, g_ptr_array_unref);
  g_clear_pointer (&f->dir, g_free);
}

/* Another process (`tollgate prefs set`, a second instance) saves while the
 * service runs, on its own connection to the same store: a change made here
 * keeps what it saved, and the service says that changed too. */
static void
test_concurrent_change (TwoProcesses  *f,
                        gconstpointer  data)
{
  g_autofree char *taken = NULL;

  set_string (f->config, TG_CONFIG_KEY_BUDGET, "10");
  set_string (f->other, TG_CONFIG_KEY_BUDGET_PERIOD, "weekly");
  /* Laid over what config saved, not over the defaults other loaded. */
  assert_string (f->other, TG_CONFIG_KEY_BUDGET, "10.00");

  set_string (f->other, TG_CONFIG_KEY_BUDGET, "25");
  g_signal_connect (f->config, "changed", G_CALLBACK (record_key), f->keys);
  set_string (f->config, TG_CONFIG_KEY_HARD_LIMIT, "true");
  taken = take_keys (f->keys);
  g_assert_cmpstr (taken, ==, "budget,budget-period,hard-limit");
  assert_string (f->config, TG_CONFIG_KEY_BUDGET, "25.00");

  /* What a restart reads: every change, from both. */
  {
    g_autoptr(TgConfigService) restarted = tg_config_service_new (f->db, f->catalog);

    assert_string (restarted, TG_CONFIG_KEY_BUDGET, "25.00");
    assert_string (restarted, TG_CONFIG_KEY_BUDGET_PERIOD, "weekly");
    assert_string (restarted, TG_CONFIG_KEY_HARD_LIMIT, "true");
  }
}

/* reload() picks up another process's change and says what changed, once. */
static void
test_reload (TwoProcesses  *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint n_notify = 0;

  g_signal_connect (f->config, "changed", G_CALLBACK (record_key), f->keys);
  g_signal_connect (f->config, "notify::budget-micros", G_CALLBACK (count), &n_notify);

  /* No row yet: nothing to read, nothing changes. */
  g_assert_true (tg_config_service_reload (f->config, &error));
  g_assert_no_error (error);
  g_assert_false (tg_config_service_is_stored (f->config));

  set_string (f->other, TG_CONFIG_KEY_BUDGET, "12.5");
  set_string (f->other, TG_CONFIG_KEY_ALERT_THRESHOLDS, "50,90");
  g_assert_cmpuint (f->keys->len, ==, 0);

  g_assert_true (tg_config_service_reload (f->config, &error));
  g_assert_no_error (error);
  first = take_keys (f->keys);
  g_assert_cmpstr (first, ==, "budget,alert-thresholds");
  g_assert_cmpuint (n_notify, ==, 1);
  g_assert_true (tg_config_service_is_stored (f->config));
  assert_string (f->config, TG_CONFIG_KEY_BUDGET, "12.50");

  g_assert_true (tg_config_service_reload (f->config, &error));
  g_assert_no_error (error);
  second = take_keys (f->keys);
  g_assert_cmpstr (second, ==, "");
}

/* Runs the main loop until @keys holds @n keys, for at most 10 s. */
static void
wait_for_keys (GPtrArray *keys,
               guint      n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (keys->len < n && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* follow_store(): a change another process commits shows by itself, once.
 * The service's own changes and other processes' writes that are not about
 * preferences add no signal: each step ends with a change from the other
 * side, and the keys seen up to it must be exactly that one. */
static void
test_follow_store (TwoProcesses  *f,
                   gconstpointer  data)
{
  g_autofree char *own = NULL;
  g_autofree char *followed = NULL;
  g_autofree char *after_usage = NULL;
  gint64 version;

  set_string (f->config, TG_CONFIG_KEY_BUDGET, "10");
  tg_config_service_follow_store (f->config);
  g_signal_connect (f->config, "changed", G_CALLBACK (record_key), f->keys);

  /* Our own change does not move our data version. */
  version = tg_db_get_data_version (f->db);
  set_string (f->config, TG_CONFIG_KEY_HARD_LIMIT, "true");
  g_assert_cmpint (tg_db_get_data_version (f->db), ==, version);
  own = take_keys (f->keys);
  g_assert_cmpstr (own, ==, "hard-limit");

  set_string (f->other, TG_CONFIG_KEY_BUDGET_PERIOD, "daily");
  g_assert_cmpint (tg_db_get_data_version (f->db), !=, version);
  wait_for_keys (f->keys, 1);
  followed = take_keys (f->keys);
  g_assert_cmpstr (followed, ==, "budget-period");
  assert_string (f->config, TG_CONFIG_KEY_BUDGET_PERIOD, "daily");
  /* Laid over the hard limit config saved, not over other's stale view. */
  assert_string (f->config, TG_CONFIG_KEY_HARD_LIMIT, "true");

  /* A usage row from another process, then a preference. */
  {
    g_autoptr(TgUsageRecord) usage = tg_test_make_usage (g_get_real_time () / 1000, "openai", "gpt-5-mini", "ok",
                                                         10, 20, 0, FALSE, 30);
    g_autoptr(GError) error = NULL;

    g_assert_true (tg_db_insert_usage (f->other_db, usage, &error));
    g_assert_no_error (error);
  }
  set_string (f->other, TG_CONFIG_KEY_ALERT_THRESHOLDS, "75");
  wait_for_keys (f->keys, 1);
  after_usage = take_keys (f->keys);
  g_assert_cmpstr (after_usage, ==, "alert-thresholds");
}

/* Two changes that are each valid but not together: the later one is
 * refused and nothing of it is saved. */
static void
test_concurrent_conflict (TwoProcesses  *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  set_string (f->config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "anthropic");
  set_string (f->other, TG_CONFIG_KEY_DEFAULT_PROVIDER, "gemini");

  /* config still believes Anthropic is the default. */
  g_signal_connect (f->config, "changed", G_CALLBACK (record_key), f->keys);
  g_assert_false (tg_config_service_set_string (f->config, TG_CONFIG_KEY_DEFAULT_MODEL, "claude-haiku-4-5", &error));
  assert_config_error (error, TG_CONFIG_ERROR_UNKNOWN_MODEL, "claude-haiku-4-5");
  g_assert_cmpuint (f->keys->len, ==, 0);
  assert_string (f->config, TG_CONFIG_KEY_DEFAULT_PROVIDER, "anthropic");

  {
    g_autoptr(TgConfigService) restarted = tg_config_service_new (f->db, f->catalog);

    assert_string (restarted, TG_CONFIG_KEY_DEFAULT_PROVIDER, "gemini");
  }
}

static void
test_no_store (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgConfigService) config = tg_config_service_new (NULL, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = snapshot (config);
  g_autofree char *after = NULL;
  static const char * const keyed[] = { "openai", NULL };

  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);
  g_assert_false (tg_config_service_is_stored (config));
  g_assert_null (tg_config_service_get_preferences (config)->default_provider);

  g_assert_false (tg_config_service_set_string (config, TG_CONFIG_KEY_BUDGET, "10", &error));
  assert_config_error (error, TG_CONFIG_ERROR_STORE, "database is not available");
  g_clear_error (&error);
  g_assert_false (tg_config_service_choose_defaults (config, keyed, &error));
  assert_config_error (error, TG_CONFIG_ERROR_STORE, NULL);
  g_clear_error (&error);

  after = snapshot (config);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (keys->len, ==, 0);

  /* Validation still comes first, and a change to nothing needs no store. */
  g_assert_false (tg_config_service_set_string (config, TG_CONFIG_KEY_BUDGET, "-1", &error));
  assert_config_error (error, TG_CONFIG_ERROR_INVALID_BUDGET, NULL);
  g_clear_error (&error);
  g_assert_true (tg_config_service_set_hard_limit (config, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_store_locked (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(TgDb) db = open_db ();
  g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint notifies = 0;
  sqlite3 *raw = NULL;

  set_string (config, TG_CONFIG_KEY_BUDGET, "10");
  g_signal_connect (config, "changed", G_CALLBACK (record_key), keys);
  g_signal_connect (config, "notify", G_CALLBACK (count), &notifies);

  /* Another process holds the write lock past our (short) timeout. */
  g_assert_cmpint (sqlite3_open (tg_db_get_path (db), &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);
  tg_db_set_busy_timeout (db, 100);

  g_assert_false (tg_config_service_set_string (config, TG_CONFIG_KEY_BUDGET, "20", &error));
  assert_config_error (error, TG_CONFIG_ERROR_STORE, tg_db_get_path (db));
  g_clear_error (&error);
  assert_string (config, TG_CONFIG_KEY_BUDGET, "10.00");
  g_assert_cmpuint (keys->len, ==, 0);
  g_assert_cmpuint (notifies, ==, 0);

  g_assert_cmpint (sqlite3_exec (raw, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);

  set_string (config, TG_CONFIG_KEY_BUDGET, "20");
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpuint (notifies, ==, 1);
}

static void
test_unreadable_store (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = tg_db_get_default_path ();
  g_autoptr(TgCatalog) catalog = shipped_catalog ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_db_open (path, TG_DB_OPEN_NO_MIGRATE, &error);
  g_autoptr(TgConfigService) config = NULL;

  /* No tables at all: the preferences cannot be read, which is not "none stored". */
  g_assert_no_error (error);
  start_capture ();
  config = tg_config_service_new (db, catalog);
  assert_captured ((const char *[]) { "warning: Using the default preferences: *", NULL });
  g_assert_false (tg_config_service_is_stored (config));

  /* Saving the defaults could overwrite what is there: refused. */
  g_assert_false (tg_config_service_set_string (config, TG_CONFIG_KEY_HARD_LIMIT, "true", &error));
  assert_config_error (error, TG_CONFIG_ERROR_STORE, "could not be read");
  assert_string (config, TG_CONFIG_KEY_HARD_LIMIT, "false");
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/config/first-run", test_first_run);
  g_test_add_func ("/config/first-run/local-only", test_first_run_local_only);
  g_test_add_func ("/config/persistence", test_persistence);
  g_test_add_func ("/config/invalid/strings", test_invalid_strings);
  g_test_add_func ("/config/invalid/setters", test_invalid_setters);
  g_test_add_func ("/config/invalid/struct", test_validate_struct);
  g_test_add_func ("/config/changed", test_changed_signal);
  g_test_add_func ("/config/changed/after-save", test_changed_after_save);
  g_test_add_func ("/config/properties", test_properties);
  g_test_add_func ("/config/strings", test_strings);
  g_test_add_func ("/config/fallback-model", test_fallback_model);
  g_test_add_func ("/config/repair", test_repair);
  g_test_add_func ("/config/repair/model", test_repair_model);
  g_test_add_func ("/config/repair/on-change", test_repair_on_change);
  g_test_add_func ("/config/repair/damaged-row", test_damaged_row);
#define ADD_TWO(path, func) g_test_add (path, TwoProcesses, NULL, two_processes_setup, func, two_processes_teardown)
  ADD_TWO ("/config/concurrent/kept", test_concurrent_change);
  ADD_TWO ("/config/concurrent/reload", test_reload);
  ADD_TWO ("/config/concurrent/conflict", test_concurrent_conflict);
  ADD_TWO ("/config/concurrent/follow", test_follow_store);
  g_test_add_func ("/config/store/none", test_no_store);
  g_test_add_func ("/config/store/locked", test_store_locked);
  g_test_add_func ("/config/store/unreadable", test_unreadable_store);

  return g_test_run ();
}
