/* tg-json-scan.c: a strict JSON pull scanner that reads in place (see the header).
 *
 * The grammar is RFC 8259's; UTF-8 is validated as g_utf8_validate() does
 * (no overlong forms, no surrogates, nothing past U+10FFFF). */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-json-scan.h"

static gboolean
fail (TgJsonScanner   *self,
      TgJsonScanError  error)
{
  if (self->error == TG_JSON_SCAN_OK)
    {
      self->error = error;
      self->error_pos = self->pos;
    }
  return FALSE;
}

static inline void
skip_space (TgJsonScanner *self)
{
  while (self->pos < self->length)
    {
      char c = self->data[self->pos];

      if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        break;
      self->pos++;
    }
}

void
tg_json_scanner_init (TgJsonScanner *self,
                      const char    *data,
                      gsize          length)
{
  memset (self, 0, sizeof *self);
  self->data = data;
  self->length = data != NULL ? length : 0;
}

void
tg_json_scanner_init_at (TgJsonScanner       *self,
                         const TgJsonScanner *document,
                         const TgJsonValue   *value)
{
  tg_json_scanner_init (self, document->data, document->length);
  self->pos = value->start - document->data;
  /* A string's start is past its opening quote. */
  if (value->type == TG_JSON_STRING)
    self->pos--;
  self->depth = value->depth;
  self->trusted = TRUE;
}

