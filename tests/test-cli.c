/* test-cli.c: runs the real tollgate binary and checks output and exit codes. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tg-catalog.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-mock-provider.h"
#include "tg-secret-store.h"
#include "tg-test-utils.h"

typedef struct {
  int   status;
  char *out;
  char *err;
} CliResult;

static void
cli_result_clear (CliResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, cli_result_clear)

/* Runs `tollgate ARGS…` with @input on stdin and @extra_env (NULL-terminated
 * VAR=VALUE pairs) added to the environment. */
static void
run_cli_full (CliResult          *result,
              const char         *input,
              const char * const *extra_env,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *bin = g_getenv ("TOLLGATE_BIN");

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (char *) bin);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* The messages are checked in English. */
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", "C", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (extra_env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input ? input : "", NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  result->status = g_subprocess_get_exit_status (proc);
  g_test_message ("tollgate %s → %d\nstdout: %s\nstderr: %s",
                  args[0] ? args[0] : "", result->status, result->out, result->err);
}

#define run_cli(result, input, ...) \
  run_cli_full (result, input, NULL, (const char *[]) { __VA_ARGS__, NULL })

/* A usage error is one line on stderr and nothing on stdout. */
static void
assert_usage_error (CliResult  *result,
                    const char *expected)
{
  g_assert_cmpint (result->status, ==, 2);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_true (g_str_has_prefix (result->err, "tollgate: "));
  g_assert_nonnull (strstr (result->err, expected));
  g_assert_cmpint (strlen (result->err) - 1, ==, strcspn (result->err, "\n"));
}

static JsonArray *
parse_providers_json (const char *text,
                      JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  return json_node_get_array (root);
}

static JsonObject *
find_provider (JsonArray  *providers,
               const char *id)
{
  for (guint i = 0; i < json_array_get_length (providers); i++)
    {
      JsonObject *object = json_array_get_object_element (providers, i);
      if (g_str_equal (json_object_get_string_member (object, "id"), id))
        return object;
    }
  return NULL;
}

static void
delete_key (const char *provider_id)
{
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();
  g_autoptr(GError) error = NULL;

  tg_secret_store_delete_sync (store, provider_id, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_help (void)
{
  g_auto(CliResult) result = { 0 };
  g_autofree char *dir = tg_test_make_data_dir ();
  static const char *expected[] = { "providers [--json]", "key set PROVIDER", "key delete PROVIDER",
                                    "db migrate [--to VERSION]", "prefs [get KEY | set KEY VALUE]",
                                    "health [--check] [--json]", "--help", "--version", "--background", "TOLLGATE_DATA_DIR" };

  run_cli (&result, NULL, "--help");
  g_assert_cmpint (result.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_nonnull (strstr (result.out, expected[i]));
  g_assert_cmpstr (result.err, ==, "");
}

/* --background belongs to the application (the autostart entry runs it):
 * GApplication's option parser answers, not the command line's. */
static void
test_background_goes_to_the_app (void)
{
  g_auto(CliResult) result = { 0 };
  g_autofree char *dir = tg_test_make_data_dir ();

  run_cli (&result, NULL, "--background", "--no-such-option");
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpstr (result.out, ==, "");
  g_assert_nonnull (strstr (result.err, "Unknown option --no-such-option"));
  g_assert_null (strstr (result.err, "tollgate --help"));
}

static void
test_version (void)
{
  g_auto(CliResult) result = { 0 };
  g_autofree char *dir = tg_test_make_data_dir ();

  run_cli (&result, NULL, "--version");
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (g_str_has_prefix (result.out, "tollgate "));
}

static void
test_bad_arguments (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_auto(CliResult) r1 = { 0 };
  g_auto(CliResult) r2 = { 0 };
  g_auto(CliResult) r3 = { 0 };
  g_auto(CliResult) r4 = { 0 };
  g_auto(CliResult) r5 = { 0 };

  run_cli (&r1, NULL, "frobnicate");
  assert_usage_error (&r1, "Unknown command “frobnicate”");
  run_cli (&r2, NULL, "--frobnicate");
  assert_usage_error (&r2, "Unknown option “--frobnicate”");
  run_cli (&r3, NULL, "providers", "--xml");
  assert_usage_error (&r3, "“--xml”");
  run_cli (&r4, NULL, "key");
  assert_usage_error (&r4, "“key” needs");
  run_cli (&r5, NULL, "db", "vacuum");
  assert_usage_error (&r5, "“db” needs");
}

static void
test_providers_text (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  g_auto(CliResult) result = { 0 };
  GPtrArray *providers;

  g_assert_nonnull (catalog);
  delete_key ("openai");
  run_cli (&result, NULL, "providers");
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.err, ==, "");

  /* Every provider and model of the catalogue, with the key status. */
  providers = tg_catalog_get_providers (catalog);
  g_assert_cmpuint (providers->len, >=, 9);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);
      g_autofree char *heading = g_strdup_printf ("%s (%s) · ", provider->name, provider->id);

      g_assert_nonnull (strstr (result.out, heading));
      for (guint j = 0; j < provider->models->len; j++)
        {
          const TgModelCapabilities *model = g_ptr_array_index (provider->models, j);
          g_autofree char *row = g_strdup_printf ("  %s ", model->model_id);
          g_assert_nonnull (strstr (result.out, row));
        }
    }
  g_assert_nonnull (strstr (result.out, "OpenAI (openai) · no key · prices as of "));
  g_assert_nonnull (strstr (result.out, "(ollama) · no key needed · "));
}

