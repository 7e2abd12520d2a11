// The do group's checks (fetch router, handleChatHttp, handleContainerStream, extractMetadata),
// one factory per check file; register.cpp lists them in catalogue order.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check do_fetch_stream_check();
Check do_fetch_init_check();
Check do_fetch_chat_check();
Check do_fetch_404_check();
Check do_chat_body_fields_check();
Check do_chat_execution_id_check();
Check do_chat_user_guard_check();
Check do_chat_bridge_stream_check();
Check do_chat_bridge_register_check();
Check do_chat_bridge_timeout_check();
Check do_chat_dispatch_check();
Check do_chat_ndjson_response_check();
Check do_chat_close_writer_check();

Check do_stream_verify_jwt_check();
Check do_stream_bridge_lookup_check();
Check do_stream_404_check();
Check do_stream_empty_body_check();
Check do_stream_line_split_check();
Check do_stream_extract_metadata_check();
Check do_stream_flush_check();
Check do_stream_settle_check();
Check do_stream_cleanup_check();
Check do_meta_events_check();
Check do_meta_persist_check();

}  // namespace v15
