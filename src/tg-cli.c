/* tg-cli.c: `tollgate COMMAND …`.
 *
 * The subcommands run without GTK so they work over SSH and in scripts. Output
 * meant for people goes to stdout, diagnostics to stderr as one line each;
 * `--json` output is stable and machine-readable. */

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <glib-unix.h>
#include <unistd.h>

#include "tg-ai-client.h"
#include "tg-analytics-service.h"
#include "tg-catalog.h"
#include "tg-cli.h"
#include "tg-config-service.h"
#include "tg-db.h"
#include "tg-format.h"
#include "tg-health-monitor.h"
#include "tg-money.h"
#include "tg-secret-store.h"
#include "tg-usage-writer.h"

/* The longest API key we accept; real ones are under 200 bytes. */
#define MAX_KEY_LENGTH 4096

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s\n\n%s\n", _("Usage: tollgate [COMMAND] [OPTION…]"),
           _("Without a command, Tollgate opens its window."));
  fprintf (stream, "\n%s\n", _("Commands:"));
  fprintf (stream, "  providers [--json]        %s\n", _("List the providers, their models and prices, and which have a key"));
  fprintf (stream, "  key set PROVIDER          %s\n", _("Store PROVIDER’s API key in the keyring, read from standard input"));
  fprintf (stream, "  key delete PROVIDER       %s\n", _("Remove PROVIDER’s API key from the keyring"));
  fprintf (stream, "  db migrate [--to VERSION] %s\n", _("Move the database schema to VERSION (default: the newest)"));
  fprintf (stream, "  ask [OPTION…] [PROMPT | -] %s\n", _("Send PROMPT (or standard input) and stream the answer"));
  fprintf (stream, "      --provider ID --model ID --system TEXT --no-stream --no-fallback --json\n");
  fprintf (stream, "  usage [OPTION…]           %s\n", _("Requests, tokens and cost recorded so far"));
  fprintf (stream, "      --since DATE --until DATE (YYYY-MM-DD, local) --by provider|model|day --json\n");
  fprintf (stream, "  usage --export-csv FILE [--since DATE] [--until DATE]  %s\n", _("Write every request to FILE as CSV"));
  fprintf (stream, "  budget                    %s\n", _("The budget period, what is spent, the alerts and the hard limit"));
  fprintf (stream, "  budget set AMOUNT --period daily|weekly|monthly [--alert 50,80,100] [--hard]\n");
  fprintf (stream, "                            %s\n", _("Set the budget in USD; --hard refuses requests once it is spent"));
  fprintf (stream, "  provider add ID --format openai|anthropic|gemini|ollama --base-url URL\n");
  fprintf (stream, "      [--name NAME] [--auth bearer|x-api-key|x-goog-api-key|none]\n");
  fprintf (stream, "      [--model ID[:IN_PRICE:OUT_PRICE]]…  %s\n", _("Add your own endpoint (prices in USD per 1M tokens)"));
  fprintf (stream, "  provider remove ID        %s\n", _("Remove an endpoint you added"));
  fprintf (stream, "  prefs [get KEY | set KEY VALUE] %s\n", _("List, show or change the preferences"));
  fprintf (stream, "  health [--check] [--json] %s\n", _("Provider health from the recorded checks; --check checks every provider in use now"));
  fprintf (stream, "  help, --help              %s\n", _("Show this help"));
  fprintf (stream, "  --version                 %s\n", _("Show the version"));
  fprintf (stream, "  --background              %s\n", _("Open no window; keep watching if Run in Background is on"));
  fprintf (stream, "\n%s\n", _("Environment:"));
  fprintf (stream, "  TOLLGATE_DATA_DIR         %s\n", _("Folder for the database instead of $XDG_DATA_HOME/tollgate"));
  fprintf (stream, "\n%s\n", _("Exit status: 0 on success, 1 when the command failed, 2 for bad arguments."));
}

/* One line on stderr; usage errors also point at --help. */
static int G_GNUC_PRINTF (2, 3)
fail (int         code,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (code == TG_CLI_EXIT_USAGE)
    fprintf (stderr, "tollgate: %s %s\n", message, _("Try “tollgate --help”."));
  else
    fprintf (stderr, "tollgate: %s\n", message);
  return code;
}

gboolean
tg_cli_handles (int    argc,
                char **argv)
{
  if (argc < 2)
    return FALSE;

  /* D-Bus activation and the like pass GApplication's own options; the
   * autostart entry passes --background (TgApplication's). */
  if (g_str_has_prefix (argv[1], "--gapplication-") || g_str_equal (argv[1], "--background"))
    return FALSE;

  /* Everything else is ours, including unknown words, so they fail with exit 2
   * instead of opening a window. */
  return TRUE;
}

/* The catalogue with effective prices. A store that cannot be opened does not
 * stop a read-only listing: the shipped prices are shown with a warning. */
static TgCatalog *
load_catalog (TgDb   **out_db,
              GError **error)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GError) db_error = NULL;

  catalog = tg_catalog_new_default (error);
  if (catalog == NULL)
    return NULL;

  db = tg_db_open_default (&db_error);
  if (db == NULL || !tg_catalog_sync_to_db (catalog, db, &db_error))
    {
      fprintf (stderr, "tollgate: %s\n", db_error->message);
      fprintf (stderr, "tollgate: %s\n", _("Showing the shipped prices; your own price changes are not included."));
      g_clear_object (&db);
    }

  if (out_db != NULL)
    *out_db = g_steal_pointer (&db);
  return g_steal_pointer (&catalog);
}

/* Provider ids with a key, or NULL (with a note on stderr) when the keyring is out of reach. */
static GHashTable *
load_key_set (void)
{
  g_autoptr(TgSecretStore) store = tg_secret_store_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = tg_secret_store_list_sync (store, NULL, &error);
  GHashTable *set;

  if (ids == NULL && error != NULL)
    {
      fprintf (stderr, "tollgate: %s\n", error->message);
      return NULL;
    }

  set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    g_hash_table_add (set, g_strdup (ids[i]));
  return set;
}

static const char *
key_status_text (const TgCatalogProvider *provider,
                 GHashTable              *keys)
{
  if (provider->auth_style == TG_AUTH_STYLE_NONE)
    return _("no key needed");
  if (keys == NULL)
    return _("key status unknown");
  return g_hash_table_contains (keys, provider->id) ? _("key stored") : _("no key");
}

static char *
capabilities_text (TgCapabilities caps,
                   const char    *separator)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;

  for (guint bit = TG_CAPABILITY_STREAMING; bit <= TG_CAPABILITY_JSON; bit <<= 1)
    if (caps & bit)
      g_strv_builder_add (builder, tg_capability_to_string (bit));
  names = g_strv_builder_end (builder);
  return g_strjoinv (separator, names);
}

