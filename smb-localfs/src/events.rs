//! What a server host hands its event hook: which connection an event comes from, and the
//! hook's type. The async and the blocking servers share both.

use std::net::SocketAddr;
use std::sync::Arc;

use smb_proto::server::ServerEvent;

/// Who a connection is, for the event hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The connection's id in the server's shared state.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Called with every event of a connection other than file-system work (sessions,
/// refusals, the end of the connection): for logging.
pub type EventHook = Arc<dyn Fn(&ConnectionInfo, &ServerEvent) + Send + Sync>;
