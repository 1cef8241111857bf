//! The OAuth service: clients register ([`OAuth::register`]), a signed-in user's consent
//! gives a code ([`OAuth::check_authorize`], [`OAuth::approve`]), the token endpoint
//! exchanges codes and refresh tokens ([`OAuth::token`]), `/mcp` asks what an access token
//! grants ([`OAuth::authenticate`]), and the user lists and revokes the grants.
//!
//! Every secret (code, access token, refresh token) is 256 random bits, kept as its
//! SHA-256 and checked against the database on each use, so a revoked grant stops on every
//! node at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::model::{
    ACCESS_LIFETIME, ACCESS_PREFIX, CODE_LIFETIME, CodeRecord, Grant, MAX_CLIENT_NAME,
    MAX_PARAM_LEN, MAX_REDIRECT_URIS, OAuthClient, OAuthError, REFRESH_LIFETIME, REFRESH_PREFIX,
    RedirectUri, TokenKind, TokenRecord, challenge_well_formed, pkce_matches,
};
use super::requests::{
    AuthorizeParams, AuthorizeRefusal, Consent, Failure, Issued, Registration, TokenRequest,
};
use crate::auth::access_tokens::{TOUCH_EVERY, stale};
use crate::auth::accounts::{hash_refresh_token as hash, random_token};
use crate::auth::model::is_base64url_256;
use crate::auth::pat::{Scope, Scopes, TokenGrant};
use crate::error::{AppError, AppResult};
use crate::store::{CodeTake, GrantListed, OAuthStore, RefreshTake};
use crate::timestamp::now;

/// The sweep of ended codes and tokens runs on every this many registrations and token
/// requests of a node.
const SWEEP_EVERY: u32 = 64;

/// How long a client that holds no grant is kept.
const IDLE_CLIENT: Duration = Duration::days(90);

/// OAuth for MCP clients over its store.
#[derive(Clone)]
pub struct OAuth {
    store: Arc<dyn OAuthStore>,
    calls: Arc<AtomicU32>,
}

fn uuid_of(raw: Option<&str>) -> Option<Uuid> {
    raw.and_then(|r| Uuid::try_parse(r).ok())
}

/// The scopes a `scope` parameter names; absent or blank: both.
fn scopes_of(raw: Option<&str>) -> Result<Scopes, OAuthError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Scopes::new("scope", Scope::ALL),
        Some(s) => Scopes::parse("scope", s.split(' ').filter(|p| !p.is_empty())),
    }
    .map_err(|e| OAuthError::InvalidScope(format!("scope {}", e.message)))
}

/// A new secret with `prefix` and the record that keeps its hash.
fn new_token(
    prefix: &str,
    kind: TokenKind,
    at: OffsetDateTime,
) -> AppResult<(String, TokenRecord)> {
    let secret = format!("{prefix}{}", random_token()?);
    let lifetime = match kind {
        TokenKind::Access => ACCESS_LIFETIME,
        TokenKind::Refresh => REFRESH_LIFETIME,
    };
    let record = TokenRecord {
        token_hash: hash(&secret),
        grant_id: Uuid::nil(),
        kind,
        expires_at: at + lifetime,
    };
    Ok((secret, record))
}

/// A fresh access and refresh token pair for `scopes`.
fn token_pair(scopes: Scopes, at: OffsetDateTime) -> AppResult<(Issued, [TokenRecord; 2])> {
    let (access_token, access) = new_token(ACCESS_PREFIX, TokenKind::Access, at)?;
    let (refresh_token, refresh) = new_token(REFRESH_PREFIX, TokenKind::Refresh, at)?;
    let issued = Issued {
        access_token,
        refresh_token,
        expires_in: ACCESS_LIFETIME.whole_seconds(),
        scopes,
    };
    Ok((issued, [access, refresh]))
}

fn required<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, OAuthError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::InvalidRequest(format!("`{name}` is required")))
}