static void
print_providers_text (TgCatalog  *catalog,
                      GHashTable *keys)
{
  GPtrArray *providers = tg_catalog_get_providers (catalog);

  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      if (i > 0)
        printf ("\n");
      /* Translators: provider name (id) · key status · date the prices were read */
      printf (_("%s (%s) · %s · prices as of %s"), provider->name, provider->id,
              key_status_text (provider, keys), provider->prices_as_of);
      printf ("\n");
      printf ("  %-34s %8s %8s %10s %10s %10s  %s\n",
              _("MODEL"), _("CONTEXT"), _("OUTPUT"), _("IN/1M"), _("OUT/1M"), _("CACHED/1M"), _("CAPABILITIES"));

      for (guint j = 0; j < provider->models->len; j++)
        {
          const TgModelCapabilities *model = g_ptr_array_index (provider->models, j);
          g_autofree char *context = tg_format_token_count (model->context_window);
          g_autofree char *output = tg_format_token_count (model->max_output);
          g_autofree char *in = tg_money_format (model->price_input_micros);
          g_autofree char *out = tg_money_format (model->price_output_micros);
          /* A dash where caching is no discount, so the column shows where it pays. */
          g_autofree char *cached = model->price_cached_input_micros < model->price_input_micros
                                    ? tg_money_format (model->price_cached_input_micros)
                                    : g_strdup ("-");
          g_autofree char *caps = capabilities_text (model->capabilities, ", ");
          g_autofree char *name = g_strdup_printf ("%s%s", model->model_id,
                                                   model->source == TG_CAPABILITY_SOURCE_USER ? " *" : "");

          printf ("  %-34s %8s %8s %10s %10s %10s  %s\n", name, context, output, in, out, cached, caps);
        }
    }
  printf ("\n%s\n", _("Prices in US dollars per million tokens; CACHED is the price of cached input where it is cheaper; * marks your own price or model."));
}

static void
add_price_member (JsonBuilder *builder,
                  const char  *name,
                  gint64       micros)
{
  /* Exact decimal as a string plus the integer: no float rounding for consumers. */
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                                           micros / 1000000, micros % 1000000);
  g_autofree char *micros_name = g_strconcat (name, "_micros", NULL);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, micros_name);
  json_builder_add_int_value (builder, micros);
}

/* Prints what @builder built, pretty, with a final newline. */
static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

static void
print_providers_json (TgCatalog  *catalog,
                      GHashTable *keys)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPtrArray *providers = tg_catalog_get_providers (catalog);

  json_builder_begin_array (builder);
  for (guint i = 0; i < providers->len; i++)
    {
      const TgCatalogProvider *provider = g_ptr_array_index (providers, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, provider->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, provider->name);
      json_builder_set_member_name (builder, "wire_format");
      json_builder_add_string_value (builder, tg_wire_format_to_string (provider->wire_format));
      json_builder_set_member_name (builder, "base_url");
      json_builder_add_string_value (builder, provider->base_url);
      json_builder_set_member_name (builder, "auth");
      json_builder_add_string_value (builder, tg_auth_style_to_string (provider->auth_style));
      json_builder_set_member_name (builder, "local");
      json_builder_add_boolean_value (builder, provider->local);
      json_builder_set_member_name (builder, "user_defined");
      json_builder_add_boolean_value (builder, provider->user_defined);
      json_builder_set_member_name (builder, "prices_as_of");
      json_builder_add_string_value (builder, provider->prices_as_of);
      json_builder_set_member_name (builder, "pricing_url");
      json_builder_add_string_value (builder, provider->pricing_url);
      json_builder_set_member_name (builder, "docs_url");
      json_builder_add_string_value (builder, provider->docs_url);
      json_builder_set_member_name (builder, "default_model");
      json_builder_add_string_value (builder, provider->default_model);
      /* null: the keyring could not be asked, which is not the same as "no key". */
      json_builder_set_member_name (builder, "key_stored");
      if (provider->auth_style == TG_AUTH_STYLE_NONE)
        json_builder_add_boolean_value (builder, FALSE);
      else if (keys == NULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_boolean_value (builder, g_hash_table_contains (keys, provider->id));
      json_builder_set_member_name (builder, "key_required");
      json_builder_add_boolean_value (builder, provider->auth_style != TG_AUTH_STYLE_NONE);

      json_builder_set_member_name (builder, "models");
      json_builder_begin_array (builder);
      for (guint j = 0; j < provider->models->len; j++)
        {
          const TgModelCapabilities *model = g_ptr_array_index (provider->models, j);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, model->model_id);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, model->display_name);
          json_builder_set_member_name (builder, "context_window");
          json_builder_add_int_value (builder, model->context_window);
          json_builder_set_member_name (builder, "max_output");
          json_builder_add_int_value (builder, model->max_output);
          json_builder_set_member_name (builder, "price_per_million");
          json_builder_begin_object (builder);
          add_price_member (builder, "input", model->price_input_micros);
          add_price_member (builder, "output", model->price_output_micros);
          add_price_member (builder, "cached_input", model->price_cached_input_micros);
          json_builder_end_object (builder);
          json_builder_set_member_name (builder, "capabilities");
          json_builder_begin_array (builder);
          for (guint bit = TG_CAPABILITY_STREAMING; bit <= TG_CAPABILITY_JSON; bit <<= 1)
            if (model->capabilities & bit)
              json_builder_add_string_value (builder, tg_capability_to_string (bit));
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "source");
          json_builder_add_string_value (builder, model->source == TG_CAPABILITY_SOURCE_USER ? "user" : "catalog");
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  print_json (builder);
}

static int
cmd_providers (int    argc,
               char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;

  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else
        return fail (TG_CLI_EXIT_USAGE, _("“providers” does not take “%s”."), argv[i]);
    }

  catalog = load_catalog (&db, &error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  keys = load_key_set ();
  if (json)
    print_providers_json (catalog, keys);
  else
    print_providers_text (catalog, keys);
  return TG_CLI_EXIT_OK;
}

/* Reads one line from stdin without echoing it when stdin is a terminal. The
 * key never comes through argv, where `ps` and shell history would see it. */
static char *
read_key_from_stdin (const char *provider_name)
{
  g_autoptr(GString) key = g_string_sized_new (128);
  struct termios saved;
  gboolean restore = FALSE;
  int c;

  if (isatty (STDIN_FILENO))
    {
      struct termios quiet;

      fprintf (stderr, _("API key for %s (input is hidden): "), provider_name);
      fflush (stderr);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          quiet.c_lflag |= ECHONL;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }

  while ((c = getchar ()) != EOF && c != '\n' && key->len <= MAX_KEY_LENGTH)
    g_string_append_c (key, (char) c);

  if (restore)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);

  if (key->len > MAX_KEY_LENGTH)
    {
      explicit_bzero (key->str, key->len);
      return NULL;
    }

  /* Pasted keys often carry a trailing CR or spaces; keys themselves never do. */
  g_strstrip (key->str);
  {
    char *result = g_strdup (key->str);
    explicit_bzero (key->str, key->allocated_len);
    return result;
  }
}

static int
cmd_key (int    argc,
         char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const TgCatalogProvider *provider;
  const char *action = argc > 0 ? argv[0] : NULL;

  if (action == NULL || !(g_str_equal (action, "set") || g_str_equal (action, "delete")))
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“key” needs “set PROVIDER” or “delete PROVIDER”."));
  if (argc != 2)
    return fail (TG_CLI_EXIT_USAGE, _("“key %s” takes exactly one provider id; the key itself is read from standard input."), action);

  catalog = tg_catalog_new_default (&error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  provider = tg_catalog_get_provider (catalog, argv[1]);
  if (provider == NULL)
    return fail (TG_CLI_EXIT_USAGE, _("Unknown provider “%s”. “tollgate providers” lists them."), argv[1]);

  store = tg_secret_store_new ();

  if (g_str_equal (action, "set"))
    {
      char *key;
      gboolean ok;

      /* Your own keyless endpoint may sit behind a proxy that wants one. */
      if (provider->auth_style == TG_AUTH_STYLE_NONE && !provider->user_defined)
        return fail (TG_CLI_EXIT_USAGE, _("%s runs without an API key."), provider->name);

      key = read_key_from_stdin (provider->name);
      if (key == NULL)
        return fail (TG_CLI_EXIT_USAGE, _("The key is longer than %d characters; is that really an API key?"), MAX_KEY_LENGTH);
      if (key[0] == '\0')
        {
          tg_secret_store_free_key (key);
          return fail (TG_CLI_EXIT_USAGE, "%s", _("No key was given on standard input."));
        }

      ok = tg_secret_store_store_sync (store, provider->id, key, NULL, &error);
      tg_secret_store_free_key (key);
      if (!ok)
        return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

      printf (_("Stored the API key for %s in the keyring."), provider->name);
      printf ("\n");
    }
  else
    {
      gboolean deleted = FALSE;

      if (!tg_secret_store_delete_sync (store, provider->id, &deleted, NULL, &error))
        return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

      if (deleted)
        printf (_("Deleted the API key for %s from the keyring."), provider->name);
      else
        printf (_("No API key was stored for %s."), provider->name);
      printf ("\n");
    }

  return TG_CLI_EXIT_OK;
}

static gboolean
parse_version (const char *text,
               int        *out)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT, &value, NULL))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

