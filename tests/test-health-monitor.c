/* test-health-monitor.c: TgHealthMonitor against the mock provider, with a
 * clock the test moves and a network monitor it switches off and on.
 *
 * Every test ends by checking that no health check reached a paid endpoint:
 * the mock counts completion requests per format, and they must stay 0. */

#include <json-glib/json-glib.h>
#include <string.h>

#include "tg-health-monitor.h"
#include "tg-mock-provider.h"
#include "tg-test-utils.h"

#define T0      G_GINT64_CONSTANT (1800000000000)
#define HOUR_MS G_GINT64_CONSTANT (3600000)
#define DAY_MS  (24 * HOUR_MS)

/* A fake GNetworkMonitor whose "network-available" the test sets. */

#define TEST_TYPE_NETWORK_MONITOR (test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestNetworkMonitor, test_network_monitor, TEST, NETWORK_MONITOR, GObject)

struct _TestNetworkMonitor
{
  GObject  parent_instance;
  gboolean available;
};

enum {
  NM_PROP_0,
  NM_PROP_NETWORK_AVAILABLE,
  NM_PROP_NETWORK_METERED,
  NM_PROP_CONNECTIVITY,
};

static gboolean
test_network_monitor_initable_init (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
test_network_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_network_monitor_initable_init;
}

static gboolean
test_network_monitor_can_reach (GNetworkMonitor     *monitor,
                                GSocketConnectable  *connectable,
                                GCancellable        *cancellable,
                                GError             **error)
{
  if (TEST_NETWORK_MONITOR (monitor)->available)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "The test switched the network off");
  return FALSE;
}

static void
test_network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_network_monitor_can_reach;
}

G_DEFINE_TYPE_WITH_CODE (TestNetworkMonitor, test_network_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_network_monitor_initable_iface_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_network_monitor_iface_init))

static void
test_network_monitor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TestNetworkMonitor *self = TEST_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case NM_PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case NM_PROP_NETWORK_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case NM_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_network_monitor_class_init (TestNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_network_monitor_get_property;
  g_object_class_override_property (object_class, NM_PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, NM_PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, NM_PROP_CONNECTIVITY, "connectivity");
}

static void
test_network_monitor_init (TestNetworkMonitor *self)
{
  self->available = TRUE;
}

static void
test_network_monitor_set_available (TestNetworkMonitor *self,
                                    gboolean            available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
}

/* The fixture: four providers on the mock, one per wire format. Their ids
 * are this test's own: the keyring is shared with the other tests running at
 * the same time. */

static const struct {
  const char   *id;
  TgMockFormat  mock;
  const char   *wire;
  const char   *auth;
  const char   *health_path;
  gboolean      keyed;  /* a key is stored for it */
} providers[] = {
  { "health-openai",    TG_MOCK_FORMAT_OPENAI,    "openai",    "bearer",         "/models",        TRUE },
  { "health-anthropic", TG_MOCK_FORMAT_ANTHROPIC, "anthropic", "x-api-key",      "/v1/models",     TRUE },
  /* Needs a key and has none: never checked. */
  { "health-gemini",    TG_MOCK_FORMAT_GEMINI,    "gemini",    "x-goog-api-key", "/v1beta/models", FALSE },
  /* Keyless and local: checked without a key. */
  { "health-ollama",    TG_MOCK_FORMAT_OLLAMA,    "ollama",    "none",           "/api/tags",      FALSE },
};

enum { OPENAI, ANTHROPIC, GEMINI, OLLAMA };

typedef struct {
  TgMockProvider     *mock;
  TgDb               *db;
  TgCatalog          *catalog;
  TgSecretStore      *secrets;
  TgHealthMonitor    *monitor;
  TestNetworkMonitor *network;
  char               *dir;
  gint64              now;
  /* What the signals said. */
  GPtrArray          *records;   /* TgHealthRecord* from ::check-completed */
  GPtrArray          *changes;   /* "provider:old>new" from ::status-changed */
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
write_catalog (Fixture *fixture)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "catalog.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "providers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      g_autofree char *base = tg_mock_provider_get_base_url (fixture->mock, providers[i].mock);
      const char *fields[][2] = {
        { "id", providers[i].id }, { "name", providers[i].id }, { "wire_format", providers[i].wire },
        { "base_url", base }, { "auth", providers[i].auth }, { "health_path", providers[i].health_path },
        { "docs_url", "https://example.com/docs" }, { "pricing_url", "https://example.com/pricing" },
        { "prices_as_of", "2026-11-01" }, { "default_model", "test-model" },
      };

      json_builder_begin_object (builder);
      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          json_builder_set_member_name (builder, fields[f][0]);
          json_builder_add_string_value (builder, fields[f][1]);
        }
      json_builder_set_member_name (builder, "local");
      json_builder_add_boolean_value (builder, i == OLLAMA);
      json_builder_set_member_name (builder, "models");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, "test-model");
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, "Test");
      json_builder_set_member_name (builder, "context_window");
      json_builder_add_int_value (builder, 8192);
      json_builder_set_member_name (builder, "max_output");
      json_builder_add_int_value (builder, 1024);
      json_builder_set_member_name (builder, "price");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "input");
      json_builder_add_string_value (builder, "1.00");
      json_builder_set_member_name (builder, "output");
      json_builder_add_string_value (builder, "2.00");
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "capabilities");
      json_builder_begin_array (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  g_assert_true (json_generator_to_file (generator, path, &error));
  g_assert_no_error (error);
  g_assert_true (tg_catalog_load_file (fixture->catalog, file, &error));
  g_assert_no_error (error);
}

static void
on_check_completed (TgHealthMonitor *monitor,
                    const char      *provider_id,
                    TgHealthRecord  *record,
                    gpointer         user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpstr (provider_id, ==, record->provider_id);
  g_ptr_array_add (fixture->records, tg_health_record_copy (record));
}