static void
test_providers_json (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CliResult) result = { 0 };
  const TgCatalogProvider *expected;
  const TgModelCapabilities *expected_model;
  JsonArray *providers;
  JsonObject *openai, *model, *price;

  delete_key ("openai");
  run_cli (&result, NULL, "providers", "--json");
  g_assert_cmpint (result.status, ==, 0);

  providers = parse_providers_json (result.out, parser);
  g_assert_cmpuint (json_array_get_length (providers), ==, tg_catalog_get_providers (catalog)->len);

  openai = find_provider (providers, "openai");
  g_assert_nonnull (openai);
  g_assert_false (json_object_get_boolean_member (openai, "key_stored"));
  g_assert_true (json_object_get_boolean_member (openai, "key_required"));
  g_assert_cmpstr (json_object_get_string_member (openai, "wire_format"), ==, "openai");
  g_assert_false (json_object_get_boolean_member (find_provider (providers, "ollama"), "key_required"));

  /* Prices are exact: the string and the micro-dollars agree with the catalogue. */
  expected = tg_catalog_get_provider (catalog, "openai");
  expected_model = g_ptr_array_index (expected->models, 0);
  model = json_array_get_object_element (json_object_get_array_member (openai, "models"), 0);
  g_assert_cmpstr (json_object_get_string_member (model, "id"), ==, expected_model->model_id);
  g_assert_cmpint (json_object_get_int_member (model, "context_window"), ==, expected_model->context_window);
  price = json_object_get_object_member (model, "price_per_million");
  g_assert_cmpint (json_object_get_int_member (price, "input_micros"), ==, expected_model->price_input_micros);
  g_assert_cmpint (json_object_get_int_member (price, "output_micros"), ==, expected_model->price_output_micros);
  {
    gint64 micros = expected_model->price_input_micros;
    g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                                             micros / 1000000, micros % 1000000);
    g_assert_cmpstr (json_object_get_string_member (price, "input"), ==, text);
  }
}

static void
test_key_set_and_delete (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) set = { 0 };
  g_auto(CliResult) list = { 0 };
  g_auto(CliResult) text = { 0 };
  g_auto(CliResult) del = { 0 };
  g_auto(CliResult) del_again = { 0 };
  char *key;

  delete_key ("anthropic");

  /* The trailing CR and newline of a pasted key are not part of it. */
  run_cli (&set, "sk-ant-test-0123456789\r\n", "key", "set", "anthropic");
  g_assert_cmpint (set.status, ==, 0);
  g_assert_nonnull (strstr (set.out, "Stored the API key for Anthropic"));
  g_assert_null (strstr (set.out, "sk-ant-test"));
  g_assert_null (strstr (set.err, "sk-ant-test"));

  key = tg_secret_store_lookup_sync (store, "anthropic", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key, ==, "sk-ant-test-0123456789");
  tg_secret_store_free_key (key);

  /* The key is never in the database. */
  {
    g_autofree char *db_path = tg_db_get_default_path ();
    g_autofree char *contents = NULL;
    gsize length = 0;

    run_cli (&list, NULL, "providers", "--json");
    g_assert_cmpint (list.status, ==, 0);
    g_assert_true (json_object_get_boolean_member (find_provider (parse_providers_json (list.out, parser), "anthropic"),
                                                   "key_stored"));
    g_assert_null (strstr (list.out, "sk-ant-test"));

    g_assert_true (g_file_get_contents (db_path, &contents, &length, NULL));
    g_assert_null (g_strstr_len (contents, length, "sk-ant-test"));
  }

  run_cli (&text, NULL, "providers");
  g_assert_nonnull (strstr (text.out, "Anthropic (anthropic) · key stored · "));

  run_cli (&del, NULL, "key", "delete", "anthropic");
  g_assert_cmpint (del.status, ==, 0);
  g_assert_nonnull (strstr (del.out, "Deleted the API key for Anthropic"));
  key = tg_secret_store_lookup_sync (store, "anthropic", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (key);

  run_cli (&del_again, NULL, "key", "delete", "anthropic");
  g_assert_cmpint (del_again.status, ==, 0);
  g_assert_nonnull (strstr (del_again.out, "No API key was stored for Anthropic"));
}

static void
test_key_errors (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_auto(CliResult) unknown = { 0 };
  g_auto(CliResult) missing = { 0 };
  g_auto(CliResult) extra = { 0 };
  g_auto(CliResult) local = { 0 };
  g_auto(CliResult) empty = { 0 };
  g_autofree char *huge = g_strnfill (5000, 'k');
  g_auto(CliResult) too_long = { 0 };

  run_cli (&unknown, "sk-x\n", "key", "set", "nosuchprovider");
  assert_usage_error (&unknown, "Unknown provider “nosuchprovider”");
  run_cli (&missing, "sk-x\n", "key", "set");
  assert_usage_error (&missing, "exactly one provider id");
  /* A key given as an argument is refused, so it never sits in `ps` or shell history. */
  run_cli (&extra, NULL, "key", "set", "openai", "sk-in-argv");
  assert_usage_error (&extra, "read from standard input");
  run_cli (&local, "x\n", "key", "set", "ollama");
  assert_usage_error (&local, "without an API key");
  run_cli (&empty, "  \n", "key", "set", "openai");
  assert_usage_error (&empty, "No key was given");
  run_cli (&too_long, huge, "key", "set", "openai");
  assert_usage_error (&too_long, "longer than");
}

