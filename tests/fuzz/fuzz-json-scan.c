/* Fuzz target: the JSON scanner (tg-json-scan.h) against json-glib.
 *
 * The adapters read replies with the scanner, where they used json-glib
 * before; json-glib still reads error bodies after the scanner let them
 * through. So whatever the scanner accepts, json-glib must accept too, and
 * both must see the same values: the same types, strings (decoded, escapes
 * and surrogate pairs included), integers (where they fit in 64 bits:
 * json-glib wraps the others), doubles, booleans, array elements in order,
 * and object members (the last of repeated names, as json-glib keeps).
 *
 * The other way round is no failure: json-glib 1.6 also takes comments,
 * single quotes, leading zeros, "1." and ".5", hex numbers, unknown escapes,
 * raw control characters and a second value after the first, all of which
 * the scanner refuses on purpose. json-glib is not even given those: it leaks
 * the first of two values, and recurses once per level of nesting.
 *
 * tg_json_scanner_capture(), the one-pass read of the stream hot path, is
 * held to the scanner: it may decline anything, but must take nothing the
 * scanner refuses, and must find the members lookup finds. */

#include <string.h>

#include <json-glib/json-glib.h>

#include "tg-fuzz.h"
#include "tg-json-scan.h"

static void compare (const TgJsonScanner *document,
                     const TgJsonValue   *value,
                     JsonNode            *node);

static void
compare_array (const TgJsonScanner *document,
               const TgJsonValue   *value,
               JsonArray           *array)
{
  TgJsonScanner scanner;
  guint n = 0;

  tg_json_scanner_init_at (&scanner, document, value);
  if (!tg_json_scanner_enter_array (&scanner))
    fuzz_fail ("an array read once could not be entered again");
  while (tg_json_scanner_next_element (&scanner))
    {
      TgJsonValue element;

      if (!tg_json_scanner_read (&scanner, &element))
        fuzz_fail ("an element read once could not be read again");
      if (n >= json_array_get_length (array))
        fuzz_fail ("the scanner sees more than %u elements", json_array_get_length (array));
      compare (document, &element, json_array_get_element (array, n));
      n++;
    }
  if (scanner.error != TG_JSON_SCAN_OK)
    fuzz_fail ("an array read once failed the second time: %d", scanner.error);
  if (n != json_array_get_length (array))
    fuzz_fail ("the scanner sees %u elements, json-glib %u", n, json_array_get_length (array));
}

static void
compare_object (const TgJsonScanner *document,
                const TgJsonValue   *value,
                JsonObject          *object)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  TgJsonScanner scanner;
  TgJsonValue key;
  GHashTableIter iter;
  gpointer name;

  tg_json_scanner_init_at (&scanner, document, value);
  if (!tg_json_scanner_enter_object (&scanner))
    fuzz_fail ("an object read once could not be entered again");
  while (tg_json_scanner_next_member (&scanner, &key))
    {
      char *text = tg_json_value_dup_string (&key);

      if (text == NULL || !tg_json_scanner_read (&scanner, NULL))
        fuzz_fail ("a member read once could not be read again");
      if (!json_object_has_member (object, text))
        fuzz_fail ("json-glib has no member \"%s\"", text);
      g_hash_table_add (names, text);
    }
  if (scanner.error != TG_JSON_SCAN_OK)
    fuzz_fail ("an object read once failed the second time: %d", scanner.error);
  if (g_hash_table_size (names) != json_object_get_size (object))
    fuzz_fail ("the scanner sees %u members, json-glib %u", g_hash_table_size (names),
               json_object_get_size (object));

  /* Each name's value as lookup finds it: the last one. */
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      const char *lookup_names[] = { name };
      TgJsonValue member;

      tg_json_scanner_init_at (&scanner, document, value);
      if (!tg_json_scanner_lookup (&scanner, lookup_names, 1, &member) || member.type == TG_JSON_NONE)
        fuzz_fail ("lookup did not find \"%s\"", (const char *) name);
      compare (document, &member, json_object_get_member (object, name));
    }
}

