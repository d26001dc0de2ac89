/* tg-json-scan.h: a strict, allocation-free JSON pull scanner for the
 * adapters' hot path (one call per stream event).
 *
 * json-glib builds a tree of GObjects, hash tables and strings for every
 * event only for the adapter to read three members out of it; that cost
 * dominated a streamed request's CPU. This scanner reads the bytes in place:
 * it validates as it goes (RFC 8259 strictly: no comments, single quotes,
 * leading zeros, unknown escapes, lone surrogates, raw control characters or
 * invalid UTF-8, all of which json-glib 1.6 lets through in part), finds
 * members by name, and decodes a string only when asked, into the caller's
 * GString.
 *
 * Values are described by TgJsonValue, which points into the caller's data:
 * the data must outlive them. A scanner keeps its first error; every call
 * after it fails. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Replies nest a handful of levels; anything deeper is garbage or hostile. */
#define TG_JSON_SCAN_MAX_DEPTH 128

typedef enum {
  TG_JSON_SCAN_OK,
  TG_JSON_SCAN_ERROR_SYNTAX,    /* a byte that cannot come where it is */
  TG_JSON_SCAN_ERROR_END,       /* the data ends inside a value */
  TG_JSON_SCAN_ERROR_ESCAPE,    /* an unknown escape or a lone surrogate */
  TG_JSON_SCAN_ERROR_UTF8,      /* invalid UTF-8 in a string */
  TG_JSON_SCAN_ERROR_CONTROL,   /* a raw control character in a string */
  TG_JSON_SCAN_ERROR_NUMBER,    /* a malformed number */
  TG_JSON_SCAN_ERROR_DEPTH,     /* nested deeper than TG_JSON_SCAN_MAX_DEPTH */
  TG_JSON_SCAN_ERROR_TRAILING,  /* more than white space after the value */
} TgJsonScanError;

typedef enum {
  TG_JSON_NONE,    /* no value: an absent member, or a failed read */
  TG_JSON_NULL,
  TG_JSON_FALSE,
  TG_JSON_TRUE,
  TG_JSON_NUMBER,
  TG_JSON_STRING,
  TG_JSON_ARRAY,
  TG_JSON_OBJECT,
} TgJsonType;

/* One value, as read (and so validated) by the scanner. */
typedef struct {
  TgJsonType  type;
  const char *start;    /* string: after the opening quote; others: the first byte */
  gsize       length;   /* string: the raw bytes before the closing quote; others: all bytes */
  guint       depth;    /* the containers around it */
  guint       escaped : 1;   /* string: holds a backslash */
  guint       integer : 1;   /* number: no fraction and no exponent */
} TgJsonValue;

typedef struct {
  const char      *data;
  gsize            length;
  gsize            pos;        /* the next byte to read */
  guint            depth;      /* containers open at pos */
  gboolean         first;      /* just inside a container: no comma expected */
  gboolean         trusted;    /* reads what a scanner validated before (init_at) */
  TgJsonScanError  error;      /* the first error, kept */
  gsize            error_pos;  /* the offset of the byte it was found at */
} TgJsonScanner;

void         tg_json_scanner_init          (TgJsonScanner     *self,
                                            const char        *data,
                                            gsize              length);
/* A scanner positioned at @value (read by a scanner over the same data),
 * to read it again: iterate it, look members up in it. It trusts that the
 * bytes were validated, which makes a second read cheap. */
void         tg_json_scanner_init_at       (TgJsonScanner     *self,
                                            const TgJsonScanner *document,
                                            const TgJsonValue *value);

/* The type the next value will have, from its first byte (after white
 * space); TG_JSON_NONE at the end of the data or before a byte that starts
 * no value. Reads nothing. */
TgJsonType   tg_json_scanner_peek          (TgJsonScanner     *self);
/* Reads (validates) the next value whole, containers included, and
 * describes it in *@out (nullable). */
gboolean     tg_json_scanner_read          (TgJsonScanner     *self,
                                            TgJsonValue       *out);
/* TRUE when nothing but white space is left (else TRAILING). */
gboolean     tg_json_scanner_finish        (TgJsonScanner     *self);

/* Containers, one step at a time. After enter, each next call moves to the
 * next member (its key in *@key) or element, which the caller must then read;
 * FALSE after the closing bracket, or on an error (see @self->error). */
gboolean     tg_json_scanner_enter_object  (TgJsonScanner     *self);
gboolean     tg_json_scanner_next_member   (TgJsonScanner     *self,
                                            TgJsonValue       *key);
gboolean     tg_json_scanner_enter_array   (TgJsonScanner     *self);
gboolean     tg_json_scanner_next_element  (TgJsonScanner     *self);

/* Reads the object at the scanner's position whole; for each of the
 * @n_names @names, values[i] describes the member's value (the last one when
 * a name repeats, as json-glib keeps it), type TG_JSON_NONE when absent.
 * FALSE (values unset) when the next value is not an object or is invalid. */
gboolean     tg_json_scanner_lookup        (TgJsonScanner     *self,
                                            const char * const *names,
                                            guint              n_names,
                                            TgJsonValue       *values);

/* A member tg_json_scanner_capture() looks for: values[@slot] gets its value
 * as lookup would describe it. When the value is an object, @members are
 * looked for in it too; with @element, they are looked for in the one object
 * an array value holds instead. */
typedef struct _TgJsonWanted TgJsonWanted;
struct _TgJsonWanted {
  const char         *name;
  gsize               length;      /* strlen (name) */
  guint               slot;
  gboolean            element;
  const TgJsonWanted *members;
  guint               n_members;
};

/* A table entry from a string literal, its length counted by the compiler;
 * _IN for one whose value's members (an element's, with @element) are
 * wanted too. */
#define TG_JSON_WANTED(name, slot) { name, sizeof name - 1, slot, FALSE, NULL, 0 }
#define TG_JSON_WANTED_IN(name, slot, element, members) \
  { name, sizeof name - 1, slot, element, members, G_N_ELEMENTS (members) }

/* tg_json_scanner_lookup() of the document from its start, which must be one
 * object and nothing else, members of members included, in the one
 * validating pass. It handles the ordinary document only: FALSE, and the
 * scanner in no defined state, for an invalid one, and for a wanted name
 * that repeats or a key with an escape where names are looked for, or an
 * @element array holding more than one value or a value that is no object.
 * The caller then reads the document with the other calls, which tell what
 * is wrong or how the repeats resolve. All @n_values values are set: those
 * of members not found to TG_JSON_NONE. */
gboolean     tg_json_scanner_capture       (TgJsonScanner     *self,
                                            const TgJsonWanted *wanted,
                                            guint              n_wanted,
                                            TgJsonValue       *values,
                                            guint              n_values);

/* Strings. A string's text ends at its first U+0000 ("\u0000"), as the C
 * strings of json-glib and of every consumer do. */
gboolean     tg_json_value_equal           (const TgJsonValue *value,
                                            const char        *str);
/* Appends the decoded text. */
void         tg_json_value_append          (const TgJsonValue *value,
                                            GString           *out);
char        *tg_json_value_dup_string      (const TgJsonValue *value);

/* Numbers. FALSE when @value is not a number written as an integer, or
 * when it does not fit in 64 bits. */
gboolean     tg_json_value_get_int64       (const TgJsonValue *value,
                                            gint64            *out);
/* Any number, as the nearest double (±inf past the range). */
gboolean     tg_json_value_get_double      (const TgJsonValue *value,
                                            double            *out);

/* A translated phrase saying what @error is, for a message. */
const char  *tg_json_scan_error_describe   (TgJsonScanError    error);

G_END_DECLS
