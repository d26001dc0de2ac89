/* test-usage-writer.c: usage rows written off the main thread. */

#include "config.h"

#include "tg-usage-test-utils.h"
#include "tg-usage-writer.h"
#include "tg-test-utils.h"

typedef struct {
  char  *dir;
  TgDb  *db;
  GPtrArray *written;   /* TgUsageRecord*, in completion order */
  GPtrArray *errors;    /* GError* */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = tg_test_make_data_dir ();
  fixture->db = tg_db_open_default (&error);
  g_assert_no_error (error);
  fixture->written = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_usage_record_free);
  fixture->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_object (&fixture->db);
  g_clear_pointer (&fixture->written, g_ptr_array_unref);
  g_clear_pointer (&fixture->errors, g_ptr_array_unref);
  g_clear_pointer (&fixture->dir, g_free);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;
  GError *error = NULL;
  TgUsageRecord *record = tg_usage_writer_insert_finish (result, &error);

  /* Completions run on the main context that queued them. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (record != NULL)
    g_ptr_array_add (fixture->written, record);
  else
    g_ptr_array_add (fixture->errors, error);
}

static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GPtrArray *
rows (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *list = tg_db_list_usage (fixture->db, 0, G_MAXINT64, 0, &error);

  g_assert_no_error (error);
  return list;
}

/* Rows land in the order queued, with their ids, and each completion gets
 * the row as written. */
static void
test_order (Fixture       *fixture,
            gconstpointer  user_data)
{
  TgUsageWriter *writer = tg_db_get_usage_writer (fixture->db);
  g_autoptr(GPtrArray) stored = NULL;

  g_assert_true (tg_db_get_usage_writer (fixture->db) == writer);
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000 + i, "openai", "gpt-test", "ok",
                                                            i, 2 * i, 0, FALSE, 10 * i);

      tg_usage_writer_insert_async (writer, record, written_cb, fixture);
      /* The caller's record is copied: changing it now changes nothing queued. */
      record->input_tokens = 999999;
    }
  tg_usage_writer_flush (writer);
  g_assert_cmpuint (tg_usage_writer_get_pending (writer), ==, 0);

  /* Written, but nothing is told before the main context runs. */
  g_assert_cmpuint (fixture->written->len, ==, 0);
  stored = rows (fixture);
  g_assert_cmpuint (stored->len, ==, 50);

  run_pending ();
  g_assert_cmpuint (fixture->errors->len, ==, 0);
  g_assert_cmpuint (fixture->written->len, ==, 50);
  for (guint i = 0; i < 50; i++)
    {
      TgUsageRecord *record = fixture->written->pdata[i];

      g_assert_cmpint (record->input_tokens, ==, i);
      g_assert_cmpint (record->time_ms, ==, 1000 + i);
      if (i > 0)
        g_assert_cmpint (record->id, ==, ((TgUsageRecord *) fixture->written->pdata[i - 1])->id + 1);
    }
}

/* A row the store refuses fails alone, with the store's error; the next is written. */
static void
test_error (Fixture       *fixture,
            gconstpointer  user_data)
{
  TgUsageWriter *writer = tg_db_get_usage_writer (fixture->db);
  g_autoptr(TgUsageRecord) bad = tg_test_make_usage (1000, "openai", "gpt-test", "exploded", 1, 1, 0, FALSE, 1);
  g_autoptr(TgUsageRecord) good = tg_test_make_usage (2000, "openai", "gpt-test", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(GPtrArray) stored = NULL;

  tg_usage_writer_insert_async (writer, bad, written_cb, fixture);
  tg_usage_writer_insert_async (writer, good, written_cb, fixture);
  tg_usage_writer_flush (writer);
  run_pending ();

  g_assert_cmpuint (fixture->errors->len, ==, 1);
  g_assert_error ((GError *) fixture->errors->pdata[0], TG_DB_ERROR, TG_DB_ERROR_INVALID);
  g_assert_cmpuint (fixture->written->len, ==, 1);
  stored = rows (fixture);
  g_assert_cmpuint (stored->len, ==, 1);
  g_assert_cmpint (((TgUsageRecord *) stored->pdata[0])->time_ms, ==, 2000);
}

/* Another connection holding the write lock: the main loop goes on, the rows
 * wait on the writer thread and land once the lock is let go. */
static void
test_waits_for_lock (Fixture       *fixture,
                     gconstpointer  user_data)
{
  TgUsageWriter *writer = tg_db_get_usage_writer (fixture->db);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) other = tg_db_open (tg_db_get_path (fixture->db), TG_DB_OPEN_NO_MIGRATE, &error);
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-test", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(GPtrArray) stored = NULL;

  g_assert_no_error (error);
  g_assert_true (tg_db_begin (other, &error));
  g_assert_no_error (error);

  tg_usage_writer_insert_async (writer, record, written_cb, fixture);
  tg_usage_writer_insert_async (writer, record, written_cb, fixture);
  /* The writer thread is blocked, not this one. */
  g_usleep (50 * 1000);
  run_pending ();
  g_assert_cmpuint (tg_usage_writer_get_pending (writer), ==, 2);
  g_assert_cmpuint (fixture->written->len, ==, 0);

  g_assert_true (tg_db_commit (other, &error));
  g_assert_no_error (error);
  tg_usage_writer_flush (writer);
  run_pending ();
  g_assert_cmpuint (fixture->errors->len, ==, 0);
  g_assert_cmpuint (fixture->written->len, ==, 2);
  stored = rows (fixture);
  g_assert_cmpuint (stored->len, ==, 2);
}

