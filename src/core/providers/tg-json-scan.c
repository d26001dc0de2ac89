/* tg-json-scan.c: a strict JSON pull scanner that reads in place (see the header).
 *
 * The grammar is RFC 8259's; UTF-8 is validated as g_utf8_validate() does
 * (no overlong forms, no surrogates, nothing past U+10FFFF). */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-bytes.h"
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

      /* Compact JSON, the rule, has none: one test tells. */
      if ((guchar) c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t'))
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

/* skip_unmarked (special_bytes), sixteen bytes at a time where vectors
 * allow, then eight. */
static inline gsize
skip_plain16 (const char *data,
              gsize       i,
              gsize       length)
{
#ifdef TG_HAVE_BYTES16
  while (i + 16 <= length)
    {
      TgBytes16 v;
      guint first;

      memcpy (&v, data + i, sizeof v);
      /* Signed, a byte past 0x7F is below 0x20 too. */
      first = tg_bytes16_first ((v < 0x20) | (v == '"') | (v == '\\'));
      if (first < 16)
        return i + first;
      i += 16;
    }
#endif
  return skip_unmarked (data, i, length, special_bytes);
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

      /* Most of a string is plain ASCII: sixteen or eight bytes at a time, then one. */
      i = skip_plain16 (data, i, length);
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
        gsize n = tg_utf8_sequence ((const guchar *) data + i, (const guchar *) data + length);

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

/* Capture: one pass that validates and looks members up at once. It walks
 * the bytes with pointers held in registers, without the checks a pull API
 * repeats on every call, and tells the usual plain string or integer at a
 * glance; escapes, UTF-8 and every other number go through the readers
 * above, so what is valid stays exactly what they accept. Anything
 * unusual is declined (NULL) for the caller's full read. */

typedef struct {
  TgJsonScanner *self;     /* for the readers above */
  const char    *data;
  const char    *end;
  TgJsonValue   *values;
} Capture;

static const char *capture_container (const Capture      *cap,
                                      const char         *p,
                                      guint               depth,
                                      const TgJsonWanted *want,
                                      TgJsonValue        *out);
G_ALWAYS_INLINE static inline const char *capture_value (const Capture      *cap,
                                                         const char         *p,
                                                         guint               depth,
                                                         const TgJsonWanted *want,
                                                         TgJsonValue        *out);

static const char *
capture_space (const Capture *cap,
               const char    *p)
{
  while (p < cap->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* The byte at @p, 0 at the end. */
static inline char
capture_byte (const Capture *cap,
              const char    *p)
{
  return p < cap->end ? *p : '\0';
}

/* Moves *@p past white space, which compact JSON, the rule, does without:
 * one test tells. The byte there, 0 at the end. */
static inline char
capture_next (const Capture  *cap,
              const char    **p)
{
  char c = capture_byte (cap, *p);

  if (G_UNLIKELY ((guchar) c <= ' '))
    {
      *p = capture_space (cap, *p);
      c = capture_byte (cap, *p);
    }
  return c;
}

/* A set of name lengths, for a quick no. */
static inline guint64
length_bit (gsize length)
{
  return G_GUINT64_CONSTANT (1) << MIN (length, 63);
}

static inline void
set_value (TgJsonValue *out,
           TgJsonType   type,
           const char  *start,
           const char  *end,
           guint        depth)
{
  if (out == NULL)
    return;
  out->type = type;
  out->start = start;
  out->length = end - start;
  out->depth = depth;
  out->escaped = FALSE;
  out->integer = FALSE;
}

/* The closing quote of the string at @p (its opening quote): validate_string(),
 * with the usual string (printable ASCII, no escape) told by one vector scan.
 * Not skip_plain16(): its eight-byte step after the vectors made a stream
 * event about 12 % dearer (callgrind, bench-metering). */
static inline const char *
capture_string (const Capture *cap,
                const char    *p,
                gboolean      *escaped)
{
  const char *q = p + 1;
  gsize i;

#ifdef TG_HAVE_BYTES16
  for (; cap->end - q >= 16; q += 16)
    {
      TgBytes16 v;
      guint first;

      memcpy (&v, q, sizeof v);
      first = tg_bytes16_first ((v < 0x20) | (v == '"') | (v == '\\'));
      if (first < 16)
        {
          if (G_LIKELY (q[first] == '"'))
            return q + first;
          goto full;
        }
    }
#endif
  /* The last bytes of the data one at a time. */
  for (; q < cap->end; q++)
    {
      guchar b = (guchar) *q;

      if (b == '"')
        return q;
      if (b < 0x20 || b >= 0x80 || b == '\\')
        break;
    }

#ifdef TG_HAVE_BYTES16
full:
#endif
  cap->self->pos = p - cap->data;
  if (!validate_string (cap->self, &i, escaped))
    return NULL;
  return cap->data + i;
}

/* After a member or an element at *@p (NULL: a failed read): TRUE past a
 * comma, FALSE past @close, or with *@p NULL past anything else. */
static inline gboolean
capture_more (const Capture  *cap,
              const char    **p,
              char            close)
{
  char c;

  if (*p == NULL)
    return FALSE;
  c = capture_next (cap, p);
  (*p)++;
  if (c == ',')
    return TRUE;
  if (c != close)
    *p = NULL;
  return FALSE;
}

/* The object at @p, looking for @members (n_members 0: none). */
static const char *
capture_object (const Capture      *cap,
                const char         *p,
                guint               depth,
                const TgJsonWanted *members,
                guint               n_members,
                TgJsonValue        *out)
{
  const char *start = p;
  guint64 lengths = 0;

  if (depth >= TG_JSON_SCAN_MAX_DEPTH)
    return NULL;

  for (guint i = 0; i < n_members; i++)
    lengths |= length_bit (members[i].length);

  p++;
  if (capture_next (cap, &p) == '}')
    p++;
  else
    do
      {
        const TgJsonWanted *want = NULL;
        const char *key_end;
        gboolean escaped = FALSE;

        if (capture_next (cap, &p) != '"' || (key_end = capture_string (cap, p, &escaped)) == NULL)
          return NULL;

        if (n_members > 0)
          {
            gsize key_length = key_end - p - 1;

            /* An escape may spell a wanted name: lookup compares decoded text. */
            if (escaped)
              return NULL;
            if (lengths & length_bit (key_length))
              for (guint i = 0; i < n_members; i++)
                if (members[i].length == key_length && members[i].name[0] == p[1] &&
                    memcmp (members[i].name, p + 1, key_length) == 0)
                  {
                    want = &members[i];
                    break;
                  }
          }
        p = key_end + 1;
        if (capture_next (cap, &p) != ':')
          return NULL;
        p++;

        if (want != NULL)
          {
            TgJsonValue *slot = &cap->values[want->slot];

            /* Which of repeated members counts is lookup's business. */
            if (slot->type != TG_JSON_NONE)
              return NULL;
            p = capture_value (cap, p, depth + 1, want, slot);
          }
        else
          p = capture_value (cap, p, depth + 1, NULL, NULL);
      }
    while (capture_more (cap, &p, '}'));
  if (p == NULL)
    return NULL;

  set_value (out, TG_JSON_OBJECT, start, p, depth);
  return p;
}

/* The array at @p; with @element, whose members are looked for in the one
 * object it may hold. */
static const char *
capture_array (const Capture      *cap,
               const char         *p,
               guint               depth,
               const TgJsonWanted *element,
               TgJsonValue        *out)
{
  const char *start = p;
  guint n = 0;

  if (depth >= TG_JSON_SCAN_MAX_DEPTH)
    return NULL;

  p++;
  if (capture_next (cap, &p) == ']')
    p++;
  else
    do
      {
        if (element != NULL)
          {
            if (n++ > 0 || capture_next (cap, &p) != '{')
              return NULL;
            p = capture_object (cap, p, depth + 1, element->members, element->n_members, NULL);
          }
        else
          p = capture_value (cap, p, depth + 1, NULL, NULL);
      }
    while (capture_more (cap, &p, ']'));
  if (p == NULL)
    return NULL;

  set_value (out, TG_JSON_ARRAY, start, p, depth);
  return p;
}

static inline const char *
capture_literal (const Capture *cap,
                 const char    *p,
                 const char    *literal,
                 gsize          length,
                 TgJsonType     type,
                 guint          depth,
                 TgJsonValue   *out)
{
  if ((gsize) (cap->end - p) < length || memcmp (p, literal, length) != 0)
    return NULL;
  set_value (out, type, p, p + length, depth);
  return p + length;
}

/* The value at @p, which starts with @c, past white space. Scalars are
 * read here, inlined where values are read: most values are one. */
G_ALWAYS_INLINE static inline const char *
capture_value_at (const Capture      *cap,
                  const char         *p,
                  char                c,
                  guint               depth,
                  const TgJsonWanted *want,
                  TgJsonValue        *out)
{
  const char *q;
  gboolean escaped = FALSE;

  /* Strings first: most values are one. */
  if (c == '"')
    {
      q = capture_string (cap, p, &escaped);
      if (q == NULL)
        return NULL;
      set_value (out, TG_JSON_STRING, p + 1, q, depth);
      if (out != NULL)
        out->escaped = escaped;
      return q + 1;
    }

  switch (c)
    {
    case '{':
    case '[':
      return capture_container (cap, p, depth, want, out);
    case 't':
      return capture_literal (cap, p, "true", 4, TG_JSON_TRUE, depth, out);
    case 'f':
      return capture_literal (cap, p, "false", 5, TG_JSON_FALSE, depth, out);
    case 'n':
      return capture_literal (cap, p, "null", 4, TG_JSON_NULL, depth, out);
    case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
      /* A plain integer, the usual number, ends at a byte that cannot go on one. */
      for (q = p + 1; q < cap->end && *q >= '0' && *q <= '9'; q++)
        ;
      if (q < cap->end && *q != '.' && *q != 'e' && *q != 'E')
        {
          set_value (out, TG_JSON_NUMBER, p, q, depth);
          if (out != NULL)
            out->integer = TRUE;
          return q;
        }
      G_GNUC_FALLTHROUGH;
    case '-': case '0':
      cap->self->pos = p - cap->data;
      cap->self->depth = depth;
      if (!read_number (cap->self, out))
        return NULL;
      return cap->data + cap->self->pos;
    default:
      return NULL;
    }
}

static const char *
capture_container (const Capture      *cap,
                   const char         *p,
                   guint               depth,
                   const TgJsonWanted *want,
                   TgJsonValue        *out)
{
  if (*p == '[')
    return capture_array (cap, p, depth, want != NULL && want->element ? want : NULL, out);
  if (want != NULL && !want->element)
    return capture_object (cap, p, depth, want->members, want->n_members, out);
  return capture_object (cap, p, depth, NULL, 0, out);
}

G_ALWAYS_INLINE static inline const char *
capture_value (const Capture      *cap,
               const char         *p,
               guint               depth,
               const TgJsonWanted *want,
               TgJsonValue        *out)
{
  char c = capture_next (cap, &p);

  return capture_value_at (cap, p, c, depth, want, out);
}

gboolean
tg_json_scanner_capture (TgJsonScanner      *self,
                         const TgJsonWanted *wanted,
                         guint               n_wanted,
                         TgJsonValue        *values,
                         guint               n_values)
{
  Capture cap = { self, self->data, self->data + self->length, values };
  const char *p;

  for (guint i = 0; i < n_values; i++)
    values[i].type = TG_JSON_NONE;

  if (self->error != TG_JSON_SCAN_OK || self->pos != 0 || self->depth != 0 || self->data == NULL)
    return FALSE;
  p = cap.data;
  if (capture_next (&cap, &p) != '{')
    return FALSE;
  p = capture_object (&cap, p, 0, wanted, n_wanted, NULL);
  if (p == NULL)
    return FALSE;
  p = capture_space (&cap, p);
  self->pos = p - cap.data;
  return p == cap.end;
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
      /* A piece per stream event: the cheap append (the value is never in @out). */
      tg_string_append_bytes (out, value->start, value->length);
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
