/* tg-ndjson-reader.h: splits a byte stream into newline-delimited JSON lines
 * (Ollama's streaming format). Pure; the caller parses each line. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TG_NDJSON_READER_ERROR (tg_ndjson_reader_error_quark ())

typedef enum {
  TG_NDJSON_READER_ERROR_TOO_LARGE,
} TgNdjsonReaderError;

GQuark tg_ndjson_reader_error_quark (void);

/* @line is NUL-terminated, without its line end, never empty or only white space. */
typedef void (*TgNdjsonLineFunc) (const char *line,
                                  gsize       length,
                                  gpointer    user_data);

typedef struct _TgNdjsonReader TgNdjsonReader;

/* @max_line: the most bytes one line may take (0: 16 MiB). */
TgNdjsonReader *tg_ndjson_reader_new    (gsize             max_line,
                                         TgNdjsonLineFunc  func,
                                         gpointer          user_data);
void            tg_ndjson_reader_free   (TgNdjsonReader   *self);
gboolean        tg_ndjson_reader_feed   (TgNdjsonReader   *self,
                                         const char       *data,
                                         gsize             length,
                                         GError          **error);
/* End of stream: a last line without a newline is still delivered (servers may
 * omit the final one); returns TRUE when such a line was there. */
gboolean        tg_ndjson_reader_finish (TgNdjsonReader   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgNdjsonReader, tg_ndjson_reader_free)

G_END_DECLS
