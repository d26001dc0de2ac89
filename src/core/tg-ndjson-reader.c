#include "tg-ndjson-reader.h"

#include <string.h>

#define DEFAULT_MAX_LINE (16 * 1024 * 1024)

G_DEFINE_QUARK (tg-ndjson-reader-error-quark, tg_ndjson_reader_error)

struct _TgNdjsonReader
{
  TgNdjsonLineFunc  func;
  gpointer          user_data;
  gsize             max_line;
  GString          *line;
  gboolean          failed;
};

TgNdjsonReader *
tg_ndjson_reader_new (gsize            max_line,
                      TgNdjsonLineFunc func,
                      gpointer         user_data)
{
  TgNdjsonReader *self = g_new0 (TgNdjsonReader, 1);

  self->func = func;
  self->user_data = user_data;
  self->max_line = max_line ? max_line : DEFAULT_MAX_LINE;
  self->line = g_string_new (NULL);
  return self;
}

void
tg_ndjson_reader_free (TgNdjsonReader *self)
{
  if (self == NULL)
    return;
  g_string_free (self->line, TRUE);
  g_free (self);
}

static void
emit_line (TgNdjsonReader *self)
{
  gsize len = self->line->len;

  /* CRLF line ends and blank keep-alive lines carry nothing. */
  while (len > 0 && g_ascii_isspace (self->line->str[len - 1]))
    len--;
  g_string_truncate (self->line, len);
  if (len > 0 && strspn (self->line->str, " \t") < len)
    self->func (self->line->str, len, self->user_data);
  g_string_truncate (self->line, 0);
}

gboolean
tg_ndjson_reader_feed (TgNdjsonReader *self,
                       const char     *data,
                       gsize           length,
                       GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  while (length > 0 && !self->failed)
    {
      const char *nl = memchr (data, '\n', length);
      gsize chunk = nl ? (gsize) (nl - data) : length;

      if (self->line->len + chunk > self->max_line)
        {
          self->failed = TRUE;
          break;
        }
      g_string_append_len (self->line, data, chunk);
      if (nl == NULL)
        return TRUE;

      emit_line (self);
      data = nl + 1;
      length -= chunk + 1;
    }

  if (self->failed)
    {
      g_set_error (error, TG_NDJSON_READER_ERROR, TG_NDJSON_READER_ERROR_TOO_LARGE,
                   "A line of the stream exceeds %" G_GSIZE_FORMAT " bytes", self->max_line);
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_ndjson_reader_finish (TgNdjsonReader *self)
{
  gboolean pending;

  g_return_val_if_fail (self != NULL, FALSE);

  pending = !self->failed && self->line->len > 0;
  if (pending)
    emit_line (self);
  g_string_truncate (self->line, 0);
  return pending;
}
