/* test-db.c: TgDb, the SQLite store. */

#include <string.h>
#include <time.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tg-db.h"
#include "tg-test-utils.h"
#include "tg-usage-test-utils.h"

GResource *tg_core_get_resource (void);

#define DAY_MS_FOR_TEST G_GINT64_CONSTANT (86400000)

/* Helpers */

static TgDb *
open_fresh_db (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autoptr(GError) error = NULL;
  TgDb *db = tg_db_open_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (db);
  return db;
}

/* A second, plain SQLite connection: what another process would see. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *raw = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &raw, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (raw, 5000);
  return raw;
}

static void
raw_exec (sqlite3    *raw,
          const char *sql)
{
  char *errmsg = NULL;

  if (sqlite3_exec (raw, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    g_error ("%s: %s", sql, errmsg);
}

static gint64
raw_int (sqlite3    *raw,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (raw, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
raw_text (sqlite3    *raw,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (raw, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* The whole schema as text, to compare before and after migrations. */
static char *
schema_dump (const char *path)
{
  sqlite3 *raw = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  GString *dump = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (raw, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (dump, "%s|%s|%s|%s\n",
                            sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                            sqlite3_column_text (stmt, 2), sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  sqlite3_close (raw);

  return g_string_free (dump, FALSE);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
list_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **) names->pdata);
}

static void
insert_usage (TgDb          *db,
              TgUsageRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tg_db_insert_usage (db, record, &error));
  g_assert_no_error (error);
  g_assert_cmpint (record->id, >, 0);
}

static GPtrArray *
aggregate (TgDb         *db,
           gint64        from_ms,
           gint64        to_ms,
           TgUsageGroup  group,
           GTimeZone    *tz)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *got = tg_db_aggregate_usage_tz (db, from_ms, to_ms, group, tz, &error);

  g_assert_no_error (error);
  g_assert_nonnull (got);
  return got;
}

/* Paths and opening */

static void
test_paths (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *data_dir = tg_db_get_data_dir ();
  g_autofree char *path = tg_db_get_default_path ();
  g_autofree char *expected = g_build_filename (dir, "tollgate.db", NULL);
  g_autofree char *xdg_dir = NULL;
  g_autofree char *xdg_expected = g_build_filename (g_get_user_data_dir (), "tollgate", NULL);

  g_assert_cmpstr (data_dir, ==, dir);
  g_assert_cmpstr (path, ==, expected);

  g_unsetenv ("TOLLGATE_DATA_DIR");
  xdg_dir = tg_db_get_data_dir ();
  g_assert_cmpstr (xdg_dir, ==, xdg_expected);
  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
}

static void
test_open_creates (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "a", "b", "tollgate.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autofree char *mode = NULL;
  sqlite3 *raw;

  db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (db);
  g_assert_cmpstr (tg_db_get_path (db), ==, path);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (tg_db_get_latest_version (), >=, 1);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, tg_db_get_latest_version ());

  raw = raw_open (path);
  mode = raw_text (raw, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, tg_db_get_latest_version ());
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                 "('user_ai_preferences', 'ai_provider_capabilities', "
                                 "'ai_usage_analytics', 'ai_provider_health')"), ==, 4);
  sqlite3_close (raw);

  /* Reopening keeps the data and does not migrate again. */
  {
    g_autoptr(TgPreferences) prefs = tg_preferences_new ();
    g_autoptr(TgPreferences) got = NULL;

    g_assert_true (tg_db_insert_preferences (db, prefs, &error));
    g_assert_no_error (error);
    g_clear_object (&db);

    db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    got = tg_db_get_preferences (db, "default", &error);
    g_assert_no_error (error);
    g_assert_nonnull (got);
  }
}

static void
test_open_foreign_keys (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(GError) error = NULL;

  /* foreign_keys=ON: a fallback_of that names no attempt is refused. */
  record->fallback_of = 424242;
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
}

/* Migrations */

