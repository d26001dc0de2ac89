/* tg-usage-writer.c: usage rows written on a thread of its own (see the header). */

#include "config.h"

#include "tg-usage-writer.h"

struct _TgUsageWriter
{
  GObject       parent_instance;

  char         *db_path;
  guint         busy_timeout_ms;

  GThread      *thread;   /* started with the first row */
  GAsyncQueue  *queue;    /* Job* */

  /* Jobs not handed over yet (the inserting thread's), and the idle source
   * that hands them over. */
  GPtrArray    *held;
  GSource      *hand_over;

  /* For flush(): jobs queued (main thread) and done (writer thread). */
  GMutex        lock;
  GCond         progress;
  guint64       queued;
  guint64       done;
};

G_DEFINE_FINAL_TYPE (TgUsageWriter, tg_usage_writer, G_TYPE_OBJECT)

/* One row to write; a job without a task stops the thread. */
typedef struct {
  GTask         *task;
  TgUsageRecord *record;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->record, tg_usage_record_free);
  g_free (job);
}

static gpointer
writer_thread (gpointer user_data)
{
  TgUsageWriter *self = user_data;
  g_autoptr(TgDb) db = NULL;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);
      g_autoptr(GError) error = NULL;

      if (job->task == NULL)
        {
          job_free (job);
          break;
        }

      /* Opened here, so that the connection is only ever used on this
       * thread; tried again with the next row after a failure (a folder
       * that came back, a lock that went away). */
      if (db == NULL && (db = tg_db_open (self->db_path, TG_DB_OPEN_NO_MIGRATE, &error)) != NULL)
        tg_db_set_busy_timeout (db, self->busy_timeout_ms);

      if (db != NULL && tg_db_insert_usage (db, job->record, &error))
        g_task_return_pointer (job->task, g_steal_pointer (&job->record), (GDestroyNotify) tg_usage_record_free);
      else
        g_task_return_error (job->task, g_steal_pointer (&error));
      job_free (job);

      /* Counted after the return is posted: once flush() is done, every
       * completion waits on its main context. */
      g_mutex_lock (&self->lock);
      self->done++;
      g_cond_broadcast (&self->progress);
      g_mutex_unlock (&self->lock);
    }

  return NULL;
}

static void
hand_over_held (TgUsageWriter *self)
{
  if (self->held->len == 0)
    return;
  if (self->thread == NULL)
    self->thread = g_thread_new ("tg-usage-writer", writer_thread, self);
  for (guint i = 0; i < self->held->len; i++)
    g_async_queue_push (self->queue, self->held->pdata[i]);
  g_ptr_array_set_size (self->held, 0);
}

static gboolean
hand_over_cb (gpointer user_data)
{
  TgUsageWriter *self = user_data;

  g_clear_pointer (&self->hand_over, g_source_unref);
  hand_over_held (self);
  return G_SOURCE_REMOVE;
}

void
tg_usage_writer_insert_async (TgUsageWriter       *self,
                              const TgUsageRecord *record,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Job *job;

  g_return_if_fail (TG_IS_USAGE_WRITER (self));
  g_return_if_fail (record != NULL);

  job = g_new0 (Job, 1);
  /* No source object (see insert_finish()). */
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, tg_usage_writer_insert_async);
  g_task_set_name (job->task, "[tollgate] write usage row");
  job->record = tg_usage_record_copy (record);

  g_mutex_lock (&self->lock);
  self->queued++;
  g_mutex_unlock (&self->lock);

  /* Handed over when the main loop has nothing better to do: waking the
   * writer costs the caller a system call, which a streamed reply or a
   * redraw should not wait for. */
  g_ptr_array_add (self->held, job);
  if (self->hand_over == NULL)
    {
      self->hand_over = g_idle_source_new ();
      g_source_set_priority (self->hand_over, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (self->hand_over, hand_over_cb, self, NULL);
      g_source_set_static_name (self->hand_over, "[tollgate] hand usage rows over");
      g_source_attach (self->hand_over, g_main_context_get_thread_default ());
    }
}

TgUsageRecord *
tg_usage_writer_insert_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_usage_writer_insert_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
tg_usage_writer_get_pending (TgUsageWriter *self)
{
  guint pending;

  g_return_val_if_fail (TG_IS_USAGE_WRITER (self), 0);

  g_mutex_lock (&self->lock);
  pending = (guint) (self->queued - self->done);
  g_mutex_unlock (&self->lock);
  return pending;
}

void
tg_usage_writer_flush (TgUsageWriter *self)
{
  guint64 target;

  g_return_if_fail (TG_IS_USAGE_WRITER (self));

  hand_over_held (self);
  g_mutex_lock (&self->lock);
  target = self->queued;
  while (self->done < target)
    g_cond_wait (&self->progress, &self->lock);
  g_mutex_unlock (&self->lock);
}

TgUsageWriter *
tg_usage_writer_new (const char *db_path,
                     guint       busy_timeout_ms)
{
  TgUsageWriter *self;

  g_return_val_if_fail (db_path != NULL, NULL);

  self = g_object_new (TG_TYPE_USAGE_WRITER, NULL);
  self->db_path = g_strdup (db_path);
  self->busy_timeout_ms = busy_timeout_ms;
  return self;
}

static void
tg_usage_writer_finalize (GObject *object)
{
  TgUsageWriter *self = (TgUsageWriter *) object;

  /* Every row queued is written before the thread ends: an answered request
   * is never left unrecorded because its window closed. */
  if (self->hand_over != NULL)
    {
      g_source_destroy (self->hand_over);
      g_clear_pointer (&self->hand_over, g_source_unref);
    }
  hand_over_held (self);
  g_ptr_array_unref (self->held);
  if (self->thread != NULL)
    {
      g_async_queue_push (self->queue, g_new0 (Job, 1));
      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->progress);
  g_free (self->db_path);

  G_OBJECT_CLASS (tg_usage_writer_parent_class)->finalize (object);
}

static void
tg_usage_writer_class_init (TgUsageWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_usage_writer_finalize;
}

static void
tg_usage_writer_init (TgUsageWriter *self)
{
  self->queue = g_async_queue_new ();
  self->held = g_ptr_array_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->progress);
}
