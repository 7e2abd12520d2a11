// The do group in catalogue order: the fetch router and handleChatHttp, then dispatchContainer
// and its startProcess env, then handleContainerStream and extractMetadata.
#include "do.h"

namespace v15 {

void register_do_checks(Registry& r) {
  r.add(do_fetch_stream_check());
  r.add(do_fetch_init_check());
  r.add(do_fetch_chat_check());
  r.add(do_fetch_404_check());
  r.add(do_chat_body_fields_check());
  r.add(do_chat_execution_id_check());
  r.add(do_chat_user_guard_check());
  r.add(do_chat_bridge_stream_check());
  r.add(do_chat_bridge_register_check());
  r.add(do_chat_bridge_timeout_check());
  r.add(do_chat_dispatch_check());
  r.add(do_chat_ndjson_response_check());
  r.add(do_chat_close_writer_check());
  register_do_dispatch_checks(r);
  register_do_stream_checks(r);
}

void register_do_stream_checks(Registry& r) {
  r.add(do_stream_verify_jwt_check());
  r.add(do_stream_bridge_lookup_check());
  r.add(do_stream_404_check());
  r.add(do_stream_empty_body_check());
  r.add(do_stream_line_split_check());
  r.add(do_stream_extract_metadata_check());
  r.add(do_stream_flush_check());
  r.add(do_stream_settle_check());
  r.add(do_stream_cleanup_check());
  r.add(do_meta_events_check());
  r.add(do_meta_persist_check());
}

}  // namespace v15