impl OAuth {
    /// The service over its store.
    pub fn new(store: Arc<dyn OAuthStore>) -> Self {
        Self {
            store,
            calls: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Registers a public client (RFC 7591); the metadata Taskward does not support is
    /// refused, a missing name becomes "Unnamed application".
    pub async fn register(&self, reg: Registration) -> Result<OAuthClient, Failure> {
        self.sweep_now_and_then().await;
        if reg.redirect_uris.is_empty() {
            return Err(OAuthError::InvalidRedirectUri(
                "`redirect_uris` must name at least one redirect URI".into(),
            )
            .into());
        }
        if reg.redirect_uris.len() > MAX_REDIRECT_URIS {
            return Err(OAuthError::InvalidRedirectUri(format!(
                "a client may register at most {MAX_REDIRECT_URIS} redirect URIs"
            ))
            .into());
        }
        let redirect_uris = reg
            .redirect_uris
            .iter()
            .map(|u| RedirectUri::parse(u))
            .collect::<Result<Vec<_>, _>>()?;
        let unsupported = |list: &Option<Vec<String>>, allowed: &[&str]| {
            list.iter()
                .flatten()
                .find(|g| !allowed.contains(&g.as_str()))
                .cloned()
        };
        if let Some(g) = unsupported(&reg.grant_types, &["authorization_code", "refresh_token"]) {
            return Err(OAuthError::InvalidClientMetadata(format!(
                "the grant type `{g}` is not supported: only authorization_code and refresh_token"
            ))
            .into());
        }
        if let Some(r) = unsupported(&reg.response_types, &["code"]) {
            return Err(OAuthError::InvalidClientMetadata(format!(
                "the response type `{r}` is not supported: only code"
            ))
            .into());
        }
        let name: String = reg
            .client_name
            .as_deref()
            .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
            .map(|n| n.trim().chars().take(MAX_CLIENT_NAME).collect::<String>())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Unnamed application".to_owned());
        let client = OAuthClient {
            id: Uuid::new_v4(),
            name,
            redirect_uris,
            created_at: now(),
        };
        self.store.oauth_client_insert(&client).await?;
        Ok(client)
    }

    /// Checks an authorization request; `resources` are the `resource` values that name
    /// Taskward's MCP server.
    pub async fn check_authorize(
        &self,
        p: &AuthorizeParams,
        resources: &[String],
    ) -> Result<Consent, AuthorizeRefusal> {
        let unknown = || {
            AuthorizeRefusal::Page(
                "The application that sent you here is not registered with Taskward (or its \
                 registration was removed). Go back to it and connect again."
                    .into(),
            )
        };
        let Some(id) = uuid_of(p.client_id.as_deref()) else {
            return Err(unknown());
        };
        let client = match self.store.oauth_client(id).await {
            Ok(Some(client)) => client,
            Ok(None) => return Err(unknown()),
            Err(e) => return Err(AuthorizeRefusal::Failed(e.into())),
        };
        let Some(redirect_uri) = client.redirect_for(p.redirect_uri.as_deref()) else {
            return Err(AuthorizeRefusal::Page(
                "The application asked to send you back to an address it did not register, so \
                 Taskward will not send you there."
                    .into(),
            ));
        };
        let refuse = |error: OAuthError| AuthorizeRefusal::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: p.state.clone(),
            error,
        };
        if p.state.as_ref().is_some_and(|s| s.len() > MAX_PARAM_LEN) {
            return Err(refuse(OAuthError::InvalidRequest(format!(
                "`state` may have at most {MAX_PARAM_LEN} characters"
            ))));
        }
        if p.response_type.as_deref() != Some("code") {
            return Err(refuse(OAuthError::UnsupportedResponseType(
                "`response_type` must be `code`".into(),
            )));
        }
        let Some(challenge) = p
            .code_challenge
            .as_deref()
            .filter(|c| challenge_well_formed(c))
        else {
            return Err(refuse(OAuthError::InvalidRequest(
                "`code_challenge` is required: PKCE with S256 (43 base64url characters)".into(),
            )));
        };
        if p.code_challenge_method.as_deref() != Some("S256") {
            return Err(refuse(OAuthError::InvalidRequest(
                "`code_challenge_method` must be `S256`".into(),
            )));
        }
        if let Some(resource) = &p.resource
            && !resources.contains(resource)
        {
            return Err(refuse(OAuthError::InvalidTarget(format!(
                "`resource` must be Taskward's MCP server, {}",
                resources.first().map_or("", String::as_str)
            ))));
        }
        let scopes = scopes_of(p.scope.as_deref()).map_err(refuse)?;
        Ok(Consent {
            client,
            redirect_uri: redirect_uri.clone(),
            state: p.state.clone(),
            scopes,
            code_challenge: challenge.to_owned(),
        })
    }

    /// The user said yes: a code for the client, valid for a minute, once.
    pub async fn approve(&self, user_id: Uuid, consent: &Consent) -> AppResult<String> {
        let code = random_token()?;
        let record = CodeRecord {
            code_hash: hash(&code),
            client_id: consent.client.id,
            user_id,
            scopes: consent.scopes.clone(),
            redirect_uri: consent.redirect_uri.clone(),
            code_challenge: consent.code_challenge.clone(),
            expires_at: now() + CODE_LIFETIME,
        };
        self.store.oauth_code_insert(&record).await?;
        Ok(code)
    }

    /// The token endpoint: a code (with its PKCE verifier) or a refresh token for a new
    /// access and refresh token.
    pub async fn token(&self, req: &TokenRequest) -> Result<Issued, Failure> {
        self.sweep_now_and_then().await;
        let client_id = uuid_of(Some(required(req.client_id.as_deref(), "client_id")?))
            .ok_or_else(|| {
                OAuthError::InvalidClient("`client_id` is not a registered client".into())
            })?;
        match req.grant_type.as_deref() {
            Some("authorization_code") => self.exchange(req, client_id).await,
            Some("refresh_token") => self.refresh(req, client_id).await,
            Some(other) => Err(OAuthError::UnsupportedGrantType(format!(
                "the grant type `{other}` is not supported: authorization_code or refresh_token"
            ))
            .into()),
            None => Err(OAuthError::InvalidRequest("`grant_type` is required".into()).into()),
        }
    }

    async fn exchange(&self, req: &TokenRequest, client_id: Uuid) -> Result<Issued, Failure> {
        let code = required(req.code.as_deref(), "code")?;
        let verifier = required(req.code_verifier.as_deref(), "code_verifier")?;
        let at = now();
        let bad = |why: &str| Failure::Refused(OAuthError::InvalidGrant(why.to_owned()));
        let record = match self.store.oauth_code_take(hash(code), at).await? {
            CodeTake::Fresh(record) => record,
            CodeTake::Replayed(grant) => {
                // A code used twice: someone else may hold it. What it gave is revoked.
                if let Some(grant) = grant {
                    self.store.oauth_grant_delete(None, grant).await?;
                    tracing::warn!(%grant, "oauth: an authorization code was used twice; its grant is revoked");
                }
                return Err(bad("the code was used already"));
            }
            CodeTake::Unknown => return Err(bad("the code is unknown")),
        };
        if record.expires_at <= at {
            return Err(bad("the code has expired"));
        }
        if record.client_id != client_id {
            return Err(bad("the code was given to another client"));
        }
        if req.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(bad(
                "`redirect_uri` must be the one the authorization request named",
            ));
        }
        if !pkce_matches(verifier, &record.code_challenge) {
            return Err(bad("the code_verifier does not match the code_challenge"));
        }
        let grant = Grant {
            id: Uuid::now_v7(),
            user_id: record.user_id,
            client_id,
            scopes: record.scopes,
            created_at: at,
            last_used_at: None,
        };
        let (issued, tokens) = token_pair(grant.scopes.clone(), at)?;
        self.store
            .oauth_grant_start(&grant, record.code_hash, &tokens)
            .await?;
        Ok(issued)
    }

