/* One row of a flattened syntax tree, shared by the C flattener (which reads tree-sitter's
 * subtrees directly) and the C++ table that serves Node views from it. */
#ifndef V15CHECK_SYNTAX_ROW_H_
#define V15CHECK_SYNTAX_ROW_H_

#include <tree_sitter/api.h>

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define V15_ROW_NONE 0xffffffffu

enum { V15_ROW_NAMED = 1, V15_ROW_HAS_ERROR = 2, V15_ROW_ERROR = 4 };

typedef struct v15_syntax_row {
  uint32_t parent;      /* V15_ROW_NONE for the root */
  uint32_t end;         /* one past the last descendant: a subtree is the rows [i, end) */
  uint32_t first_child; /* into the children list; filled after the walk */
  uint32_t child_count;
  uint32_t named_count;
  uint32_t start_byte, end_byte; /* lines and columns come from the table's line starts */
  TSSymbol symbol;               /* the public symbol, as ts_node_symbol gives it */
  TSFieldId field;               /* the field under which the node hangs from its parent, or 0 */
  uint8_t flags;
} v15_syntax_row;

typedef struct v15_syntax_rows {
  v15_syntax_row* rows; /* malloc'd; the caller frees it */
  uint32_t size;
  uint32_t capacity;
} v15_syntax_rows;

/* Flattens `tree` into rows in pre-order: every node tree-sitter's cursor visits (named and
 * anonymous), with what ts_node_* would answer for it. Returns false when memory runs out. */
bool v15_flatten(const TSTree* tree, v15_syntax_rows* out);

#ifdef __cplusplus
}
#endif

#endif
