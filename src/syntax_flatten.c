/* The flat table's one walk, over tree-sitter's subtrees directly.
 *
 * TSTreeCursor re-creates a child iterator for every step (and looks a field up by scanning the
 * field map from the node upwards), so walking a tree with it costs several times what the walk
 * itself needs. This walk keeps one frame per open subtree instead and derives position, symbol,
 * visibility (aliases included) and the field of each node the way tree_cursor.c and node.c do
 * for the pinned tree-sitter version; tests/syntax_test.cpp compares every row with the public
 * node API. */
#include <stdlib.h>

#include "v15check/syntax_row.h"

#include "./language.h"
#include "./length.h"
#include "./subtree.h"
#include "./tree.h"

/* One frame per open subtree, so a tree nested a million levels deep holds a million frames at
 * once: 24 bytes each. The parent's alias sequence and field map are looked up again per child
 * (two array reads) rather than kept; positions are bytes only (lines come from the table). */
typedef struct {
  Subtree parent;       /* whose children this frame iterates */
  uint32_t child_index; /* next child */
  uint32_t position;    /* start byte of the next child, after its padding */
  uint32_t owner;       /* row the visible children attach to */
  uint16_t structural;  /* structural index of the next child (extras do not count); only a
                           production's children use it, and a production is short */
  uint16_t inherited;   /* field a visible descendant takes when its own lookup finds none, and
                           FRAME_VISIBLE: the parent's row ends when the frame closes */
} Frame;

#define FRAME_VISIBLE 0x8000u
#define FRAME_FIELD 0x7fffu

typedef struct {
  Frame* data;
  uint32_t size, capacity;
} Frames;

/* Grows an array to hold at least `need` elements (doubling); false when memory runs out. */
static bool reserve(void** data, uint32_t* capacity, uint32_t need, size_t element) {
  if (need <= *capacity) return true;
  uint32_t cap = *capacity ? *capacity : 64;
  while (cap < need) cap *= 2;
  void* d = realloc(*data, (size_t)cap * element);
  if (!d) return false;
  *data = d;
  *capacity = cap;
  return true;
}

static bool frames_push(Frames* s, Frame f) {
  if (!reserve((void**)&s->data, &s->capacity, s->size + 1, sizeof(Frame))) return false;
  s->data[s->size++] = f;
  return true;
}

static v15_syntax_row* rows_push(v15_syntax_rows* out) {
  if (!reserve((void**)&out->rows, &out->capacity, out->size + 1, sizeof(v15_syntax_row)))
    return NULL;
  return &out->rows[out->size++];
}

static Frame frame_for(Subtree parent, uint32_t position, uint32_t owner, TSFieldId inherited,
                       bool visible) {
  Frame f = {parent, 0, position,
             owner,  0, (uint16_t)((inherited & FRAME_FIELD) | (visible ? FRAME_VISIBLE : 0))};
  return f;
}

static TSFieldId field_at(const TSLanguage* language, const Frame* f, uint32_t structural) {
  const TSFieldMapEntry *e, *end;
  ts_language_field_map(language, f->parent.ptr->production_id, &e, &end);
  for (; e < end; e++)
    if (!e->inherited && e->child_index == structural) return e->field_id;
  return 0;
}

static bool emit(const TSLanguage* language, v15_syntax_rows* out, Subtree node, TSSymbol alias,
                 uint32_t start, uint32_t parent, TSFieldId field) {
  v15_syntax_row* r = rows_push(out);
  if (!r) return false;
  TSSymbol symbol = alias ? alias : ts_subtree_symbol(node);
  bool named = alias ? ts_language_symbol_metadata(language, alias).named : ts_subtree_named(node);
  /* ts_language_public_symbol, without the call */
  TSSymbol public_symbol =
      symbol == ts_builtin_sym_error ? symbol : language->public_symbol_map[symbol];
  uint32_t end = start + ts_subtree_size(node).bytes;
  r->parent = parent;
  r->end = out->size; /* a leaf's; a parent's is set when its frame closes */
  r->first_child = r->child_count = r->named_count = 0;
  r->start_byte = start;
  r->end_byte = end;
  r->symbol = public_symbol;
  r->field = field;
  r->flags =
      (uint8_t)((named ? V15_ROW_NAMED : 0) |
                (ts_subtree_error_cost(node) > 0 ? V15_ROW_HAS_ERROR : 0) |
                (public_symbol == ts_builtin_sym_error || ts_subtree_missing(node) ? V15_ROW_ERROR
                                                                                   : 0));
  if (parent != V15_ROW_NONE) {
    out->rows[parent].child_count++;
    if (named) out->rows[parent].named_count++;
  }
  return true;
}

bool v15_flatten(const TSTree* tree, v15_syntax_rows* out) {
  const TSLanguage* language = tree->language;
  Subtree root = tree->root;
  Frames stack = {NULL, 0, 0};
  /* every visible node becomes a row: reserve them all at once */
  if (!reserve((void**)&out->rows, &out->capacity, ts_subtree_visible_descendant_count(root) + 1,
               sizeof(v15_syntax_row)))
    return false;
  uint32_t root_start = ts_subtree_padding(root).bytes;
  bool ok = emit(language, out, root, 0, root_start, V15_ROW_NONE, 0);
  if (ok && ts_subtree_child_count(root) > 0)
    ok = frames_push(&stack, frame_for(root, root_start, 0, 0, true));
  while (ok && stack.size > 0) {
    Frame* f = &stack.data[stack.size - 1];
    if (f->child_index == f->parent.ptr->child_count) {
      if (f->inherited & FRAME_VISIBLE) out->rows[f->owner].end = out->size;
      stack.size--;
      continue;
    }
    const Subtree* children = ts_subtree_children(f->parent);
    Subtree child = children[f->child_index];
    uint32_t start = f->position;
    bool extra = ts_subtree_extra(child);
    bool visible = ts_subtree_visible(child);
    TSSymbol alias = 0;
    uint32_t structural = f->structural;
    if (!extra) {
      /* ts_language_alias_at: only a production (id != 0) has an alias sequence */
      uint16_t production = f->parent.ptr->production_id;
      if (production) alias = ts_language_alias_sequence(language, production)[structural];
      visible = visible || alias != 0;
      f->structural++;
    }
    f->position += ts_subtree_size(child).bytes;
    f->child_index++;
    if (f->child_index < f->parent.ptr->child_count)
      f->position += ts_subtree_padding(children[f->child_index]).bytes;

    /* as ts_tree_cursor_current_field_id: the node's own entry, else its hidden ancestors' */
    TSFieldId field = 0;
    if (!extra) {
      field = field_at(language, f, structural);
      if (!field) field = f->inherited & FRAME_FIELD;
    }
    uint32_t owner = f->owner;
    if (visible) {
      uint32_t row = out->size;
      ok = emit(language, out, child, alias, start, owner, field);
      if (ok && ts_subtree_child_count(child) > 0)
        ok = frames_push(&stack, frame_for(child, start, row, 0, true));
    } else if (ts_subtree_child_count(child) > 0 && ts_subtree_visible_child_count(child) > 0) {
      ok = frames_push(&stack, frame_for(child, start, owner, field, false));
    }
  }
  free(stack.data);
  return ok;
}
