//! The application state: the services, assembled once at start and shared by every
//! request. Handlers and extractors reach the part they need through `State<T>` and
//! `FromRef` (`State<Tasks>`, `Arc<Authenticator>`, ...); the services below never see it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;

use crate::auth::external::ExternalTokens;
use crate::auth::limit::Limits;
use crate::auth::oidc::Oidc;
use crate::auth::secret::{CsrfKey, derive_key, resolve_secret};
use crate::auth::token::Tokens;
use crate::auth::{AccessTokens, Accounts, Authenticator, Recovery, TwoFactor};
use crate::calendars::Feeds;
use crate::calendars::caldav::CalDav;
use crate::config::Config;
use crate::kept::KeptForms;
use crate::lists::Lists;
use crate::metrics::Metrics;
use crate::notify::Notifications;
use crate::notify::send::Senders;
use crate::oauth::OAuth;
use crate::store::{self, ConnectOptions, DynStore, StoreError};
use crate::tasks::Tasks;

/// Why the server could not start; each variant's text is one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is unusable (checked after parsing, e.g. the JWT secret file).
    #[error("{0}")]
    Config(String),
    /// The database could not be opened, reached or migrated.
    #[error("{0}")]
    Database(String),
    /// The listen address could not be used.
    #[error("{0}")]
    Bind(String),
}

/// Everything a handler may use, shared by all requests: one `Arc`, so the clone axum
/// makes of the state for every request (and every layer with state) is one reference
/// count, not one per service (it was 2.5 % of a task list's CPU). Its fields are those
/// of [`Services`].
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// The services of [`AppState`].
pub struct Services {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The database, for what is about the database itself (readiness, pool metrics).
    pub store: DynStore,
    /// The task service.
    pub tasks: Tasks,
    /// The list service.
    pub lists: Lists,
    /// Notification channels and deliveries (and what the reminder worker sends with).
    pub notifications: Notifications,
    /// Calendar feeds.
    pub feeds: Feeds,
    /// CalDAV.
    pub caldav: CalDav,
    /// Forms the web app keeps for one read (post/redirect/get).
    pub kept: KeptForms,
    /// Personal access tokens (`State<AccessTokens>`).
    pub access_tokens: AccessTokens,
    /// OAuth for MCP clients: registration, consent, tokens, connected applications.
    pub oauth: OAuth,
    /// The account service.
    pub accounts: Arc<Accounts>,
    /// Password reset, email verification and change (`State<Arc<Recovery>>`).
    pub recovery: Arc<Recovery>,
    /// Two-factor sign-in, and signing in with a password (`State<Arc<TwoFactor>>`).
    pub two_factor: Arc<TwoFactor>,
    /// Who is calling.
    pub authenticator: Arc<Authenticator>,
    /// Prometheus counters (exposed only when metrics are on).
    pub metrics: Arc<Metrics>,
    /// The web app's CSRF key.
    pub csrf_key: CsrfKey,
    /// Single sign-on with the OpenID provider, when one is configured.
    pub oidc: Option<Arc<Oidc>>,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// `State<T>` for each service: a clone of that service alone.
macro_rules! from_state {
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        }
    )*};
}

from_state!(
    config: Arc<Config>,
    store: DynStore,
    tasks: Tasks,
    lists: Lists,
    notifications: Notifications,
    feeds: Feeds,
    caldav: CalDav,
    kept: KeptForms,
    access_tokens: AccessTokens,
    oauth: OAuth,
    accounts: Arc<Accounts>,
    recovery: Arc<Recovery>,
    two_factor: Arc<TwoFactor>,
    authenticator: Arc<Authenticator>,
    metrics: Arc<Metrics>,
    csrf_key: CsrfKey,
    oidc: Option<Arc<Oidc>>,
);

impl AppState {
    /// Opens the database (running migrations) and assembles the services.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        crate::tls::install_tls_provider();
        let store = store::connect(
            &config.database_url,
            ConnectOptions {
                pool_size: config.database_pool_size,
                acquire_timeout: Duration::from_secs(5),
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Open(msg) => StartupError::Database(msg),
            other => StartupError::Database(format!(
                "cannot open the database `{}`: {other}",
                config.database_url.redacted()
            )),
        })?;
        // After the database: the generated secret lives next to the SQLite file.
        let secret = resolve_secret(&config).map_err(StartupError::Config)?;
        let tokens = Arc::new(Tokens::new(&config, &secret));
        let external = config
            .external_issuer()
            .as_ref()
            .map(ExternalTokens::new)
            .transpose()
            .map_err(StartupError::Config)?;
        let metrics = Arc::new(Metrics::new());
        let accounts = Accounts::new(
            store.clone(),
            store.clone(),
            Arc::clone(&tokens),
            Limits::new(&config, store.clone(), store.backend()),
            Arc::clone(&metrics),
            config.refresh_token_ttl,
        )
        .map_err(StartupError::Config)?;
        let authenticator = Authenticator::new(
            tokens,
            external,
            store.clone(),
            store.clone(),
            store.clone(),
        );
        let senders = Senders::new(&config).map_err(StartupError::Config)?;
        let oidc = Oidc::new(
            &config.oidc,
            derive_key(&secret, b"taskward oidc flow v1"),
            store.clone(),
            store.clone(),
        )
        .map_err(StartupError::Config)?
        .map(Arc::new);
        let accounts = Arc::new(accounts);
        let recovery = Recovery::new(
            &config,
            store.clone(),
            store.clone(),
            Arc::clone(&accounts),
            senders.mailer(),
        )
        .map_err(StartupError::Config)?;
        Ok(Self(Arc::new(Services {
            tasks: Tasks::new(store.clone(), store.clone()),
            notifications: Notifications::new(store.clone(), store.clone(), senders),
            lists: Lists::new(store.clone()),
            feeds: Feeds::new(
                store.clone(),
                store.clone(),
                store.clone(),
                store.clone(),
                config.public_url.clone(),
            ),
            caldav: CalDav::new(
                store.clone(),
                store.clone(),
                Tasks::new(store.clone(), store.clone()),
                Lists::new(store.clone()),
            ),
            kept: KeptForms::new(store.clone()),
            access_tokens: AccessTokens::new(store.clone()),
            oauth: OAuth::new(store.clone()),
            two_factor: Arc::new(TwoFactor::new(store.clone(), Arc::clone(&accounts))),
            accounts,
            recovery: Arc::new(recovery),
            authenticator: Arc::new(authenticator),
            metrics,
            csrf_key: CsrfKey::derive(&secret),
            oidc,
            config: Arc::new(config),
            store,
        })))
    }
}