static void
test_migrations_resource (void)
{
  g_auto(GStrv) names = NULL;
  int latest = tg_db_get_latest_version ();

  names = g_resource_enumerate_children (tg_core_get_resource (),
                                         "/io/github/tollgate/Tollgate/core/migrations/",
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert_nonnull (names);

  /* Every version from 1 to the latest ships as an up and down pair. */
  for (int version = 1; version <= latest; version++)
    {
      g_autofree char *prefix = g_strdup_printf ("%04d_", version);
      gboolean up = FALSE, down = FALSE;

      for (guint i = 0; names[i] != NULL; i++)
        {
          if (!g_str_has_prefix (names[i], prefix))
            continue;
          up |= g_str_has_suffix (names[i], ".up.sql");
          down |= g_str_has_suffix (names[i], ".down.sql");
        }

      g_assert_true (up);
      g_assert_true (down);
    }
}

static void
test_migrations_up_down_up (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  const char *path = tg_db_get_path (db);
  g_autofree char *schema_first = schema_dump (path);
  g_autofree char *schema_down = NULL;
  g_autofree char *schema_again = NULL;

  g_assert_nonnull (strstr (schema_first, "ai_usage_analytics"));

  /* Down to nothing: no table, index or trigger is left. */
  g_assert_true (tg_db_migrate (db, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, 0);
  schema_down = schema_dump (path);
  g_assert_cmpstr (schema_down, ==, "");

  /* And up again to the very same schema. */
  g_assert_true (tg_db_migrate (db, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, tg_db_get_latest_version ());
  schema_again = schema_dump (path);
  g_assert_cmpstr (schema_again, ==, schema_first);

  /* Statements cached before the round trip work against the new schema. */
  {
    g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 2, 0, FALSE, 3);
    g_autoptr(GPtrArray) list = NULL;

    insert_usage (db, record);
    list = tg_db_list_usage (db, 0, 2000, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 1);
  }

  /* Each step down and up on its own as well. */
  for (int version = tg_db_get_latest_version () - 1; version >= 0; version--)
    {
      g_assert_true (tg_db_migrate (db, version, &error));
      g_assert_no_error (error);
      g_assert_cmpint (tg_db_get_schema_version (db), ==, version);
    }
  for (int version = 1; version <= tg_db_get_latest_version (); version++)
    {
      g_assert_true (tg_db_migrate (db, version, &error));
      g_assert_no_error (error);
      g_assert_cmpint (tg_db_get_schema_version (db), ==, version);
    }
}

static void
test_migrations_no_migrate (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "tollgate.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;
  g_autofree char *schema = NULL;

  db = tg_db_open (path, TG_DB_OPEN_NO_MIGRATE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, 0);
  schema = schema_dump (path);
  g_assert_cmpstr (schema, ==, "");

  g_assert_true (tg_db_migrate (db, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, tg_db_get_latest_version ());
}

static void
test_migrations_invalid_target (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = schema_dump (tg_db_get_path (db));
  g_autofree char *after = NULL;
  int latest = tg_db_get_latest_version ();

  g_assert_false (tg_db_migrate (db, 999, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_MIGRATION);
  g_clear_error (&error);

  g_assert_false (tg_db_migrate (db, latest + 1, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_MIGRATION);
  g_clear_error (&error);

  g_assert_false (tg_db_migrate (db, -2, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_MIGRATION);
  g_clear_error (&error);

  g_assert_cmpint (tg_db_get_schema_version (db), ==, latest);
  after = schema_dump (tg_db_get_path (db));
  g_assert_cmpstr (after, ==, before);
}

static void
test_migrations_rollback (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  int latest = tg_db_get_latest_version ();
  g_autofree char *before = schema_dump (tg_db_get_path (db));
  g_autofree char *after = NULL;

  /* The first statement works, the second fails: neither it, the first
   * statement nor the new version number may remain. */
  g_assert_false (tg_db_apply_migration_sql (db, latest + 1,
                                             "CREATE TABLE half_done (x INTEGER);\n"
                                             "DROP TABLE user_ai_preferences;\n"
                                             "INSERT INTO no_such_table VALUES (1);",
                                             &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_MIGRATION);
  g_assert_nonnull (strstr (error->message, "no_such_table"));

  g_assert_cmpint (tg_db_get_schema_version (db), ==, latest);
  after = schema_dump (tg_db_get_path (db));
  g_assert_cmpstr (after, ==, before);

  /* A step that works sets the version with it. */
  g_clear_error (&error);
  g_assert_true (tg_db_apply_migration_sql (db, latest + 1, "CREATE TABLE extra (x INTEGER);", &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, latest + 1);
  g_assert_true (tg_db_apply_migration_sql (db, latest, "DROP TABLE extra;", &error));
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, latest);
}

/* Preferences */

static void
test_preferences_defaults (void)
{
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(TgPreferences) copy = NULL;
  TgPreferences *boxed;
  TgBudgetPeriod period;

  g_assert_cmpstr (prefs->profile, ==, "default");
  g_assert_null (prefs->default_provider);
  g_assert_null (prefs->default_model);
  g_assert_nonnull (prefs->fallback_order);
  g_assert_cmpuint (g_strv_length (prefs->fallback_order), ==, 0);
  g_assert_nonnull (prefs->enabled_providers);
  g_assert_cmpuint (g_strv_length (prefs->enabled_providers), ==, 0);
  g_assert_cmpint (prefs->budget_micros, ==, 0);
  g_assert_cmpint (prefs->budget_period, ==, TG_BUDGET_PERIOD_MONTHLY);
  g_assert_cmpuint (prefs->n_alert_thresholds, ==, 3);
  g_assert_cmpuint (prefs->alert_thresholds[0], ==, 50);
  g_assert_cmpuint (prefs->alert_thresholds[1], ==, 80);
  g_assert_cmpuint (prefs->alert_thresholds[2], ==, 100);
  g_assert_false (prefs->hard_limit);
  g_assert_cmpuint (prefs->health_check_interval_s, ==, 300);

  /* Deep copies, also through the boxed type. */
  g_strfreev (prefs->fallback_order);
  prefs->fallback_order = g_strsplit ("openai,anthropic", ",", -1);
  copy = tg_preferences_copy (prefs);
  g_assert_true (copy->fallback_order != prefs->fallback_order);
  g_assert_cmpstrv (copy->fallback_order, prefs->fallback_order);
  boxed = g_boxed_copy (TG_TYPE_PREFERENCES, prefs);
  g_assert_cmpstr (boxed->profile, ==, "default");
  g_boxed_free (TG_TYPE_PREFERENCES, boxed);

  g_assert_cmpstr (tg_budget_period_to_string (TG_BUDGET_PERIOD_DAILY), ==, "daily");
  g_assert_cmpstr (tg_budget_period_to_string (TG_BUDGET_PERIOD_WEEKLY), ==, "weekly");
  g_assert_cmpstr (tg_budget_period_to_string (TG_BUDGET_PERIOD_MONTHLY), ==, "monthly");
  g_assert_true (tg_budget_period_from_string ("weekly", &period));
  g_assert_cmpint (period, ==, TG_BUDGET_PERIOD_WEEKLY);
  g_assert_false (tg_budget_period_from_string ("yearly", &period));
  g_assert_false (tg_budget_period_from_string (NULL, &period));
}

static void
test_preferences_crud (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(TgPreferences) got = NULL;
  g_autoptr(GError) error = NULL;
  const char * const fallback[] = { "anthropic", "openai", "a \"quoted\" ünïcode/id", NULL };
  const char * const enabled[] = { "openai", NULL };

  /* Defaults round-trip, empty arrays included. */
  g_assert_true (tg_db_insert_preferences (db, prefs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (prefs->created_at_ms, >, 0);
  g_assert_cmpint (prefs->updated_at_ms, ==, prefs->created_at_ms);

  got = tg_db_get_preferences (db, "default", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->profile, ==, "default");
  g_assert_null (got->default_provider);
  g_assert_cmpuint (g_strv_length (got->fallback_order), ==, 0);
  g_assert_cmpuint (g_strv_length (got->enabled_providers), ==, 0);
  g_assert_cmpint (got->budget_period, ==, TG_BUDGET_PERIOD_MONTHLY);
  g_assert_cmpuint (got->n_alert_thresholds, ==, 3);
  g_assert_cmpuint (got->alert_thresholds[2], ==, 100);
  g_assert_cmpuint (got->health_check_interval_s, ==, 300);
  g_assert_cmpint (got->created_at_ms, ==, prefs->created_at_ms);
  g_clear_pointer (&got, tg_preferences_free);

  /* Everything changed. */
  g_free (prefs->default_provider);
  prefs->default_provider = g_strdup ("anthropic");
  g_free (prefs->default_model);
  prefs->default_model = g_strdup ("claude-sonnet-5");
  g_strfreev (prefs->fallback_order);
  prefs->fallback_order = g_strdupv ((char **) fallback);
  g_strfreev (prefs->enabled_providers);
  prefs->enabled_providers = g_strdupv ((char **) enabled);
  prefs->budget_micros = 25000000;
  prefs->budget_period = TG_BUDGET_PERIOD_WEEKLY;
  prefs->n_alert_thresholds = TG_MAX_ALERT_THRESHOLDS;
  for (guint i = 0; i < TG_MAX_ALERT_THRESHOLDS; i++)
    prefs->alert_thresholds[i] = 10 * (i + 1);
  prefs->hard_limit = TRUE;
  prefs->health_check_interval_s = 60;
  g_hash_table_insert (prefs->fallback_models, g_strdup ("openai"), g_strdup ("gpt-5-mini"));
  g_hash_table_insert (prefs->fallback_models, g_strdup ("anthropic"), g_strdup ("claude \"haiku\""));
  prefs->health_checks_paused = TRUE;

  g_assert_true (tg_db_update_preferences (db, prefs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (prefs->updated_at_ms, >=, prefs->created_at_ms);

  got = tg_db_get_preferences (db, "default", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->default_provider, ==, "anthropic");
  g_assert_cmpstr (got->default_model, ==, "claude-sonnet-5");
  g_assert_cmpstrv (got->fallback_order, fallback);
  g_assert_cmpstrv (got->enabled_providers, enabled);
  g_assert_cmpint (got->budget_micros, ==, 25000000);
  g_assert_cmpint (got->budget_period, ==, TG_BUDGET_PERIOD_WEEKLY);
  g_assert_cmpuint (got->n_alert_thresholds, ==, TG_MAX_ALERT_THRESHOLDS);
  for (guint i = 0; i < TG_MAX_ALERT_THRESHOLDS; i++)
    g_assert_cmpuint (got->alert_thresholds[i], ==, 10 * (i + 1));
  g_assert_true (got->hard_limit);
  g_assert_cmpuint (g_hash_table_size (got->fallback_models), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (got->fallback_models, "openai"), ==, "gpt-5-mini");
  g_assert_cmpstr (g_hash_table_lookup (got->fallback_models, "anthropic"), ==, "claude \"haiku\"");
  g_assert_true (got->health_checks_paused);
  g_assert_cmpuint (got->health_check_interval_s, ==, 60);
  g_assert_cmpint (got->created_at_ms, ==, prefs->created_at_ms);
  g_assert_cmpint (got->updated_at_ms, ==, prefs->updated_at_ms);
  g_clear_pointer (&got, tg_preferences_free);

  /* Nullable columns go back to NULL. */
  g_clear_pointer (&prefs->default_provider, g_free);
  g_assert_true (tg_db_update_preferences (db, prefs, &error));
  got = tg_db_get_preferences (db, "default", &error);
  g_assert_no_error (error);
  g_assert_null (got->default_provider);
  g_clear_pointer (&got, tg_preferences_free);

  /* A second profile, then deletes. */
  g_free (prefs->profile);
  prefs->profile = g_strdup ("work");
  g_assert_true (tg_db_insert_preferences (db, prefs, &error));
  g_assert_no_error (error);

  g_assert_true (tg_db_delete_preferences (db, "default", &error));
  g_assert_no_error (error);
  got = tg_db_get_preferences (db, "default", &error);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_assert_null (got);
  g_clear_error (&error);

  got = tg_db_get_preferences (db, "work", &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
}

static void
test_preferences_errors (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(TgPreferences) missing = tg_preferences_new ();
  g_autoptr(GError) error = NULL;

  g_free (missing->profile);
  missing->profile = g_strdup ("nobody");

  g_assert_false (tg_db_update_preferences (db, missing, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nobody"));
  g_clear_error (&error);

  g_assert_false (tg_db_delete_preferences (db, "nobody", &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tg_db_insert_preferences (db, prefs, &error));
  g_assert_no_error (error);

  /* The same profile twice. */
  g_assert_false (tg_db_insert_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);

  /* Values the schema refuses. */
  prefs->budget_micros = -1;
  g_assert_false (tg_db_update_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  prefs->budget_micros = 0;

  prefs->health_check_interval_s = 0;
  g_assert_false (tg_db_update_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  prefs->health_check_interval_s = 300;

  prefs->budget_period = 7;
  g_assert_false (tg_db_update_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  prefs->budget_period = TG_BUDGET_PERIOD_DAILY;

  prefs->n_alert_thresholds = TG_MAX_ALERT_THRESHOLDS + 1;
  g_assert_false (tg_db_update_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);

  g_free (missing->profile);
  missing->profile = g_strdup ("");
  g_assert_false (tg_db_insert_preferences (db, missing, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
}

/* Capabilities */

static TgModelCapabilities *
make_caps (const char *provider_id,
           const char *model_id,
           gint64      price_input)
{
  TgModelCapabilities *caps = tg_model_capabilities_new ();

  caps->provider_id = g_strdup (provider_id);
  caps->model_id = g_strdup (model_id);
  caps->display_name = g_strdup_printf ("%s %s", provider_id, model_id);
  caps->context_window = 400000;
  caps->max_output = 128000;
  caps->price_input_micros = price_input;
  caps->price_output_micros = price_input * 8;
  caps->price_cached_input_micros = price_input / 10;
  caps->capabilities = TG_CAPABILITY_STREAMING | TG_CAPABILITY_JSON;
  caps->source = TG_CAPABILITY_SOURCE_CATALOG;
  caps->catalog_date = g_strdup ("2025-08-07");

  return caps;
}

static void
test_capabilities (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgModelCapabilities) a = make_caps ("openai", "gpt-5", 1250000);
  g_autoptr(TgModelCapabilities) b = make_caps ("openai", "gpt-5-mini", 250000);
  g_autoptr(TgModelCapabilities) c = make_caps ("anthropic", "claude-haiku-4-5", 1000000);
  g_autoptr(TgModelCapabilities) got = NULL;
  g_autoptr(TgModelCapabilities) copy = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (tg_db_upsert_capabilities (db, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a->updated_at_ms, >, 0);
  g_assert_true (tg_db_upsert_capabilities (db, b, &error));
  g_assert_true (tg_db_upsert_capabilities (db, c, &error));
  g_assert_no_error (error);

  got = tg_db_get_capabilities (db, "openai", "gpt-5", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->provider_id, ==, "openai");
  g_assert_cmpstr (got->model_id, ==, "gpt-5");
  g_assert_cmpstr (got->display_name, ==, "openai gpt-5");
  g_assert_cmpint (got->context_window, ==, 400000);
  g_assert_cmpint (got->max_output, ==, 128000);
  g_assert_cmpint (got->price_input_micros, ==, 1250000);
  g_assert_cmpint (got->price_output_micros, ==, 10000000);
  g_assert_cmpint (got->price_cached_input_micros, ==, 125000);
  g_assert_cmpint (got->capabilities, ==, TG_CAPABILITY_STREAMING | TG_CAPABILITY_JSON);
  g_assert_cmpint (got->source, ==, TG_CAPABILITY_SOURCE_CATALOG);
  g_assert_cmpstr (got->catalog_date, ==, "2025-08-07");
  g_assert_cmpint (got->updated_at_ms, ==, a->updated_at_ms);
  copy = tg_model_capabilities_copy (got);
  g_assert_cmpstr (copy->display_name, ==, got->display_name);
  g_clear_pointer (&got, tg_model_capabilities_free);

  /* Upsert replaces: user override with every capability and no date. */
  a->price_input_micros = 1000000;
  a->capabilities = TG_CAPABILITY_STREAMING | TG_CAPABILITY_TOOLS | TG_CAPABILITY_VISION | TG_CAPABILITY_JSON;
  a->source = TG_CAPABILITY_SOURCE_USER;
  g_clear_pointer (&a->catalog_date, g_free);
  g_assert_true (tg_db_upsert_capabilities (db, a, &error));
  g_assert_no_error (error);
  got = tg_db_get_capabilities (db, "openai", "gpt-5", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->price_input_micros, ==, 1000000);
  g_assert_cmpint (got->capabilities, ==, a->capabilities);
  g_assert_cmpint (got->source, ==, TG_CAPABILITY_SOURCE_USER);
  g_assert_null (got->catalog_date);
  g_clear_pointer (&got, tg_model_capabilities_free);

  /* Lists are ordered by provider, then model. */
  list = tg_db_list_capabilities (db, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((TgModelCapabilities *) list->pdata[0])->model_id, ==, "claude-haiku-4-5");
  g_assert_cmpstr (((TgModelCapabilities *) list->pdata[1])->model_id, ==, "gpt-5");
  g_assert_cmpstr (((TgModelCapabilities *) list->pdata[2])->model_id, ==, "gpt-5-mini");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_capabilities (db, "openai", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_capabilities (db, "nobody", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Delete, then it is gone. */
  g_assert_true (tg_db_delete_capabilities (db, "openai", "gpt-5-mini", &error));
  g_assert_no_error (error);
  got = tg_db_get_capabilities (db, "openai", "gpt-5-mini", &error);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_assert_null (got);
  g_clear_error (&error);

  g_assert_false (tg_db_delete_capabilities (db, "openai", "gpt-5-mini", &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Refused values. */
  b->price_output_micros = -1;
  g_assert_false (tg_db_upsert_capabilities (db, b, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  b->price_output_micros = 0;

  g_free (b->catalog_date);
  b->catalog_date = g_strdup ("August 2025");
  g_assert_false (tg_db_upsert_capabilities (db, b, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);

  g_clear_pointer (&b->model_id, g_free);
  g_assert_false (tg_db_upsert_capabilities (db, b, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
}

/* Usage */

static void
test_usage_outcomes (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  const char * const valid[] = {
    "ok", "auth", "rate-limited", "overloaded", "server", "timeout",
    "network", "bad-request", "bad-response", "cancelled",
  };
  const char * const invalid[] = { "", "OK", "error", "rate_limited", "unknown", "ok " };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000 + i, "openai", "gpt-5", valid[i], 1, 1, 0, FALSE, 1);

      g_assert_true (tg_db_outcome_is_valid (valid[i]));
      /* The schema's CHECK accepts exactly the same list. */
      insert_usage (db, record);
    }

  g_assert_false (tg_db_outcome_is_valid (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", invalid[i], 1, 1, 0, FALSE, 1);
      g_autoptr(GError) error = NULL;

      g_assert_false (tg_db_outcome_is_valid (invalid[i]));
      g_assert_false (tg_db_insert_usage (db, record, &error));
      g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
    }
}

static void
test_usage_insert_list (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TgUsageRecord) first = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 100, 50, 10, FALSE, 1234);
  g_autoptr(TgUsageRecord) failed = tg_test_make_usage (2000, "openai", "gpt-5", "timeout", 100, 0, 0, TRUE, 0);
  g_autoptr(TgUsageRecord) fallback = tg_test_make_usage (2000, "anthropic", "claude-haiku-4-5", "ok", 90, 40, 0, FALSE, 777);
  g_autoptr(TgUsageRecord) late = tg_test_make_usage (3000, "gemini", "gemini-2.5-flash", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(TgUsageRecord) copy = NULL;
  const TgUsageRecord *got;
  sqlite3 *raw;

  first->source = TG_USAGE_SOURCE_CLI;
  insert_usage (db, first);
  insert_usage (db, failed);
  g_assert_cmpint (failed->latency_first_token_ms, ==, -1);
  g_assert_cmpuint (failed->http_status, ==, 0);
  fallback->fallback_of = failed->id;
  fallback->source = TG_USAGE_SOURCE_GATEWAY;
  insert_usage (db, fallback);
  insert_usage (db, late);
  g_assert_cmpint (first->id, <, failed->id);
  g_assert_cmpint (failed->id, <, fallback->id);

  /* from <= time < to, newest first, ties by id. */
  list = tg_db_list_usage (db, 1000, 3000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpint (((TgUsageRecord *) list->pdata[0])->id, ==, fallback->id);
  g_assert_cmpint (((TgUsageRecord *) list->pdata[1])->id, ==, failed->id);
  g_assert_cmpint (((TgUsageRecord *) list->pdata[2])->id, ==, first->id);

  got = list->pdata[0];
  g_assert_cmpint (got->time_ms, ==, 2000);
  g_assert_cmpstr (got->provider_id, ==, "anthropic");
  g_assert_cmpstr (got->model_id, ==, "claude-haiku-4-5");
  g_assert_cmpstr (got->request_kind, ==, "chat");
  g_assert_cmpint (got->input_tokens, ==, 90);
  g_assert_cmpint (got->output_tokens, ==, 40);
  g_assert_cmpint (got->cost_micros, ==, 777);
  g_assert_cmpint (got->latency_first_token_ms, ==, 20);
  g_assert_cmpint (got->latency_total_ms, ==, 100);
  g_assert_cmpstr (got->outcome, ==, "ok");
  g_assert_cmpuint (got->http_status, ==, 200);
  g_assert_cmpint (got->fallback_of, ==, failed->id);
  g_assert_cmpint (got->source, ==, TG_USAGE_SOURCE_GATEWAY);

  got = list->pdata[1];
  g_assert_true (got->tokens_estimated);
  g_assert_cmpint (got->latency_first_token_ms, ==, -1);
  g_assert_cmpuint (got->http_status, ==, 0);
  g_assert_cmpint (got->fallback_of, ==, 0);
  g_assert_cmpstr (got->outcome, ==, "timeout");

  got = list->pdata[2];
  g_assert_cmpint (got->cached_tokens, ==, 10);
  g_assert_cmpint (got->source, ==, TG_USAGE_SOURCE_CLI);
  copy = tg_usage_record_copy (got);
  g_assert_cmpstr (copy->outcome, ==, "ok");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_usage (db, 0, G_MAXINT64, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((TgUsageRecord *) list->pdata[0])->id, ==, late->id);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_usage (db, 3001, 9000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Deleting the replaced attempt clears fallback_of (ON DELETE SET NULL). */
  raw = raw_open (tg_db_get_path (db));
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM ai_usage_analytics WHERE id = %" G_GINT64_FORMAT,
                                            failed->id);
    raw_exec (raw, "PRAGMA foreign_keys = ON");
    raw_exec (raw, sql);
  }
  sqlite3_close (raw);
  list = tg_db_list_usage (db, 2000, 2001, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((TgUsageRecord *) list->pdata[0])->fallback_of, ==, 0);
}

static void
test_usage_invalid (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);

  record->input_tokens = -5;
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->input_tokens = 5;

  record->cost_micros = -1;
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->cost_micros = 1;

  record->time_ms = -1;
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->time_ms = 1000;

  record->source = 9;
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->source = TG_USAGE_SOURCE_APP;

  g_clear_pointer (&record->provider_id, g_free);
  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->provider_id = g_strdup ("openai");

  /* Nothing of the refused rows went in, nor into the roll-ups. */
  {
    g_autoptr(GPtrArray) list = tg_db_list_usage (db, 0, G_MAXINT64, 0, &error);
    g_autoptr(GPtrArray) totals = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 0);
    totals = aggregate (db, 0, G_MAXINT64, TG_USAGE_GROUP_NONE, NULL);
    g_assert_cmpint (((TgUsageAggregate *) totals->pdata[0])->requests, ==, 0);
  }
}

/* A small fixed data set, every sum worked out by hand (UTC). */
static void
insert_fixed_usage (TgDb *db)
{
  const struct {
    gint64 time_ms;
    const char *provider, *model, *outcome;
    gint64 input, output, cached;
    gboolean estimated;
    gint64 cost;
  } rows[] = {
    { tg_test_utc_ms (2026, 1, 10, 0, 5, 0, 0), "openai", "gpt-5", "ok", 100, 10, 0, FALSE, 1000 },
    { tg_test_utc_ms (2026, 1, 10, 0, 20, 0, 0), "openai", "gpt-5-mini", "rate-limited", 0, 0, 0, FALSE, 0 },
    { tg_test_utc_ms (2026, 1, 10, 1, 0, 0, 0), "anthropic", "claude", "ok", 200, 20, 50, TRUE, 3000 },
    { tg_test_utc_ms (2026, 1, 10, 23, 59, 59, 999), "openai", "gpt-5", "ok", 300, 30, 0, FALSE, 5000 },
    { tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), "gemini", "flash", "server", 10, 0, 0, TRUE, 7 },
    { tg_test_utc_ms (2026, 1, 12, 12, 34, 56, 789), "anthropic", "claude", "ok", 400, 40, 100, FALSE, 11000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (rows[i].time_ms, rows[i].provider, rows[i].model,
                                                    rows[i].outcome, rows[i].input, rows[i].output,
                                                    rows[i].cached, rows[i].estimated, rows[i].cost);
      insert_usage (db, record);
    }
}

static void
test_usage_aggregate (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  gint64 from = tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0);
  gint64 to = tg_test_utc_ms (2026, 1, 13, 0, 0, 0, 0);

  insert_fixed_usage (db);

  {
    const TgTestExpected expected[] = {
      { NULL, 0, 6, 2, 2, 1010, 100, 150, 20007 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, from, to, TG_USAGE_GROUP_NONE, utc);
    g_autoptr(GPtrArray) got_local = NULL;
    g_autoptr(GError) error = NULL;

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));

    /* The variant without a zone gives the same for groups without time. */
    got_local = tg_db_aggregate_usage (db, from, to, TG_USAGE_GROUP_NONE, &error);
    g_assert_no_error (error);
    tg_test_assert_aggregates (got_local, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { "anthropic", 0, 2, 0, 1, 600, 60, 150, 14000 },
      { "gemini", 0, 1, 1, 1, 10, 0, 0, 7 },
      { "openai", 0, 3, 1, 0, 400, 40, 0, 6000 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, from, to, TG_USAGE_GROUP_PROVIDER, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { "anthropic/claude", 0, 2, 0, 1, 600, 60, 150, 14000 },
      { "gemini/flash", 0, 1, 1, 1, 10, 0, 0, 7 },
      { "openai/gpt-5", 0, 2, 0, 0, 400, 40, 0, 6000 },
      { "openai/gpt-5-mini", 0, 1, 1, 0, 0, 0, 0, 0 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, from, to, TG_USAGE_GROUP_MODEL, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { NULL, tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0), 2, 1, 0, 100, 10, 0, 1000 },
      { NULL, tg_test_utc_ms (2026, 1, 10, 1, 0, 0, 0), 1, 0, 1, 200, 20, 50, 3000 },
      { NULL, tg_test_utc_ms (2026, 1, 10, 23, 0, 0, 0), 1, 0, 0, 300, 30, 0, 5000 },
      { NULL, tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), 1, 1, 1, 10, 0, 0, 7 },
      { NULL, tg_test_utc_ms (2026, 1, 12, 12, 0, 0, 0), 1, 0, 0, 400, 40, 100, 11000 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, from, to, TG_USAGE_GROUP_HOUR, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { NULL, tg_test_utc_ms (2026, 1, 10, 0, 0, 0, 0), 4, 1, 1, 600, 60, 50, 9000 },
      { NULL, tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0), 1, 1, 1, 10, 0, 0, 7 },
      { NULL, tg_test_utc_ms (2026, 1, 12, 0, 0, 0, 0), 1, 0, 0, 400, 40, 100, 11000 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, from, to, TG_USAGE_GROUP_DAY, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  /* Ranges that cut through buckets and days: from is inclusive, to exclusive. */
  {
    const TgTestExpected expected[] = {
      { NULL, 0, 5, 2, 2, 610, 60, 50, 9007 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, tg_test_utc_ms (2026, 1, 10, 0, 5, 0, 0),
                                          tg_test_utc_ms (2026, 1, 12, 12, 34, 56, 789),
                                          TG_USAGE_GROUP_NONE, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  {
    const TgTestExpected expected[] = {
      { "anthropic", 0, 1, 0, 1, 200, 20, 50, 3000 },
      { "openai", 0, 2, 1, 0, 300, 30, 0, 5000 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, tg_test_utc_ms (2026, 1, 10, 0, 10, 0, 0),
                                          tg_test_utc_ms (2026, 1, 11, 0, 0, 0, 0),
                                          TG_USAGE_GROUP_PROVIDER, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  /* Inside a single 15-minute bucket. */
  {
    const TgTestExpected expected[] = {
      { "openai/gpt-5-mini", 0, 1, 1, 0, 0, 0, 0, 0 },
    };
    g_autoptr(GPtrArray) got = aggregate (db, tg_test_utc_ms (2026, 1, 10, 0, 16, 0, 0),
                                          tg_test_utc_ms (2026, 1, 10, 0, 21, 0, 0),
                                          TG_USAGE_GROUP_MODEL, utc);

    tg_test_assert_aggregates (got, expected, G_N_ELEMENTS (expected));
  }

  /* Empty ranges: totals are one row of zeros, groups have no rows. */
  {
    const TgTestExpected zeros[] = { { NULL, 0, 0, 0, 0, 0, 0, 0, 0 } };
    g_autoptr(GPtrArray) none = aggregate (db, to, to + DAY_MS_FOR_TEST, TG_USAGE_GROUP_NONE, utc);
    g_autoptr(GPtrArray) reversed = aggregate (db, to, from, TG_USAGE_GROUP_NONE, utc);
    g_autoptr(GPtrArray) days = aggregate (db, to, to + DAY_MS_FOR_TEST, TG_USAGE_GROUP_DAY, utc);
    g_autoptr(GPtrArray) providers = aggregate (db, to, to + DAY_MS_FOR_TEST, TG_USAGE_GROUP_PROVIDER, utc);

    tg_test_assert_aggregates (none, zeros, 1);
    tg_test_assert_aggregates (reversed, zeros, 1);
    g_assert_cmpuint (days->len, ==, 0);
    g_assert_cmpuint (providers->len, ==, 0);
  }
}

typedef struct {
  gint64 time_ms;
  gint64 cost;
} TimedCost;

static void
insert_timed (TgDb            *db,
              const TimedCost *rows,
              guint            n_rows)
{
  for (guint i = 0; i < n_rows; i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (rows[i].time_ms, "openai", "gpt-5", "ok",
                                                    1, 1, 0, FALSE, rows[i].cost);
      insert_usage (db, record);
    }
}

static void
assert_buckets (GPtrArray    *got,
                const gint64 *starts,
                const gint64 *costs,
                guint         n)
{
  g_assert_cmpuint (got->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const TgUsageAggregate *agg = g_ptr_array_index (got, i);

      g_assert_null (agg->key);
      g_assert_cmpint (agg->bucket_start_ms, ==, starts[i]);
      g_assert_cmpint (agg->cost_micros, ==, costs[i]);
    }
}

/* Europe/Berlin: 2026-03-29 is 23 hours long (02:00 CET -> 03:00 CEST at 01:00Z),
 * 2026-10-25 is 25 hours long (03:00 CEST -> 02:00 CET at 01:00Z). */
static void
check_berlin_dst (TgDb      *db,
                  GTimeZone *tz)
{
  gint64 from = tg_test_utc_ms (2026, 3, 1, 0, 0, 0, 0);
  gint64 to = tg_test_utc_ms (2026, 11, 1, 0, 0, 0, 0);
  g_autoptr(GPtrArray) days = NULL;
  g_autoptr(GPtrArray) hours = NULL;
  g_autoptr(GError) error = NULL;

  {
    const gint64 starts[] = {
      tg_test_utc_ms (2026, 3, 27, 23, 0, 0, 0),   /* 28 March, CET */
      tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0),   /* 29 March: 23 hours */
      tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0),   /* 30 March, CEST */
      tg_test_utc_ms (2026, 10, 23, 22, 0, 0, 0),  /* 24 October, CEST */
      tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0),  /* 25 October: 25 hours */
      tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0),  /* 26 October, CET */
    };
    const gint64 costs[] = { 1, 2 + 4 + 8 + 16, 32, 64, 128 + 256 + 512 + 1024, 2048 };

    days = tz != NULL ? aggregate (db, from, to, TG_USAGE_GROUP_DAY, tz)
                      : tg_db_aggregate_usage (db, from, to, TG_USAGE_GROUP_DAY, &error);
    g_assert_no_error (error);
    assert_buckets (days, starts, costs, G_N_ELEMENTS (starts));
  }

  {
    const gint64 starts[] = {
      tg_test_utc_ms (2026, 3, 28, 22, 0, 0, 0),   /* 23:00 CET */
      tg_test_utc_ms (2026, 3, 28, 23, 0, 0, 0),   /* 00:00 CET */
      tg_test_utc_ms (2026, 3, 29, 0, 0, 0, 0),    /* 01:00 CET; 02:00 does not exist */
      tg_test_utc_ms (2026, 3, 29, 1, 0, 0, 0),    /* 03:00 CEST */
      tg_test_utc_ms (2026, 3, 29, 21, 0, 0, 0),   /* 23:00 CEST */
      tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0),   /* 00:00 CEST */
      tg_test_utc_ms (2026, 10, 24, 21, 0, 0, 0),  /* 23:00 CEST */
      tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0),  /* 00:00 CEST */
      tg_test_utc_ms (2026, 10, 25, 0, 0, 0, 0),   /* 02:00 CEST */
      tg_test_utc_ms (2026, 10, 25, 1, 0, 0, 0),   /* 02:00 CET, the same hour again */
      tg_test_utc_ms (2026, 10, 25, 22, 0, 0, 0),  /* 23:00 CET */
      tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0),  /* 00:00 CET */
    };
    const gint64 costs[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048 };

    hours = tz != NULL ? aggregate (db, from, to, TG_USAGE_GROUP_HOUR, tz)
                       : tg_db_aggregate_usage (db, from, to, TG_USAGE_GROUP_HOUR, &error);
    g_assert_no_error (error);
    assert_buckets (hours, starts, costs, G_N_ELEMENTS (starts));
  }
}

static void
test_usage_aggregate_dst (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autofree char *saved_tz = g_strdup (g_getenv ("TZ"));
  const TimedCost rows[] = {
    { tg_test_utc_ms (2026, 3, 28, 22, 30, 0, 0), 1 },      /* 23:30 CET, 28 March */
    { tg_test_utc_ms (2026, 3, 28, 23, 10, 0, 0), 2 },      /* 00:10 CET, 29 March */
    { tg_test_utc_ms (2026, 3, 29, 0, 59, 59, 999), 4 },    /* 01:59:59 CET */
    { tg_test_utc_ms (2026, 3, 29, 1, 0, 0, 0), 8 },        /* 03:00 CEST */
    { tg_test_utc_ms (2026, 3, 29, 21, 59, 0, 0), 16 },     /* 23:59 CEST, 29 March */
    { tg_test_utc_ms (2026, 3, 29, 22, 0, 0, 0), 32 },      /* 00:00 CEST, 30 March */
    { tg_test_utc_ms (2026, 10, 24, 21, 59, 0, 0), 64 },    /* 23:59 CEST, 24 October */
    { tg_test_utc_ms (2026, 10, 24, 22, 0, 0, 0), 128 },    /* 00:00 CEST, 25 October */
    { tg_test_utc_ms (2026, 10, 25, 0, 30, 0, 0), 256 },    /* 02:30 CEST */
    { tg_test_utc_ms (2026, 10, 25, 1, 30, 0, 0), 512 },    /* 02:30 CET */
    { tg_test_utc_ms (2026, 10, 25, 22, 59, 0, 0), 1024 },  /* 23:59 CET, 25 October */
    { tg_test_utc_ms (2026, 10, 25, 23, 0, 0, 0), 2048 },   /* 00:00 CET, 26 October */
  };

  g_assert_nonnull (berlin);
  g_assert_cmpstr (g_time_zone_get_identifier (berlin), ==, "Europe/Berlin");
  insert_timed (db, rows, G_N_ELEMENTS (rows));

  /* With an explicit zone … */
  check_berlin_dst (db, berlin);

  /* … and with the process's zone from TZ, as tg_db_aggregate_usage() uses. */
  g_setenv ("TZ", "Europe/Berlin", TRUE);
  tzset ();
  check_berlin_dst (db, NULL);

  if (saved_tz != NULL)
    g_setenv ("TZ", saved_tz, TRUE);
  else
    g_unsetenv ("TZ");
  tzset ();
}

static void
test_usage_aggregate_half_hour_zone (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GTimeZone) kolkata = g_time_zone_new_identifier ("Asia/Kolkata");  /* UTC+05:30 */
  const TimedCost rows[] = {
    { tg_test_utc_ms (2026, 5, 1, 18, 15, 0, 0), 1 },   /* 23:45 IST, 1 May */
    { tg_test_utc_ms (2026, 5, 1, 18, 30, 0, 0), 2 },   /* 00:00 IST, 2 May */
    { tg_test_utc_ms (2026, 5, 1, 19, 29, 0, 0), 4 },   /* 00:59 IST */
  };
  const gint64 hour_starts[] = { tg_test_utc_ms (2026, 5, 1, 17, 30, 0, 0), tg_test_utc_ms (2026, 5, 1, 18, 30, 0, 0) };
  const gint64 hour_costs[] = { 1, 6 };
  const gint64 day_starts[] = { tg_test_utc_ms (2026, 4, 30, 18, 30, 0, 0), tg_test_utc_ms (2026, 5, 1, 18, 30, 0, 0) };
  const gint64 day_costs[] = { 1, 6 };
  g_autoptr(GPtrArray) hours = NULL;
  g_autoptr(GPtrArray) days = NULL;

  g_assert_nonnull (kolkata);
  insert_timed (db, rows, G_N_ELEMENTS (rows));

  hours = aggregate (db, 0, G_MAXINT64, TG_USAGE_GROUP_HOUR, kolkata);
  assert_buckets (hours, hour_starts, hour_costs, G_N_ELEMENTS (hour_starts));
  days = aggregate (db, 0, G_MAXINT64, TG_USAGE_GROUP_DAY, kolkata);
  assert_buckets (days, day_starts, day_costs, G_N_ELEMENTS (day_starts));
}

/* The roll-ups against a brute-force reading of ai_usage_analytics, after
 * inserts, updates and deletes (the triggers), for many ranges. */

static GPtrArray *
brute_force_keyed (sqlite3    *raw,
                   gint64      from_ms,
                   gint64      to_ms,
                   const char *keys,
                   gboolean    grouped)
{
  g_autofree char *sql = NULL;
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_usage_aggregate_free);
  sqlite3_stmt *stmt = NULL;

  sql = g_strdup_printf ("SELECT %s, count(*), total (outcome <> 'ok'), total (tokens_estimated), "
                         "total (input_tokens), total (output_tokens), total (cached_tokens), "
                         "total (cost_micros) FROM ai_usage_analytics "
                         "WHERE time_ms >= ?1 AND time_ms < ?2 %s ORDER BY 1, 2",
                         keys, grouped ? "GROUP BY 1, 2" : "");
  g_assert_cmpint (sqlite3_prepare_v2 (raw, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, from_ms);
  sqlite3_bind_int64 (stmt, 2, to_ms);

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      TgUsageAggregate agg = { 0, };

      agg.key = (char *) sqlite3_column_text (stmt, 0);
      agg.bucket_start_ms = sqlite3_column_int64 (stmt, 1);
      agg.requests = sqlite3_column_int64 (stmt, 2);
      agg.failures = sqlite3_column_int64 (stmt, 3);
      agg.estimated = sqlite3_column_int64 (stmt, 4);
      agg.input_tokens = sqlite3_column_int64 (stmt, 5);
      agg.output_tokens = sqlite3_column_int64 (stmt, 6);
      agg.cached_tokens = sqlite3_column_int64 (stmt, 7);
      agg.cost_micros = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (list, tg_usage_aggregate_copy (&agg));
    }
  sqlite3_finalize (stmt);

  return list;
}

static GPtrArray *
brute_force (sqlite3      *raw,
             gint64        from_ms,
             gint64        to_ms,
             TgUsageGroup  group)
{
  static const char * const keys[] = {
    [TG_USAGE_GROUP_NONE] = "NULL, 0",
    [TG_USAGE_GROUP_PROVIDER] = "provider_id, 0",
    [TG_USAGE_GROUP_MODEL] = "provider_id || '/' || model_id, 0",
    [TG_USAGE_GROUP_HOUR] = "NULL, time_ms / 3600000 * 3600000",
    [TG_USAGE_GROUP_DAY] = "NULL, time_ms / 86400000 * 86400000",
  };

  return brute_force_keyed (raw, from_ms, to_ms, keys[group], group != TG_USAGE_GROUP_NONE);
}

static int
compare_key_then_start (gconstpointer a,
                        gconstpointer b)
{
  const TgUsageAggregate *x = *(TgUsageAggregate * const *) a;
  const TgUsageAggregate *y = *(TgUsageAggregate * const *) b;
  int by_key = g_strcmp0 (x->key, y->key);

  if (by_key != 0)
    return by_key;
  return (x->bucket_start_ms > y->bucket_start_ms) - (x->bucket_start_ms < y->bucket_start_ms);
}

static void
assert_same_aggregates (GPtrArray *got,
                        GPtrArray *want)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < got->len; i++)
    {
      const TgUsageAggregate *a = got->pdata[i];
      const TgUsageAggregate *b = want->pdata[i];

      g_assert_cmpstr (a->key, ==, b->key);
      g_assert_cmpint (a->bucket_start_ms, ==, b->bucket_start_ms);
      g_assert_cmpint (a->requests, ==, b->requests);
      g_assert_cmpint (a->failures, ==, b->failures);
      g_assert_cmpint (a->estimated, ==, b->estimated);
      g_assert_cmpint (a->input_tokens, ==, b->input_tokens);
      g_assert_cmpint (a->output_tokens, ==, b->output_tokens);
      g_assert_cmpint (a->cached_tokens, ==, b->cached_tokens);
      g_assert_cmpint (a->cost_micros, ==, b->cost_micros);
    }
}

static void
test_usage_rollup_consistency (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260329);
  g_autoptr(GError) error = NULL;
  const char * const providers[] = { "openai", "anthropic", "gemini", "ollama" };
  const char * const models[] = { "a", "b", "c" };
  gint64 start = tg_test_utc_ms (2026, 2, 1, 0, 0, 0, 0);
  gint64 span = 6 * G_GINT64_CONSTANT (86400000);
  sqlite3 *raw;

  g_assert_true (tg_db_begin (db, &error));
  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(TgUsageRecord) record =
        tg_test_make_usage (start + g_rand_int_range (rand, 0, (gint32) (span / 1000)) * G_GINT64_CONSTANT (1000)
                          + g_rand_int_range (rand, 0, 1000),
                    providers[g_rand_int_range (rand, 0, G_N_ELEMENTS (providers))],
                    models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))],
                    g_rand_int_range (rand, 0, 10) == 0 ? "server" : "ok",
                    g_rand_int_range (rand, 0, 5000), g_rand_int_range (rand, 0, 2000),
                    g_rand_int_range (rand, 0, 1000), g_rand_int_range (rand, 0, 20) == 0,
                    g_rand_int_range (rand, 0, 100000));
      insert_usage (db, record);
    }
  g_assert_true (tg_db_commit (db, &error));
  g_assert_no_error (error);

  /* Updates and deletes from outside TgDb keep the roll-ups right too. */
  raw = raw_open (tg_db_get_path (db));
  raw_exec (raw, "UPDATE ai_usage_analytics SET time_ms = time_ms + 86400000 * 2 + 450000 WHERE id % 7 = 0");
  raw_exec (raw, "UPDATE ai_usage_analytics SET provider_id = 'groq', outcome = 'timeout' WHERE id % 11 = 0");
  raw_exec (raw, "UPDATE ai_usage_analytics SET cost_micros = cost_micros * 2, tokens_estimated = 1 WHERE id % 13 = 0");
  raw_exec (raw, "UPDATE ai_usage_analytics SET request_kind = 'embed' WHERE id % 17 = 0");
  raw_exec (raw, "DELETE FROM ai_usage_analytics WHERE id % 5 = 0");

  /* The provider roll-up rebuilt from the rows by its migration matches too. */
  g_assert_true (tg_db_migrate (db, 2, &error));
  g_assert_no_error (error);
  g_assert_true (tg_db_migrate (db, -1, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 60; i++)
    {
      /* Arbitrary ms edges, sometimes whole days, sometimes within one bucket. */
      gint64 from = start - DAY_MS_FOR_TEST + g_rand_int_range (rand, 0, (gint32) ((span + 3 * DAY_MS_FOR_TEST) / 1000)) * G_GINT64_CONSTANT (1000);
      gint64 length = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 900000)
                                                          : g_rand_int_range (rand, 0, (gint32) (span / 1000)) * G_GINT64_CONSTANT (1000);
      gint64 to;

      if (i % 10 == 0)
        from = from / DAY_MS_FOR_TEST * DAY_MS_FOR_TEST;
      to = from + length;
      if (i == 0)
        from = 0, to = G_MAXINT64;

      for (TgUsageGroup group = TG_USAGE_GROUP_NONE; group <= TG_USAGE_GROUP_DAY; group++)
        {
          g_autoptr(GPtrArray) got = aggregate (db, from, to, group, utc);
          g_autoptr(GPtrArray) want = brute_force (raw, from, to, group);

          if (group == TG_USAGE_GROUP_NONE && want->len == 0)
            continue;
          assert_same_aggregates (got, want);
        }

      /* The provider roll-up (0003), per provider and 15-minute bucket. */
      {
        g_autoptr(GPtrArray) got = tg_db_aggregate_usage_provider_15min (db, from, to, &error);
        g_autoptr(GPtrArray) want = brute_force_keyed (raw, from, to, "provider_id, time_ms / 900000 * 900000", TRUE);

        g_assert_no_error (error);
        /* It comes in no particular order; the brute force is by provider, then time. */
        g_ptr_array_sort (got, compare_key_then_start);
        assert_same_aggregates (got, want);
      }
    }

  /* With every row gone, so are the roll-up rows. */
  raw_exec (raw, "DELETE FROM ai_usage_analytics");
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM ai_usage_rollup_15min"), ==, 0);
  g_assert_cmpint (raw_int (raw, "SELECT count(*) FROM ai_usage_rollup_day"), ==, 0);
  sqlite3_close (raw);
}

/* A local day in a DST zone against GDateTime's own idea of it, row by row. */
static void
test_usage_rollup_local_days (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("America/New_York");
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GHashTable) want = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = tg_test_utc_ms (2026, 2, 25, 0, 0, 0, 0);  /* New York changes on 8 March */
  gint64 span = 20 * G_GINT64_CONSTANT (86400000);

  g_assert_true (tg_db_begin (db, &error));
  for (guint i = 0; i < 2000; i++)
    {
      gint64 time_ms = start + (gint64) (g_rand_double (rand) * span);
      gint64 cost = g_rand_int_range (rand, 1, 1000);
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (time_ms, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, cost);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_ms / 1000);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);
      g_autoptr(GDateTime) midnight = g_date_time_new (tz, g_date_time_get_year (local),
                                                       g_date_time_get_month (local),
                                                       g_date_time_get_day_of_month (local), 0, 0, 0);
      gint64 key = g_date_time_to_unix (midnight) * 1000;
      gint64 *sum = g_hash_table_lookup (want, &key);

      if (sum == NULL)
        {
          sum = g_new0 (gint64, 1);
          g_hash_table_insert (want, g_memdup2 (&key, sizeof key), sum);
        }
      *sum += cost;
      insert_usage (db, record);
    }
  g_assert_true (tg_db_commit (db, &error));

  got = aggregate (db, 0, G_MAXINT64, TG_USAGE_GROUP_DAY, tz);
  g_assert_cmpuint (got->len, ==, g_hash_table_size (want));
  for (guint i = 0; i < got->len; i++)
    {
      const TgUsageAggregate *agg = got->pdata[i];
      const gint64 *sum = g_hash_table_lookup (want, &agg->bucket_start_ms);

      g_assert_nonnull (sum);
      g_assert_cmpint (agg->cost_micros, ==, *sum);
      if (i > 0)
        g_assert_cmpint (agg->bucket_start_ms, >, ((TgUsageAggregate *) got->pdata[i - 1])->bucket_start_ms);
    }
}

/* Health */

static TgHealthRecord *
make_health (gint64          time_ms,
             const char     *provider_id,
             gboolean        ok,
             const char     *error_class,
             TgCircuitState  state)
{
  TgHealthRecord *record = tg_health_record_new ();

  record->time_ms = time_ms;
  record->provider_id = g_strdup (provider_id);
  record->kind = TG_HEALTH_CHECK_ACTIVE;
  record->ok = ok;
  record->error_class = g_strdup (error_class);
  record->circuit_state = state;
  if (ok)
    {
      record->latency_ms = 120;
      record->http_status = 200;
    }

  return record;
}

static void
test_health (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  TgHealthRecord *records[] = {
    make_health (1000, "openai", TRUE, NULL, TG_CIRCUIT_CLOSED),
    make_health (2000, "openai", FALSE, "timeout", TG_CIRCUIT_OPEN),
    make_health (1500, "anthropic", TRUE, NULL, TG_CIRCUIT_CLOSED),
    make_health (1500, "anthropic", TRUE, NULL, TG_CIRCUIT_HALF_OPEN),
    make_health (500, "gemini", FALSE, "auth", TG_CIRCUIT_CLOSED),
  };
  const TgHealthRecord *got;
  g_autoptr(TgHealthRecord) copy = NULL;

  records[2]->kind = TG_HEALTH_CHECK_PASSIVE;
  records[4]->http_status = 401;
  records[4]->latency_ms = 30;

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_assert_true (tg_db_insert_health (db, records[i], &error));
      g_assert_no_error (error);
      g_assert_cmpint (records[i]->id, >, 0);
    }

  /* All providers, newest first, ties by id. */
  list = tg_db_list_health (db, NULL, 0, 10000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 5);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[0])->id, ==, records[1]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[1])->id, ==, records[3]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[2])->id, ==, records[2]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[3])->id, ==, records[0]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[4])->id, ==, records[4]->id);

  got = list->pdata[0];
  g_assert_cmpstr (got->provider_id, ==, "openai");
  g_assert_false (got->ok);
  g_assert_cmpstr (got->error_class, ==, "timeout");
  g_assert_cmpint (got->latency_ms, ==, -1);
  g_assert_cmpuint (got->http_status, ==, 0);
  g_assert_cmpint (got->circuit_state, ==, TG_CIRCUIT_OPEN);
  got = list->pdata[2];
  g_assert_cmpint (got->kind, ==, TG_HEALTH_CHECK_PASSIVE);
  g_assert_true (got->ok);
  g_assert_null (got->error_class);
  g_assert_cmpint (got->latency_ms, ==, 120);
  got = list->pdata[4];
  g_assert_cmpuint (got->http_status, ==, 401);
  copy = tg_health_record_copy (got);
  g_assert_cmpstr (copy->error_class, ==, "auth");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_health (db, NULL, 0, 10000, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* One provider, from <= time < to. */
  list = tg_db_list_health (db, "openai", 1000, 2000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[0])->id, ==, records[0]->id);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The newest row of each provider, by provider. */
  list = tg_db_latest_health (db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[0])->id, ==, records[3]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[0])->circuit_state, ==, TG_CIRCUIT_HALF_OPEN);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[1])->id, ==, records[4]->id);
  g_assert_cmpint (((TgHealthRecord *) list->pdata[2])->id, ==, records[1]->id);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Retention. */
  g_assert_cmpint (tg_db_prune_health (db, 1500, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (tg_db_prune_health (db, 1500, &error), ==, 0);
  list = tg_db_latest_health (db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((TgHealthRecord *) list->pdata[0])->provider_id, ==, "anthropic");
  g_assert_cmpstr (((TgHealthRecord *) list->pdata[1])->provider_id, ==, "openai");
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_cmpint (tg_db_prune_health (db, G_MAXINT64, &error), ==, 3);
  list = tg_db_latest_health (db, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    tg_health_record_free (records[i]);
}

static void
test_health_invalid (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgHealthRecord) record = make_health (1000, "openai", TRUE, "timeout", TG_CIRCUIT_CLOSED);

  /* An error class on a check that went well. */
  g_assert_false (tg_db_insert_health (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);

  g_clear_pointer (&record->error_class, g_free);
  record->latency_ms = -7;
  g_assert_false (tg_db_insert_health (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->latency_ms = 5;

  record->circuit_state = 3;
  g_assert_false (tg_db_insert_health (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);
  record->circuit_state = TG_CIRCUIT_CLOSED;

  g_assert_true (tg_db_insert_health (db, record, &error));
  g_assert_no_error (error);
}

/* Transactions */

static void
test_transactions (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TgUsageRecord) a = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 5);
  g_autoptr(TgUsageRecord) b = tg_test_make_usage (2000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 7);

  g_assert_true (tg_db_begin (db, &error));
  g_assert_no_error (error);
  insert_usage (db, a);
  tg_db_rollback (db);
  /* A rollback outside a transaction is harmless. */
  tg_db_rollback (db);

  list = tg_db_list_usage (db, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  {
    g_autoptr(GPtrArray) totals = aggregate (db, 0, G_MAXINT64, TG_USAGE_GROUP_NONE, NULL);
    g_assert_cmpint (((TgUsageAggregate *) totals->pdata[0])->cost_micros, ==, 0);
  }

  g_assert_true (tg_db_begin (db, &error));
  insert_usage (db, a);
  insert_usage (db, b);
  g_assert_true (tg_db_commit (db, &error));
  g_assert_no_error (error);

  list = tg_db_list_usage (db, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);

  /* Migrating inside a transaction is refused. */
  g_assert_true (tg_db_begin (db, &error));
  g_assert_false (tg_db_migrate (db, 0, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_MIGRATION);
  tg_db_rollback (db);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, tg_db_get_latest_version ());
}

/* Errors */

static void
test_error_not_a_database (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "tollgate.db", NULL);
  const char *contents[] = {
    "This is a shopping list, not a database.\n",
    NULL,  /* 8 KiB of noise */
  };
  g_autofree char *noise = g_malloc (8192);

  for (guint i = 0; i < 8192; i++)
    noise[i] = (char) (i * 7 + 13);
  contents[1] = noise;

  for (guint i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      gsize length = i == 0 ? strlen (contents[0]) : 8192;
      g_autoptr(GError) error = NULL;
      g_autoptr(TgDb) db = NULL;
      g_autofree char *after = NULL;
      gsize after_length = 0;

      g_assert_true (g_file_set_contents (path, contents[i], length, NULL));

      db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
      g_assert_null (db);
      g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_A_DATABASE);
      /* Names the file and says what to do. */
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, "Move"));

      g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
      g_assert_cmpmem (after, after_length, contents[i], length);
    }
}

static void
test_error_not_writable (void)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *file = g_build_filename (dir, "somefile", NULL);
  g_autofree char *folder = g_build_filename (file, "sub", NULL);
  g_autofree char *path = g_build_filename (folder, "tollgate.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) db = NULL;

  /* A regular file where a folder should be: cannot be created, even by root. */
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));

  db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
  g_assert_null (db);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_WRITABLE);
  g_assert_nonnull (strstr (error->message, folder));
  g_clear_error (&error);

  /* Through TOLLGATE_DATA_DIR too. */
  g_setenv ("TOLLGATE_DATA_DIR", folder, TRUE);
  db = tg_db_open_default (&error);
  g_assert_null (db);
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_NOT_WRITABLE);
  g_setenv ("TOLLGATE_DATA_DIR", dir, TRUE);
}