static int
cmd_db (int    argc,
        char **argv)
{
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int latest = tg_db_get_latest_version ();
  int target = latest;
  int before;

  if (argc < 1 || !g_str_equal (argv[0], "migrate"))
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“db” needs “migrate [--to VERSION]”."));

  for (int i = 1; i < argc; i++)
    {
      const char *value = NULL;

      if (g_str_equal (argv[i], "--to") && i + 1 < argc)
        value = argv[++i];
      else if (g_str_has_prefix (argv[i], "--to="))
        value = argv[i] + strlen ("--to=");
      else if (g_str_equal (argv[i], "--to"))
        return fail (TG_CLI_EXIT_USAGE, "%s", _("“--to” needs a schema version."));
      else
        return fail (TG_CLI_EXIT_USAGE, _("“db migrate” does not take “%s”."), argv[i]);

      if (!parse_version (value, &target) || target > latest)
        return fail (TG_CLI_EXIT_USAGE, _("“%s” is not a schema version: this build knows versions 0 to %d."), value, latest);
    }

  path = tg_db_get_default_path ();
  db = tg_db_open (path, TG_DB_OPEN_NO_MIGRATE, &error);
  if (db == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  before = tg_db_get_schema_version (db);
  if (!tg_db_migrate (db, target, &error))
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  if (before == target)
    printf (_("The database is already at schema version %d (%s)."), target, path);
  else
    printf (_("Moved the database from schema version %d to %d (%s)."), before, target, path);
  printf ("\n");
  return TG_CLI_EXIT_OK;
}

/* Options of the form "--name VALUE" or "--name=VALUE". Returns the value and
 * advances *i, or NULL when argv[*i] is not @name. *missing is set when the
 * value is absent. */
static const char *
option_value (char       **argv,
              int          argc,
              int         *i,
              const char  *name,
              gboolean    *missing)
{
  gsize len = strlen (name);

  if (g_str_equal (argv[*i], name))
    {
      if (*i + 1 >= argc)
        {
          *missing = TRUE;
          return NULL;
        }
      return argv[++*i];
    }
  if (strncmp (argv[*i], name, len) == 0 && argv[*i][len] == '=')
    return argv[*i] + len + 1;
  return NULL;
}

/* Colour only for a terminal, and never when NO_COLOR is set (no-color.org). */
static gboolean
use_colour (int fd)
{
  return isatty (fd) && g_getenv ("NO_COLOR") == NULL;
}

typedef struct {
  GMainLoop    *loop;
  TgAiResponse *response;
  GError       *error;
  gboolean      streamed;
} AskState;

static void
ask_delta (const char *delta,
           gpointer    user_data)
{
  AskState *state = user_data;

  state->streamed = TRUE;
  fputs (delta, stdout);
  fflush (stdout);
}

static void
ask_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AskState *state = user_data;

  state->response = tg_ai_client_send_finish (TG_AI_CLIENT (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static gboolean
ask_interrupt (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

static char *
read_all_stdin (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
print_ask_summary (const TgAiResponse *response)
{
  g_autofree char *cost = tg_money_format (response->cost_micros);
  g_autofree char *first = tg_format_duration (response->latency_first_token_ms);
  g_autofree char *total = tg_format_duration (response->latency_total_ms);
  g_autofree char *tokens = tg_format_reply_tokens (response->usage.input_tokens, response->usage.cached_tokens,
                                                    response->usage.output_tokens, response->tokens_estimated);
  gboolean colour = use_colour (STDERR_FILENO);

  fprintf (stderr, "%s%s · %s · %s%s · %s%s · %s %s · %s %s%s\n",
           colour ? "\033[2m" : "",
           response->provider_id, response->model_id, tokens,
           response->tokens_estimated ? _(" (estimated: the provider reported none)") : "",
           response->tokens_estimated ? "~" : "", cost,
           _("first token"), first, _("total"), total,
           colour ? "\033[0m" : "");
  if (response->fallback_from != NULL)
    fprintf (stderr, _("%s%s did not answer; %s answered instead.%s\n"),
             colour ? "\033[2m" : "", response->fallback_from, response->provider_id,
             colour ? "\033[0m" : "");
}

static void
print_ask_json (const TgAiResponse *response)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, response->provider_id);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, response->model_id);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, response->text);
  json_builder_set_member_name (builder, "finish_reason");
  if (response->finish_reason)
    json_builder_add_string_value (builder, response->finish_reason);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "input_tokens");
  json_builder_add_int_value (builder, response->usage.input_tokens);
  json_builder_set_member_name (builder, "output_tokens");
  json_builder_add_int_value (builder, response->usage.output_tokens);
  json_builder_set_member_name (builder, "cached_tokens");
  json_builder_add_int_value (builder, response->usage.cached_tokens);
  json_builder_set_member_name (builder, "tokens_estimated");
  json_builder_add_boolean_value (builder, response->tokens_estimated);
  add_price_member (builder, "cost", response->cost_micros);
  json_builder_set_member_name (builder, "latency_first_token_ms");
  json_builder_add_int_value (builder, response->latency_first_token_ms);
  json_builder_set_member_name (builder, "latency_total_ms");
  json_builder_add_int_value (builder, response->latency_total_ms);
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, response->attempts);
  json_builder_set_member_name (builder, "fallback_from");
  if (response->fallback_from != NULL)
    json_builder_add_string_value (builder, response->fallback_from);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  print_json (builder);
}

