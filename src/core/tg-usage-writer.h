/* tg-usage-writer.h: writes usage rows on a thread of its own.
 *
 * A row is a SQLite commit: a few page writes to the WAL plus the roll-up
 * triggers, and up to the busy timeout of waiting when another process holds
 * the write lock. On the main loop that is time the window cannot draw and a
 * streamed reply cannot move, so TgAiClient and TgAnalyticsService queue their
 * rows here instead. One thread, one connection of its own to the same file,
 * rows written in the order they were queued. */
#pragma once

#include <gio/gio.h>

#include "tg-db.h"

G_BEGIN_DECLS

#define TG_TYPE_USAGE_WRITER (tg_usage_writer_get_type ())
G_DECLARE_FINAL_TYPE (TgUsageWriter, tg_usage_writer, TG, USAGE_WRITER, GObject)

/* Opens @db_path (already migrated) on the writer thread, at the first row. */
TgUsageWriter *tg_usage_writer_new            (const char           *db_path,
                                               guint                 busy_timeout_ms);

/* Queues a copy of @record. It goes to the writer thread when the caller's
 * thread-default main context is next idle (or at flush() or the end), and
 * the callback runs on that context once the row is written (or could not
 * be). Call it, and flush(), from that context's thread. */
void           tg_usage_writer_insert_async   (TgUsageWriter        *self,
                                               const TgUsageRecord  *record,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
/* The row as written, its id set; NULL with @error when it could not be.
 * The callback's source object is NULL: a completion waiting on its main
 * context does not keep the writer, and its thread, alive. */
TgUsageRecord *tg_usage_writer_insert_finish  (GAsyncResult         *result,
                                               GError              **error);

/* Rows queued and not yet written. */
guint          tg_usage_writer_get_pending    (TgUsageWriter        *self);
/* Blocks until every row queued before the call is written: for the end of
 * a command-line run and for tests, never for the main loop of the app. The
 * callbacks still run later, on their main context. */
void           tg_usage_writer_flush          (TgUsageWriter        *self);

G_END_DECLS