static void
on_status_changed (TgHealthMonitor *monitor,
                   const char      *provider_id,
                   int              old,
                   int              status,
                   gpointer         user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpint (old, !=, status);
  g_ptr_array_add (fixture->changes, g_strdup_printf ("%s:%s>%s", provider_id,
                                                      tg_health_status_to_string (old),
                                                      tg_health_status_to_string (status)));
}

static TgHealthMonitor *
fixture_new_monitor (Fixture *fixture)
{
  TgHealthMonitor *monitor = tg_health_monitor_new (fixture->db, fixture->catalog, fixture->secrets);

  tg_health_monitor_set_clock (monitor, fixture_clock, fixture);
  tg_health_monitor_set_network_monitor (monitor, G_NETWORK_MONITOR (fixture->network));
  g_signal_connect (monitor, "check-completed", G_CALLBACK (on_check_completed), fixture);
  g_signal_connect (monitor, "status-changed", G_CALLBACK (on_status_changed), fixture);
  return monitor;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = tg_test_make_data_dir ();
  fixture->now = T0;
  fixture->records = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_health_record_free);
  fixture->changes = g_ptr_array_new_with_free_func (g_free);
  fixture->mock = tg_mock_provider_new ();
  g_assert_true (tg_mock_provider_start (fixture->mock, 0, &error));
  g_assert_no_error (error);

  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  fixture->catalog = tg_catalog_new ();
  write_catalog (fixture);

  fixture->secrets = tg_secret_store_new ();
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      if (providers[i].keyed)
        tg_secret_store_store_sync (fixture->secrets, providers[i].id, "sk-health-test-1234", NULL, &error);
      else
        tg_secret_store_delete_sync (fixture->secrets, providers[i].id, NULL, NULL, &error);
      g_assert_no_error (error);
    }

  fixture->network = g_object_new (TEST_TYPE_NETWORK_MONITOR, NULL);
  fixture->monitor = fixture_new_monitor (fixture);
}

static void spin (guint ms);

static void
finish_monitor (TgHealthMonitor **monitor)
{
  GWeakRef weak;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GObject *alive;

  tg_health_monitor_stop (*monitor);
  g_weak_ref_init (&weak, *monitor);
  g_clear_object (monitor);
  /* Checks in flight hold the monitor until their cancellation arrives. */
  while ((alive = g_weak_ref_get (&weak)) != NULL && g_get_monotonic_time () < deadline)
    {
      g_object_unref (alive);
      spin (10);
    }
  g_assert_null (alive);
  g_weak_ref_clear (&weak);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  /* Whatever happened, no check spent money. */
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    g_assert_cmpuint (tg_mock_provider_get_request_count (fixture->mock, providers[i].mock,
                                                          TG_MOCK_ENDPOINT_COMPLETION), ==, 0);

  finish_monitor (&fixture->monitor);
  g_clear_object (&fixture->network);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->catalog);
  g_clear_object (&fixture->db);
  tg_mock_provider_stop (fixture->mock);
  g_clear_object (&fixture->mock);
  g_clear_pointer (&fixture->records, g_ptr_array_unref);
  g_clear_pointer (&fixture->changes, g_ptr_array_unref);
  g_clear_pointer (&fixture->dir, g_free);
}

/* Helpers */

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} CheckOutcome;

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CheckOutcome *outcome = user_data;

  outcome->ok = tg_health_monitor_check_finish (TG_HEALTH_MONITOR (source), result, &outcome->error);
  outcome->done = TRUE;
}

/* One check_async () of @provider_id (NULL: all), run to completion. */
static gboolean
run_check (Fixture     *fixture,
           const char  *provider_id,
           GError     **error)
{
  CheckOutcome outcome = { 0 };

  tg_health_monitor_check_async (fixture->monitor, provider_id, NULL, check_done_cb, &outcome);
  while (!outcome.done)
    g_main_context_iteration (NULL, TRUE);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);
  return outcome.ok;
}