static void
test_error_locked (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(GPtrArray) list = NULL;
  sqlite3 *raw = raw_open (tg_db_get_path (db));

  /* Another process holds the write lock past our (short) timeout. */
  raw_exec (raw, "BEGIN EXCLUSIVE");
  tg_db_set_busy_timeout (db, 100);

  g_assert_false (tg_db_insert_usage (db, record, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, tg_db_get_path (db)));
  g_assert_nonnull (strstr (error->message, "100 ms"));
  g_clear_error (&error);

  g_assert_false (tg_db_insert_preferences (db, prefs, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (tg_db_begin (db, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_LOCKED);
  g_clear_error (&error);

  g_assert_false (tg_db_migrate (db, 0, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_LOCKED);
  g_clear_error (&error);

  /* WAL: reading still works meanwhile. */
  list = tg_db_list_usage (db, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  raw_exec (raw, "COMMIT");
  sqlite3_close (raw);

  insert_usage (db, record);
  g_assert_cmpint (tg_db_get_schema_version (db), ==, tg_db_get_latest_version ());
}

static void
check_too_new (const char *journal_mode)
{
  g_autofree char *dir = tg_test_make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "tollgate.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *files_before = NULL;
  g_autofree char *files_after = NULL;
  gsize before_length = 0, after_length = 0;
  int newer = tg_db_get_latest_version () + 1;

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TgDb) db = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
    g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-5", "ok", 1, 1, 0, FALSE, 1);

    g_assert_no_error (error);
    insert_usage (db, record);
  }

  {
    sqlite3 *raw = raw_open (path);
    g_autofree char *sql_mode = g_strdup_printf ("PRAGMA journal_mode = %s", journal_mode);
    g_autofree char *sql_version = g_strdup_printf ("PRAGMA user_version = %d", newer);

    raw_exec (raw, sql_mode);
    raw_exec (raw, sql_version);
    sqlite3_close (raw);
  }

  g_assert_true (g_file_get_contents (path, &before, &before_length, NULL));
  files_before = list_folder (dir);

  for (TgDbOpenFlags flags = TG_DB_OPEN_DEFAULT; flags <= TG_DB_OPEN_NO_MIGRATE; flags++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TgDb) db = tg_db_open (path, flags, &error);

      g_assert_null (db);
      g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_SCHEMA_TOO_NEW);
      g_assert_nonnull (strstr (error->message, path));
    }

  /* Byte for byte the same, and no files left behind. */
  g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
  g_assert_cmpmem (after, after_length, before, before_length);
  files_after = list_folder (dir);
  g_assert_cmpstr (files_after, ==, files_before);

  {
    sqlite3 *raw = raw_open (path);
    g_autofree char *mode = raw_text (raw, "PRAGMA journal_mode");

    g_assert_cmpint (raw_int (raw, "PRAGMA user_version"), ==, newer);
    g_assert_cmpstr (mode, ==, journal_mode);
    sqlite3_close (raw);
  }
}

static void
test_error_schema_too_new (void)
{
  check_too_new ("wal");
}

static void
test_error_schema_too_new_rollback_journal (void)
{
  /* Switching this file to WAL would rewrite its header: must not happen. */
  check_too_new ("delete");
}

/* Each alert is taken once: the second insert of the same one reports it was
 * already there, while another budget amount or period is a new alert. */
static void
test_budget_alerts (void)
{
  g_autoptr(TgDb) db = open_fresh_db ();
  g_autoptr(TgPreferences) prefs = tg_preferences_new ();
  g_autoptr(TgBudgetAlert) alert = tg_budget_alert_new ();
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gboolean inserted = FALSE;

  g_assert_true (tg_db_insert_preferences (db, prefs, &error));
  g_assert_no_error (error);

  alert->budget_period = TG_BUDGET_PERIOD_MONTHLY;
  alert->period_start_ms = 1000;
  alert->budget_micros = 10000000;
  alert->kind = TG_BUDGET_ALERT_THRESHOLD;
  alert->percent = 50;
  alert->spent_micros = 5000001;
  alert->time_ms = 2000;

  g_assert_true (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_no_error (error);
  g_assert_true (inserted);
  g_assert_true (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_false (inserted);

  alert->kind = TG_BUDGET_ALERT_EXCEEDED;
  alert->percent = 100;
  alert->time_ms = 3000;
  g_assert_true (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_true (inserted);

  /* A raised budget re-arms the same percentage. */
  alert->kind = TG_BUDGET_ALERT_THRESHOLD;
  alert->percent = 50;
  alert->budget_micros = 20000000;
  alert->time_ms = 4000;
  g_assert_true (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_true (inserted);

  alert->period_start_ms = 5000;
  alert->time_ms = 6000;
  g_assert_true (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_true (inserted);

  list = tg_db_list_budget_alerts (db, "default", 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  {
    const TgBudgetAlert *first = g_ptr_array_index (list, 0);
    const TgBudgetAlert *second = g_ptr_array_index (list, 1);

    g_assert_cmpint (first->kind, ==, TG_BUDGET_ALERT_THRESHOLD);
    g_assert_cmpuint (first->percent, ==, 50);
    g_assert_cmpint (first->spent_micros, ==, 5000001);
    g_assert_cmpint (first->budget_period, ==, TG_BUDGET_PERIOD_MONTHLY);
    g_assert_cmpint (second->kind, ==, TG_BUDGET_ALERT_EXCEEDED);
  }
  g_clear_pointer (&list, g_ptr_array_unref);

  list = tg_db_list_budget_alerts (db, "default", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The schema refuses an alert for a profile that does not exist. */
  g_free (alert->profile);
  alert->profile = g_strdup ("nobody");
  g_assert_false (tg_db_insert_budget_alert (db, alert, &inserted, &error));
  g_assert_error (error, TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_clear_error (&error);

  /* Deleting the profile takes its alerts with it. */
  g_assert_true (tg_db_delete_preferences (db, "default", &error));
  list = tg_db_list_budget_alerts (db, "default", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  tg_test_init (&argc, &argv);

  g_test_add_func ("/db/paths", test_paths);
  g_test_add_func ("/db/open/creates", test_open_creates);
  g_test_add_func ("/db/open/foreign-keys", test_open_foreign_keys);
  g_test_add_func ("/db/migrations/resource", test_migrations_resource);
  g_test_add_func ("/db/migrations/up-down-up", test_migrations_up_down_up);
  g_test_add_func ("/db/migrations/no-migrate", test_migrations_no_migrate);
  g_test_add_func ("/db/migrations/invalid-target", test_migrations_invalid_target);
  g_test_add_func ("/db/migrations/rollback", test_migrations_rollback);
  g_test_add_func ("/db/preferences/defaults", test_preferences_defaults);
  g_test_add_func ("/db/preferences/crud", test_preferences_crud);
  g_test_add_func ("/db/preferences/errors", test_preferences_errors);
  g_test_add_func ("/db/capabilities", test_capabilities);
  g_test_add_func ("/db/usage/outcomes", test_usage_outcomes);
  g_test_add_func ("/db/usage/insert-list", test_usage_insert_list);
  g_test_add_func ("/db/usage/invalid", test_usage_invalid);
  g_test_add_func ("/db/usage/aggregate", test_usage_aggregate);
  g_test_add_func ("/db/usage/aggregate-dst", test_usage_aggregate_dst);
  g_test_add_func ("/db/usage/aggregate-half-hour-zone", test_usage_aggregate_half_hour_zone);
  g_test_add_func ("/db/usage/rollup-consistency", test_usage_rollup_consistency);
  g_test_add_func ("/db/usage/rollup-local-days", test_usage_rollup_local_days);
  g_test_add_func ("/db/budget-alerts", test_budget_alerts);
  g_test_add_func ("/db/health", test_health);
  g_test_add_func ("/db/health/invalid", test_health_invalid);
  g_test_add_func ("/db/transactions", test_transactions);
  g_test_add_func ("/db/errors/not-a-database", test_error_not_a_database);
  g_test_add_func ("/db/errors/not-writable", test_error_not_writable);
  g_test_add_func ("/db/errors/locked", test_error_locked);
  g_test_add_func ("/db/errors/schema-too-new", test_error_schema_too_new);
  g_test_add_func ("/db/errors/schema-too-new-rollback-journal", test_error_schema_too_new_rollback_journal);

  return g_test_run ();
}
