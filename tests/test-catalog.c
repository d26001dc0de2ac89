/* test-catalog.c: TgCatalog — the shipped catalogue, validation, overrides, sync. */

#include <json-glib/json-glib.h>
#include <string.h>

#include "tg-catalog.h"
#include "tg-money.h"
#include "tg-test-utils.h"

static gint64
micros (const char *amount)
{
  gint64 value = -1;

  g_assert_true (tg_money_parse_micros (amount, &value));
  return value;
}

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

static TgCatalog *
load_fixture (const char *name)
{
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (name);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (tg_catalog_load_file (catalog, file, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&catalog);
}

/* Writes @contents to @name in the test's data folder. */
static GFile *
write_data_file (const char *data_dir,
                 const char *name,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

/* Asserts @error is TG_CATALOG_ERROR/@code and its message contains every
 * NULL-terminated string that follows. */
static void
assert_catalog_error (const GError *error,
                      int           code,
                      ...)
{
  va_list args;
  const char *needle;

  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, TG_CATALOG_ERROR, code);

  va_start (args, code);
  while ((needle = va_arg (args, const char *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("“%s” does not mention “%s”", error->message, needle);
    }
  va_end (args);
}

static const TgModelCapabilities *
get_model (TgCatalog  *catalog,
           const char *provider_id,
           const char *model_id)
{
  const TgModelCapabilities *model = tg_catalog_get_model (catalog, provider_id, model_id);

  if (model == NULL)
    g_error ("no model %s/%s", provider_id, model_id);
  return model;
}

/* String helpers */

static void
test_strings (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  TgWireFormat format;
  TgAuthStyle style;
  TgCapabilities capability;

  for (TgWireFormat f = TG_WIRE_FORMAT_OPENAI; f <= TG_WIRE_FORMAT_OLLAMA; f++)
    {
      g_assert_true (tg_wire_format_from_string (tg_wire_format_to_string (f), &format));
      g_assert_cmpint (format, ==, f);
    }
  g_assert_cmpstr (tg_wire_format_to_string (TG_WIRE_FORMAT_ANTHROPIC), ==, "anthropic");
  g_assert_false (tg_wire_format_from_string ("OpenAI", &format));
  g_assert_false (tg_wire_format_from_string (NULL, &format));

  for (TgAuthStyle s = TG_AUTH_STYLE_BEARER; s <= TG_AUTH_STYLE_NONE; s++)
    {
      g_assert_true (tg_auth_style_from_string (tg_auth_style_to_string (s), &style));
      g_assert_cmpint (style, ==, s);
    }
  g_assert_cmpstr (tg_auth_style_to_string (TG_AUTH_STYLE_X_GOOG_API_KEY), ==, "x-goog-api-key");
  g_assert_false (tg_auth_style_from_string ("basic", &style));

  for (TgCapabilities c = TG_CAPABILITY_STREAMING; c <= TG_CAPABILITY_JSON; c <<= 1)
    {
      g_assert_true (tg_capability_from_string (tg_capability_to_string (c), &capability));
      g_assert_cmpint (capability, ==, c);
    }
  g_assert_cmpstr (tg_capability_to_string (TG_CAPABILITY_VISION), ==, "vision");
  g_assert_null (tg_capability_to_string (TG_CAPABILITY_NONE));
  g_assert_null (tg_capability_to_string (TG_CAPABILITY_TOOLS | TG_CAPABILITY_JSON));
  g_assert_false (tg_capability_from_string ("telepathy", &capability));
}

/* The shipped catalogue */

static gboolean
is_date (const char *text)
{
  g_autoptr(GDateTime) parsed = NULL;
  g_autofree char *iso = NULL;

  if (text == NULL || strlen (text) != 10)
    return FALSE;
  iso = g_strconcat (text, "T00:00:00Z", NULL);
  parsed = g_date_time_new_from_iso8601 (iso, NULL);
  return parsed != NULL;
}

static void
test_shipped_complete (void)
{
  static const char * const required[] = {
    "openai", "anthropic", "gemini", "mistral", "groq", "deepseek", "openrouter", "xai", "ollama",
  };
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *providers;

  g_assert_true (tg_catalog_load_resource (catalog, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (tg_catalog_get_provider (catalog, required[i]) == NULL)
        g_error ("the shipped catalogue lacks provider “%s”", required[i]);
    }

  providers = tg_catalog_get_providers (catalog);
  g_assert_cmpuint (providers->len, >=, G_N_ELEMENTS (required));

  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      g_test_message ("provider %s", provider->id);
      g_assert_nonnull (provider->name);
      g_assert_true (is_date (provider->prices_as_of));
      g_assert_true (g_str_has_prefix (provider->pricing_url, "https://"));
      g_assert_true (g_str_has_prefix (provider->docs_url, "https://"));
      g_assert_true (g_str_has_prefix (provider->base_url, provider->local ? "http://" : "https://"));
      g_assert_true (g_str_has_prefix (provider->health_path, "/"));
      g_assert_false (provider->user_defined);
      /* Only local servers go without a key. */
      g_assert_cmpint (provider->local, ==, provider->auth_style == TG_AUTH_STYLE_NONE);
      g_assert_nonnull (tg_catalog_get_model (catalog, provider->id, provider->default_model));
      g_assert_cmpuint (provider->models->len, >=, provider->local ? 1 : 2);

      for (guint j = 0; j < provider->models->len; j++)
        {
          const TgModelCapabilities *model = g_ptr_array_index (provider->models, j);

          g_test_message ("model %s/%s", provider->id, model->model_id);
          g_assert_cmpstr (model->provider_id, ==, provider->id);
          g_assert_nonnull (model->display_name);
          g_assert_cmpint (model->context_window, >, 0);
          g_assert_cmpint (model->max_output, >, 0);
          g_assert_cmpint (model->max_output, <=, model->context_window);
          g_assert_true (model->capabilities & TG_CAPABILITY_STREAMING);
          g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
          g_assert_cmpstr (model->catalog_date, ==, provider->prices_as_of);

          if (provider->local)
            {
              g_assert_cmpint (model->price_input_micros, ==, 0);
              g_assert_cmpint (model->price_output_micros, ==, 0);
            }
          else
            {
              g_assert_cmpint (model->price_input_micros, >, 0);
              g_assert_cmpint (model->price_output_micros, >, 0);
            }
          g_assert_cmpint (model->price_cached_input_micros, >=, 0);
          g_assert_cmpint (model->price_cached_input_micros, <=, model->price_input_micros);
        }
    }

  /* Spot checks that the decimal strings arrived exactly. */
  g_assert_cmpint (get_model (catalog, "openai", "gpt-5")->price_input_micros, ==, 1250000);
  g_assert_cmpint (get_model (catalog, "openai", "gpt-5")->price_cached_input_micros, ==, 125000);
  g_assert_cmpint (get_model (catalog, "openai", "gpt-5-nano")->price_cached_input_micros, ==, 5000);
  g_assert_cmpint (get_model (catalog, "deepseek", "deepseek-chat")->price_cached_input_micros, ==, 28000);
  g_assert_cmpint (tg_catalog_get_provider (catalog, "anthropic")->auth_style, ==, TG_AUTH_STYLE_X_API_KEY);
  g_assert_cmpint (tg_catalog_get_provider (catalog, "gemini")->wire_format, ==, TG_WIRE_FORMAT_GEMINI);
  /* No cached price given: no discount. */
  g_assert_cmpint (get_model (catalog, "mistral", "mistral-small-2506")->price_cached_input_micros, ==,
                   get_model (catalog, "mistral", "mistral-small-2506")->price_input_micros);
}

static void
test_shipped_default (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgCatalog) patched = NULL;
  g_autoptr(GFile) overrides = NULL;
  g_autoptr(GFile) expected = NULL;
  g_autoptr(GError) error = NULL;
  const TgModelCapabilities *model;

  /* No overrides file: just the shipped catalogue. */
  catalog = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  g_assert_cmpint (get_model (catalog, "openai", "gpt-5-mini")->price_input_micros, ==, 250000);

  /* The overrides file lives in the data folder. */
  overrides = write_data_file (data_dir, "catalog-overrides.json",
                               "{ \"format_version\": 1, \"providers\": ["
                               "  { \"id\": \"openai\", \"models\": ["
                               "    { \"id\": \"gpt-5-mini\", \"price\": { \"input\": \"0.20\" } } ] } ] }");
  expected = tg_catalog_get_overrides_file ();
  g_assert_true (g_file_equal (overrides, expected));

  patched = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  model = get_model (patched, "openai", "gpt-5-mini");
  g_assert_cmpint (model->price_input_micros, ==, 200000);
  g_assert_cmpint (model->price_output_micros, ==, 2000000);
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);
}

/* Malformed catalogues: catalog-a.json with one change each. */

typedef struct
{
  const char *name;
  int         provider;    /* index, -1: the top level */
  int         model;       /* index, -1: the provider itself */
  const char *field;       /* dotted path below the entry, e.g. "price.input" */
  const char *value;       /* JSON, NULL: remove the field */
  const char *mentions[3]; /* besides the file name */
} Mutation;

static const Mutation mutations[] = {
  { "missing-base-url", 0, -1, "base_url", NULL, { "provider “acme”", "field “base_url” is missing" } },
  { "missing-provider-id", 1, -1, "id", NULL, { "provider #2", "field “id” is missing" } },
  { "missing-model-id", 0, 1, "id", NULL, { "provider “acme”", "model #2", "field “id” is missing" } },
  { "missing-model-name", 0, 1, "name", NULL, { "model “acme-small”", "field “name” is missing" } },
  { "missing-price-output", 0, 0, "price.output", NULL, { "model “acme-large”", "field “price.output” is missing" } },
  { "missing-models", 1, -1, "models", NULL, { "provider “homelab”", "field “models” is missing" } },
  { "missing-format-version", -1, -1, "format_version", NULL, { "field “format_version” is missing" } },
  { "wrong-type-context-window", 0, 0, "context_window", "\"big\"", { "model “acme-large”", "field “context_window”" } },
  { "wrong-type-fractional-tokens", 0, 0, "max_output", "1000.5", { "model “acme-large”", "field “max_output”" } },
  { "wrong-type-local", 1, -1, "local", "\"yes\"", { "provider “homelab”", "field “local” must be true or false" } },
  { "wrong-type-name", 0, -1, "name", "42", { "provider “acme”", "field “name” must be a string" } },
  { "wrong-type-models", 0, -1, "models", "{}", { "provider “acme”", "field “models”" } },
  { "wrong-type-capabilities", 0, 0, "capabilities", "\"streaming\"", { "model “acme-large”", "field “capabilities”" } },
  { "wrong-type-price", 0, 0, "price", "\"3.00\"", { "model “acme-large”", "field “price”" } },
  { "wrong-type-model-entry", 0, 2, NULL, "\"acme-legacy\"", { "provider “acme”", "model #3", "must be an object" } },
  { "empty-models", 0, -1, "models", "[]", { "provider “acme”", "field “models”" } },
  { "unknown-wire-format", 0, -1, "wire_format", "\"soap\"", { "provider “acme”", "field “wire_format”", "“soap”" } },
  { "unknown-auth", 0, -1, "auth", "\"basic\"", { "provider “acme”", "field “auth”", "“basic”" } },
  { "unknown-capability", 0, 0, "capabilities", "[\"streaming\", \"telepathy\"]",
    { "model “acme-large”", "field “capabilities”", "“telepathy”" } },
  { "unknown-field", 0, 1, "colour", "\"red\"", { "model “acme-small”", "unknown field “colour”" } },
  { "unknown-price-field", 0, 1, "price.cache_read", "\"0.01\"", { "model “acme-small”", "unknown field “price.cache_read”" } },
  { "bad-price-comma", 0, 0, "price.input", "\"2,50\"",
    { "provider “acme”, model “acme-large”", "field “price.input” must be a decimal amount like “2.50”" } },
  { "bad-price-negative", 0, 1, "price.output", "\"-0.80\"", { "model “acme-small”", "field “price.output”" } },
  { "bad-price-number", 0, 1, "price.output", "0.8", { "model “acme-small”", "field “price.output”" } },
  { "bad-price-too-precise", 0, 1, "price.cached_input", "\"0.0000001\"", { "model “acme-small”", "field “price.cached_input”" } },
  { "negative-context-window", 0, 0, "context_window", "-5", { "model “acme-large”", "field “context_window”" } },
  { "zero-context-window", 0, 1, "context_window", "0", { "model “acme-small”", "field “context_window”" } },
  { "zero-max-output", 0, 1, "max_output", "0", { "model “acme-small”", "field “max_output”" } },
  { "max-output-over-context", 0, 1, "max_output", "999999", { "model “acme-small”", "field “max_output”" } },
  { "duplicate-provider", 1, -1, "id", "\"acme\"", { "provider “acme”", "field “id”", "earlier" } },
  { "duplicate-model", 0, 2, "id", "\"acme-small\"", { "model “acme-small”", "field “id”", "earlier" } },
  { "default-model-unknown", 0, -1, "default_model", "\"acme-huge\"", { "provider “acme”", "field “default_model”", "“acme-huge”" } },
  { "bad-date-month", 0, -1, "prices_as_of", "\"2025-13-01\"", { "provider “acme”", "field “prices_as_of”" } },
  { "bad-date-format", 1, -1, "prices_as_of", "\"15/01/2025\"", { "provider “homelab”", "field “prices_as_of”" } },
  { "bad-date-day", 1, -1, "prices_as_of", "\"2025-02-30\"", { "provider “homelab”", "field “prices_as_of”" } },
  { "bad-url", 0, -1, "base_url", "\"ftp://api.acme.test\"", { "provider “acme”", "field “base_url”" } },
  { "bad-health-path", 0, -1, "health_path", "\"models\"", { "provider “acme”", "field “health_path”" } },
  { "empty-string", 0, -1, "name", "\"\"", { "provider “acme”", "field “name” must not be empty" } },
  { "format-version-2", -1, -1, "format_version", "2", { "field “format_version” must be 1" } },
  { "no-providers", -1, -1, "providers", "[]", { "field “providers”" } },
};

static JsonObject *
object_at_path (JsonObject  *obj,
                const char  *path,
                const char **out_member)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  guint n = g_strv_length (parts);

  for (guint i = 0; i + 1 < n; i++)
    obj = json_object_get_object_member (obj, parts[i]);

  *out_member = path + (strlen (path) - strlen (parts[n - 1]));
  return obj;
}