static void
check_ok (Fixture    *fixture,
          const char *provider_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (run_check (fixture, provider_id, &error));
  g_assert_no_error (error);
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms. */
static void
spin (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

static guint
list_count (Fixture *fixture,
            guint    provider)
{
  return tg_mock_provider_get_request_count (fixture->mock, providers[provider].mock,
                                             TG_MOCK_ENDPOINT_LIST_MODELS);
}

/* Runs the main loop until @provider's list-models count reaches @count (or 10 s). */
static void
wait_for_list_count (Fixture *fixture,
                     guint    provider,
                     guint    count)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (list_count (fixture, provider) < count && g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpuint (list_count (fixture, provider), >=, count);
}

static guint
records_of (Fixture    *fixture,
            const char *provider_id)
{
  guint n = 0;

  for (guint i = 0; i < fixture->records->len; i++)
    if (g_str_equal (((TgHealthRecord *) fixture->records->pdata[i])->provider_id, provider_id))
      n++;
  return n;
}

static TgHealthRecord *
last_record (Fixture *fixture)
{
  g_assert_cmpuint (fixture->records->len, >, 0);
  return g_ptr_array_index (fixture->records, fixture->records->len - 1);
}

static GPtrArray *
db_rows (Fixture    *fixture,
         const char *provider_id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = tg_db_list_health (fixture->db, provider_id, 0, G_MAXINT64, 0, &error);

  g_assert_no_error (error);
  return rows;
}

static void
assert_changes (Fixture            *fixture,
                const char * const *expected)
{
  guint n = expected != NULL ? g_strv_length ((char **) expected) : 0;

  for (guint i = 0; i < fixture->changes->len; i++)
    g_test_message ("status change %u: %s", i, (char *) fixture->changes->pdata[i]);
  g_assert_cmpuint (fixture->changes->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->changes, i), ==, expected[i]);
}

/* Trips on the third failure in a row (the rate needs 10 calls); 1 s open, doubling. */
static const TgCircuitBreakerConfig trip_at_three = { 20, 10, 50, 3, 1000, 8000, 1 };

#define CHANGES(...) ((const char * const []) { __VA_ARGS__, NULL })

static void
set_failing (Fixture      *fixture,
             TgMockFormat  format,
             guint         status)
{
  TgMockReply reply = { .status = status };

  tg_mock_provider_set_default_reply (fixture->mock, format, status ? &reply : NULL);
}

/* Tests */

static void
test_strings (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  TgProviderHealth health = { .provider_id = (char *) "x", .status = TG_HEALTH_STATUS_DOWN,
                              .latency_p50_ms = 12, .last_error_class = (char *) "server",
                              .last_error = (char *) "Boom" };
  g_autoptr(TgProviderHealth) copy = tg_provider_health_copy (&health);

  g_assert_cmpstr (tg_health_status_to_string (TG_HEALTH_STATUS_UNKNOWN), ==, "unknown");
  g_assert_cmpstr (tg_health_status_to_string (TG_HEALTH_STATUS_HEALTHY), ==, "healthy");
  g_assert_cmpstr (tg_health_status_to_string (TG_HEALTH_STATUS_DEGRADED), ==, "degraded");
  g_assert_cmpstr (tg_health_status_to_string (TG_HEALTH_STATUS_DOWN), ==, "down");
  g_assert_null (tg_health_status_to_string ((TgHealthStatus) 9));
  g_assert_cmpstr (tg_health_status_get_label (TG_HEALTH_STATUS_DEGRADED), ==, "Degraded");
  g_assert_cmpstr (tg_health_status_get_label ((TgHealthStatus) 9), ==, "Unknown");

  g_assert_cmpstr (copy->provider_id, ==, "x");
  g_assert_true (copy->provider_id != health.provider_id);
  g_assert_cmpint (copy->status, ==, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpint (copy->latency_p50_ms, ==, 12);
  g_assert_cmpstr (copy->last_error_class, ==, "server");
  g_assert_cmpstr (copy->last_error, ==, "Boom");
  g_assert_true (G_TYPE_IS_BOXED (TG_TYPE_PROVIDER_HEALTH));
}

static void
test_properties (Fixture       *fixture,
                 gconstpointer  user_data)
{
  guint interval = 0, timeout = 0, slow = 0;
  gboolean paused = TRUE;

  g_object_get (fixture->monitor, "interval", &interval, "paused", &paused,
                "check-timeout", &timeout, "slow-threshold", &slow, NULL);
  g_assert_cmpuint (interval, ==, 300);
  g_assert_false (paused);
  g_assert_cmpuint (timeout, ==, 10000);
  g_assert_cmpuint (slow, ==, 3000);

  tg_health_monitor_set_interval (fixture->monitor, 60);
  tg_health_monitor_set_paused (fixture->monitor, TRUE);
  g_assert_cmpuint (tg_health_monitor_get_interval (fixture->monitor), ==, 60);
  g_assert_true (tg_health_monitor_get_paused (fixture->monitor));
  g_object_get (fixture->monitor, "interval", &interval, "paused", &paused, NULL);
  g_assert_cmpuint (interval, ==, 60);
  g_assert_true (paused);

  /* Out of range: the nearest allowed value, not a crash. */
  tg_health_monitor_set_interval (fixture->monitor, 0);
  g_assert_cmpuint (tg_health_monitor_get_interval (fixture->monitor), ==, 1);
}

static void
test_healthy (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(TgProviderHealth) before = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_autoptr(TgProviderHealth) health = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  TgHealthRecord *record;

  g_assert_cmpint (before->status, ==, TG_HEALTH_STATUS_UNKNOWN);
  g_assert_cmpint (before->latency_p50_ms, ==, -1);
  g_assert_cmpint (before->last_check_ms, ==, 0);

  check_ok (fixture, "health-openai");
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);

  /* The request was list-models, with the key. */
  {
    g_autofree char *path = tg_mock_provider_get_last_request_path (fixture->mock, TG_MOCK_FORMAT_OPENAI,
                                                                    TG_MOCK_ENDPOINT_LIST_MODELS);
    g_autoptr(SoupMessageHeaders) headers = tg_mock_provider_get_last_request_headers (fixture->mock, TG_MOCK_FORMAT_OPENAI,
                                                                                       TG_MOCK_ENDPOINT_LIST_MODELS);
    g_assert_cmpstr (path, ==, "/v1/models");
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Authorization"), ==, "Bearer sk-health-test-1234");
  }

  g_assert_cmpuint (fixture->records->len, ==, 1);
  record = last_record (fixture);
  g_assert_cmpint (record->kind, ==, TG_HEALTH_CHECK_ACTIVE);
  g_assert_true (record->ok);
  g_assert_cmpint (record->time_ms, ==, T0);
  g_assert_cmpuint (record->http_status, ==, 200);
  g_assert_cmpint (record->latency_ms, >=, 0);
  g_assert_null (record->error_class);
  g_assert_cmpint (record->circuit_state, ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpint (record->id, >, 0);

  rows = db_rows (fixture, "health-openai");
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((TgHealthRecord *) rows->pdata[0])->id, ==, record->id);
  g_assert_cmpint (((TgHealthRecord *) rows->pdata[0])->kind, ==, TG_HEALTH_CHECK_ACTIVE);

  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_HEALTHY);
  g_assert_cmpint (health->circuit, ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpint (health->latency_p50_ms, ==, record->latency_ms);
  g_assert_cmpint (health->latency_p95_ms, ==, record->latency_ms);
  g_assert_cmpfloat (health->error_rate, ==, 0.0);
  g_assert_cmpuint (health->n_samples, ==, 1);
  g_assert_cmpint (health->last_check_ms, ==, T0);
  g_assert_cmpint (health->last_ok_ms, ==, T0);
  g_assert_null (health->last_error_class);

  /* More good checks: still one status change in all. */
  fixture->now += 1000;
  check_ok (fixture, "health-openai");
  check_ok (fixture, "health-openai");
  assert_changes (fixture, CHANGES ("health-openai:unknown>healthy"));
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
}

static void
test_all_formats_and_eligibility (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GPtrArray) list = NULL;

  check_ok (fixture, NULL);

  /* The two with a key and the keyless local one; not the one without a key. */
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 1);
  g_assert_cmpuint (list_count (fixture, GEMINI), ==, 0);
  g_assert_cmpuint (list_count (fixture, OLLAMA), ==, 1);
  g_assert_cmpuint (fixture->records->len, ==, 3);
  g_assert_cmpuint (records_of (fixture, "health-gemini"), ==, 0);

  /* Anthropic's check carried its own headers. */
  {
    g_autoptr(SoupMessageHeaders) headers = tg_mock_provider_get_last_request_headers (fixture->mock, TG_MOCK_FORMAT_ANTHROPIC,
                                                                                       TG_MOCK_ENDPOINT_LIST_MODELS);
    g_assert_cmpstr (soup_message_headers_get_one (headers, "x-api-key"), ==, "sk-health-test-1234");
  }

  list = tg_health_monitor_list (fixture->monitor);
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (providers));
  for (guint i = 0; i < list->len; i++)
    {
      TgProviderHealth *health = g_ptr_array_index (list, i);

      g_assert_cmpstr (health->provider_id, ==, providers[i].id);
      g_assert_cmpint (health->status, ==, i == GEMINI ? TG_HEALTH_STATUS_UNKNOWN : TG_HEALTH_STATUS_HEALTHY);
    }
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_HEALTHY);

  /* The filter: only the enabled ones. */
  tg_health_monitor_set_enabled_providers (fixture->monitor, (const char *[]) { "health-anthropic", "health-gemini", NULL });
  check_ok (fixture, NULL);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 2);
  g_assert_cmpuint (list_count (fixture, GEMINI), ==, 0);
  g_assert_cmpuint (list_count (fixture, OLLAMA), ==, 1);

  /* Empty again: every eligible one. */
  tg_health_monitor_set_enabled_providers (fixture->monitor, NULL);
  check_ok (fixture, NULL);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 2);
  g_assert_cmpuint (list_count (fixture, OLLAMA), ==, 2);
}

