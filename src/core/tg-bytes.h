/* tg-bytes.h: byte-level helpers the stream hot path shares (the SSE parser,
 * the JSON scanner). Internal, all inline. */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* Appends @length bytes at @bytes (not inside @string) to @string. Where
 * there is room, as there is for nearly every piece of a stream, a copy as
 * g_string_append_c_inline() makes it: g_string_append_len() checks for
 * overlap and inserts, which costs several times the copy. */
static inline void
tg_string_append_bytes (GString    *string,
                        const char *bytes,
                        gsize       length)
{
  if (G_LIKELY (string->len + length < string->allocated_len))
    {
      memcpy (string->str + string->len, bytes, length);
      string->len += length;
      string->str[string->len] = '\0';
    }
  else
    g_string_append_len (string, bytes, length);
}

/* g_string_truncate (@string, 0), without the call. */
static inline void
tg_string_clear (GString *string)
{
  string->len = 0;
  string->str[0] = '\0';
}

/* The length of the UTF-8 sequence at @p (before @end), 0 if invalid.
 * Unicode's table 3-7 of well-formed sequences, as g_utf8_validate() reads
 * them: no overlong forms, no surrogates, nothing past U+10FFFF. */
static inline gsize
tg_utf8_sequence (const guchar *p,
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

/* Sixteen bytes at a time, as vector instructions (SSE2, NEON) take them;
 * compilers without vector extensions go eight or one at a time. */
#if defined(__GNUC__) || defined(__clang__)
#define TG_HAVE_BYTES16 1
typedef signed char TgBytes16 __attribute__ ((vector_size (16)));

/* The offset of the first byte of @marks (each 0 or -1, from a vector
 * comparison) that is set, 16 when none is. */
static inline guint
tg_bytes16_first (TgBytes16 marks)
{
  guint64 lo, hi;

  memcpy (&lo, &marks, sizeof lo);
  memcpy (&hi, (const char *) &marks + sizeof lo, sizeof hi);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (lo != 0)
    return (guint) __builtin_ctzll (lo) / 8;
  if (hi != 0)
    return 8 + (guint) __builtin_ctzll (hi) / 8;
#else
  if (lo != 0)
    return (guint) __builtin_clzll (lo) / 8;
  if (hi != 0)
    return 8 + (guint) __builtin_clzll (hi) / 8;
#endif
  return 16;
}
#endif

G_END_DECLS