static void
test_no_keyring (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  static const char * const no_bus[] = { "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CliResult) set = { 0 };
  g_auto(CliResult) list = { 0 };
  JsonObject *openai;

  run_cli_full (&set, "sk-x\n", no_bus, (const char *[]) { "key", "set", "openai", NULL });
  g_assert_cmpint (set.status, ==, 1);
  g_assert_nonnull (strstr (set.err, "keyring"));
  g_assert_cmpint (strlen (set.err) - 1, ==, strcspn (set.err, "\n"));

  /* The rest keeps working: providers are listed, key status unknown (null). */
  run_cli_full (&list, NULL, no_bus, (const char *[]) { "providers", "--json", NULL });
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.err, "keyring"));
  openai = find_provider (parse_providers_json (list.out, parser), "openai");
  g_assert_nonnull (openai);
  g_assert_true (json_object_get_null_member (openai, "key_stored"));
}

static int
open_schema_version (void)
{
  g_autofree char *path = tg_db_get_default_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_db_open (path, TG_DB_OPEN_NO_MIGRATE, &error);

  g_assert_no_error (error);
  return tg_db_get_schema_version (db);
}

static void
test_db_migrate (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *latest_text = g_strdup_printf ("%d", tg_db_get_latest_version ());
  g_auto(CliResult) up = { 0 };
  g_auto(CliResult) down = { 0 };
  g_auto(CliResult) again = { 0 };
  g_auto(CliResult) too_high = { 0 };
  g_auto(CliResult) not_number = { 0 };
  g_auto(CliResult) no_value = { 0 };
  g_auto(CliResult) back_up = { 0 };

  run_cli (&up, NULL, "db", "migrate");
  g_assert_cmpint (up.status, ==, 0);
  g_assert_nonnull (strstr (up.out, "from schema version 0 to"));
  g_assert_cmpint (open_schema_version (), ==, tg_db_get_latest_version ());

  run_cli (&again, NULL, "db", "migrate");
  g_assert_cmpint (again.status, ==, 0);
  g_assert_nonnull (strstr (again.out, "already at schema version"));

  run_cli (&down, NULL, "db", "migrate", "--to", "0");
  g_assert_cmpint (down.status, ==, 0);
  g_assert_cmpint (open_schema_version (), ==, 0);

  run_cli (&back_up, NULL, "db", "migrate", "--to", latest_text);
  g_assert_cmpint (back_up.status, ==, 0);
  g_assert_cmpint (open_schema_version (), ==, tg_db_get_latest_version ());

  run_cli (&too_high, NULL, "db", "migrate", "--to", "9999");
  assert_usage_error (&too_high, "not a schema version");
  run_cli (&not_number, NULL, "db", "migrate", "--to", "latest");
  assert_usage_error (&not_number, "not a schema version");
  run_cli (&no_value, NULL, "db", "migrate", "--to");
  assert_usage_error (&no_value, "needs a schema version");
  g_assert_cmpint (open_schema_version (), ==, tg_db_get_latest_version ());
}

static void
test_corrupt_database (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = tg_db_get_default_path ();
  static const char garbage[] = "this is not an SQLite database, and must survive untouched\n";
  g_autofree char *after = NULL;
  g_auto(CliResult) list = { 0 };
  g_auto(CliResult) migrate = { 0 };

  g_assert_true (g_file_set_contents (path, garbage, -1, NULL));

  /* Listing still works from the shipped catalogue, and says why. */
  run_cli (&list, NULL, "providers");
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.out, "OpenAI (openai)"));
  g_assert_nonnull (strstr (list.err, path));

  run_cli (&migrate, NULL, "db", "migrate");
  g_assert_cmpint (migrate.status, ==, 1);
  g_assert_nonnull (strstr (migrate.err, path));

  /* Nothing was lost: the file is as it was. */
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, garbage);
}


/* A local OpenAI-compatible server added with one command, as a llama.cpp user would. */
static TgMockProvider *
start_local_provider (void)
{
  g_autoptr(TgMockProvider) mock = tg_mock_provider_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_auto(CliResult) add = { 0 };

  g_assert_true (tg_mock_provider_start (mock, 0, &error));
  g_assert_no_error (error);
  base = tg_mock_provider_get_base_url (mock, TG_MOCK_FORMAT_OPENAI);

  run_cli (&add, NULL, "provider", "add", "local", "--format", "openai", "--base-url", base,
           "--name", "My llama.cpp", "--model", "qwen3:8b:0.10:0.20");
  g_assert_cmpint (add.status, ==, 0);
  g_assert_nonnull (strstr (add.out, "Added My llama.cpp"));
  return g_steal_pointer (&mock);
}

static void
test_ask_stream (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_auto(CliResult) ask = { 0 };
  g_auto(CliResult) piped = { 0 };
  static const TgMockUsage usage = { .input = 1000, .output = 500, .cached = 200 };
  TgMockReply reply = { .text = "WAL keeps a log.", .usage = &usage, .n_chunks = 4 };

  tg_mock_provider_enqueue (mock, TG_MOCK_FORMAT_OPENAI, &reply);
  run_cli (&ask, NULL, "ask", "--provider", "local", "--system", "Be brief.", "Explain", "WAL");
  g_assert_cmpint (ask.status, ==, 0);
  g_assert_cmpstr (ask.out, ==, "WAL keeps a log.\n");
  /* The summary line: provider, model, tokens (cached), cost, latencies.
   * 800 × $0.10 + 200 × $0.10 (no cache discount) + 500 × $0.20 per 1M = 200 µ$.
   * The C locale the test runs in groups no thousands. */
  g_assert_nonnull (strstr (ask.err, "local · qwen3:8b · 1000 in (200 cached) / 500 out tokens · $0.0002 · first token "));
  g_assert_nonnull (strstr (ask.err, " · total "));
  /* Output to a pipe carries no colour codes. */
  g_assert_null (strchr (ask.out, '\033'));
  g_assert_null (strchr (ask.err, '\033'));

  /* The request went out as the user asked, streamed with usage requested. */
  {
    g_autofree char *body = tg_mock_provider_get_last_request_body (mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_COMPLETION);
    g_assert_nonnull (strstr (body, "\"Explain WAL\""));
    g_assert_nonnull (strstr (body, "\"Be brief.\""));
    g_assert_nonnull (strstr (body, "\"include_usage\""));
  }

  /* The prompt from standard input. */
  run_cli (&piped, "What is WAL?\n", "ask", "--provider", "local", "-");
  g_assert_cmpint (piped.status, ==, 0);
  g_assert_cmpstr (piped.out, ==, TG_MOCK_DEFAULT_TEXT "\n");
}