static void
test_check_errors (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GError) unknown = NULL;
  g_autoptr(GError) no_key = NULL;

  g_assert_false (run_check (fixture, "nosuch", &unknown));
  g_assert_error (unknown, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (unknown->message, "“nosuch”"));

  g_assert_false (run_check (fixture, "health-gemini", &no_key));
  g_assert_error (no_key, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (no_key->message, "no API key"));

  g_assert_cmpuint (fixture->records->len, ==, 0);
  g_assert_cmpuint (list_count (fixture, GEMINI), ==, 0);
  assert_changes (fixture, NULL);
}

static void
test_degraded_by_errors (Fixture       *fixture,
                         gconstpointer  user_data)
{
  TgMockReply overloaded = { .status = 503 };
  g_autoptr(TgProviderHealth) health = NULL;
  TgHealthRecord *record;

  for (guint i = 0; i < 4; i++)
    check_ok (fixture, "health-openai");
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* One failure in five is 20 %: degraded, exactly at the threshold. */
  tg_mock_provider_enqueue_list_models (fixture->mock, TG_MOCK_FORMAT_OPENAI, &overloaded);
  check_ok (fixture, "health-openai");
  record = last_record (fixture);
  g_assert_false (record->ok);
  g_assert_cmpstr (record->error_class, ==, "overloaded");
  g_assert_cmpuint (record->http_status, ==, 503);
  g_assert_cmpint (record->circuit_state, ==, TG_CIRCUIT_CLOSED);

  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_DEGRADED);
  g_assert_cmpfloat_with_epsilon (health->error_rate, 0.2, 1e-9);
  g_assert_cmpuint (health->n_samples, ==, 5);
  g_assert_cmpstr (health->last_error_class, ==, "overloaded");
  g_assert_nonnull (health->last_error);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  assert_changes (fixture, CHANGES ("health-openai:unknown>healthy", "health-openai:healthy>degraded"));
}

static void
test_degraded_when_slow (Fixture       *fixture,
                         gconstpointer  user_data)
{
  TgMockReply slow = { .first_byte_delay_ms = 300 };
  g_autoptr(TgProviderHealth) health = NULL;

  g_object_set (fixture->monitor, "slow-threshold", 250, NULL);

  check_ok (fixture, "health-openai");
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* A slow answer: p95 over the threshold. */
  tg_mock_provider_enqueue_list_models (fixture->mock, TG_MOCK_FORMAT_OPENAI, &slow);
  fixture->now += 60000;
  check_ok (fixture, "health-openai");
  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_DEGRADED);
  g_assert_cmpint (health->latency_p95_ms, >=, 300);
  g_assert_cmpint (health->latency_p50_ms, <, 250);
  g_assert_cmpfloat (health->error_rate, ==, 0.0);
  g_assert_true (last_record (fixture)->ok);

  /* Slow passive results do not count: a completion takes as long as its answer. */
  tg_health_monitor_report (fixture->monitor, "health-ollama", TRUE, 60000, 200, NULL);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-ollama"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* Two hours on, the slow sample is stale; fast answers make it healthy. */
  fixture->now += 2 * HOUR_MS;
  check_ok (fixture, "health-openai");
  g_clear_pointer (&health, tg_provider_health_free);
  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_HEALTHY);
  g_assert_cmpuint (health->n_samples, ==, 1);
  g_assert_cmpint (health->latency_p95_ms, <, 250);
  assert_changes (fixture, CHANGES ("health-openai:unknown>healthy", "health-openai:healthy>degraded",
                                    "health-ollama:unknown>healthy", "health-openai:degraded>healthy"));
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  user_data)
{
  TgMockReply stuck = { .first_byte_delay_ms = 2000 };
  TgHealthRecord *record;

  tg_health_monitor_set_check_timeout (fixture->monitor, 150);
  tg_mock_provider_enqueue_list_models (fixture->mock, TG_MOCK_FORMAT_OPENAI, &stuck);
  check_ok (fixture, "health-openai");

  record = last_record (fixture);
  g_assert_false (record->ok);
  g_assert_cmpstr (record->error_class, ==, "timeout");
  g_assert_cmpint (record->latency_ms, ==, -1);
  g_assert_cmpuint (record->http_status, ==, 0);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_DEGRADED);
}