static int
cmd_ask (int    argc,
         char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  g_autoptr(TgAiClient) client = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgAnalyticsService) analytics = NULL;
  g_autoptr(TgHealthMonitor) health = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  g_autofree char *prompt = NULL;
  TgAiRequest request = TG_AI_REQUEST_INIT;
  AskState state = { 0 };
  gboolean json = FALSE;
  gboolean from_stdin = FALSE;
  guint sigint_source;

  for (int i = 0; i < argc; i++)
    {
      gboolean missing = FALSE;
      const char *value;

      if ((value = option_value (argv, argc, &i, "--provider", &missing)))
        request.provider_id = value;
      else if ((value = option_value (argv, argc, &i, "--model", &missing)))
        request.model_id = value;
      else if ((value = option_value (argv, argc, &i, "--system", &missing)))
        request.system = value;
      else if (missing)
        return fail (TG_CLI_EXIT_USAGE, _("“%s” needs a value."), argv[i]);
      else if (g_str_equal (argv[i], "--no-stream"))
        request.stream = FALSE;
      else if (g_str_equal (argv[i], "--no-fallback"))
        request.no_fallback = TRUE;
      else if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else if (g_str_equal (argv[i], "-"))
        from_stdin = TRUE;
      else if (g_str_equal (argv[i], "--"))
        {
          for (i++; i < argc; i++)
            g_ptr_array_add (words, argv[i]);
        }
      else if (argv[i][0] == '-')
        return fail (TG_CLI_EXIT_USAGE, _("“ask” does not take “%s”."), argv[i]);
      else
        g_ptr_array_add (words, argv[i]);
    }

  if (from_stdin && words->len > 0)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("Give the prompt as arguments or “-” for standard input, not both."));
  if (words->len == 0 && !from_stdin && isatty (STDIN_FILENO))
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“ask” needs a prompt."));

  if (words->len > 0)
    {
      g_ptr_array_add (words, NULL);
      prompt = g_strjoinv (" ", (char **) words->pdata);
    }
  else
    prompt = read_all_stdin ();
  request.prompt = prompt;
  request.source = TG_USAGE_SOURCE_CLI;
  /* With --json the answer is printed whole at the end, so streaming buys nothing visible. */

  catalog = load_catalog (&db, &error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  if (db == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", _("Requests are not sent while the database cannot record them."));

  secrets = tg_secret_store_new ();
  client = tg_ai_client_new (db, catalog, secrets);
  /* The same path as the app: preferences and fallbacks, budget, and the
   * circuits the app's monitor left in the store (no checks run from here). */
  config = tg_config_service_new (db, catalog);
  analytics = tg_analytics_service_new (db, catalog, config);
  health = tg_health_monitor_new (db, catalog, secrets);
  tg_ai_client_set_services (client, config, analytics, health);
  state.loop = g_main_loop_new (NULL, FALSE);

  /* Ctrl+C cancels: the attempt is recorded with what arrived so far. */
  sigint_source = g_unix_signal_add (SIGINT, ask_interrupt, cancellable);
  tg_ai_client_send_async (client, &request, json ? NULL : ask_delta, &state, cancellable, ask_done, &state);
  g_main_loop_run (state.loop);
  g_source_remove (sigint_source);
  g_main_loop_unref (state.loop);
  /* The answer's row is written off the main loop: it and the budget check
   * that follows it are done before the process ends. */
  tg_usage_writer_flush (tg_db_get_usage_writer (db));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (state.response == NULL)
    {
      int code = g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 130
               : state.error->domain == TG_AI_CLIENT_ERROR && state.error->code != TG_AI_CLIENT_ERROR_NO_KEY &&
                 state.error->code != TG_AI_CLIENT_ERROR_PROVIDER_DOWN
                 ? TG_CLI_EXIT_USAGE : TG_CLI_EXIT_FAILURE;
      if (state.streamed)
        printf ("\n");
      fail (TG_CLI_EXIT_FAILURE, "%s", state.error->message);
      g_error_free (state.error);
      return code;
    }

  if (json)
    print_ask_json (state.response);
  else
    {
      if (!state.streamed)
        fputs (state.response->text, stdout);
      if (state.response->text[0] != '\0' && !g_str_has_suffix (state.response->text, "\n"))
        printf ("\n");
      fflush (stdout);
      print_ask_summary (state.response);
    }
  tg_ai_response_free (state.response);
  return TG_CLI_EXIT_OK;
}

/* YYYY-MM-DD at local midnight, in UTC ms; @end_of_day gives the next midnight. */
static gboolean
parse_local_date (const char *text,
                  gboolean    end_of_day,
                  gint64     *out_ms)
{
  int y, m, d;
  char tail;
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return FALSE;
  dt = g_date_time_new_local (y, m, d, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  if (end_of_day)
    {
      GDateTime *next = g_date_time_add_days (dt, 1);
      g_date_time_unref (dt);
      dt = next;
    }
  *out_ms = g_date_time_to_unix (dt) * 1000;
  return TRUE;
}

static char *
aggregate_label (const TgUsageAggregate *row,
                 TgUsageGroup            group)
{
  if (group == TG_USAGE_GROUP_DAY)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (row->bucket_start_ms / 1000);
      return g_date_time_format (dt, "%Y-%m-%d");
    }
  if (group == TG_USAGE_GROUP_NONE)
    return g_strdup (_("total"));
  return g_strdup (row->key);
}

typedef struct {
  gboolean  done;
  gint64    rows;
  GError   *error;
} ExportRun;

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportRun *run = user_data;

  run->rows = tg_analytics_service_export_csv_finish (TG_ANALYTICS_SERVICE (source), result, &run->error);
  run->done = TRUE;
}

/* `usage --export-csv FILE`: Ctrl+C cancels, which leaves FILE as it was. */
static int
export_usage_csv (const char *path,
                  gint64      from_ms,
                  gint64      to_ms)
{
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgAnalyticsService) service = NULL;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ExportRun run = { 0 };
  guint sigint_source;

  db = tg_db_open_default (&error);
  if (db == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  service = tg_analytics_service_new (db, NULL, NULL);

  sigint_source = g_unix_signal_add (SIGINT, ask_interrupt, cancellable);
  tg_analytics_service_export_csv_async (service, file, from_ms, to_ms, cancellable, export_done, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint_source);

  if (run.error != NULL)
    {
      g_propagate_error (&error, run.error);
      return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
    }

  printf (g_dngettext (GETTEXT_PACKAGE, "Exported %" G_GINT64_FORMAT " request to %s.",
                       "Exported %" G_GINT64_FORMAT " requests to %s.", run.rows),
          run.rows, path);
  printf ("\n");
  return TG_CLI_EXIT_OK;
}

