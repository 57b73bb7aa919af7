//! What every handler shares: the database, the configuration and the access table.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use store::Db;

use crate::authz::Access;

#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies Secure (and name them `__Host-…`): on when the site is served over HTTPS.
    pub secure_cookies: bool,
    /// How the site is reached from outside, for invitation links.
    pub public_url: String,
    /// Behind a load balancer: take the client's address from X-Forwarded-For (for the sign-in
    /// throttle). Off when clients connect directly, or they could forge it.
    pub trust_proxy: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub access: Arc<HashMap<(Method, String), Access>>,
}