/* A row goes to the writer thread once the main loop is idle, not while
 * the caller is still busy (a reply being delivered, a redraw). */
static void
test_hand_over_when_idle (Fixture       *fixture,
                          gconstpointer  user_data)
{
  TgUsageWriter *writer = tg_db_get_usage_writer (fixture->db);
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-test", "ok", 1, 1, 0, FALSE, 1);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;

  tg_usage_writer_insert_async (writer, record, written_cb, fixture);
  /* Time enough for the thread to write it, had it been given the row. */
  g_usleep (50 * 1000);
  g_assert_cmpuint (tg_usage_writer_get_pending (writer), ==, 1);
  before = rows (fixture);
  g_assert_cmpuint (before->len, ==, 0);

  /* No flush: the idle main loop hands it over, and hears back. */
  while (fixture->written->len == 0)
    g_main_context_iteration (NULL, TRUE);
  after = rows (fixture);
  g_assert_cmpuint (after->len, ==, 1);
}

/* Closing the store writes what is queued: a row is never dropped because
 * the app or the command ended right after a reply. */
static void
test_close_writes_queue (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *path = g_strdup (tg_db_get_path (fixture->db));
  g_autoptr(GError) error = NULL;
  g_autoptr(TgDb) reopened = NULL;
  g_autoptr(GPtrArray) stored = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000 + i, "openai", "gpt-test", "ok",
                                                            1, 1, 0, FALSE, 1);

      /* Nobody waits for these. */
      tg_usage_writer_insert_async (tg_db_get_usage_writer (fixture->db), record, NULL, NULL);
    }
  g_clear_object (&fixture->db);

  reopened = tg_db_open (path, TG_DB_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  stored = tg_db_list_usage (reopened, 0, G_MAXINT64, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 20);
  run_pending ();
}

/* A database that cannot be opened any more: each row says why. */
static void
test_store_gone (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *folder = g_build_filename (fixture->dir, "gone", NULL);
  g_autofree char *path = g_build_filename (folder, "tollgate.db", NULL);
  g_autoptr(TgUsageWriter) writer = NULL;
  g_autoptr(TgUsageRecord) record = tg_test_make_usage (1000, "openai", "gpt-test", "ok", 1, 1, 0, FALSE, 1);

  /* A file where the folder should be: nothing can be created there. */
  g_assert_true (g_file_set_contents (folder, "", 0, NULL));

  writer = tg_usage_writer_new (path, 100);
  tg_usage_writer_insert_async (writer, record, written_cb, fixture);
  tg_usage_writer_flush (writer);
  run_pending ();
  g_assert_cmpuint (fixture->written->len, ==, 0);
  g_assert_cmpuint (fixture->errors->len, ==, 1);
  g_assert_error ((GError *) fixture->errors->pdata[0], TG_DB_ERROR, TG_DB_ERROR_NOT_WRITABLE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/usage-writer/order", Fixture, NULL, fixture_setup, test_order, fixture_teardown);
  g_test_add ("/usage-writer/error", Fixture, NULL, fixture_setup, test_error, fixture_teardown);
  g_test_add ("/usage-writer/waits-for-lock", Fixture, NULL, fixture_setup, test_waits_for_lock, fixture_teardown);
  g_test_add ("/usage-writer/hand-over-when-idle", Fixture, NULL, fixture_setup, test_hand_over_when_idle,
              fixture_teardown);
  g_test_add ("/usage-writer/close-writes-queue", Fixture, NULL, fixture_setup, test_close_writes_queue,
              fixture_teardown);
  g_test_add ("/usage-writer/store-gone", Fixture, NULL, fixture_setup, test_store_gone, fixture_teardown);

  return g_test_run ();
}