static int
cmd_usage (int    argc,
           char **argv)
{
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  TgUsageGroup group = TG_USAGE_GROUP_NONE;
  gint64 from_ms = 0, to_ms = G_MAXINT64;
  gboolean json = FALSE;
  gint64 estimated = 0;
  const char *export_path = NULL;

  for (int i = 0; i < argc; i++)
    {
      gboolean missing = FALSE;
      const char *value;

      if ((value = option_value (argv, argc, &i, "--since", &missing)))
        {
          if (!parse_local_date (value, FALSE, &from_ms))
            return fail (TG_CLI_EXIT_USAGE, _("“%s” is not a date like 2026-11-25."), value);
        }
      else if ((value = option_value (argv, argc, &i, "--until", &missing)))
        {
          if (!parse_local_date (value, TRUE, &to_ms))
            return fail (TG_CLI_EXIT_USAGE, _("“%s” is not a date like 2026-11-25."), value);
        }
      else if ((value = option_value (argv, argc, &i, "--by", &missing)))
        {
          if (g_str_equal (value, "provider"))
            group = TG_USAGE_GROUP_PROVIDER;
          else if (g_str_equal (value, "model"))
            group = TG_USAGE_GROUP_MODEL;
          else if (g_str_equal (value, "day"))
            group = TG_USAGE_GROUP_DAY;
          else
            return fail (TG_CLI_EXIT_USAGE, _("“--by” takes provider, model or day, not “%s”."), value);
        }
      else if ((value = option_value (argv, argc, &i, "--export-csv", &missing)))
        export_path = value;
      else if (missing)
        return fail (TG_CLI_EXIT_USAGE, _("“%s” needs a value."), argv[i]);
      else if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else
        return fail (TG_CLI_EXIT_USAGE, _("“usage” does not take “%s”."), argv[i]);
    }
  if (from_ms >= to_ms)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“--since” must be before “--until”."));
  if (export_path != NULL && (json || group != TG_USAGE_GROUP_NONE))
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“--export-csv” writes every request; it does not go with “--by” or “--json”."));
  if (export_path != NULL)
    return export_usage_csv (export_path, from_ms, to_ms);

  db = tg_db_open_default (&error);
  if (db == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  rows = tg_db_aggregate_usage (db, from_ms, to_ms, group, &error);
  if (rows == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < rows->len; i++)
        {
          const TgUsageAggregate *row = g_ptr_array_index (rows, i);
          g_autofree char *label = aggregate_label (row, group);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, group == TG_USAGE_GROUP_DAY ? "day" : "key");
          json_builder_add_string_value (builder, label);
          json_builder_set_member_name (builder, "requests");
          json_builder_add_int_value (builder, row->requests);
          json_builder_set_member_name (builder, "failures");
          json_builder_add_int_value (builder, row->failures);
          json_builder_set_member_name (builder, "estimated_requests");
          json_builder_add_int_value (builder, row->estimated);
          json_builder_set_member_name (builder, "input_tokens");
          json_builder_add_int_value (builder, row->input_tokens);
          json_builder_set_member_name (builder, "output_tokens");
          json_builder_add_int_value (builder, row->output_tokens);
          json_builder_set_member_name (builder, "cached_tokens");
          json_builder_add_int_value (builder, row->cached_tokens);
          add_price_member (builder, "cost", row->cost_micros);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      print_json (builder);
      return TG_CLI_EXIT_OK;
    }

  printf ("%-34s %9s %7s %12s %12s %12s %12s\n", group == TG_USAGE_GROUP_DAY ? _("DAY") : "",
          _("REQUESTS"), _("FAILED"), _("IN"), _("OUT"), _("CACHED"), _("COST"));
  for (guint i = 0; i < rows->len; i++)
    {
      const TgUsageAggregate *row = g_ptr_array_index (rows, i);
      g_autofree char *label = aggregate_label (row, group);
      g_autofree char *requests = tg_format_count (row->requests);
      g_autofree char *failures = tg_format_count (row->failures);
      g_autofree char *in = tg_format_count (row->input_tokens);
      g_autofree char *out = tg_format_count (row->output_tokens);
      g_autofree char *cached = tg_format_count (row->cached_tokens);
      g_autofree char *cost = tg_money_format (row->cost_micros);
      /* "~" marks figures that include estimates, so nobody takes them for metered ones. */
      const char *mark = row->estimated > 0 ? "~" : "";
      g_autofree char *in_m = g_strconcat (mark, in, NULL);
      g_autofree char *out_m = g_strconcat (mark, out, NULL);
      g_autofree char *cost_m = g_strconcat (mark, cost, NULL);

      estimated += row->estimated;
      printf ("%-34s %9s %7s %12s %12s %12s %12s\n", label, requests, failures, in_m, out_m, cached, cost_m);
    }
  if (estimated > 0)
    {
      printf ("\n");
      printf (g_dngettext (GETTEXT_PACKAGE,
                           "~ includes %" G_GINT64_FORMAT " request whose provider reported no usage; its tokens are estimated.",
                           "~ includes %" G_GINT64_FORMAT " requests whose provider reported no usage; their tokens are estimated.",
                           estimated), estimated);
      printf ("\n");
    }
  return TG_CLI_EXIT_OK;
}

/* `tollgate budget [set …]` */

typedef struct {
  gint64          budget_micros;
  TgBudgetPeriod  period;
  guint           thresholds[TG_MAX_ALERT_THRESHOLDS];
  guint           n_thresholds;  /* 0: keep the current ones */
  gboolean        hard_limit;
} BudgetArgs;

/* "50,80,100": whole percentages; the config service checks the range and order. */
static gboolean
parse_thresholds (const char *text,
                  BudgetArgs *args)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) > TG_MAX_ALERT_THRESHOLDS)
    return FALSE;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 percent;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, G_MAXUINT, &percent, NULL))
        return FALSE;
      args->thresholds[i] = (guint) percent;
    }
  args->n_thresholds = g_strv_length (parts);
  return args->n_thresholds > 0;
}

/* `budget set AMOUNT --period P [--alert LIST] [--hard]`, argv[0] = "set". */
static int
parse_budget_set (int         argc,
                  char      **argv,
                  BudgetArgs *args)
{
  gboolean have_period = FALSE;
  const char *amount = argc > 1 ? argv[1] : NULL;

  if (amount == NULL || amount[0] == '-')
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“budget set” needs an amount in US dollars, like 25 or 12.50."));
  if (!tg_money_parse_micros (amount[0] == '$' ? amount + 1 : amount, &args->budget_micros))
    return fail (TG_CLI_EXIT_USAGE, _("“%s” is not an amount in US dollars like 25 or 12.50."), amount);

  for (int i = 2; i < argc; i++)
    {
      gboolean missing = FALSE;
      const char *value;

      if ((value = option_value (argv, argc, &i, "--period", &missing)))
        {
          if (!tg_budget_period_from_string (value, &args->period))
            return fail (TG_CLI_EXIT_USAGE, _("“--period” takes daily, weekly or monthly, not “%s”."), value);
          have_period = TRUE;
        }
      else if ((value = option_value (argv, argc, &i, "--alert", &missing)))
        {
          if (!parse_thresholds (value, args))
            return fail (TG_CLI_EXIT_USAGE,
                         _("“--alert” takes up to %d whole percentages separated by commas, like 50,80,100, not “%s”."),
                         TG_MAX_ALERT_THRESHOLDS, value);
        }
      else if (missing)
        return fail (TG_CLI_EXIT_USAGE, _("“%s” needs a value."), argv[i]);
      else if (g_str_equal (argv[i], "--hard"))
        args->hard_limit = TRUE;
      else
        return fail (TG_CLI_EXIT_USAGE, _("“budget set” does not take “%s”."), argv[i]);
    }

  if (!have_period)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“budget set” needs “--period daily”, “--period weekly” or “--period monthly”."));
  return TG_CLI_EXIT_OK;
}