static void
test_invalid_catalog (gconstpointer data)
{
  const Mutation *mutation = data;
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *source = fixture_path ("catalog-a.json");
  g_autofree char *file_name = g_strdup_printf ("%s.json", mutation->name);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  JsonObject *entry;
  JsonObject *root;

  json_parser_load_from_file (parser, source, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  entry = root;
  if (mutation->provider >= 0)
    {
      JsonArray *providers = json_object_get_array_member (root, "providers");

      entry = json_array_get_object_element (providers, (guint) mutation->provider);
      if (mutation->model >= 0)
        {
          JsonArray *models = json_object_get_array_member (entry, "models");

          if (mutation->field == NULL)
            {
              /* Replace the whole entry. */
              json_array_remove_element (models, (guint) mutation->model);
              json_array_add_element (models, json_from_string (mutation->value, NULL));
              entry = NULL;
            }
          else
            {
              entry = json_array_get_object_element (models, (guint) mutation->model);
            }
        }
    }

  if (entry != NULL)
    {
      const char *member = NULL;
      JsonObject *target = object_at_path (entry, mutation->field, &member);

      if (mutation->value == NULL)
        json_object_remove_member (target, member);
      else
        json_object_set_member (target, member, json_from_string (mutation->value, NULL));
    }

  text = json_to_string (json_parser_get_root (parser), TRUE);
  file = write_data_file (data_dir, file_name, text);

  g_assert_false (tg_catalog_load_file (catalog, file, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_INVALID, file_name,
                        mutation->mentions[0], mutation->mentions[1], mutation->mentions[2], NULL);

  /* A failed load leaves the catalogue as it was (empty here). */
  g_assert_cmpuint (tg_catalog_get_providers (catalog)->len, ==, 0);
}

static void
test_invalid_not_json (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *path = fixture_path ("not-json.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) empty = write_data_file (data_dir, "empty.json", "");
  g_autoptr(GFile) array = write_data_file (data_dir, "array.json", "[]");
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_catalog_load_file (catalog, file, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_PARSE, "not-json.json", "line 3", NULL);
  g_clear_error (&error);

  g_assert_false (tg_catalog_load_file (catalog, empty, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_PARSE, "empty.json", NULL);
  g_clear_error (&error);

  g_assert_false (tg_catalog_load_file (catalog, array, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_INVALID, "array.json", "top level", NULL);
  g_clear_error (&error);

  /* What was loaded before survives every failure. */
  g_assert_nonnull (tg_catalog_get_model (catalog, "acme", "acme-large"));
}

static void
test_invalid_unreadable (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *missing_path = g_build_filename (data_dir, "missing.json", NULL);
  g_autoptr(GFile) missing = g_file_new_for_path (missing_path);
  g_autoptr(GFile) folder = g_file_new_for_path (data_dir);
  g_autoptr(TgCatalog) catalog = tg_catalog_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_catalog_load_file (catalog, missing, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_IO, "missing.json", NULL);
  g_clear_error (&error);

  /* A folder where the overrides file should be is an error, unlike no file. */
  g_assert_false (tg_catalog_load_overrides (catalog, folder, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_IO, NULL);
  g_clear_error (&error);

  g_assert_true (tg_catalog_load_overrides (catalog, missing, &error));
  g_assert_no_error (error);
}

/* Overrides */

static void
test_overrides_merge (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  const TgCatalogProvider *provider;
  const TgModelCapabilities *model;

  file = write_data_file (data_dir, "catalog-overrides.json",
    "{\n"
    "  \"format_version\": 1,\n"
    "  \"providers\": [\n"
    "    {\n"
    "      \"id\": \"acme\",\n"
    "      \"default_model\": \"acme-mine\",\n"
    "      \"models\": [\n"
    "        { \"id\": \"acme-large\", \"price\": { \"input\": \"2.00\" } },\n"
    "        { \"id\": \"acme-small\", \"price\": { \"input\": \"0.15\" } },\n"
    "        { \"id\": \"acme-mine\", \"name\": \"My fine-tune\", \"context_window\": 32000,\n"
    "          \"max_output\": 4000, \"price\": { \"input\": \"0.50\", \"output\": \"1.50\" },\n"
    "          \"capabilities\": [\"streaming\", \"tools\"] }\n"
    "      ]\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"lmstudio\",\n"
    "      \"name\": \"LM Studio\",\n"
    "      \"wire_format\": \"openai\",\n"
    "      \"base_url\": \"http://localhost:1234/v1\",\n"
    "      \"auth\": \"none\",\n"
    "      \"health_path\": \"/models\",\n"
    "      \"docs_url\": \"https://lmstudio.ai/docs\",\n"
    "      \"pricing_url\": \"https://lmstudio.ai\",\n"
    "      \"prices_as_of\": \"2025-09-01\",\n"
    "      \"local\": true,\n"
    "      \"default_model\": \"qwen\",\n"
    "      \"models\": [\n"
    "        { \"id\": \"qwen\", \"name\": \"Qwen\", \"context_window\": 32768, \"max_output\": 8192,\n"
    "          \"price\": { \"input\": \"0\", \"output\": \"0\" }, \"capabilities\": [\"streaming\"] }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n");

  g_assert_true (tg_catalog_load_overrides (catalog, file, &error));
  g_assert_no_error (error);

  /* A price patch changes only what it names; the cached discount stays. */
  model = get_model (catalog, "acme", "acme-large");
  g_assert_cmpint (model->price_input_micros, ==, micros ("2.00"));
  g_assert_cmpint (model->price_output_micros, ==, micros ("15.00"));
  g_assert_cmpint (model->price_cached_input_micros, ==, micros ("0.30"));
  g_assert_cmpint (model->context_window, ==, 200000);
  g_assert_cmpstr (model->display_name, ==, "Acme Large");
  g_assert_cmpint (model->capabilities, ==, TG_CAPABILITY_STREAMING | TG_CAPABILITY_TOOLS |
                                            TG_CAPABILITY_VISION | TG_CAPABILITY_JSON);
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_null (model->catalog_date);

  /* A model without a discount keeps having none. */
  model = get_model (catalog, "acme", "acme-small");
  g_assert_cmpint (model->price_input_micros, ==, micros ("0.15"));
  g_assert_cmpint (model->price_cached_input_micros, ==, micros ("0.15"));

  /* Untouched models stay catalogue rows. */
  model = get_model (catalog, "acme", "acme-legacy");
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
  g_assert_cmpstr (model->catalog_date, ==, "2025-01-15");

  /* An added model of a catalogue provider. */
  provider = tg_catalog_get_provider (catalog, "acme");
  g_assert_false (provider->user_defined);
  g_assert_cmpstr (provider->default_model, ==, "acme-mine");
  g_assert_cmpuint (provider->models->len, ==, 4);
  model = get_model (catalog, "acme", "acme-mine");
  g_assert_cmpstr (model->provider_id, ==, "acme");
  g_assert_cmpstr (model->display_name, ==, "My fine-tune");
  g_assert_cmpint (model->price_output_micros, ==, micros ("1.50"));
  g_assert_cmpint (model->price_cached_input_micros, ==, micros ("0.50"));
  g_assert_cmpint (model->capabilities, ==, TG_CAPABILITY_STREAMING | TG_CAPABILITY_TOOLS);
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);

  /* An added provider, after the catalogue's own. */
  g_assert_cmpuint (tg_catalog_get_providers (catalog)->len, ==, 3);
  provider = g_ptr_array_index (tg_catalog_get_providers (catalog), 2);
  g_assert_cmpstr (provider->id, ==, "lmstudio");
  g_assert_true (provider->user_defined);
  g_assert_true (provider->local);
  g_assert_cmpint (provider->auth_style, ==, TG_AUTH_STYLE_NONE);
  g_assert_cmpint (provider->wire_format, ==, TG_WIRE_FORMAT_OPENAI);
  model = get_model (catalog, "lmstudio", "qwen");
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (model->max_output, ==, 8192);

  /* The other catalogue provider is untouched. */
  g_assert_false (tg_catalog_get_provider (catalog, "homelab")->user_defined);
  g_assert_cmpint (get_model (catalog, "homelab", "tiny")->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
}

typedef struct
{
  const char *name;
  const char *providers;   /* the "providers" array of the overrides file */
  const char *mentions[3];
} BadOverride;

static const BadOverride bad_overrides[] = {
  { "bad-price",
    "[{ \"id\": \"acme\", \"models\": [{ \"id\": \"acme-large\", \"price\": { \"input\": \"cheap\" } }] }]",
    { "catalog-overrides.json: provider “acme”, model “acme-large”: "
      "field “price.input” must be a decimal amount like “2.50”" } },
  { "incomplete-provider",
    "[{ \"id\": \"newco\", \"name\": \"New Co\" }]",
    { "provider “newco”", "field “wire_format” is missing" } },
  { "incomplete-model",
    "[{ \"id\": \"acme\", \"models\": [{ \"id\": \"acme-new\", \"price\": { \"input\": \"1\", \"output\": \"2\" } }] }]",
    { "provider “acme”, model “acme-new”", "field “name” is missing" } },
  { "partial-price-new-model",
    "[{ \"id\": \"acme\", \"models\": [{ \"id\": \"acme-new\", \"name\": \"New\", \"context_window\": 10,"
    "   \"max_output\": 10, \"price\": { \"input\": \"1\" }, \"capabilities\": [] }] }]",
    { "model “acme-new”", "field “price.output” is missing" } },
  { "duplicate-provider",
    "[{ \"id\": \"acme\", \"name\": \"A\" }, { \"id\": \"acme\", \"name\": \"B\" }]",
    { "provider “acme”", "field “id”" } },
  { "default-model-unknown",
    "[{ \"id\": \"homelab\", \"default_model\": \"huge\" }]",
    { "provider “homelab”", "field “default_model”", "“huge”" } },
  { "max-output-over-context",
    "[{ \"id\": \"acme\", \"models\": [{ \"id\": \"acme-legacy\", \"max_output\": 9000 }] }]",
    { "model “acme-legacy”", "field “max_output”" } },
  { "bad-wire-format",
    "[{ \"id\": \"acme\", \"wire_format\": \"grpc\" }]",
    { "provider “acme”", "field “wire_format”", "“grpc”" } },
};

static void
test_overrides_invalid (gconstpointer data)
{
  const BadOverride *bad = data;
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *contents = g_strdup_printf ("{ \"format_version\": 1, \"providers\": %s }", bad->providers);
  g_autoptr(GFile) file = write_data_file (data_dir, "catalog-overrides.json", contents);
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_catalog_load_overrides (catalog, file, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_INVALID, "catalog-overrides.json",
                        bad->mentions[0], bad->mentions[1], bad->mentions[2], NULL);

  /* All or nothing: the catalogue is as the file left it. */
  g_assert_cmpuint (tg_catalog_get_providers (catalog)->len, ==, 2);
  g_assert_cmpint (get_model (catalog, "acme", "acme-large")->price_input_micros, ==, micros ("3.00"));
  g_assert_cmpint (get_model (catalog, "acme", "acme-large")->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "homelab")->default_model, ==, "tiny");
  g_assert_null (tg_catalog_get_model (catalog, "acme", "acme-new"));
}

static void
test_overrides_not_json (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(GFile) file = write_data_file (data_dir, "catalog-overrides.json",
                                           "{ \"format_version\": 1,\n  \"providers\": [ { \"id\": acme } ] }");
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(GError) error = NULL;

  g_assert_false (tg_catalog_load_overrides (catalog, file, &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_PARSE, "catalog-overrides.json", "line 2", NULL);
}

/* Sync */

static TgDb *
open_db (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "tollgate.db", NULL);
  g_autoptr(GError) error = NULL;
  TgDb *db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

static TgModelCapabilities *
db_get (TgDb       *db,
        const char *provider_id,
        const char *model_id)
{
  g_autoptr(GError) error = NULL;
  TgModelCapabilities *row = tg_db_get_capabilities (db, provider_id, model_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (row);
  return row;
}

static void
db_put (TgDb                *db,
        const char          *provider_id,
        const char          *model_id,
        const char          *input,
        TgCapabilitySource   source)
{
  g_autoptr(TgModelCapabilities) row = tg_model_capabilities_new ();
  g_autoptr(GError) error = NULL;

  row->provider_id = g_strdup (provider_id);
  row->model_id = g_strdup (model_id);
  row->display_name = g_strdup (model_id);
  row->context_window = 64000;
  row->max_output = 8000;
  row->price_input_micros = micros (input);
  row->price_output_micros = micros (input) * 4;
  row->price_cached_input_micros = micros (input);
  row->capabilities = TG_CAPABILITY_STREAMING;
  row->source = source;
  row->catalog_date = source == TG_CAPABILITY_SOURCE_CATALOG ? g_strdup ("2024-12-01") : NULL;

  g_assert_true (tg_db_upsert_capabilities (db, row, &error));
  g_assert_no_error (error);
}

static void
sync_catalog (TgCatalog *catalog,
              TgDb      *db)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_catalog_sync_to_db (catalog, db, &error));
  g_assert_no_error (error);
}

static void
test_sync_first (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db (data_dir);
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(TgModelCapabilities) row = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  sync_catalog (catalog, db);

  rows = tg_db_list_capabilities (db, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);

  row = db_get (db, "acme", "acme-large");
  g_assert_cmpint (row->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
  g_assert_cmpstr (row->catalog_date, ==, "2025-01-15");
  g_assert_cmpstr (row->display_name, ==, "Acme Large");
  g_assert_cmpint (row->context_window, ==, 200000);
  g_assert_cmpint (row->max_output, ==, 32000);
  g_assert_cmpint (row->price_input_micros, ==, micros ("3.00"));
  g_assert_cmpint (row->price_output_micros, ==, micros ("15.00"));
  g_assert_cmpint (row->price_cached_input_micros, ==, micros ("0.30"));
  g_assert_cmpint (row->capabilities, ==, TG_CAPABILITY_STREAMING | TG_CAPABILITY_TOOLS |
                                          TG_CAPABILITY_VISION | TG_CAPABILITY_JSON);

  /* The catalogue keeps its own order after reading the rows back. */
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (tg_catalog_get_provider (catalog, "acme")->models, 0))->model_id,
                   ==, "acme-large");
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (tg_catalog_get_provider (catalog, "acme")->models, 2))->model_id,
                   ==, "acme-legacy");

  /* Syncing again changes nothing. */
  sync_catalog (catalog, db);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = tg_db_list_capabilities (db, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpuint (tg_catalog_get_provider (catalog, "acme")->models->len, ==, 3);
}

static void
test_sync_update (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autofree char *path_b = fixture_path ("catalog-b.json");
  g_autoptr(GFile) file_b = g_file_new_for_path (path_b);
  g_autoptr(TgDb) db = open_db (data_dir);
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(TgModelCapabilities) small = NULL;
  g_autoptr(TgModelCapabilities) large = NULL;
  g_autoptr(TgModelCapabilities) custom = NULL;
  g_autoptr(TgModelCapabilities) ghost = NULL;
  g_autoptr(TgModelCapabilities) legacy = NULL;
  g_autoptr(GError) error = NULL;
  const TgCatalogProvider *acme;
  const TgModelCapabilities *model;

  sync_catalog (catalog, db);

  /* The user sets their own price for a catalogue model, adds a model of their
   * own, and some other part of the app left a row for a provider the
   * catalogue does not know. */
  db_put (db, "acme", "acme-small", "0.17", TG_CAPABILITY_SOURCE_USER);
  db_put (db, "acme", "acme-custom", "0.33", TG_CAPABILITY_SOURCE_USER);
  db_put (db, "ghost", "ghost-1", "1.00", TG_CAPABILITY_SOURCE_CATALOG);

  /* Catalogue B: new prices, acme-legacy gone, acme-next new. */
  g_assert_true (tg_catalog_load_file (catalog, file_b, &error));
  g_assert_no_error (error);
  sync_catalog (catalog, db);

  small = db_get (db, "acme", "acme-small");
  g_assert_cmpint (small->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (small->price_input_micros, ==, micros ("0.17"));
  g_assert_cmpint (small->price_output_micros, ==, micros ("0.68"));
  g_assert_cmpint (small->context_window, ==, 64000);

  large = db_get (db, "acme", "acme-large");
  g_assert_cmpint (large->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
  g_assert_cmpint (large->price_input_micros, ==, micros ("2.50"));
  g_assert_cmpint (large->price_output_micros, ==, micros ("12.00"));
  g_assert_cmpint (large->price_cached_input_micros, ==, micros ("0.25"));
  g_assert_cmpstr (large->catalog_date, ==, "2025-07-01");

  legacy = tg_db_get_capabilities (db, "acme", "acme-legacy", &error);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_assert_null (legacy);
  g_clear_error (&error);

  custom = db_get (db, "acme", "acme-custom");
  g_assert_cmpint (custom->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (custom->price_input_micros, ==, micros ("0.33"));

  ghost = db_get (db, "ghost", "ghost-1");
  g_assert_cmpint (ghost->source, ==, TG_CAPABILITY_SOURCE_CATALOG);

  /* The in-memory catalogue now holds the effective models. */
  acme = tg_catalog_get_provider (catalog, "acme");
  g_assert_cmpuint (acme->models->len, ==, 4);
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (acme->models, 0))->model_id, ==, "acme-large");
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (acme->models, 1))->model_id, ==, "acme-small");
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (acme->models, 2))->model_id, ==, "acme-next");
  g_assert_cmpstr (((TgModelCapabilities *) g_ptr_array_index (acme->models, 3))->model_id, ==, "acme-custom");

  model = get_model (catalog, "acme", "acme-small");
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (model->price_input_micros, ==, micros ("0.17"));
  model = get_model (catalog, "acme", "acme-custom");
  g_assert_cmpint (model->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (get_model (catalog, "acme", "acme-large")->price_input_micros, ==, micros ("2.50"));
  g_assert_nonnull (tg_catalog_get_model (catalog, "acme", "acme-next"));
  g_assert_null (tg_catalog_get_model (catalog, "acme", "acme-legacy"));

  g_assert_null (tg_catalog_get_provider (catalog, "ghost"));
  g_assert_cmpuint (tg_catalog_get_providers (catalog)->len, ==, 2);
}

static void
test_sync_overrides (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgDb) db = open_db (data_dir);
  g_autoptr(TgCatalog) catalog = load_fixture ("catalog-a.json");
  g_autoptr(TgCatalog) plain = load_fixture ("catalog-a.json");
  g_autoptr(TgModelCapabilities) large = NULL;
  g_autoptr(TgModelCapabilities) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;

  file = write_data_file (data_dir, "catalog-overrides.json",
                          "{ \"format_version\": 1, \"providers\": [ { \"id\": \"acme\", \"models\": ["
                          "  { \"id\": \"acme-large\", \"price\": { \"output\": \"9.00\" } },"
                          "  { \"id\": \"acme-mine\", \"name\": \"Mine\", \"context_window\": 1000,"
                          "    \"max_output\": 100, \"price\": { \"input\": \"0.01\", \"output\": \"0.02\" },"
                          "    \"capabilities\": [\"streaming\"] } ] } ] }");
  g_assert_true (tg_catalog_load_overrides (catalog, file, &error));
  g_assert_no_error (error);
  sync_catalog (catalog, db);

  large = db_get (db, "acme", "acme-large");
  g_assert_cmpint (large->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (large->price_output_micros, ==, micros ("9.00"));
  g_assert_cmpint (large->price_input_micros, ==, micros ("3.00"));
  added = db_get (db, "acme", "acme-mine");
  g_assert_cmpint (added->source, ==, TG_CAPABILITY_SOURCE_USER);

  /* A catalogue without the overrides (say the file was removed) neither
   * overwrites nor deletes those user rows. */
  sync_catalog (plain, db);
  g_clear_pointer (&large, tg_model_capabilities_free);
  large = db_get (db, "acme", "acme-large");
  g_assert_cmpint (large->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_cmpint (large->price_output_micros, ==, micros ("9.00"));
  g_assert_nonnull (tg_catalog_get_model (plain, "acme", "acme-mine"));
  g_assert_cmpint (get_model (plain, "acme", "acme-large")->price_output_micros, ==, micros ("9.00"));
}

/* A snapshot keeps what the catalogue held when it was taken, providers and
 * their strings alive, through every kind of change to the catalogue. */
static void
test_snapshot (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  g_autoptr(TgCatalog) before = NULL;
  g_autoptr(TgCatalog) unchanged = NULL;
  g_autoptr(GError) error = NULL;
  const TgCatalogProvider *openai;
  g_autofree char *shipped_url = NULL;
  guint n_providers;

  g_assert_nonnull (catalog);
  before = tg_catalog_snapshot (catalog);
  unchanged = tg_catalog_snapshot (catalog);
  openai = tg_catalog_get_provider (before, "openai");
  shipped_url = g_strdup (openai->base_url);
  n_providers = tg_catalog_get_providers (catalog)->len;
  /* Nothing changed yet: both see the same providers. */
  g_assert_true (tg_catalog_get_providers (before) == tg_catalog_get_providers (catalog));

  g_assert_true (tg_catalog_set_base_url (catalog, "openai", "http://127.0.0.1:9/v1", &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_get_providers (before) != tg_catalog_get_providers (catalog));
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "openai")->base_url, ==, "http://127.0.0.1:9/v1");
  /* The provider read from the snapshot before the change is still whole. */
  g_assert_true (tg_catalog_get_provider (before, "openai") == openai);
  g_assert_cmpstr (openai->base_url, ==, shipped_url);

  /* Replaced wholesale by another file: the snapshot still holds the shipped one. */
  {
    g_autoptr(TgCatalog) other = load_fixture ("catalog-a.json");
    g_autofree char *path = fixture_path ("catalog-a.json");
    g_autoptr(GFile) file = g_file_new_for_path (path);

    g_assert_true (tg_catalog_load_file (catalog, file, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (tg_catalog_get_providers (catalog)->len, ==, tg_catalog_get_providers (other)->len);
  }
  g_clear_object (&catalog);
  g_assert_cmpuint (tg_catalog_get_providers (before)->len, ==, n_providers);
  g_assert_cmpstr (tg_catalog_get_provider (unchanged, "openai")->base_url, ==, shipped_url);
  g_assert_nonnull (get_model (before, "openai", "gpt-4.1"));
}

static void
test_base_url (void)
{
  g_autofree char *data_dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  g_autoptr(TgCatalog) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *shipped_url = NULL;
  const char *bad[] = { "ftp://example.com", "example.com/v1", "https://", "http:///v1",
                        "https://exa mple.com", "https://example.com/\nx" };
  const TgModelCapabilities *model;
  guint n_models;

  g_assert_nonnull (catalog);
  shipped_url = g_strdup (tg_catalog_get_provider (catalog, "openai")->base_url);
  n_models = tg_catalog_get_provider (catalog, "openai")->models->len;

  /* A price override already in the file stays when the address changes. */
  file = write_data_file (data_dir, "catalog-overrides.json",
    "{ \"format_version\": 1, \"providers\": [\n"
    "  { \"id\": \"openai\", \"models\": [ { \"id\": \"gpt-4.1\", \"price\": { \"input\": \"9.00\" } } ] }\n"
    "] }\n");
  g_clear_object (&catalog);
  catalog = tg_catalog_new_default (&error);
  g_assert_no_error (error);

  g_assert_true (tg_catalog_set_base_url (catalog, "openai", "http://127.0.0.1:9/v1", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "openai")->base_url, ==, "http://127.0.0.1:9/v1");
  g_assert_cmpuint (tg_catalog_get_provider (catalog, "openai")->models->len, ==, n_models);
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "anthropic")->base_url, ==, "https://api.anthropic.com");

  /* Kept in the overrides file: a new catalogue reads it back. */
  reloaded = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_catalog_get_provider (reloaded, "openai")->base_url, ==, "http://127.0.0.1:9/v1");
  model = get_model (reloaded, "openai", "gpt-4.1");
  g_assert_cmpint (model->price_input_micros, ==, micros ("9.00"));
  g_clear_object (&reloaded);

  /* Bad addresses and unknown providers are refused, and nothing changes. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (tg_catalog_set_base_url (catalog, "openai", bad[i], &error));
      assert_catalog_error (error, TG_CATALOG_ERROR_INVALID, "http://", NULL);
      g_clear_error (&error);
    }
  g_assert_false (tg_catalog_set_base_url (catalog, "no-such-provider", "https://example.com", &error));
  assert_catalog_error (error, TG_CATALOG_ERROR_INVALID, "no-such-provider", NULL);
  g_clear_error (&error);
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "openai")->base_url, ==, "http://127.0.0.1:9/v1");

  /* Back to the catalogue's address; the price override stays. */
  g_assert_true (tg_catalog_set_base_url (catalog, "openai", "", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tg_catalog_get_provider (catalog, "openai")->base_url, ==, shipped_url);
  reloaded = tg_catalog_new_default (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_catalog_get_provider (reloaded, "openai")->base_url, ==, shipped_url);
  g_assert_cmpint (get_model (reloaded, "openai", "gpt-4.1")->price_input_micros, ==, micros ("9.00"));
  g_clear_object (&reloaded);

  /* An entry that only moved the address goes away entirely on reset. */
  g_assert_true (tg_catalog_set_base_url (catalog, "anthropic", "https://proxy.example.com", &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_set_base_url (catalog, "anthropic", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_load_contents (file, NULL, &contents, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (contents, "anthropic"));
  g_assert_nonnull (strstr (contents, "gpt-4.1"));
  /* Resetting what was never moved is no error. */
  g_assert_true (tg_catalog_set_base_url (catalog, "gemini", NULL, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/catalog/strings", test_strings);
  g_test_add_func ("/catalog/shipped/complete", test_shipped_complete);
  g_test_add_func ("/catalog/shipped/default", test_shipped_default);

  for (guint i = 0; i < G_N_ELEMENTS (mutations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/catalog/invalid/%s", mutations[i].name);

      g_test_add_data_func (path, &mutations[i], test_invalid_catalog);
    }
  g_test_add_func ("/catalog/invalid/not-json", test_invalid_not_json);
  g_test_add_func ("/catalog/invalid/unreadable", test_invalid_unreadable);

  g_test_add_func ("/catalog/overrides/merge", test_overrides_merge);
  for (guint i = 0; i < G_N_ELEMENTS (bad_overrides); i++)
    {
      g_autofree char *path = g_strdup_printf ("/catalog/overrides/invalid/%s", bad_overrides[i].name);

      g_test_add_data_func (path, &bad_overrides[i], test_overrides_invalid);
    }
  g_test_add_func ("/catalog/overrides/not-json", test_overrides_not_json);

  g_test_add_func ("/catalog/sync/first", test_sync_first);
  g_test_add_func ("/catalog/sync/update", test_sync_update);
  g_test_add_func ("/catalog/sync/overrides", test_sync_overrides);
  g_test_add_func ("/catalog/base-url", test_base_url);
  g_test_add_func ("/catalog/snapshot", test_snapshot);

  return g_test_run ();
}
