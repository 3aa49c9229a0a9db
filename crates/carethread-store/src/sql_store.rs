// What the SQL shared by both backends starts from: its imports and the
// small conversions every aggregate's SQL uses. The SQL lives in one file per
// aggregate (`sql_users.rs`, `sql_threads.rs`, `sql_messages.rs`,
// `sql_grants.rs`, …), mapped onto the store's traits in `sql_impls.rs`.
// These files are `include!`d by
// `sqlite.rs` and `postgres.rs`, each of which defines `Db`, `DbRow` and
// `Backend` (its store type, with `read` and `write` pools and
// `notify_in_tx`/`publish` for live events). The SQL is the same for both.

use async_trait::async_trait;
use sqlx::Row as _;

use crate::Store;
use crate::shared::prelude::*;

type Conn = <Db as sqlx::Database>::Connection;

/// Shared SQL on this backend, for calls by path (`Shared::append_audit(…)`).
type Shared = Sql<Db>;

