/* tg-sse-parser.c: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Lines are split on bytes (CR, LF and CRLF are ASCII, so a split never lands
 * inside a UTF-8 sequence of a complete line) and each complete line is decoded
 * on its own, which makes chunk boundaries irrelevant. */

#include "tg-sse-parser.h"

#include <string.h>

#include "tg-bytes.h"

#define DEFAULT_MAX_SIZE (16 * 1024 * 1024)

G_DEFINE_QUARK (tg-sse-parser-error-quark, tg_sse_parser_error)

struct _TgSseParser
{
  TgSseEventFunc  func;
  gpointer        user_data;
  gsize           max_size;

  GString        *line;         /* bytes of the current, unfinished line */
  GString        *data;         /* the data buffer of the current event */
  GString        *event_type;
  char           *last_event_id;
  gint64          retry;

  guint           bom_checked : 1;
  guint           after_cr : 1; /* the last byte was CR: a following LF belongs to it */
  guint           failed : 1;
  guint           data_seen : 1; /* some field of the current event was read */
};

TgSseParser *
tg_sse_parser_new (gsize          max_size,
                   TgSseEventFunc func,
                   gpointer       user_data)
{
  TgSseParser *self = g_new0 (TgSseParser, 1);

  self->func = func;
  self->user_data = user_data;
  self->max_size = max_size ? max_size : DEFAULT_MAX_SIZE;
  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->event_type = g_string_new (NULL);
  self->last_event_id = g_strdup ("");
  self->retry = -1;
  return self;
}

void
tg_sse_parser_free (TgSseParser *self)
{
  if (self == NULL)
    return;
  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_string_free (self->event_type, TRUE);
  g_free (self->last_event_id);
  g_free (self);
}

static void
dispatch (TgSseParser *self)
{
  TgSseEvent event;

  self->data_seen = FALSE;

  /* An event with no data is not dispatched, and its type is forgotten. */
  if (self->data->len == 0)
    {
      g_string_truncate (self->event_type, 0);
      return;
    }

  if (self->data->str[self->data->len - 1] == '\n')
    self->data->str[--self->data->len] = '\0';

  event.type = self->event_type->len > 0 ? self->event_type->str : "message";
  event.data = self->data->str;
  event.last_id = self->last_event_id;
  self->func (&event, self->user_data);

  tg_string_clear (self->data);
  tg_string_clear (self->event_type);
}

/* A retry: value: digits only, saturating as g_ascii_strtoll() does. */
static gboolean
parse_retry (const char *value,
             gsize       length,
             gint64     *out)
{
  gint64 n = 0;

  if (length == 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      int digit = value[i] - '0';

      if (!g_ascii_isdigit (value[i]))
        return FALSE;
      n = n > (G_MAXINT64 - digit) / 10 ? G_MAXINT64 : n * 10 + digit;
    }
  *out = n;
  return TRUE;
}

static inline gboolean
field_is (const char *field,
          gsize       length,
          const char *name,
          gsize       name_length)
{
  return length == name_length && memcmp (field, name, length) == 0;
}

/* Valid UTF-8 without a NUL, as g_utf8_validate_len() tells it: nearly
 * every line of a stream of JSON, which is plain ASCII bar a few characters.
 * Plain bytes go sixteen (or eight) at a time; a sequence past 0x7F is
 * checked where it is. */
static gboolean
is_valid_line (const char *line,
               gsize       length)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  gsize i = 0;

#ifdef TG_HAVE_BYTES16
  /* A plain line, the rule, in one sweep that does not stop to look where. */
  if (length >= 16)
    {
      TgBytes16 any = { 0 };
      TgBytes16 v;

      for (; i + 16 <= length; i += 16)
        {
          memcpy (&v, line + i, sizeof v);
          /* Signed, a byte past 0x7F is below zero. */
          any |= v <= 0;
        }
      memcpy (&v, line + length - 16, sizeof v);
      any |= v <= 0;
      if (tg_bytes16_first (any) == 16)
        return TRUE;
      i = 0;
    }
#endif

  while (i < length)
    {
      guchar b;
      gsize n;

#ifdef TG_HAVE_BYTES16
      for (; i + 16 <= length; i += 16)
        {
          TgBytes16 v;

          memcpy (&v, line + i, sizeof v);
          /* Signed, a byte past 0x7F is below zero. */
          if (tg_bytes16_first (v <= 0) < 16)
            break;
        }
#endif
      for (; i + 8 <= length; i += 8)
        {
          guint64 word;

          memcpy (&word, line + i, sizeof word);
          /* A zero byte borrows into its high bit; a byte past 0x7F has it set. */
          if (((word - ones) | word) & highs)
            break;
        }

      /* One at a time up to the next plain run. */
      for (; i < length && (gint8) line[i] > 0; i++)
        ;
      if (i >= length)
        break;
      b = (guchar) line[i];
      if (b == 0)
        return FALSE;
      n = tg_utf8_sequence ((const guchar *) line + i, (const guchar *) line + length);
      if (n == 0)
        return FALSE;
      i += n;
    }
  return TRUE;
}

/* A line that is not empty, as valid UTF-8 (@has_nul: it held a NUL that
 * became U+FFFD). */