static void
test_down_and_recovery (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(TgProviderHealth) health = NULL;

  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_three);
  check_ok (fixture, "health-openai");

  set_failing (fixture, TG_MOCK_FORMAT_OPENAI, 500);
  check_ok (fixture, "health-openai");
  check_ok (fixture, "health-openai");
  /* Two failures: degraded, circuit still closed, requests still go. */
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_DEGRADED);
  g_assert_cmpint (last_record (fixture)->circuit_state, ==, TG_CIRCUIT_CLOSED);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  /* The third: the circuit opens, the provider is down, requests are refused. */
  check_ok (fixture, "health-openai");
  g_assert_cmpstr (last_record (fixture)->error_class, ==, "server");
  g_assert_cmpint (last_record (fixture)->circuit_state, ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_DOWN);
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_DOWN);

  /* Half-open after the wait: one probe goes, the next caller waits. */
  fixture->now += 999;
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  fixture->now += 1;
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  /* The probe fails: open again, for twice as long. */
  check_ok (fixture, "health-openai");
  g_assert_cmpint (last_record (fixture)->circuit_state, ==, TG_CIRCUIT_OPEN);
  fixture->now += 1999;
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  fixture->now += 1;
  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->circuit, ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_DOWN);

  /* The provider recovers: the next check closes the circuit; healthy again. */
  set_failing (fixture, TG_MOCK_FORMAT_OPENAI, 0);
  check_ok (fixture, "health-openai");
  g_assert_cmpint (last_record (fixture)->circuit_state, ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_HEALTHY);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  assert_changes (fixture, CHANGES ("health-openai:unknown>healthy", "health-openai:healthy>degraded",
                                    "health-openai:degraded>down", "health-openai:down>healthy"));

  /* The store has every check with the circuit after it. */
  rows = db_rows (fixture, "health-openai");
  g_assert_cmpuint (rows->len, ==, 6);
  {
    static const TgCircuitState expected[] = { TG_CIRCUIT_CLOSED, TG_CIRCUIT_CLOSED, TG_CIRCUIT_CLOSED,
                                               TG_CIRCUIT_OPEN, TG_CIRCUIT_OPEN, TG_CIRCUIT_CLOSED };
    for (guint i = 0; i < rows->len; i++)
      {
        /* Newest first from the store. */
        TgHealthRecord *row = g_ptr_array_index (rows, rows->len - 1 - i);

        g_assert_cmpint (row->circuit_state, ==, expected[i]);
        g_assert_cmpint (row->kind, ==, TG_HEALTH_CHECK_ACTIVE);
      }
  }
}

static void
test_passive (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GPtrArray) rows = NULL;
  TgHealthRecord *record;

  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_three);

  tg_health_monitor_report (fixture->monitor, "health-anthropic", TRUE, 800, 200, NULL);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-anthropic"), ==, TG_HEALTH_STATUS_HEALTHY);
  record = last_record (fixture);
  g_assert_cmpint (record->kind, ==, TG_HEALTH_CHECK_PASSIVE);
  g_assert_cmpint (record->latency_ms, ==, 800);

  /* The caller's and the key's failures are not the provider's: nothing happens. */
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 100, 401, "auth");
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 100, 400, "bad-request");
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, -1, 0, "cancelled");
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 100, 401, "auth");
  g_assert_cmpuint (fixture->records->len, ==, 1);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-anthropic"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* Provider-side failures count: rate-limited, then two more trip the circuit. */
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 50, 429, "rate-limited");
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-anthropic"), ==, TG_HEALTH_STATUS_DEGRADED);
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 50, 529, "overloaded");
  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, -1, 0, "network");
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-anthropic"), ==, TG_HEALTH_STATUS_DOWN);
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-anthropic"));
  record = last_record (fixture);
  g_assert_cmpstr (record->error_class, ==, "network");
  g_assert_cmpint (record->circuit_state, ==, TG_CIRCUIT_OPEN);
  g_assert_cmpint (record->latency_ms, ==, -1);
  g_assert_cmpuint (record->http_status, ==, 0);

  /* A passive probe through the half-open circuit closes it. */
  fixture->now += 1000;
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-anthropic"));
  tg_health_monitor_report (fixture->monitor, "health-anthropic", TRUE, 700, 200, NULL);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-anthropic"), ==, TG_HEALTH_STATUS_HEALTHY);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-anthropic"));

  /* Odd input does not crash: a bogus status and an ok with a class. */
  tg_health_monitor_report (fixture->monitor, "health-anthropic", TRUE, -5, 7, "server");
  record = last_record (fixture);
  g_assert_true (record->ok);
  g_assert_null (record->error_class);
  g_assert_cmpuint (record->http_status, ==, 0);
  g_assert_cmpint (record->latency_ms, ==, -1);

  rows = db_rows (fixture, "health-anthropic");
  g_assert_cmpuint (rows->len, ==, 6);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpint (((TgHealthRecord *) rows->pdata[i])->kind, ==, TG_HEALTH_CHECK_PASSIVE);
  /* Passive reports send nothing. */
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 0);
}

static void
test_auth_failure_not_counted (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autoptr(TgProviderHealth) health = NULL;
  TgHealthRecord *record;

  /* The key is refused: recorded for people to see, but not held against the provider. */
  tg_mock_provider_set_expected_key (fixture->mock, TG_MOCK_FORMAT_OPENAI, "sk-another-key");
  for (guint i = 0; i < 6; i++)
    check_ok (fixture, "health-openai");

  record = last_record (fixture);
  g_assert_false (record->ok);
  g_assert_cmpstr (record->error_class, ==, "auth");
  g_assert_cmpuint (record->http_status, ==, 401);
  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_UNKNOWN);
  g_assert_cmpint (health->circuit, ==, TG_CIRCUIT_CLOSED);
  g_assert_cmpuint (health->n_samples, ==, 0);
  g_assert_cmpstr (health->last_error_class, ==, "auth");
  g_assert_cmpuint (fixture->records->len, ==, 6);
  assert_changes (fixture, NULL);
}