static void
compare (const TgJsonScanner *document,
         const TgJsonValue   *value,
         JsonNode            *node)
{
  gint64 n;
  double d, expected;

  if (node == NULL)
    fuzz_fail ("json-glib has no value where the scanner has type %d", value->type);

  switch (value->type)
    {
    case TG_JSON_NULL:
      if (!JSON_NODE_HOLDS_NULL (node))
        fuzz_fail ("null is not null for json-glib");
      break;
    case TG_JSON_TRUE:
    case TG_JSON_FALSE:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN ||
          json_node_get_boolean (node) != (value->type == TG_JSON_TRUE))
        fuzz_fail ("a boolean differs");
      break;
    case TG_JSON_NUMBER:
      if (!JSON_NODE_HOLDS_VALUE (node))
        fuzz_fail ("a number is no value for json-glib");
      if (value->integer)
        {
          if (json_node_get_value_type (node) != G_TYPE_INT64)
            fuzz_fail ("an integer is no integer for json-glib");
          if (tg_json_value_get_int64 (value, &n) && n != json_node_get_int (node))
            fuzz_fail ("an integer differs: %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                       n, json_node_get_int (node));
        }
      else
        {
          if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
            fuzz_fail ("a fraction is no double for json-glib");
          /* Bit for bit: -0 and 0 count as different. */
          expected = json_node_get_double (node);
          if (!tg_json_value_get_double (value, &d) || memcmp (&d, &expected, sizeof d) != 0)
            fuzz_fail ("a double differs: %.17g and %.17g", d, expected);
        }
      break;
    case TG_JSON_STRING:
      {
        g_autofree char *text = tg_json_value_dup_string (value);

        if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
          fuzz_fail ("a string is no string for json-glib");
        if (strcmp (text, json_node_get_string (node)) != 0)
          fuzz_fail ("a string differs: \"%s\" and \"%s\"", g_strescape (text, NULL),
                     g_strescape (json_node_get_string (node), NULL));
        if (!tg_json_value_equal (value, json_node_get_string (node)))
          fuzz_fail ("a string is not equal to its own text");
        if (!g_utf8_validate (text, -1, NULL))
          fuzz_fail ("a decoded string is not valid UTF-8");
      }
      break;
    case TG_JSON_ARRAY:
      if (!JSON_NODE_HOLDS_ARRAY (node))
        fuzz_fail ("an array is no array for json-glib");
      compare_array (document, value, json_node_get_array (node));
      break;
    case TG_JSON_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        fuzz_fail ("an object is no object for json-glib");
      compare_object (document, value, json_node_get_object (node));
      break;
    case TG_JSON_NONE:
    default:
      fuzz_fail ("the scanner read a value of type %d", value->type);
    }
}

/* tg_json_scanner_capture(), the one-pass read of the adapters' hot path,
 * must take nothing the scanner refuses, and find what lookup finds. */
enum { CAP_CHOICES, CAP_MODEL, CAP_A, CAP_INDEX, CAP_DELTA, CAP_CONTENT, N_CAP };
static const TgJsonWanted delta_wanted[] = { TG_JSON_WANTED ("content", CAP_CONTENT) };
static const TgJsonWanted choice_wanted[] = {
  TG_JSON_WANTED ("index", CAP_INDEX),
  TG_JSON_WANTED_IN ("delta", CAP_DELTA, FALSE, delta_wanted),
};
static const TgJsonWanted root_wanted[] = {
  TG_JSON_WANTED_IN ("choices", CAP_CHOICES, TRUE, choice_wanted),
  TG_JSON_WANTED ("model", CAP_MODEL),
  TG_JSON_WANTED ("a", CAP_A),
};

static void
check_capture (const char *data,
               gsize       size,
               gboolean    valid)
{
  static const char * const names[] = { "choices", "model", "a" };
  TgJsonScanner scanner;
  TgJsonValue values[N_CAP], found[G_N_ELEMENTS (names)];

  tg_json_scanner_init (&scanner, data, size);
  if (!tg_json_scanner_capture (&scanner, root_wanted, G_N_ELEMENTS (root_wanted), values, N_CAP))
    return;
  if (!valid)
    fuzz_fail ("capture took what the scanner refuses");

  tg_json_scanner_init (&scanner, data, size);
  if (!tg_json_scanner_lookup (&scanner, names, G_N_ELEMENTS (names), found))
    fuzz_fail ("capture took what lookup refuses");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (values[i].type != found[i].type ||
        (found[i].type != TG_JSON_NONE &&
         (values[i].start != found[i].start || values[i].length != found[i].length ||
          values[i].depth != found[i].depth || values[i].escaped != found[i].escaped ||
          values[i].integer != found[i].integer)))
      fuzz_fail ("capture and lookup see \"%s\" differently", names[i]);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  TgJsonScanner scanner;
  TgJsonValue root;
  gboolean valid;

  tg_json_scanner_init (&scanner, (const char *) data, size);
  valid = tg_json_scanner_read (&scanner, &root) && tg_json_scanner_finish (&scanner);
  check_capture ((const char *) data, size, valid);
  if (!valid)
    {
      if (scanner.error == TG_JSON_SCAN_OK || scanner.error_pos > size)
        fuzz_fail ("a refusal without an error, or past the end");
      return 0;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) size, &error))
    fuzz_fail ("the scanner accepted what json-glib refuses: %s", error->message);
  compare (&scanner, &root, json_parser_get_root (parser));
  return 0;
}