static void
test_ask_json_and_estimate (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) ask = { 0 };
  g_auto(CliResult) estimated = { 0 };
  g_auto(CliResult) usage = { 0 };
  TgMockReply no_usage = { .omit_usage = TRUE };
  JsonObject *object;

  run_cli (&ask, NULL, "ask", "--provider", "local", "--no-stream", "--json", "hi");
  g_assert_cmpint (ask.status, ==, 0);
  json_parser_load_from_data (parser, ask.out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "provider"), ==, "local");
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, TG_MOCK_DEFAULT_TEXT);
  g_assert_cmpint (json_object_get_int_member (object, "input_tokens"), ==, TG_MOCK_DEFAULT_USAGE_INPUT);
  g_assert_cmpint (json_object_get_int_member (object, "output_tokens"), ==, TG_MOCK_DEFAULT_USAGE_OUTPUT);
  g_assert_false (json_object_get_boolean_member (object, "tokens_estimated"));

  /* A server that reports no usage: estimated, and said so. */
  tg_mock_provider_enqueue (mock, TG_MOCK_FORMAT_OPENAI, &no_usage);
  run_cli (&estimated, NULL, "ask", "--provider", "local", "hi");
  g_assert_cmpint (estimated.status, ==, 0);
  g_assert_nonnull (strstr (estimated.err, "estimated"));
  g_assert_nonnull (strstr (estimated.err, "~"));

  run_cli (&usage, NULL, "usage", "--by", "provider");
  g_assert_cmpint (usage.status, ==, 0);
  g_assert_nonnull (strstr (usage.out, "local "));
  g_assert_nonnull (strstr (usage.out, "~"));
  g_assert_nonnull (strstr (usage.out, "1 request whose provider reported no usage"));
}

static void
test_ask_errors (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_auto(CliResult) no_key = { 0 };
  g_auto(CliResult) unknown = { 0 };
  g_auto(CliResult) option = { 0 };
  g_auto(CliResult) both = { 0 };
  g_auto(CliResult) failing = { 0 };
  TgMockReply bad = { .status = 400, .error_message = "model not found" };

  delete_key ("openai");
  run_cli (&no_key, NULL, "ask", "--provider", "openai", "hi");
  g_assert_cmpint (no_key.status, ==, 1);
  g_assert_nonnull (strstr (no_key.err, "tollgate key set openai"));

  run_cli (&unknown, NULL, "ask", "--provider", "nosuch", "hi");
  assert_usage_error (&unknown, "Unknown provider “nosuch”");
  run_cli (&option, NULL, "ask", "--temperature", "2", "hi");
  assert_usage_error (&option, "“--temperature”");
  run_cli (&both, "x", "ask", "-", "hi");
  assert_usage_error (&both, "not both");

  tg_mock_provider_enqueue (mock, TG_MOCK_FORMAT_OPENAI, &bad);
  run_cli (&failing, NULL, "ask", "--provider", "local", "hi");
  g_assert_cmpint (failing.status, ==, 1);
  g_assert_nonnull (strstr (failing.err, "My llama.cpp: "));
  g_assert_nonnull (strstr (failing.err, "model not found"));
}

static void
test_usage (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_auto(CliResult) a1 = { 0 };
  g_auto(CliResult) a2 = { 0 };
  g_auto(CliResult) totals = { 0 };
  g_auto(CliResult) by_day = { 0 };
  g_auto(CliResult) none = { 0 };
  g_auto(CliResult) bad_date = { 0 };
  g_auto(CliResult) bad_by = { 0 };
  JsonArray *rows;
  JsonObject *row;

  run_cli (&a1, NULL, "ask", "--provider", "local", "one");
  run_cli (&a2, NULL, "ask", "--provider", "local", "two");
  g_assert_cmpint (a1.status + a2.status, ==, 0);

  run_cli (&totals, NULL, "usage");
  g_assert_cmpint (totals.status, ==, 0);
  g_assert_nonnull (strstr (totals.out, "total "));

  run_cli (&by_day, NULL, "usage", "--by", "day", "--since", today, "--until", today, "--json");
  g_assert_cmpint (by_day.status, ==, 0);
  json_parser_load_from_data (parser, by_day.out, -1, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  row = json_array_get_object_element (rows, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "day"), ==, today);
  g_assert_cmpint (json_object_get_int_member (row, "requests"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row, "input_tokens"), ==, 2 * TG_MOCK_DEFAULT_USAGE_INPUT);
  /* 2 × (12 × 0.10 + 8 × 0.20) = 5.6 µ$: each request rounds on its own to 3. */
  g_assert_cmpint (json_object_get_int_member (row, "cost_micros"), ==, 6);

  run_cli (&none, NULL, "usage", "--since", "2001-01-01", "--until", "2001-01-31", "--by", "provider", "--json");
  g_assert_cmpint (none.status, ==, 0);
  g_assert_cmpstr (g_strstrip (none.out), ==, "[]");

  run_cli (&bad_date, NULL, "usage", "--since", "yesterday");
  assert_usage_error (&bad_date, "not a date");
  run_cli (&bad_by, NULL, "usage", "--by", "week");
  assert_usage_error (&bad_by, "“--by” takes");
}