static void
test_network_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  check_ok (fixture, "health-openai");
  g_assert_cmpuint (fixture->changes->len, ==, 1);

  test_network_monitor_set_available (fixture->network, FALSE);

  /* Nothing goes out to the remote providers and nothing is recorded;
   * the local server is still checked. */
  check_ok (fixture, NULL);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 0);
  g_assert_cmpuint (list_count (fixture, OLLAMA), ==, 1);
  g_assert_cmpuint (records_of (fixture, "health-openai"), ==, 1);
  g_assert_cmpuint (records_of (fixture, "health-anthropic"), ==, 0);
  assert_changes (fixture, CHANGES ("health-openai:unknown>healthy", "health-ollama:unknown>healthy"));

  g_assert_false (run_check (fixture, "health-openai", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* The periodic checks pause too: only the filter's provider, 1 s interval. */
  tg_health_monitor_set_enabled_providers (fixture->monitor, (const char *[]) { "health-openai", NULL });
  tg_health_monitor_set_interval (fixture->monitor, 1);
  tg_health_monitor_start (fixture->monitor);
  spin (2500);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);
  g_assert_cmpuint (records_of (fixture, "health-openai"), ==, 1);
  g_assert_cmpuint (fixture->changes->len, ==, 2);

  /* Back online: checks resume soon. Wait for the check to be recorded, not
   * only to reach the mock: stopping in between cuts it short. */
  test_network_monitor_set_available (fixture->network, TRUE);
  wait_for_list_count (fixture, OPENAI, 2);
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (records_of (fixture, "health-openai") < 2 && g_get_monotonic_time () < deadline)
      spin (20);
  }
  tg_health_monitor_stop (fixture->monitor);
  spin (100);
  /* (A check cut short by the stop is counted by the mock but not recorded.) */
  rows = db_rows (fixture, "health-openai");
  g_assert_cmpuint (rows->len, ==, records_of (fixture, "health-openai"));
  g_assert_cmpuint (rows->len, >=, 2);
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 0);
}

static void
test_periodic (Fixture       *fixture,
               gconstpointer  user_data)
{
  guint openai, ollama;

  tg_health_monitor_set_enabled_providers (fixture->monitor, (const char *[]) { "health-openai", "health-ollama", "health-gemini", NULL });
  tg_health_monitor_set_interval (fixture->monitor, 1);
  tg_health_monitor_start (fixture->monitor);

  /* First checks within the first interval, then about one a second. */
  wait_for_list_count (fixture, OPENAI, 3);
  wait_for_list_count (fixture, OLLAMA, 3);
  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 0);  /* keyed, not enabled */
  g_assert_cmpuint (list_count (fixture, GEMINI), ==, 0);     /* enabled, no key */
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_HEALTHY);

  /* Paused: nothing more goes out. */
  tg_health_monitor_set_paused (fixture->monitor, TRUE);
  spin (300);  /* a check already out may still land */
  openai = list_count (fixture, OPENAI);
  ollama = list_count (fixture, OLLAMA);
  spin (2200);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, openai);
  g_assert_cmpuint (list_count (fixture, OLLAMA), ==, ollama);

  /* Resumed, then stopped: nothing after the stop. */
  tg_health_monitor_set_paused (fixture->monitor, FALSE);
  wait_for_list_count (fixture, OPENAI, openai + 1);
  tg_health_monitor_stop (fixture->monitor);
  spin (300);
  openai = list_count (fixture, OPENAI);
  spin (2200);
  g_assert_cmpuint (list_count (fixture, OPENAI), ==, openai);

  /* Every check is a row. */
  {
    g_autoptr(GPtrArray) rows = db_rows (fixture, "health-openai");
    g_assert_cmpuint (rows->len, ==, records_of (fixture, "health-openai"));
    g_assert_cmpuint (rows->len, >=, 3);
  }
}

static void
insert_row (Fixture    *fixture,
            const char *provider_id,
            gint64      time_ms,
            gboolean    ok,
            TgCircuitState circuit)
{
  g_autoptr(TgHealthRecord) row = tg_health_record_new ();
  g_autoptr(GError) error = NULL;

  row->time_ms = time_ms;
  row->provider_id = g_strdup (provider_id);
  row->kind = TG_HEALTH_CHECK_ACTIVE;
  row->ok = ok;
  row->latency_ms = ok ? 120 : -1;
  row->http_status = ok ? 200 : 0;
  row->error_class = ok ? NULL : g_strdup ("timeout");
  row->circuit_state = circuit;
  g_assert_true (tg_db_insert_health (fixture->db, row, &error));
  g_assert_no_error (error);
}

static void
test_retention (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GPtrArray) after_start = NULL;
  g_autoptr(GPtrArray) same_day = NULL;
  g_autoptr(GPtrArray) next_day = NULL;

  insert_row (fixture, "health-openai", T0 - 31 * DAY_MS, TRUE, TG_CIRCUIT_CLOSED);
  insert_row (fixture, "health-openai", T0 - 29 * DAY_MS, TRUE, TG_CIRCUIT_CLOSED);

  /* Start prunes what is past 30 days. */
  tg_health_monitor_set_paused (fixture->monitor, TRUE);
  tg_health_monitor_start (fixture->monitor);
  after_start = db_rows (fixture, "health-openai");
  g_assert_cmpuint (after_start->len, ==, 1);
  g_assert_cmpint (((TgHealthRecord *) after_start->pdata[0])->time_ms, ==, T0 - 29 * DAY_MS);

  /* At most once a day: an hour later the new old row stays. */
  fixture->now += HOUR_MS;
  insert_row (fixture, "health-ollama", T0 - 40 * DAY_MS, TRUE, TG_CIRCUIT_CLOSED);
  tg_health_monitor_report (fixture->monitor, "health-ollama", TRUE, 10, 200, NULL);
  same_day = db_rows (fixture, "health-ollama");
  g_assert_cmpuint (same_day->len, ==, 2);

  /* Two days on, the next result prunes both the 40-day row and the 29-day one (now 31). */
  fixture->now += 2 * DAY_MS;
  tg_health_monitor_report (fixture->monitor, "health-ollama", TRUE, 10, 200, NULL);
  next_day = db_rows (fixture, NULL);
  g_assert_cmpuint (next_day->len, ==, 2);
  for (guint i = 0; i < next_day->len; i++)
    g_assert_cmpstr (((TgHealthRecord *) next_day->pdata[i])->provider_id, ==, "health-ollama");
}