static char *
thresholds_text (const TgBudgetStatus *status)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < status->n_thresholds; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      if (status->crossed_mask & (1u << i))
        /* Translators: an alert threshold already passed this period */
        g_string_append_printf (text, _("%u %% (crossed)"), status->thresholds[i]);
      else
        g_string_append_printf (text, "%u %%", status->thresholds[i]);
    }
  if (status->n_thresholds == 0)
    g_string_append (text, _("none"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
local_time_text (gint64 utc_ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (utc_ms / 1000);

  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

static char *
budget_amount_text (TgBudgetPeriod  period,
                    const char     *amount)
{
  switch (period)
    {
    case TG_BUDGET_PERIOD_DAILY:
      /* Translators: an amount of money */
      return g_strdup_printf (_("%s per day"), amount);
    case TG_BUDGET_PERIOD_WEEKLY:
      return g_strdup_printf (_("%s per week"), amount);
    case TG_BUDGET_PERIOD_MONTHLY:
    default:
      return g_strdup_printf (_("%s per month"), amount);
    }
}

static void
print_budget (const TgBudgetStatus *status)
{
  g_autofree char *budget = tg_money_format (status->budget_micros);
  g_autofree char *spent = tg_money_format (status->spent_micros);
  g_autofree char *start = local_time_text (status->period_start_ms);
  g_autofree char *end = local_time_text (status->period_end_ms);
  g_autofree char *thresholds = thresholds_text (status);
  g_autofree char *amount = NULL;

  if (status->budget_micros == 0)
    {
      printf (_("No budget is set. Spent from %s to %s: %s."), start, end, spent);
      printf ("\n");
      return;
    }

  amount = budget_amount_text (status->period, budget);
  printf ("%-12s %s\n", _("Budget:"), amount);
  printf ("%-12s %s – %s\n", _("Period:"), start, end);
  /* Floor, so "100 %" means the whole budget is spent. */
  printf ("%-12s %s (%" G_GINT64_FORMAT " %%)\n", _("Spent:"), spent,
          status->spent_micros * 100 / status->budget_micros);
  printf ("%-12s %s\n", _("Alerts at:"), thresholds);
  printf ("%-12s %s\n", _("Hard limit:"),
          status->hard_limit ? _("on: requests are refused once the budget is spent") : _("off"));
  printf ("%-12s %s\n", _("Resets:"), end);
  if (status->exceeded)
    printf ("%s\n", status->hard_limit ? _("The budget is spent: requests are refused until it resets.")
                                       : _("The budget is spent."));
}

static int
cmd_budget (int    argc,
            char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(TgAnalyticsService) service = NULL;
  g_autoptr(TgBudgetStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  BudgetArgs args = { 0 };
  gboolean set = argc > 0;

  /* Arguments first, so a typo never depends on the state of the store. */
  if (set && !g_str_equal (argv[0], "set"))
    return fail (TG_CLI_EXIT_USAGE, _("“budget” takes “set” or nothing, not “%s”."), argv[0]);
  if (set)
    {
      int code = parse_budget_set (argc, argv, &args);
      if (code != TG_CLI_EXIT_OK)
        return code;
    }

  catalog = tg_catalog_new_default (&error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  db = tg_db_open_default (&error);
  if (db == NULL || !tg_catalog_sync_to_db (catalog, db, &error))
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  config = tg_config_service_new (db, catalog);

  if (set)
    {
      g_autoptr(TgPreferences) prefs = tg_preferences_copy (tg_config_service_get_preferences (config));

      prefs->budget_micros = args.budget_micros;
      prefs->budget_period = args.period;
      prefs->hard_limit = args.hard_limit;
      if (args.n_thresholds > 0)
        {
          memcpy (prefs->alert_thresholds, args.thresholds, sizeof args.thresholds);
          prefs->n_alert_thresholds = args.n_thresholds;
        }
      if (!tg_config_service_apply (config, prefs, &error))
        return fail (g_error_matches (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE) ? TG_CLI_EXIT_FAILURE
                                                                                   : TG_CLI_EXIT_USAGE,
                     "%s", error->message);
    }

  service = tg_analytics_service_new (db, catalog, config);
  status = tg_analytics_service_get_budget_status (service, &error);
  if (status == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  print_budget (status);
  return TG_CLI_EXIT_OK;
}

/* ID[:IN_PRICE:OUT_PRICE], prices in USD per 1M tokens. */
static gboolean
parse_model_spec (const char           *spec,
                  TgModelCapabilities **out,
                  char                **message)
{
  g_autoptr(TgModelCapabilities) model = tg_model_capabilities_new ();
  g_autofree char *copy = g_strdup (spec);
  char *out_sep = strrchr (copy, ':');
  char *in_sep = NULL;

  /* Model ids may hold a colon themselves ("llama3.1:8b"): prices are the last two fields. */
  if (out_sep != NULL)
    {
      *out_sep = '\0';
      in_sep = strrchr (copy, ':');
    }
  if (in_sep != NULL)
    *in_sep = '\0';

  if (in_sep != NULL &&
      tg_money_parse_micros (in_sep + 1, &model->price_input_micros) &&
      tg_money_parse_micros (out_sep + 1, &model->price_output_micros))
    model->model_id = g_strdup (copy);
  else
    {
      model->model_id = g_strdup (spec);
      model->price_input_micros = 0;
      model->price_output_micros = 0;
    }

  if (model->model_id[0] == '\0')
    {
      *message = g_strdup_printf (_("“%s” names no model."), spec);
      return FALSE;
    }

  model->price_cached_input_micros = model->price_input_micros;
  model->display_name = g_strdup (model->model_id);
  /* Unknown limits: a generous context so nothing is refused for it. */
  model->context_window = 131072;
  model->max_output = 131072;
  model->capabilities = TG_CAPABILITY_STREAMING;
  model->source = TG_CAPABILITY_SOURCE_USER;
  *out = g_steal_pointer (&model);
  return TRUE;
}

static const char *
default_health_path (TgWireFormat format)
{
  switch (format)
    {
    case TG_WIRE_FORMAT_OPENAI:    return "/models";
    case TG_WIRE_FORMAT_ANTHROPIC: return "/v1/models";
    case TG_WIRE_FORMAT_GEMINI:    return "/v1beta/models";
    case TG_WIRE_FORMAT_OLLAMA:    return "/api/tags";
    default:                       return "/";
    }
}

static int
cmd_provider_add (int    argc,
                  char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_model_capabilities_free);
  TgCatalogProvider provider = { 0 };
  gboolean have_format = FALSE, have_auth = FALSE;

  if (argc < 1 || argv[0][0] == '-')
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider add” needs an id for the new provider."));
  provider.id = argv[0];
  provider.user_defined = TRUE;

  for (int i = 1; i < argc; i++)
    {
      gboolean missing = FALSE;
      const char *value;

      if ((value = option_value (argv, argc, &i, "--format", &missing)))
        {
          if (!tg_wire_format_from_string (value, &provider.wire_format))
            return fail (TG_CLI_EXIT_USAGE, _("“%s” is not a wire format: use openai, anthropic, gemini or ollama."), value);
          have_format = TRUE;
        }
      else if ((value = option_value (argv, argc, &i, "--base-url", &missing)))
        provider.base_url = (char *) value;
      else if ((value = option_value (argv, argc, &i, "--name", &missing)))
        provider.name = (char *) value;
      else if ((value = option_value (argv, argc, &i, "--auth", &missing)))
        {
          if (!tg_auth_style_from_string (value, &provider.auth_style))
            return fail (TG_CLI_EXIT_USAGE, _("“%s” is not an auth style: use bearer, x-api-key, x-goog-api-key or none."), value);
          have_auth = TRUE;
        }
      else if ((value = option_value (argv, argc, &i, "--model", &missing)))
        {
          g_autofree char *message = NULL;
          TgModelCapabilities *model = NULL;

          if (!parse_model_spec (value, &model, &message))
            return fail (TG_CLI_EXIT_USAGE, "%s", message);
          model->provider_id = g_strdup (provider.id);
          g_ptr_array_add (models, model);
        }
      else if (missing)
        return fail (TG_CLI_EXIT_USAGE, _("“%s” needs a value."), argv[i]);
      else
        return fail (TG_CLI_EXIT_USAGE, _("“provider add” does not take “%s”."), argv[i]);
    }

  if (!have_format)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider add” needs “--format”."));
  if (provider.base_url == NULL)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider add” needs “--base-url”."));
  if (models->len == 0)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider add” needs at least one “--model”."));

  /* A custom endpoint is usually a local server that wants no key. */
  if (!have_auth)
    provider.auth_style = TG_AUTH_STYLE_NONE;
  provider.health_path = (char *) default_health_path (provider.wire_format);
  provider.prices_as_of = today;
  provider.local = g_str_has_prefix (provider.base_url, "http://127.") ||
                   g_str_has_prefix (provider.base_url, "http://localhost") ||
                   g_str_has_prefix (provider.base_url, "http://[::1]");
  provider.default_model = ((TgModelCapabilities *) models->pdata[0])->model_id;
  provider.models = models;

  catalog = tg_catalog_new_default (&error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  if (!tg_catalog_save_user_provider (catalog, &provider, &error))
    return fail (error->domain == TG_CATALOG_ERROR && error->code == TG_CATALOG_ERROR_INVALID
                 ? TG_CLI_EXIT_USAGE : TG_CLI_EXIT_FAILURE, "%s", error->message);

  db = tg_db_open_default (&error);
  if (db == NULL || !tg_catalog_sync_to_db (catalog, db, &error))
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  printf (_("Added %s (%s) with %u model(s)."), provider.name ? provider.name : provider.id,
          provider.base_url, models->len);
  printf ("\n");
  return TG_CLI_EXIT_OK;
}

static int
cmd_provider (int    argc,
              char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(GError) error = NULL;

  if (argc >= 1 && g_str_equal (argv[0], "add"))
    return cmd_provider_add (argc - 1, argv + 1);
  if (argc < 1 || !g_str_equal (argv[0], "remove"))
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider” needs “add” or “remove”."));
  if (argc != 2)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“provider remove” takes exactly one provider id."));

  catalog = tg_catalog_new_default (&error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  db = tg_db_open_default (&error);
  if (db == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  if (!tg_catalog_remove_user_provider (catalog, db, argv[1], &error))
    return fail (error->domain == TG_CATALOG_ERROR && error->code == TG_CATALOG_ERROR_INVALID
                 ? TG_CLI_EXIT_USAGE : TG_CLI_EXIT_FAILURE, "%s", error->message);

  printf (_("Removed %s. Its recorded usage stays in the history."), argv[1]);
  printf ("\n");
  return TG_CLI_EXIT_OK;
}

/* `prefs get fallback-models`: the model each fallback provider would get for
 * a request to the default model, and which of them the user chose, so the
 * automatic choice is never a surprise. */
static void
print_fallback_models (TgConfigService *config,
                       TgCatalog       *catalog)
{
  const TgPreferences *prefs = tg_config_service_get_preferences (config);
  const TgCatalogProvider *provider = NULL;
  const TgModelCapabilities *reference = NULL;
  g_autoptr(GList) chosen = g_hash_table_get_keys (prefs->fallback_models);

  if (prefs->default_provider != NULL)
    provider = tg_catalog_get_provider (catalog, prefs->default_provider);
  if (provider != NULL)
    reference = tg_catalog_get_model (catalog, provider->id,
                                      prefs->default_model != NULL ? prefs->default_model : provider->default_model);

  if (prefs->fallback_order[0] == NULL)
    printf ("%s\n", _("No fallback providers are set; set fallback-order to choose them."));
  for (guint i = 0; prefs->fallback_order[i] != NULL; i++)
    {
      const char *id = prefs->fallback_order[i];
      gboolean is_explicit = FALSE;
      g_autofree char *model = tg_config_service_get_fallback_model (config, id, reference, &is_explicit);

      if (model == NULL)
        /* Translators: a provider id */
        printf (_("%s: no model qualifies"), id);
      else if (is_explicit)
        printf ("%s: %s", id, model);
      else
        /* Translators: provider id: model id (chosen by Tollgate, not by you) */
        printf (_("%s: %s (automatic)"), id, model);
      printf ("\n");
    }

  /* Choices for providers outside the order take effect once they are in it. */
  chosen = g_list_sort (chosen, (GCompareFunc) g_strcmp0);
  for (GList *l = chosen; l != NULL; l = l->next)
    if (!g_strv_contains ((const char * const *) prefs->fallback_order, l->data))
      {
        printf (_("%s: %s (not in the fallback order)"), (const char *) l->data,
                (const char *) g_hash_table_lookup (prefs->fallback_models, l->data));
        printf ("\n");
      }

  if (reference != NULL)
    printf (_("Automatic: the cheapest model with every capability and at least the context window of %s/%s."),
            provider->id, reference->model_id);
  else
    printf ("%s", _("Automatic: the provider’s default model, as no default model is set."));
  printf ("\n");
}

static void
print_pref (TgConfigService *config,
            const char      *key)
{
  g_autofree char *value = tg_config_service_get_string (config, key, NULL);

  printf ("%s = %s\n", key, value);
}

static void
collect_changed_key (TgConfigService *config,
                     const char      *key,
                     GPtrArray       *keys)
{
  g_ptr_array_add (keys, g_strdup (key));
}

static int
cmd_prefs (int    argc,
           char **argv)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgConfigService) config = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *keys = tg_config_service_list_keys ();
  const char *action = argc > 0 ? argv[0] : NULL;
  const char *key = argc > 1 ? argv[1] : NULL;

  /* Arguments first, so a typo never depends on the state of the store. */
  if (action != NULL && !g_str_equal (action, "get") && !g_str_equal (action, "set"))
    return fail (TG_CLI_EXIT_USAGE, _("“prefs” takes “get KEY” or “set KEY VALUE”, not “%s”."), action);
  if (action != NULL && g_str_equal (action, "get") && argc != 2)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“prefs get” takes exactly one preference name."));
  if (action != NULL && g_str_equal (action, "set") && argc != 3)
    return fail (TG_CLI_EXIT_USAGE, "%s", _("“prefs set” takes a preference name and one value; quote a list, as in \"openai, anthropic\"."));
  if (key != NULL && !g_strv_contains (keys, key))
    return fail (TG_CLI_EXIT_USAGE, _("Unknown preference “%s”. “tollgate prefs” lists them."), key);

  catalog = tg_catalog_new_default (&error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  /* Unlike `providers`, no fallback to the defaults: shown as the user's
   * preferences, they would mislead. */
  db = tg_db_open_default (&error);
  if (db == NULL || !tg_catalog_sync_to_db (catalog, db, &error))
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);
  config = tg_config_service_new (db, catalog);

  if (action == NULL)
    {
      for (guint i = 0; keys[i] != NULL; i++)
        print_pref (config, keys[i]);
      return TG_CLI_EXIT_OK;
    }

  if (g_str_equal (action, "get"))
    {
      if (g_str_equal (key, TG_CONFIG_KEY_FALLBACK_MODELS))
        print_fallback_models (config, catalog);
      else
        print_pref (config, key);
      return TG_CLI_EXIT_OK;
    }

  g_signal_connect (config, "changed", G_CALLBACK (collect_changed_key), changed);
  if (!tg_config_service_set_string (config, key, argv[2], &error))
    return fail (g_error_matches (error, TG_CONFIG_ERROR, TG_CONFIG_ERROR_STORE) ? TG_CLI_EXIT_FAILURE : TG_CLI_EXIT_USAGE,
                 "%s", error->message);

  /* What is stored now, in its normal form; a provider change shows the model too. */
  if (changed->len == 0)
    print_pref (config, key);
  for (guint i = 0; i < changed->len; i++)
    print_pref (config, g_ptr_array_index (changed, i));
  return TG_CLI_EXIT_OK;
}

/* `health`: the providers' health as the store remembers it (a
 * TgHealthMonitor restored from ai_provider_health), after one active check
 * of every provider in use with --check. */

typedef struct {
  GMainLoop *loop;
  GError    *error;
} HealthCheckState;

static void
health_checked (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  HealthCheckState *state = user_data;

  tg_health_monitor_check_finish (TG_HEALTH_MONITOR (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

/* @text left-aligned (or right-aligned) in @width columns, counted in characters. */
static void
print_cell (const char *text,
            int         width,
            gboolean    right)
{
  int pad = MAX (width - (int) g_utf8_strlen (text, -1), 0);

  printf ("%*s%s%*s ", right ? pad : 0, "", text, right ? 0 : pad, "");
}

static char *
format_time_ms (gint64 ms,
                gboolean utc_iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (ms <= 0)
    return NULL;
  utc = g_date_time_new_from_unix_utc (ms / 1000);
  if (utc == NULL)
    return NULL;
  if (utc_iso)
    return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static void
add_nullable_string_member (JsonBuilder *builder,
                            const char  *name,
                            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_nullable_int_member (JsonBuilder *builder,
                         const char  *name,
                         gint64       value,
                         gboolean     present)
{
  json_builder_set_member_name (builder, name);
  if (present)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
print_health_json (TgCatalog *catalog,
                   GPtrArray *list)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      const TgProviderHealth *health = g_ptr_array_index (list, i);
      const TgCatalogProvider *provider = tg_catalog_get_provider (catalog, health->provider_id);
      g_autofree char *last_check = format_time_ms (health->last_check_ms, TRUE);
      g_autofree char *last_ok = format_time_ms (health->last_ok_ms, TRUE);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, health->provider_id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, provider ? provider->name : health->provider_id);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, tg_health_status_to_string (health->status));
      json_builder_set_member_name (builder, "circuit");
      json_builder_add_string_value (builder, tg_circuit_state_to_string (health->circuit));
      add_nullable_int_member (builder, "latency_p50_ms", health->latency_p50_ms, health->latency_p50_ms >= 0);
      add_nullable_int_member (builder, "latency_p95_ms", health->latency_p95_ms, health->latency_p95_ms >= 0);
      json_builder_set_member_name (builder, "error_rate");
      if (health->n_samples > 0)
        json_builder_add_double_value (builder, health->error_rate);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "samples");
      json_builder_add_int_value (builder, health->n_samples);
      add_nullable_string_member (builder, "last_check", last_check);
      add_nullable_int_member (builder, "last_check_ms", health->last_check_ms, health->last_check_ms > 0);
      add_nullable_string_member (builder, "last_ok", last_ok);
      add_nullable_string_member (builder, "last_error_class", health->last_error_class);
      add_nullable_string_member (builder, "last_error", health->last_error);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  print_json (builder);
}

static void
print_health_text (GPtrArray *list)
{
  static const int widths[] = { 20, 10, 10, 9, 9, 7, 20 };
  const char *headings[] = { _("PROVIDER"), _("STATUS"), _("CIRCUIT"), _("P50"), _("P95"),
                             _("ERRORS"), _("LAST CHECK"), _("LAST ERROR") };

  for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
    print_cell (headings[c], widths[c], c >= 3 && c <= 5);
  printf ("%s\n", headings[G_N_ELEMENTS (widths)]);

  for (guint i = 0; i < list->len; i++)
    {
      const TgProviderHealth *health = g_ptr_array_index (list, i);
      g_autofree char *p50 = tg_format_duration (health->latency_p50_ms);
      g_autofree char *p95 = tg_format_duration (health->latency_p95_ms);
      g_autofree char *errors = health->n_samples > 0
                                ? g_strdup_printf ("%.0f %%", health->error_rate * 100)
                                : g_strdup ("–");
      g_autofree char *last_check = format_time_ms (health->last_check_ms, FALSE);
      /* The last failure only while it is news: after a success it is history. */
      const char *last_error = health->last_error_class != NULL && health->last_ok_ms < health->last_check_ms
                               ? health->last_error_class : "–";
      const char *cells[] = { health->provider_id, tg_health_status_get_label (health->status),
                              tg_circuit_state_to_string (health->circuit), p50, p95, errors,
                              last_check ? last_check : _("never") };

      for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
        print_cell (cells[c], widths[c], c >= 3 && c <= 5);
      printf ("%s\n", last_error);
    }
}

static int
cmd_health (int    argc,
            char **argv)
{
  g_autoptr(TgCatalog) catalog = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autoptr(TgSecretStore) secrets = NULL;
  g_autoptr(TgHealthMonitor) monitor = NULL;
  g_autoptr(TgPreferences) prefs = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gboolean json = FALSE;
  gboolean check = FALSE;

  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else if (g_str_equal (argv[i], "--check"))
        check = TRUE;
      else
        return fail (TG_CLI_EXIT_USAGE, _("“health” does not take “%s”."), argv[i]);
    }

  catalog = load_catalog (&db, &error);
  if (catalog == NULL)
    return fail (TG_CLI_EXIT_FAILURE, "%s", error->message);

  secrets = tg_secret_store_new ();
  monitor = tg_health_monitor_new (db, catalog, secrets);
  /* The user's choices: which providers to check, and the interval that
   * decides how old a result may be and still count. */
  if (db != NULL && (prefs = tg_db_get_preferences (db, "default", NULL)) != NULL)
    {
      tg_health_monitor_set_interval (monitor, prefs->health_check_interval_s);
      tg_health_monitor_set_enabled_providers (monitor, (const char * const *) prefs->enabled_providers);
    }

  if (check)
    {
      HealthCheckState state = { g_main_loop_new (NULL, FALSE), NULL };

      if (!g_network_monitor_get_network_available (g_network_monitor_get_default ()))
        fprintf (stderr, "tollgate: %s\n", _("The network is down: only providers on this machine are checked."));
      tg_health_monitor_check_async (monitor, NULL, NULL, health_checked, &state);
      g_main_loop_run (state.loop);
      g_main_loop_unref (state.loop);
      /* Let the closes of the replies finish. */
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      if (state.error != NULL)
        {
          fprintf (stderr, "tollgate: %s\n", state.error->message);
          g_error_free (state.error);
        }
    }

  list = tg_health_monitor_list (monitor);
  if (json)
    print_health_json (catalog, list);
  else
    print_health_text (list);
  return TG_CLI_EXIT_OK;
}

int
tg_cli_run (int    argc,
            char **argv)
{
  const char *command;

  g_return_val_if_fail (argc >= 2, TG_CLI_EXIT_USAGE);

  command = argv[1];

  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      print_usage (stdout);
      return TG_CLI_EXIT_OK;
    }
  if (g_str_equal (command, "--version"))
    {
      printf ("tollgate %s\n", PACKAGE_VERSION);
      return TG_CLI_EXIT_OK;
    }
  if (g_str_equal (command, "providers"))
    return cmd_providers (argc - 2, argv + 2);
  if (g_str_equal (command, "key"))
    return cmd_key (argc - 2, argv + 2);
  if (g_str_equal (command, "db"))
    return cmd_db (argc - 2, argv + 2);
  if (g_str_equal (command, "ask"))
    return cmd_ask (argc - 2, argv + 2);
  if (g_str_equal (command, "usage"))
    return cmd_usage (argc - 2, argv + 2);
  if (g_str_equal (command, "provider"))
    return cmd_provider (argc - 2, argv + 2);
  if (g_str_equal (command, "prefs"))
    return cmd_prefs (argc - 2, argv + 2);
  if (g_str_equal (command, "health"))
    return cmd_health (argc - 2, argv + 2);
  if (g_str_equal (command, "budget"))
    return cmd_budget (argc - 2, argv + 2);

  if (command[0] == '-')
    return fail (TG_CLI_EXIT_USAGE, _("Unknown option “%s”."), command);
  return fail (TG_CLI_EXIT_USAGE, _("Unknown command “%s”."), command);
}