static void
test_provider_add_remove (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CliResult) list = { 0 };
  g_auto(CliResult) no_format = { 0 };
  g_auto(CliResult) taken = { 0 };
  g_auto(CliResult) bad_price = { 0 };
  g_auto(CliResult) removed = { 0 };
  g_auto(CliResult) again = { 0 };
  g_auto(CliResult) builtin = { 0 };
  g_auto(CliResult) after = { 0 };
  JsonObject *local, *model, *price;

  run_cli (&list, NULL, "providers", "--json");
  local = find_provider (parse_providers_json (list.out, parser), "local");
  g_assert_nonnull (local);
  g_assert_true (json_object_get_boolean_member (local, "user_defined"));
  g_assert_false (json_object_get_boolean_member (local, "key_required"));
  model = json_array_get_object_element (json_object_get_array_member (local, "models"), 0);
  g_assert_cmpstr (json_object_get_string_member (model, "id"), ==, "qwen3:8b");
  price = json_object_get_object_member (model, "price_per_million");
  g_assert_cmpint (json_object_get_int_member (price, "input_micros"), ==, 100000);
  g_assert_cmpint (json_object_get_int_member (price, "output_micros"), ==, 200000);

  run_cli (&no_format, NULL, "provider", "add", "x", "--base-url", "http://127.0.0.1:1/v1", "--model", "m");
  assert_usage_error (&no_format, "needs “--format”");
  run_cli (&taken, NULL, "provider", "add", "openai", "--format", "openai", "--base-url", "http://127.0.0.1:1/v1", "--model", "m");
  assert_usage_error (&taken, "Tollgate’s own catalogue");
  run_cli (&bad_price, NULL, "provider", "add", "y", "--format", "fax", "--base-url", "http://127.0.0.1:1/v1", "--model", "m");
  assert_usage_error (&bad_price, "not a wire format");

  run_cli (&builtin, NULL, "provider", "remove", "openai");
  assert_usage_error (&builtin, "Tollgate’s own catalogue");

  run_cli (&removed, NULL, "provider", "remove", "local");
  g_assert_cmpint (removed.status, ==, 0);
  run_cli (&again, NULL, "provider", "remove", "local");
  assert_usage_error (&again, "no provider “local”");

  run_cli (&after, NULL, "providers");
  g_assert_null (strstr (after.out, "(local)"));
}

static void
test_prefs (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  const char * const *keys = tg_config_service_list_keys ();
  g_auto(CliResult) list = { 0 };
  g_auto(CliResult) set_budget = { 0 };
  g_auto(CliResult) same_budget = { 0 };
  g_auto(CliResult) get_budget = { 0 };
  g_auto(CliResult) set_provider = { 0 };
  g_auto(CliResult) set_order = { 0 };
  g_auto(CliResult) set_models = { 0 };
  g_auto(CliResult) get_models = { 0 };
  g_auto(CliResult) relisted = { 0 };
  g_autofree char *expected_provider = NULL;

  run_cli (&list, NULL, "prefs");
  g_assert_cmpint (list.status, ==, 0);
  g_assert_cmpstr (list.err, ==, "");
  /* One "key = value" line per key, in the order of the keys. */
  {
    g_auto(GStrv) lines = g_strsplit (list.out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, g_strv_length ((char **) keys) + 1);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autofree char *start = g_strdup_printf ("%s = ", keys[i]);
        g_assert_true (g_str_has_prefix (lines[i], start));
      }
  }
  g_assert_nonnull (strstr (list.out, "\nbudget = none\n"));
  g_assert_nonnull (strstr (list.out, "\nalert-thresholds = 50,80,100\n"));

  /* The value as stored, in its normal form; a later process sees it. */
  run_cli (&set_budget, NULL, "prefs", "set", "budget", "25.5");
  g_assert_cmpint (set_budget.status, ==, 0);
  g_assert_cmpstr (set_budget.out, ==, "budget = 25.50\n");
  g_assert_cmpstr (set_budget.err, ==, "");
  run_cli (&same_budget, NULL, "prefs", "set", "budget", "$25.50");
  g_assert_cmpint (same_budget.status, ==, 0);
  g_assert_cmpstr (same_budget.out, ==, "budget = 25.50\n");
  run_cli (&get_budget, NULL, "prefs", "get", "budget");
  g_assert_cmpint (get_budget.status, ==, 0);
  g_assert_cmpstr (get_budget.out, ==, "budget = 25.50\n");

  /* A new provider brings its default model, and both are shown. */
  run_cli (&set_provider, NULL, "prefs", "set", "default-provider", "anthropic");
  g_assert_cmpint (set_provider.status, ==, 0);
  expected_provider = g_strdup_printf ("default-provider = anthropic\ndefault-model = %s\n",
                                       tg_catalog_get_provider (catalog, "anthropic")->default_model);
  g_assert_cmpstr (set_provider.out, ==, expected_provider);

  /* The fallback mapping, explicit and automatic, as requests would use it. */
  run_cli (&set_order, NULL, "prefs", "set", "fallback-order", "openai, gemini");
  g_assert_cmpint (set_order.status, ==, 0);
  g_assert_cmpstr (set_order.out, ==, "fallback-order = openai,gemini\n");
  run_cli (&set_models, NULL, "prefs", "set", "fallback-models", "gemini:gemini-2.5-pro, mistral:mistral-large-2411");
  g_assert_cmpint (set_models.status, ==, 0);
  g_assert_cmpstr (set_models.out, ==, "fallback-models = gemini:gemini-2.5-pro,mistral:mistral-large-2411\n");
  run_cli (&get_models, NULL, "prefs", "get", "fallback-models");
  g_assert_cmpint (get_models.status, ==, 0);
  {
    g_autoptr(TgDb) db = tg_db_open_default (NULL);
    g_autoptr(TgConfigService) config = tg_config_service_new (db, catalog);
    const TgPreferences *prefs = tg_config_service_get_preferences (config);
    const TgModelCapabilities *reference = tg_catalog_get_model (catalog, "anthropic", prefs->default_model);
    gboolean is_explicit = TRUE;
    g_autofree char *automatic = tg_config_service_get_fallback_model (config, "openai", reference, &is_explicit);
    g_autofree char *openai_line = NULL;

    g_assert_false (is_explicit);
    openai_line = automatic != NULL ? g_strdup_printf ("openai: %s (automatic)\n", automatic)
                                    : g_strdup ("openai: no model qualifies\n");
    g_assert_true (g_str_has_prefix (get_models.out, openai_line));
  }
  g_assert_nonnull (strstr (get_models.out, "\ngemini: gemini-2.5-pro\n"));
  g_assert_nonnull (strstr (get_models.out, "\nmistral: mistral-large-2411 (not in the fallback order)\n"));
  g_assert_nonnull (strstr (get_models.out, "context window of anthropic/"));

  run_cli (&relisted, NULL, "prefs");
  g_assert_nonnull (strstr (relisted.out, "\nbudget = 25.50\n"));
  g_assert_nonnull (strstr (relisted.out, "\nfallback-order = openai,gemini\n"));
  g_assert_true (g_str_has_prefix (relisted.out, "default-provider = anthropic\n"));
}