static void
test_restore (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(TgProviderHealth) health = NULL;
  g_autoptr(TgProviderHealth) stale = NULL;

  /* One monitor trips the circuit; it ends. */
  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_three);
  tg_health_monitor_report (fixture->monitor, "health-openai", TRUE, 100, 200, NULL);
  for (guint i = 0; i < 3; i++)
    tg_health_monitor_report (fixture->monitor, "health-openai", FALSE, -1, 0, "timeout");
  tg_health_monitor_report (fixture->monitor, "health-ollama", TRUE, 100, 200, NULL);
  finish_monitor (&fixture->monitor);

  /* The next one, after a restart, reads the store: open, down. */
  fixture->now += 500;
  fixture->monitor = fixture_new_monitor (fixture);
  g_ptr_array_set_size (fixture->changes, 0);
  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_three);
  health = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (health->status, ==, TG_HEALTH_STATUS_DOWN);
  g_assert_cmpint (health->circuit, ==, TG_CIRCUIT_OPEN);
  g_assert_cmpuint (health->n_samples, ==, 4);
  g_assert_cmpstr (health->last_error_class, ==, "timeout");
  g_assert_cmpint (health->last_ok_ms, ==, T0);
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-ollama"), ==, TG_HEALTH_STATUS_HEALTHY);
  /* The wait counts from the last row. */
  fixture->now += 500;
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  assert_changes (fixture, NULL);
  finish_monitor (&fixture->monitor);

  /* Much later, the old rows are stale: nothing is known. */
  fixture->now += 2 * HOUR_MS;
  fixture->monitor = fixture_new_monitor (fixture);
  stale = tg_health_monitor_get_health (fixture->monitor, "health-openai");
  g_assert_cmpint (stale->status, ==, TG_HEALTH_STATUS_UNKNOWN);
  g_assert_cmpint (stale->circuit, ==, TG_CIRCUIT_CLOSED);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_UNKNOWN);
}

static void
test_overall (Fixture       *fixture,
              gconstpointer  user_data)
{
  TgCircuitBreakerConfig trip_at_two = trip_at_three;

  trip_at_two.consecutive_failures = 2;
  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_two);
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_UNKNOWN);

  tg_health_monitor_report (fixture->monitor, "health-openai", TRUE, 100, 200, NULL);
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_HEALTHY);

  tg_health_monitor_report (fixture->monitor, "health-anthropic", FALSE, 100, 500, "server");
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_DEGRADED);

  tg_health_monitor_report (fixture->monitor, "health-ollama", FALSE, 100, 500, "server");
  tg_health_monitor_report (fixture->monitor, "health-ollama", FALSE, 100, 500, "server");
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_DOWN);

  /* Once the key list is known, only eligible providers count: with the
   * filter set to OpenAI alone, the others' states no longer matter. */
  tg_health_monitor_set_enabled_providers (fixture->monitor, (const char *[]) { "health-openai", NULL });
  check_ok (fixture, NULL);
  g_assert_cmpint (tg_health_monitor_get_overall_status (fixture->monitor), ==, TG_HEALTH_STATUS_HEALTHY);
}

static void
test_no_store (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(TgCatalog) catalog = tg_catalog_new_default (NULL);
  g_autoptr(TgSecretStore) secrets = tg_secret_store_new ();
  g_autoptr(TgHealthMonitor) monitor = tg_health_monitor_new (NULL, catalog, secrets);

  /* A broken store: results still count, nothing is kept. */
  tg_health_monitor_report (monitor, "openai", TRUE, 100, 200, NULL);
  g_assert_cmpint (tg_health_monitor_get_status (monitor, "openai"), ==, TG_HEALTH_STATUS_HEALTHY);
  g_assert_cmpint (tg_health_monitor_get_status (monitor, "anthropic"), ==, TG_HEALTH_STATUS_UNKNOWN);
  {
    g_autoptr(GPtrArray) history = tg_health_monitor_list_history (monitor, "openai", 10);
    g_assert_cmpuint (history->len, ==, 0);
  }
}

static void
test_history (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GPtrArray) none = tg_health_monitor_list_history (fixture->monitor, "health-openai", 0);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) last_two = NULL;

  g_assert_cmpuint (none->len, ==, 0);

  check_ok (fixture, "health-openai");
  fixture->now += 1000;
  tg_health_monitor_report (fixture->monitor, "health-openai", FALSE, 900, 500, "server");
  fixture->now += 1000;
  check_ok (fixture, "health-openai");
  check_ok (fixture, "health-anthropic");

  all = tg_health_monitor_list_history (fixture->monitor, "health-openai", 0);
  g_assert_cmpuint (all->len, ==, 3);
  /* Newest first, only this provider's, passive results included. */
  g_assert_cmpint (((TgHealthRecord *) all->pdata[0])->time_ms, ==, T0 + 2000);
  g_assert_cmpint (((TgHealthRecord *) all->pdata[0])->kind, ==, TG_HEALTH_CHECK_ACTIVE);
  g_assert_false (((TgHealthRecord *) all->pdata[1])->ok);
  g_assert_cmpint (((TgHealthRecord *) all->pdata[1])->kind, ==, TG_HEALTH_CHECK_PASSIVE);
  g_assert_cmpint (((TgHealthRecord *) all->pdata[1])->latency_ms, ==, 900);
  g_assert_cmpint (((TgHealthRecord *) all->pdata[2])->time_ms, ==, T0);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (((TgHealthRecord *) all->pdata[i])->provider_id, ==, "health-openai");

  last_two = tg_health_monitor_list_history (fixture->monitor, "health-openai", 2);
  g_assert_cmpuint (last_two->len, ==, 2);
  g_assert_cmpint (((TgHealthRecord *) last_two->pdata[0])->time_ms, ==, T0 + 2000);
  g_assert_cmpint (((TgHealthRecord *) last_two->pdata[1])->time_ms, ==, T0 + 1000);
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  user_data)
{
  TgHealthRecord *record;

  /* Nobody listens any more: a network failure, with no answer to time. */
  tg_mock_provider_stop (fixture->mock);
  check_ok (fixture, "health-openai");
  record = last_record (fixture);
  g_assert_false (record->ok);
  g_assert_cmpstr (record->error_class, ==, "network");
  g_assert_cmpint (record->latency_ms, ==, -1);
  g_assert_cmpuint (record->http_status, ==, 0);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_DEGRADED);
}