    async fn refresh(&self, req: &TokenRequest, client_id: Uuid) -> Result<Issued, Failure> {
        let secret = required(req.refresh_token.as_deref(), "refresh_token")?;
        let asked = req
            .scope
            .as_deref()
            .map(|s| scopes_of(Some(s)))
            .transpose()?;
        let at = now();
        let bad = |why: &str| Failure::Refused(OAuthError::InvalidGrant(why.to_owned()));
        // The new pair's scopes are the grant's: filled in once the grant is known.
        let (mut issued, tokens) = token_pair(Scopes::from_stored(""), at)?;
        let grant = match self
            .store
            .oauth_refresh_take(hash(secret), at, &tokens)
            .await?
        {
            RefreshTake::Rotated(grant) => grant,
            RefreshTake::Reused(grant) => {
                self.store.oauth_grant_delete(None, grant).await?;
                tracing::warn!(%grant, "oauth: a spent refresh token was presented again; its grant is revoked");
                return Err(bad(
                    "the refresh token was used already: the grant is revoked, authorize again",
                ));
            }
            RefreshTake::Unknown => return Err(bad("the refresh token is unknown or expired")),
        };
        if grant.client_id != client_id {
            self.store.oauth_grant_delete(None, grant.id).await?;
            return Err(bad("the refresh token was given to another client"));
        }
        if let Some(asked) = asked
            && asked.iter().any(|s| !grant.scopes.allows(s))
        {
            return Err(OAuthError::InvalidScope(
                "a refresh may not ask for more than the user granted".into(),
            )
            .into());
        }
        issued.scopes = grant.scopes;
        Ok(issued)
    }