static void
test_prefs_errors (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *file = g_build_filename (dir, "a-file", NULL);
  g_autofree char *broken_env = g_strdup_printf ("TOLLGATE_DATA_DIR=%s/sub", file);
  const char * const broken[] = { broken_env, NULL };
  g_auto(CliResult) bad_value = { 0 };
  g_auto(CliResult) bad_provider = { 0 };
  g_auto(CliResult) unknown_get = { 0 };
  g_auto(CliResult) unknown_set = { 0 };
  g_auto(CliResult) no_key = { 0 };
  g_auto(CliResult) no_value = { 0 };
  g_auto(CliResult) extra = { 0 };
  g_auto(CliResult) verb = { 0 };
  g_auto(CliResult) store = { 0 };
  g_auto(CliResult) store_list = { 0 };
  g_auto(CliResult) after = { 0 };

  run_cli (&bad_value, NULL, "prefs", "set", "budget", "-3");
  assert_usage_error (&bad_value, "more than zero");
  run_cli (&bad_provider, NULL, "prefs", "set", "default-provider", "nosuch");
  assert_usage_error (&bad_provider, "“nosuch” is not a provider");
  run_cli (&unknown_get, NULL, "prefs", "get", "colour");
  assert_usage_error (&unknown_get, "Unknown preference “colour”");
  run_cli (&unknown_set, NULL, "prefs", "set", "colour", "blue");
  assert_usage_error (&unknown_set, "Unknown preference “colour”");
  run_cli (&no_key, NULL, "prefs", "get");
  assert_usage_error (&no_key, "exactly one preference");
  run_cli (&no_value, NULL, "prefs", "set", "budget");
  assert_usage_error (&no_value, "one value");
  run_cli (&extra, NULL, "prefs", "set", "fallback-order", "openai", "gemini");
  assert_usage_error (&extra, "quote a list");
  run_cli (&verb, NULL, "prefs", "show");
  assert_usage_error (&verb, "not “show”");

  /* Nothing was changed by the refusals. */
  run_cli (&after, NULL, "prefs", "get", "budget");
  g_assert_cmpstr (after.out, ==, "budget = none\n");

  /* A store that cannot be opened: exit 1, one line, and no defaults passed off as the user's. */
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  run_cli_full (&store, NULL, broken, (const char *[]) { "prefs", "set", "budget", "10", NULL });
  g_assert_cmpint (store.status, ==, 1);
  g_assert_cmpstr (store.out, ==, "");
  g_assert_nonnull (strstr (store.err, file));
  g_assert_cmpint (strlen (store.err) - 1, ==, strcspn (store.err, "\n"));
  run_cli_full (&store_list, NULL, broken, (const char *[]) { "prefs", NULL });
  g_assert_cmpint (store_list.status, ==, 1);
  g_assert_cmpstr (store_list.out, ==, "");
}

static JsonObject *
health_of (CliResult  *result,
           JsonParser *parser,
           const char *provider_id)
{
  JsonObject *object;

  g_assert_cmpint (result->status, ==, 0);
  object = find_provider (parse_providers_json (result->out, parser), provider_id);
  g_assert_nonnull (object);
  return object;
}