static gboolean
network_off_cb (gpointer user_data)
{
  test_network_monitor_set_available (user_data, FALSE);
  return G_SOURCE_REMOVE;
}

static void
test_network_lost_during_check (Fixture       *fixture,
                                gconstpointer  user_data)
{
  TgMockReply stuck = { .first_byte_delay_ms = 1500 };

  /* The check is out when the network goes; its timeout is not the provider's fault. */
  tg_health_monitor_set_check_timeout (fixture->monitor, 400);
  tg_mock_provider_enqueue_list_models (fixture->mock, TG_MOCK_FORMAT_OPENAI, &stuck);
  g_timeout_add (100, network_off_cb, fixture->network);
  check_ok (fixture, "health-openai");

  g_assert_cmpuint (list_count (fixture, OPENAI), ==, 1);
  g_assert_cmpuint (fixture->records->len, ==, 0);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_UNKNOWN);
  assert_changes (fixture, NULL);
  {
    g_autoptr(GPtrArray) rows = db_rows (fixture, NULL);
    g_assert_cmpuint (rows->len, ==, 0);
  }
}

/* Runs the main loop until @provider_id's status is @status (or 10 s). */
static void
wait_for_status (Fixture        *fixture,
                 const char     *provider_id,
                 TgHealthStatus  status)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (tg_health_monitor_get_status (fixture->monitor, provider_id) != status &&
         g_get_monotonic_time () < deadline)
    spin (20);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, provider_id), ==, status);
}

static void
test_periodic_scenario (Fixture       *fixture,
                        gconstpointer  user_data)
{
  TgCircuitBreakerConfig trip_at_two = trip_at_three;
  TgMockReply slow = { .first_byte_delay_ms = 300 };

  /* The periodic checks alone follow the provider through an outage. */
  trip_at_two.consecutive_failures = 2;
  tg_health_monitor_set_circuit_config (fixture->monitor, &trip_at_two);
  g_object_set (fixture->monitor, "slow-threshold", 250, NULL);
  tg_health_monitor_set_enabled_providers (fixture->monitor, (const char *[]) { "health-openai", NULL });
  tg_health_monitor_set_interval (fixture->monitor, 1);
  tg_health_monitor_start (fixture->monitor);
  wait_for_status (fixture, "health-openai", TG_HEALTH_STATUS_HEALTHY);

  /* It starts failing: down, and requests are refused. */
  set_failing (fixture, TG_MOCK_FORMAT_OPENAI, 502);
  wait_for_status (fixture, "health-openai", TG_HEALTH_STATUS_DOWN);
  g_assert_false (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  /* It recovers; once the circuit's wait is over the next check closes it. */
  set_failing (fixture, TG_MOCK_FORMAT_OPENAI, 0);
  spin (1500);
  g_assert_cmpint (tg_health_monitor_get_status (fixture->monitor, "health-openai"), ==, TG_HEALTH_STATUS_DOWN);
  fixture->now += 1000;
  wait_for_status (fixture, "health-openai", TG_HEALTH_STATUS_HEALTHY);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  /* It slows down: degraded. */
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, &slow);
  wait_for_status (fixture, "health-openai", TG_HEALTH_STATUS_DEGRADED);
  g_assert_true (tg_health_monitor_allow_request (fixture->monitor, "health-openai"));

  /* Fast again, and the slow results age out of the window. */
  tg_mock_provider_set_default_reply (fixture->mock, TG_MOCK_FORMAT_OPENAI, NULL);
  fixture->now += 2 * HOUR_MS;
  wait_for_status (fixture, "health-openai", TG_HEALTH_STATUS_HEALTHY);
  tg_health_monitor_stop (fixture->monitor);

  g_assert_cmpuint (list_count (fixture, ANTHROPIC), ==, 0);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/health-monitor/strings", test_strings);
  g_test_add_func ("/health-monitor/no-store", test_no_store);
  ADD ("/health-monitor/properties", test_properties);
  ADD ("/health-monitor/healthy", test_healthy);
  ADD ("/health-monitor/eligibility", test_all_formats_and_eligibility);
  ADD ("/health-monitor/check-errors", test_check_errors);
  ADD ("/health-monitor/degraded-by-errors", test_degraded_by_errors);
  ADD ("/health-monitor/degraded-when-slow", test_degraded_when_slow);
  ADD ("/health-monitor/timeout", test_timeout);
  ADD ("/health-monitor/down-and-recovery", test_down_and_recovery);
  ADD ("/health-monitor/passive", test_passive);
  ADD ("/health-monitor/auth-not-counted", test_auth_failure_not_counted);
  ADD ("/health-monitor/unreachable", test_unreachable);
  ADD ("/health-monitor/network-down", test_network_down);
  ADD ("/health-monitor/network-lost-during-check", test_network_lost_during_check);
  ADD ("/health-monitor/periodic", test_periodic);
  ADD ("/health-monitor/periodic-scenario", test_periodic_scenario);
  ADD ("/health-monitor/retention", test_retention);
  ADD ("/health-monitor/restore", test_restore);
  ADD ("/health-monitor/overall", test_overall);
  ADD ("/health-monitor/history", test_history);

  return g_test_run ();
}