static gboolean
process_field (TgSseParser *self,
               const char  *line,
               gsize        length,
               gboolean     has_nul,
               GError     **error)
{
  const char *colon, *value;
  gsize field_length, value_length;

  if (line[0] == ':')
    return TRUE;

  colon = memchr (line, ':', length);
  if (colon != NULL)
    {
      field_length = colon - line;
      value = colon + 1;
      if (value < line + length && *value == ' ')
        value++;
    }
  else
    {
      field_length = length;
      value = line + length;
    }
  value_length = line + length - value;

  self->data_seen = TRUE;

  if (field_is (line, field_length, "data", 4))
    {
      if (self->data->len + value_length + 1 > self->max_size)
        {
          self->failed = TRUE;
          g_set_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE,
                       "An event’s data exceeds %" G_GSIZE_FORMAT " bytes", self->max_size);
          return FALSE;
        }
      tg_string_append_bytes (self->data, value, value_length);
      tg_string_append_bytes (self->data, "\n", 1);
    }
  else if (field_is (line, field_length, "event", 5))
    {
      g_string_truncate (self->event_type, 0);
      g_string_append_len (self->event_type, value, value_length);
    }
  else if (field_is (line, field_length, "id", 2))
    {
      if (!has_nul)
        {
          g_free (self->last_event_id);
          self->last_event_id = g_strndup (value, value_length);
        }
    }
  else if (field_is (line, field_length, "retry", 5))
    parse_retry (value, value_length, &self->retry);
  /* Any other field is ignored. */

  return TRUE;
}

/* One complete line, without its line end; @line need not be terminated. */
static gboolean
process_line (TgSseParser *self,
              const char  *line,
              gsize        length,
              GError     **error)
{
  if (length == 0)
    {
      dispatch (self);
      return TRUE;
    }

  /* Invalid UTF-8 becomes U+FFFD, as the spec's decoder does (a NUL byte
   * too). A valid line, which nearly every line is, is read where it is. */
  if (G_LIKELY (is_valid_line (line, length)))
    return process_field (self, line, length, FALSE, error);

  {
    g_autofree char *valid = g_utf8_make_valid (line, length);

    /* A NUL would end the C string early: the spec ignores an id holding one,
     * and provider payloads (JSON) never carry a raw one. */
    return process_field (self, valid, strlen (valid), memchr (line, '\0', length) != NULL, error);
  }
}

static gboolean
line_too_long (TgSseParser *self,
               GError     **error)
{
  self->failed = TRUE;
  g_set_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE,
               "A line of the event stream exceeds %" G_GSIZE_FORMAT " bytes", self->max_size);
  return FALSE;
}

gboolean
tg_sse_parser_feed (TgSseParser *self,
                    const char  *data,
                    gsize        length,
                    GError     **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->failed)
    {
      g_set_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE,
                   "The event stream was abandoned after exceeding its size limit");
      return FALSE;
    }

  /* One leading BOM is dropped; it may arrive split over several chunks. */
  if (!self->bom_checked)
    {
      static const char bom[] = "\xEF\xBB\xBF";

      while (i < length && self->line->len < 3 && data[i] == bom[self->line->len])
        g_string_append_c (self->line, data[i++]);

      if (self->line->len == 3)
        {
          g_string_truncate (self->line, 0);
          self->bom_checked = TRUE;
        }
      else if (i < length)
        {
          /* Not a BOM after all: the bytes held back are ordinary input. */
          self->bom_checked = TRUE;
        }
      else
        return TRUE;
    }

  while (i < length)
    {
      const char *start = data + i;
      gsize rest = length - i;
      const char *lf, *end;
      gsize line_length;
      gboolean ok;

      if (self->after_cr)
        {
          self->after_cr = FALSE;
          if (*start == '\n')
            {
              i++;
              continue;
            }
        }

      /* Lines end with LF, CR or CRLF; most streams use LF alone, so two
       * memchr() passes beat a test per byte. */
      lf = memchr (start, '\n', rest);
      end = memchr (start, '\r', lf != NULL ? (gsize) (lf - start) : rest);
      if (end == NULL)
        end = lf;
      line_length = end != NULL ? (gsize) (end - start) : rest;

      /* (A held-back partial BOM can make the line longer than the limit.) */
      if (line_length > 0 && self->line->len + line_length > self->max_size)
        {
          /* What fits stays pending, as when bytes came one at a time. */
          if (self->line->len < self->max_size)
            g_string_append_len (self->line, start, self->max_size - self->line->len);
          return line_too_long (self, error);
        }

      if (end == NULL)
        {
          /* The rest of the line comes with the next bytes. */
          tg_string_append_bytes (self->line, start, line_length);
          break;
        }

      self->after_cr = *end == '\r';
      i += line_length + 1;

      /* A whole line in this chunk is read in place, without a copy. */
      if (self->line->len == 0)
        ok = process_line (self, start, line_length, error);
      else
        {
          tg_string_append_bytes (self->line, start, line_length);
          ok = process_line (self, self->line->str, self->line->len, error);
          tg_string_clear (self->line);
        }
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

gboolean
tg_sse_parser_finish (TgSseParser *self)
{
  gboolean pending;

  g_return_val_if_fail (self != NULL, FALSE);

  pending = self->line->len > 0 || self->data_seen;

  g_string_truncate (self->line, 0);
  g_string_truncate (self->data, 0);
  g_string_truncate (self->event_type, 0);
  self->data_seen = FALSE;
  self->after_cr = FALSE;
  return pending;
}

gint64
tg_sse_parser_get_retry (TgSseParser *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->retry;
}

const char *
tg_sse_parser_get_last_event_id (TgSseParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->last_event_id;
}