TgJsonType
tg_json_scanner_peek (TgJsonScanner *self)
{
  if (self->error != TG_JSON_SCAN_OK)
    return TG_JSON_NONE;
  skip_space (self);
  if (self->pos >= self->length)
    return TG_JSON_NONE;

  switch (self->data[self->pos])
    {
    case '{':
      return TG_JSON_OBJECT;
    case '[':
      return TG_JSON_ARRAY;
    case '"':
      return TG_JSON_STRING;
    case 't':
      return TG_JSON_TRUE;
    case 'f':
      return TG_JSON_FALSE;
    case 'n':
      return TG_JSON_NULL;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return TG_JSON_NUMBER;
    default:
      return TG_JSON_NONE;
    }
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at @p (at least 4 bytes are there), or -1. */
static inline gint32
hex4 (const char *p)
{
  int a = hex_value (p[0]), b = hex_value (p[1]), c = hex_value (p[2]), d = hex_value (p[3]);

  if (a < 0 || b < 0 || c < 0 || d < 0)
    return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/* The length of the UTF-8 sequence at @p (before @end), 0 if invalid.
 * Unicode's table 3-7 of well-formed sequences. */
static inline gsize
utf8_sequence (const guchar *p,
               const guchar *end)
{
  gsize avail = end - p;
  guchar c = p[0];
  guchar lo = 0x80, hi = 0xBF;
  gsize n;

  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    {
      n = 3;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;  /* no surrogates */
    }
  else if (c >= 0xF0 && c <= 0xF4)
    {
      n = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;  /* nothing past U+10FFFF */
    }
  else
    return 0;

  if (avail < n || p[1] < lo || p[1] > hi)
    return 0;
  for (gsize i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return n;
}

#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* The high bit of each byte of @word that equals @c. The classic zero-byte
 * test: a borrow can only mark bytes after a byte truly marked, so the first
 * byte marked is exact, which is all that is used. */
static inline guint64
bytes_equal (guint64 word,
             guchar  c)
{
  guint64 x = word ^ (ONES * c);

  return (x - ONES) & ~x & HIGHS;
}

/* The bytes of @word that a string scan must look at: a control character,
 * anything past 0x7F, a quote or a backslash. */
static inline guint64
special_bytes (guint64 word)
{
  guint64 control = (word - ONES * 0x20) & ~word & HIGHS;

  return control | (word & HIGHS) | bytes_equal (word, '"') | bytes_equal (word, '\\');
}

/* Which of the eight bytes loaded from memory the first mark of @mask is on. */
static inline guint
first_marked (guint64 mask)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return (guint) __builtin_ctzll (mask) / 8;
#else
  return (guint) __builtin_clzll (mask) / 8;
#endif
}

/* Moves @i to the first byte in data[i, length) marked by @marks, a word at a
 * time, or to the last 7 bytes, which the caller looks at one by one. */
static inline gsize
skip_unmarked (const char *data,
               gsize       i,
               gsize       length,
               guint64   (*marks) (guint64))
{
  while (i + 8 <= length)
    {
      guint64 word, mask;

      memcpy (&word, data + i, sizeof word);
      mask = marks (word);
      if (mask != 0)
        return i + first_marked (mask);
      i += 8;
    }
  return i;
}

static inline guint64
quotes_and_backslashes (guint64 word)
{
  return bytes_equal (word, '"') | bytes_equal (word, '\\');
}

/* A string read and validated before: only its end is wanted. */
static gboolean
skip_trusted_string (TgJsonScanner *self,
                     gsize         *end,
                     gboolean      *escaped)
{
  const char *data = self->data;
  gsize length = self->length;
  gsize i = self->pos + 1;

  *escaped = FALSE;
  for (;;)
    {
      i = skip_unmarked (data, i, length, quotes_and_backslashes);
      while (i < length && data[i] != '"' && data[i] != '\\')
        i++;
      if (i >= length)
        {
          self->pos = length;
          return fail (self, TG_JSON_SCAN_ERROR_END);
        }
      if (data[i] == '"')
        break;
      /* An escape may hide a quote: step over it. */
      *escaped = TRUE;
      i += 2;
    }
  *end = i;
  return TRUE;
}

/* The string at pos (its opening quote), validated: where its closing quote is. */
static gboolean
validate_string (TgJsonScanner *self,
                 gsize         *end,
                 gboolean      *escaped)
{
  const char *data = self->data;
  gsize length = self->length;
  gsize i = self->pos + 1;

  for (;;)
    {
      guchar b;

      /* Most of a string is plain ASCII: eight bytes at a time, then one. */
      i = skip_unmarked (data, i, length, special_bytes);
      while (i < length)
        {
          b = (guchar) data[i];
          if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\')
            break;
          i++;
        }
      if (i >= length)
        {
          self->pos = i;
          return fail (self, TG_JSON_SCAN_ERROR_END);
        }

      b = (guchar) data[i];
      if (b == '"')
        break;

      if (b == '\\')
        {
          *escaped = TRUE;
          if (i + 1 >= length)
            {
              self->pos = length;
              return fail (self, TG_JSON_SCAN_ERROR_END);
            }
          switch (data[i + 1])
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              i += 2;
              break;
            case 'u':
              {
                gint32 unit;

                if (length - i < 6)
                  {
                    /* Cut short, unless what there is already is no hex digit. */
                    gsize j = i + 2;

                    while (j < length && hex_value (data[j]) >= 0)
                      j++;
                    self->pos = j < length ? i : length;
                    return fail (self, j < length ? TG_JSON_SCAN_ERROR_ESCAPE : TG_JSON_SCAN_ERROR_END);
                  }
                unit = hex4 (data + i + 2);
                if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
                  {
                    self->pos = i;
                    return fail (self, TG_JSON_SCAN_ERROR_ESCAPE);
                  }
                if (unit >= 0xD800 && unit <= 0xDBFF)
                  {
                    gint32 low;

                    /* A high surrogate must be followed by a low one. */
                    if (length - i < 12)
                      {
                        self->pos = i;
                        return fail (self, length - i >= 8 && data[i + 6] == '\\' && data[i + 7] == 'u'
                                           ? TG_JSON_SCAN_ERROR_END : TG_JSON_SCAN_ERROR_ESCAPE);
                      }
                    low = data[i + 6] == '\\' && data[i + 7] == 'u' ? hex4 (data + i + 8) : -1;
                    if (low < 0xDC00 || low > 0xDFFF)
                      {
                        self->pos = i;
                        return fail (self, TG_JSON_SCAN_ERROR_ESCAPE);
                      }
                    i += 12;
                  }
                else
                  i += 6;
              }
              break;
            default:
              self->pos = i;
              return fail (self, TG_JSON_SCAN_ERROR_ESCAPE);
            }
          continue;
        }

      if (b < 0x20)
        {
          self->pos = i;
          return fail (self, TG_JSON_SCAN_ERROR_CONTROL);
        }

      {
        gsize n = utf8_sequence ((const guchar *) data + i, (const guchar *) data + length);

        if (n == 0)
          {
            self->pos = i;
            return fail (self, TG_JSON_SCAN_ERROR_UTF8);
          }
        i += n;
      }
    }

  *end = i;
  return TRUE;
}

/* The string at pos (its opening quote). */
static gboolean
read_string (TgJsonScanner *self,
             TgJsonValue   *out)
{
  gsize start = self->pos + 1;
  gsize end = start;
  gboolean escaped = FALSE;

  if (self->trusted ? !skip_trusted_string (self, &end, &escaped) : !validate_string (self, &end, &escaped))
    return FALSE;

  if (out != NULL)
    {
      out->type = TG_JSON_STRING;
      out->start = self->data + start;
      out->length = end - start;
      out->depth = self->depth;
      out->escaped = escaped;
      out->integer = FALSE;
    }
  self->pos = end + 1;
  return TRUE;
}

static inline gsize
skip_digits (const char *data,
             gsize       i,
             gsize       length)
{
  while (i < length && data[i] >= '0' && data[i] <= '9')
    i++;
  return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
read_number (TgJsonScanner *self,
             TgJsonValue   *out)
{
  const char *data = self->data;
  gsize length = self->length;
  gsize start = self->pos, i = start, digits;
  gboolean integer = TRUE;

  if (data[i] == '-')
    i++;
  if (i >= length)
    {
      self->pos = i;
      return fail (self, TG_JSON_SCAN_ERROR_END);
    }
  if (data[i] == '0')
    i++;
  else if (data[i] >= '1' && data[i] <= '9')
    i = skip_digits (data, i + 1, length);
  else
    {
      self->pos = i;
      return fail (self, TG_JSON_SCAN_ERROR_NUMBER);
    }

  if (i < length && data[i] == '.')
    {
      integer = FALSE;
      digits = skip_digits (data, i + 1, length);
      if (digits == i + 1)
        {
          self->pos = digits;
          return fail (self, digits >= length ? TG_JSON_SCAN_ERROR_END : TG_JSON_SCAN_ERROR_NUMBER);
        }
      i = digits;
    }

  if (i < length && (data[i] == 'e' || data[i] == 'E'))
    {
      integer = FALSE;
      i++;
      if (i < length && (data[i] == '+' || data[i] == '-'))
        i++;
      digits = skip_digits (data, i, length);
      if (digits == i)
        {
          self->pos = digits;
          return fail (self, digits >= length ? TG_JSON_SCAN_ERROR_END : TG_JSON_SCAN_ERROR_NUMBER);
        }
      i = digits;
    }

  /* A leading zero ("01") leaves a digit behind. */
  if (i < length && data[i] >= '0' && data[i] <= '9')
    {
      self->pos = i;
      return fail (self, TG_JSON_SCAN_ERROR_NUMBER);
    }

  if (out != NULL)
    {
      out->type = TG_JSON_NUMBER;
      out->start = data + start;
      out->length = i - start;
      out->depth = self->depth;
      out->escaped = FALSE;
      out->integer = integer;
    }
  self->pos = i;
  return TRUE;
}

static gboolean
read_literal (TgJsonScanner *self,
              const char    *literal,
              gsize          literal_length,
              TgJsonType     type,
              TgJsonValue   *out)
{
  gsize avail = self->length - self->pos;
  const char *p = self->data + self->pos;

  if (avail < literal_length)
    return fail (self, memcmp (p, literal, avail) == 0 ? TG_JSON_SCAN_ERROR_END : TG_JSON_SCAN_ERROR_SYNTAX);
  if (memcmp (p, literal, literal_length) != 0)
    return fail (self, TG_JSON_SCAN_ERROR_SYNTAX);

  if (out != NULL)
    {
      out->type = type;
      out->start = p;
      out->length = literal_length;
      out->depth = self->depth;
      out->escaped = FALSE;
      out->integer = FALSE;
    }
  self->pos += literal_length;
  return TRUE;
}

/* Past white space, at @c (not read yet). */
static gboolean
expect (TgJsonScanner *self,
        char           c)
{
  if (self->error != TG_JSON_SCAN_OK)
    return FALSE;
  skip_space (self);
  if (self->pos >= self->length)
    return fail (self, TG_JSON_SCAN_ERROR_END);
  if (self->data[self->pos] != c)
    return fail (self, TG_JSON_SCAN_ERROR_SYNTAX);
  return TRUE;
}

static gboolean
enter (TgJsonScanner *self,
       char           open)
{
  if (!expect (self, open))
    return FALSE;
  if (self->depth >= TG_JSON_SCAN_MAX_DEPTH)
    return fail (self, TG_JSON_SCAN_ERROR_DEPTH);
  self->pos++;
  self->depth++;
  self->first = TRUE;
  return TRUE;
}

/* Past the separator before the next member or element: TRUE when there is
 * one, FALSE after @close (or on an error). */
static gboolean
next_item (TgJsonScanner *self,
           char           close)
{
  gboolean first = self->first;
  char c;

  self->first = FALSE;
  if (self->error != TG_JSON_SCAN_OK)
    return FALSE;
  skip_space (self);
  if (self->pos >= self->length)
    return fail (self, TG_JSON_SCAN_ERROR_END);

  c = self->data[self->pos];
  if (c == close)
    {
      self->pos++;
      self->depth--;
      return FALSE;
    }
  if (!first)
    {
      if (c != ',')
        return fail (self, TG_JSON_SCAN_ERROR_SYNTAX);
      self->pos++;
    }
  return TRUE;
}

gboolean
tg_json_scanner_enter_object (TgJsonScanner *self)
{
  return enter (self, '{');
}

gboolean
tg_json_scanner_next_member (TgJsonScanner *self,
                             TgJsonValue   *key)
{
  if (!next_item (self, '}') || !expect (self, '"') || !read_string (self, key) || !expect (self, ':'))
    return FALSE;
  self->pos++;
  return TRUE;
}

gboolean
tg_json_scanner_enter_array (TgJsonScanner *self)
{
  return enter (self, '[');
}

gboolean
tg_json_scanner_next_element (TgJsonScanner *self)
{
  return next_item (self, ']');
}

gboolean
tg_json_scanner_read (TgJsonScanner *self,
                      TgJsonValue   *out)
{
  gsize start;
  guint depth;
  gboolean ok;

  if (out != NULL)
    out->type = TG_JSON_NONE;
  if (self->error != TG_JSON_SCAN_OK)
    return FALSE;
  skip_space (self);
  if (self->pos >= self->length)
    return fail (self, TG_JSON_SCAN_ERROR_END);

  start = self->pos;
  depth = self->depth;

  switch (self->data[self->pos])
    {
    case '"':
      return read_string (self, out);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return read_number (self, out);
    case 't':
      return read_literal (self, "true", 4, TG_JSON_TRUE, out);
    case 'f':
      return read_literal (self, "false", 5, TG_JSON_FALSE, out);
    case 'n':
      return read_literal (self, "null", 4, TG_JSON_NULL, out);
    case '{':
      if (!tg_json_scanner_enter_object (self))
        return FALSE;
      while (tg_json_scanner_next_member (self, NULL))
        if (!tg_json_scanner_read (self, NULL))
          return FALSE;
      ok = self->error == TG_JSON_SCAN_OK;
      break;
    case '[':
      if (!tg_json_scanner_enter_array (self))
        return FALSE;
      while (tg_json_scanner_next_element (self))
        if (!tg_json_scanner_read (self, NULL))
          return FALSE;
      ok = self->error == TG_JSON_SCAN_OK;
      break;
    default:
      return fail (self, TG_JSON_SCAN_ERROR_SYNTAX);
    }

  if (ok && out != NULL)
    {
      out->type = self->data[start] == '{' ? TG_JSON_OBJECT : TG_JSON_ARRAY;
      out->start = self->data + start;
      out->length = self->pos - start;
      out->depth = depth;
      out->escaped = FALSE;
      out->integer = FALSE;
    }
  return ok;
}

gboolean
tg_json_scanner_finish (TgJsonScanner *self)
{
  if (self->error != TG_JSON_SCAN_OK)
    return FALSE;
  skip_space (self);
  if (self->pos < self->length)
    return fail (self, TG_JSON_SCAN_ERROR_TRAILING);
  return TRUE;
}

gboolean
tg_json_scanner_lookup (TgJsonScanner      *self,
                        const char * const *names,
                        guint               n_names,
                        TgJsonValue        *values)
{
  TgJsonValue key;

  for (guint i = 0; i < n_names; i++)
    values[i].type = TG_JSON_NONE;

  if (!tg_json_scanner_enter_object (self))
    return FALSE;

  while (tg_json_scanner_next_member (self, &key))
    {
      TgJsonValue *slot = NULL;

      for (guint i = 0; i < n_names; i++)
        {
          /* Most keys differ from a name in their first byte. */
          if (!key.escaped && key.length > 0 && key.start[0] != names[i][0])
            continue;
          if (tg_json_value_equal (&key, names[i]))
            {
              slot = &values[i];
              break;
            }
        }
      if (!tg_json_scanner_read (self, slot))
        return FALSE;
    }
  return self->error == TG_JSON_SCAN_OK;
}

/* Strings */

/* The piece of an escaped string's text at @p: a run of raw bytes up to the
 * next backslash (*@run set, returns its length), or one escape (*@run NULL,
 * *@c the character, returns the bytes it took). The string was validated. */
static gsize
next_piece (const char  *p,
            const char  *end,
            const char **run,
            gunichar    *c)
{
  const char *backslash;
  gint32 unit;

  if (*p != '\\')
    {
      backslash = memchr (p, '\\', end - p);
      *run = p;
      return (backslash != NULL ? backslash : end) - p;
    }

  *run = NULL;
  switch (p[1])
    {
    case 'b': *c = '\b'; return 2;
    case 'f': *c = '\f'; return 2;
    case 'n': *c = '\n'; return 2;
    case 'r': *c = '\r'; return 2;
    case 't': *c = '\t'; return 2;
    case 'u':
      unit = hex4 (p + 2);
      if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          *c = 0x10000 + (((gunichar) unit - 0xD800) << 10) + ((gunichar) hex4 (p + 8) - 0xDC00);
          return 12;
        }
      *c = (gunichar) unit;
      return 6;
    default:  /* " \ / */
      *c = (guchar) p[1];
      return 2;
    }
}

gboolean
tg_json_value_equal (const TgJsonValue *value,
                     const char        *str)
{
  const char *p, *end;

  if (value->type != TG_JSON_STRING)
    return FALSE;

  if (!value->escaped)
    return strncmp (value->start, str, value->length) == 0 && str[value->length] == '\0';

  p = value->start;
  end = p + value->length;
  while (p < end)
    {
      const char *run;
      gunichar c;
      gsize n = next_piece (p, end, &run, &c);

      if (run != NULL)
        {
          if (strncmp (run, str, n) != 0)
            return FALSE;
          str += n;
        }
      else
        {
          char utf8[6];
          gint len;

          if (c == 0)
            break;
          len = g_unichar_to_utf8 (c, utf8);
          if (strncmp (utf8, str, len) != 0)
            return FALSE;
          str += len;
        }
      p += n;
    }
  return *str == '\0';
}

void
tg_json_value_append (const TgJsonValue *value,
                      GString           *out)
{
  const char *p, *end;

  if (value->type != TG_JSON_STRING)
    return;

  if (!value->escaped)
    {
      g_string_append_len (out, value->start, value->length);
      return;
    }

  p = value->start;
  end = p + value->length;
  while (p < end)
    {
      const char *run;
      gunichar c;
      gsize n = next_piece (p, end, &run, &c);

      if (run != NULL)
        g_string_append_len (out, run, n);
      else if (c == 0)
        return;
      else if (c < 0x80)
        g_string_append_c (out, (char) c);
      else
        g_string_append_unichar (out, c);
      p += n;
    }
}

char *
tg_json_value_dup_string (const TgJsonValue *value)
{
  GString *out;

  if (value->type != TG_JSON_STRING)
    return NULL;
  out = g_string_sized_new (value->length);
  tg_json_value_append (value, out);
  return g_string_free (out, FALSE);
}

/* Numbers */

gboolean
tg_json_value_get_int64 (const TgJsonValue *value,
                         gint64            *out)
{
  const char *p = value->start, *end = value->start + value->length;
  gboolean negative = FALSE;
  guint64 magnitude = 0;

  if (value->type != TG_JSON_NUMBER || !value->integer)
    return FALSE;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  for (; p < end; p++)
    {
      guint digit = *p - '0';

      if (magnitude > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      magnitude = magnitude * 10 + digit;
    }

  if (negative)
    {
      if (magnitude > (guint64) G_MAXINT64 + 1)
        return FALSE;
      *out = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
    }
  else
    {
      if (magnitude > (guint64) G_MAXINT64)
        return FALSE;
      *out = (gint64) magnitude;
    }
  return TRUE;
}

gboolean
tg_json_value_get_double (const TgJsonValue *value,
                          double            *out)
{
  char buffer[64];
  g_autofree char *copy = NULL;
  const char *text = buffer;

  if (value->type != TG_JSON_NUMBER)
    return FALSE;

  /* g_ascii_strtod() wants a terminated string; the value is followed by
   * more JSON, or by nothing at all. */
  if (value->length < sizeof buffer)
    {
      memcpy (buffer, value->start, value->length);
      buffer[value->length] = '\0';
    }
  else
    text = copy = g_strndup (value->start, value->length);

  *out = g_ascii_strtod (text, NULL);
  return TRUE;
}

const char *
tg_json_scan_error_describe (TgJsonScanError error)
{
  switch (error)
    {
    case TG_JSON_SCAN_OK:
      return _("no error");
    case TG_JSON_SCAN_ERROR_END:
      return _("it ends in the middle of a value");
    case TG_JSON_SCAN_ERROR_ESCAPE:
      return _("an invalid escape sequence");
    case TG_JSON_SCAN_ERROR_UTF8:
      return _("invalid UTF-8 in a string");
    case TG_JSON_SCAN_ERROR_CONTROL:
      return _("a control character in a string");
    case TG_JSON_SCAN_ERROR_NUMBER:
      return _("a malformed number");
    case TG_JSON_SCAN_ERROR_DEPTH:
      return _("it is nested too deeply");
    case TG_JSON_SCAN_ERROR_TRAILING:
      return _("more than one value");
    case TG_JSON_SCAN_ERROR_SYNTAX:
    default:
      return _("an unexpected character");
    }
}