    /// What the access token `secret` grants: `None` unless it is a live `tw_oat_` token.
    pub async fn authenticate(&self, secret: &str) -> AppResult<Option<TokenGrant>> {
        if !secret
            .strip_prefix(ACCESS_PREFIX)
            .is_some_and(is_base64url_256)
        {
            return Ok(None);
        }
        let at = now();
        let Some(grant) = self.store.oauth_access(hash(secret), at).await? else {
            return Ok(None);
        };
        if stale(grant.last_used_at, at) {
            self.store
                .oauth_grant_touch(grant.id, at, at - TOUCH_EVERY)
                .await?;
        }
        Ok(Some(TokenGrant {
            user_id: grant.user_id,
            token_id: grant.id,
            scopes: grant.scopes,
        }))
    }

    /// The connected applications of `user_id`, newest first.
    pub async fn grants(&self, user_id: Uuid) -> AppResult<Vec<GrantListed>> {
        Ok(self.store.oauth_grants_of(user_id).await?)
    }

    /// Revokes grant `id` of `user_id` and its tokens, at once; `404` when it is not
    /// theirs.
    pub async fn revoke(&self, user_id: Uuid, id: Uuid) -> AppResult<()> {
        if self.store.oauth_grant_delete(Some(user_id), id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound(
                "there is no connected application with this id".into(),
            ))
        }
    }

    /// RFC 7009: the client `client_id` gives up the grant of `token` (access or refresh).
    /// An unknown token is no error (section 2.2).
    pub async fn revoke_token(&self, client_id: Option<&str>, token: &str) -> AppResult<()> {
        if let Some(client) = uuid_of(client_id) {
            self.store
                .oauth_revoke_by_token(hash(token), client)
                .await?;
        }
        Ok(())
    }

    /// Every [`SWEEP_EVERY`] calls, deletes ended codes and tokens and idle clients. A
    /// failure is logged: the rows wait for the next sweep.
    async fn sweep_now_and_then(&self) {
        if self.calls.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        let at = now();
        if let Err(e) = self.store.oauth_sweep(at, at - IDLE_CLIENT).await {
            tracing::warn!(error = %e, "oauth: the sweep of ended tokens failed");
        }
    }
}
