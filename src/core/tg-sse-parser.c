/* tg-sse-parser.c: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 *
 * Lines are split on bytes (CR, LF and CRLF are ASCII, so a split never lands
 * inside a UTF-8 sequence of a complete line) and each complete line is decoded
 * on its own, which makes chunk boundaries irrelevant. */

#include "tg-sse-parser.h"

#include <string.h>

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
    g_string_truncate (self->data, self->data->len - 1);

  event.type = self->event_type->len > 0 ? self->event_type->str : "message";
  event.data = self->data->str;
  event.last_id = self->last_event_id;
  self->func (&event, self->user_data);

  g_string_truncate (self->data, 0);
  g_string_truncate (self->event_type, 0);
}

static gboolean
is_all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static gboolean
process_line (TgSseParser *self,
              GError     **error)
{
  g_autofree char *line = NULL;
  const char *colon;
  const char *value;
  g_autofree char *field = NULL;
  gboolean has_nul;

  if (self->line->len == 0)
    {
      dispatch (self);
      return TRUE;
    }

  /* A NUL would end the C string early: the spec ignores an id holding one,
   * and provider payloads (JSON) never carry a raw one. */
  has_nul = memchr (self->line->str, '\0', self->line->len) != NULL;

  /* Invalid UTF-8 becomes U+FFFD, as the spec's decoder does. */
  line = g_utf8_make_valid (self->line->str, self->line->len);
  g_string_truncate (self->line, 0);

  if (line[0] == ':')
    return TRUE;

  colon = strchr (line, ':');
  if (colon != NULL)
    {
      field = g_strndup (line, colon - line);
      value = colon + 1;
      if (*value == ' ')
        value++;
    }
  else
    {
      field = g_strdup (line);
      value = "";
    }

  self->data_seen = TRUE;

  if (g_str_equal (field, "event"))
    {
      g_string_assign (self->event_type, value);
    }
  else if (g_str_equal (field, "data"))
    {
      if (self->data->len + strlen (value) + 1 > self->max_size)
        {
          self->failed = TRUE;
          g_set_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE,
                       "An event’s data exceeds %" G_GSIZE_FORMAT " bytes", self->max_size);
          return FALSE;
        }
      g_string_append (self->data, value);
      g_string_append_c (self->data, '\n');
    }
  else if (g_str_equal (field, "id"))
    {
      if (!has_nul)
        {
          g_free (self->last_event_id);
          self->last_event_id = g_strdup (value);
        }
    }
  else if (g_str_equal (field, "retry"))
    {
      if (is_all_digits (value))
        self->retry = g_ascii_strtoll (value, NULL, 10);
    }
  /* Any other field is ignored. */

  return TRUE;
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

  for (; i < length; i++)
    {
      char c = data[i];

      if (self->after_cr)
        {
          self->after_cr = FALSE;
          if (c == '\n')
            continue;
        }

      if (c == '\r' || c == '\n')
        {
          self->after_cr = (c == '\r');
          if (!process_line (self, error))
            return FALSE;
          continue;
        }

      if (self->line->len >= self->max_size)
        {
          self->failed = TRUE;
          g_set_error (error, TG_SSE_PARSER_ERROR, TG_SSE_PARSER_ERROR_TOO_LARGE,
                       "A line of the event stream exceeds %" G_GSIZE_FORMAT " bytes", self->max_size);
          return FALSE;
        }
      g_string_append_c (self->line, c);
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