static void
test_health (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgMockProvider) mock = start_local_provider ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) before = { 0 };
  g_auto(CliResult) check = { 0 };
  g_auto(CliResult) after = { 0 };
  g_auto(CliResult) failing = { 0 };
  g_auto(CliResult) bad = { 0 };
  TgMockReply overloaded = { .status = 503 };
  JsonObject *local;

  /* Only the mock is checked: the user enabled just that one. */
  {
    g_autoptr(TgDb) db = tg_db_open_default (&error);

    g_assert_no_error (error);
    g_strfreev (prefs->enabled_providers);
    prefs->enabled_providers = g_strdupv ((char *[]) { (char *) "local", NULL });
    g_assert_true (tg_db_insert_preferences (db, prefs, &error));
    g_assert_no_error (error);
  }

  run_cli (&before, NULL, "health", "--json");
  local = health_of (&before, parser, "local");
  g_assert_cmpstr (json_object_get_string_member (local, "status"), ==, "unknown");
  g_assert_true (json_object_get_null_member (local, "last_check"));
  g_assert_nonnull (health_of (&before, parser, "openai"));
  g_assert_cmpuint (tg_mock_provider_get_request_count (mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 0);

  /* --check: one list-models request, and the table says healthy. */
  run_cli (&check, NULL, "health", "--check");
  g_assert_cmpint (check.status, ==, 0);
  g_assert_true (g_str_has_prefix (check.out, "PROVIDER "));
  g_assert_nonnull (strstr (check.out, "\nlocal "));
  g_assert_nonnull (strstr (strstr (check.out, "\nlocal "), " Healthy "));
  g_assert_nonnull (strstr (check.out, "\nopenai "));
  g_assert_cmpuint (tg_mock_provider_get_request_count (mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 1);

  /* A later run reads the result back from the store. */
  run_cli (&after, NULL, "health", "--json");
  local = health_of (&after, parser, "local");
  g_assert_cmpstr (json_object_get_string_member (local, "status"), ==, "healthy");
  g_assert_cmpstr (json_object_get_string_member (local, "circuit"), ==, "closed");
  g_assert_cmpint (json_object_get_int_member (local, "samples"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (local, "latency_p50_ms"), >=, 0);
  g_assert_cmpfloat (json_object_get_double_member (local, "error_rate"), ==, 0.0);
  g_assert_false (json_object_get_null_member (local, "last_check"));
  g_assert_cmpuint (tg_mock_provider_get_request_count (mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_LIST_MODELS), ==, 1);

  /* The provider starts failing: one failure in two is degraded. */
  tg_mock_provider_set_default_reply (mock, TG_MOCK_FORMAT_OPENAI, &overloaded);
  run_cli (&failing, NULL, "health", "--check", "--json");
  local = health_of (&failing, parser, "local");
  g_assert_cmpstr (json_object_get_string_member (local, "status"), ==, "degraded");
  g_assert_cmpfloat (json_object_get_double_member (local, "error_rate"), ==, 0.5);
  g_assert_cmpstr (json_object_get_string_member (local, "last_error_class"), ==, "overloaded");

  run_cli (&bad, NULL, "health", "--verbose");
  assert_usage_error (&bad, "“--verbose”");

  /* Health checks never reach the paid endpoint. */
  g_assert_cmpuint (tg_mock_provider_get_request_count (mock, TG_MOCK_FORMAT_OPENAI, TG_MOCK_ENDPOINT_COMPLETION), ==, 0);
}

/* A usage row written straight to the store (as another process would). */
static void
insert_usage_now (const char *provider_id,
                  gint64      cost_micros)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = tg_db_open_default (&error);
  g_autoptr(TgUsageRecord) record = tg_usage_record_new ();

  g_assert_no_error (error);
  record->time_ms = g_get_real_time () / 1000;
  record->provider_id = g_strdup (provider_id);
  record->model_id = g_strdup ("m");
  record->request_kind = g_strdup ("chat");
  record->outcome = g_strdup ("ok");
  record->input_tokens = 3;
  record->output_tokens = 4;
  record->cost_micros = cost_micros;
  record->latency_first_token_ms = 5;
  record->latency_total_ms = 6;
  record->http_status = 200;
  g_assert_true (tg_db_insert_usage (db, record, &error));
  g_assert_no_error (error);
}

static void
test_budget (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_auto(CliResult) none = { 0 };
  g_auto(CliResult) set = { 0 };
  g_auto(CliResult) show = { 0 };
  g_auto(CliResult) soft = { 0 };
  g_auto(CliResult) removed = { 0 };

  run_cli (&none, NULL, "budget");
  g_assert_cmpint (none.status, ==, 0);
  g_assert_nonnull (strstr (none.out, "No budget is set."));
  g_assert_cmpstr (none.err, ==, "");

  run_cli (&set, NULL, "budget", "set", "25", "--period", "weekly", "--alert", "50,90", "--hard");
  g_assert_cmpint (set.status, ==, 0);
  g_assert_nonnull (strstr (set.out, "$25.00 per week"));
  g_assert_nonnull (strstr (set.out, "50 %, 90 %"));
  g_assert_nonnull (strstr (set.out, "Hard limit:  on"));
  g_assert_cmpstr (set.err, ==, "");

  /* $20 spent this week: 80 %, nothing crossed yet (only recording fires alerts). */
  insert_usage_now ("openai", 20000000);
  run_cli (&show, NULL, "budget");
  g_assert_cmpint (show.status, ==, 0);
  g_assert_nonnull (strstr (show.out, "Budget:      $25.00 per week"));
  g_assert_nonnull (strstr (show.out, "Spent:       $20.00 (80 %)"));
  g_assert_nonnull (strstr (show.out, "Alerts at:   50 %, 90 %"));
  g_assert_nonnull (strstr (show.out, "Period:"));
  g_assert_nonnull (strstr (show.out, "Resets:"));
  g_assert_null (strstr (show.out, "The budget is spent"));

  /* Without --hard the limit is off; without --alert the thresholds stay. */
  insert_usage_now ("openai", 5000000);
  run_cli (&soft, NULL, "budget", "set", "$25.00", "--period=weekly");
  g_assert_cmpint (soft.status, ==, 0);
  g_assert_nonnull (strstr (soft.out, "Hard limit:  off"));
  g_assert_nonnull (strstr (soft.out, "Alerts at:   50 %, 90 %"));
  g_assert_nonnull (strstr (soft.out, "Spent:       $25.00 (100 %)"));
  g_assert_nonnull (strstr (soft.out, "The budget is spent."));

  /* 0 is no budget. */
  run_cli (&removed, NULL, "budget", "set", "0", "--period", "monthly");
  g_assert_cmpint (removed.status, ==, 0);
  g_assert_nonnull (strstr (removed.out, "No budget is set."));
  g_assert_nonnull (strstr (removed.out, "$25.00"));
}

static void
test_budget_errors (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  const struct { const char *args[8]; const char *message; } cases[] = {
    { { "budget", "show" }, "takes “set” or nothing" },
    { { "budget", "set" }, "needs an amount" },
    { { "budget", "set", "--period", "daily" }, "needs an amount" },
    { { "budget", "set", "ten", "--period", "daily" }, "not an amount" },
    { { "budget", "set", "1.0000001", "--period", "daily" }, "not an amount" },
    { { "budget", "set", "5" }, "needs “--period daily”" },
    { { "budget", "set", "5", "--period", "yearly" }, "takes daily, weekly or monthly" },
    { { "budget", "set", "5", "--period" }, "needs a value" },
    { { "budget", "set", "5", "--period", "daily", "--alert", "50,x" }, "whole percentages" },
    { { "budget", "set", "5", "--period", "daily", "--alert", "" }, "whole percentages" },
    { { "budget", "set", "5", "--period", "daily", "--soft" }, "does not take “--soft”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) result = { 0 };

      run_cli_full (&result, NULL, NULL, cases[i].args);
      assert_usage_error (&result, cases[i].message);
    }

  /* The config service's own checks: thresholds out of order. */
  {
    g_auto(CliResult) result = { 0 };
    g_auto(CliResult) show = { 0 };

    run_cli (&result, NULL, "budget", "set", "5", "--period", "daily", "--alert", "80,50");
    g_assert_cmpint (result.status, ==, 2);
    g_assert_cmpstr (result.out, ==, "");
    g_assert_true (g_str_has_prefix (result.err, "tollgate: "));

    /* Nothing changed. */
    run_cli (&show, NULL, "budget");
    g_assert_cmpint (show.status, ==, 0);
    g_assert_nonnull (strstr (show.out, "No budget is set."));
  }
}

static void
test_usage_export_csv (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "usage.csv", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "no-such-folder", "usage.csv", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) exported = { 0 };
  g_auto(CliResult) empty = { 0 };
  g_auto(CliResult) with_json = { 0 };
  g_auto(CliResult) unwritable = { 0 };

  insert_usage_now ("openai", 1500000);
  insert_usage_now ("odd,one", 42);

  run_cli (&exported, NULL, "usage", "--export-csv", path);
  g_assert_cmpint (exported.status, ==, 0);
  g_assert_nonnull (strstr (exported.out, "Exported 2 requests to "));
  g_assert_cmpstr (exported.err, ==, "");
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "id,time_utc,provider,model,"));
  g_assert_nonnull (strstr (lines[1], ",openai,m,chat,3,4,0,false,1.500000,5,6,ok,200,,app"));
  g_assert_nonnull (strstr (lines[2], ",\"odd,one\",m,chat,3,4,0,false,0.000042,5,6,ok,200,,app"));
  g_assert_cmpstr (lines[3], ==, "");

  /* A range without usage: only the header. */
  run_cli (&empty, NULL, "usage", "--export-csv", path, "--since", "2001-01-01", "--until", "2001-01-31");
  g_assert_cmpint (empty.status, ==, 0);
  g_assert_nonnull (strstr (empty.out, "Exported 0 requests"));

  run_cli (&with_json, NULL, "usage", "--export-csv", path, "--json");
  assert_usage_error (&with_json, "does not go with");

  run_cli (&unwritable, NULL, "usage", "--export-csv", bad_path);
  g_assert_cmpint (unwritable.status, ==, 1);
  g_assert_cmpstr (unwritable.out, ==, "");
  g_assert_nonnull (strstr (unwritable.err, bad_path));
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/background-goes-to-the-app", test_background_goes_to_the_app);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/bad-arguments", test_bad_arguments);
  g_test_add_func ("/cli/providers/text", test_providers_text);
  g_test_add_func ("/cli/providers/json", test_providers_json);
  g_test_add_func ("/cli/key/set-and-delete", test_key_set_and_delete);
  g_test_add_func ("/cli/key/errors", test_key_errors);
  g_test_add_func ("/cli/key/no-keyring", test_no_keyring);
  g_test_add_func ("/cli/db/migrate", test_db_migrate);
  g_test_add_func ("/cli/db/corrupt", test_corrupt_database);
  g_test_add_func ("/cli/ask/stream", test_ask_stream);
  g_test_add_func ("/cli/ask/json-and-estimate", test_ask_json_and_estimate);
  g_test_add_func ("/cli/ask/errors", test_ask_errors);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/provider/add-remove", test_provider_add_remove);
  g_test_add_func ("/cli/prefs", test_prefs);
  g_test_add_func ("/cli/prefs/errors", test_prefs_errors);
  g_test_add_func ("/cli/health", test_health);
  g_test_add_func ("/cli/budget", test_budget);
  g_test_add_func ("/cli/budget/errors", test_budget_errors);
  g_test_add_func ("/cli/usage/export-csv", test_usage_export_csv);

  return g_test_run ();
}
